//! The slow query log: statements at or over the threshold, written to
//! `performance.log` and kept in memory (the last [`SLOW_LOG_CAPACITY`]).
//!
//! The line format (one line: text fields are quoted with `\n` and `"` escaped):
//!
//! ```text
//! <time>  INFO rustydb::perf: SLOW_QUERY duration_ms=1234.567 user="alice" database="rustydb" pid=12 sql="SELECT ..." plan="Seq Scan on t\n  Filter: (id = 2)"
//! ```
//!
//! `plan` is the EXPLAIN text (without ANALYZE) of the optimized plan that ran, or
//! `"(none)"` for DDL, utility and transaction commands.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use serde::Serialize;

/// How many slow statements are kept in memory.
pub const SLOW_LOG_CAPACITY: usize = 1000;

/// One statement that ran at least the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowQuery {
    /// The statement text.
    pub sql: String,
    /// The user that ran it.
    pub user: String,
    /// The database it ran in.
    pub database: String,
    /// The session (`pg_backend_pid()`).
    pub pid: u32,
    /// How long it took, in milliseconds (commit of an implicit transaction included).
    pub duration_ms: f64,
    /// The EXPLAIN text of the plan that ran; `None` for statements without a plan
    /// (DDL, utility and transaction commands).
    pub plan: Option<String>,
    /// When it finished, RFC 3339.
    pub finished_at: String,
}

/// The log. See the module documentation.
#[derive(Debug)]
pub struct SlowLog {
    threshold: Duration,
    ring: Mutex<VecDeque<SlowQuery>>,
}

impl SlowLog {
    /// A log of statements that take at least `threshold`.
    pub fn new(threshold: Duration) -> SlowLog {
        SlowLog {
            threshold,
            ring: Mutex::new(VecDeque::new()),
        }
    }

    /// The threshold.
    pub fn threshold(&self) -> Duration {
        self.threshold
    }

    /// Whether a statement that took `elapsed` is slow.
    pub fn is_slow(&self, elapsed: Duration) -> bool {
        elapsed >= self.threshold
    }

    /// Writes `q` to `performance.log` and keeps it.
    pub fn record(&self, q: SlowQuery) {
        tracing::info!(
            target: rustydb_common::logging::PERF_TARGET,
            duration_ms = %format_args!("{:.3}", q.duration_ms),
            user = ?q.user,
            database = ?q.database,
            pid = q.pid,
            sql = ?q.sql,
            plan = ?q.plan.as_deref().unwrap_or("(none)"),
            "SLOW_QUERY"
        );
        let mut ring = self.ring.lock();
        if ring.len() == SLOW_LOG_CAPACITY {
            ring.pop_front();
        }
        ring.push_back(q);
    }

    /// The most recent slow statements (newest first), at most `limit`, that took at
    /// least `min_duration_ms`.
    pub fn recent(&self, limit: usize, min_duration_ms: u64) -> Vec<SlowQuery> {
        self.ring
            .lock()
            .iter()
            .rev()
            .filter(|q| q.duration_ms >= min_duration_ms as f64)
            .take(limit)
            .cloned()
            .collect()
    }
}

/// A [`SlowQuery`] finished now.
pub fn slow_query(
    sql: &str,
    user: &str,
    database: &str,
    pid: u32,
    elapsed: Duration,
    plan: Option<String>,
) -> SlowQuery {
    SlowQuery {
        sql: sql.to_string(),
        user: user.to_string(),
        database: database.to_string(),
        pid,
        duration_ms: elapsed.as_secs_f64() * 1000.0,
        plan,
        finished_at: super::changes::rfc3339_text(SystemTime::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(ms: u64) -> SlowQuery {
        slow_query("SELECT 1", "u", "d", 1, Duration::from_millis(ms), None)
    }

    #[test]
    fn keeps_the_last_entries_newest_first_and_filters() {
        let log = SlowLog::new(Duration::ZERO);
        for ms in 0..(SLOW_LOG_CAPACITY as u64 + 5) {
            log.record(q(ms));
        }
        let all = log.recent(usize::MAX, 0);
        assert_eq!(all.len(), SLOW_LOG_CAPACITY);
        assert_eq!(all[0].duration_ms, (SLOW_LOG_CAPACITY + 4) as f64);
        assert_eq!(all.last().unwrap().duration_ms, 5.0);
        let some = log.recent(3, 1000);
        assert_eq!(some.len(), 3);
        assert!(some.iter().all(|q| q.duration_ms >= 1000.0));
        assert!(log.is_slow(Duration::ZERO));
        assert!(!SlowLog::new(Duration::from_secs(1)).is_slow(Duration::from_millis(999)));
    }
}
