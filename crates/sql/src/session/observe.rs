//! The session's side of [`crate::observe`]: timing each statement (metrics and the
//! slow query log), counting errors, and noting DML for the change feed.
//!
//! The plan of the last query or DML statement is kept (an `Arc`, no copy) so that a
//! slow statement's log line carries the EXPLAIN text of the plan that actually ran;
//! the text is rendered only for slow statements.
//!
//! Changes are noted in the transaction block with a mark per savepoint (the number of
//! changes when it was set), so ROLLBACK TO drops exactly what came after it; the block
//! hands them to [`crate::observe::Observer::publish`] only once it commits.

use std::time::Duration;

use rustydb_common::DbError;

use super::{Session, StatementResult};
use crate::binder::UtilityStatement;
use crate::observe::{PendingChange, slow_log, statement};
use crate::plan::logical::LogicalPlan;
use crate::types::Value;

impl Session {
    /// Records a statement that finished after `elapsed`: its kind's counter and
    /// histogram, its error (if any), and the slow query log.
    pub(super) fn observe_statement(
        &mut self,
        sql: &str,
        kind: &'static str,
        elapsed: Duration,
        error: Option<&DbError>,
    ) {
        statement::record_statement(kind, elapsed);
        if let Some(e) = error {
            statement::record_error(e);
        }
        let plan = self.last_plan.take();
        let log = self.engine.observer().slow_log();
        if log.is_slow(elapsed) {
            let plan = plan.map(|p| crate::exec::explain(&p, None, false).join("\n"));
            log.record(slow_log::slow_query(
                sql,
                &self.user,
                &self.database,
                self.entry.pid(),
                elapsed,
                plan,
            ));
        }
    }

    /// Notes a successful INSERT / UPDATE / DELETE of `rows` rows for the change feed.
    pub(super) fn note_change(&mut self, plan: &LogicalPlan, rows: u64) {
        let (table, operation) = match plan {
            LogicalPlan::Insert { table, .. } => (table, "INSERT"),
            LogicalPlan::Update { table, .. } => (table, "UPDATE"),
            LogicalPlan::Delete { table, .. } => (table, "DELETE"),
            _ => return,
        };
        self.note_table_change(table, operation, rows);
    }

    /// Notes `rows` rows inserted, updated or deleted (`operation`) in `table`.
    pub(super) fn note_table_change(
        &mut self,
        table: &crate::catalog::TableRef,
        operation: &'static str,
        rows: u64,
    ) {
        if rows == 0 {
            return;
        }
        if let Some(b) = self.block.as_mut() {
            b.changes.push(PendingChange {
                schema: table.def.schema.clone(),
                table: table.def.name.clone(),
                operation,
                rows,
            });
        }
    }

    /// Runs a utility statement, keeping the change marks of savepoints in step.
    pub(super) fn run_utility_observed(
        &mut self,
        u: UtilityStatement,
        sql: &str,
        params: &[Value],
    ) -> Result<StatementResult, DbError> {
        let savepoint = match &u {
            UtilityStatement::Savepoint(n) => Some((0, n.clone())),
            UtilityStatement::RollbackTo(n) => Some((1, n.clone())),
            UtilityStatement::Release(n) => Some((2, n.clone())),
            _ => None,
        };
        let r = self.run_utility(u, sql, params)?;
        if let (Some((op, name)), Some(b)) = (savepoint, self.block.as_mut()) {
            let at = b.change_marks.iter().rposition(|(n, _)| *n == name);
            match (op, at) {
                (0, _) => b.change_marks.push((name, b.changes.len())),
                (1, Some(i)) => {
                    b.changes.truncate(b.change_marks[i].1);
                    b.change_marks.truncate(i + 1);
                }
                (2, Some(i)) => b.change_marks.truncate(i),
                _ => {}
            }
        }
        Ok(r)
    }
}
