//! The PostgreSQL-protocol front end's options, from the configuration.

use std::time::Duration;

use rustydb_common::config::{AuthMethod, Config};
use rustydb_common::{DbError, ErrorCode};
use rustydb_pgwire::{PgWireOptions, tls_acceptor};

/// [`PgWireOptions`] for a validated configuration. Loads the TLS certificate and key
/// when both `tls.cert_file` and `tls.key_file` are set; an unreadable or invalid file is
/// an error naming it.
pub fn options(config: &Config) -> Result<PgWireOptions, DbError> {
    let auth_method = match config.auth.method {
        AuthMethod::ScramSha256 => rustydb_pgwire::AuthMethod::ScramSha256,
        AuthMethod::Trust => rustydb_pgwire::AuthMethod::Trust,
        other => {
            return Err(DbError::new(
                ErrorCode::ConfigInvalid,
                format!("auth.method = {other}: not supported by this server"),
            )
            .with_hint("Use scram-sha-256 or trust."));
        }
    };
    let tls = match config.tls.files() {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let idle = config.server.idle_session_timeout_seconds;
    Ok(PgWireOptions {
        auth_method,
        max_connections: config.server.max_connections,
        idle_session_timeout: (idle > 0).then(|| Duration::from_secs(idle)),
        max_failed_logins: config.auth.max_failed_logins,
        lockout_duration: Duration::from_secs(config.auth.lockout_seconds),
        tls,
    })
}
