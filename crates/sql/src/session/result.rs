//! What a statement gives back: rows with their columns, a PostgreSQL command tag, and
//! any notices raised on the way.

use crate::plan::logical::{Column, LogicalPlan};
use crate::types::Value;

/// A NOTICE or WARNING a statement raised (`DROP TABLE IF EXISTS` of a missing table,
/// `COMMIT` outside a transaction block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `NOTICE` or `WARNING`.
    pub severity: &'static str,
    /// The SQLSTATE (`00000` for plain notices).
    pub sqlstate: &'static str,
    /// The text.
    pub message: String,
}

impl Notice {
    /// A WARNING.
    pub fn warning(sqlstate: &'static str, message: impl Into<String>) -> Notice {
        Notice {
            severity: "WARNING",
            sqlstate,
            message: message.into(),
        }
    }

    /// A plain NOTICE.
    pub fn info(message: impl Into<String>) -> Notice {
        Notice {
            severity: "NOTICE",
            sqlstate: "00000",
            message: message.into(),
        }
    }
}

/// The outcome of one statement.
#[derive(Debug, Clone, Default)]
pub struct StatementResult {
    /// Output columns; empty for statements that return no rows.
    pub columns: Vec<Column>,
    /// Output rows.
    pub rows: Vec<Vec<Value>>,
    /// PostgreSQL's command tag: `SELECT 3`, `INSERT 0 1`, `CREATE TABLE`, `BEGIN`.
    pub tag: String,
    /// Rows returned or changed (the number in the tag).
    pub rows_affected: u64,
    /// Whether the statement returns rows (a SELECT with no rows still does).
    pub returns_rows: bool,
    /// `COPY ... TO STDOUT`: the data in the requested format, one element per line
    /// (the header, then each row), as the wire protocol sends one CopyData per row.
    pub copy_out: Option<Vec<String>>,
    /// Notices and warnings raised.
    pub notices: Vec<Notice>,
}

impl StatementResult {
    /// A statement that returns no rows.
    pub fn command(tag: impl Into<String>) -> StatementResult {
        StatementResult {
            tag: tag.into(),
            ..StatementResult::default()
        }
    }

    /// A result set.
    pub fn rows(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> StatementResult {
        let n = rows.len() as u64;
        StatementResult {
            columns,
            rows,
            tag: format!("SELECT {n}"),
            rows_affected: n,
            returns_rows: true,
            ..StatementResult::default()
        }
    }

    /// Adds a notice.
    pub fn with_notice(mut self, n: Notice) -> StatementResult {
        self.notices.push(n);
        self
    }
}

/// The command tag of a query or DML plan that affected `n` rows.
pub(crate) fn plan_tag(plan: &LogicalPlan, n: u64) -> String {
    match plan {
        LogicalPlan::Insert { .. } => format!("INSERT 0 {n}"),
        LogicalPlan::Update { .. } => format!("UPDATE {n}"),
        LogicalPlan::Delete { .. } => format!("DELETE {n}"),
        _ => format!("SELECT {n}"),
    }
}

/// Whether a plan returns rows to the client (DML only with RETURNING).
pub(crate) fn plan_returns_rows(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Insert { returning, .. }
        | LogicalPlan::Update { returning, .. }
        | LogicalPlan::Delete { returning, .. } => !returning.is_empty(),
        _ => true,
    }
}

/// Whether a plan writes (for READ ONLY transactions): any INSERT, UPDATE or DELETE
/// node, including inside CTEs.
pub(crate) fn plan_writes(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Insert { .. } | LogicalPlan::Update { .. } | LogicalPlan::Delete { .. } => {
            true
        }
        LogicalPlan::CteScan { plan, .. } => plan_writes(plan),
        other => other.inputs().into_iter().any(plan_writes),
    }
}
