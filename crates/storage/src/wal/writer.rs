//! Appending records and making them durable, with group commit.
//!
//! Inserting a record takes the insert lock just long enough to give the record its LSN,
//! stamp LSN and CRC into the header and copy it into the in-memory log buffer. Making
//! records durable is [`Wal::flush`]: the first caller to find no flush under way becomes
//! the *leader*, takes everything in the buffer, writes it and calls `fdatasync` once;
//! callers arriving meanwhile wait on a condition variable and are released together when
//! a flush covers their LSN. While one fsync runs, the next batch of committers queues up,
//! so N concurrent committers share roughly one fsync per batch instead of paying one each.
//!
//! Ordering rules the rest of the engine relies on:
//! * a record is wholly in the buffer or not at all, so a flush never writes half a record;
//! * when a flush crosses into a new segment, the old segment is synced before the first
//!   byte of the new one is written: a valid record in segment N+1 proves segment N is
//!   complete, which lets recovery tell a torn tail from corruption in the middle;
//! * a failed write or fsync poisons the log: nothing more is inserted or acknowledged
//!   until restart, because after a failed fsync the kernel may have dropped the data and
//!   retrying could report success for bytes that are gone (PostgreSQL PANICs here).
//!   Only preallocating a new segment can fail for lack of space, and that fails the one
//!   insert cleanly without poisoning anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::record::{self, HEADER_SIZE, MAX_RECORD, RecordKind, RecordMeta};
use super::segment::{SEGMENT_SIZE, Segments, segment_of};
use crate::error::{Result, StorageError};
use crate::ids::Lsn;

/// Whether commits wait for `fdatasync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Every flush ends with `fdatasync` (default; survives power loss).
    Fsync,
    /// Flushes write to the OS without syncing; the checkpointer syncs. Survives a process
    /// crash, not power loss.
    Off,
}

/// In-memory log bytes beyond which an inserter writes them out itself.
const BUFFER_LIMIT: usize = 8 << 20;

#[derive(Debug)]
struct InsertState {
    /// Where the next record goes.
    end: u64,
    /// Log bytes `[buf_start, end)` not yet handed to the OS.
    buf: Vec<u8>,
    buf_start: u64,
    /// Highest segment known to be preallocated.
    allocated: u64,
    max_xid: u64,
}

#[derive(Debug, Default)]
struct FlushState {
    written: u64,
    flushed: u64,
    busy: bool,
    failed: Option<String>,
}

/// Counters exported to monitoring.
#[derive(Debug, Default)]
pub struct WalStats {
    /// Records inserted.
    pub records: AtomicU64,
    /// Bytes inserted (padding included).
    pub bytes: AtomicU64,
    /// `fdatasync` calls on segments.
    pub fsyncs: AtomicU64,
    /// Total time spent in `fdatasync`, in microseconds.
    pub fsync_micros: AtomicU64,
    /// Flushes performed by a leader.
    pub flushes: AtomicU64,
}

/// The write-ahead log. See the module documentation.
#[derive(Debug)]
pub struct Wal {
    segments: Arc<Segments>,
    sync_mode: SyncMode,
    insert: Mutex<InsertState>,
    flush: Mutex<FlushState>,
    flushed_cv: Condvar,
    /// The leader's spare buffer, swapped with the insert buffer on each flush.
    spare: Mutex<Vec<u8>>,
    /// Segments written since they were last synced (leader only).
    unsynced: Mutex<Vec<u64>>,
    /// Pages first changed after this LSN get a full-page image (the redo point of the
    /// latest checkpoint).
    redo_ptr: AtomicU64,
    /// Set once a write or sync failed (the reason is in `flush.failed`).
    poisoned: AtomicBool,
    stats: WalStats,
}

/// An error inserting a record.
#[derive(Debug)]
pub enum InsertError {
    /// The redo pointer moved since the caller decided which pages need full images;
    /// build the record again.
    RedoMoved,
    /// The log cannot take the record.
    Failed(StorageError),
}

impl Wal {
    /// Opens the log for appending at `end` (from recovery or bootstrap); the segment of
    /// `end` must exist.
    pub fn new(
        segments: Arc<Segments>,
        sync_mode: SyncMode,
        end: Lsn,
        redo_ptr: Lsn,
        max_xid: u64,
    ) -> Wal {
        Wal {
            segments,
            sync_mode,
            insert: Mutex::new(InsertState {
                end: end.0,
                buf: Vec::with_capacity(1 << 20),
                buf_start: end.0,
                allocated: segment_of(end),
                max_xid,
            }),
            flush: Mutex::new(FlushState {
                written: end.0,
                flushed: end.0,
                ..Default::default()
            }),
            flushed_cv: Condvar::new(),
            spare: Mutex::new(Vec::with_capacity(1 << 20)),
            unsynced: Mutex::new(Vec::new()),
            redo_ptr: AtomicU64::new(redo_ptr.0),
            poisoned: AtomicBool::new(false),
            stats: WalStats::default(),
        }
    }

    /// The segment files.
    pub fn segments(&self) -> &Arc<Segments> {
        &self.segments
    }

    /// The sync mode.
    pub fn sync_mode(&self) -> SyncMode {
        self.sync_mode
    }

    /// Counters.
    pub fn stats(&self) -> &WalStats {
        &self.stats
    }

    /// Where the next record will be inserted.
    pub fn insert_lsn(&self) -> Lsn {
        Lsn(self.insert.lock().end)
    }

    /// Everything before this LSN is durable.
    pub fn flushed_lsn(&self) -> Lsn {
        Lsn(self.flush.lock().flushed)
    }

    /// Everything before this LSN has been handed to the OS.
    pub fn written_lsn(&self) -> Lsn {
        Lsn(self.flush.lock().written)
    }

    /// The highest transaction id seen in an inserted record.
    pub fn max_xid(&self) -> u64 {
        self.insert.lock().max_xid
    }

    /// The current redo pointer (see [`Wal::begin_checkpoint`]).
    pub fn redo_ptr(&self) -> Lsn {
        Lsn(self.redo_ptr.load(Ordering::Acquire))
    }

    /// Why the log is poisoned, if it is.
    pub fn failure(&self) -> Option<String> {
        self.flush.lock().failed.clone()
    }

    fn poisoned_error(reason: &str) -> StorageError {
        StorageError::WalWrite {
            file: "wal/".into(),
            reason: format!(
                "the log stopped accepting records after an I/O failure ({reason}); \
                 restart the server to recover"
            ),
            disk_full: false,
        }
    }

    /// Starts a checkpoint: the current insert position becomes the redo pointer, so
    /// every page changed from now on is logged with a full image first.
    pub fn begin_checkpoint(&self) -> Lsn {
        let ins = self.insert.lock();
        self.redo_ptr.store(ins.end, Ordering::Release);
        Lsn(ins.end)
    }

    /// Inserts a record. `expect_redo`, when given, is the redo pointer the caller used to
    /// decide on full-page images; if it moved, nothing is inserted and
    /// [`InsertError::RedoMoved`] asks the caller to rebuild the record. Returns the
    /// record's start and end LSNs.
    pub fn insert(
        &self,
        kind: RecordKind,
        meta: RecordMeta,
        nblocks: u16,
        payload: &[u8],
        expect_redo: Option<Lsn>,
    ) -> Result<(Lsn, Lsn), InsertError> {
        let len = HEADER_SIZE + payload.len();
        if len > MAX_RECORD {
            return Err(InsertError::Failed(StorageError::TooLarge {
                what: "WAL record",
                size: len,
                max: MAX_RECORD,
            }));
        }
        let total = record::aligned(len);
        let mut payload_crc = crc32fast::Hasher::new();
        payload_crc.update(payload);
        let mut header = [0u8; HEADER_SIZE];
        record::encode_header(&mut header, len, kind, meta, nblocks);

        let (start, end, buffered) = {
            let mut ins = self.insert.lock();
            if self.poisoned.load(Ordering::Acquire) {
                let reason = self.failure().unwrap_or_default();
                return Err(InsertError::Failed(Self::poisoned_error(&reason)));
            }
            if let Some(redo) = expect_redo
                && redo.0 != self.redo_ptr.load(Ordering::Acquire)
            {
                return Err(InsertError::RedoMoved);
            }
            self.make_room(&mut ins, total)
                .map_err(InsertError::Failed)?;
            let start = ins.end;
            header[8..16].copy_from_slice(&start.to_le_bytes());
            let mut crc = crc32fast::Hasher::new();
            crc.update(&header[8..]);
            crc.combine(&payload_crc);
            header[4..8].copy_from_slice(&crc.finalize().to_le_bytes());
            ins.buf.extend_from_slice(&header);
            ins.buf.extend_from_slice(payload);
            let padded = ins.buf.len() + (total - len);
            ins.buf.resize(padded, 0);
            ins.end += total as u64;
            ins.max_xid = ins.max_xid.max(meta.xid);
            (start, ins.end, ins.buf.len())
        };
        self.stats.records.fetch_add(1, Ordering::Relaxed);
        self.stats.bytes.fetch_add(total as u64, Ordering::Relaxed);
        if buffered > BUFFER_LIMIT {
            self.write(Lsn(end)).map_err(InsertError::Failed)?;
        }
        Ok((Lsn(start), Lsn(end)))
    }

    /// Inserts a record that needs no full-page-image decision, retrying is never needed.
    pub fn insert_simple(
        &self,
        kind: RecordKind,
        meta: RecordMeta,
        payload: &[u8],
    ) -> Result<(Lsn, Lsn)> {
        match self.insert(kind, meta, 0, payload, None) {
            Ok(r) => Ok(r),
            Err(InsertError::Failed(e)) => Err(e),
            Err(InsertError::RedoMoved) => Err(StorageError::Internal(
                "redo pointer check without expectation".into(),
            )),
        }
    }

    /// Ensures `total` bytes fit at the insert position, moving to a fresh, preallocated
    /// segment (after a Switch record) when they do not.
    fn make_room(&self, ins: &mut InsertState, total: usize) -> Result<()> {
        // A previous record may have ended exactly at a segment boundary: the segment we
        // are about to write into must exist before anything is accepted into it.
        let current = segment_of(Lsn(ins.end));
        if ins.allocated < current {
            self.segments.allocate(current)?;
            ins.allocated = current;
        }
        let off = (ins.end % SEGMENT_SIZE) as usize;
        let room = SEGMENT_SIZE as usize - off;
        // Never leave a gap too small for a Switch record.
        if total == room || total + HEADER_SIZE <= room {
            return Ok(());
        }
        let next = segment_of(Lsn(ins.end)) + 1;
        if ins.allocated < next {
            self.segments.allocate(next)?;
            ins.allocated = next;
        }
        let mut sw = [0u8; HEADER_SIZE];
        record::encode_header(
            &mut sw,
            HEADER_SIZE,
            RecordKind::Switch,
            RecordMeta::NONE,
            0,
        );
        sw[8..16].copy_from_slice(&ins.end.to_le_bytes());
        let crc = crc32fast::hash(&sw[8..]);
        sw[4..8].copy_from_slice(&crc.to_le_bytes());
        ins.buf.extend_from_slice(&sw);
        let padded = ins.buf.len() + (room - HEADER_SIZE);
        ins.buf.resize(padded, 0);
        ins.end = next * SEGMENT_SIZE;
        Ok(())
    }

    /// Makes everything up to `upto` durable as the sync mode says: with `fsync`, synced;
    /// with `off`, written to the OS. This is what a commit waits for.
    pub fn flush(&self, upto: Lsn) -> Result<()> {
        self.flush_to(upto, self.sync_mode == SyncMode::Fsync)
    }

    /// Makes everything up to `upto` synced, whatever the sync mode (checkpoints, the WAL
    /// rule before a data page is written).
    pub fn flush_sync(&self, upto: Lsn) -> Result<()> {
        self.flush_to(upto, true)
    }

    /// Hands everything up to `upto` to the OS without syncing.
    pub fn write(&self, upto: Lsn) -> Result<()> {
        self.flush_to(upto, false)
    }

    fn flush_to(&self, upto: Lsn, sync: bool) -> Result<()> {
        // Nothing past the insert position can ever be flushed; waiting for it would hang.
        let upto = upto.min(self.insert_lsn());
        let mut st = self.flush.lock();
        loop {
            if let Some(reason) = &st.failed {
                return Err(Self::poisoned_error(reason));
            }
            let done = if sync { st.flushed } else { st.written };
            if done >= upto.0 {
                return Ok(());
            }
            if st.busy {
                self.flushed_cv.wait(&mut st);
                continue;
            }
            st.busy = true;
            drop(st);
            let result = self.write_out(sync);
            st = self.flush.lock();
            st.busy = false;
            match result {
                Ok(end) => {
                    st.written = st.written.max(end);
                    if sync {
                        st.flushed = st.flushed.max(end);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "WAL write failed; the log is poisoned until restart");
                    st.failed = Some(e.to_string());
                    self.poisoned.store(true, Ordering::Release);
                }
            }
            self.flushed_cv.notify_all();
        }
    }

    /// The leader's work: write the buffered bytes and optionally sync. Returns the LSN
    /// up to which the log is written.
    fn write_out(&self, sync: bool) -> Result<u64> {
        let mut bytes = std::mem::take(&mut *self.spare.lock());
        let start = {
            let mut ins = self.insert.lock();
            std::mem::swap(&mut bytes, &mut ins.buf);
            let start = ins.buf_start;
            ins.buf_start = ins.end;
            start
        };
        self.stats.flushes.fetch_add(1, Ordering::Relaxed);
        let end = start + bytes.len() as u64;
        let mut unsynced = self.unsynced.lock();
        let mut pos = start;
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let seg = segment_of(Lsn(pos));
            let off = pos % SEGMENT_SIZE;
            let n = rest.len().min((SEGMENT_SIZE - off) as usize);
            // Before writing into a new segment, sync every earlier one.
            for s in unsynced
                .iter()
                .copied()
                .filter(|&s| s < seg)
                .collect::<Vec<_>>()
            {
                self.sync_segment(s)?;
                unsynced.retain(|&x| x != s);
            }
            let file = self.segments.file(seg)?;
            file.write_all_at(&rest[..n], off)
                .map_err(|e| StorageError::WalWrite {
                    file: format!("wal/{}", super::segment::segment_name(seg)),
                    reason: e.to_string(),
                    disk_full: crate::error::is_enospc(&e),
                })?;
            if !unsynced.contains(&seg) {
                unsynced.push(seg);
            }
            pos += n as u64;
            rest = &rest[n..];
        }
        if sync {
            for s in std::mem::take(&mut *unsynced) {
                self.sync_segment(s)?;
            }
        }
        drop(unsynced);
        bytes.clear();
        *self.spare.lock() = bytes;
        Ok(end)
    }

    fn sync_segment(&self, seg: u64) -> Result<()> {
        let t = Instant::now();
        let file = self.segments.file(seg)?;
        file.sync_data().map_err(|e| StorageError::WalWrite {
            file: format!("wal/{} (fsync)", super::segment::segment_name(seg)),
            reason: e.to_string(),
            disk_full: crate::error::is_enospc(&e),
        })?;
        let took = t.elapsed();
        self.stats.fsyncs.fetch_add(1, Ordering::Relaxed);
        self.stats
            .fsync_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        // Through the `metrics` facade: a no-op unless a recorder is installed.
        metrics::histogram!("rustydb_wal_fsync_duration_seconds").record(took.as_secs_f64());
        Ok(())
    }
}
