//! What every HTTP handler can reach: the configuration, the engine and the
//! PostgreSQL-protocol server (once recovery is done), the rate limiter, and the
//! process's start time.
//!
//! The HTTP listener starts *before* the engine opens, so that `/health/live` and
//! `/health/ready` answer during a long crash recovery; until [`HttpContext::attach`]
//! is called, anything that needs the engine answers 503 (`57P03`, "starting up").

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustydb_common::DbError;
use rustydb_common::config::{Config, HttpConfig};
use rustydb_pgwire::PgServer;
use rustydb_sql::Engine;

use crate::error::ApiError;
use crate::ratelimit::RateLimiter;

/// Shared state of the HTTP front ends.
#[derive(Debug)]
pub struct HttpContext {
    config: Config,
    engine: OnceLock<Arc<Engine>>,
    pg: OnceLock<Arc<PgServer>>,
    started: Instant,
    /// Per-token and per-address request limits.
    pub limiter: RateLimiter,
    /// Transactions held open across HTTP requests.
    pub txns: crate::txns::HttpTransactions,
    /// Cursors over the unsent rows of large HTTP query results.
    pub cursors: crate::cursors::Cursors,
}

impl HttpContext {
    /// A context for this configuration; the engine comes later with [`attach`](Self::attach).
    pub fn new(config: Config) -> Arc<HttpContext> {
        let limiter = RateLimiter::new(config.http.rate_limit_per_minute);
        Arc::new(HttpContext {
            config,
            engine: OnceLock::new(),
            pg: OnceLock::new(),
            started: Instant::now(),
            limiter,
            txns: crate::txns::HttpTransactions::new(),
            cursors: crate::cursors::Cursors::new(),
        })
    }

    /// Hands over the open engine and the wire-protocol server: the database is ready.
    pub fn attach(&self, engine: Arc<Engine>, pg: Arc<PgServer>) {
        let _ = self.engine.set(engine);
        let _ = self.pg.set(pg);
    }

    /// The engine, or 503 while it is still starting.
    pub fn engine(&self) -> Result<&Arc<Engine>, ApiError> {
        self.engine.get().ok_or_else(ApiError::starting)
    }

    /// The PostgreSQL-protocol server (connection statistics, user lockouts), or 503
    /// while starting.
    pub fn pg(&self) -> Result<&Arc<PgServer>, ApiError> {
        self.pg.get().ok_or_else(ApiError::starting)
    }

    /// Whether recovery is done and the engine is attached.
    pub fn is_ready(&self) -> bool {
        self.engine.get().is_some()
    }

    /// The whole configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The `[http]` section.
    pub fn http(&self) -> &HttpConfig {
        &self.config.http
    }

    /// `http.idle_timeout_seconds`: how long an HTTP transaction or cursor may sit idle.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.config.http.idle_timeout_seconds.max(1))
    }

    /// Time since the server process started serving HTTP.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Runs blocking engine work (SQL, checkpoints, token lookups) on tokio's blocking pool,
/// inside the current request's id scope; a panic in it becomes a 500.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    let id = crate::request_id::current();
    let joined = tokio::task::spawn_blocking(move || {
        let _span = id.map(|id| tracing::info_span!("request", request_id = %id).entered());
        f()
    })
    .await;
    match joined {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(format!("a request task failed: {e}"))),
    }
}
