//! `GET /metrics`: Prometheus text exposition.
//!
//! Two sources, rendered one after the other:
//!
//! 1. **Live state, read at scrape time** from the engine and the wire-protocol server
//!    (connections, transactions, locks, buffer pool, WAL, checkpoints, replication,
//!    process): written here with `# HELP` / `# TYPE`, so they are exact whether or not
//!    a recorder was installed when they changed.
//! 2. **Events through the `metrics` facade** (statements by kind, errors by code, WAL
//!    fsync latency, HTTP requests, rate-limited requests): recorded where they happen,
//!    into the process-wide Prometheus recorder that [`install`] sets once; histograms
//!    get fixed buckets ([`BUCKETS`]) so they render as Prometheus histograms.
//!
//! Every metric name starts with `rustydb_`; counters end in `_total`; units are
//! seconds and bytes. `docs/monitoring.md` lists them all. The route is open when
//! `http.public_metrics` is set, else it needs an API token (401 without).

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::auth::Principal;
use crate::context::HttpContext;
use crate::error::ApiError;

/// Histogram buckets, in seconds, for every facade histogram.
pub const BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    30.0, 60.0,
];

/// The Prometheus content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's `metrics` recorder (once; later
/// calls return the same handle). `None` if another recorder was installed first, in
/// which case `/metrics` shows only the live state.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = match PrometheusBuilder::new().set_buckets(BUCKETS) {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "metrics: invalid histogram buckets");
                    return None;
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %e, "metrics: another recorder is installed");
                return None;
            }
            describe();
            Some(handle)
        })
        .as_ref()
}

/// HELP texts of the facade metrics.
fn describe() {
    use metrics::{describe_counter, describe_histogram};
    describe_counter!(
        "rustydb_statements_total",
        "Statements run, by kind (select, insert, update, delete, ddl, transaction, copy, explain, utility)."
    );
    describe_histogram!(
        "rustydb_statement_duration_seconds",
        metrics::Unit::Seconds,
        "Statement latency by kind, implicit commit included."
    );
    describe_counter!(
        "rustydb_errors_total",
        "Errors returned to clients by sessions, by RustyDB error code."
    );
    describe_histogram!(
        "rustydb_wal_fsync_duration_seconds",
        metrics::Unit::Seconds,
        "Latency of each fdatasync of a WAL segment."
    );
    describe_counter!(
        "rustydb_http_requests_total",
        "HTTP requests by method, route template and status."
    );
    describe_histogram!(
        "rustydb_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by route template."
    );
    describe_counter!(
        "rustydb_http_rate_limited_total",
        "HTTP requests refused with 429 by the rate limiter."
    );
}

/// The `/metrics` route. Building it installs the recorder ([`install`]), so that
/// everything the facade sees from the moment the application is built is counted.
pub fn router() -> Router<Arc<HttpContext>> {
    install();
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(
    State(ctx): State<Arc<HttpContext>>,
    principal: Option<Extension<Principal>>,
) -> Result<Response, ApiError> {
    if !ctx.http().public_metrics && principal.is_none() {
        return Err(ApiError::unauthorized(
            "authentication required: /metrics is not public (http.public_metrics = false)",
        ));
    }
    let body = crate::context::blocking(move || Ok(render(&ctx))).await?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response())
}

/// The whole exposition: live state, then the facade's metrics.
pub fn render(ctx: &HttpContext) -> String {
    let mut out = String::new();
    live(ctx, &mut out);
    if let Some(handle) = install() {
        handle.run_upkeep();
        out.push_str(&handle.render());
    }
    out
}

/// Writes one metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
}

fn one(out: &mut String, name: &str, kind: &str, help: &str, v: f64) {
    family(out, name, kind, help, &[("", v)]);
}

fn live(ctx: &HttpContext, out: &mut String) {
    let (g, c) = ("gauge", "counter");
    one(
        out,
        "rustydb_ready",
        g,
        "1 once crash recovery is done and the database serves requests.",
        f64::from(u8::from(ctx.is_ready())),
    );
    one(
        out,
        "rustydb_uptime_seconds",
        g,
        "Seconds since the HTTP listener started.",
        ctx.uptime().as_secs_f64(),
    );
    process(out);
    if let Ok(pg) = ctx.pg() {
        let s = pg.stats();
        one(
            out,
            "rustydb_connections_active",
            g,
            "Open PostgreSQL-protocol connections.",
            s.active as f64,
        );
        one(
            out,
            "rustydb_connections_max",
            g,
            "server.max_connections.",
            f64::from(s.max),
        );
        one(
            out,
            "rustydb_connections_accepted_total",
            c,
            "Connections accepted.",
            s.accepted_total as f64,
        );
        one(
            out,
            "rustydb_connections_rejected_total",
            c,
            "Connections refused because max_connections was reached.",
            s.rejected_total as f64,
        );
        one(
            out,
            "rustydb_auth_failures_total",
            c,
            "Failed PostgreSQL-protocol logins.",
            s.auth_failures_total as f64,
        );
    }
    let Ok(engine) = ctx.engine() else { return };
    let txns = engine.txns();
    let totals = txns.totals();
    let locks = txns.locks().stats();
    one(
        out,
        "rustydb_transactions_active",
        g,
        "Transactions open now.",
        txns.active_transactions().len() as f64,
    );
    one(
        out,
        "rustydb_transactions_started_total",
        c,
        "Transactions begun.",
        totals.started as f64,
    );
    one(
        out,
        "rustydb_transactions_committed_total",
        c,
        "Transactions committed.",
        totals.committed as f64,
    );
    let by_reason: Vec<(String, f64)> = totals
        .rolled_back_by_reason
        .iter()
        .map(|(r, n)| (format!("reason=\"{}\"", r.as_str()), *n as f64))
        .collect();
    let by_reason: Vec<(&str, f64)> = by_reason.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    family(
        out,
        "rustydb_transactions_rolled_back_total",
        c,
        "Transactions rolled back, by reason.",
        &by_reason,
    );
    let serialization = totals
        .rolled_back_by_reason
        .iter()
        .filter(|(r, _)| *r == rustydb_txn::stats::RollbackReason::Serialization)
        .map(|(_, n)| *n)
        .sum::<u64>();
    one(
        out,
        "rustydb_serialization_failures_total",
        c,
        "Transactions rolled back by a serialization failure (40001).",
        serialization as f64,
    );
    one(
        out,
        "rustydb_deadlocks_total",
        c,
        "Deadlocks detected (one victim each).",
        locks.deadlocks as f64,
    );
    one(
        out,
        "rustydb_lock_waits_current",
        g,
        "Lock requests waiting now.",
        locks.waiting as f64,
    );
    one(
        out,
        "rustydb_lock_waits_total",
        c,
        "Lock requests that had to wait.",
        locks.waits as f64,
    );
    let waited = locks.avg_wait.as_secs_f64() * locks.finished_waits as f64;
    one(
        out,
        "rustydb_lock_wait_seconds_total",
        c,
        "Time spent in finished lock waits.",
        waited,
    );
    one(
        out,
        "rustydb_lock_timeouts_total",
        c,
        "Lock waits ended by lock_timeout.",
        locks.timeouts as f64,
    );
    one(
        out,
        "rustydb_locks_held",
        g,
        "Locks held now.",
        locks.held as f64,
    );

    let storage = engine.storage();
    let pool = storage.pool().stats();
    one(
        out,
        "rustydb_buffer_pool_size_pages",
        g,
        "Frames in the buffer pool.",
        pool.size as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_used_pages",
        g,
        "Frames holding a page.",
        pool.used as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_dirty_pages",
        g,
        "Frames holding a changed page not yet written back.",
        pool.dirty as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_hits_total",
        c,
        "Page lookups served from memory.",
        pool.hits as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_misses_total",
        c,
        "Page lookups that read from disk.",
        pool.misses as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_evictions_total",
        c,
        "Pages evicted to make room.",
        pool.evictions as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_writes_total",
        c,
        "Pages written back to disk.",
        pool.writes as f64,
    );
    one(
        out,
        "rustydb_buffer_pool_hit_ratio",
        g,
        "hits / (hits + misses); 1 before any lookup.",
        pool.hit_rate,
    );

    let wal = storage.wal().stats();
    let load =
        |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed) as f64;
    one(
        out,
        "rustydb_wal_bytes_total",
        c,
        "WAL bytes inserted.",
        load(&wal.bytes),
    );
    one(
        out,
        "rustydb_wal_records_total",
        c,
        "WAL records inserted.",
        load(&wal.records),
    );
    one(
        out,
        "rustydb_wal_fsyncs_total",
        c,
        "fdatasync calls on WAL segments.",
        load(&wal.fsyncs),
    );
    one(
        out,
        "rustydb_wal_fsync_seconds_total",
        c,
        "Time spent in WAL fdatasync.",
        load(&wal.fsync_micros) / 1e6,
    );

    let cp = storage.checkpoint_stats();
    family(
        out,
        "rustydb_checkpoints_total",
        c,
        "Checkpoints, by result.",
        &[
            ("result=\"completed\"", cp.completed as f64),
            ("result=\"failed\"", cp.failed as f64),
        ],
    );
    if let Some(last) = cp.last {
        one(
            out,
            "rustydb_checkpoint_last_duration_seconds",
            g,
            "Duration of the last completed checkpoint.",
            last.duration.as_secs_f64(),
        );
        one(
            out,
            "rustydb_checkpoint_last_timestamp_seconds",
            g,
            "When the last completed checkpoint finished (Unix time).",
            last.finished_at as f64,
        );
    }
    one(
        out,
        "rustydb_replication_replicas",
        g,
        "Connected replicas: 0, because this server has no replication (lag series appear with it).",
        0.0,
    );
}

fn process(out: &mut String) {
    let p = crate::system::process_metrics();
    let (g, c) = ("gauge", "counter");
    if let Some(v) = p.cpu_seconds {
        one(
            out,
            "rustydb_process_cpu_seconds_total",
            c,
            "User and system CPU time of the server process.",
            v,
        );
    }
    if let Some(v) = p.memory_rss_bytes {
        one(
            out,
            "rustydb_process_resident_memory_bytes",
            g,
            "Resident memory of the server process.",
            v as f64,
        );
    }
    if let Some(v) = p.memory_virtual_bytes {
        one(
            out,
            "rustydb_process_virtual_memory_bytes",
            g,
            "Virtual memory of the server process.",
            v as f64,
        );
    }
    if let Some(v) = p.open_fds {
        one(
            out,
            "rustydb_process_open_fds",
            g,
            "Open file descriptors of the server process.",
            v as f64,
        );
    }
    if let Some(v) = p.threads {
        one(
            out,
            "rustydb_process_threads",
            g,
            "Threads of the server process.",
            v as f64,
        );
    }
    if let Some(v) = p.disk_read_bytes {
        one(
            out,
            "rustydb_process_disk_read_bytes_total",
            c,
            "Bytes the process read from storage.",
            v as f64,
        );
    }
    if let Some(v) = p.disk_written_bytes {
        one(
            out,
            "rustydb_process_disk_written_bytes_total",
            c,
            "Bytes the process wrote to storage.",
            v as f64,
        );
    }
}
