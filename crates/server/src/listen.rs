//! Binding the PostgreSQL-protocol port.
//!
//! The listener is bound before the data directory is touched, so a port that is taken
//! fails the start at once (ERR-DB-009, naming the address and port and the flags that
//! change them) instead of after a recovery. The kernel queues connections that arrive
//! while the database is still opening; they are served once it is ready.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpListener};

use rustydb_common::{DbError, ErrorCode};

/// Binds `address:port` (a std listener, handed to tokio once the runtime runs).
pub fn bind(address: IpAddr, port: u16) -> Result<TcpListener, DbError> {
    let at = SocketAddr::new(address, port);
    let listener = TcpListener::bind(at).map_err(|e| bind_error(at, &e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| bind_error(at, &e))?;
    Ok(listener)
}

fn bind_error(at: SocketAddr, e: &std::io::Error) -> DbError {
    let reason = match e.kind() {
        ErrorKind::AddrInUse => "the address and port are already in use".to_string(),
        ErrorKind::AddrNotAvailable => "the address is not an address of this machine".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    let hint = match e.kind() {
        ErrorKind::AddrInUse => format!(
            "Another process (perhaps another rusty-db-server) is listening on {at}: stop it, \
             or choose another port with --port or RUSTYDB_PORT."
        ),
        ErrorKind::AddrNotAvailable => "Choose an address of this machine with --listen-address \
             or RUSTYDB_LISTEN_ADDRESS (127.0.0.1, or 0.0.0.0 for every interface)."
            .to_string(),
        _ => ErrorCode::ListenFailed.info().hint.to_string(),
    };
    DbError::from_template(
        ErrorCode::ListenFailed,
        &[("address", &at), ("reason", &reason)],
    )
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn a_taken_port_names_address_port_and_the_flag() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let e = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), port).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ListenFailed);
        assert_eq!(
            e.message(),
            format!(
                "could not listen on 127.0.0.1:{port}: the address and port are already in use"
            )
        );
        assert!(e.hint().unwrap().contains("--port or RUSTYDB_PORT"));
    }

    #[test]
    fn a_free_port_binds() {
        let listener = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), 0).unwrap();
        assert!(listener.local_addr().unwrap().port() > 0);
    }
}
