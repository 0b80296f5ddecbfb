//! `Insert`: INSERT [ON CONFLICT ..] [RETURNING ..].
//!
//! Each source row is cast to the column types and written through [`modify::insert`],
//! which checks NOT NULL and CHECK, then each unique index under its key lock. A
//! conflict on an arbiter index is resolved as ON CONFLICT says:
//!
//! * **DO NOTHING**: the row is skipped (any unique index, or only the named one).
//! * **DO UPDATE**: the existing row is locked FOR UPDATE, its values followed by the
//!   proposed row (`EXCLUDED`) feed the `WHERE` and the `SET` expressions, and the row is
//!   updated through the normal update path. If the existing row changed concurrently
//!   in between, the whole insertion is retried from the uniqueness probe, as
//!   PostgreSQL does. A row this statement inserted or updated cannot be updated again
//!   (21000), since the result would depend on the order of the proposed rows.
//!
//! The statement runs to completion on the first batch and RETURNING rows are then
//! handed out in batches; foreign-key checks fire at the end of the whole statement.

use std::collections::HashSet;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::Tid;
use rustydb_txn::{RowLockMode, WriteResult};

use super::constraints::{assign_types, duplicate_key, key_values};
use super::eval::{eval, eval_all, eval_predicate};
use super::modify::{self, Changed, Modify};
use super::scan::{to_stored, visible_row};
use super::{BoxOp, Exec, Row};
use crate::catalog::{IndexRef, TableRef};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::OnConflict;

/// `Insert on t`.
#[derive(Debug)]
pub(crate) struct InsertOp {
    table: TableRef,
    source: BoxOp,
    on_conflict: Option<OnConflict>,
    returning: Vec<ScalarExpr>,
    affected: u64,
    /// Versions this statement wrote (ON CONFLICT DO UPDATE may not touch them again).
    touched: HashSet<Tid>,
}

/// What resolving a conflict did.
enum Resolved {
    /// Finished with this proposed row.
    Done,
    /// The conflicting row changed under us: probe again.
    Retry,
}

impl InsertOp {
    pub(crate) fn new(
        table: TableRef,
        source: BoxOp,
        on_conflict: Option<OnConflict>,
        returning: Vec<ScalarExpr>,
    ) -> InsertOp {
        InsertOp {
            table,
            source,
            on_conflict,
            returning,
            affected: 0,
            touched: HashSet::new(),
        }
    }

    fn insert_one(
        &mut self,
        row: Row,
        out: &mut Vec<Row>,
        ex: &mut Exec<'_, '_>,
    ) -> Result<(), DbError> {
        let table = self.table.clone();
        let row = assign_types(&table, row)?;
        loop {
            let (index, existing) = match modify::insert(ex, &table, &row)? {
                Ok(tid) => {
                    self.touched.insert(tid);
                    self.affected += 1;
                    if !self.returning.is_empty() {
                        out.push(eval_all(&self.returning, &row, ex)?);
                    }
                    return Ok(());
                }
                Err(conflict) => conflict,
            };
            let arbiter = |a: &IndexRef| a.def.oid == index.def.oid;
            let resolved = match &self.on_conflict {
                Some(OnConflict::DoNothing { index: None }) => Resolved::Done,
                Some(OnConflict::DoNothing { index: Some(a) }) if arbiter(a) => Resolved::Done,
                Some(OnConflict::DoUpdate { index: a, .. }) if arbiter(a) => {
                    if self.touched.contains(&existing) {
                        return Err(DbError::new(
                            ErrorCode::CardinalityViolation,
                            "ON CONFLICT DO UPDATE command cannot affect row a second time",
                        )
                        .with_hint(
                            "Ensure that no rows proposed for insertion within the same command have duplicate \
                             constrained values.",
                        ));
                    }
                    self.do_update(existing, &row, out, ex)?
                }
                _ => {
                    return Err(duplicate_key(
                        &table,
                        &index,
                        &key_values(&index, &to_stored(&table, &row)),
                    ));
                }
            };
            if let Resolved::Done = resolved {
                return Ok(());
            }
        }
    }

    /// ON CONFLICT DO UPDATE of the live version `tid` with the proposed `row`.
    fn do_update(
        &mut self,
        tid: Tid,
        row: &[crate::types::Value],
        out: &mut Vec<Row>,
        ex: &mut Exec<'_, '_>,
    ) -> Result<Resolved, DbError> {
        let Some(OnConflict::DoUpdate {
            assignments,
            predicate,
            ..
        }) = &self.on_conflict
        else {
            return Err(DbError::internal("ON CONFLICT DO UPDATE expected"));
        };
        let table = self.table.clone();
        match ex.txn().lock_row(&table.heap, tid, RowLockMode::Update)? {
            WriteResult::Done(_) => {}
            _ => return Ok(Resolved::Retry),
        }
        let Some((current, bytes)) = ex.txn().latest_version(&table.heap, tid)? else {
            return Ok(Resolved::Retry);
        };
        if current != tid {
            return Ok(Resolved::Retry);
        }
        let existing = visible_row(&table, &bytes)?;
        let mut combined = existing.clone();
        combined.extend(row.iter().cloned());
        if let Some(p) = predicate
            && !eval_predicate(p, &combined, ex)?
        {
            return Ok(Resolved::Done);
        }
        let mut new = existing.clone();
        for (pos, e) in assignments {
            new[*pos] = eval(e, &combined, ex)?;
        }
        let new = assign_types(&table, new)?;
        match modify::update(ex, &table, tid, &existing, &new)? {
            Changed::Done(nt) => {
                self.touched.extend(nt);
                self.affected += 1;
                if !self.returning.is_empty() {
                    out.push(eval_all(&self.returning, &new, ex)?);
                }
                Ok(Resolved::Done)
            }
            Changed::Concurrent(_) | Changed::Skipped => Ok(Resolved::Retry),
        }
    }
}

impl Modify for InsertOp {
    fn run(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let mut out = Vec::new();
        while let Some(batch) = self.source.next_batch(ex)? {
            for row in batch {
                self.insert_one(row, &mut out, ex)?;
            }
        }
        Ok(out)
    }

    fn affected(&self) -> u64 {
        self.affected
    }
}
