//! Crash recovery: replay the log from the last checkpoint's redo point.
//!
//! # Design
//! Recovery is *redo-only*, PostgreSQL's proven design:
//!
//! 1. **Sync everything first.** Files written by the crashed process may sit in the OS
//!    page cache, not on disk. Recovery reads them, and its own checkpoint will declare
//!    the log before it unnecessary, so every WAL segment and relation file is synced
//!    before anything is replayed; otherwise a power loss after recovery could lose pages
//!    that no log describes any more.
//! 2. **Find the checkpoint.** The control file names the last checkpoint record; its
//!    payload gives the redo point (where the checkpoint began) and the next ids.
//! 3. **Redo.** Every record from the redo point on is applied in order. A page delta is
//!    applied only if the page's LSN is older than the record's end, so a page already
//!    written after that record is left alone and replaying twice changes nothing: a crash
//!    during recovery just recovers again. Full-page images and page initialisations
//!    replace the page without reading it, which is how torn pages are repaired.
//! 4. **End of log.** Replay stops at the first invalid record (see
//!    [`crate::wal::WalReader`]). If a valid record is found in the *next* segment, the
//!    stop is damage in the middle of the log, not a torn tail: recovery refuses to go on
//!    (ERR-DB-003) unless started with `--recovery-mode`, which accepts losing what follows.
//! 5. **Clean the tail.** The rest of the last segment is zeroed and later segments are
//!    removed, so bytes written before the crash beyond the end can never be mistaken for
//!    records after new ones are appended.
//!
//! Records of relations whose file is gone are skipped, provided a later record drops the
//! relation; a missing file that is never dropped is corruption and fails recovery.
//!
//! Uncommitted work is replayed like committed work. It stays invisible because readers
//! judge each tuple by its writer's commit status, which only a commit record sets (see
//! the transaction layer); nothing needs undoing.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use crate::buffer::BufferPool;
use crate::control::ControlData;
use crate::disk::DiskManager;
use crate::error::{Result, StorageError};
use crate::ids::{Lsn, RelId};
use crate::wal::delta::{apply_delta, apply_image};
use crate::wal::record::{BLOCK_IMAGE, BLOCK_INIT, CheckpointPayload, decode_blocks};
use crate::wal::segment::{SEGMENT_SIZE, Segments, segment_of};
use crate::wal::{RecordKind, RecordRef, WalReader};

/// What recovery found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryOutcome {
    /// Where the log ends; new records go here.
    pub end: Lsn,
    /// The redo point replay started from.
    pub redo: Lsn,
    /// Highest transaction id in the checkpoint or any replayed record.
    pub max_xid: u64,
    /// Next relation id to hand out.
    pub next_rel: u32,
    /// Records replayed.
    pub records: u64,
    /// Bytes of log replayed.
    pub bytes: u64,
    /// Page changes applied (not skipped as already on disk).
    pub pages_applied: u64,
    /// Why the log ended there.
    pub end_reason: String,
    /// Milliseconds spent replaying.
    pub millis: u64,
}

fn recovery_err(lsn: Lsn, reason: impl Into<String>) -> StorageError {
    StorageError::Recovery {
        lsn,
        reason: reason.into(),
    }
}

/// Syncs every WAL segment and relation file (step 1).
pub(crate) fn sync_all(segments: &Segments, disk: &DiskManager) -> Result<()> {
    for n in segments.list()? {
        segments
            .file(n)?
            .sync_data()
            .map_err(|source| StorageError::Write {
                what: format!("wal/{} (fsync)", crate::wal::segment::segment_name(n)),
                source,
            })?;
    }
    for rel in disk.list()? {
        disk.sync_rel(rel)?;
    }
    Ok(())
}

/// Replays the log. `accept_damage` is `--recovery-mode`.
pub(crate) fn recover(
    segments: &Arc<Segments>,
    pool: &BufferPool,
    control: &ControlData,
    accept_damage: bool,
) -> Result<RecoveryOutcome> {
    let started = Instant::now();
    let disk = pool.disk().clone();
    let mut reader = WalReader::new(segments.clone(), control.checkpoint);
    let ckpt = match reader.next_record()? {
        Some(r) if r.kind == RecordKind::Checkpoint && r.lsn() == control.checkpoint => {
            CheckpointPayload::decode(r.payload)
                .ok_or_else(|| recovery_err(control.checkpoint, "malformed checkpoint record"))?
        }
        _ => {
            return Err(recovery_err(
                control.checkpoint,
                format!(
                    "the checkpoint record named by the control file is missing ({})",
                    reader.end_reason().unwrap_or("not a checkpoint record")
                ),
            ));
        }
    };
    tracing::info!(checkpoint = %control.checkpoint, redo = %ckpt.redo, "recovery: starting redo");
    let mut out = RecoveryOutcome {
        redo: ckpt.redo,
        max_xid: ckpt.next_xid.saturating_sub(1),
        next_rel: ckpt.next_rel,
        ..Default::default()
    };
    let mut missing: BTreeSet<RelId> = BTreeSet::new();
    let mut reader = WalReader::new(segments.clone(), ckpt.redo);
    let mut last_report = Instant::now();
    while let Some(rec) = reader.next_record()? {
        out.records += 1;
        out.bytes += rec.end.0 - rec.lsn().0;
        out.max_xid = out.max_xid.max(rec.header.meta.xid);
        apply(&rec, pool, &disk, &mut missing, &mut out)?;
        if last_report.elapsed().as_secs() >= 2 {
            tracing::info!(
                lsn = %rec.end,
                records = out.records,
                mb = out.bytes >> 20,
                "recovery: replaying"
            );
            last_report = Instant::now();
        }
    }
    out.end = reader.position();
    out.end_reason = reader.end_reason().unwrap_or("end of log").to_string();
    if let Some(next) = reader.valid_record_follows()? {
        let msg = format!(
            "the log is damaged at {} ({}) but continues at {next}",
            out.end, out.end_reason
        );
        if !accept_damage {
            return Err(recovery_err(
                out.end,
                format!("{msg}; start with --recovery-mode to accept losing the rest of the log"),
            ));
        }
        tracing::warn!("recovery: {msg}; --recovery-mode: discarding the rest of the log");
    }
    if let Some(rel) = missing.into_iter().next() {
        return Err(recovery_err(
            out.end,
            format!("the log changes relation base/{rel} but its file is missing"),
        ));
    }
    out.millis = started.elapsed().as_millis() as u64;
    tracing::info!(
        end = %out.end,
        records = out.records,
        mb = out.bytes >> 20,
        ms = out.millis,
        reason = %out.end_reason,
        "recovery: redo done"
    );
    Ok(out)
}

fn apply(
    rec: &RecordRef<'_>,
    pool: &BufferPool,
    disk: &DiskManager,
    missing: &mut BTreeSet<RelId>,
    out: &mut RecoveryOutcome,
) -> Result<()> {
    let rel_of = |p: &[u8]| -> Result<RelId> {
        p.get(..4)
            .map(|b| RelId(u32::from_le_bytes(b.try_into().expect("4"))))
            .ok_or_else(|| recovery_err(rec.lsn(), "truncated relation record"))
    };
    match rec.kind {
        RecordKind::Pages => {
            let (blocks, _extra) = decode_blocks(rec.payload, rec.header.nblocks)
                .map_err(|e| recovery_err(rec.lsn(), e))?;
            for b in blocks {
                if !disk.exists(b.page.rel) {
                    missing.insert(b.page.rel);
                    continue;
                }
                let fresh = b.flags & (BLOCK_IMAGE | BLOCK_INIT) != 0;
                let mut g = pool.redo_page(b.page, fresh).map_err(|e| match e {
                    e @ StorageError::ChecksumMismatch { .. } => e,
                    other => recovery_err(rec.lsn(), format!("cannot read {}: {other}", b.page)),
                })?;
                if !fresh && g.lsn() >= rec.end {
                    continue;
                }
                let page = g.redo_bytes();
                let applied = if b.flags & BLOCK_IMAGE != 0 {
                    apply_image(page, b.body)
                } else {
                    if b.flags & BLOCK_INIT != 0 {
                        page.fill(0);
                    }
                    apply_delta(page, b.body)
                };
                applied.map_err(|e| recovery_err(rec.lsn(), format!("{}: {e}", b.page)))?;
                g.mark_logged(rec.end);
                out.pages_applied += 1;
            }
        }
        RecordKind::CreateRel => {
            let rel = rel_of(rec.payload)?;
            disk.create(rel)?;
            missing.remove(&rel);
            out.next_rel = out.next_rel.max(rel.0 + 1);
        }
        RecordKind::DropRel => {
            let rel = rel_of(rec.payload)?;
            pool.discard_rel(rel)?;
            disk.remove(rel)?;
            missing.remove(&rel);
        }
        RecordKind::TruncateRel => {
            let rel = rel_of(rec.payload)?;
            let n = rec
                .payload
                .get(4..8)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4")))
                .ok_or_else(|| recovery_err(rec.lsn(), "truncated truncate record"))?;
            if disk.exists(rel) {
                pool.discard_from(rel, n)?;
                if disk.nblocks(rel)? > n {
                    disk.truncate(rel, n)?;
                }
            } else {
                missing.insert(rel);
            }
        }
        RecordKind::Checkpoint => {
            if let Some(c) = CheckpointPayload::decode(rec.payload) {
                out.max_xid = out.max_xid.max(c.next_xid.saturating_sub(1));
                out.next_rel = out.next_rel.max(c.next_rel);
            }
        }
        RecordKind::Switch => {}
    }
    Ok(())
}

/// Step 5: make sure nothing after `end` can ever be read as a record.
pub(crate) fn clean_tail(segments: &Segments, end: Lsn) -> Result<()> {
    let seg = segment_of(end);
    segments.allocate(seg)?;
    let off = end.0 % SEGMENT_SIZE;
    let file = segments.file(seg)?;
    let zeros = vec![0u8; 1 << 20];
    let mut pos = off;
    let err = |e: std::io::Error| StorageError::WalWrite {
        file: format!("wal/{}", crate::wal::segment::segment_name(seg)),
        reason: e.to_string(),
        disk_full: crate::error::is_enospc(&e),
    };
    while pos < SEGMENT_SIZE {
        let n = zeros.len().min((SEGMENT_SIZE - pos) as usize);
        file.write_all_at(&zeros[..n], pos).map_err(err)?;
        pos += n as u64;
    }
    file.sync_data().map_err(err)?;
    segments.remove_after(seg)
}
