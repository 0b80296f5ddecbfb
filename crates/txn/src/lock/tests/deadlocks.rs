//! Deadlock detection: cycles of two and three, upgrade deadlocks, victim choice, the
//! timing of checks, and what is reported.

use rustydb_common::{DbError, ErrorCode};

use super::*;
use crate::lock::Interrupt;
use crate::lock::LockMode::{S, X};

fn detail(result: Result<Acquired, LockError>) -> String {
    match result {
        Err(LockError::Deadlock { detail }) => detail,
        other => panic!("expected a deadlock, got {other:?}"),
    }
}

fn lines(detail: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = detail.lines().collect();
    lines.sort_unstable();
    lines
}

#[test]
fn two_transactions_the_younger_is_the_victim() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(12), LockOwner::new(13));
    let (a, b) = (row(16384, 0, 3), row(16384, 0, 4));
    m.acquire(&t1, a, X, &wait_forever()).unwrap();
    m.acquire(&t2, b, X, &wait_forever()).unwrap();
    let started = Instant::now();
    let older = spawn_waiter(&m, &t1, b, X, wait_forever());
    let younger = spawn_acquire(&m, &t2, a, S, wait_forever());

    let detail = detail(outcome(&younger));
    // Nobody looks for a deadlock before deadlock_timeout has passed.
    assert!(started.elapsed() >= DEADLOCK_TIMEOUT);
    assert_eq!(
        lines(&detail),
        [
            "Transaction 12 waits for ExclusiveLock on tuple (0,4) of relation 16384; \
             blocked by transaction 13.",
            "Transaction 13 waits for ShareLock on tuple (0,3) of relation 16384; \
             blocked by transaction 12.",
        ]
    );
    // The victim's request is gone; the older transaction waits until the victim's
    // caller aborts it.
    assert!(still_waiting(&older));
    assert!(m.waits().iter().all(|w| w.waiter == 12));
    assert_eq!(m.release_all(13), 1);
    assert_eq!(outcome(&older), Ok(Acquired::Granted));

    let stats = m.stats();
    assert_eq!(stats.deadlocks, 1);
    let events = m.deadlocks(10);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.victim, 13);
    assert_eq!(e.detail, detail);
    assert!(e.cycle.contains(&12) && e.cycle.contains(&13) && e.cycle.len() == 2);
    assert_eq!(e.cycle[0], e.detected_by);
    let mut resources = e.resources.clone();
    resources.sort_by_key(|(t, _)| *t);
    assert_eq!(resources, [(a, S), (b, X)]);
    assert!(e.detection_time < LIMIT);

    let db = DbError::from(LockError::Deadlock {
        detail: detail.clone(),
    });
    assert_eq!(db.code(), ErrorCode::DeadlockDetected);
    assert_eq!(
        (db.sqlstate(), db.message()),
        ("40P01", "deadlock detected")
    );
    assert_eq!(db.detail(), Some(detail.as_str()));
    assert!(db.is_retryable());

    m.release_all(12);
    assert_empty(&m);
}

#[test]
fn a_three_transaction_cycle_through_transaction_locks() {
    let m = manager();
    let owners: Vec<_> = (1..=3).map(LockOwner::new).collect();
    for o in &owners {
        m.acquire(o, LockTag::Xid(o.id()), X, &wait_forever())
            .unwrap();
    }
    // 1 holds a key lock; 1 waits for 2 to finish, 2 for 3, and 3 for the key.
    let key = LockTag::Key(RelId(16385), 42);
    m.acquire(&owners[0], key, X, &wait_forever()).unwrap();
    let w1 = spawn_waiter(&m, &owners[0], LockTag::Xid(2), S, wait_forever());
    let w2 = spawn_waiter(&m, &owners[1], LockTag::Xid(3), S, wait_forever());
    let w3 = spawn_acquire(&m, &owners[2], key, X, wait_forever());

    let detail = detail(outcome(&w3));
    assert_eq!(
        lines(&detail),
        [
            "Transaction 1 waits for ShareLock on transaction 2; blocked by transaction 2.",
            "Transaction 2 waits for ShareLock on transaction 3; blocked by transaction 3.",
            "Transaction 3 waits for ExclusiveLock on key 42 of relation 16385; \
             blocked by transaction 1.",
        ]
    );
    assert!(still_waiting(&w1) && still_waiting(&w2));
    m.release_all(3);
    assert_eq!(outcome(&w2), Ok(Acquired::Granted));
    assert!(still_waiting(&w1));
    m.release_all(2);
    assert_eq!(outcome(&w1), Ok(Acquired::Granted));
    m.release_all(1);
    assert_empty(&m);
    assert_eq!(m.deadlocks(10)[0].victim, 3);
    assert_eq!(m.deadlocks(10)[0].cycle.len(), 3);
}

#[test]
fn two_readers_upgrading_deadlock_and_the_older_upgrades() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), S, &wait_forever()).unwrap();
    m.acquire(&t2, rel(1), S, &wait_forever()).unwrap();
    let up1 = spawn_waiter(&m, &t1, rel(1), X, wait_forever());
    let up2 = spawn_acquire(&m, &t2, rel(1), X, wait_forever());
    let detail = detail(outcome(&up2));
    assert!(detail.contains(
        "Transaction 2 waits for ExclusiveLock on relation 1; blocked by transaction 1."
    ));
    m.release_all(2);
    assert_eq!(outcome(&up1), Ok(Acquired::Upgraded));
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn the_victim_is_the_youngest_whoever_detects() {
    // The youngest transaction waits first, so it is the first to look; it still
    // picks itself rather than the older one that closed the cycle.
    let m = manager();
    let (old, young) = (LockOwner::new(5), LockOwner::new(9));
    m.acquire(&old, rel(1), X, &wait_forever()).unwrap();
    m.acquire(&young, rel(2), X, &wait_forever()).unwrap();
    let y = spawn_waiter(&m, &young, rel(1), X, wait_forever());
    let o = spawn_acquire(&m, &old, rel(2), X, wait_forever());
    let _ = detail(outcome(&y));
    assert!(still_waiting(&o));
    m.release_all(9);
    assert_eq!(outcome(&o), Ok(Acquired::Granted));
    assert_eq!(m.deadlocks(1)[0].victim, 9);
    m.release_all(5);
    assert_empty(&m);
}

#[test]
fn a_cycle_formed_after_a_fruitless_check_is_found_on_a_recheck() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    m.acquire(&t2, rel(2), X, &wait_forever()).unwrap();
    let w2 = spawn_waiter(&m, &t2, rel(1), X, wait_forever());
    // Several checks by transaction 2 find nothing: a plain wait is not a deadlock.
    thread::sleep(DEADLOCK_TIMEOUT * 3);
    assert!(still_waiting(&w2));
    assert_eq!(m.stats().deadlocks, 0);
    let w1 = spawn_acquire(&m, &t1, rel(2), X, wait_forever());
    let _ = detail(outcome(&w2));
    m.release_all(2);
    assert_eq!(outcome(&w1), Ok(Acquired::Granted));
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn no_check_happens_before_deadlock_timeout() {
    let m = Arc::new(LockManager::new(Duration::from_secs(3600)));
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    m.acquire(&t2, rel(2), X, &wait_forever()).unwrap();
    let w1 = spawn_waiter(&m, &t1, rel(2), X, wait_forever());
    let w2 = spawn_waiter(&m, &t2, rel(1), X, wait_forever());
    thread::sleep(Duration::from_millis(200));
    assert!(still_waiting(&w1) && still_waiting(&w2));
    assert_eq!(m.stats().deadlocks, 0);
    // Nothing would break this deadlock for an hour; cancelling does.
    t2.interrupt(Interrupt::Cancel);
    assert_eq!(outcome(&w2), Err(LockError::Interrupted(Interrupt::Cancel)));
    m.release_all(2);
    assert_eq!(outcome(&w1), Ok(Acquired::Granted));
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn the_deadlock_timeout_can_be_changed() {
    let m = Arc::new(LockManager::new(Duration::from_secs(3600)));
    assert_eq!(m.deadlock_timeout(), Duration::from_secs(3600));
    m.set_deadlock_timeout(Duration::ZERO);
    assert_eq!(m.deadlock_timeout(), crate::lock::MIN_DEADLOCK_TIMEOUT);
    m.set_deadlock_timeout(DEADLOCK_TIMEOUT);
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    m.acquire(&t2, rel(2), X, &wait_forever()).unwrap();
    let started = Instant::now();
    let w1 = spawn_waiter(&m, &t1, rel(2), X, wait_forever());
    let w2 = spawn_acquire(&m, &t2, rel(1), X, wait_forever());
    let _ = detail(outcome(&w2));
    assert!(started.elapsed() >= DEADLOCK_TIMEOUT);
    m.release_all(2);
    assert_eq!(outcome(&w1), Ok(Acquired::Granted));
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn a_waiter_stuck_behind_the_queue_is_part_of_the_cycle() {
    // 1 holds IX on R; 2 waits for S on R; 3 queued X (then cancelled) made 4's IS
    // queue behind 2. 4 also holds what 1 now asks for: 1 -> 4 -> 2 -> 1 is a cycle
    // only through the queue-order edge.
    use crate::lock::LockMode::{IS, IX};
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), IX, &wait_forever()).unwrap();
    m.acquire(&owners[3], rel(2), X, &wait_forever()).unwrap();
    let s2 = spawn_waiter(&m, &owners[1], rel(1), S, wait_forever());
    let x3 = spawn_waiter(&m, &owners[2], rel(1), X, wait_forever());
    let is4 = spawn_waiter(&m, &owners[3], rel(1), IS, wait_forever());
    owners[2].interrupt(Interrupt::Cancel);
    assert_eq!(outcome(&x3), Err(LockError::Interrupted(Interrupt::Cancel)));
    let w1 = spawn_acquire(&m, &owners[0], rel(2), X, wait_forever());
    let _ = detail(outcome(&is4));
    assert_eq!(m.deadlocks(1)[0].victim, 4);
    m.release_all(4);
    assert_eq!(outcome(&w1), Ok(Acquired::Granted));
    m.release_all(1);
    assert_eq!(outcome(&s2), Ok(Acquired::Granted));
    m.release_all(2);
    assert_empty(&m);
}
