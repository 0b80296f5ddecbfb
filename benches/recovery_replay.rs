//! How fast crash recovery replays the log: writes at least 1 GiB of WAL (row inserts and
//! updates, with no checkpoint in between), simulates kill -9, and times `Storage::open`
//! on copies of the crashed directory. Prints MiB/s and seconds per GiB.
//!
//! `cargo bench -p rustydb-benches --bench recovery_replay` (set `RECOVERY_BENCH_MB` to
//! change the amount of log).

use std::path::Path;
use std::time::Instant;

use rustydb_benches::open_storage;
use rustydb_storage::{HeapFile, RecordMeta, SyncMode, Tid};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() != "rustydb.pid" {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let target_mb = env("RECOVERY_BENCH_MB", 1024);
    let frames = env("RECOVERY_BENCH_FRAMES", 16384) as usize;
    let spread = env("RECOVERY_BENCH_SPREAD", 0) == 1;
    eprintln!(
        "buffer pool {frames} pages; updates {}",
        if spread {
            "spread over the table"
        } else {
            "on a hot set"
        }
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = dir.path().join("crashed");
    {
        let s = open_storage(&crashed, frames, SyncMode::Off);
        let heap = HeapFile::create(&s).expect("heap");
        let start_lsn = s.wal().insert_lsn();
        let row = vec![7u8; 200];
        let mut tids: Vec<Tid> = Vec::new();
        let mut i = 0u64;
        while (s.wal().insert_lsn().0 - start_lsn.0) < target_mb << 20 {
            if tids.len() < 200_000 || i.is_multiple_of(2) {
                tids.push(heap.insert(&row, RecordMeta::xid(3 + i)).expect("insert"));
            } else {
                let n = if spread { tids.len() } else { 200_000 };
                let t = tids[(i as usize * 7919) % n];
                heap.update_in_place(t, RecordMeta::xid(3 + i), |b| b[0] = b[0].wrapping_add(1))
                    .expect("update");
            }
            i += 1;
        }
        s.wal().flush(s.wal().insert_lsn()).expect("flush");
        eprintln!(
            "wrote {} MiB of WAL in {i} records",
            (s.wal().insert_lsn().0 - start_lsn.0) >> 20
        );
        // kill -9: leave without a shutdown checkpoint.
        std::mem::forget(heap);
        std::mem::forget(s);
    }
    for run in 1..=3 {
        let copy = dir.path().join(format!("run{run}"));
        copy_dir(&crashed, &copy);
        let t = Instant::now();
        let s = open_storage(&copy, frames, SyncMode::Off);
        let secs = t.elapsed().as_secs_f64();
        let out = s.recovery_outcome().clone();
        let mib = out.bytes as f64 / (1 << 20) as f64;
        eprintln!(
            "run {run}: replayed {mib:.0} MiB ({} records) in {secs:.2} s = {:.0} MiB/s, {:.2} s per GiB (replay {} ms)",
            out.records,
            mib / secs,
            secs * 1024.0 / mib,
            out.millis
        );
        drop(s);
        let _ = std::fs::remove_dir_all(&copy);
    }
}
