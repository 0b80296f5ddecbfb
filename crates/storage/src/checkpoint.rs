//! Checkpoints: bounding recovery time and letting old WAL go.
//!
//! A checkpoint is *fuzzy*: writers keep going while it runs.
//! 1. The redo point is set to the current end of the log ([`crate::wal::Wal::begin_checkpoint`]);
//!    from now on every page's first change is logged as a full image.
//! 2. Every dirty page is written back (each obeying the WAL rule), then every relation
//!    file written since the last checkpoint is synced.
//! 3. A checkpoint record carrying the redo point and the next ids is appended and synced.
//! 4. The control file is replaced to point at the record.
//! 5. Segments wholly before the redo point are recycled or removed.
//!
//! Pages changed after step 1 may or may not be written in step 2; either way the log
//! from the redo point describes them. If the checkpoint fails at any step the previous
//! one stays in the control file and recovery uses it, so a failed checkpoint costs
//! recovery time, never data.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Storage;
use crate::control::{ClusterState, ControlData};
use crate::error::{Result, StorageError};
use crate::ids::Lsn;
use crate::wal::record::CheckpointPayload;
use crate::wal::segment::segment_of;
use crate::wal::{RecordKind, RecordMeta};

/// Why a checkpoint ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointReason {
    /// The periodic timer.
    Timed,
    /// Enough WAL was written since the last one.
    WalSize,
    /// `CHECKPOINT` or `rustydb-admin checkpoint`.
    Requested,
    /// End of crash recovery.
    EndOfRecovery,
    /// Clean shutdown.
    Shutdown,
}

impl CheckpointReason {
    /// Lower-case name for logs and monitoring.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointReason::Timed => "time",
            CheckpointReason::WalSize => "wal",
            CheckpointReason::Requested => "requested",
            CheckpointReason::EndOfRecovery => "end-of-recovery",
            CheckpointReason::Shutdown => "shutdown",
        }
    }
}

/// The outcome of one checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointResult {
    /// Location of the checkpoint record.
    pub lsn: Lsn,
    /// Its redo point.
    pub redo: Lsn,
    /// Dirty pages written back.
    pub pages_written: usize,
    /// Relation files synced.
    pub files_synced: usize,
    /// WAL segments recycled or removed.
    pub segments_retired: usize,
    /// How long it took.
    pub duration: Duration,
    /// Why it ran.
    pub reason: CheckpointReason,
    /// When it finished (seconds since the epoch).
    pub finished_at: u64,
}

/// Running totals for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Checkpoints completed.
    pub completed: u64,
    /// Checkpoints that failed.
    pub failed: u64,
    /// The last completed one.
    pub last: Option<CheckpointResult>,
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Storage {
    /// Runs a checkpoint now (one at a time; a second caller waits for the first).
    pub fn checkpoint(&self, reason: CheckpointReason) -> Result<CheckpointResult> {
        let _one = self.checkpoint_lock.lock();
        let started = Instant::now();
        let result = self.checkpoint_locked(reason, started);
        let mut stats = self.checkpoint_stats.lock();
        match &result {
            Ok(r) => {
                stats.completed += 1;
                stats.last = Some(*r);
                tracing::info!(
                    reason = reason.as_str(),
                    lsn = %r.lsn,
                    redo = %r.redo,
                    pages = r.pages_written,
                    retired = r.segments_retired,
                    ms = r.duration.as_millis() as u64,
                    "CHECKPOINT complete"
                );
            }
            Err(e) => {
                stats.failed += 1;
                tracing::error!(reason = reason.as_str(), error = %e, "CHECKPOINT failed");
            }
        }
        result
    }

    fn checkpoint_locked(
        &self,
        reason: CheckpointReason,
        started: Instant,
    ) -> Result<CheckpointResult> {
        let fail = |e: StorageError| StorageError::Checkpoint(e.to_string());
        let redo = self.wal.begin_checkpoint();
        let pages_written = self.pool.flush_all().map_err(fail)?;
        let files_synced = self.disk.sync_dirty().map_err(fail)?;
        self.persist_free_space_maps().map_err(fail)?;
        let payload = CheckpointPayload {
            redo,
            next_xid: self.wal.max_xid() + 1,
            next_rel: self.next_rel.load(std::sync::atomic::Ordering::Acquire),
            time: now_secs(),
        };
        let (lsn, end) = self
            .wal
            .insert_simple(RecordKind::Checkpoint, RecordMeta::NONE, &payload.encode())
            .map_err(fail)?;
        self.wal.flush_sync(end).map_err(fail)?;
        let state = if reason == CheckpointReason::Shutdown {
            ClusterState::ShutDown
        } else {
            ClusterState::InProduction
        };
        let mut control = self.control_data.lock();
        let new = ControlData {
            state,
            checkpoint: lsn,
            redo,
            next_xid: payload.next_xid,
            next_rel: payload.next_rel,
            time: payload.time,
            ..*control
        };
        self.control.write(&new).map_err(fail)?;
        *control = new;
        drop(control);
        let keep_from = segment_of(self.wal_retention_floor(redo));
        let newest = segment_of(self.wal.insert_lsn());
        let segments_retired = self
            .wal
            .segments()
            .retire_before(keep_from, newest)
            .map_err(fail)?;
        Ok(CheckpointResult {
            lsn,
            redo,
            pages_written,
            files_synced,
            segments_retired,
            duration: started.elapsed(),
            reason,
            finished_at: payload.time,
        })
    }

    /// Checkpoint statistics.
    pub fn checkpoint_stats(&self) -> CheckpointStats {
        *self.checkpoint_stats.lock()
    }
}
