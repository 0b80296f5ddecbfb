//! Waits that end without a grant: lock timeout, cancel, statement deadline,
//! termination; and how each maps into the error catalogue.

use rustydb_common::{DbError, ErrorCode};

use super::*;
use crate::lock::Interrupt;
use crate::lock::LockMode::{S, X};

fn lock_timeout(ms: u64) -> WaitOptions {
    WaitOptions {
        lock_timeout: Some(Duration::from_millis(ms)),
        deadline: None,
    }
}

#[test]
fn lock_timeout_fails_the_wait_and_cleans_the_queue() {
    let m = manager();
    let owners: Vec<_> = (1..=3).map(LockOwner::new).collect();
    let tag = row(16384, 2, 7);
    m.acquire(&owners[0], tag, S, &wait_forever()).unwrap();
    let started = Instant::now();
    let got = m.acquire(&owners[1], tag, X, &lock_timeout(50));
    assert_eq!(got, Err(LockError::Timeout { tag, mode: X }));
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert!(m.waits().is_empty());
    // With the X gone from the queue, a reader is no longer held back.
    assert_eq!(
        m.try_acquire(&owners[2], tag, S),
        Ok(Some(Acquired::Granted))
    );
    let stats = m.stats();
    assert_eq!(
        (stats.timeouts, stats.waiting, stats.finished_waits),
        (1, 0, 1)
    );
    m.release_all(1);
    m.release_all(3);
    assert_empty(&m);

    let db = DbError::from(LockError::Timeout { tag, mode: X });
    assert_eq!(db.code(), ErrorCode::LockTimeout);
    assert_eq!(db.sqlstate(), "55P03");
    assert_eq!(db.message(), "canceling statement due to lock timeout");
    assert!(
        db.detail()
            .unwrap()
            .contains("ExclusiveLock on tuple (2,7) of relation 16384")
    );
}

#[test]
fn a_timed_out_waiter_lets_the_requests_behind_it_through() {
    let m = manager();
    let owners: Vec<_> = (1..=3).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), S, &wait_forever()).unwrap();
    let x = spawn_waiter(&m, &owners[1], rel(1), X, lock_timeout(500));
    let s = spawn_waiter(&m, &owners[2], rel(1), S, wait_forever());
    assert_eq!(
        outcome(&x),
        Err(LockError::Timeout {
            tag: rel(1),
            mode: X
        })
    );
    assert_eq!(outcome(&s), Ok(Acquired::Granted));
    m.release_all(1);
    m.release_all(3);
    assert_empty(&m);
}

#[test]
fn a_timed_out_upgrade_keeps_the_mode_already_held() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), S, &wait_forever()).unwrap();
    m.acquire(&t2, rel(1), S, &wait_forever()).unwrap();
    assert_eq!(
        m.acquire(&t1, rel(1), X, &lock_timeout(50)),
        Err(LockError::Timeout {
            tag: rel(1),
            mode: X
        })
    );
    assert_eq!(m.held_by(1), vec![(rel(1), S)]);
    assert!(m.waits().is_empty());
    assert_eq!(m.release_all(1) + m.release_all(2), 2);
    assert_empty(&m);
}

#[test]
fn cancel_wakes_a_waiter_and_stays_pending_until_cleared() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    let w = spawn_waiter(&m, &t2, rel(1), S, wait_forever());
    t2.interrupt(Interrupt::Cancel);
    assert_eq!(outcome(&w), Err(LockError::Interrupted(Interrupt::Cancel)));
    assert!(m.waits().is_empty());
    // Still pending: the owner takes no further locks until the session clears it.
    assert_eq!(t2.pending_interrupt(), Some(Interrupt::Cancel));
    assert_eq!(
        m.acquire(&t2, rel(9), S, &wait_forever()),
        Err(LockError::Interrupted(Interrupt::Cancel))
    );
    assert_eq!(
        m.try_acquire(&t2, rel(9), S),
        Err(LockError::Interrupted(Interrupt::Cancel))
    );
    assert_eq!(t2.clear_interrupt(), Some(Interrupt::Cancel));
    assert_eq!(t2.clear_interrupt(), None);
    assert_eq!(
        m.acquire(&t2, rel(9), S, &wait_forever()),
        Ok(Acquired::Granted)
    );
    assert_eq!(m.stats().interrupts, 3);
    m.release_all(1);
    m.release_all(2);
    assert_empty(&m);
}

#[test]
fn the_statement_deadline_ends_a_wait() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    let deadline = Instant::now() + Duration::from_millis(50);
    let opts = WaitOptions {
        lock_timeout: Some(Duration::from_secs(3600)),
        deadline: Some(deadline),
    };
    assert_eq!(
        m.acquire(&t2, rel(1), X, &opts),
        Err(LockError::Interrupted(Interrupt::StatementTimeout))
    );
    assert!(Instant::now() >= deadline);
    // The deadline is not an interrupt of the owner: nothing is left pending.
    assert_eq!(t2.pending_interrupt(), None);
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn terminate_wakes_a_waiter_and_outranks_a_cancel() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, LockTag::Xid(1), X, &wait_forever()).unwrap();
    let w = spawn_waiter(&m, &t2, LockTag::Xid(1), S, wait_forever());
    t2.interrupt(Interrupt::Terminate);
    t2.interrupt(Interrupt::Cancel);
    assert_eq!(
        outcome(&w),
        Err(LockError::Interrupted(Interrupt::Terminate))
    );
    assert_eq!(t2.clear_interrupt(), Some(Interrupt::Terminate));
    m.release_all(1);
    assert_empty(&m);
}

#[test]
fn an_interrupt_between_grant_and_wake_up_leaves_the_grant_standing() {
    // Whatever the interleaving, a request is either granted (and held) or withdrawn
    // (and not held): never both, never neither.
    for _ in 0..20 {
        let m = manager();
        let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
        m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
        let w = spawn_waiter(&m, &t2, rel(1), X, wait_forever());
        let releaser = {
            let m = Arc::clone(&m);
            thread::spawn(move || m.release_all(1))
        };
        t2.interrupt(Interrupt::Cancel);
        releaser.join().unwrap();
        match outcome(&w) {
            Ok(Acquired::Granted) => assert_eq!(m.held_by(2), vec![(rel(1), X)]),
            Err(LockError::Interrupted(Interrupt::Cancel)) => assert!(m.held_by(2).is_empty()),
            other => panic!("unexpected {other:?}"),
        }
        m.release_all(2);
        assert_empty(&m);
    }
}

#[test]
fn interrupts_map_to_the_catalogue() {
    let cases = [
        (
            Interrupt::Cancel,
            ErrorCode::TransactionTimeout,
            "57014",
            "canceling statement due to user request",
        ),
        (
            Interrupt::StatementTimeout,
            ErrorCode::TransactionTimeout,
            "57014",
            "canceling statement due to statement timeout",
        ),
        (
            Interrupt::IdleTimeout,
            ErrorCode::TransactionTimeout,
            "25P03",
            "terminating connection due to idle-in-transaction timeout",
        ),
        (
            Interrupt::Terminate,
            ErrorCode::TransactionTerminated,
            "57P01",
            "terminating transaction at administrator request",
        ),
    ];
    for (reason, code, sqlstate, message) in cases {
        let e = LockError::Interrupted(reason);
        assert_eq!(e.to_string(), message);
        let db = DbError::from(e);
        assert_eq!(
            (db.code(), db.sqlstate(), db.message()),
            (code, sqlstate, message)
        );
    }
    let db = LockError::Interrupted(Interrupt::Terminate).into_db_error(12);
    assert_eq!(
        db.message(),
        "terminating transaction 12 at administrator request"
    );
    assert_eq!(db.sqlstate(), "57P01");
    let db = LockError::Deadlock { detail: "x".into() }.into_db_error(12);
    assert_eq!(db.code(), ErrorCode::DeadlockDetected);
}
