//! B+tree insert and point lookup: 8-byte big-endian keys with 6-byte values (a tuple id),
//! the shape of an integer primary-key index.

use criterion::{Criterion, criterion_group, criterion_main};
use rustydb_benches::open_storage;
use rustydb_storage::{BTree, RecordMeta, SyncMode};

fn btree(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = open_storage(dir.path(), 16384, SyncMode::Off);
    let tree = BTree::create(&storage).expect("btree");
    let mut group = c.benchmark_group("btree");
    // Keys spread over the key space by a multiplicative hash, as random inserts.
    let mut next = 0u64;
    group.bench_function("insert_random_key", |b| {
        b.iter(|| {
            next += 1;
            let key = next.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes();
            tree.insert(&key, &[0u8; 6], RecordMeta::NONE)
                .expect("insert");
        })
    });
    let loaded = next.max(1);
    let mut i = 0u64;
    group.bench_function("lookup_hit", |b| {
        b.iter(|| {
            i = i % loaded + 1;
            let key = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes();
            std::hint::black_box(tree.get(&key).expect("get"));
        })
    });
    group.finish();
    let report = tree.verify().expect("verify");
    eprintln!(
        "tree after the run: {} entries, height {}",
        report.entries, report.height
    );
}

criterion_group!(benches, btree);
criterion_main!(benches);
