//! `Filter`: keeps the rows a predicate is true for (NULL counts as false, as in WHERE).

use rustydb_common::DbError;

use super::eval::eval_predicate;
use super::{Batch, BoxOp, Exec, Operator};
use crate::plan::expr::ScalarExpr;

/// Keeps the rows `predicate` holds for.
#[derive(Debug)]
pub(crate) struct FilterOp {
    input: BoxOp,
    predicate: ScalarExpr,
}

impl FilterOp {
    pub(crate) fn new(input: BoxOp, predicate: ScalarExpr) -> FilterOp {
        FilterOp { input, predicate }
    }
}

impl Operator for FilterOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        // Skip batches the predicate empties, so callers do not see empty batches from a
        // selective filter over a long input.
        while let Some(batch) = self.input.next_batch(ex)? {
            let mut out = Vec::with_capacity(batch.len());
            for row in batch {
                if eval_predicate(&self.predicate, &row, ex)? {
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
