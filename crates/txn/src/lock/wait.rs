//! Lock owners, the cell each one sleeps on, and the wait loop.
//!
//! A waiter never sleeps on anything shared: it parks on its own condition variable,
//! holding only its own cell's mutex, and whoever changes its fate (a releaser granting
//! it the lock, the deadlock detector choosing it as victim, a session interrupting it)
//! writes the outcome into the cell and notifies it. The lock table is therefore never
//! locked while anybody sleeps.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

use super::error::LockError;
use super::mode::LockMode;
use super::stats::bump;
use super::table::{Acquired, LockManager};
use super::tag::LockTag;

/// Why a waiting owner should stop waiting. The wait returns
/// [`super::LockError::Interrupted`] with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Interrupt {
    /// The client or an operator cancelled the statement (`pg_cancel_backend`).
    Cancel,
    /// The statement ran past `statement_timeout`.
    StatementTimeout,
    /// The session sat idle in a transaction past
    /// `idle_in_transaction_session_timeout`.
    IdleTimeout,
    /// An operator terminated the transaction (`pg_terminate_backend`).
    Terminate,
}

impl Interrupt {
    /// When two interrupts arrive before either is handled, the more severe one is
    /// kept: a termination must not be downgraded to a mere cancel.
    fn severity(self) -> u8 {
        match self {
            Interrupt::Cancel => 0,
            Interrupt::StatementTimeout => 1,
            Interrupt::IdleTimeout => 2,
            Interrupt::Terminate => 3,
        }
    }
}

/// How long a blocking [`super::LockManager::acquire`] may wait.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// PostgreSQL's `lock_timeout`: give up with [`super::LockError::Timeout`] after
    /// waiting this long for this one lock. `None` waits indefinitely (the default).
    pub lock_timeout: Option<Duration>,
    /// When the statement's `statement_timeout` expires: a wait still in progress then
    /// fails with [`Interrupt::StatementTimeout`].
    pub deadline: Option<Instant>,
}

/// Where an owner's current wait stands. Written by whoever decides the outcome, read
/// by the waiter.
#[derive(Debug)]
pub(crate) enum WaitState {
    /// Not waiting (or the outcome has been collected).
    Idle,
    /// A request of this owner is queued.
    Waiting,
    /// The queued request was granted.
    Granted,
    /// The deadlock detector chose this owner as victim and removed its request.
    Deadlock(String),
}

#[derive(Debug)]
pub(crate) struct WaitCell {
    pub(crate) state: WaitState,
    pub(crate) interrupt: Option<Interrupt>,
}

/// One transaction as the lock manager sees it. Create one per transaction with
/// [`LockOwner::new`] and share it (`Arc`) with whoever may need to interrupt it.
///
/// An owner has at most one request waiting at a time: it is meant to be driven by one
/// thread, the transaction's session.
pub struct LockOwner {
    id: u64,
    cell: Mutex<WaitCell>,
    wake: Condvar,
}

impl LockOwner {
    /// An owner with transaction id `id`. Ids order transactions by age: a higher id
    /// is a younger transaction, which is what deadlock victim choice relies on.
    pub fn new(id: u64) -> Arc<LockOwner> {
        Arc::new(LockOwner {
            id,
            cell: Mutex::new(WaitCell {
                state: WaitState::Idle,
                interrupt: None,
            }),
            wake: Condvar::new(),
        })
    }

    /// The transaction id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Asks the owner to stop: a wait in progress returns
    /// [`super::LockError::Interrupted`] at once, and so does the owner's next
    /// `acquire`. The interrupt stays pending until [`LockOwner::clear_interrupt`], so
    /// the session decides when it has been dealt with (as PostgreSQL's
    /// `ProcessInterrupts` does).
    pub fn interrupt(&self, reason: Interrupt) {
        let mut cell = self.cell.lock();
        let keep = match cell.interrupt {
            Some(old) => old.severity() >= reason.severity(),
            None => false,
        };
        if !keep {
            cell.interrupt = Some(reason);
        }
        self.wake.notify_all();
    }

    /// The pending interrupt, if any, left pending: a check point for code that runs
    /// long without taking locks.
    pub fn pending_interrupt(&self) -> Option<Interrupt> {
        self.cell.lock().interrupt
    }

    /// Takes the pending interrupt away, returning it.
    pub fn clear_interrupt(&self) -> Option<Interrupt> {
        self.cell.lock().interrupt.take()
    }

    pub(crate) fn cell(&self) -> MutexGuard<'_, WaitCell> {
        self.cell.lock()
    }

    /// Records the outcome of the owner's wait and wakes it. The caller holds the lock
    /// table shard of the request, so the outcome cannot race with another decision.
    pub(crate) fn decide(&self, outcome: WaitState) {
        let mut cell = self.cell.lock();
        cell.state = outcome;
        self.wake.notify_all();
    }

    /// Sleeps until notified or until `until`.
    pub(crate) fn sleep(&self, cell: &mut MutexGuard<'_, WaitCell>, until: Option<Instant>) {
        match until {
            Some(t) => {
                self.wake.wait_until(cell, t);
            }
            None => self.wake.wait(cell),
        }
    }
}

impl fmt::Debug for LockOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("LockOwner");
        out.field("id", &self.id);
        // try_lock: printing an owner must never block on, or deadlock with, its wait.
        match self.cell.try_lock() {
            Some(cell) => out
                .field("state", &cell.state)
                .field("interrupt", &cell.interrupt)
                .finish(),
            None => out.finish_non_exhaustive(),
        }
    }
}

impl LockManager {
    /// Sleeps on the owner's cell until the request is decided, an interrupt or a
    /// timeout ends it, or it is time to look for a deadlock.
    pub(super) fn wait(
        &self,
        owner: &Arc<LockOwner>,
        tag: LockTag,
        mode: LockMode,
        granted: Acquired,
        since: Instant,
        opts: &WaitOptions,
    ) -> Result<Acquired, LockError> {
        let lock_deadline = opts.lock_timeout.and_then(|d| since.checked_add(d));
        let mut next_check = since.checked_add(self.deadlock_timeout());
        let mut cell = owner.cell();
        loop {
            match std::mem::replace(&mut cell.state, WaitState::Idle) {
                WaitState::Granted => {
                    drop(cell);
                    self.counters.wait_finished(since.elapsed());
                    return Ok(granted);
                }
                WaitState::Deadlock(detail) => {
                    drop(cell);
                    self.counters.wait_finished(since.elapsed());
                    return Err(LockError::Deadlock { detail });
                }
                WaitState::Idle | WaitState::Waiting => cell.state = WaitState::Waiting,
            }
            let now = Instant::now();
            let give_up = if let Some(reason) = cell.interrupt {
                Some(LockError::Interrupted(reason))
            } else if opts.deadline.is_some_and(|d| now >= d) {
                Some(LockError::Interrupted(Interrupt::StatementTimeout))
            } else if lock_deadline.is_some_and(|d| now >= d) {
                Some(LockError::Timeout { tag, mode })
            } else {
                None
            };
            if let Some(error) = give_up {
                drop(cell);
                return self.abandon(owner, tag, error, granted, since);
            }
            if next_check.is_some_and(|t| now >= t) {
                drop(cell);
                self.check_deadlock(owner.id());
                next_check = Instant::now().checked_add(self.deadlock_timeout());
                cell = owner.cell();
                continue;
            }
            let wake_at = [next_check, opts.deadline, lock_deadline]
                .into_iter()
                .flatten()
                .min();
            owner.sleep(&mut cell, wake_at);
        }
    }

    /// Withdraws the owner's waiting request after an interrupt or timeout, unless it
    /// was decided meanwhile: a grant that won the race stands (the interrupt stays
    /// pending for the next check), and so does a deadlock verdict.
    fn abandon(
        &self,
        owner: &LockOwner,
        tag: LockTag,
        error: LockError,
        granted: Acquired,
        since: Instant,
    ) -> Result<Acquired, LockError> {
        let mut shard = self.shard(&tag);
        let state = std::mem::replace(&mut owner.cell().state, WaitState::Idle);
        let result = match state {
            WaitState::Granted => Ok(granted),
            WaitState::Deadlock(detail) => Err(LockError::Deadlock { detail }),
            WaitState::Idle | WaitState::Waiting => {
                if let Some(queue) = shard.queues.get_mut(&tag) {
                    queue.remove_waiter(owner.id());
                    // Requests behind ours may have been held back only by it.
                    self.grant_waiters(tag, queue);
                }
                Self::drop_if_empty(&mut shard, &tag);
                match error {
                    LockError::Timeout { .. } => bump(&self.counters.timeouts),
                    _ => bump(&self.counters.interrupts),
                }
                Err(error)
            }
        };
        drop(shard);
        self.counters.wait_finished(since.elapsed());
        result
    }
}
