//! Reading the log back: recovery, `verify-wal`, and (later) replication streaming.
//!
//! The reader loads one segment at a time and walks it record by record. The log ends at
//! the first place that is not a whole, valid record: a length out of range, a stored LSN
//! that is not the record's position (zeroes, or a stale record of a recycled segment), a
//! CRC mismatch, or a missing segment. [`WalReader::end_reason`] says which, for the logs.

use std::sync::Arc;

use super::record::{self, HEADER_SIZE, MAX_RECORD, RecordHeader, RecordKind};
use super::segment::{SEGMENT_SIZE, Segments, segment_name, segment_of};
use crate::error::{Result, StorageError};
use crate::ids::Lsn;
use crate::io::read_exact_at;

/// A record as read, borrowing the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The decoded header.
    pub header: RecordHeader,
    /// The record's kind.
    pub kind: RecordKind,
    /// The payload (after the header).
    pub payload: &'a [u8],
    /// Where the next record starts.
    pub end: Lsn,
}

impl RecordRef<'_> {
    /// The record's position.
    pub fn lsn(&self) -> Lsn {
        self.header.lsn
    }
}

/// Sequential reader over the log. See the module documentation.
#[derive(Debug)]
pub struct WalReader {
    segments: Arc<Segments>,
    pos: u64,
    seg: Option<u64>,
    buf: Vec<u8>,
    len: usize,
    end_reason: Option<String>,
}

impl WalReader {
    /// A reader positioned at `start`.
    pub fn new(segments: Arc<Segments>, start: Lsn) -> WalReader {
        WalReader {
            segments,
            pos: start.0,
            seg: None,
            buf: Vec::new(),
            len: 0,
            end_reason: None,
        }
    }

    /// Where the next record would start: after [`WalReader::next_record`] returned `None`,
    /// the end of the valid log.
    pub fn position(&self) -> Lsn {
        Lsn(self.pos)
    }

    /// Why the log ended, once it has.
    pub fn end_reason(&self) -> Option<&str> {
        self.end_reason.as_deref()
    }

    /// Loads segment `n`; `false` if it does not exist.
    fn load(&mut self, n: u64) -> Result<bool> {
        if self.seg == Some(n) {
            return Ok(true);
        }
        if !self.segments.list()?.contains(&n) {
            return Ok(false);
        }
        let file = self.segments.file(n)?;
        self.buf.resize(SEGMENT_SIZE as usize, 0);
        self.len =
            read_exact_at(&*file, &mut self.buf, 0).map_err(|source| StorageError::Read {
                what: format!("wal/{}", segment_name(n)),
                source,
            })?;
        self.seg = Some(n);
        Ok(true)
    }

    /// Re-reads the current segment from disk (for following a log being written).
    pub fn refresh(&mut self) {
        self.seg = None;
        self.end_reason = None;
    }

    fn stop(&mut self, why: String) -> Result<Option<RecordRef<'_>>> {
        self.end_reason = Some(why);
        Ok(None)
    }

    /// The next valid record, or `None` at the end of the log.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        loop {
            let seg = segment_of(Lsn(self.pos));
            if !self.load(seg)? {
                return self.stop(format!("segment wal/{} does not exist", segment_name(seg)));
            }
            let off = (self.pos % SEGMENT_SIZE) as usize;
            if off + HEADER_SIZE > self.len {
                return self.stop(format!("end of segment data at {}", Lsn(self.pos)));
            }
            let header = RecordHeader::decode(&self.buf[off..off + HEADER_SIZE]);
            let len = header.len as usize;
            if header.lsn.0 != self.pos {
                return self.stop(format!("no record at {} (unused space)", Lsn(self.pos)));
            }
            if !(HEADER_SIZE..=MAX_RECORD).contains(&len) || off + len > self.len {
                return self.stop(format!("invalid record length {len} at {}", Lsn(self.pos)));
            }
            let crc = crc32fast::hash(&self.buf[off + 8..off + len]);
            if crc != header.crc {
                return self.stop(format!("CRC mismatch in record at {}", Lsn(self.pos)));
            }
            let Some(kind) = RecordKind::from_u8(header.kind) else {
                return self.stop(format!(
                    "unknown record kind {} at {}",
                    header.kind,
                    Lsn(self.pos)
                ));
            };
            if kind == RecordKind::Switch {
                self.pos = (seg + 1) * SEGMENT_SIZE;
                continue;
            }
            let end = self.pos + record::aligned(len) as u64;
            self.pos = end;
            return Ok(Some(RecordRef {
                header,
                kind,
                payload: &self.buf[off + HEADER_SIZE..off + len],
                end: Lsn(end),
            }));
        }
    }

    /// After the log ended: whether a valid record follows in the next segment. Segments
    /// are synced in order, so one would mean the end found is damage in the middle of
    /// the log, not a torn tail.
    pub fn valid_record_follows(&mut self) -> Result<Option<Lsn>> {
        let next_seg = segment_of(Lsn(self.pos)) + 1;
        let mut probe = WalReader::new(self.segments.clone(), Lsn(next_seg * SEGMENT_SIZE));
        Ok(probe.next_record()?.map(|r| r.lsn()))
    }
}
