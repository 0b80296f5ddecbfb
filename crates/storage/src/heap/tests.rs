//! Heap tests: inserts and reads, size limits, space reuse, restart, crash, torn pages and
//! power loss.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::*;
use crate::io::fault::{FaultVfs, Faults};
use crate::io::{StdVfs, Vfs, backend_from_env};
use crate::{CheckpointReason, Storage, StorageOptions};

fn options(dir: &Path, vfs: Option<Arc<dyn Vfs>>) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = 64;
    o.background = false;
    o.vfs = Some(vfs.unwrap_or_else(backend_from_env));
    o
}

fn row(i: u32) -> Vec<u8> {
    let mut r = format!("row {i:08} ").into_bytes();
    r.resize(40 + (i as usize * 37) % 300, b'x');
    r
}

#[test]
fn insert_fetch_update_and_scan() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(options(dir.path(), None)).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let tids: Vec<Tid> = (0..2000)
        .map(|i| heap.insert(&row(i), RecordMeta::xid(1)).unwrap())
        .collect();
    assert!(
        heap.nblocks().unwrap() > 30,
        "rows spread over more pages than half the pool"
    );
    for (i, tid) in tids.iter().enumerate() {
        assert_eq!(heap.fetch(*tid).unwrap().unwrap(), row(i as u32));
    }
    let changed = heap
        .update_in_place(tids[7], RecordMeta::xid(2), |b| {
            b[0] = b'R';
            b.len()
        })
        .unwrap();
    assert_eq!(changed, Some(row(7).len()));
    assert_eq!(heap.fetch(tids[7]).unwrap().unwrap()[0], b'R');
    let mut scan = heap.scan();
    let mut n = 0;
    while let Some((tid, bytes)) = scan.next_tuple().unwrap() {
        let i = tids.iter().position(|t| *t == tid).unwrap();
        assert_eq!(bytes[1..], row(i as u32)[1..]);
        n += 1;
    }
    assert_eq!(n, 2000);
    assert_eq!(heap.fetch(Tid::new(0, 999)).unwrap(), None);
}

#[test]
fn oversized_rows_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(options(dir.path(), None)).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    heap.insert(&vec![1u8; MAX_TUPLE], RecordMeta::NONE)
        .unwrap();
    let err = heap
        .insert(&vec![1u8; MAX_TUPLE + 1], RecordMeta::NONE)
        .unwrap_err();
    let db: rustydb_common::DbError = err.into();
    assert_eq!(db.code().id(), "ERR-STG-007");
    assert_eq!(db.message(), "row is too big: size 8165, maximum size 8164");
}

#[test]
fn vacuumed_space_is_reused_not_appended() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(options(dir.path(), None)).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let mut tids: Vec<Tid> = (0..500)
        .map(|i| heap.insert(&row(i), RecordMeta::NONE).unwrap())
        .collect();
    let pages = heap.nblocks().unwrap();
    for round in 0..5 {
        let mut by_page: BTreeMap<u32, Vec<u16>> = BTreeMap::new();
        for t in &tids {
            by_page.entry(t.page).or_default().push(t.slot);
        }
        for (page, slots) in by_page {
            heap.vacuum_page(page, &[], &slots, RecordMeta::NONE)
                .unwrap();
        }
        tids = (0..500)
            .map(|i| heap.insert(&row(i + round), RecordMeta::NONE).unwrap())
            .collect();
        assert!(
            heap.nblocks().unwrap() <= pages + 1,
            "round {round}: file grew"
        );
    }
}

#[test]
fn rows_survive_clean_restart_and_crash() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    let (rel, tids) = {
        let s = Storage::open(options(dir.path(), Some(vfs.clone()))).unwrap();
        let heap = HeapFile::create(&s).unwrap();
        let tids: Vec<Tid> = (0..300)
            .map(|i| heap.insert(&row(i), RecordMeta::NONE).unwrap())
            .collect();
        s.shutdown().unwrap();
        (heap.rel(), tids)
    };
    let more = {
        let s = Storage::open(options(dir.path(), Some(vfs.clone()))).unwrap();
        assert_eq!(
            s.recovery_outcome().pages_applied,
            0,
            "clean shutdown: nothing to replay"
        );
        let heap = HeapFile::open(&s, rel).unwrap();
        for (i, t) in tids.iter().enumerate() {
            assert_eq!(heap.fetch(*t).unwrap().unwrap(), row(i as u32));
        }
        let more: Vec<Tid> = (300..600)
            .map(|i| heap.insert(&row(i), RecordMeta::NONE).unwrap())
            .collect();
        s.wal().flush(s.wal().insert_lsn()).unwrap();
        // kill -9: nothing more reaches the disk.
        faults.set_dead(true);
        drop(heap);
        drop(s);
        more
    };
    faults.clear();
    let s = Storage::open(options(dir.path(), Some(vfs))).unwrap();
    assert!(s.recovery_outcome().pages_applied > 0);
    let heap = HeapFile::open(&s, rel).unwrap();
    for (i, t) in tids.iter().chain(&more).enumerate() {
        assert_eq!(heap.fetch(*t).unwrap().unwrap(), row(i as u32));
    }
}

#[test]
fn torn_page_is_repaired_from_its_full_page_image() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    let s = Storage::open(options(dir.path(), Some(vfs.clone()))).unwrap();
    let heap = HeapFile::create(&s).unwrap();
    let tids: Vec<Tid> = (0..40)
        .map(|i| heap.insert(&row(i), RecordMeta::NONE).unwrap())
        .collect();
    s.checkpoint(CheckpointReason::Requested).unwrap();
    // First change after the checkpoint: logged with a full image of page 0.
    heap.update_in_place(tids[0], RecordMeta::NONE, |b| b[0] = b'T')
        .unwrap();
    s.pool().flush_all().unwrap();
    s.wal().flush(s.wal().insert_lsn()).unwrap();
    let rel = heap.rel();
    faults.set_dead(true);
    drop(heap);
    drop(s);
    // Tear page 0 on disk: the second half is garbage, as if power failed mid-write.
    let path = dir.path().join("base").join(rel.to_string());
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[4096..8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    faults.clear();
    let s = Storage::open(options(dir.path(), Some(vfs))).unwrap();
    let heap = HeapFile::open(&s, rel).unwrap();
    assert_eq!(heap.fetch(tids[0]).unwrap().unwrap()[0], b'T');
    for (i, t) in tids.iter().enumerate().skip(1) {
        assert_eq!(heap.fetch(*t).unwrap().unwrap(), row(i as u32));
    }
}

#[test]
fn power_loss_keeps_every_flushed_row() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    faults.track_unsynced(true);
    let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
    let mut rng = StdRng::seed_from_u64(7);
    let mut acked: Vec<(Tid, Vec<u8>)> = Vec::new();
    let mut rel = None;
    for round in 0..12u32 {
        let s = Storage::open(options(dir.path(), Some(vfs.clone()))).unwrap();
        let heap = match rel {
            None => HeapFile::create(&s).unwrap(),
            Some(r) => HeapFile::open(&s, r).unwrap(),
        };
        rel = Some(heap.rel());
        for (t, bytes) in &acked {
            assert_eq!(
                heap.fetch(*t).unwrap().as_ref(),
                Some(bytes),
                "round {round}: lost {t}"
            );
        }
        let n = rng.random_range(20..200);
        for k in 0..n {
            let r = row(round * 1000 + k);
            let t = heap.insert(&r, RecordMeta::NONE).unwrap();
            if rng.random_bool(0.3) {
                s.wal().flush(s.wal().insert_lsn()).unwrap();
                acked.push((t, r));
            }
            if rng.random_bool(0.05) {
                s.checkpoint(CheckpointReason::Requested).unwrap();
            }
        }
        // Power fails: unsynced writes are lost or torn at random.
        faults.set_dead(true);
        drop(heap);
        drop(s);
        faults
            .power_loss(&StdVfs, 0.5, &mut || rng.random::<f64>())
            .unwrap();
        faults.clear();
    }
}
