//! Cutting the log's tail in the middle of a record: what a write torn by a power failure
//! leaves behind, for recovery to stop at cleanly.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rustydb_storage::Lsn;
use rustydb_storage::wal::RecordKind;
use rustydb_storage::wal::record::{HEADER_SIZE, RecordHeader};
use rustydb_storage::wal::segment::{SEGMENT_SIZE, segment_name};

fn header_at(file: &std::fs::File, off: u64) -> std::io::Result<RecordHeader> {
    let mut h = [0u8; HEADER_SIZE];
    file.read_exact_at(&mut h, off)?;
    Ok(RecordHeader::decode(&h))
}

/// If a record was written at `at` (a record boundary), zeroes the log from the middle of
/// its payload onwards: the rest of its segment (records never span segments) and the
/// first record of the next segment, so nothing valid follows the cut. Returns whether
/// there was such a record. The data directory must not be open.
pub fn cut_mid_record(data_dir: &Path, at: Lsn) -> std::io::Result<bool> {
    let wal = data_dir.join("wal");
    let seg = at.0 / SEGMENT_SIZE;
    let off = at.0 % SEGMENT_SIZE;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(wal.join(segment_name(seg)))?;
    let h = header_at(&file, off)?;
    let len = u64::from(h.len);
    let written = h.lsn == at
        && len > HEADER_SIZE as u64
        && off + len <= SEGMENT_SIZE
        && h.kind != RecordKind::Switch as u8;
    if !written {
        return Ok(false);
    }
    let cut = off + HEADER_SIZE as u64 + (len - HEADER_SIZE as u64) / 2;
    let zeros = vec![0u8; 1 << 20];
    let mut pos = cut;
    while pos < SEGMENT_SIZE {
        let n = (zeros.len() as u64).min(SEGMENT_SIZE - pos);
        file.write_all_at(&zeros[..n as usize], pos)?;
        pos += n;
    }
    file.sync_all()?;
    let next_start = (seg + 1) * SEGMENT_SIZE;
    if let Ok(next) = OpenOptions::new()
        .read(true)
        .write(true)
        .open(wal.join(segment_name(seg + 1)))
        && header_at(&next, 0).is_ok_and(|h| h.lsn == Lsn(next_start))
    {
        next.write_all_at(&[0u8; HEADER_SIZE], 0)?;
        next.sync_all()?;
    }
    Ok(true)
}
