//! B+tree tests: growth to several levels, deletes down to an empty tree, free-page reuse,
//! key sizes and the bounds of range scans; corrupt pages, failures and crashes are in
//! [`faults`], concurrent writers and scanners in [`concurrency`], property tests against
//! `BTreeMap` in [`super::proptests`].

mod concurrency;
mod faults;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::node::MAX_ENTRY;
use super::*;
use crate::io::fault::{FaultVfs, Faults};
use crate::io::{Vfs, backend_from_env};
use crate::{Storage, StorageOptions};

const TX: RecordMeta = RecordMeta { xid: 7, flags: 0 };

fn options(dir: &Path, vfs: &Arc<dyn Vfs>, frames: usize) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = frames;
    o.background = false;
    o.vfs = Some(vfs.clone());
    o
}

/// A data directory with a fault-injecting file system.
struct Env {
    dir: tempfile::TempDir,
    faults: Faults,
    vfs: Arc<dyn Vfs>,
}

impl Env {
    fn new() -> Env {
        let faults = Faults::new();
        let vfs: Arc<dyn Vfs> = Arc::new(FaultVfs::new(backend_from_env(), faults.clone()));
        Env {
            dir: tempfile::tempdir().unwrap(),
            faults,
            vfs,
        }
    }

    fn open(&self, frames: usize) -> Arc<Storage> {
        Storage::open(options(self.dir.path(), &self.vfs, frames)).unwrap()
    }
}

/// Keys whose distinguishing bytes come last, so separators stay long and the tree grows
/// tall with few entries.
fn long_key(i: u32) -> Vec<u8> {
    let mut k = vec![b'p'; 300];
    k.extend_from_slice(&i.to_be_bytes());
    k
}

fn value(i: u32, len: usize) -> Vec<u8> {
    let mut v = i.to_le_bytes().to_vec();
    v.resize(len, (i % 251) as u8);
    v
}

fn collect(mut c: Cursor) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(e) = c.next().unwrap() {
        out.push(e);
    }
    out
}

fn scan_all(t: &BTree, dir: Direction) -> Vec<(Vec<u8>, Vec<u8>)> {
    collect(t.range(Bound::Unbounded, Bound::Unbounded, dir))
}

fn model_scan(m: &BTreeMap<Vec<u8>, Vec<u8>>, dir: Direction) -> Vec<(Vec<u8>, Vec<u8>)> {
    let all = m.iter().map(|(k, v)| (k.clone(), v.clone()));
    match dir {
        Direction::Forward => all.collect(),
        Direction::Backward => all.rev().collect(),
    }
}

fn assert_matches(t: &BTree, m: &BTreeMap<Vec<u8>, Vec<u8>>) {
    for dir in [Direction::Forward, Direction::Backward] {
        assert!(
            scan_all(t, dir) == model_scan(m, dir),
            "{dir:?} scan differs"
        );
    }
    for (k, v) in m {
        assert_eq!(t.get(k).unwrap().as_ref(), Some(v));
    }
    assert_eq!(t.verify().unwrap().entries, m.len() as u64);
}

fn is_corrupt<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(StorageError::IndexCorrupt { reason, .. }) => reason,
        other => panic!("expected IndexCorrupt, got {other:?}"),
    }
}

#[test]
fn an_empty_tree_reopens_and_is_shared_by_handles() {
    let env = Env::new();
    let s = env.open(64);
    let t = BTree::create(&s).unwrap();
    assert_eq!(t.get(b"x").unwrap(), None);
    assert!(scan_all(&t, Direction::Forward).is_empty());
    assert!(!t.delete(b"x", TX).unwrap());
    let r = t.verify().unwrap();
    assert_eq!(
        (r.height, r.entries, r.leaf_pages, r.file_pages),
        (1, 0, 1, 2)
    );

    let other = BTree::open(&s, t.rel()).unwrap();
    assert!(t.insert(b"", b"empty key", TX).unwrap());
    assert!(other.insert(b"k", b"v", TX).unwrap());
    assert_eq!(other.get(b"").unwrap().unwrap(), b"empty key");
    assert_eq!(t.get(b"k").unwrap().unwrap(), b"v");

    let fixed = BTree::create_with_id(&s, RelId(900)).unwrap();
    assert!(fixed.insert(b"a", b"1", TX).unwrap());
    assert!(matches!(
        BTree::open(&s, RelId(901)),
        Err(StorageError::NoSuchRelation(RelId(901)))
    ));
    s.shutdown().unwrap();
    drop((t, other, fixed, s));
    let s = env.open(64);
    let t = BTree::open(&s, RelId(900)).unwrap();
    assert_eq!(t.get(b"a").unwrap().unwrap(), b"1");
}

#[test]
fn duplicates_and_oversized_entries_change_nothing() {
    let env = Env::new();
    let s = env.open(64);
    let t = BTree::create(&s).unwrap();
    assert!(t.insert(b"key", b"first", TX).unwrap());
    assert!(!t.insert(b"key", b"second", TX).unwrap());
    assert_eq!(t.get(b"key").unwrap().unwrap(), b"first");

    assert_eq!(BTree::max_entry_size(), MAX_ENTRY);
    let key = vec![b'k'; 1000];
    let fits = vec![b'v'; MAX_ENTRY - key.len()];
    assert!(t.insert(&key, &fits, TX).unwrap());
    let other = vec![b'o'; 1000];
    let too_big = vec![b'v'; MAX_ENTRY - other.len() + 1];
    match t.insert(&other, &too_big, TX) {
        Err(StorageError::TooLarge { what, size, max }) => {
            assert_eq!((what, size, max), ("index row", MAX_ENTRY + 1, MAX_ENTRY));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(t.insert(&vec![b'k'; MAX_ENTRY + 1], b"", TX).is_err());
    assert_eq!(t.verify().unwrap().entries, 2);
}

#[test]
fn splits_grow_the_tree_to_height_three_and_deletes_shrink_it_to_a_leaf() {
    let env = Env::new();
    let s = env.open(256);
    let t = BTree::create(&s).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let mut ids: Vec<u32> = (0..3000).collect();
    ids.shuffle(&mut rng);
    let mut model = BTreeMap::new();
    for &i in &ids {
        let v = value(i, rng.random_range(0..120));
        assert!(t.insert(&long_key(i), &v, TX).unwrap());
        model.insert(long_key(i), v);
    }
    let r = t.verify().unwrap();
    assert!(r.height >= 3, "{r:?}");
    assert!(r.leaf_fill() > 0.5, "{r:?}");
    assert_matches(&t, &model);

    ids.shuffle(&mut rng);
    for (n, &i) in ids.iter().enumerate() {
        assert!(t.delete(&long_key(i), TX).unwrap());
        assert!(!t.delete(&long_key(i), TX).unwrap());
        model.remove(&long_key(i));
        if n % 300 == 0 {
            assert_matches(&t, &model);
        }
    }
    let r = t.verify().unwrap();
    assert_eq!(
        (r.height, r.entries, r.leaf_pages, r.internal_pages),
        (1, 0, 1, 0)
    );
    assert_eq!(r.free_pages + 2 + r.unused_pages, r.file_pages, "{r:?}");
    assert_eq!(r.unused_pages, 0);
}

#[test]
fn churn_reuses_freed_pages_so_the_file_stops_growing() {
    let env = Env::new();
    let s = env.open(128);
    let t = BTree::create(&s).unwrap();
    let mut sizes = Vec::new();
    for round in 0..4 {
        // The same work every round: inserts running ahead of deletes.
        let mut rng = StdRng::seed_from_u64(9);
        let mut ids: Vec<u32> = (0..1500).collect();
        ids.shuffle(&mut rng);
        for (n, &i) in ids.iter().enumerate() {
            t.insert(&long_key(i), &value(i, 80), TX).unwrap();
            if n >= 300 {
                t.delete(&long_key(ids[n - 300]), TX).unwrap();
            }
        }
        for &i in &ids[ids.len() - 300..] {
            t.delete(&long_key(i), TX).unwrap();
        }
        let r = t.verify().unwrap();
        assert_eq!(r.entries, 0, "round {round}");
        sizes.push(r.file_pages);
        assert_eq!(r.free_pages + 2, r.file_pages, "round {round}: {r:?}");
    }
    assert!(sizes[0] > 20, "{sizes:?}");
    assert!(
        sizes.iter().all(|&n| n == sizes[0]),
        "the file grew: {sizes:?}"
    );
}

#[test]
fn keys_of_every_length_from_empty_to_the_maximum() {
    let env = Env::new();
    let s = env.open(128);
    let t = BTree::create(&s).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let mut model = BTreeMap::new();
    let lengths: Vec<usize> = (0..=MAX_ENTRY).step_by(37).chain([MAX_ENTRY]).collect();
    for (n, &len) in lengths.iter().enumerate() {
        for variant in 0..4u8 {
            let mut key: Vec<u8> = (0..len).map(|_| rng.random_range(0..3u8)).collect();
            if let Some(last) = key.last_mut() {
                *last = variant;
            }
            let vlen = rng.random_range(0..=MAX_ENTRY - len);
            let v = value(n as u32, vlen);
            let fresh = !model.contains_key(&key);
            assert_eq!(t.insert(&key, &v, TX).unwrap(), fresh);
            model.entry(key).or_insert(v);
        }
    }
    assert!(t.verify().unwrap().height >= 2);
    assert_matches(&t, &model);
    let keys: Vec<Vec<u8>> = model.keys().cloned().collect();
    for k in keys.iter().step_by(2) {
        assert!(t.delete(k, TX).unwrap());
        model.remove(k);
    }
    assert_matches(&t, &model);
}

#[test]
fn range_scans_honour_every_bound_in_both_directions() {
    let env = Env::new();
    let s = env.open(256);
    let t = BTree::create(&s).unwrap();
    let mut model = BTreeMap::new();
    // Even numbers only, so odd ones are absent keys between present ones.
    for i in (0..2000).step_by(2) {
        t.insert(&long_key(i), &value(i, 100), TX).unwrap();
        model.insert(long_key(i), value(i, 100));
    }
    // Empty some stretches so scans cross gaps.
    for i in (600..900).step_by(2) {
        t.delete(&long_key(i), TX).unwrap();
        model.remove(&long_key(i));
    }
    assert!(t.verify().unwrap().height >= 3);
    let points: Vec<Vec<u8>> = [0, 1, 2, 599, 600, 700, 899, 900, 1001, 1998, 1999]
        .into_iter()
        .map(long_key)
        .chain([Vec::new(), vec![b'p'; 10], vec![b'q']])
        .collect();
    let mut bounds = vec![Bound::Unbounded];
    for p in &points {
        bounds.push(Bound::Included(p.clone()));
        bounds.push(Bound::Excluded(p.clone()));
    }
    let inside = |k: &Vec<u8>, lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>| {
        let above_lo = match lo {
            Bound::Unbounded => true,
            Bound::Included(l) => k >= l,
            Bound::Excluded(l) => k > l,
        };
        let below_hi = match hi {
            Bound::Unbounded => true,
            Bound::Included(h) => k <= h,
            Bound::Excluded(h) => k < h,
        };
        above_lo && below_hi
    };
    for lo in &bounds {
        for hi in &bounds {
            for dir in [Direction::Forward, Direction::Backward] {
                let got = collect(t.range(lo.clone(), hi.clone(), dir));
                let mut want: Vec<_> = model
                    .iter()
                    .filter(|(k, _)| inside(k, lo, hi))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if dir == Direction::Backward {
                    want.reverse();
                }
                assert!(got == want, "{dir:?} scan of {lo:?}..{hi:?}");
            }
        }
    }
}
