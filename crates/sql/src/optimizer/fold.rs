//! Constant folding: operators, casts and boolean connectives over constants become
//! constants, and filters known to be true vanish (known false or NULL: no rows, unless
//! the input holds a data-modifying WITH query, which must run all the same).
//!
//! An expression whose evaluation fails (`1/0`) is left alone so that the error surfaces
//! when, and only if, the statement actually evaluates it, as in PostgreSQL where
//! `SELECT 1/0 FROM t` on an empty table is not an error.

use rustydb_common::DbError;

use super::{OptContext, Rule, map_children};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::{Value, cast, ops};

/// The rule.
#[derive(Debug)]
pub struct FoldConstants;

impl Rule for FoldConstants {
    fn name(&self) -> &'static str {
        "fold constants"
    }

    fn apply(&self, plan: LogicalPlan, _ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        fold_plan(plan)
    }
}

fn fold_plan(plan: LogicalPlan) -> Result<LogicalPlan, DbError> {
    let plan = map_children(plan, &mut fold_plan)?;
    Ok(match plan {
        LogicalPlan::Filter { input, predicate } => {
            let predicate = fold(predicate);
            match &predicate {
                ScalarExpr::Literal(Value::Bool(true), _) => *input,
                ScalarExpr::Literal(Value::Bool(false) | Value::Null, _)
                    if !holds_modifying_cte(&input) =>
                {
                    LogicalPlan::Values {
                        rows: Vec::new(),
                        schema: input.schema(),
                    }
                }
                _ => LogicalPlan::Filter { input, predicate },
            }
        }
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => LogicalPlan::Project {
            input,
            exprs: exprs.into_iter().map(fold).collect(),
            schema,
        },
        LogicalPlan::Scan {
            table,
            alias,
            filter,
            access,
            with_tid,
            schema,
        } => {
            let filter: Vec<ScalarExpr> = filter
                .into_iter()
                .map(fold)
                .filter(|e| !matches!(e, ScalarExpr::Literal(Value::Bool(true), _)))
                .collect();
            LogicalPlan::Scan {
                table,
                alias,
                filter,
                access,
                with_tid,
                schema,
            }
        }
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            strategy,
        } => {
            let on = on
                .map(fold)
                .filter(|e| !matches!(e, ScalarExpr::Literal(Value::Bool(true), _)));
            LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                strategy,
            }
        }
        // LIMIT 5 is bound as `5::int8`: folded, top-N sees the constant it needs.
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => LogicalPlan::Limit {
            input,
            limit: limit.map(fold),
            offset: offset.map(fold),
        },
        other => other,
    })
}

fn lit(e: &ScalarExpr) -> Option<&Value> {
    match e {
        ScalarExpr::Literal(v, _) => Some(v),
        _ => None,
    }
}

/// Whether `plan` reads a data-modifying WITH query (`WITH d AS (DELETE ..)`).
fn holds_modifying_cte(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::CteScan { plan, .. } => {
            matches!(
                **plan,
                LogicalPlan::Insert { .. }
                    | LogicalPlan::Update { .. }
                    | LogicalPlan::Delete { .. }
            ) || holds_modifying_cte(plan)
        }
        other => other.inputs().into_iter().any(holds_modifying_cte),
    }
}

/// Folds one expression, bottom up.
#[recursive::recursive]
pub fn fold(mut e: ScalarExpr) -> ScalarExpr {
    e.for_each_child_mut(&mut |c| {
        let taken = std::mem::replace(c, ScalarExpr::bool_lit(true));
        *c = fold(taken);
    });
    match e {
        ScalarExpr::Binary {
            op,
            left,
            right,
            ty,
        } => match (lit(&left), lit(&right)) {
            (Some(a), Some(b)) => match ops::eval_binary(op, a, b) {
                Ok(v) => ScalarExpr::Literal(v, ty),
                Err(_) => ScalarExpr::Binary {
                    op,
                    left,
                    right,
                    ty,
                },
            },
            _ => ScalarExpr::Binary {
                op,
                left,
                right,
                ty,
            },
        },
        ScalarExpr::Cast { expr, to } => match lit(&expr) {
            Some(v) => match cast::cast_expr_value(v, &expr.ty(), &to) {
                Ok(v) => ScalarExpr::Literal(v, to),
                Err(_) => ScalarExpr::Cast { expr, to },
            },
            None => ScalarExpr::Cast { expr, to },
        },
        ScalarExpr::Not(inner) => match lit(&inner) {
            Some(Value::Bool(b)) => ScalarExpr::bool_lit(!b),
            Some(Value::Null) => ScalarExpr::null(crate::types::DataType::Bool),
            _ => ScalarExpr::Not(inner),
        },
        ScalarExpr::IsNull { expr, negated } => match lit(&expr) {
            Some(v) => ScalarExpr::bool_lit(v.is_null() != negated),
            None => ScalarExpr::IsNull { expr, negated },
        },
        ScalarExpr::And(terms) => fold_connective(terms, false),
        ScalarExpr::Or(terms) => fold_connective(terms, true),
        other => other,
    }
}

/// AND (`or = false`) / OR (`or = true`) with three-valued logic: the dominant constant
/// (FALSE for AND, TRUE for OR) decides, the neutral one disappears, NULL stays (it can
/// still be decided by another term).
fn fold_connective(terms: Vec<ScalarExpr>, or: bool) -> ScalarExpr {
    let mut kept = Vec::with_capacity(terms.len());
    for t in terms {
        match lit(&t) {
            Some(Value::Bool(b)) if *b == or => return ScalarExpr::bool_lit(or),
            Some(Value::Bool(_)) => {}
            _ => match t {
                ScalarExpr::And(inner) if !or => kept.extend(inner),
                ScalarExpr::Or(inner) if or => kept.extend(inner),
                other => kept.push(other),
            },
        }
    }
    match kept.len() {
        0 => ScalarExpr::bool_lit(!or),
        1 => kept.pop().expect("one term"),
        _ if or => ScalarExpr::Or(kept),
        _ => ScalarExpr::And(kept),
    }
}
