//! Queue discipline: FIFO, no overtaking, upgrade priority, releases, introspection.

use super::*;
use crate::lock::Interrupt;
use crate::lock::LockMode::{IS, IX, S, X};

#[test]
fn a_stream_of_shares_cannot_starve_a_waiting_exclusive() {
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), S, &wait_forever()).unwrap();
    let x = spawn_waiter(&m, &owners[1], rel(1), X, wait_forever());
    // S is compatible with the granted S but not with the queued X: it must queue.
    assert_eq!(m.try_acquire(&owners[2], rel(1), S), Ok(None));
    let s3 = spawn_waiter(&m, &owners[2], rel(1), S, wait_forever());
    let s4 = spawn_waiter(&m, &owners[3], rel(1), S, wait_forever());
    assert!(still_waiting(&x) && still_waiting(&s3) && still_waiting(&s4));

    assert!(m.release(1, rel(1)));
    assert_eq!(outcome(&x), Ok(Acquired::Granted));
    assert!(still_waiting(&s3) && still_waiting(&s4));
    m.check_invariants().unwrap();

    assert_eq!(m.release_all(2), 1);
    // Both readers go together: the walk grants every compatible request at the head.
    assert_eq!(outcome(&s3), Ok(Acquired::Granted));
    assert_eq!(outcome(&s4), Ok(Acquired::Granted));
    assert_eq!(m.release_all(3) + m.release_all(4), 2);
    assert_empty(&m);
}

#[test]
fn the_release_walk_stops_at_the_first_blocked_request() {
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), X, &wait_forever()).unwrap();
    let x2 = spawn_waiter(&m, &owners[1], rel(1), X, wait_forever());
    let s3 = spawn_waiter(&m, &owners[2], rel(1), S, wait_forever());
    m.release(1, rel(1));
    assert_eq!(outcome(&x2), Ok(Acquired::Granted));
    assert!(still_waiting(&s3));
    m.release(2, rel(1));
    assert_eq!(outcome(&s3), Ok(Acquired::Granted));
    m.release(3, rel(1));
    assert_empty(&m);
}

#[test]
fn a_request_left_behind_a_blocked_one_does_not_overtake_it() {
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), IX, &wait_forever()).unwrap();
    let s2 = spawn_waiter(&m, &owners[1], rel(1), S, wait_forever());
    let x3 = spawn_waiter(&m, &owners[2], rel(1), X, wait_forever());
    // IS fits the granted IX and the queued S, but not the queued X.
    let is4 = spawn_waiter(&m, &owners[3], rel(1), IS, wait_forever());
    owners[2].interrupt(Interrupt::Cancel);
    assert_eq!(outcome(&x3), Err(LockError::Interrupted(Interrupt::Cancel)));
    // The X left; the walk stops at the blocked S, and the IS stays behind it, waiting
    // for it (that edge is what lets the deadlock detector see through the queue).
    assert!(still_waiting(&s2) && still_waiting(&is4));
    let waits = m.waits();
    let w4 = waits.iter().find(|w| w.waiter == 4).unwrap();
    assert_eq!(w4.blockers, vec![2]);
    m.release(1, rel(1));
    assert_eq!(outcome(&s2), Ok(Acquired::Granted));
    assert_eq!(outcome(&is4), Ok(Acquired::Granted));
    m.release_all(2);
    m.release_all(4);
    assert_empty(&m);
}

#[test]
fn an_upgrade_goes_ahead_of_waiting_non_holders() {
    let m = manager();
    let owners: Vec<_> = (1..=3).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), S, &wait_forever()).unwrap();
    m.acquire(&owners[1], rel(1), S, &wait_forever()).unwrap();
    let x3 = spawn_waiter(&m, &owners[2], rel(1), X, wait_forever());
    let up1 = spawn_waiter(&m, &owners[0], rel(1), X, wait_forever());
    let waits = m.waits();
    let w1 = waits.iter().find(|w| w.waiter == 1).unwrap();
    assert_eq!(
        (w1.mode, w1.held, w1.blockers.clone()),
        (X, Some(S), vec![2])
    );
    let w3 = waits.iter().find(|w| w.waiter == 3).unwrap();
    assert_eq!(w3.blockers, vec![1, 2]);

    m.release(2, rel(1));
    assert_eq!(outcome(&up1), Ok(Acquired::Upgraded));
    assert!(still_waiting(&x3));
    assert_eq!(m.held_by(1), vec![(rel(1), X)]);
    m.release_all(1);
    assert_eq!(outcome(&x3), Ok(Acquired::Granted));
    m.release_all(3);
    assert_empty(&m);
}

#[test]
fn an_upgrade_that_fits_the_holders_is_not_queued_behind_waiters() {
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    m.acquire(&owners[0], rel(1), IS, &wait_forever()).unwrap();
    m.acquire(&owners[1], rel(1), IS, &wait_forever()).unwrap();
    let x3 = spawn_waiter(&m, &owners[2], rel(1), X, wait_forever());
    // A newcomer asking for S queues behind the X ...
    assert_eq!(m.try_acquire(&owners[3], rel(1), S), Ok(None));
    // ... but a holder's upgrade to S only has to fit the other holders.
    assert_eq!(
        m.try_acquire(&owners[0], rel(1), S),
        Ok(Some(Acquired::Upgraded))
    );
    // An upgrade that conflicts with another holder's lock does have to wait.
    assert_eq!(m.try_acquire(&owners[1], rel(1), IX), Ok(None));
    assert!(still_waiting(&x3));
    m.release_all(1);
    m.release_all(2);
    assert_eq!(outcome(&x3), Ok(Acquired::Granted));
    m.release_all(3);
    assert_empty(&m);
}

#[test]
fn release_all_grants_the_waiters() {
    let m = manager();
    let owners: Vec<_> = (1..=4).map(LockOwner::new).collect();
    for tag in [rel(1), rel(2), row(1, 0, 1)] {
        m.acquire(&owners[0], tag, X, &wait_forever()).unwrap();
    }
    let a = spawn_waiter(&m, &owners[1], rel(1), X, wait_forever());
    let b = spawn_waiter(&m, &owners[2], rel(2), S, wait_forever());
    let c = spawn_waiter(&m, &owners[3], rel(2), S, wait_forever());
    assert_eq!(m.stats().waiting, 3);
    assert_eq!(m.release_all(1), 3);
    for rx in [&a, &b, &c] {
        assert_eq!(outcome(rx), Ok(Acquired::Granted));
    }
    assert_eq!(m.held_by(1), vec![]);
    assert_eq!(m.held_by(2), vec![(rel(1), X)]);
    assert_eq!(m.held_by(3), vec![(rel(2), S)]);
    assert_eq!(m.check_invariants(), Ok(2));
    for id in 2..=4 {
        assert_eq!(m.release_all(id), 1);
    }
    assert_empty(&m);
}

#[test]
fn nowait_queues_nothing() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    m.acquire(&t1, rel(1), X, &wait_forever()).unwrap();
    assert_eq!(m.try_acquire(&t2, rel(1), S), Ok(None));
    assert!(m.waits().is_empty());
    assert_eq!(m.stats().waits, 0);
    m.release_all(1);
    assert_empty(&m);
    assert_eq!(m.try_acquire(&t2, rel(1), S), Ok(Some(Acquired::Granted)));
    assert_eq!(
        m.try_acquire(&t2, rel(1), IS),
        Ok(Some(Acquired::AlreadyHeld))
    );
    m.release_all(2);
    assert_empty(&m);
}

#[test]
fn waits_and_stats_describe_the_table() {
    let m = manager();
    let (t1, t2) = (LockOwner::new(1), LockOwner::new(2));
    let tag = row(16384, 0, 3);
    assert_eq!(
        m.acquire(&t1, tag, S, &wait_forever()),
        Ok(Acquired::Granted)
    );
    assert_eq!(
        m.acquire(&t1, tag, IS, &wait_forever()),
        Ok(Acquired::AlreadyHeld)
    );
    let before = std::time::SystemTime::now();
    let x = spawn_waiter(&m, &t2, tag, X, wait_forever());

    let waits = m.waits();
    assert_eq!(waits.len(), 1);
    let w = &waits[0];
    assert_eq!((w.waiter, w.tag, w.mode, w.held), (2, tag, X, None));
    assert_eq!(w.blockers, vec![1]);
    assert!(w.since + Duration::from_millis(100) >= before);
    let stats = m.stats();
    assert_eq!(
        (
            stats.acquisitions,
            stats.already_held,
            stats.waits,
            stats.held,
            stats.waiting
        ),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(stats.finished_waits, 0);

    thread::sleep(Duration::from_millis(5));
    m.release(1, tag);
    assert_eq!(outcome(&x), Ok(Acquired::Granted));
    let stats = m.stats();
    assert_eq!((stats.acquisitions, stats.held, stats.waiting), (2, 1, 0));
    assert_eq!(stats.finished_waits, 1);
    assert!(stats.max_wait >= Duration::from_millis(5));
    assert_eq!(stats.avg_wait, stats.max_wait);
    assert_eq!(
        (stats.deadlocks, stats.timeouts, stats.interrupts),
        (0, 0, 0)
    );
    m.release_all(2);
    assert_empty(&m);
}

#[test]
fn the_deadlock_history_keeps_the_last_hundred() {
    use crate::lock::DEADLOCK_HISTORY;
    use crate::lock::stats::History;

    let history = History::default();
    for victim in 0..(DEADLOCK_HISTORY as u64 + 5) {
        history.record(crate::lock::DeadlockEvent {
            at: std::time::SystemTime::now(),
            detected_by: victim,
            cycle: vec![victim],
            resources: vec![(rel(1), X)],
            victim,
            detection_time: Duration::ZERO,
            detail: String::new(),
        });
    }
    let all = history.recent(usize::MAX);
    assert_eq!(all.len(), DEADLOCK_HISTORY);
    assert_eq!(all[0].victim, DEADLOCK_HISTORY as u64 + 4, "newest first");
    assert_eq!(all.last().unwrap().victim, 5, "oldest ones dropped");
    assert_eq!(history.recent(3).len(), 3);
}
