//! Monitoring of sessions and transactions: locks, lock waits, deadlocks, connections
//! and slow queries. Reads need any valid token; terminating a connection needs a
//! superuser.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rustydb_http::{ApiError, HttpContext, Principal};
use rustydb_txn::lock::LockWait;
use serde::{Deserialize, Serialize};

use crate::openapi::{AdminErrors, MonitorErrors};
use crate::util::{ms, rfc3339};

/// A lock held or awaited.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LockInfo {
    /// The transaction holding or requesting it.
    pub transaction_id: u64,
    /// The locked resource (`relation 16384`, `tuple (0,1) of relation 16384`, ...).
    pub resource: String,
    /// PostgreSQL's mode name (`RowExclusiveLock`, ...).
    pub mode: String,
    /// False for a request still waiting.
    pub granted: bool,
}

/// Lock manager counters.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LockCounters {
    /// Locks granted or upgraded.
    pub acquisitions: u64,
    /// Requests that had to wait.
    pub waits: u64,
    /// Mean finished wait, milliseconds.
    pub avg_wait_ms: f64,
    /// Longest finished wait, milliseconds.
    pub max_wait_ms: f64,
    /// Locks held now.
    pub held: u64,
    /// Requests waiting now.
    pub waiting: u64,
    /// Deadlocks detected.
    pub deadlocks: u64,
    /// Waits ended by `lock_timeout`.
    pub timeouts: u64,
}

/// `GET /locks`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LocksReport {
    /// Every lock held by a running transaction, and every waiting request.
    pub locks: Vec<LockInfo>,
    /// Counters since start.
    pub stats: LockCounters,
}

/// A waiting lock request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LockWaitInfo {
    /// The waiting transaction.
    pub waiter: u64,
    /// The resource.
    pub resource: String,
    /// The mode asked for.
    pub mode: String,
    /// The mode already held on it, for an upgrade.
    pub held_mode: Option<String>,
    /// The transactions it waits for.
    pub blockers: Vec<u64>,
    /// When the wait began (RFC 3339).
    pub since: String,
    /// Milliseconds waited so far.
    pub waited_ms: f64,
}

/// A detected deadlock.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadlockInfo {
    /// When it was detected (RFC 3339).
    pub detected_at: String,
    /// The transaction whose check found it.
    pub detected_by: u64,
    /// The cycle, each waiting for the next.
    pub cycle: Vec<u64>,
    /// What each member of the cycle waited for (`mode on resource`).
    pub resources: Vec<String>,
    /// The transaction whose request was refused.
    pub victim: u64,
    /// PostgreSQL-style DETAIL sent to the victim.
    pub detail: String,
}

/// A session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionInfo {
    /// Its id (`pg_backend_pid()`).
    pub id: u32,
    /// User.
    pub user: String,
    /// Database.
    pub database: String,
    /// Client address, for network sessions.
    pub client_addr: Option<String>,
    /// `application_name`.
    pub application_name: String,
    /// When it connected (RFC 3339).
    pub connected_at: String,
    /// `active`, `idle`, `idle in transaction`, ...
    pub state: String,
    /// The statement running or last run (only for a superuser or its own user).
    pub query: Option<String>,
    /// When that statement started.
    pub query_started_at: Option<String>,
    /// Its open transaction.
    pub transaction_id: Option<u64>,
}

/// A slow statement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlowQueryOut {
    /// The statement.
    pub sql: String,
    /// Who ran it.
    pub user: String,
    /// In which database.
    pub database: String,
    /// The session's id.
    pub pid: u32,
    /// Milliseconds it took.
    pub duration_ms: f64,
    /// Its plan, when known.
    pub plan: Option<String>,
    /// When it finished.
    pub finished_at: String,
}

/// `?limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LimitParams {
    /// At most this many (default 100).
    #[param(minimum = 0)]
    pub limit: Option<usize>,
}

/// `GET /queries/slow` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SlowParams {
    /// At most this many (default 100).
    #[param(minimum = 0)]
    pub limit: Option<usize>,
    /// Only statements that took at least this many milliseconds (at most a day).
    #[param(minimum = 0, maximum = 86400000)]
    pub min_duration_ms: Option<u64>,
}

/// Locks held and awaited, with lock manager counters.
#[utoipa::path(get, path = "/api/v1/locks", tag = "monitoring",
    responses((status = 200, description = "Locks", body = LocksReport), MonitorErrors))]
pub async fn locks(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
) -> Result<axum::Json<LocksReport>, ApiError> {
    let txns = ctx.engine()?.txns();
    let lm = txns.locks();
    let mut locks = Vec::new();
    let mut running: Vec<u64> = txns.active_transactions().iter().map(|t| t.xid).collect();
    running.sort_unstable();
    for xid in running {
        for (tag, mode) in lm.held_by(xid) {
            locks.push(LockInfo {
                transaction_id: xid,
                resource: tag.to_string(),
                mode: mode.to_string(),
                granted: true,
            });
        }
    }
    for w in lm.waits() {
        locks.push(LockInfo {
            transaction_id: w.waiter,
            resource: w.tag.to_string(),
            mode: w.mode.to_string(),
            granted: false,
        });
    }
    let s = lm.stats();
    Ok(axum::Json(LocksReport {
        locks,
        stats: LockCounters {
            acquisitions: s.acquisitions,
            waits: s.waits,
            avg_wait_ms: ms(s.avg_wait),
            max_wait_ms: ms(s.max_wait),
            held: s.held,
            waiting: s.waiting,
            deadlocks: s.deadlocks,
            timeouts: s.timeouts,
        },
    }))
}

fn wait_info(w: LockWait) -> LockWaitInfo {
    LockWaitInfo {
        waiter: w.waiter,
        resource: w.tag.to_string(),
        mode: w.mode.to_string(),
        held_mode: w.held.map(|m| m.to_string()),
        blockers: w.blockers,
        since: rfc3339(w.since),
        waited_ms: ms(w.waited),
    }
}

/// Lock requests waiting now, with whom they wait for.
#[utoipa::path(get, path = "/api/v1/locks/waits", tag = "monitoring",
    responses((status = 200, description = "Waits", body = Vec<LockWaitInfo>), MonitorErrors))]
pub async fn lock_waits(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
) -> Result<axum::Json<Vec<LockWaitInfo>>, ApiError> {
    let waits = ctx.engine()?.txns().locks().waits();
    Ok(axum::Json(waits.into_iter().map(wait_info).collect()))
}

/// Recent deadlocks, newest first.
#[utoipa::path(get, path = "/api/v1/deadlocks", tag = "monitoring", params(LimitParams),
    responses((status = 200, description = "Deadlocks", body = Vec<DeadlockInfo>), AdminErrors))]
pub async fn deadlocks(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
    Query(p): Query<LimitParams>,
) -> Result<axum::Json<Vec<DeadlockInfo>>, ApiError> {
    let events = ctx
        .engine()?
        .txns()
        .locks()
        .deadlocks(p.limit.unwrap_or(100));
    Ok(axum::Json(
        events
            .into_iter()
            .map(|d| DeadlockInfo {
                detected_at: rfc3339(d.at),
                detected_by: d.detected_by,
                cycle: d.cycle,
                resources: d
                    .resources
                    .iter()
                    .map(|(tag, mode)| format!("{mode} on {tag}"))
                    .collect(),
                victim: d.victim,
                detail: d.detail,
            })
            .collect(),
    ))
}

/// Every session: wire-protocol connections, HTTP transactions, internal ones.
#[utoipa::path(get, path = "/api/v1/connections", tag = "monitoring",
    responses((status = 200, description = "Sessions", body = Vec<ConnectionInfo>), MonitorErrors))]
pub async fn connections(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<Vec<ConnectionInfo>>, ApiError> {
    let mut list = ctx.engine()?.sessions().list();
    list.sort_by_key(|s| s.pid);
    Ok(axum::Json(
        list.into_iter()
            .map(|s| {
                let own = caller.superuser || s.user == caller.user;
                ConnectionInfo {
                    id: s.pid,
                    client_addr: s.client_addr.map(|a| a.to_string()),
                    application_name: s.application_name,
                    connected_at: rfc3339(s.connected_at),
                    state: s.state.as_str().to_string(),
                    query: own.then_some(s.query),
                    query_started_at: s.query_started_at.map(rfc3339),
                    transaction_id: s.transaction_id,
                    user: s.user,
                    database: s.database,
                }
            })
            .collect(),
    ))
}

/// Terminates a session (`pg_terminate_backend`); superuser.
#[utoipa::path(delete, path = "/api/v1/connections/{id}", tag = "admin",
    params(("id" = u32, Path, description = "Session id")),
    responses((status = 204, description = "Terminated"), AdminErrors))]
pub async fn terminate_connection(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u32>,
) -> Result<StatusCode, ApiError> {
    caller.require_superuser("terminating a connection")?;
    if ctx.engine()?.sessions().terminate(id) {
        tracing::info!(
            target: rustydb_common::logging::AUDIT_TARGET,
            pid = id,
            by = %caller.user,
            "CONNECTION_TERMINATED session {id} by \"{}\" over HTTP",
            caller.user
        );
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("connection {id}")))
    }
}

/// Statements over `log.slow_query_threshold_ms`, newest first (the other users' only
/// for a superuser).
#[utoipa::path(get, path = "/api/v1/queries/slow", tag = "monitoring", params(SlowParams),
    responses((status = 200, description = "Slow statements", body = Vec<SlowQueryOut>), AdminErrors))]
pub async fn slow_queries(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Query(p): Query<SlowParams>,
) -> Result<axum::Json<Vec<SlowQueryOut>>, ApiError> {
    let min_duration = p.min_duration_ms.unwrap_or(0);
    if min_duration > 86_400_000 {
        return Err(ApiError::bad_request(
            "parameter min_duration_ms: must be between 0 and 86400000",
        ));
    }
    let list = ctx
        .engine()?
        .slow_queries(p.limit.unwrap_or(100), min_duration);
    Ok(axum::Json(
        list.into_iter()
            .filter(|q| caller.superuser || q.user == caller.user)
            .map(|q| SlowQueryOut {
                sql: q.sql,
                user: q.user,
                database: q.database,
                pid: q.pid,
                duration_ms: q.duration_ms,
                plan: q.plan,
                finished_at: q.finished_at,
            })
            .collect(),
    ))
}
