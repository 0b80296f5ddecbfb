//! What the engine tells monitoring about the statements it runs.
//!
//! - [`slow_log`]: statements that ran at least `log.slow_query_threshold_ms` are written
//!   to `performance.log` (target [`rustydb_common::logging::PERF_TARGET`], a line with
//!   `SLOW_QUERY`) and kept in a ring of the last [`SLOW_LOG_CAPACITY`] for
//!   `GET /queries/slow` and GraphQL's `slowQueries`.
//! - [`statement`] counts `rustydb_statements_total{kind}`,
//!   `rustydb_statement_duration_seconds{kind}` and `rustydb_errors_total{code}` through
//!   the `metrics` facade (the HTTP crate installs the Prometheus recorder; without one
//!   the macros do nothing).
//! - [`changes`]: the change feed. A session notes each INSERT / UPDATE / DELETE in its
//!   transaction block (dropped on rollback, cut back on ROLLBACK TO SAVEPOINT) and
//!   publishes them on the engine's broadcast channel only once the block commits.
//!
//! The [`Observer`] is owned by the [`crate::Engine`]; sessions call into it.

pub mod changes;
pub mod slow_log;
pub mod statement;

use std::time::Duration;

pub use changes::{PendingChange, TableChange};
pub use slow_log::{SLOW_LOG_CAPACITY, SlowLog, SlowQuery};

/// How many committed changes a slow subscriber may fall behind before it misses some
/// (it then gets `RecvError::Lagged`).
pub const CHANGE_FEED_CAPACITY: usize = 1024;

/// The engine's observability state. See the module documentation.
#[derive(Debug)]
pub struct Observer {
    slow: SlowLog,
    changes: tokio::sync::broadcast::Sender<TableChange>,
}

impl Observer {
    /// An observer logging statements that take at least `slow_threshold`.
    pub fn new(slow_threshold: Duration) -> Observer {
        let (changes, _) = tokio::sync::broadcast::channel(CHANGE_FEED_CAPACITY);
        Observer {
            slow: SlowLog::new(slow_threshold),
            changes,
        }
    }

    /// The slow query log.
    pub fn slow_log(&self) -> &SlowLog {
        &self.slow
    }

    /// A new subscription to committed changes.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<TableChange> {
        self.changes.subscribe()
    }

    /// Publishes the changes of a committed transaction (nothing happens when nobody
    /// listens).
    pub fn publish(&self, xid: u64, changes: Vec<PendingChange>) {
        if changes.is_empty() || self.changes.receiver_count() == 0 {
            return;
        }
        let committed_at = std::time::SystemTime::now();
        for c in changes {
            // An error only means every receiver went away meanwhile.
            let _ = self.changes.send(c.committed(xid, committed_at));
        }
    }
}
