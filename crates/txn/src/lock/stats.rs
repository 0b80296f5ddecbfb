//! What the lock manager reports about itself: counters, current waits and the
//! deadlock history, for `pg_locks`-style views and the REST lock endpoints.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::mode::LockMode;
use super::tag::LockTag;

/// How many deadlocks [`super::LockManager::deadlocks`] remembers.
pub const DEADLOCK_HISTORY: usize = 100;

/// Counters since the lock manager was created.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LockStats {
    /// Locks granted or upgraded, at once or after waiting.
    pub acquisitions: u64,
    /// Requests that found the mode (or a stronger one) already held.
    pub already_held: u64,
    /// Requests that had to wait.
    pub waits: u64,
    /// Finished waits (granted or not), the denominator of `avg_wait`.
    pub finished_waits: u64,
    /// Mean duration of a finished wait.
    pub avg_wait: Duration,
    /// Longest finished wait.
    pub max_wait: Duration,
    /// Locks held right now (one per owner and resource).
    pub held: u64,
    /// Requests waiting right now.
    pub waiting: u64,
    /// Deadlocks detected (one victim each).
    pub deadlocks: u64,
    /// Waits ended by `lock_timeout`.
    pub timeouts: u64,
    /// Requests ended by an interrupt (cancel, statement timeout, termination).
    pub interrupts: u64,
}

/// A request waiting right now, with whom it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockWait {
    /// The waiting transaction.
    pub waiter: u64,
    /// The resource.
    pub tag: LockTag,
    /// The mode asked for.
    pub mode: LockMode,
    /// The mode the waiter already holds on `tag`, when this is an upgrade.
    pub held: Option<LockMode>,
    /// The transactions it waits for: holders of conflicting locks and conflicting
    /// requests queued ahead of it.
    pub blockers: Vec<u64>,
    /// When the wait began (wall clock, for display).
    pub since: SystemTime,
    /// How long it has waited so far.
    pub waited: Duration,
}

/// One detected deadlock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadlockEvent {
    /// When it was detected.
    pub at: SystemTime,
    /// The transaction whose check found it.
    pub detected_by: u64,
    /// The transactions in the cycle, in waits-for order starting at `detected_by`:
    /// each waits for the next, the last for the first.
    pub cycle: Vec<u64>,
    /// What each member of `cycle` waits for, index for index.
    pub resources: Vec<(LockTag, LockMode)>,
    /// The transaction whose request was refused (the youngest in the cycle).
    pub victim: u64,
    /// How long the check took, from snapshot to resolution.
    pub detection_time: Duration,
    /// The PostgreSQL-style DETAIL sent to the victim.
    pub detail: String,
}

/// The live counters behind [`LockStats`]. Relaxed atomics: they are statistics, read
/// without any promise of a consistent cut.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) acquisitions: AtomicU64,
    pub(crate) already_held: AtomicU64,
    pub(crate) waits: AtomicU64,
    pub(crate) finished_waits: AtomicU64,
    pub(crate) wait_nanos: AtomicU64,
    pub(crate) max_wait_nanos: AtomicU64,
    pub(crate) held: AtomicU64,
    pub(crate) waiting: AtomicU64,
    pub(crate) deadlocks: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) interrupts: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn drop_one(counter: &AtomicU64) {
    counter.fetch_sub(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn wait_finished(&self, waited: Duration) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.finished_waits.fetch_add(1, Ordering::Relaxed);
        self.wait_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.max_wait_nanos.fetch_max(nanos, Ordering::Relaxed);
        drop_one(&self.waiting);
    }

    pub(crate) fn snapshot(&self) -> LockStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let finished = get(&self.finished_waits);
        LockStats {
            acquisitions: get(&self.acquisitions),
            already_held: get(&self.already_held),
            waits: get(&self.waits),
            finished_waits: finished,
            avg_wait: Duration::from_nanos(
                get(&self.wait_nanos).checked_div(finished).unwrap_or(0),
            ),
            max_wait: Duration::from_nanos(get(&self.max_wait_nanos)),
            held: get(&self.held),
            waiting: get(&self.waiting),
            deadlocks: get(&self.deadlocks),
            timeouts: get(&self.timeouts),
            interrupts: get(&self.interrupts),
        }
    }
}

/// The last [`DEADLOCK_HISTORY`] deadlocks, oldest first.
#[derive(Debug, Default)]
pub(crate) struct History {
    events: Mutex<VecDeque<DeadlockEvent>>,
}

impl History {
    pub(crate) fn record(&self, event: DeadlockEvent) {
        let mut events = self.events.lock();
        if events.len() == DEADLOCK_HISTORY {
            events.pop_front();
        }
        events.push_back(event);
    }

    /// Up to `limit` events, newest first.
    pub(crate) fn recent(&self, limit: usize) -> Vec<DeadlockEvent> {
        self.events
            .lock()
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect()
    }
}
