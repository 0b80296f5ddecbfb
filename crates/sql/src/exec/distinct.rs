//! `Distinct`: DISTINCT drops rows equal to an earlier row; DISTINCT ON (keys) keeps the
//! first row of each key in input order (the plan sorts the input so that "first" means
//! what the query's ORDER BY says). Rows stream through; only the keys seen are kept, in
//! a hash set bounded by `work_mem` (ERR-SQL-011 beyond it). Equality is "not
//! distinct": NULLs are equal to each other, as DISTINCT requires.

use std::collections::HashSet;

use rustydb_common::DbError;

use super::eval::eval_all;
use super::{Batch, BoxOp, Exec, Operator, row_size, work_mem_exceeded};
use crate::plan::expr::ScalarExpr;
use crate::types::compare::GroupKey;

/// DISTINCT / DISTINCT ON.
#[derive(Debug)]
pub(crate) struct DistinctOp {
    input: BoxOp,
    on: Option<Vec<ScalarExpr>>,
    seen: HashSet<GroupKey>,
    bytes: usize,
}

impl DistinctOp {
    pub(crate) fn new(input: BoxOp, on: Option<Vec<ScalarExpr>>) -> DistinctOp {
        DistinctOp {
            input,
            on,
            seen: HashSet::new(),
            bytes: 0,
        }
    }
}

impl Operator for DistinctOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        while let Some(batch) = self.input.next_batch(ex)? {
            let mut out = Vec::new();
            for row in batch {
                let key = match &self.on {
                    Some(keys) => GroupKey(eval_all(keys, &row, ex)?),
                    None => GroupKey(row.clone()),
                };
                let size = row_size(&key.0) + 16;
                if self.seen.insert(key) {
                    self.bytes += size;
                    if self.bytes > ex.cx.work_mem {
                        return Err(work_mem_exceeded("DISTINCT", ex.cx.work_mem));
                    }
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
