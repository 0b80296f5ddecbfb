//! Subqueries inside expressions: scalar `(SELECT ..)`, `EXISTS`, `IN` and `op ANY/ALL`.
//!
//! A correlated subquery is rebuilt from its plan and run for every outer row, with that
//! row pushed on the runtime's outer-row stack (PostgreSQL's SubPlan). An uncorrelated
//! one runs once per statement and its result is kept in the runtime by the address of
//! its plan (PostgreSQL's InitPlan): the plan is shared by `Arc` and immutable for the
//! statement, so the address identifies it. Only what the use needs is computed: EXISTS
//! stops at the first row, a scalar subquery at the second (which is an error).
//!
//! `IN` and `ANY`/`ALL` follow SQL's NULL rules: `x IN (..)` is true if some row equals
//! `x`, else NULL if `x` or some row is NULL, else false; `ANY` combines the comparisons
//! with OR, `ALL` with AND; over no rows `ANY` is false and `ALL` true.

use std::collections::HashSet;
use std::sync::Arc;

use rustydb_common::{DbError, ErrorCode};

use super::eval::{eval, truth};
use super::{BoxOp, Exec, Row, build, tree_id};
use crate::plan::expr::{Subquery, SubqueryKind};
use crate::plan::logical::LogicalPlan;
use crate::types::Value;
use crate::types::compare::GroupKey;
use crate::types::ops::{self, BinaryOp};

/// A cached uncorrelated subquery result.
#[derive(Debug)]
pub(crate) enum Cached {
    /// Scalar: the value (NULL if no row).
    Scalar(Value),
    /// EXISTS: whether there was a row.
    Exists(bool),
    /// IN / ANY / ALL: the first column of every row, with a hash set for IN.
    Values {
        values: Vec<Value>,
        set: HashSet<GroupKey>,
        has_null: bool,
    },
}

/// Evaluates subquery `s` for the current `row`.
pub(crate) fn eval_subquery(
    s: &Subquery,
    row: &[Value],
    ex: &mut Exec<'_, '_>,
) -> Result<Value, DbError> {
    let probe = match &s.kind {
        SubqueryKind::In { expr, .. } | SubqueryKind::Quantified { expr, .. } => {
            Some(eval(expr, row, ex)?)
        }
        _ => None,
    };
    let cached = if s.correlated {
        let outer = row.to_vec();
        Arc::new(ex.with_outer(outer, |ex| compute(&s.plan, &s.kind, ex))?)
    } else {
        let key = Arc::as_ptr(&s.plan) as usize;
        match ex.rt.subqueries.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(compute(&s.plan, &s.kind, ex)?);
                ex.rt.subqueries.insert(key, c.clone());
                c
            }
        }
    };
    combine(&s.kind, probe, &cached)
}

/// Runs the subquery as far as `kind` needs.
fn compute(
    plan: &Arc<LogicalPlan>,
    kind: &SubqueryKind,
    ex: &mut Exec<'_, '_>,
) -> Result<Cached, DbError> {
    let mut op: BoxOp = build(plan, tree_id(plan), 0, ex.rt.stats.is_some())?;
    Ok(match kind {
        SubqueryKind::Exists { .. } => {
            let mut found = false;
            while let Some(b) = op.next_batch(ex)? {
                if !b.is_empty() {
                    found = true;
                    break;
                }
            }
            Cached::Exists(found)
        }
        SubqueryKind::Scalar => {
            let mut first: Option<Row> = None;
            while let Some(b) = op.next_batch(ex)? {
                for r in b {
                    if first.is_some() {
                        return Err(DbError::new(
                            ErrorCode::CardinalityViolation,
                            "more than one row returned by a subquery used as an expression",
                        ));
                    }
                    first = Some(r);
                }
            }
            Cached::Scalar(
                first
                    .and_then(|r| r.into_iter().next())
                    .unwrap_or(Value::Null),
            )
        }
        SubqueryKind::Array => {
            let mut values = Vec::new();
            while let Some(b) = op.next_batch(ex)? {
                values.extend(
                    b.into_iter()
                        .map(|r| r.into_iter().next().unwrap_or(Value::Null)),
                );
            }
            Cached::Scalar(Value::Array(Box::new(values)))
        }
        SubqueryKind::In { .. } | SubqueryKind::Quantified { .. } => {
            let mut values = Vec::new();
            while let Some(b) = op.next_batch(ex)? {
                values.extend(
                    b.into_iter()
                        .map(|r| r.into_iter().next().unwrap_or(Value::Null)),
                );
            }
            let has_null = values.iter().any(Value::is_null);
            let set = if matches!(kind, SubqueryKind::In { .. }) {
                values
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(|v| GroupKey(vec![v.clone()]))
                    .collect()
            } else {
                HashSet::new()
            };
            Cached::Values {
                values,
                set,
                has_null,
            }
        }
    })
}

fn combine(kind: &SubqueryKind, probe: Option<Value>, cached: &Cached) -> Result<Value, DbError> {
    Ok(match (kind, cached) {
        (SubqueryKind::Scalar | SubqueryKind::Array, Cached::Scalar(v)) => v.clone(),
        (SubqueryKind::Exists { negated }, Cached::Exists(b)) => Value::Bool(*b != *negated),
        (
            SubqueryKind::In { negated, .. },
            Cached::Values {
                values,
                set,
                has_null,
            },
        ) => {
            let probe = probe.unwrap_or(Value::Null);
            let found = if values.is_empty() {
                Some(false)
            } else if probe.is_null() {
                None
            } else if set.contains(&GroupKey(vec![probe])) {
                Some(true)
            } else if *has_null {
                None
            } else {
                Some(false)
            };
            three_valued(found.map(|b| b != *negated))
        }
        (SubqueryKind::Quantified { op, all, .. }, Cached::Values { values, .. }) => three_valued(
            quantified(*op, *all, &probe.unwrap_or(Value::Null), values)?,
        ),
        _ => return Err(DbError::internal("subquery result does not match its use")),
    })
}

/// `probe op ANY (values)` / `probe op ALL (values)`.
fn quantified(
    op: BinaryOp,
    all: bool,
    probe: &Value,
    values: &[Value],
) -> Result<Option<bool>, DbError> {
    let mut unknown = false;
    for v in values {
        let t = if probe.is_null() || v.is_null() {
            None
        } else {
            truth(&ops::eval_binary(op, probe, v)?)?
        };
        match t {
            // ANY is decided by a true comparison, ALL by a false one.
            Some(b) if b != all => return Ok(Some(b)),
            None => unknown = true,
            Some(_) => {}
        }
    }
    Ok(if unknown { None } else { Some(all) })
}

fn three_valued(t: Option<bool>) -> Value {
    t.map_or(Value::Null, Value::Bool)
}
