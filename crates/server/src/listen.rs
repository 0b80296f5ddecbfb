//! Binding the PostgreSQL-protocol port and the HTTP port.
//!
//! Both listeners are bound before the data directory is touched, so a port that is
//! taken fails the start at once (ERR-DB-009, naming the address and port and the flags
//! that change them) instead of after a recovery. The kernel queues PostgreSQL
//! connections that arrive while the database is still opening; they are served once it
//! is ready. The HTTP port is served from the start (`/health/live` answers during
//! recovery; routes that need the database answer 503 until it is open).

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpListener};

use rustydb_common::{DbError, ErrorCode};

/// The flag and variable that choose the PostgreSQL port, named in the error hint.
const PG_PORT_FLAGS: &str = "--port or RUSTYDB_PORT";

/// The flag and variable that choose the HTTP port, named in the error hint.
const HTTP_PORT_FLAGS: &str = "--graphql-port or RUSTYDB_GRAPHQL_PORT";

/// Binds the PostgreSQL-protocol `address:port` (a std listener, handed to tokio once
/// the runtime runs).
pub fn bind(address: IpAddr, port: u16) -> Result<TcpListener, DbError> {
    bind_for(address, port, PG_PORT_FLAGS)
}

/// Binds the HTTP `address:port` (`http.port`); a taken port names `--graphql-port`.
pub fn bind_http(address: IpAddr, port: u16) -> Result<TcpListener, DbError> {
    bind_for(address, port, HTTP_PORT_FLAGS)
}

fn bind_for(address: IpAddr, port: u16, flags: &str) -> Result<TcpListener, DbError> {
    let at = SocketAddr::new(address, port);
    let listener = TcpListener::bind(at).map_err(|e| bind_error(at, flags, &e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| bind_error(at, flags, &e))?;
    Ok(listener)
}

fn bind_error(at: SocketAddr, flags: &str, e: &std::io::Error) -> DbError {
    let reason = match e.kind() {
        ErrorKind::AddrInUse => "the address and port are already in use".to_string(),
        ErrorKind::AddrNotAvailable => "the address is not an address of this machine".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    let hint = match e.kind() {
        ErrorKind::AddrInUse => format!(
            "Another process (perhaps another rusty-db-server) is listening on {at}: stop it, \
             or choose another port with {flags}."
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
    fn a_taken_http_port_names_the_graphql_port_flag() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let e = bind_http(IpAddr::V4(Ipv4Addr::LOCALHOST), port).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ListenFailed);
        assert!(e.message().contains(&format!("127.0.0.1:{port}")));
        assert!(
            e.hint()
                .unwrap()
                .contains("--graphql-port or RUSTYDB_GRAPHQL_PORT")
        );
    }

    #[test]
    fn a_free_port_binds() {
        let listener = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), 0).unwrap();
        assert!(listener.local_addr().unwrap().port() > 0);
    }
}
