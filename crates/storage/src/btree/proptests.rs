//! Property tests: random inserts, deletes, lookups and range scans agree with
//! `std::collections::BTreeMap`, before and after a clean restart and a crash.
//!
//! Keys come from a small alphabet so operations collide often, with some long keys
//! (long shared prefixes make long separators and taller trees) and a few near the size
//! limit; values run from empty to past the limit, so splits, merges and `TooLarge` all
//! happen within a few hundred operations. The pool is small, so pages are evicted and
//! read back throughout.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use proptest::collection::vec;
use proptest::prelude::*;

use super::node::MAX_ENTRY;
use super::{BTree, Cursor, Direction};
use crate::error::{Result, StorageError};
use crate::ids::RelId;
use crate::io::fault::{FaultVfs, Faults};
use crate::io::{Vfs, backend_from_env};
use crate::wal::RecordMeta;
use crate::{Storage, StorageOptions};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

#[derive(Debug, Clone)]
enum Op {
    /// Key, value length, value byte.
    Insert(Vec<u8>, usize, u8),
    Delete(Vec<u8>),
    Get(Vec<u8>),
    Range(Bound<Vec<u8>>, Bound<Vec<u8>>, Direction),
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => vec(0u8..4, 0..6),
        3 => vec(0u8..4, 0..5).prop_map(|k| [vec![9u8; 1500], k].concat()),
        1 => (vec(0u8..4, 0..3), 0..=MAX_ENTRY).prop_map(|(mut k, len)| {
            k.resize(len, 5);
            k
        }),
    ]
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        1 => Just(Bound::Unbounded),
        2 => key().prop_map(Bound::Included),
        2 => key().prop_map(Bound::Excluded),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let value_len = prop_oneof![8 => 0usize..300, 1 => 0usize..=MAX_ENTRY + 10];
    prop_oneof![
        10 => (key(), value_len, any::<u8>()).prop_map(|(k, n, b)| Op::Insert(k, n, b)),
        5 => key().prop_map(Op::Delete),
        2 => key().prop_map(Op::Get),
        1 => (bound(), bound(), any::<bool>()).prop_map(|(lo, hi, fwd)| {
            Op::Range(lo, hi, if fwd { Direction::Forward } else { Direction::Backward })
        }),
    ]
}

fn in_range(k: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let above = match lo {
        Bound::Unbounded => true,
        Bound::Included(l) => k >= l.as_slice(),
        Bound::Excluded(l) => k > l.as_slice(),
    };
    let below = match hi {
        Bound::Unbounded => true,
        Bound::Included(h) => k <= h.as_slice(),
        Bound::Excluded(h) => k < h.as_slice(),
    };
    above && below
}

fn drain(mut c: Cursor) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    while let Some(e) = c.next()? {
        out.push(e);
    }
    Ok(out)
}

const TX: RecordMeta = RecordMeta { xid: 3, flags: 0 };

/// Applies `op` to the tree and the model and checks that they agree.
fn apply(t: &BTree, m: &mut Model, op: &Op) -> std::result::Result<(), TestCaseError> {
    match op {
        Op::Insert(k, n, b) => {
            let v = vec![*b; *n];
            match t.insert(k, &v, TX) {
                Err(StorageError::TooLarge { size, .. }) => {
                    prop_assert!(k.len() + v.len() > MAX_ENTRY);
                    prop_assert_eq!(size, k.len() + v.len());
                }
                Ok(inserted) => {
                    prop_assert!(k.len() + v.len() <= MAX_ENTRY);
                    prop_assert_eq!(inserted, !m.contains_key(k));
                    m.entry(k.clone()).or_insert(v);
                }
                Err(e) => return Err(TestCaseError::fail(format!("insert: {e}"))),
            }
        }
        Op::Delete(k) => {
            let deleted = t
                .delete(k, TX)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(deleted, m.remove(k).is_some());
        }
        Op::Get(k) => {
            let got = t.get(k).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got.as_ref(), m.get(k));
        }
        Op::Range(lo, hi, dir) => {
            let got = drain(t.range(lo.clone(), hi.clone(), *dir))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut want: Vec<_> = m
                .iter()
                .filter(|(k, _)| in_range(k, lo, hi))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if *dir == Direction::Backward {
                want.reverse();
            }
            prop_assert!(got == want, "range {:?}..{:?} {:?}", lo, hi, dir);
        }
    }
    Ok(())
}

/// Checks every entry both ways and the structure.
fn check_all(t: &BTree, m: &Model) -> std::result::Result<(), TestCaseError> {
    apply(
        t,
        &mut m.clone(),
        &Op::Range(Bound::Unbounded, Bound::Unbounded, Direction::Forward),
    )?;
    apply(
        t,
        &mut m.clone(),
        &Op::Range(Bound::Unbounded, Bound::Unbounded, Direction::Backward),
    )?;
    for (k, v) in m {
        let got = t.get(k).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(got.as_ref(), Some(v));
    }
    let r = t.verify().map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(r.entries, m.len() as u64);
    Ok(())
}

struct Env {
    dir: tempfile::TempDir,
    faults: Faults,
    vfs: Arc<dyn Vfs>,
}

impl Env {
    fn new() -> Env {
        let faults = Faults::new();
        Env {
            dir: tempfile::tempdir().expect("a temporary directory"),
            vfs: Arc::new(FaultVfs::new(backend_from_env(), faults.clone())),
            faults,
        }
    }

    fn open(&self) -> Arc<Storage> {
        Storage::open(options(self.dir.path(), &self.vfs)).expect("the storage opens")
    }
}

fn options(dir: &Path, vfs: &Arc<dyn Vfs>) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = 40;
    o.background = false;
    o.vfs = Some(vfs.clone());
    o
}

/// How the storage goes away between the two halves of a run.
#[derive(Debug, Clone, Copy)]
enum Restart {
    Clean,
    Crash,
}

/// Runs the first half of `ops`, restarts, checks everything survived, runs the rest.
fn run_across(ops: &[Op], how: Restart) -> std::result::Result<(), TestCaseError> {
    let env = Env::new();
    let s = env.open();
    let t = BTree::create(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let rel: RelId = t.rel();
    let mut m = Model::new();
    let (first, second) = ops.split_at(ops.len() / 2);
    for op in first {
        apply(&t, &mut m, op)?;
    }
    drop(t);
    match how {
        Restart::Clean => s
            .shutdown()
            .map_err(|e| TestCaseError::fail(e.to_string()))?,
        Restart::Crash => {
            s.wal()
                .flush(s.wal().insert_lsn())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            env.faults.set_dead(true);
        }
    }
    drop(s);
    env.faults.clear();
    let s = env.open();
    let t = BTree::open(&s, rel).map_err(|e| TestCaseError::fail(e.to_string()))?;
    check_all(&t, &m)?;
    for op in second {
        apply(&t, &mut m, op)?;
    }
    check_all(&t, &m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every operation's result matches the model's, and so does the final tree.
    #[test]
    fn behaves_like_a_btreemap(ops in vec(op(), 1..400)) {
        let env = Env::new();
        let s = env.open();
        let t = BTree::create(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut m = Model::new();
        for (n, op) in ops.iter().enumerate() {
            apply(&t, &mut m, op)?;
            if n % 100 == 99 {
                t.verify().map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
        }
        check_all(&t, &m)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// After a clean shutdown and reopening, the tree is exactly what it was and keeps
    /// working.
    #[test]
    fn survives_a_clean_restart(ops in vec(op(), 1..400)) {
        run_across(&ops, Restart::Clean)?;
    }

    /// After a crash (nothing reaches the disk any more, then the process is gone),
    /// recovery rebuilds exactly the tree of every logged and flushed operation.
    #[test]
    fn survives_a_crash(ops in vec(op(), 1..400)) {
        run_across(&ops, Restart::Crash)?;
    }
}
