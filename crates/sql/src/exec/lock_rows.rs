//! `LockRows`: SELECT .. FOR UPDATE / FOR SHARE.
//!
//! Every target row of every input row is locked through the transaction (`X` for FOR
//! UPDATE, `S` for FOR SHARE), held until the transaction ends. At READ COMMITTED a row
//! changed and committed by another transaction since the snapshot is followed to its
//! newest version, which is locked instead: the output row then carries the newer values
//! (and tid), and it is dropped unless the query's condition (`recheck`) still holds on
//! it, as PostgreSQL's EvalPlanQual does. A row deleted meanwhile is dropped. At
//! REPEATABLE READ and SERIALIZABLE the transaction layer fails with 40001 instead.
//!
//! Refreshing needs the target's columns in the row, just before its tid (the shape a
//! scan with its tid produces; checked against the input schema's names). When the plan
//! projected them away, a concurrently updated row cannot be shown as it now is, and the
//! statement fails with 40001 rather than return values that are no longer current.

use rustydb_common::{DbError, ErrorCode};
use rustydb_txn::{RowLockMode, WriteResult};

use super::eval::eval_predicate;
use super::scan::visible_row;
use super::{Batch, BoxOp, Exec, Operator, Row, tid_value, value_tid};
use crate::catalog::TableRef;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::Column;

/// `LockRows`.
#[derive(Debug)]
pub(crate) struct LockRowsOp {
    input: BoxOp,
    /// Each target's table, tid position, and the position of its first column when the
    /// row carries its columns.
    targets: Vec<(TableRef, usize, Option<usize>)>,
    mode: RowLockMode,
    recheck: Option<ScalarExpr>,
}

impl LockRowsOp {
    pub(crate) fn new(
        input: BoxOp,
        schema: &[Column],
        targets: Vec<(TableRef, usize)>,
        exclusive: bool,
        recheck: Option<ScalarExpr>,
    ) -> LockRowsOp {
        let mode = if exclusive {
            RowLockMode::Update
        } else {
            RowLockMode::Share
        };
        let targets = targets
            .into_iter()
            .map(|(table, tid)| {
                let first = carried_columns(&table, schema, tid);
                (table, tid, first)
            })
            .collect();
        LockRowsOp {
            input,
            targets,
            mode,
            recheck,
        }
    }

    /// Locks the targets of `row`; `false` if the row is to be dropped.
    fn lock(&self, row: &mut Row, ex: &mut Exec<'_, '_>) -> Result<bool, DbError> {
        for (table, tid_pos, first) in &self.targets {
            ex.lock_relation(table.heap.rel(), true)?;
            let mut tid = value_tid(&row[*tid_pos])?;
            loop {
                match ex.txn().lock_row(&table.heap, tid, self.mode)? {
                    WriteResult::Done(_) => break,
                    WriteResult::Concurrent { newer: Some(n) } => {
                        let Some((t, bytes)) = ex.txn().latest_version(&table.heap, n)? else {
                            return Ok(false);
                        };
                        let Some(first) = *first else {
                            return Err(DbError::from_template(
                                ErrorCode::SerializationFailure,
                                &[("reason", &"concurrent update")],
                            ));
                        };
                        let values = visible_row(table, &bytes)?;
                        row.splice(first..*tid_pos, values);
                        row[*tid_pos] = tid_value(t);
                        if let Some(r) = &self.recheck
                            && !eval_predicate(r, row, ex)?
                        {
                            return Ok(false);
                        }
                        tid = t;
                    }
                    WriteResult::Concurrent { newer: None }
                    | WriteResult::Gone
                    | WriteResult::SelfModified => {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// Where `table`'s columns start in rows of `schema`, if they sit right before its tid
/// column at `tid` (same names, same qualifier).
fn carried_columns(table: &TableRef, schema: &[Column], tid: usize) -> Option<usize> {
    let first = tid.checked_sub(table.visible.len())?;
    let qualifier = &schema.get(tid)?.qualifier;
    let matches = table.columns().enumerate().all(|(i, (_, def, _))| {
        schema
            .get(first + i)
            .is_some_and(|c| c.name == def.name && &c.qualifier == qualifier)
    });
    matches.then_some(first)
}

impl Operator for LockRowsOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        while let Some(batch) = self.input.next_batch(ex)? {
            let mut out = Vec::with_capacity(batch.len());
            for mut row in batch {
                if self.lock(&mut row, ex)? {
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}
