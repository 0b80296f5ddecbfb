//! Buffer pool tests: eviction and write-back, the WAL rule, pin exhaustion, undo of
//! unlogged changes, scan resistance, checksum failures and concurrent use.

use std::sync::Arc;

use super::*;
use crate::disk::DiskManager;
use crate::error::StorageError;
use crate::ids::{Lsn, PageId, RelId};
use crate::io::backend_from_env;
use crate::mtr::log_pages;
use crate::page::slotted::SlottedPage;
use crate::page::{self, PageType};
use crate::wal::segment::{SEGMENT_SIZE, Segments};
use crate::wal::{RecordMeta, SyncMode, Wal};

const REL: RelId = RelId(20000);

struct Fixture {
    _dir: tempfile::TempDir,
    pool: BufferPool,
    wal: Arc<Wal>,
}

fn fixture(frames: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::create_dir_all(dir.path().join("wal")).unwrap();
    let disk = Arc::new(DiskManager::new(
        backend_from_env(),
        dir.path().join("base"),
    ));
    disk.create(REL).unwrap();
    let segs = Arc::new(Segments::new(backend_from_env(), dir.path().join("wal")));
    segs.allocate(1).unwrap();
    let start = Lsn(SEGMENT_SIZE);
    let wal = Arc::new(Wal::new(segs, SyncMode::Off, start, start, 0));
    let pool = BufferPool::new(frames, disk).unwrap();
    pool.attach_wal(wal.clone());
    Fixture {
        _dir: dir,
        pool,
        wal,
    }
}

/// Allocates `n` pages, each holding one item naming its page number.
fn fill(fx: &Fixture, n: u32) {
    for i in 0..n {
        let mut g = fx.pool.new_page(REL).unwrap();
        assert_eq!(g.id().page, i);
        SlottedPage::init(g.page_mut(), PageType::Heap, 0)
            .insert(&i.to_le_bytes())
            .unwrap();
        log_pages(&fx.wal, RecordMeta::NONE, &mut [&mut g], &[]).unwrap();
    }
}

fn item(fx: &Fixture, page_no: u32) -> u32 {
    let g = fx.pool.read(PageId::new(REL, page_no)).unwrap();
    let bytes = SlottedPage::new(&g[..]).get(0).unwrap().to_vec();
    u32::from_le_bytes(bytes.try_into().unwrap())
}

#[test]
fn dirty_pages_survive_eviction_and_obey_the_wal_rule() {
    let fx = fixture(8);
    fill(&fx, 40);
    let s = fx.pool.stats();
    assert!(s.evictions >= 32, "{s:?}");
    assert!(s.writes >= 32, "{s:?}");
    // Evicted pages were written only after their log was synced.
    assert!(fx.wal.flushed_lsn() > Lsn(SEGMENT_SIZE));
    for i in 0..40 {
        assert_eq!(item(&fx, i), i);
    }
    let s = fx.pool.stats();
    assert_eq!((s.size, s.used), (8, 8));
    assert!(s.misses >= 40 && s.hit_rate < 1.0);
}

#[test]
fn all_frames_pinned_is_an_error_not_a_hang() {
    let fx = fixture(4);
    fill(&fx, 5);
    let guards: Vec<_> = (0..4)
        .map(|i| fx.pool.read(PageId::new(REL, i)).unwrap())
        .collect();
    match fx.pool.read(PageId::new(REL, 4)) {
        Err(StorageError::BufferPoolExhausted { frames: 4 }) => {}
        other => panic!("expected exhaustion, got {other:?}"),
    }
    drop(guards);
    assert_eq!(item(&fx, 4), 4);
}

#[test]
fn unlogged_changes_are_undone_when_the_guard_drops() {
    let fx = fixture(4);
    fill(&fx, 1);
    let id = PageId::new(REL, 0);
    let before = fx.pool.read(id).unwrap().to_vec();
    {
        let mut g = fx.pool.write(id).unwrap();
        SlottedPage::new(g.page_mut())
            .insert(b"never logged")
            .unwrap();
        assert!(g.is_modified());
    }
    assert_eq!(fx.pool.read(id).unwrap().to_vec(), before);
}

#[test]
fn a_large_scan_through_a_ring_keeps_the_hot_set() {
    let fx = fixture(64);
    fill(&fx, 400);
    // Make pages 0..16 hot.
    for _ in 0..6 {
        for i in 0..16 {
            item(&fx, i);
        }
    }
    let mut ring = ScanRing::new();
    for i in 16..400 {
        drop(
            fx.pool
                .read_in_ring(PageId::new(REL, i), &mut ring)
                .unwrap(),
        );
    }
    let misses = fx.pool.stats().misses;
    for i in 0..16 {
        item(&fx, i);
    }
    assert_eq!(
        fx.pool.stats().misses,
        misses,
        "the hot set was evicted by the scan"
    );
}

#[test]
fn a_corrupt_page_is_an_error_every_time() {
    let fx = fixture(4);
    fill(&fx, 6);
    fx.pool.flush_all().unwrap();
    // Push page 5 out, then corrupt it on disk.
    for i in 0..4 {
        item(&fx, i);
    }
    let path = fx.pool.disk().path(REL);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[5 * 8192 + 6000] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    for _ in 0..2 {
        match fx.pool.read(PageId::new(REL, 5)) {
            Err(StorageError::ChecksumMismatch { page: 5, .. }) => {}
            other => panic!("expected a checksum error, got {other:?}"),
        }
    }
    assert_eq!(item(&fx, 4), 4, "other pages are unaffected");
}

#[test]
fn concurrent_writers_through_a_small_pool() {
    let fx = Arc::new(fixture(6));
    fill(&fx, 12);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let fx = fx.clone();
            std::thread::spawn(move || {
                for k in 0..300u32 {
                    let id = PageId::new(REL, (k * 7 + t) % 12);
                    let mut g = fx.pool.write(id).unwrap();
                    let mut p = SlottedPage::new(g.page_mut());
                    let v = p.get_mut(0).unwrap();
                    let n = u32::from_le_bytes(v[..4].try_into().unwrap()) + 1000;
                    v.copy_from_slice(&n.to_le_bytes());
                    log_pages(&fx.wal, RecordMeta::NONE, &mut [&mut g], &[]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total: u64 = (0..12).map(|i| item(&fx, i) as u64).sum();
    let base: u64 = (0..12).sum();
    assert_eq!(total, base + 4 * 300 * 1000);
    for i in 0..12 {
        let g = fx.pool.read(PageId::new(REL, i)).unwrap();
        assert!(page::page_lsn(&g) > Lsn(SEGMENT_SIZE));
    }
}
