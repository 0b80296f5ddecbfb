//! The buffer pool's hit path: pinning and latching a cached page, for reading and for
//! writing, and a miss that must read from disk.

use criterion::{Criterion, criterion_group, criterion_main};
use rustydb_benches::open_storage;
use rustydb_storage::{HeapFile, PageId, RecordMeta, SyncMode};

fn hits(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = open_storage(dir.path(), 1024, SyncMode::Off);
    let heap = HeapFile::create(&storage).expect("heap");
    for i in 0..20_000u32 {
        heap.insert(&i.to_le_bytes().repeat(10), RecordMeta::NONE)
            .expect("insert");
    }
    let pages = heap.nblocks().expect("nblocks");
    let pool = storage.pool();
    let mut group = c.benchmark_group("buffer_pool");
    let mut i = 0u32;
    group.bench_function("read_hit", |b| {
        b.iter(|| {
            i = (i + 1) % pages;
            let g = pool.read(PageId::new(heap.rel(), i)).expect("read");
            std::hint::black_box(g[100]);
        })
    });
    group.bench_function("write_hit", |b| {
        b.iter(|| {
            i = (i + 1) % pages;
            let g = pool.write(PageId::new(heap.rel(), i)).expect("write");
            std::hint::black_box(g.page()[100]);
        })
    });
    group.finish();
    let s = pool.stats();
    eprintln!("buffer pool after the run: {s:?}");
}

criterion_group!(benches, hits);
criterion_main!(benches);
