//! Durable commit throughput with 1, 8 and 32 concurrent committers, beside the machine's
//! own single-fsync rate measured in the same run. With group commit, 8 and 32 committers
//! should exceed one commit per fsync.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rustydb_benches::{fdatasync_rate, open_storage};
use rustydb_storage::wal::RecordKind;
use rustydb_storage::{RecordMeta, SyncMode};

fn commits(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fsync_rate = fdatasync_rate(dir.path(), 300);
    eprintln!("machine: one 8 KiB write + fdatasync = {fsync_rate:.0} per second");
    let storage = open_storage(&dir.path().join("data"), 256, SyncMode::Fsync);
    let mut group = c.benchmark_group("wal_commit");
    group
        .measurement_time(Duration::from_secs(5))
        .sample_size(10);
    for committers in [1usize, 8, 32] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("{committers}_committers"), |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(committers as u64).max(1);
                let start = Instant::now();
                std::thread::scope(|s| {
                    for t in 0..committers {
                        let wal = Arc::clone(storage.wal());
                        s.spawn(move || {
                            let payload = [t as u8; 100];
                            for _ in 0..per_thread {
                                let (_, end) = wal
                                    .insert_simple(
                                        RecordKind::CreateRel,
                                        RecordMeta::xid(1 + t as u64),
                                        &payload,
                                    )
                                    .expect("insert");
                                wal.flush(end).expect("flush");
                            }
                        });
                    }
                });
                // Time per commit across all committers.
                let total = per_thread * committers as u64;
                start.elapsed().mul_f64(iters as f64 / total as f64)
            });
        });
    }
    group.finish();
    let stats = storage.wal().stats();
    let records = stats.records.load(std::sync::atomic::Ordering::Relaxed);
    let fsyncs = stats.fsyncs.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "group commit: {records} commits shared {fsyncs} fsyncs ({:.1} commits per fsync)",
        records as f64 / fsyncs.max(1) as f64
    );
}

criterion_group!(benches, commits);
criterion_main!(benches);
