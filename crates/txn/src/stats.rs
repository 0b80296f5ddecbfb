//! Counters and the views that monitoring front ends show (REST, GraphQL,
//! `rustydb-admin list-transactions`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::xid::{IsolationLevel, Xid};

/// Why a transaction ended without committing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RollbackReason {
    /// ROLLBACK, or a failed statement followed by ROLLBACK.
    User,
    /// Chosen as a deadlock victim.
    Deadlock,
    /// Serialization failure (40001).
    Serialization,
    /// Lock wait timeout.
    LockTimeout,
    /// statement_timeout or idle_in_transaction_session_timeout.
    Timeout,
    /// Aborted by an operator from another session.
    Terminated,
    /// Dropped without COMMIT or ROLLBACK (a session that went away).
    Disconnected,
}

impl RollbackReason {
    /// Every reason, for exporting counters.
    pub const ALL: [RollbackReason; 7] = [
        RollbackReason::User,
        RollbackReason::Deadlock,
        RollbackReason::Serialization,
        RollbackReason::LockTimeout,
        RollbackReason::Timeout,
        RollbackReason::Terminated,
        RollbackReason::Disconnected,
    ];

    /// Snake-case name for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            RollbackReason::User => "user",
            RollbackReason::Deadlock => "deadlock",
            RollbackReason::Serialization => "serialization_failure",
            RollbackReason::LockTimeout => "lock_timeout",
            RollbackReason::Timeout => "timeout",
            RollbackReason::Terminated => "terminated",
            RollbackReason::Disconnected => "disconnected",
        }
    }
}

/// Running totals.
#[derive(Debug, Default)]
pub struct TxnCounters {
    pub(crate) started: AtomicU64,
    pub(crate) committed: AtomicU64,
    pub(crate) rolled_back: [AtomicU64; 7],
}

impl TxnCounters {
    pub(crate) fn rollback(&self, reason: RollbackReason) {
        let i = RollbackReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        self.rolled_back[i].fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of the counters.
    pub fn snapshot(&self) -> TxnTotals {
        let by_reason = RollbackReason::ALL
            .iter()
            .enumerate()
            .map(|(i, r)| (*r, self.rolled_back[i].load(Ordering::Relaxed)))
            .collect::<Vec<_>>();
        TxnTotals {
            started: self.started.load(Ordering::Relaxed),
            committed: self.committed.load(Ordering::Relaxed),
            aborted: by_reason.iter().map(|(_, n)| n).sum(),
            rolled_back_by_reason: by_reason,
        }
    }
}

/// Totals since start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnTotals {
    /// Transactions begun.
    pub started: u64,
    /// Transactions committed.
    pub committed: u64,
    /// Transactions rolled back, for any reason.
    pub aborted: u64,
    /// Rollbacks per reason.
    pub rolled_back_by_reason: Vec<(RollbackReason, u64)>,
}

/// What a transaction is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnActivity {
    /// Running a statement.
    Active,
    /// Between statements of an open transaction.
    IdleInTransaction,
    /// Waiting for a lock.
    Waiting,
}

impl TxnActivity {
    /// PostgreSQL-style name (`pg_stat_activity.state`).
    pub fn as_str(self) -> &'static str {
        match self {
            TxnActivity::Active => "active",
            TxnActivity::IdleInTransaction => "idle in transaction",
            TxnActivity::Waiting => "waiting",
        }
    }
}

/// One running transaction, as introspection shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnInfo {
    /// The transaction id.
    pub xid: Xid,
    /// When it began.
    pub started_at: SystemTime,
    /// Its isolation level.
    pub isolation: IsolationLevel,
    /// What it is doing.
    pub activity: TxnActivity,
    /// Rows it inserted, updated, deleted or locked so far.
    pub operations: u64,
    /// Locks it holds.
    pub locks_held: usize,
    /// The statement it runs (or ran last), if the session told us.
    pub statement: Option<String>,
    /// The session or connection that owns it, if the front end told us.
    pub session: Option<String>,
}
