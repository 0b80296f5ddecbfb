//! The server's storage and configuration: checkpoints, the WAL, the buffer pool and the
//! settings in force. Reads need any valid token; running a checkpoint and reading the
//! configuration need a superuser.

use std::sync::Arc;

use axum::extract::State;
use rustydb_http::{ApiError, HttpContext, Principal};
use rustydb_storage::checkpoint::{CheckpointReason, CheckpointResult};
use serde::Serialize;

use crate::openapi::{AdminErrors, MonitorErrors};
use crate::util::{ms, rfc3339_secs};

/// A finished checkpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointInfo {
    /// The checkpoint record's LSN.
    pub lsn: String,
    /// Where redo starts.
    pub redo_lsn: String,
    /// Dirty pages written.
    pub pages_written: u64,
    /// Files synced.
    pub files_synced: u64,
    /// WAL segments removed or recycled.
    pub segments_retired: u64,
    /// Milliseconds taken.
    pub duration_ms: f64,
    /// `time`, `wal`, `requested`, `end-of-recovery` or `shutdown`.
    pub reason: String,
    /// When it finished (RFC 3339).
    pub finished_at: String,
}

/// `GET /checkpoint`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointStatsOut {
    /// Checkpoints completed since start.
    pub completed: u64,
    /// Checkpoints that failed.
    pub failed: u64,
    /// The last completed one.
    pub last: Option<CheckpointInfo>,
}

/// `GET /wal/status`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WalStatus {
    /// End of the inserted WAL.
    pub insert_lsn: String,
    /// Written to the OS.
    pub written_lsn: String,
    /// Durable.
    pub flushed_lsn: String,
    /// Redo point of the latest checkpoint.
    pub redo_lsn: String,
    /// `fsync` (every flush ends with `fdatasync`) or `off`.
    pub sync_mode: String,
    /// Records written since start.
    pub records: u64,
    /// Bytes written since start.
    pub bytes: u64,
    /// Segment syncs since start.
    pub fsyncs: u64,
    /// Mean sync time, milliseconds.
    pub avg_fsync_ms: f64,
    /// Group flushes since start.
    pub flushes: u64,
    /// Why the WAL stopped accepting writes, if it did.
    pub failure: Option<String>,
}

/// `GET /buffer-pool`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BufferPoolOut {
    /// Frames.
    pub size: u64,
    /// Frames holding a page.
    pub used: u64,
    /// Frames holding a changed page.
    pub dirty: u64,
    /// Frames pinned now.
    pub pinned: u64,
    /// Lookups served from memory.
    pub hits: u64,
    /// Lookups that read from disk.
    pub misses: u64,
    /// Pages evicted.
    pub evictions: u64,
    /// Pages written back.
    pub writes: u64,
    /// `hits / (hits + misses)`.
    pub hit_rate: f64,
}

/// One configuration setting.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingOut {
    /// `section.key`.
    pub name: String,
    /// Its environment variable.
    pub env: String,
    /// The value in force (`********` for secrets).
    pub value: String,
    /// The default.
    pub default: String,
    /// Allowed values.
    pub allowed: String,
    /// What it does.
    pub description: String,
    /// Whether the value is redacted.
    pub secret: bool,
}

fn checkpoint_info(r: &CheckpointResult) -> CheckpointInfo {
    CheckpointInfo {
        lsn: r.lsn.to_string(),
        redo_lsn: r.redo.to_string(),
        pages_written: r.pages_written as u64,
        files_synced: r.files_synced as u64,
        segments_retired: r.segments_retired as u64,
        duration_ms: ms(r.duration),
        reason: r.reason.as_str().to_string(),
        finished_at: rfc3339_secs(r.finished_at),
    }
}

/// Runs a checkpoint now; superuser.
#[utoipa::path(post, path = "/api/v1/checkpoint", tag = "admin",
    responses((status = 200, description = "Done", body = CheckpointInfo), AdminErrors))]
pub async fn checkpoint(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<CheckpointInfo>, ApiError> {
    caller.require_superuser("CHECKPOINT")?;
    let storage = ctx.engine()?.storage().clone();
    let r = rustydb_http::blocking(move || {
        storage
            .checkpoint(CheckpointReason::Requested)
            .map_err(rustydb_common::DbError::from)
    })
    .await?;
    Ok(axum::Json(checkpoint_info(&r)))
}

/// Checkpoint counters and the last checkpoint.
#[utoipa::path(get, path = "/api/v1/checkpoint", tag = "monitoring",
    responses((status = 200, description = "Checkpoint statistics", body = CheckpointStatsOut), MonitorErrors))]
pub async fn checkpoint_stats(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
) -> Result<axum::Json<CheckpointStatsOut>, ApiError> {
    let s = ctx.engine()?.storage().checkpoint_stats();
    Ok(axum::Json(CheckpointStatsOut {
        completed: s.completed,
        failed: s.failed,
        last: s.last.as_ref().map(checkpoint_info),
    }))
}

/// The write-ahead log's positions and counters.
#[utoipa::path(get, path = "/api/v1/wal/status", tag = "monitoring",
    responses((status = 200, description = "WAL status", body = WalStatus), MonitorErrors))]
pub async fn wal_status(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
) -> Result<axum::Json<WalStatus>, ApiError> {
    use std::sync::atomic::Ordering::Relaxed;
    let wal = ctx.engine()?.storage().wal().clone();
    let s = wal.stats();
    let fsyncs = s.fsyncs.load(Relaxed);
    let fsync_micros = s.fsync_micros.load(Relaxed);
    Ok(axum::Json(WalStatus {
        insert_lsn: wal.insert_lsn().to_string(),
        written_lsn: wal.written_lsn().to_string(),
        flushed_lsn: wal.flushed_lsn().to_string(),
        redo_lsn: wal.redo_ptr().to_string(),
        sync_mode: format!("{:?}", wal.sync_mode()).to_lowercase(),
        records: s.records.load(Relaxed),
        bytes: s.bytes.load(Relaxed),
        fsyncs,
        avg_fsync_ms: if fsyncs == 0 {
            0.0
        } else {
            fsync_micros as f64 / fsyncs as f64 / 1000.0
        },
        flushes: s.flushes.load(Relaxed),
        failure: wal.failure(),
    }))
}

/// Buffer pool occupancy and counters.
#[utoipa::path(get, path = "/api/v1/buffer-pool", tag = "monitoring",
    responses((status = 200, description = "Buffer pool", body = BufferPoolOut), MonitorErrors))]
pub async fn buffer_pool(
    State(ctx): State<Arc<HttpContext>>,
    _caller: Principal,
) -> Result<axum::Json<BufferPoolOut>, ApiError> {
    let s = ctx.engine()?.storage().pool().stats();
    Ok(axum::Json(BufferPoolOut {
        size: s.size as u64,
        used: s.used as u64,
        dirty: s.dirty as u64,
        pinned: s.pinned as u64,
        hits: s.hits,
        misses: s.misses,
        evictions: s.evictions,
        writes: s.writes,
        hit_rate: s.hit_rate,
    }))
}

/// Every configuration setting in force, secrets redacted; superuser.
#[utoipa::path(get, path = "/api/v1/config", tag = "admin",
    responses((status = 200, description = "Settings", body = Vec<SettingOut>), AdminErrors))]
pub async fn config(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<Vec<SettingOut>>, ApiError> {
    caller.require_superuser("reading the configuration")?;
    Ok(axum::Json(
        ctx.config()
            .settings()
            .into_iter()
            .map(|s| SettingOut {
                name: s.name.to_string(),
                env: s.env.to_string(),
                value: s.value,
                default: s.default,
                allowed: s.allowed,
                description: s.description.to_string(),
                secret: s.secret,
            })
            .collect(),
    ))
}
