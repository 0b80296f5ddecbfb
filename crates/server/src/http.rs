//! The HTTP front ends (REST, GraphQL, `/health`, `/metrics`) on `http.port`.
//!
//! ```text
//!  bound with the PostgreSQL port        listen::bind_http, before the data directory
//!  start: serve at once                  HttpContext without an engine: /health/live
//!                                        answers, database routes answer 503 (57P03)
//!  the engine is open                    run::serve calls ctx.attach(engine, pg)
//!  announce                              "HTTP API ready on http://address:port"
//!  finish                                the same signal as the PostgreSQL server stops
//!                                        it; open requests get the shutdown grace
//! ```
//!
//! `http.auth = off` is an explicit choice that makes every request act as the superuser
//! `rustydb`: it is warned about at every start, in the main log and the audit log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustydb_common::DbError;
use rustydb_common::config::Config;
use rustydb_common::logging::AUDIT_TARGET;
use rustydb_http::HttpContext;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::fatal::Fatal;

/// The warning logged at start when `http.auth` is off.
pub const AUTH_OFF_WARNING: &str = "http.auth = off: REST and GraphQL accept requests \
    without a token and run them as the superuser rustydb";

/// The running HTTP server task.
#[derive(Debug)]
pub struct Running(JoinHandle<std::io::Result<()>>);

/// Starts serving on `listener` until `stop` is cancelled; the context (to attach the
/// engine to once it is open) and the task.
pub fn start(
    config: &Config,
    listener: tokio::net::TcpListener,
    stop: CancellationToken,
) -> (Arc<HttpContext>, Running) {
    let ctx = HttpContext::new(config.clone());
    let routes = rustydb_rest::router().merge(rustydb_graphql::router());
    let app = rustydb_http::app(ctx.clone(), routes);
    let grace = Duration::from_secs(config.server.shutdown_grace_seconds);
    rustydb_http::spawn_housekeeping(ctx.clone(), stop.clone());
    let task = tokio::spawn(rustydb_http::serve(listener, app, stop, grace));
    (ctx, Running(task))
}

/// Logs that the API can now reach the database.
pub fn announce(config: &Config) {
    let at = SocketAddr::new(config.server.listen_address, config.http.port);
    tracing::info!(
        address = %at.ip(),
        port = at.port(),
        "HTTP API ready on http://{at}"
    );
}

/// Waits for the HTTP server to stop (it stops on the shutdown signal).
pub async fn finish(running: Running) -> Result<(), Fatal> {
    let result = match running.0.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the HTTP server failed: {e}")),
        Err(e) => Err(format!("the HTTP server task failed: {e}")),
    };
    tracing::info!("stopped serving HTTP");
    result.map_err(|e| Fatal(DbError::internal(e)))
}

/// Warns when `http.auth` is off: an audit event, which also reaches the main log.
pub fn warn_if_open(config: &Config) {
    if !config.http.auth {
        tracing::warn!(target: AUDIT_TARGET, "{AUTH_OFF_WARNING}");
    }
}
