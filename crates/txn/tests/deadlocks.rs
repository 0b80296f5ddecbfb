//! Deadlocks through row updates, lock and statement timeouts, aborting a blocked
//! transaction by id, and the idle-in-transaction timeout, at the transaction API.
//!
//! Blocking is asserted by polling the lock table until the waiter shows up; nothing here
//! asserts how long anything took.

mod common;

use std::time::Duration;

use common::*;
use rustydb_common::DbError;
use rustydb_storage::HeapFile;
use rustydb_txn::lock::{Interrupt, LockTag};
use rustydb_txn::{IsolationLevel, Transaction, TxnError};

/// The table `(id, value)` holding rows 1..=n with value 0, committed.
fn accounts(db: &Db, n: u32) -> HeapFile {
    let heap = HeapFile::create(&db.storage).unwrap();
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    for id in 1..=n {
        insert_row(&mut t, &heap, id, 0).unwrap();
    }
    t.commit().unwrap();
    heap
}

fn begin(db: &Db) -> Transaction {
    db.mgr.begin(IsolationLevel::ReadCommitted).unwrap()
}

fn db_error(e: TxnError) -> DbError {
    e.into()
}

#[test]
fn two_transactions_updating_rows_in_opposite_orders_deadlock_and_the_younger_loses() {
    let db = db();
    let heap = accounts(&db, 2);
    let mut t1 = begin(&db);
    let mut t2 = begin(&db);
    let (x1, x2) = (t1.xid(), t2.xid());
    assert!(x1 < x2, "t2 is the younger");
    assert_eq!(update_by_id(&mut t1, &heap, 1, |v| v + 1).unwrap(), 1);
    assert_eq!(update_by_id(&mut t2, &heap, 2, |v| v + 10).unwrap(), 1);
    let heap = &heap;
    std::thread::scope(|s| {
        let older = s.spawn(|| update_by_id(&mut t1, heap, 2, |v| v + 1));
        wait_until_blocked(&db.mgr, x1, &older);
        let younger = s.spawn(move || {
            let r = update_by_id(&mut t2, heap, 1, |v| v + 10);
            (t2, r)
        });
        let (t2, r) = younger.join().unwrap();
        let err = r.unwrap_err();
        assert!(err.is_retryable(), "{err}");
        let e = db_error(err);
        assert_eq!(
            (e.code().id(), e.sqlstate()),
            ("ERR-TXN-001", "40P01"),
            "{e}"
        );
        assert_eq!(e.message(), "deadlock detected");
        let detail = e.detail().expect("the cycle as DETAIL");
        for xid in [x1, x2] {
            assert!(
                detail.contains(&format!("Transaction {xid} waits for")),
                "{detail}"
            );
        }
        assert_eq!(detail.lines().count(), 2, "{detail}");
        // The older one still waits until the victim rolls back.
        assert!(!older.is_finished());
        t2.rollback();
        assert_eq!(older.join().unwrap().unwrap(), 1);
    });
    t1.commit().unwrap();
    assert_eq!(committed_rows(&db, heap), [(1, 1), (2, 1)]);

    let events = db.mgr.locks().deadlocks(10);
    assert_eq!(events.len(), 1, "{events:?}");
    let ev = &events[0];
    assert_eq!(ev.victim, x2);
    let mut cycle = ev.cycle.clone();
    cycle.sort_unstable();
    assert_eq!(cycle, [x1, x2]);
    assert_eq!(ev.resources.len(), 2);
    // Each waits for the other to end: the row-update protocol waits on transaction ids.
    for (tag, _) in &ev.resources {
        assert!(
            matches!(tag, LockTag::Xid(x) if *x == x1 || *x == x2),
            "{:?}",
            ev.resources
        );
    }
    assert_eq!(db.mgr.locks().stats().deadlocks, 1);
}

#[test]
fn a_cycle_of_three_transactions_is_broken_by_aborting_the_youngest() {
    let db = db();
    let heap = accounts(&db, 3);
    let mut t1 = begin(&db);
    let mut t2 = begin(&db);
    let mut t3 = begin(&db);
    let (x1, x2, x3) = (t1.xid(), t2.xid(), t3.xid());
    // Each holds its own row, then asks for the next one's: 1 -> 2 -> 3 -> 1.
    assert_eq!(update_by_id(&mut t1, &heap, 1, |v| v + 1).unwrap(), 1);
    assert_eq!(update_by_id(&mut t2, &heap, 2, |v| v + 1).unwrap(), 1);
    assert_eq!(update_by_id(&mut t3, &heap, 3, |v| v + 1).unwrap(), 1);
    let heap = &heap;
    std::thread::scope(|s| {
        let w1 = s.spawn(|| update_by_id(&mut t1, heap, 2, |v| v + 1));
        wait_until_blocked(&db.mgr, x1, &w1);
        let w2 = s.spawn(move || {
            let r = update_by_id(&mut t2, heap, 3, |v| v + 1);
            (t2, r)
        });
        wait_until_blocked(&db.mgr, x2, &w2);
        let w3 = s.spawn(move || {
            let r = update_by_id(&mut t3, heap, 1, |v| v + 1);
            (t3, r)
        });
        let (t3, r) = w3.join().unwrap();
        let e = db_error(r.unwrap_err());
        assert_eq!((e.code().id(), e.sqlstate()), ("ERR-TXN-001", "40P01"));
        assert_eq!(e.detail().unwrap().lines().count(), 3, "{e:?}");
        t3.rollback();
        // T2 gets row 3 and finishes; T1 waits for T2 to end.
        let (t2, r) = w2.join().unwrap();
        assert_eq!(r.unwrap(), 1);
        assert!(!w1.is_finished());
        t2.commit().unwrap();
        assert_eq!(w1.join().unwrap().unwrap(), 1, "re-checked on T2's version");
    });
    t1.commit().unwrap();
    assert_eq!(committed_rows(&db, heap), [(1, 1), (2, 2), (3, 1)]);
    let ev = &db.mgr.locks().deadlocks(10)[0];
    assert_eq!(ev.victim, x3);
    let mut cycle = ev.cycle.clone();
    cycle.sort_unstable();
    assert_eq!(cycle, [x1, x2, x3]);
    assert_eq!(ev.resources.len(), 3);
    assert_eq!(
        db.mgr.locks().deadlocks(10).len(),
        1,
        "one deadlock, one victim"
    );
}

#[test]
fn lock_timeout_fails_the_waiting_statement_with_55p03() {
    let db = db();
    let heap = accounts(&db, 1);
    let mut holder = begin(&db);
    assert_eq!(update_by_id(&mut holder, &heap, 1, |v| v + 1).unwrap(), 1);
    let mut waiter = begin(&db);
    waiter.set_lock_timeout(Some(Duration::from_millis(100)));
    let err = update_by_id(&mut waiter, &heap, 1, |v| v + 10).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let e = db_error(err);
    assert_eq!(
        (e.code().id(), e.sqlstate()),
        ("ERR-TXN-005", "55P03"),
        "{e}"
    );
    assert_eq!(e.message(), "canceling statement due to lock timeout");
    assert!(
        db.mgr.locks().waits().is_empty(),
        "the request left the queue"
    );
    assert_eq!(db.mgr.locks().stats().timeouts, 1);
    waiter.rollback();
    holder.commit().unwrap();
    assert_eq!(committed_rows(&db, &heap), [(1, 1)]);
}

#[test]
fn statement_timeout_ends_a_lock_wait_with_57014() {
    let db = db();
    let heap = accounts(&db, 1);
    let mut holder = begin(&db);
    assert_eq!(update_by_id(&mut holder, &heap, 1, |v| v + 1).unwrap(), 1);
    let mut waiter = begin(&db);
    waiter.set_statement_timeout(Some(Duration::from_millis(100)));
    let err = update_by_id(&mut waiter, &heap, 1, |v| v + 10).unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    let e = db_error(err);
    assert_eq!(
        (e.code().id(), e.sqlstate()),
        ("ERR-TXN-004", "57014"),
        "{e}"
    );
    assert_eq!(e.message(), "canceling statement due to statement timeout");
    assert!(db.mgr.locks().waits().is_empty());
    waiter.rollback();
    holder.commit().unwrap();
    assert_eq!(committed_rows(&db, &heap), [(1, 1)]);
}

#[test]
fn terminating_a_transaction_blocked_in_a_lock_wait_wakes_it_and_spares_the_blocker() {
    let db = db();
    let heap = accounts(&db, 1);
    let mut blocker = begin(&db);
    assert_eq!(update_by_id(&mut blocker, &heap, 1, |v| v + 1).unwrap(), 1);
    let mut victim = begin(&db);
    let xid = victim.xid();
    std::thread::scope(|s| {
        let blocked = s.spawn(|| update_by_id(&mut victim, &heap, 1, |v| v + 10));
        wait_until_blocked(&db.mgr, xid, &blocked);
        assert!(db.mgr.terminate(xid, Interrupt::Terminate));
        let e = db_error(blocked.join().unwrap().unwrap_err());
        assert_eq!(
            (e.code().id(), e.sqlstate()),
            ("ERR-TXN-006", "57P01"),
            "{e}"
        );
    });
    // Its next statement names the transaction; rolling back releases what it held.
    let e = db_error(victim.begin_statement(None).unwrap_err());
    assert_eq!((e.code().id(), e.sqlstate()), ("ERR-TXN-006", "57P01"));
    assert!(e.message().contains(&xid.to_string()), "{e}");
    victim.rollback();
    assert!(!db.mgr.is_running(xid));
    assert!(db.mgr.locks().held_by(xid).is_empty());
    // The blocker never noticed.
    assert!(db.mgr.is_running(blocker.xid()));
    assert_eq!(update_by_id(&mut blocker, &heap, 1, |v| v + 1).unwrap(), 1);
    blocker.commit().unwrap();
    assert_eq!(committed_rows(&db, &heap), [(1, 2)]);
}

#[test]
fn idle_in_transaction_timeout_rolls_back_and_releases_locks() {
    let db = db();
    let heap = accounts(&db, 1);
    let mut idle = begin(&db);
    let xid = idle.xid();
    assert_eq!(update_by_id(&mut idle, &heap, 1, |v| v + 1).unwrap(), 1);
    let mut waiter = begin(&db);
    let waiter_xid = waiter.xid();
    std::thread::scope(|s| {
        let blocked = s.spawn(|| update_by_id(&mut waiter, &heap, 1, |v| v + 10));
        wait_until_blocked(&db.mgr, waiter_xid, &blocked);
        idle.set_idle_timeout(Some(Duration::from_millis(100)));
        // Nothing else ends the idle transaction: the watchdog must, and rolling it back
        // releases what the waiter waits for.
        assert_eq!(blocked.join().unwrap().unwrap(), 1);
    });
    assert!(!db.mgr.is_running(xid));
    assert!(
        db.mgr.locks().held_by(xid).is_empty(),
        "its locks are released"
    );
    waiter.commit().unwrap();
    assert_eq!(
        committed_rows(&db, &heap),
        [(1, 10)],
        "its change never happened"
    );
    let e = db_error(idle.begin_statement(None).unwrap_err());
    assert_eq!(
        (e.code().id(), e.sqlstate()),
        ("ERR-TXN-004", "25P03"),
        "{e}"
    );
    assert!(
        idle.commit().is_err(),
        "a terminated transaction cannot commit"
    );
}
