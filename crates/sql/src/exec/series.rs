//! `Series`: `generate_series(start, stop [, step])` in FROM, produced lazily a batch
//! at a time, so `generate_series(1, 1e9)` under a LIMIT or a cancel costs what is read.

use rustydb_common::{DbError, ErrorCode};

use super::eval::eval;
use super::{BATCH_SIZE, Batch, Exec, Operator};
use crate::plan::expr::ScalarExpr;
use crate::types::Value;
use crate::types::compare::sort_cmp;
use crate::types::ops::{BinaryOp, eval_binary as binary};

/// Produces the series.
#[derive(Debug)]
pub(crate) struct SeriesOp {
    exprs: [ScalarExpr; 3],
    /// `(next value, stop, step, ascending)` once the bounds are evaluated.
    state: Option<(Value, Value, Value, bool)>,
    done: bool,
}

impl SeriesOp {
    pub(crate) fn new(exprs: [ScalarExpr; 3]) -> SeriesOp {
        SeriesOp {
            exprs,
            state: None,
            done: false,
        }
    }

    fn start(&mut self, ex: &mut Exec<'_, '_>) -> Result<(), DbError> {
        let [start, stop, step] = &self.exprs;
        let (start, stop, step) = (
            eval(start, &[], ex)?,
            eval(stop, &[], ex)?,
            eval(step, &[], ex)?,
        );
        if start.is_null() || stop.is_null() || step.is_null() {
            self.done = true;
            return Ok(());
        }
        let zero = binary(BinaryOp::Minus, &step, &step)?;
        let ascending = match sort_cmp(&step, &zero) {
            std::cmp::Ordering::Equal => {
                return Err(DbError::new(
                    ErrorCode::InvalidParameter,
                    "step size cannot equal zero",
                )
                .with_sqlstate("22023"));
            }
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
        };
        self.state = Some((start, stop, step, ascending));
        Ok(())
    }
}

impl Operator for SeriesOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.done {
            return Ok(None);
        }
        if self.state.is_none() {
            self.start(ex)?;
            if self.done {
                return Ok(None);
            }
        }
        ex.check_interrupts()?;
        let Some((next, stop, step, ascending)) = self.state.as_mut() else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(BATCH_SIZE);
        while out.len() < BATCH_SIZE {
            let past = match sort_cmp(next, stop) {
                std::cmp::Ordering::Greater => *ascending,
                std::cmp::Ordering::Less => !*ascending,
                std::cmp::Ordering::Equal => false,
            };
            if past {
                self.done = true;
                break;
            }
            out.push(vec![next.clone()]);
            match binary(BinaryOp::Plus, next, step) {
                Ok(v) => *next = v,
                // Stepping past the type's range ends the series, as in PostgreSQL.
                Err(e) if e.sqlstate() == "22003" || e.sqlstate() == "22008" => {
                    self.done = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }
}
