//! `Limit`: LIMIT / OFFSET. Both are evaluated once, before the first row (they may be
//! parameters). As in PostgreSQL, a negative LIMIT is 2201W and a negative OFFSET 2201X;
//! `LIMIT NULL` means no limit and `OFFSET NULL` means zero. Once the limit is reached
//! the input is not asked for more, so a limited query over a long scan stops early.

use rustydb_common::{DbError, ErrorCode};

use super::eval::eval;
use super::{Batch, BoxOp, Exec, Operator};
use crate::plan::expr::ScalarExpr;
use crate::types::{DataType, Value, cast};

/// LIMIT / OFFSET.
#[derive(Debug)]
pub(crate) struct LimitOp {
    input: BoxOp,
    limit: Option<ScalarExpr>,
    offset: Option<ScalarExpr>,
    /// `(rows still to skip, rows still to return)` once evaluated.
    state: Option<(u64, Option<u64>)>,
}

impl LimitOp {
    pub(crate) fn new(
        input: BoxOp,
        limit: Option<ScalarExpr>,
        offset: Option<ScalarExpr>,
    ) -> LimitOp {
        LimitOp {
            input,
            limit,
            offset,
            state: None,
        }
    }
}

/// Evaluates a LIMIT or OFFSET expression: `None` for NULL.
fn count(
    e: &ScalarExpr,
    what: &str,
    sqlstate: &'static str,
    ex: &mut Exec<'_, '_>,
) -> Result<Option<u64>, DbError> {
    let v = eval(e, &[], ex)?;
    let n = match v {
        Value::Null => return Ok(None),
        Value::Int8(n) => n,
        other => match cast::cast(&other, &DataType::Int8)? {
            Value::Int8(n) => n,
            _ => return Err(DbError::internal(format!("{what} is not an integer"))),
        },
    };
    if n < 0 {
        return Err(DbError::new(
            ErrorCode::DataException,
            format!("{what} must not be negative"),
        )
        .with_sqlstate(sqlstate));
    }
    Ok(Some(n as u64))
}

impl Operator for LimitOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.state.is_none() {
            let limit = match &self.limit {
                Some(e) => count(e, "LIMIT", "2201W", ex)?,
                None => None,
            };
            let offset = match &self.offset {
                Some(e) => count(e, "OFFSET", "2201X", ex)?.unwrap_or(0),
                None => 0,
            };
            self.state = Some((offset, limit));
        }
        let (skip, left) = self.state.as_mut().expect("set above");
        loop {
            if *left == Some(0) {
                return Ok(None);
            }
            let Some(mut batch) = self.input.next_batch(ex)? else {
                return Ok(None);
            };
            if *skip > 0 {
                let n = (*skip).min(batch.len() as u64);
                batch.drain(..n as usize);
                *skip -= n;
            }
            if let Some(l) = left {
                if batch.len() as u64 > *l {
                    batch.truncate(*l as usize);
                }
                *l -= batch.len() as u64;
            }
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
        }
    }
}
