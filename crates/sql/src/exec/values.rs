//! `Values`: literal rows (`VALUES (..), (..)`, and the single empty row a `SELECT`
//! without FROM reads). The expressions are evaluated when the rows are produced, so
//! `VALUES (nextval('s'))` calls the sequence once per row.

use rustydb_common::DbError;

use super::eval::eval_all;
use super::{BATCH_SIZE, Batch, Exec, Operator};
use crate::plan::expr::ScalarExpr;

/// Produces the literal rows.
#[derive(Debug)]
pub(crate) struct ValuesOp {
    rows: Vec<Vec<ScalarExpr>>,
    next: usize,
}

impl ValuesOp {
    pub(crate) fn new(rows: Vec<Vec<ScalarExpr>>) -> ValuesOp {
        ValuesOp { rows, next: 0 }
    }
}

impl Operator for ValuesOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.next >= self.rows.len() {
            return Ok(None);
        }
        ex.check_interrupts()?;
        let end = (self.next + BATCH_SIZE).min(self.rows.len());
        let mut out = Vec::with_capacity(end - self.next);
        for exprs in &self.rows[self.next..end] {
            out.push(eval_all(exprs, &[], ex)?);
        }
        self.next = end;
        Ok(Some(out))
    }
}
