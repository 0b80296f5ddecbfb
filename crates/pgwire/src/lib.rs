//! RustyDB's PostgreSQL v3 wire protocol front end.
//!
//! [`PgServer::serve`] accepts TCP connections and speaks PostgreSQL's protocol on
//! them, so psql, libpq, JDBC, tokio-postgres and pgbench work unchanged. See
//! docs/wire-protocol.md for what is supported and how it differs from PostgreSQL.
//!
//! # Design
//!
//! **One connection** is one tokio task for its start-up (SSLRequest and TLS, the
//! startup packet, CancelRequest, the connection limit, SCRAM-SHA-256 authentication)
//! and then one thread that does everything else:
//!
//! ```text
//!   socket ──blocking read──► session thread ──buffered blocking write──► socket
//!   (frames; 08P01 on garbage)  (Session: simple, extended, COPY)
//! ```
//!
//! The engine's [`rustydb_sql::Session`] is synchronous, so it lives on a thread of its
//! own that runs the whole protocol state machine (statements, portals, COPY, errors
//! skipping to Sync) as straight-line code. After start-up the socket leaves the tokio
//! runtime (a std `TcpStream` in blocking mode; TLS continues on it through
//! `rustls::StreamOwned`) and the session thread reads each message, runs it and
//! writes the reply itself, so a round trip involves no other thread. Output is
//! buffered and written at ReadyForQuery, Flush, before waiting for COPY data, and
//! every 64 KiB of a large result. The connection's task only waits for the thread to
//! end, so that `serve` knows when every connection is closed.
//!
//! **Ending a connection**: the client's Terminate or EOF; a malformed frame (08P01,
//! FATAL); `idle_session_timeout` (57P05, a read timeout on the socket);
//! `pg_terminate_backend` and server shutdown (FATAL 57P01). The last two reach the
//! thread by a flag (the session's terminated flag, the server's shutting-down flag)
//! and by shutting down the socket's read side, which ends a read the thread is blocked
//! in; the thread then sees the flag and writes the FATAL itself, so only that thread
//! ever writes the socket. A busy session sees the flag after its statement (a
//! terminate also cancels the statement; shutdown does so at the grace deadline). The
//! session is dropped on its thread, which rolls back an open transaction and removes
//! it from the engine's session registry. CancelRequest only cancels the statement,
//! through the registry.

mod auth;
mod backend;
mod conn;
mod copy;
mod errors;
mod extended;
mod frontend;
mod logins;
mod server;
mod startup;
mod tls;
mod values;
mod wire;
mod worker;

use std::time::Duration;

pub use logins::UserLoginStatus;
pub use server::{ConnectionStats, PgServer};
pub use tls::tls_acceptor;

/// The TLS acceptor (`tokio_rustls`, ring provider) used for SSLRequest.
pub type TlsAcceptor = pgwire::tokio::TlsAcceptor;

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// SCRAM-SHA-256 against the role's stored verifier (the default).
    ScramSha256,
    /// No password: any existing role that may log in is let in (local testing only).
    Trust,
}

/// Settings of the wire-protocol front end.
#[derive(Clone)]
pub struct PgWireOptions {
    /// How clients authenticate.
    pub auth_method: AuthMethod,
    /// Sessions at most; the next connection gets 53300.
    pub max_connections: u32,
    /// Close sessions idle (outside a transaction) longer than this (57P05).
    pub idle_session_timeout: Option<Duration>,
    /// Failed logins in a row before the account is locked; 0 = never lock.
    pub max_failed_logins: u32,
    /// How long a locked account stays locked.
    pub lockout_duration: Duration,
    /// TLS for clients that send SSLRequest; `None` answers 'N' (no TLS).
    pub tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for PgWireOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWireOptions")
            .field("auth_method", &self.auth_method)
            .field("max_connections", &self.max_connections)
            .field("idle_session_timeout", &self.idle_session_timeout)
            .field("max_failed_logins", &self.max_failed_logins)
            .field("lockout_duration", &self.lockout_duration)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Default for PgWireOptions {
    /// SCRAM-SHA-256, 100 connections, no idle timeout, lock after 5 failures for 5
    /// minutes, no TLS.
    fn default() -> PgWireOptions {
        PgWireOptions {
            auth_method: AuthMethod::ScramSha256,
            max_connections: 100,
            idle_session_timeout: None,
            max_failed_logins: 5,
            lockout_duration: Duration::from_secs(300),
            tls: None,
        }
    }
}
