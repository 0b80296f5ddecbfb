//! Hash joins: the right input is read into a hash table on its join keys (the build
//! side), then each left row probes it (the probe side). Equi-joins only; the rest of
//! the join condition is checked on each candidate pair.
//!
//! NULL keys never match (`NULL = NULL` is not true): a right row with a NULL key is kept
//! out of the table but still emitted, NULL-padded, by RIGHT and FULL joins; a left row
//! with one probes nothing. The table must fit in `work_mem`; beyond it the join fails
//! with ERR-SQL-011 rather than spilling (see the module documentation of `exec`).

use std::collections::HashMap;

use rustydb_common::DbError;

use super::eval::{eval_all, eval_predicate};
use super::nested_loop::left_row_done;
use super::{Batch, BoxOp, Exec, Operator, Row, has_null, row_size, work_mem_exceeded};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::JoinKind;
use crate::types::Value;
use crate::types::compare::GroupKey;

/// The built side.
#[derive(Debug, Default)]
struct Table {
    rows: Vec<Row>,
    index: HashMap<GroupKey, Vec<usize>>,
    matched: Vec<bool>,
}

/// `Hash Join`.
#[derive(Debug)]
pub(crate) struct HashJoin {
    left: BoxOp,
    right: BoxOp,
    kind: JoinKind,
    on: Option<ScalarExpr>,
    left_keys: Vec<ScalarExpr>,
    right_keys: Vec<ScalarExpr>,
    widths: (usize, usize),
    table: Option<Table>,
    left_done: bool,
    tail_done: bool,
}

impl HashJoin {
    pub(crate) fn new(
        left: BoxOp,
        right: BoxOp,
        kind: JoinKind,
        on: Option<ScalarExpr>,
        (left_keys, right_keys): (Vec<ScalarExpr>, Vec<ScalarExpr>),
        widths: (usize, usize),
    ) -> HashJoin {
        HashJoin {
            left,
            right,
            kind,
            on,
            left_keys,
            right_keys,
            widths,
            table: None,
            left_done: false,
            tail_done: false,
        }
    }

    fn build_table(&mut self, ex: &mut Exec<'_, '_>) -> Result<Table, DbError> {
        let mut t = Table::default();
        let mut bytes = 0usize;
        while let Some(batch) = self.right.next_batch(ex)? {
            for row in batch {
                let key = GroupKey(eval_all(&self.right_keys, &row, ex)?);
                bytes += row_size(&row) + row_size(&key.0) + 16;
                if bytes > ex.cx.work_mem {
                    return Err(work_mem_exceeded("hash join", ex.cx.work_mem));
                }
                let i = t.rows.len();
                if !has_null(&key) {
                    t.index.entry(key).or_default().push(i);
                }
                t.rows.push(row);
            }
        }
        t.matched = vec![false; t.rows.len()];
        Ok(t)
    }

    /// The output for one left row.
    fn probe(
        &self,
        t: &mut Table,
        left: Row,
        out: &mut Batch,
        ex: &mut Exec<'_, '_>,
    ) -> Result<(), DbError> {
        let key = GroupKey(eval_all(&self.left_keys, &left, ex)?);
        let mut matched = false;
        if !has_null(&key)
            && let Some(candidates) = t.index.get(&key)
        {
            for &i in candidates {
                // Sized once: cloning `left` and extending it reallocated every row.
                let mut joined = Vec::with_capacity(left.len() + t.rows[i].len());
                joined.extend_from_slice(&left);
                joined.extend_from_slice(&t.rows[i]);
                if let Some(on) = &self.on
                    && !eval_predicate(on, &joined, ex)?
                {
                    continue;
                }
                matched = true;
                match self.kind {
                    JoinKind::Semi | JoinKind::Anti => break,
                    JoinKind::Right | JoinKind::Full => {
                        t.matched[i] = true;
                        out.push(joined);
                    }
                    JoinKind::Inner | JoinKind::Left => out.push(joined),
                }
            }
        }
        left_row_done(self.kind, matched, left, self.widths.1, out);
        Ok(())
    }
}

impl Operator for HashJoin {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.table.is_none() {
            let t = self.build_table(ex)?;
            self.table = Some(t);
        }
        let mut t = self.table.take().expect("built above");
        let result = (|| {
            while !self.left_done {
                let Some(batch) = self.left.next_batch(ex)? else {
                    self.left_done = true;
                    break;
                };
                let mut out = Vec::with_capacity(batch.len());
                for left in batch {
                    self.probe(&mut t, left, &mut out, ex)?;
                }
                if !out.is_empty() {
                    return Ok(Some(out));
                }
            }
            if matches!(self.kind, JoinKind::Right | JoinKind::Full) && !self.tail_done {
                self.tail_done = true;
                let out: Batch = t
                    .rows
                    .iter()
                    .zip(&t.matched)
                    .filter(|(_, m)| !**m)
                    .map(|(r, _)| {
                        let mut row: Row = vec![Value::Null; self.widths.0];
                        row.extend(r.iter().cloned());
                        row
                    })
                    .collect();
                if !out.is_empty() {
                    return Ok(Some(out));
                }
            }
            Ok(None)
        })();
        self.table = Some(t);
        result
    }
}
