//! Tests of the log on its own: append, read back, torn tails, segment switches, group
//! commit and failures.

use std::sync::Arc;

use super::segment::{SEGMENT_SIZE, Segments};
use super::*;
use crate::ids::Lsn;
use crate::io::fault::{FaultVfs, Faults};
use crate::io::{Vfs, backend_from_env};

fn open(vfs: Arc<dyn Vfs>, dir: &std::path::Path, sync: SyncMode) -> (Arc<Segments>, Wal) {
    let segs = Arc::new(Segments::new(vfs, dir.to_path_buf()));
    segs.allocate(1).unwrap();
    let start = Lsn(SEGMENT_SIZE);
    (segs.clone(), Wal::new(segs, sync, start, start, 0))
}

fn payload(i: u32, len: usize) -> Vec<u8> {
    let mut p = vec![(i % 251) as u8; len];
    p[..4].copy_from_slice(&i.to_le_bytes());
    p
}

fn read_all(segs: &Arc<Segments>) -> (Vec<(Lsn, Vec<u8>)>, WalReader) {
    let mut r = WalReader::new(segs.clone(), Lsn(SEGMENT_SIZE));
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        out.push((rec.lsn(), rec.payload.to_vec()));
    }
    (out, r)
}

#[test]
fn records_read_back_in_order_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (segs, wal) = open(backend_from_env(), dir.path(), SyncMode::Off);
    let mut written = Vec::new();
    // ~40 MiB of records crosses two segment boundaries.
    for i in 0..700u32 {
        let p = payload(i, 60_000 + (i as usize * 7) % 1000);
        let (lsn, end) = wal
            .insert_simple(RecordKind::CreateRel, RecordMeta::xid(i as u64), &p)
            .unwrap();
        assert!(end > lsn);
        written.push((lsn, p));
    }
    wal.flush_sync(wal.insert_lsn()).unwrap();
    assert_eq!(wal.max_xid(), 699);
    let (read, r) = read_all(&segs);
    assert_eq!(read.len(), written.len());
    assert_eq!(read, written);
    assert_eq!(r.position(), wal.insert_lsn());
    assert!(segs.list().unwrap().len() >= 3);
}

#[test]
fn torn_tail_ends_the_log_at_the_last_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    let (segs, wal) = open(backend_from_env(), dir.path(), SyncMode::Fsync);
    let mut ends = Vec::new();
    for i in 0..10u32 {
        let (_, end) = wal
            .insert_simple(RecordKind::CreateRel, RecordMeta::NONE, &payload(i, 500))
            .unwrap();
        ends.push(end);
    }
    wal.flush(wal.insert_lsn()).unwrap();
    // Cut the file in the middle of the last record, as a crash mid-write would.
    let path = segs.path(1);
    let mut bytes = std::fs::read(&path).unwrap();
    let cut = (ends[8].0 - SEGMENT_SIZE) as usize + 200;
    bytes[cut..].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let (read, r) = read_all(&segs);
    assert_eq!(read.len(), 9);
    assert_eq!(r.position(), ends[8]);
    assert!(
        r.end_reason().unwrap().contains("CRC"),
        "{:?}",
        r.end_reason()
    );
}

#[test]
fn flipped_bit_in_a_record_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (segs, wal) = open(backend_from_env(), dir.path(), SyncMode::Fsync);
    for i in 0..3u32 {
        wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, &payload(i, 100))
            .unwrap();
    }
    wal.flush(wal.insert_lsn()).unwrap();
    let path = segs.path(1);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[150] ^= 4; // inside the second record's payload
    std::fs::write(&path, &bytes).unwrap();
    let (read, _) = read_all(&segs);
    assert_eq!(read.len(), 1);
}

#[test]
fn group_commit_shares_fsyncs_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (segs, wal) = open(backend_from_env(), dir.path(), SyncMode::Fsync);
    let wal = Arc::new(wal);
    let threads: Vec<_> = (0..8u32)
        .map(|t| {
            let wal = wal.clone();
            std::thread::spawn(move || {
                for i in 0..50u32 {
                    let (_, end) = wal
                        .insert_simple(
                            RecordKind::CreateRel,
                            RecordMeta::xid(1 + t as u64),
                            &payload(t * 1000 + i, 64),
                        )
                        .unwrap();
                    wal.flush(end).unwrap();
                    assert!(wal.flushed_lsn() >= end);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let fsyncs = wal
        .stats()
        .fsyncs
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(fsyncs <= 400, "at most one fsync per commit, got {fsyncs}");
    let (read, _) = read_all(&segs);
    assert_eq!(read.len(), 400);
}

#[test]
fn failed_fsync_poisons_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    let (_segs, wal) = open(vfs, dir.path(), SyncMode::Fsync);
    let (_, end) = wal
        .insert_simple(RecordKind::CreateRel, RecordMeta::NONE, b"one")
        .unwrap();
    wal.flush(end).unwrap();
    faults.fail_syncs("00000000", libc::EIO, 0);
    let (_, end) = wal
        .insert_simple(RecordKind::CreateRel, RecordMeta::NONE, b"two")
        .unwrap();
    let err = wal.flush(end).unwrap_err();
    assert!(err.to_string().contains("fsync"), "{err}");
    faults.clear();
    // Even with the fault gone, nothing more is accepted until restart.
    assert!(
        wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, b"three")
            .is_err()
    );
    assert!(wal.failure().is_some());
}

#[test]
fn full_disk_fails_a_segment_switch_cleanly_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    let (segs, wal) = open(vfs, dir.path(), SyncMode::Off);
    let big = vec![7u8; 1 << 20];
    faults.set_free_space(Some(0));
    let mut inserted = 0;
    let err = loop {
        match wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, &big) {
            Ok(_) => inserted += 1,
            Err(e) => break e,
        }
    };
    assert!(err.is_disk_full(), "{err}");
    assert!(
        inserted >= 14,
        "the first segment was preallocated, {inserted} records fit"
    );
    assert!(
        wal.failure().is_none(),
        "a full disk does not poison the log"
    );
    faults.set_free_space(None);
    wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, &big)
        .unwrap();
    wal.flush_sync(wal.insert_lsn()).unwrap();
    let (read, _) = read_all(&segs);
    assert_eq!(read.len(), inserted + 1);
}

#[test]
fn a_record_ending_exactly_at_a_segment_boundary_is_followed_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (segs, wal) = open(backend_from_env(), dir.path(), SyncMode::Off);
    // Fill segment 1 to its last byte: the header of each record is 32 bytes.
    let big = vec![1u8; (1 << 20) - 32];
    for _ in 0..15 {
        wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, &big)
            .unwrap();
    }
    let room = (2 * SEGMENT_SIZE - wal.insert_lsn().0) as usize;
    wal.insert_simple(
        RecordKind::CreateRel,
        RecordMeta::NONE,
        &vec![2u8; room - 32],
    )
    .unwrap();
    assert_eq!(
        wal.insert_lsn(),
        Lsn(2 * SEGMENT_SIZE),
        "segment 1 is exactly full"
    );
    wal.insert_simple(RecordKind::CreateRel, RecordMeta::NONE, b"next")
        .unwrap();
    wal.flush_sync(wal.insert_lsn()).unwrap();
    let (read, _) = read_all(&segs);
    assert_eq!(read.len(), 17);
    assert_eq!(read[16].1, b"next");
}
