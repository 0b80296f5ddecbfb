//! `Project`: computes the output expressions over each input row.

use rustydb_common::DbError;

use super::eval::eval_all;
use super::{Batch, BoxOp, Exec, Operator};
use crate::plan::expr::ScalarExpr;

/// Evaluates `exprs` over every input row.
#[derive(Debug)]
pub(crate) struct ProjectOp {
    input: BoxOp,
    exprs: Vec<ScalarExpr>,
}

impl ProjectOp {
    pub(crate) fn new(input: BoxOp, exprs: Vec<ScalarExpr>) -> ProjectOp {
        ProjectOp { input, exprs }
    }
}

impl Operator for ProjectOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        let Some(batch) = self.input.next_batch(ex)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(batch.len());
        for row in &batch {
            out.push(eval_all(&self.exprs, row, ex)?);
        }
        Ok(Some(out))
    }
}
