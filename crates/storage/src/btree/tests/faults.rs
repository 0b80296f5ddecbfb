//! Damage and failure: corrupt pages of every kind are errors naming the page, a split
//! that cannot get a page leaves the tree as it was, and a crash loses nothing flushed.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::*;
use crate::btree::node::{Node, Seek, internal_item, write_node};
use crate::buffer::PageWriteGuard;
use crate::page::{self, PageType};

/// Rewrites page `id` with `change` and logs it, as a buggy writer or a bad disk might
/// have left it.
fn damage(t: &BTree, page: u32, change: impl FnOnce(&mut PageWriteGuard<'_>)) {
    let mut g = t.storage.pool().write(t.page(page)).unwrap();
    change(&mut g);
    log_pages(t.storage.wal(), TX, &mut [&mut g], &[]).unwrap();
}

/// A tree of height two and the page number of its first leaf.
fn two_level_tree(s: &Arc<Storage>) -> (BTree, u32) {
    let t = BTree::create(s).unwrap();
    for i in 0..200 {
        t.insert(&long_key(i), &value(i, 50), TX).unwrap();
    }
    let (leaf, _) = t.descend_read(Seek::First, false).unwrap();
    let page = leaf.id().page;
    drop(leaf);
    assert_eq!(t.verify().unwrap().height, 2);
    (t, page)
}

#[test]
fn corrupt_pages_are_reported_not_panicked_on() {
    let env = Env::new();
    let s = env.open(128);

    // Keys out of order inside a leaf.
    let (t, leaf) = two_level_tree(&s);
    damage(&t, leaf, |g| {
        let node = Node::open(g.id(), g.page()).unwrap();
        let (mut items, right) = (node.items().unwrap(), node.right());
        items.swap(1, 3);
        assert!(write_node(g.page_mut(), 0, right, false, &items));
    });
    let why = is_corrupt(t.verify());
    assert!(why.contains(&format!("page {leaf} ")), "{why}");
    is_corrupt(collect_result(t.range(
        Bound::Unbounded,
        Bound::Unbounded,
        Direction::Forward,
    )));

    // A leaf that is not a B+tree page any more.
    let (t, leaf) = two_level_tree(&s);
    damage(&t, leaf, |g| {
        page::set_page_type(g.page_mut(), PageType::Heap)
    });
    let why = is_corrupt(t.get(&long_key(0)));
    assert!(
        why.contains("Heap") && why.contains(&format!("page {leaf}")),
        "{why}"
    );
    is_corrupt(t.insert(&long_key(0), b"", TX));
    is_corrupt(t.delete(&long_key(1), TX));
    is_corrupt(t.verify());

    // A child pointer beyond the end of the file.
    let (t, _) = two_level_tree(&s);
    let root = t.read_meta().unwrap().0.root;
    damage(&t, root, |g| {
        let mut items = Node::open(g.id(), g.page()).unwrap().items().unwrap();
        items[0] = internal_item(9999, b"");
        assert!(write_node(g.page_mut(), 1, 0, true, &items));
    });
    let why = is_corrupt(t.get(&long_key(0)));
    assert!(why.contains("9999"), "{why}");
    is_corrupt(t.insert(&long_key(0), b"", TX));

    // A root that lost its root flag: an error, not an endless retry.
    let (t, _) = two_level_tree(&s);
    let root = t.read_meta().unwrap().0.root;
    damage(&t, root, |g| page::set_page_flags(g.page_mut(), 0));
    let why = is_corrupt(t.get(b"x"));
    assert!(why.contains("not flagged as the root"), "{why}");

    // A child pointing back at its parent: no self-deadlock.
    let (t, _) = two_level_tree(&s);
    let root = t.read_meta().unwrap().0.root;
    damage(&t, root, |g| {
        let mut items = Node::open(g.id(), g.page()).unwrap().items().unwrap();
        items[0] = internal_item(root, b"");
        assert!(write_node(g.page_mut(), 1, 0, true, &items));
    });
    is_corrupt(t.get(&long_key(0)));
    is_corrupt(t.delete(&long_key(0), TX));
    is_corrupt(t.verify());

    // A damaged meta page, and a relation that is no B+tree at all.
    let (t, _) = two_level_tree(&s);
    damage(&t, META_PAGE, |g| {
        let mut m = g.page().to_vec();
        m[page::HEADER_SIZE..].fill(0);
        page::set_page_type(&mut m, PageType::Heap);
        g.page_mut().copy_from_slice(&m);
    });
    is_corrupt(BTree::open(&s, t.rel()));
    is_corrupt(t.get(b"x"));
    let rel = s.create_relation().unwrap();
    is_corrupt(BTree::open(&s, rel));
}

#[test]
fn random_damage_gives_errors_never_panics_or_hangs() {
    let env = Env::new();
    let s = env.open(128);
    let mut rng = StdRng::seed_from_u64(21);
    for _ in 0..100 {
        let t = BTree::create(&s).unwrap();
        for i in 0..300 {
            t.insert(&long_key(i * 3), &value(i, 60), TX).unwrap();
        }
        let pages = s.disk().nblocks(t.rel()).unwrap();
        for _ in 0..rng.random_range(1..4) {
            let page = rng.random_range(0..pages);
            let hits: Vec<(usize, u8)> = (0..rng.random_range(1..8))
                .map(|_| (rng.random_range(12..crate::PAGE_SIZE), rng.random()))
                .collect();
            damage(&t, page, |g| {
                for (at, b) in hits {
                    g.page_mut()[at] = b;
                }
            });
        }
        // Whatever each call returns, it returns.
        for _ in 0..40 {
            let k = long_key(rng.random_range(0..1000));
            let _ = t.get(&k);
            let _ = t.insert(&k, b"v", TX);
            let _ = t.delete(&k, TX);
        }
        for dir in [Direction::Forward, Direction::Backward] {
            let _ = collect_result(t.range(Bound::Unbounded, Bound::Unbounded, dir));
            let lo = Bound::Included(long_key(rng.random_range(0..1000)));
            let _ = collect_result(t.range(lo, Bound::Unbounded, dir));
        }
        let _ = t.verify();
    }
}

fn collect_result(mut c: Cursor) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    while let Some(e) = c.next()? {
        out.push(e);
    }
    Ok(out)
}

#[test]
fn a_split_that_fails_leaves_the_tree_as_it_was() {
    let env = Env::new();
    let s = env.open(64);
    let t = BTree::create(&s).unwrap();
    let mut model = BTreeMap::new();
    let mut i = 0;
    // Fill the root leaf until the next entry needs a split.
    while t.verify().unwrap().height == 1 {
        env.faults.set_free_space(Some(0));
        match t.insert(&long_key(i), &value(i, 200), TX) {
            Ok(inserted) => {
                assert!(inserted);
                model.insert(long_key(i), value(i, 200));
            }
            Err(e) => {
                assert!(e.is_disk_full(), "{e}");
                assert_matches(&t, &model);
                assert_eq!(t.get(&long_key(i)).unwrap(), None);
                env.faults.clear();
                assert!(t.insert(&long_key(i), &value(i, 200), TX).unwrap());
                model.insert(long_key(i), value(i, 200));
            }
        }
        i += 1;
    }
    env.faults.clear();
    assert_matches(&t, &model);
    assert_eq!(t.verify().unwrap().unused_pages, 0);
}

#[test]
fn a_crash_keeps_every_flushed_operation() {
    let env = Env::new();
    let s = env.open(64);
    let t = BTree::create(&s).unwrap();
    let rel = t.rel();
    let mut rng = StdRng::seed_from_u64(5);
    let mut model = BTreeMap::new();
    for _ in 0..4000 {
        let i = rng.random_range(0..2500u32);
        if rng.random_bool(0.7) {
            let v = value(i, rng.random_range(0..150));
            if t.insert(&long_key(i), &v, TX).unwrap() {
                model.insert(long_key(i), v);
            }
        } else {
            assert_eq!(
                t.delete(&long_key(i), TX).unwrap(),
                model.remove(&long_key(i)).is_some()
            );
        }
    }
    assert!(t.verify().unwrap().height >= 3);
    s.wal().flush(s.wal().insert_lsn()).unwrap();
    env.faults.set_dead(true);
    drop(t);
    drop(s);
    env.faults.clear();
    let s = env.open(64);
    let t = BTree::open(&s, rel).unwrap();
    assert_matches(&t, &model);
}

#[test]
fn power_loss_recovers_a_prefix_holding_every_flushed_operation() {
    let env = Env::new();
    env.faults.track_unsynced(true);
    let mut rng = StdRng::seed_from_u64(11);
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut rel = None;
    for round in 0..8 {
        let s = env.open(32);
        let t = match rel {
            None => {
                let t = BTree::create(&s).unwrap();
                s.wal().flush(s.wal().insert_lsn()).unwrap();
                t
            }
            Some(r) => BTree::open(&s, r).unwrap(),
        };
        rel = Some(t.rel());
        // The changes made this round, and how many of them a flush made durable.
        let mut changes: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        let mut flushed = 0;
        for _ in 0..rng.random_range(100..400) {
            let i = rng.random_range(0..1500u32);
            if rng.random_bool(0.65) {
                let v = value(i, rng.random_range(0..200));
                if t.insert(&long_key(i), &v, TX).unwrap() {
                    changes.push((long_key(i), Some(v)));
                }
            } else if t.delete(&long_key(i), TX).unwrap() {
                changes.push((long_key(i), None));
            }
            if rng.random_bool(0.1) {
                s.wal().flush(s.wal().insert_lsn()).unwrap();
                flushed = changes.len();
            }
            if rng.random_bool(0.01) {
                s.checkpoint(crate::CheckpointReason::Requested).unwrap();
            }
        }
        // Power fails: unsynced writes, of the log and of pages, are lost or torn.
        env.faults.set_dead(true);
        drop(t);
        drop(s);
        env.faults
            .power_loss(&crate::io::StdVfs, 0.5, &mut || rng.random::<f64>())
            .unwrap();
        env.faults.clear();

        let s = env.open(32);
        let t = BTree::open(&s, rel.unwrap()).unwrap();
        t.verify().unwrap();
        let got: BTreeMap<_, _> = scan_all(&t, Direction::Forward).into_iter().collect();
        // The log is replayed up to some record, so the tree is the state after a prefix
        // of this round's changes, at least as long as the flushed one.
        let mut state = model.clone();
        let mut matched = (flushed == 0 && got == state).then_some(0);
        for (n, (k, v)) in changes.iter().enumerate() {
            match v {
                Some(v) => state.insert(k.clone(), v.clone()),
                None => state.remove(k),
            };
            if n + 1 >= flushed && got == state {
                matched = Some(n + 1);
            }
        }
        assert!(
            matched.is_some(),
            "round {round}: the recovered tree is no prefix of at least {flushed} of {} changes",
            changes.len()
        );
        model = got;
        drop(t);
        s.shutdown().unwrap();
    }
}
