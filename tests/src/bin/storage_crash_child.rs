//! The storage crash loop's child: `storage_crash_child <data-dir> [--no-checkpoint]`.
//!
//! Opens the data directory (recovering it), resumes after the highest commit the index
//! holds, and commits forever: insert the heap row of `k`, insert the index entry `k` ->
//! its tuple id, flush the log through both, then print `ACK <k> <lsn>` (the log position
//! after commit `k`) and flush stdout. It first prints `START <k> <lsn>`: the first commit
//! it will make and where the log then ends. Unless told `--no-checkpoint`, it checkpoints
//! every 64 commits. It never exits by itself: the parent kills it.

use std::io::Write;

use rustydb_storage::{CheckpointReason, RecordMeta, Storage};
use rustydb_tests::crash;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: storage_crash_child <data-dir> [--no-checkpoint]");
    let checkpoints = !args.any(|a| a == "--no-checkpoint");
    let storage = Storage::open(crash::options(dir.as_ref())).expect("opening the data directory");
    let (heap, tree) = crash::open(&storage).expect("opening the heap and the index");
    let first = crash::last_key(&tree).expect("reading the index") + 1;
    let mut out = std::io::stdout().lock();
    let ack = |out: &mut std::io::StdoutLock<'_>, line: String| {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .expect("writing to stdout");
    };
    ack(
        &mut out,
        format!("START {first} {}", storage.wal().insert_lsn().0),
    );
    for k in first.. {
        let tid = heap
            .insert(&crash::row(k), RecordMeta::NONE)
            .expect("heap insert");
        let inserted = tree
            .insert(&crash::key(k), &tid.encode(), RecordMeta::NONE)
            .expect("index insert");
        assert!(inserted, "commit {k} is already in the index");
        let end = storage.wal().insert_lsn();
        storage.wal().flush(end).expect("flushing the log");
        ack(&mut out, format!("ACK {k} {}", end.0));
        if checkpoints && k % 64 == 0 {
            storage
                .checkpoint(CheckpointReason::Requested)
                .expect("checkpoint");
        }
    }
}
