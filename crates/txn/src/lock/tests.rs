//! Tests of the lock table: shared helpers here, the cases in `tests/`.
//!
//! Blocking requests run on their own threads and report through a channel, so a test
//! can observe "still waiting" and "decided" without timing assumptions. Every wait for
//! an outcome is bounded ([`LIMIT`]), so a bug shows up as a failure, never a hang.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use rustydb_storage::{RelId, Tid};

use super::{Acquired, LockError, LockManager, LockMode, LockOwner, LockTag, WaitOptions};

mod deadlocks;
mod interrupts;
mod matrix;
mod queueing;
mod stress;

/// The longest any test waits for something that should happen promptly.
const LIMIT: Duration = Duration::from_secs(20);

/// The deadlock timeout the tests use.
const DEADLOCK_TIMEOUT: Duration = Duration::from_millis(50);

fn manager() -> Arc<LockManager> {
    Arc::new(LockManager::new(DEADLOCK_TIMEOUT))
}

fn rel(n: u32) -> LockTag {
    LockTag::Relation(RelId(n))
}

fn row(rel: u32, page: u32, slot: u16) -> LockTag {
    LockTag::Row(RelId(rel), Tid::new(page, slot))
}

fn wait_forever() -> WaitOptions {
    WaitOptions::default()
}

/// Runs `acquire` on a new thread; the receiver yields its result.
fn spawn_acquire(
    m: &Arc<LockManager>,
    owner: &Arc<LockOwner>,
    tag: LockTag,
    mode: LockMode,
    opts: WaitOptions,
) -> Receiver<Result<Acquired, LockError>> {
    let (tx, rx) = mpsc::channel();
    let (m, owner) = (Arc::clone(m), Arc::clone(owner));
    thread::spawn(move || {
        // The test may have finished (and dropped the receiver) already.
        let _ = tx.send(m.acquire(&owner, tag, mode, &opts));
    });
    rx
}

/// Like [`spawn_acquire`], and returns once the request is queued.
fn spawn_waiter(
    m: &Arc<LockManager>,
    owner: &Arc<LockOwner>,
    tag: LockTag,
    mode: LockMode,
    opts: WaitOptions,
) -> Receiver<Result<Acquired, LockError>> {
    let rx = spawn_acquire(m, owner, tag, mode, opts);
    let id = owner.id();
    eventually(&format!("transaction {id} waits"), || {
        m.waits().iter().any(|w| w.waiter == id)
    });
    rx
}

/// The result of a spawned request, which must arrive within [`LIMIT`].
fn outcome(rx: &Receiver<Result<Acquired, LockError>>) -> Result<Acquired, LockError> {
    rx.recv_timeout(LIMIT)
        .expect("the request was not decided in time")
}

fn still_waiting(rx: &Receiver<Result<Acquired, LockError>>) -> bool {
    matches!(rx.try_recv(), Err(TryRecvError::Empty))
}

/// Polls `cond` until it holds, failing the test after [`LIMIT`].
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < LIMIT, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// The table is consistent and holds nothing.
fn assert_empty(m: &LockManager) {
    assert_eq!(m.check_invariants(), Ok(0));
    assert!(m.waits().is_empty());
    let stats = m.stats();
    assert_eq!((stats.held, stats.waiting), (0, 0), "{stats:?}");
}
