//! `/health`, `/health/live`, `/health/ready`.
//!
//! - `/health/live`: 200 `{"status":"alive"}` whenever the process answers.
//! - `/health/ready`: 200 `{"status":"ready"}` once crash recovery is done and the engine
//!   is attached; before that 503 with the `57P03` error body.
//! - `/health`: the server's state and its checks, each `healthy`, `degraded` or
//!   `unhealthy`; the overall status is the worst of them, and `failing` names every
//!   check that is not healthy. 200 for healthy and degraded, 503 for unhealthy (and
//!   503 `57P03` while starting).
//!
//! Checks, run on each request:
//! - `storage`: a real probe: `<data_dir>/health_probe` is written, fsynced, read back
//!   and removed (one probe at a time); any failure is unhealthy.
//! - `wal`: unhealthy once the WAL is poisoned (a failed write or fsync stops it until a
//!   restart) or its directory is not writable.
//! - `connections`: degraded when every PostgreSQL-protocol connection slot is taken
//!   (new clients are refused).
//! - `replication`: healthy, "not configured": RustyDB has no replication yet.
//!
//! All routes are open when `http.public_health` is set, else they need an API token.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use parking_lot::Mutex;
use serde::Serialize;

use crate::auth::Principal;
use crate::context::HttpContext;
use crate::error::ApiError;

/// The state of the server or of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Working.
    Healthy,
    /// Working, with a problem an operator should look at.
    Degraded,
    /// Not working.
    Unhealthy,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `storage`, `wal`, `connections` or `replication`.
    pub name: &'static str,
    /// Its result.
    pub status: Status,
    /// What was found.
    pub detail: String,
}

/// Connection counts.
#[derive(Debug, Clone, Serialize)]
pub struct Connections {
    /// Open PostgreSQL-protocol connections.
    pub active: u64,
    /// `server.max_connections`.
    pub max: u64,
}

/// Buffer pool occupancy.
#[derive(Debug, Clone, Serialize)]
pub struct BufferPool {
    /// Frames.
    pub size: u64,
    /// Frames holding a page.
    pub used: u64,
    /// `hits / (hits + misses)`, 1.0 before any lookup.
    pub hit_rate: f64,
}

/// Transaction counts.
#[derive(Debug, Clone, Serialize)]
pub struct Transactions {
    /// Open now.
    pub active: u64,
    /// Committed since start.
    pub committed: u64,
    /// Rolled back since start.
    pub aborted: u64,
}

/// The body of `GET /health`.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// The worst status of the checks.
    pub status: Status,
    /// The server version.
    pub version: &'static str,
    /// Seconds since the server started.
    pub uptime: u64,
    /// Connection counts.
    pub connections: Connections,
    /// Buffer pool occupancy.
    pub buffer_pool: BufferPool,
    /// Transaction counts.
    pub transactions: Transactions,
    /// Every check.
    pub checks: Vec<Check>,
    /// The names of the checks that are not healthy.
    pub failing: Vec<&'static str>,
}

/// The health routes.
pub fn router() -> Router<Arc<HttpContext>> {
    Router::new()
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

fn allowed(ctx: &HttpContext, principal: &Option<Extension<Principal>>) -> Result<(), ApiError> {
    if ctx.http().public_health || principal.is_some() {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "authentication required: health routes are not public (http.public_health = false)",
        ))
    }
}

async fn live(
    State(ctx): State<Arc<HttpContext>>,
    principal: Option<Extension<Principal>>,
) -> Result<Response, ApiError> {
    allowed(&ctx, &principal)?;
    Ok(Json(serde_json::json!({"status": "alive"})).into_response())
}

async fn ready(
    State(ctx): State<Arc<HttpContext>>,
    principal: Option<Extension<Principal>>,
) -> Result<Response, ApiError> {
    allowed(&ctx, &principal)?;
    if !ctx.is_ready() {
        return Err(ApiError::starting());
    }
    Ok(Json(serde_json::json!({"status": "ready"})).into_response())
}

async fn health(
    State(ctx): State<Arc<HttpContext>>,
    principal: Option<Extension<Principal>>,
) -> Result<Response, ApiError> {
    allowed(&ctx, &principal)?;
    ctx.engine()?;
    let report = crate::context::blocking(move || Ok(assess(&ctx))).await??;
    let code = if report.status == Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok((code, Json(report)).into_response())
}

/// Gathers the state and runs every check (blocking: the storage probe fsyncs).
pub fn assess(ctx: &HttpContext) -> Result<Health, ApiError> {
    let engine = ctx.engine()?;
    let pg = ctx.pg()?.stats();
    let storage = engine.storage();
    let pool = storage.pool().stats();
    let totals = engine.txns().totals();
    let mut checks = vec![
        storage_check(storage.data_dir()),
        wal_check(storage.wal().failure(), &storage.data_dir().join("wal")),
    ];
    checks.push(if pg.active >= pg.max && pg.max > 0 {
        Check {
            name: "connections",
            status: Status::Degraded,
            detail: format!(
                "all {} connection slots are in use; new clients are refused",
                pg.max
            ),
        }
    } else {
        Check {
            name: "connections",
            status: Status::Healthy,
            detail: format!("{} of {} connection slots in use", pg.active, pg.max),
        }
    });
    checks.push(Check {
        name: "replication",
        status: Status::Healthy,
        detail: "not configured: this server has no replication".into(),
    });
    let status = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Healthy);
    let failing = checks
        .iter()
        .filter(|c| c.status != Status::Healthy)
        .map(|c| c.name)
        .collect();
    Ok(Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        uptime: ctx.uptime().as_secs(),
        connections: Connections {
            active: u64::from(pg.active),
            max: u64::from(pg.max),
        },
        buffer_pool: BufferPool {
            size: pool.size as u64,
            used: pool.used as u64,
            hit_rate: pool.hit_rate,
        },
        transactions: Transactions {
            active: engine.txns().active_transactions().len() as u64,
            committed: totals.committed,
            aborted: totals.aborted,
        },
        checks,
        failing,
    })
}

/// One storage probe at a time (they share the file name).
static PROBE: Mutex<()> = Mutex::new(());

/// The file the storage probe writes in the data directory.
pub const PROBE_FILE: &str = "health_probe";

/// Writes, fsyncs, reads back and removes `<data_dir>/health_probe`.
pub fn storage_check(data_dir: &Path) -> Check {
    let _one = PROBE.lock();
    let started = Instant::now();
    let path = data_dir.join(PROBE_FILE);
    let payload = format!("rustydb health probe {}\n", std::process::id());
    let run = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&path)?;
        f.write_all(payload.as_bytes())?;
        f.sync_all()?;
        let mut back = String::new();
        std::fs::File::open(&path)?.read_to_string(&mut back)?;
        if back != payload {
            return Err(std::io::Error::other("read back different bytes"));
        }
        std::fs::remove_file(&path)
    };
    match run() {
        Ok(()) => Check {
            name: "storage",
            status: Status::Healthy,
            detail: format!(
                "wrote, fsynced, read back and removed {} in {:.3} ms",
                path.display(),
                started.elapsed().as_secs_f64() * 1000.0
            ),
        },
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Check {
                name: "storage",
                status: Status::Unhealthy,
                detail: format!("probe of {} failed: {e}", path.display()),
            }
        }
    }
}

/// The WAL is usable: not poisoned, its directory writable.
pub fn wal_check(failure: Option<String>, wal_dir: &Path) -> Check {
    if let Some(reason) = failure {
        return Check {
            name: "wal",
            status: Status::Unhealthy,
            detail: format!(
                "the WAL stopped accepting records after an I/O failure ({reason}); restart the server"
            ),
        };
    }
    let writable = std::ffi::CString::new(wal_dir.as_os_str().as_encoded_bytes())
        .ok()
        // SAFETY: a valid NUL-terminated path; access() only reads it.
        .is_some_and(|p| unsafe { libc::access(p.as_ptr(), libc::W_OK) } == 0);
    if writable {
        Check {
            name: "wal",
            status: Status::Healthy,
            detail: "accepting records".into(),
        }
    } else {
        Check {
            name: "wal",
            status: Status::Unhealthy,
            detail: format!("{} is not writable", wal_dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_and_wal_checks() {
        let dir = tempfile::tempdir().unwrap();
        let ok = storage_check(dir.path());
        assert_eq!(ok.status, Status::Healthy, "{}", ok.detail);
        assert!(!dir.path().join(PROBE_FILE).exists());
        let bad = storage_check(&dir.path().join("missing"));
        assert_eq!(bad.status, Status::Unhealthy);
        assert!(bad.detail.contains("missing"), "{}", bad.detail);

        assert_eq!(wal_check(None, dir.path()).status, Status::Healthy);
        let poisoned = wal_check(Some("fsync failed".into()), dir.path());
        assert_eq!(poisoned.status, Status::Unhealthy);
        assert!(poisoned.detail.contains("fsync failed"));
        assert_eq!(
            wal_check(None, &dir.path().join("missing")).status,
            Status::Unhealthy
        );
        assert!(Status::Unhealthy > Status::Degraded && Status::Degraded > Status::Healthy);
    }
}
