//! Concurrent writers, scanners and a verifier on one tree.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::*;

#[test]
fn concurrent_writers_and_scanners_agree_with_the_model() {
    const WRITERS: u8 = 3;
    const READERS: usize = 2;
    let env = Env::new();
    let s = env.open(256);
    let t = BTree::create(&s).unwrap();
    // Keys are (number, owner) after a long common prefix, which keeps separators long
    // and the tree three levels tall. Writers own disjoint keys but share every leaf.
    // Stable keys (owner 255) are never touched, so every scan must return all of them.
    const OWNER_AT: usize = 204;
    let key = |i: u32, owner: u8| {
        let mut k = vec![b'k'; OWNER_AT - 4];
        k.extend_from_slice(&i.to_be_bytes());
        k.push(owner);
        k
    };
    let mut stable = BTreeMap::new();
    for i in (0..3000).step_by(10) {
        t.insert(&key(i, 255), b"stable", TX).unwrap();
        stable.insert(key(i, 255), b"stable".to_vec());
    }
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let t = t.clone();
            std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(w as u64);
                let mut mine = BTreeMap::new();
                for _ in 0..5000 {
                    let i = rng.random_range(0..3000u32);
                    let k = key(i, w);
                    if mine.contains_key(&k) && rng.random_bool(0.45) {
                        assert!(t.delete(&k, TX).unwrap());
                        mine.remove(&k);
                    } else {
                        let v = value(i, rng.random_range(0..300));
                        assert_eq!(t.insert(&k, &v, TX).unwrap(), !mine.contains_key(&k));
                        mine.entry(k).or_insert(v);
                    }
                }
                // Then shrink: most keys go, so merges run alongside the scans too.
                let doomed: Vec<Vec<u8>> = mine
                    .keys()
                    .filter(|_| rng.random_bool(0.8))
                    .cloned()
                    .collect();
                for k in doomed {
                    assert!(t.delete(&k, TX).unwrap());
                    mine.remove(&k);
                }
                mine
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (t, done, stable) = (t.clone(), done.clone(), stable.clone());
            std::thread::spawn(move || {
                let mut scans = 0;
                while !done.load(Ordering::Acquire) || scans < 2 {
                    let dir = if (scans + r) % 2 == 0 {
                        Direction::Forward
                    } else {
                        Direction::Backward
                    };
                    let got = if scans % 3 == 2 {
                        // A bounded scan, from one stable key to another.
                        let (lo, hi) = (key(500, 255), key(2500, 255));
                        let got = collect(t.range(
                            Bound::Included(lo.clone()),
                            Bound::Excluded(hi.clone()),
                            dir,
                        ));
                        assert!(got.iter().all(|(k, _)| *k >= lo && *k < hi));
                        let want = stable.range(lo..hi).count();
                        assert_eq!(got.iter().filter(|(k, _)| k[OWNER_AT] == 255).count(), want);
                        got
                    } else {
                        scan_all(&t, dir)
                    };
                    let ordered = got.windows(2).all(|w| match dir {
                        Direction::Forward => w[0].0 < w[1].0,
                        Direction::Backward => w[0].0 > w[1].0,
                    });
                    assert!(ordered, "scan {scans} is not strictly ordered");
                    if scans % 3 != 2 {
                        let seen = got.iter().filter(|(k, _)| k[OWNER_AT] == 255).count();
                        assert_eq!(seen, stable.len(), "scan {scans} missed stable keys");
                    }
                    for k in stable.keys().step_by(37) {
                        assert!(t.get(k).unwrap().is_some());
                    }
                    scans += 1;
                }
                scans
            })
        })
        .collect();
    // Verifying while others write must not see problems that are not there.
    let verifier = {
        let (t, done) = (t.clone(), done.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !done.load(Ordering::Acquire) || runs == 0 {
                t.verify().unwrap();
                runs += 1;
            }
        })
    };
    let mut model = stable;
    for w in writers {
        model.extend(w.join().unwrap());
    }
    done.store(true, Ordering::Release);
    for r in readers {
        assert!(r.join().unwrap() >= 2);
    }
    verifier.join().unwrap();
    assert!(t.verify().unwrap().height >= 3);
    assert_matches(&t, &model);
}
