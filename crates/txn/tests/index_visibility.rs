//! Indexes over MVCC versions: each version has its own index entry (key followed by the
//! version's tuple id), and an index scan checks each entry's version against the
//! snapshot. Updated, deleted, rolled-back and concurrently inserted rows must never make
//! an index scan return an invisible row or the same row twice.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use common::*;
use rustydb_storage::{BTree, HeapFile, Tid};
use rustydb_txn::{IsolationLevel, Transaction, WriteResult};

fn entry(value: i64, tid: Tid) -> Vec<u8> {
    let mut k = ((value as u64) ^ (1 << 63)).to_be_bytes().to_vec();
    k.extend_from_slice(&tid.encode());
    k
}

fn insert(t: &mut Transaction, heap: &HeapFile, idx: &BTree, id: u32, value: i64) {
    let tid = t.insert(heap, &encode(id, value)).unwrap();
    idx.insert(
        &entry(value, tid),
        &[],
        rustydb_storage::RecordMeta::xid(t.xid()),
    )
    .unwrap();
}

/// `UPDATE SET value = new WHERE id = id` maintaining the index on `value`.
fn update(t: &mut Transaction, heap: &HeapFile, idx: &BTree, id: u32, new: i64) {
    let (tid, _) = find(t, heap, id).unwrap();
    match t.update(heap, tid, &encode(id, new)).unwrap() {
        WriteResult::Done(Some(nt)) => {
            idx.insert(
                &entry(new, nt),
                &[],
                rustydb_storage::RecordMeta::xid(t.xid()),
            )
            .unwrap();
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Rows with `lo <= value <= hi` through the index, as (id, value), in index order.
fn index_scan(
    t: &mut Transaction,
    heap: &HeapFile,
    idx: &BTree,
    lo: i64,
    hi: i64,
) -> Vec<(u32, i64)> {
    let lower = ((lo as u64) ^ (1 << 63)).to_be_bytes().to_vec();
    let mut upper = ((hi as u64) ^ (1 << 63)).to_be_bytes().to_vec();
    upper.extend_from_slice(&[0xff; 6]);
    let mut cur = idx.range(
        Bound::Included(lower),
        Bound::Included(upper),
        rustydb_storage::Direction::Forward,
    );
    let mut out = Vec::new();
    while let Some((key, _)) = cur.next().unwrap() {
        let tid = Tid::decode(&key[8..]).unwrap();
        if let Some(row) = t.fetch(heap, tid).unwrap() {
            let (id, v) = decode(&row);
            // Re-check the key against the row, as every index scan must.
            if v >= lo && v <= hi {
                out.push((id, v));
            }
        }
    }
    out
}

#[test]
fn index_scans_see_each_visible_row_exactly_once() {
    let db = db();
    let heap = HeapFile::create(&db.storage).unwrap();
    let idx = BTree::create(&db.storage).unwrap();
    let mut model: BTreeMap<u32, i64> = BTreeMap::new();
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    stmt(&mut t, |t| {
        for id in 0..300u32 {
            insert(t, &heap, &idx, id, id as i64 % 50);
            model.insert(id, id as i64 % 50);
        }
    });
    t.commit().unwrap();

    // A repeatable-read reader holds the original state throughout.
    let mut old = db.mgr.begin(IsolationLevel::RepeatableRead).unwrap();
    let before = stmt(&mut old, |t| index_scan(t, &heap, &idx, 0, 49));
    assert_eq!(before.len(), 300);

    for round in 0..5i64 {
        // Committed updates (several versions of the same rows, keys unchanged and changed).
        let mut w = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        for id in (0..300u32).step_by(3) {
            let new = if round % 2 == 0 {
                model[&id]
            } else {
                (model[&id] + 7) % 50
            };
            stmt(&mut w, |t| update(t, &heap, &idx, id, new));
            model.insert(id, new);
        }
        w.commit().unwrap();
        // A rolled-back transaction's versions and entries stay behind but are invisible.
        let mut r = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        for id in (1..300u32).step_by(5) {
            stmt(&mut r, |t| update(t, &heap, &idx, id, 1000));
        }
        stmt(&mut r, |t| insert(t, &heap, &idx, 9999, 3));
        r.rollback();
        // An uncommitted concurrent insert is invisible to others.
        let mut pending = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        stmt(&mut pending, |t| {
            insert(t, &heap, &idx, 5000 + round as u32, 10)
        });

        let mut reader = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        let seen = stmt(&mut reader, |t| index_scan(t, &heap, &idx, 0, 49));
        let ids: HashSet<u32> = seen.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids.len(),
            seen.len(),
            "round {round}: a row was returned twice"
        );
        let mut got: Vec<(u32, i64)> = seen.clone();
        got.sort();
        let want: Vec<(u32, i64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(
            got, want,
            "round {round}: index scan differs from the committed state"
        );
        // Index order holds: values never decrease along the scan.
        assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1));
        pending.rollback();
        reader.commit().unwrap();
    }
    // The old snapshot still sees exactly the original rows through the index.
    let still = stmt(&mut old, |t| index_scan(t, &heap, &idx, 0, 49));
    assert_eq!(still, before);
    old.commit().unwrap();

    // After vacuum removes dead versions and their entries, scans are unchanged.
    let removed = std::sync::Mutex::new(0usize);
    db.mgr
        .vacuum(&heap, &|dead: &HashSet<Tid>| {
            let mut cur = idx.range(
                Bound::Unbounded,
                Bound::Unbounded,
                rustydb_storage::Direction::Forward,
            );
            let mut doomed = Vec::new();
            while let Some((key, _)) = cur.next()? {
                if dead.contains(&Tid::decode(&key[8..]).unwrap()) {
                    doomed.push(key);
                }
            }
            for key in doomed {
                idx.delete(&key, rustydb_storage::RecordMeta::NONE)?;
                *removed.lock().unwrap() += 1;
            }
            Ok(())
        })
        .unwrap();
    assert!(*removed.lock().unwrap() > 0);
    let mut reader = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let mut seen = stmt(&mut reader, |t| index_scan(t, &heap, &idx, 0, 49));
    seen.sort();
    let want: Vec<(u32, i64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(seen, want);
    assert!(idx.verify().is_ok());
}
