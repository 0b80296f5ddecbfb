//! The compatibility matrix, the upgrade lattice, names and texts.

use super::*;
use crate::lock::LockMode::{IS, IX, S, SIX, X};

/// The compatible pairs, written out independently of `LockMode::compatible_with`.
const COMPATIBLE: &[(LockMode, LockMode)] =
    &[(IS, IS), (IS, IX), (IS, S), (IS, SIX), (IX, IX), (S, S)];

fn expected_compatible(a: LockMode, b: LockMode) -> bool {
    COMPATIBLE.contains(&(a, b)) || COMPATIBLE.contains(&(b, a))
}

#[test]
fn compatibility_matrix_is_exhaustively_right() {
    for a in LockMode::ALL {
        for b in LockMode::ALL {
            assert_eq!(
                a.compatible_with(b),
                expected_compatible(a, b),
                "{a:?} vs {b:?}"
            );
        }
    }
}

#[test]
fn the_table_grants_exactly_the_compatible_pairs() {
    for a in LockMode::ALL {
        for b in LockMode::ALL {
            let m = manager();
            let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
            assert_eq!(m.try_acquire(&t1, rel(1), a), Ok(Some(Acquired::Granted)));
            let got = m.try_acquire(&t2, rel(1), b).unwrap();
            if expected_compatible(a, b) {
                assert_eq!(got, Some(Acquired::Granted), "{a:?} then {b:?}");
            } else {
                assert_eq!(got, None, "{a:?} then {b:?}");
            }
            m.release_all(1);
            m.release_all(2);
            assert_empty(&m);
        }
    }
}

#[test]
fn join_is_the_least_upper_bound() {
    assert_eq!(S.join(IX), SIX);
    assert_eq!(IX.join(S), SIX);
    assert_eq!(IS.join(S), S);
    assert_eq!(IS.join(IX), IX);
    assert_eq!(SIX.join(S), SIX);
    assert_eq!(SIX.join(X), X);
    assert_eq!(X.join(IS), X);
    for a in LockMode::ALL {
        assert_eq!(a.join(a), a);
        assert!(a.covers(IS));
        assert!(X.covers(a));
        for b in LockMode::ALL {
            let j = a.join(b);
            assert_eq!(j, b.join(a));
            assert!(j.covers(a) && j.covers(b));
            for c in LockMode::ALL {
                assert_eq!(a.join(b).join(c), a.join(b.join(c)));
                if c.covers(a) && c.covers(b) {
                    assert!(c.covers(j), "{c:?} covers {a:?} and {b:?} but not {j:?}");
                }
                // Holding one joined mode is exactly as exclusive as holding both.
                assert_eq!(
                    j.compatible_with(c),
                    a.compatible_with(c) && b.compatible_with(c),
                    "{a:?}+{b:?} vs {c:?}"
                );
            }
        }
    }
    assert!(!S.covers(IX) && !IX.covers(S));
}

#[test]
fn requesting_moves_up_the_lattice() {
    for held in LockMode::ALL {
        for asked in LockMode::ALL {
            let m = manager();
            let t1 = LockOwner::new(1);
            m.acquire(&t1, rel(1), held, &wait_forever()).unwrap();
            let got = m.acquire(&t1, rel(1), asked, &wait_forever()).unwrap();
            let want = if held.covers(asked) {
                Acquired::AlreadyHeld
            } else {
                Acquired::Upgraded
            };
            assert_eq!(got, want, "{held:?} then {asked:?}");
            assert_eq!(m.held_by(1), vec![(rel(1), held.join(asked))]);
            assert_eq!(m.stats().held, 1);
            assert!(m.release(1, rel(1)));
            assert_empty(&m);
        }
    }
}

#[test]
fn names_and_resource_texts_match_postgres() {
    let names: Vec<&str> = LockMode::ALL.iter().map(|m| m.pg_name()).collect();
    assert_eq!(
        names,
        [
            "IntentShareLock",
            "IntentExclusiveLock",
            "ShareLock",
            "ShareIntentExclusiveLock",
            "ExclusiveLock"
        ]
    );
    assert_eq!(X.to_string(), "ExclusiveLock");
    assert_eq!(rel(16384).to_string(), "relation 16384");
    assert_eq!(
        row(16384, 0, 3).to_string(),
        "tuple (0,3) of relation 16384"
    );
    assert_eq!(LockTag::Xid(12).to_string(), "transaction 12");
    assert_eq!(
        LockTag::Key(RelId(16385), 42).to_string(),
        "key 42 of relation 16385"
    );
}

#[test]
fn misuse_does_not_panic() {
    let m = manager();
    assert!(!m.release(7, rel(1)));
    assert_eq!(m.release_all(7), 0);
    assert!(m.held_by(7).is_empty());
    let t1 = LockOwner::new(1);
    m.acquire(&t1, rel(1), S, &wait_forever()).unwrap();
    assert!(!m.release(2, rel(1)), "someone else's lock");
    assert!(!m.release(1, rel(2)), "a lock never taken");
    assert!(m.release(1, rel(1)));
    assert!(!m.release(1, rel(1)), "released twice");
    assert_eq!(m.release_all(1), 0);
    assert_empty(&m);
}

#[test]
fn tags_of_different_kinds_never_conflict() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    let tags = [
        rel(1),
        row(1, 0, 1),
        LockTag::Xid(1),
        LockTag::Key(RelId(1), 1),
    ];
    for tag in tags {
        assert_eq!(m.try_acquire(&t1, tag, X), Ok(Some(Acquired::Granted)));
    }
    for tag in [
        rel(2),
        row(1, 0, 2),
        LockTag::Xid(2),
        LockTag::Key(RelId(1), 2),
    ] {
        assert_eq!(m.try_acquire(&t2, tag, X), Ok(Some(Acquired::Granted)));
    }
    for tag in tags {
        assert_eq!(m.try_acquire(&t2, tag, IS), Ok(None));
    }
    let mut held = m.held_by(1);
    held.sort_by_key(|(t, _)| *t);
    assert_eq!(held.len(), 4);
    assert_eq!(m.release_all(1), 4);
    assert_eq!(m.release_all(2), 4);
    assert_empty(&m);
}
