//! The expression evaluator: one [`ScalarExpr`] over one input row, with SQL's
//! three-valued logic.
//!
//! NULL handling follows PostgreSQL: operators and casts are strict (a NULL operand gives
//! NULL without calling the operator); `AND` is false if any term is false, else NULL if
//! any is NULL; `OR` dually; `x IN (a, b)` means `x = a OR x = b`, so `1 NOT IN (2, NULL)`
//! is NULL; `CASE`, `COALESCE`, `AND` and `OR` evaluate lazily, so `CASE WHEN x <> 0
//! THEN 1 / x END` never divides by zero. Functions receive NULL arguments and decide
//! for themselves (the registry knows which are strict).
//!
//! Subqueries are delegated to [`super::subquery`], sequences to the catalog.

use std::cmp::Ordering;

use rustydb_common::{DbError, ErrorCode};

use super::Exec;
use crate::plan::expr::{ScalarExpr, SequenceOp};
use crate::types::ops::{self, BinaryOp};
use crate::types::{Value, cast, compare};

/// Evaluates `e` over `row`.
#[recursive::recursive]
pub(crate) fn eval(e: &ScalarExpr, row: &[Value], ex: &mut Exec<'_, '_>) -> Result<Value, DbError> {
    Ok(match e {
        ScalarExpr::Column { index, .. } => row.get(*index).cloned().ok_or_else(|| {
            DbError::internal(format!("column #{index} outside a row of {}", row.len()))
        })?,
        ScalarExpr::Outer { depth, index, .. } => outer(ex, *depth, *index)?,
        ScalarExpr::Literal(v, _) => v.clone(),
        ScalarExpr::Param { index, .. } => ex.cx.params.get(*index).cloned().ok_or_else(|| {
            DbError::new(
                ErrorCode::UndefinedObject,
                format!("there is no parameter ${}", index + 1),
            )
            .with_sqlstate("42P02")
        })?,
        ScalarExpr::Cast { expr, to } => {
            let v = eval(expr, row, ex)?;
            if v.is_null() {
                Value::Null
            } else {
                cast::cast_expr_value(&v, &expr.ty(), to)?
            }
        }
        ScalarExpr::Binary {
            op, left, right, ..
        } => {
            let l = eval(left, row, ex)?;
            if l.is_null() {
                return Ok(Value::Null);
            }
            let r = eval(right, row, ex)?;
            if r.is_null() {
                return Ok(Value::Null);
            }
            ops::eval_binary(*op, &l, &r)?
        }
        ScalarExpr::Unary { op, expr, .. } => {
            let v = eval(expr, row, ex)?;
            if v.is_null() {
                Value::Null
            } else {
                ops::eval_unary(*op, &v)?
            }
        }
        ScalarExpr::And(terms) => {
            let mut unknown = false;
            for t in terms {
                match truth(&eval(t, row, ex)?)? {
                    Some(false) => return Ok(Value::Bool(false)),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                Value::Null
            } else {
                Value::Bool(true)
            }
        }
        ScalarExpr::Or(terms) => {
            let mut unknown = false;
            for t in terms {
                match truth(&eval(t, row, ex)?)? {
                    Some(true) => return Ok(Value::Bool(true)),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown {
                Value::Null
            } else {
                Value::Bool(false)
            }
        }
        ScalarExpr::Not(inner) => match truth(&eval(inner, row, ex)?)? {
            Some(b) => Value::Bool(!b),
            None => Value::Null,
        },
        ScalarExpr::IsNull { expr, negated } => {
            Value::Bool(eval(expr, row, ex)?.is_null() != *negated)
        }
        ScalarExpr::IsDistinctFrom {
            left,
            right,
            negated,
        } => {
            let (l, r) = (eval(left, row, ex)?, eval(right, row, ex)?);
            Value::Bool(distinct(&l, &r)? != *negated)
        }
        ScalarExpr::IsBool {
            expr,
            what,
            negated,
        } => {
            let t = truth(&eval(expr, row, ex)?)?;
            Value::Bool((t == *what) != *negated)
        }
        ScalarExpr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            let probe = match operand {
                Some(o) => Some(eval(o, row, ex)?),
                None => None,
            };
            for (w, then) in whens {
                let hit = match &probe {
                    Some(p) => equals(p, &eval(w, row, ex)?)? == Some(true),
                    None => truth(&eval(w, row, ex)?)? == Some(true),
                };
                if hit {
                    return eval(then, row, ex);
                }
            }
            match otherwise {
                Some(o) => eval(o, row, ex)?,
                None => Value::Null,
            }
        }
        ScalarExpr::Coalesce(args, _) => {
            for a in args {
                let v = eval(a, row, ex)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            Value::Null
        }
        ScalarExpr::NullIf(a, b, _) => {
            let (va, vb) = (eval(a, row, ex)?, eval(b, row, ex)?);
            if equals(&va, &vb)? == Some(true) {
                Value::Null
            } else {
                va
            }
        }
        ScalarExpr::Extreme { greatest, args, .. } => {
            let mut best = Value::Null;
            for a in args {
                let v = eval(a, row, ex)?;
                if v.is_null() {
                    continue;
                }
                let better = best.is_null() || {
                    let o = compare::sort_cmp(&v, &best);
                    if *greatest {
                        o == Ordering::Greater
                    } else {
                        o == Ordering::Less
                    }
                };
                if better {
                    best = v;
                }
            }
            best
        }
        ScalarExpr::InList {
            expr,
            list,
            negated,
        } => {
            let probe = eval(expr, row, ex)?;
            let mut found = Some(false);
            if probe.is_null() {
                found = if list.is_empty() { Some(false) } else { None };
            } else {
                for item in list {
                    match equals(&probe, &eval(item, row, ex)?)? {
                        Some(true) => {
                            found = Some(true);
                            break;
                        }
                        None => found = None,
                        Some(false) => {}
                    }
                }
            }
            match found {
                Some(b) => Value::Bool(b != *negated),
                None => Value::Null,
            }
        }
        ScalarExpr::Function { func, args } => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, row, ex)?);
            }
            func.call(&vals, &ex.cx.eval)?
        }
        ScalarExpr::Subquery(s) => super::subquery::eval_subquery(s, row, ex)?,
        ScalarExpr::Sequence { op, seq, args } => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, row, ex)?);
            }
            sequence(ex, *op, seq, &vals)?
        }
    })
}

/// Evaluates a condition: only TRUE passes (NULL and FALSE do not).
pub(crate) fn eval_predicate(
    e: &ScalarExpr,
    row: &[Value],
    ex: &mut Exec<'_, '_>,
) -> Result<bool, DbError> {
    Ok(truth(&eval(e, row, ex)?)? == Some(true))
}

/// Whether every predicate holds.
pub(crate) fn all_hold(
    preds: &[ScalarExpr],
    row: &[Value],
    ex: &mut Exec<'_, '_>,
) -> Result<bool, DbError> {
    for p in preds {
        if !eval_predicate(p, row, ex)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Evaluates every expression of `exprs` over `row`.
pub(crate) fn eval_all(
    exprs: &[ScalarExpr],
    row: &[Value],
    ex: &mut Exec<'_, '_>,
) -> Result<Vec<Value>, DbError> {
    exprs.iter().map(|e| eval(e, row, ex)).collect()
}

/// A boolean value as three-valued truth.
pub(crate) fn truth(v: &Value) -> Result<Option<bool>, DbError> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::Null => Ok(None),
        other => Err(DbError::new(
            ErrorCode::DatatypeMismatch,
            format!("argument of a condition must be type boolean, not {other:?}"),
        )),
    }
}

/// `a = b` with NULL as unknown.
pub(crate) fn equals(a: &Value, b: &Value) -> Result<Option<bool>, DbError> {
    if a.is_null() || b.is_null() {
        return Ok(None);
    }
    truth(&ops::eval_binary(BinaryOp::Eq, a, b)?)
}

/// `a IS DISTINCT FROM b`: NULLs are equal to each other and distinct from values.
pub(crate) fn distinct(a: &Value, b: &Value) -> Result<bool, DbError> {
    Ok(match (a.is_null(), b.is_null()) {
        (true, true) => false,
        (true, false) | (false, true) => true,
        (false, false) => equals(a, b)? != Some(true),
    })
}

fn outer(ex: &Exec<'_, '_>, depth: usize, index: usize) -> Result<Value, DbError> {
    let stack = &ex.rt.outer;
    depth
        .checked_sub(1)
        .and_then(|d| stack.len().checked_sub(1 + d))
        .and_then(|i| stack[i].get(index))
        .cloned()
        .ok_or_else(|| {
            DbError::internal(format!(
                "outer reference depth {depth} column #{index} with {} enclosing rows",
                stack.len()
            ))
        })
}

/// `nextval` / `currval` / `setval`.
fn sequence(
    ex: &mut Exec<'_, '_>,
    op: SequenceOp,
    seq: &crate::catalog::SequenceDef,
    args: &[Value],
) -> Result<Value, DbError> {
    Ok(match op {
        SequenceOp::NextVal => {
            let v = ex.cx.catalog.nextval(seq)?;
            ex.cx.session.record(seq.oid, v);
            Value::Int8(v)
        }
        SequenceOp::CurrVal => match ex.cx.session.currval(seq.oid) {
            Some(v) => Value::Int8(v),
            None => return Err(crate::catalog::sequence::currval_undefined(&seq.name)),
        },
        SequenceOp::SetVal => {
            let value = match args.first() {
                Some(Value::Null) | None => return Ok(Value::Null),
                Some(v) => match cast::cast(v, &crate::types::DataType::Int8)? {
                    Value::Int8(i) => i,
                    _ => return Err(DbError::internal("setval value is not bigint")),
                },
            };
            let is_called = match args.get(1) {
                Some(Value::Bool(b)) => *b,
                Some(Value::Null) => return Ok(Value::Null),
                _ => true,
            };
            ex.cx.catalog.setval(seq, value, is_called)?;
            if is_called {
                ex.cx.session.record(seq.oid, value);
            }
            Value::Int8(value)
        }
    })
}
