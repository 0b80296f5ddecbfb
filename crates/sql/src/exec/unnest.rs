//! `Unnest`: `unnest(array)` in FROM. The array is evaluated once when the scan starts
//! (with the enclosing row, when it is correlated) and its elements are handed out a
//! batch at a time, numbered from 1 when the plan asks for ordinality.

use rustydb_common::DbError;

use super::eval::eval;
use super::{BATCH_SIZE, Batch, Exec, Operator};
use crate::plan::expr::ScalarExpr;
use crate::types::Value;

/// Produces the elements.
#[derive(Debug)]
pub(crate) struct UnnestOp {
    array: ScalarExpr,
    ordinality: bool,
    /// The elements not handed out yet, and the position of the first of them.
    rest: Option<(std::vec::IntoIter<Value>, i64)>,
}

impl UnnestOp {
    pub(crate) fn new(array: ScalarExpr, ordinality: bool) -> UnnestOp {
        UnnestOp {
            array,
            ordinality,
            rest: None,
        }
    }
}

impl Operator for UnnestOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.rest.is_none() {
            let elems = match eval(&self.array, &[], ex)? {
                Value::Array(elems) => *elems,
                Value::Null => Vec::new(),
                other => {
                    return Err(DbError::internal(format!(
                        "unnest over a non-array value {other:?}"
                    )));
                }
            };
            self.rest = Some((elems.into_iter(), 1));
        }
        ex.check_interrupts()?;
        let Some((elems, pos)) = self.rest.as_mut() else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(BATCH_SIZE.min(elems.len()));
        for v in elems.by_ref().take(BATCH_SIZE) {
            out.push(if self.ordinality {
                vec![v, Value::Int8(*pos)]
            } else {
                vec![v]
            });
            *pos += 1;
        }
        Ok((!out.is_empty()).then_some(out))
    }
}
