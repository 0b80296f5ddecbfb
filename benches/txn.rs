//! The transaction layer's fixed costs: an empty transaction, a durable one-row insert,
//! a counter row that 8 threads increment at READ COMMITTED (each increment a durable
//! transaction, retried on retryable errors), and taking and releasing an uncontended
//! table lock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rustydb_benches::{fdatasync_rate, open_storage};
use rustydb_storage::{HeapFile, RelId, SyncMode, Tid};
use rustydb_txn::lock::{LockManager, LockMode, LockOwner, LockTag, WaitOptions};
use rustydb_txn::{IsolationLevel, TxnConfig, TxnManager, WriteResult};

const COUNTER_THREADS: usize = 8;

fn manager(storage: &Arc<rustydb_storage::Storage>) -> Arc<TxnManager> {
    let config = TxnConfig {
        autovacuum: false,
        ..TxnConfig::default()
    };
    TxnManager::open(storage, config).expect("transaction manager")
}

fn counter_row(value: i64) -> [u8; 8] {
    value.to_le_bytes()
}

/// `UPDATE counter SET value = value + 1` as one READ COMMITTED transaction, starting
/// from `hint`, the newest version this thread knows of. Returns the new version.
fn increment(mgr: &Arc<TxnManager>, heap: &HeapFile, hint: Tid) -> Tid {
    loop {
        let mut t = mgr.begin(IsolationLevel::ReadCommitted).expect("begin");
        t.begin_statement(None).expect("statement");
        let mut tid = hint;
        let done = loop {
            let (newest, row) = match t.latest_version(heap, tid) {
                Ok(Some(found)) => found,
                Ok(None) => panic!("the counter row vanished"),
                Err(e) => break Err(e),
            };
            let value = i64::from_le_bytes(row[..8].try_into().expect("8 bytes"));
            match t.update(heap, newest, &counter_row(value + 1)) {
                Ok(WriteResult::Done(Some(new))) => break Ok(new),
                Ok(WriteResult::Concurrent { newer: Some(n) }) => tid = n,
                Ok(other) => panic!("unexpected {other:?}"),
                Err(e) => break Err(e),
            }
        };
        t.end_statement();
        match done.and_then(|new| t.commit().map(|()| new)) {
            Ok(new) => return new,
            Err(e) if e.is_retryable() => continue,
            Err(e) => panic!("increment: {e}"),
        }
    }
}

fn transactions(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fsync_rate = fdatasync_rate(dir.path(), 300);
    eprintln!("machine: one 8 KiB write + fdatasync = {fsync_rate:.0} per second");
    let storage = open_storage(&dir.path().join("data"), 1024, SyncMode::Fsync);
    let mgr = manager(&storage);
    let heap = HeapFile::create(&storage).expect("heap");

    let mut group = c.benchmark_group("txn");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20)
        .throughput(Throughput::Elements(1));

    group.bench_function("empty_begin_commit", |b| {
        b.iter(|| {
            let t = mgr.begin(IsolationLevel::ReadCommitted).expect("begin");
            t.commit().expect("commit");
        });
    });

    group.bench_function("insert_one_row_durable", |b| {
        let row = [7u8; 100];
        b.iter(|| {
            let mut t = mgr.begin(IsolationLevel::ReadCommitted).expect("begin");
            t.begin_statement(None).expect("statement");
            t.insert(&heap, &row).expect("insert");
            t.end_statement();
            t.commit().expect("commit (fsync)");
        });
    });

    let counter = HeapFile::create(&storage).expect("counter heap");
    let first = {
        let mut t = mgr.begin(IsolationLevel::ReadCommitted).expect("begin");
        t.begin_statement(None).expect("statement");
        let tid = t.insert(&counter, &counter_row(0)).expect("insert");
        t.end_statement();
        t.commit().expect("commit");
        tid
    };
    let newest = Mutex::new(first);
    let mut increments = 0u64;
    let mut busy = Duration::ZERO;
    group.bench_function(
        format!("counter_{COUNTER_THREADS}_threads_read_committed"),
        |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(COUNTER_THREADS as u64).max(1);
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..COUNTER_THREADS {
                        s.spawn(|| {
                            for _ in 0..per_thread {
                                let hint = *newest.lock().expect("hint");
                                let new = increment(&mgr, &counter, hint);
                                *newest.lock().expect("hint") = new;
                            }
                        });
                    }
                });
                let elapsed = start.elapsed();
                let total = per_thread * COUNTER_THREADS as u64;
                increments += total;
                busy += elapsed;
                // Time per increment across all threads.
                elapsed.mul_f64(iters as f64 / total as f64)
            });
        },
    );
    eprintln!(
        "counter: {increments} increments by {COUNTER_THREADS} threads at {:.0} increments/s",
        increments as f64 / busy.as_secs_f64()
    );
    let final_value = {
        let mut t = mgr.begin(IsolationLevel::ReadCommitted).expect("begin");
        t.begin_statement(None).expect("statement");
        let hint = *newest.lock().expect("hint");
        let (_, row) = t
            .latest_version(&counter, hint)
            .expect("read")
            .expect("the counter row");
        t.end_statement();
        t.commit().expect("commit");
        i64::from_le_bytes(row[..8].try_into().expect("8 bytes"))
    };
    assert_eq!(final_value as u64, increments, "an increment was lost");

    let locks = LockManager::default();
    let owner = LockOwner::new(1);
    let tag = LockTag::Relation(RelId(16384));
    let wait = WaitOptions::default();
    group.bench_function("table_lock_acquire_release_uncontended", |b| {
        b.iter(|| {
            locks
                .acquire(&owner, tag, LockMode::IX, &wait)
                .expect("acquire");
            locks.release(owner.id(), tag);
        });
    });
    group.finish();
    mgr.shutdown();
}

criterion_group!(benches, transactions);
criterion_main!(benches);
