//! `Update`: UPDATE .. SET .. [FROM ..] [WHERE ..] [RETURNING ..].
//!
//! Each input row carries the target's columns (from `first_column`) and its hidden tid.
//! The new values are the assignments evaluated over the input row, cast to the column
//! types; [`modify::update`] checks the constraints and writes the new version.
//!
//! **Concurrent updates (READ COMMITTED).** When another transaction committed a change
//! to the row after this statement's snapshot, the transaction layer reports the newer
//! version instead of overwriting it. As PostgreSQL's EvalPlanQual does, the newest
//! version is fetched, the statement's WHERE (`recheck`, over the target's columns) is
//! evaluated on it, and if it still holds the assignments are computed again over the
//! input row with the target's columns replaced by the newer values, and the update is
//! retried on that version. A row deleted concurrently, or no longer matching, is
//! skipped; so is a row this statement already changed (a join producing a target row
//! twice updates it once). At REPEATABLE READ and SERIALIZABLE the transaction layer
//! fails with 40001 instead.
//!
//! RETURNING is evaluated over the input row with the target's columns replaced by the
//! new values. The statement runs to completion on the first batch; foreign-key work
//! fires at the end of the whole statement.

use rustydb_common::DbError;
use rustydb_storage::Tid;

use super::constraints::assign_types;
use super::eval::{eval, eval_all, eval_predicate};
use super::modify::{self, Changed, Modify};
use super::scan::visible_row;
use super::{BoxOp, Exec, Row, value_tid};
use crate::catalog::TableRef;
use crate::plan::expr::ScalarExpr;

/// The target of an UPDATE or DELETE and where it sits in the input rows.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) table: TableRef,
    pub(crate) input: BoxOp,
    pub(crate) tid_column: usize,
    pub(crate) first_column: usize,
    /// The WHERE over the target's columns, re-checked on a newer version.
    pub(crate) recheck: Option<ScalarExpr>,
    pub(crate) returning: Vec<ScalarExpr>,
}

/// `Update on t`.
#[derive(Debug)]
pub(crate) struct UpdateOp {
    target: Target,
    assignments: Vec<(usize, ScalarExpr)>,
    affected: u64,
}

/// Follows a concurrent change of the target row at READ COMMITTED: the newest version
/// if it still satisfies `recheck`, with `row`'s target columns replaced by its values.
fn follow_newer(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    newer: Tid,
    recheck: Option<&ScalarExpr>,
    row: &mut Row,
    first: usize,
) -> Result<Option<Tid>, DbError> {
    let Some((tid, bytes)) = ex.txn().latest_version(&table.heap, newer)? else {
        return Ok(None);
    };
    let values = visible_row(table, &bytes)?;
    if let Some(r) = recheck
        && !eval_predicate(r, &values, ex)?
    {
        return Ok(None);
    }
    row.splice(first..first + values.len(), values);
    Ok(Some(tid))
}

impl Target {
    /// Writes the target version of every input row with `write`, following concurrent
    /// changes at READ COMMITTED as the module documentation describes; `write` gets the
    /// version and the input row (its target columns as they are now), and puts the
    /// written values there. Returns the RETURNING rows and counts the rows written.
    pub(crate) fn write_all(
        &mut self,
        ex: &mut Exec<'_, '_>,
        affected: &mut u64,
        mut write: impl FnMut(&mut Exec<'_, '_>, &TableRef, Tid, &mut Row) -> Result<Changed, DbError>,
    ) -> Result<Vec<Row>, DbError> {
        let mut out = Vec::new();
        let first = self.first_column;
        while let Some(batch) = self.input.next_batch(ex)? {
            for mut row in batch {
                let mut tid = value_tid(&row[self.tid_column])?;
                let written = loop {
                    match write(ex, &self.table, tid, &mut row)? {
                        Changed::Done(_) => break true,
                        Changed::Concurrent(Some(newer)) => {
                            match follow_newer(
                                ex,
                                &self.table,
                                newer,
                                self.recheck.as_ref(),
                                &mut row,
                                first,
                            )? {
                                Some(t) => tid = t,
                                None => break false,
                            }
                        }
                        Changed::Concurrent(None) | Changed::Skipped => break false,
                    }
                };
                if written {
                    *affected += 1;
                    if !self.returning.is_empty() {
                        out.push(eval_all(&self.returning, &row, ex)?);
                    }
                }
            }
        }
        Ok(out)
    }
}

impl UpdateOp {
    pub(crate) fn new(target: Target, assignments: Vec<(usize, ScalarExpr)>) -> UpdateOp {
        UpdateOp {
            target,
            assignments,
            affected: 0,
        }
    }
}

impl Modify for UpdateOp {
    fn run(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let assignments = &self.assignments;
        let first = self.target.first_column;
        let n = self.target.table.visible.len();
        self.target
            .write_all(ex, &mut self.affected, |ex, table, tid, row| {
                let old: Row = row[first..first + n].to_vec();
                let mut new = old.clone();
                for (pos, e) in assignments {
                    new[*pos] = eval(e, row, ex)?;
                }
                let new = assign_types(table, new)?;
                let r = modify::update(ex, table, tid, &old, &new)?;
                if let Changed::Done(_) = r {
                    row.splice(first..first + n, new);
                }
                Ok(r)
            })
    }

    fn affected(&self) -> u64 {
        self.affected
    }
}
