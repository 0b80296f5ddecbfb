//! Recovery and fault tests of the whole engine: WAL cut mid-record, damage in the middle
//! of the log, crashes during recovery, full disks, failing syncs, locked and corrupt data
//! directories.

use std::path::Path;
use std::sync::Arc;

use rustydb_common::DbError;
use rustydb_storage::io::fault::{FaultVfs, Faults};
use rustydb_storage::io::{Vfs, backend_from_env};
use rustydb_storage::wal::segment::{SEGMENT_SIZE, segment_name};
use rustydb_storage::{
    CheckpointReason, HeapFile, RecordMeta, Storage, StorageError, StorageOptions, Tid,
};

fn options(dir: &Path, vfs: &Arc<dyn Vfs>, frames: usize) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = frames;
    o.background = false;
    o.vfs = Some(vfs.clone());
    o
}

fn row(i: u32) -> Vec<u8> {
    let mut r = format!("row-{i:06}|").into_bytes();
    r.resize(100 + (i as usize % 7) * 50, b'a' + (i % 26) as u8);
    r
}

struct Env {
    dir: tempfile::TempDir,
    faults: Faults,
    vfs: Arc<dyn Vfs>,
}

fn env() -> Env {
    let faults = Faults::new();
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    Env {
        dir: tempfile::tempdir().unwrap(),
        faults,
        vfs,
    }
}

impl Env {
    fn open(&self, frames: usize) -> Result<Arc<Storage>, StorageError> {
        Storage::open(options(self.dir.path(), &self.vfs, frames))
    }

    /// kill -9: nothing more reaches the disk, then the process is gone.
    fn crash(&self, s: Arc<Storage>, heap: HeapFile) {
        self.faults.set_dead(true);
        drop(heap);
        drop(s);
        self.faults.clear();
    }
}

/// Writes `n` rows, flushing the log after each, and returns their ids.
fn write_rows(s: &Arc<Storage>, heap: &HeapFile, from: u32, n: u32) -> Vec<Tid> {
    (from..from + n)
        .map(|i| {
            let t = heap.insert(&row(i), RecordMeta::xid(i as u64 + 1)).unwrap();
            s.wal().flush(s.wal().insert_lsn()).unwrap();
            t
        })
        .collect()
}

fn check_rows(heap: &HeapFile, tids: &[Tid], from: u32) {
    for (k, t) in tids.iter().enumerate() {
        assert_eq!(
            heap.fetch(*t).unwrap().unwrap(),
            row(from + k as u32),
            "row {t}"
        );
    }
}

#[test]
fn wal_cut_mid_record_recovers_to_the_last_whole_record() {
    let e = env();
    let s = e.open(64).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    let tids = write_rows(&s, &heap, 0, 50);
    let last_start = s.wal().insert_lsn();
    let extra = heap.insert(&row(999), RecordMeta::NONE).unwrap();
    s.wal().flush(s.wal().insert_lsn()).unwrap();
    e.crash(s, heap);
    // Cut the last record in half.
    let seg = last_start.0 / SEGMENT_SIZE;
    let path = e.dir.path().join("wal").join(segment_name(seg));
    let mut bytes = std::fs::read(&path).unwrap();
    let off = (last_start.0 % SEGMENT_SIZE) as usize;
    bytes[off + 40..off + 4096].fill(0);
    std::fs::write(&path, bytes).unwrap();

    let s = e.open(64).unwrap();
    assert!(
        s.recovery_outcome().end_reason.contains("CRC"),
        "{:?}",
        s.recovery_outcome()
    );
    let heap = HeapFile::open(&s, rel).unwrap();
    check_rows(&heap, &tids, 0);
    assert_eq!(
        heap.fetch(extra).unwrap(),
        None,
        "the cut record is gone, wholly"
    );
    // The log continues cleanly after the cut.
    let more = write_rows(&s, &heap, 50, 10);
    e.crash(s, heap);
    let s = e.open(64).unwrap();
    let heap = HeapFile::open(&s, rel).unwrap();
    check_rows(&heap, &more, 50);
}

#[test]
fn damage_in_the_middle_of_the_log_stops_recovery_unless_told_otherwise() {
    let e = env();
    let s = e.open(64).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    // Enough rows with images to fill more than one segment.
    let big = vec![b'z'; 8000];
    let mut tids = Vec::new();
    for i in 0..2300u32 {
        tids.push(heap.insert(&big, RecordMeta::xid(i as u64 + 1)).unwrap());
    }
    s.wal().flush(s.wal().insert_lsn()).unwrap();
    let redo = s.control_data().redo;
    e.crash(s, heap);
    // Damage a record early in the first segment after the redo point.
    let path = e
        .dir
        .path()
        .join("wal")
        .join(segment_name(redo.0 / SEGMENT_SIZE));
    let mut bytes = std::fs::read(&path).unwrap();
    let off = (redo.0 % SEGMENT_SIZE) as usize + 20_000;
    bytes[off] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();

    let err = e.open(64).unwrap_err();
    let db: DbError = err.into();
    assert_eq!(db.code().id(), "ERR-DB-003");
    assert!(db.message().contains("--recovery-mode"), "{}", db.message());

    let mut o = options(e.dir.path(), &e.vfs, 64);
    o.recovery_mode = true;
    let s = Storage::open(o).unwrap();
    let heap = HeapFile::open(&s, rel).unwrap();
    // What precedes the damage survives; the rest was knowingly discarded.
    assert!(heap.fetch(tids[0]).unwrap().is_some());
}

#[test]
fn a_crash_during_recovery_recovers_again() {
    let e = env();
    let s = e.open(256).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    let tids = write_rows(&s, &heap, 0, 3000);
    e.crash(s, heap);
    // Recovery with a 16-page pool must write pages back while replaying; fail those
    // writes at different points.
    for skip in [0, 5, 40] {
        e.faults.fail_writes("base", libc::EIO, skip);
        let err = e.open(16).unwrap_err();
        assert!(
            err.to_string().contains("could not write") || err.to_string().contains("checkpoint"),
            "{err}"
        );
        e.faults.clear();
    }
    let s = e.open(16).unwrap();
    let heap = HeapFile::open(&s, rel).unwrap();
    check_rows(&heap, &tids, 0);
    let report = s.verify_integrity(None).unwrap();
    assert!(report.is_clean() && report.pages > 10, "{report:?}");
}

#[test]
fn full_disk_fails_inserts_cleanly_and_they_resume_when_space_returns() {
    let e = env();
    let s = e.open(64).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    let tids = write_rows(&s, &heap, 0, 100);
    e.faults.set_free_space(Some(0));
    let mut failures = 0;
    let mut more = Vec::new();
    for i in 100..400u32 {
        match heap.insert(&row(i), RecordMeta::NONE) {
            Ok(t) => more.push((t, i)),
            Err(err) => {
                assert!(err.is_disk_full(), "{err}");
                let db: DbError = err.into();
                assert!(
                    matches!(db.code().id(), "ERR-STG-002" | "ERR-STG-003"),
                    "{db}"
                );
                assert_eq!(db.sqlstate(), "53100");
                failures += 1;
            }
        }
    }
    assert!(failures > 0, "a full disk must be noticed");
    e.faults.set_free_space(None);
    let after = write_rows(&s, &heap, 1000, 20);
    s.checkpoint(CheckpointReason::Requested).unwrap();
    e.crash(s, heap);
    let s = e.open(64).unwrap();
    let heap = HeapFile::open(&s, rel).unwrap();
    check_rows(&heap, &tids, 0);
    check_rows(&heap, &after, 1000);
    for (t, i) in more {
        assert_eq!(heap.fetch(t).unwrap().unwrap(), row(i));
    }
}

#[test]
fn a_failed_data_sync_fails_the_checkpoint_not_the_data() {
    let e = env();
    let s = e.open(64).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    let tids = write_rows(&s, &heap, 0, 200);
    e.faults.fail_syncs("base", libc::EIO, 0);
    let err = s.checkpoint(CheckpointReason::Requested).unwrap_err();
    let db: DbError = err.into();
    assert_eq!(db.code().id(), "ERR-STG-004");
    assert_eq!(s.checkpoint_stats().failed, 1);
    e.faults.clear();
    s.checkpoint(CheckpointReason::Requested).unwrap();
    e.crash(s, heap);
    let s = e.open(64).unwrap();
    check_rows(&HeapFile::open(&s, rel).unwrap(), &tids, 0);
}

#[test]
fn a_second_process_gets_the_holders_pid() {
    let e = env();
    let _s = e.open(16).unwrap();
    let db: DbError = e.open(16).unwrap_err().into();
    assert_eq!(db.code().id(), "ERR-DB-006");
    assert!(
        db.message().contains(&std::process::id().to_string()),
        "{db}"
    );
}

#[test]
fn a_corrupt_control_file_is_a_clear_start_up_error() {
    let e = env();
    drop(e.open(16).unwrap());
    let path = e.dir.path().join("global/control");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[25] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let db: DbError = e.open(16).unwrap_err().into();
    assert_eq!(db.code().id(), "ERR-DB-001");
    assert!(db.message().contains("corrupt control file"), "{db}");
    assert!(db.message().contains("control"), "{db}");
}

#[test]
fn a_flipped_byte_in_a_data_page_is_err_stg_001_on_read() {
    let e = env();
    let s = e.open(16).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let rel = heap.rel();
    let tids = write_rows(&s, &heap, 0, 10);
    drop(heap);
    s.shutdown().unwrap();
    drop(s);
    let path = e.dir.path().join("base").join(rel.to_string());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[7000] ^= 0x10;
    std::fs::write(&path, bytes).unwrap();
    let s = e.open(16).unwrap();
    let report = s.verify_integrity(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(report.problems[0].reason.contains("checksum mismatch"));
    let heap = HeapFile::open(&s, rel).unwrap();
    let db: DbError = heap.fetch(tids[0]).unwrap_err().into();
    assert_eq!(db.code().id(), "ERR-STG-001");
    assert_eq!(db.sqlstate(), "XX001");
    assert!(db.message().contains(&format!("base/{rel} page 0")), "{db}");
}

#[test]
fn old_segments_are_recycled_after_checkpoints() {
    let e = env();
    let s = e.open(64).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let big = vec![b'q'; 4000];
    for round in 0..4 {
        for _ in 0..3000 {
            heap.insert(&big, RecordMeta::NONE).unwrap();
        }
        s.checkpoint(CheckpointReason::Requested).unwrap();
        let segs = std::fs::read_dir(e.dir.path().join("wal")).unwrap().count();
        assert!(segs <= 8, "round {round}: {segs} segments kept");
    }
}
