//! Predicate pushdown: every conjunct of every filter moves as far down the plan as it
//! can while meaning the same, ending inside scans where possible.
//!
//! What may move where:
//! * through a projection, by substituting the projected expressions for the columns;
//! * into either side of an INNER join when it reads only that side, and into the join
//!   condition when it reads both (this turns `FROM a, b WHERE a.x = b.y` into a join);
//! * for LEFT joins, WHERE conditions on the left side only go left, and join conditions
//!   on the right side only go right; the mirror for RIGHT joins; nothing moves across a
//!   FULL join, since either side's rows may be NULL-extended;
//! * through an aggregate when it reads only group keys; through sort, plain DISTINCT and
//!   row locking; into both sides of a set operation.
//!
//! Conditions containing a correlated subquery or a volatile function stay where the
//! query put them: the subquery's references to "the current row" are positions in that
//! row, and a volatile function must run exactly as often as written.

use rustydb_common::DbError;

use super::{OptContext, Rule};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinKind, LogicalPlan};

/// The rule.
#[derive(Debug)]
pub struct PushDownPredicates;

impl Rule for PushDownPredicates {
    fn name(&self) -> &'static str {
        "push down predicates"
    }

    fn apply(&self, plan: LogicalPlan, _ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        Ok(push(plan, Vec::new()))
    }
}

/// Whether a predicate may be evaluated somewhere other than where it was written.
fn movable(e: &ScalarExpr) -> bool {
    !e.any(&|x| match x {
        ScalarExpr::Subquery(s) => s.correlated,
        ScalarExpr::Function { func, .. } => {
            func.volatility == crate::functions::Volatility::Volatile
        }
        ScalarExpr::Sequence { .. } => true,
        _ => false,
    })
}

fn columns(e: &ScalarExpr) -> Vec<usize> {
    let mut v = Vec::new();
    e.columns_used(&mut v);
    v
}

fn wrap(plan: LogicalPlan, preds: Vec<ScalarExpr>) -> LogicalPlan {
    if preds.is_empty() {
        plan
    } else {
        LogicalPlan::Filter {
            input: Box::new(plan),
            predicate: ScalarExpr::and_all(preds),
        }
    }
}

/// Replaces each column reference `#i` with `exprs[i]`.
fn substitute(e: &ScalarExpr, exprs: &[ScalarExpr]) -> ScalarExpr {
    match e {
        ScalarExpr::Column { index, .. } => exprs[*index].clone(),
        other => {
            let mut c = other.clone();
            c.for_each_child_mut(&mut |child| *child = substitute(child, exprs));
            c
        }
    }
}

fn push(plan: LogicalPlan, preds: Vec<ScalarExpr>) -> LogicalPlan {
    match plan {
        LogicalPlan::Filter { input, predicate } => {
            let mut all = preds;
            all.extend(predicate.conjuncts());
            push(*input, all)
        }
        LogicalPlan::Scan {
            table,
            alias,
            mut filter,
            access,
            with_tid,
            schema,
        } => {
            let (mov, stay): (Vec<_>, Vec<_>) = preds.into_iter().partition(movable);
            filter.extend(mov);
            wrap(
                LogicalPlan::Scan {
                    table,
                    alias,
                    filter,
                    access,
                    with_tid,
                    schema,
                },
                stay,
            )
        }
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => {
            let substitutable = |i: usize| movable(&exprs[i]);
            let (mut down, mut stay) = (Vec::new(), Vec::new());
            for p in preds {
                if movable(&p) && columns(&p).into_iter().all(substitutable) {
                    down.push(substitute(&p, &exprs));
                } else {
                    stay.push(p);
                }
            }
            let input = push(*input, down);
            wrap(
                LogicalPlan::Project {
                    input: Box::new(input),
                    exprs,
                    schema,
                },
                stay,
            )
        }
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            strategy,
        } => push_join(*left, *right, kind, on, strategy, preds),
        LogicalPlan::Aggregate {
            input,
            group_by,
            aggregates,
            strategy,
            schema,
        } => {
            let ngroups = group_by.len();
            let (mut down, mut stay) = (Vec::new(), Vec::new());
            for p in preds {
                let cols = columns(&p);
                if movable(&p) && cols.iter().all(|&c| c < ngroups && movable(&group_by[c])) {
                    down.push(substitute(&p, &group_by));
                } else {
                    stay.push(p);
                }
            }
            let input = push(*input, down);
            wrap(
                LogicalPlan::Aggregate {
                    input: Box::new(input),
                    group_by,
                    aggregates,
                    strategy,
                    schema,
                },
                stay,
            )
        }
        LogicalPlan::Sort { input, keys, limit } => {
            let (mov, stay): (Vec<_>, Vec<_>) = preds.into_iter().partition(movable);
            wrap(
                LogicalPlan::Sort {
                    input: Box::new(push(*input, mov)),
                    keys,
                    limit,
                },
                stay,
            )
        }
        LogicalPlan::Distinct { input, on: None } => {
            let (mov, stay): (Vec<_>, Vec<_>) = preds.into_iter().partition(movable);
            wrap(
                LogicalPlan::Distinct {
                    input: Box::new(push(*input, mov)),
                    on: None,
                },
                stay,
            )
        }
        LogicalPlan::SetOp {
            kind,
            all,
            left,
            right,
            schema,
        } => {
            let (mov, stay): (Vec<_>, Vec<_>) = preds.into_iter().partition(movable);
            let left = push(*left, mov.clone());
            let right = push(*right, mov);
            wrap(
                LogicalPlan::SetOp {
                    kind,
                    all,
                    left: Box::new(left),
                    right: Box::new(right),
                    schema,
                },
                stay,
            )
        }
        mut other => {
            for child in other.inputs_mut() {
                let c = std::mem::replace(&mut **child, LogicalPlan::empty());
                **child = push(c, Vec::new());
            }
            wrap(other, preds)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    Both,
}

fn side(e: &ScalarExpr, left_width: usize) -> Side {
    let cols = columns(e);
    if cols.iter().all(|&c| c < left_width) {
        Side::Left
    } else if cols.iter().all(|&c| c >= left_width) {
        Side::Right
    } else {
        Side::Both
    }
}

fn shift_left(mut e: ScalarExpr, by: usize) -> ScalarExpr {
    e.remap_columns(&|c| c - by);
    e
}

fn push_join(
    left: LogicalPlan,
    right: LogicalPlan,
    kind: JoinKind,
    on: Option<ScalarExpr>,
    strategy: crate::plan::logical::JoinStrategy,
    preds: Vec<ScalarExpr>,
) -> LogicalPlan {
    let lw = left.width();
    let (mut to_left, mut to_right, mut join, mut stay) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let on_terms = on.map(ScalarExpr::conjuncts).unwrap_or_default();
    match kind {
        JoinKind::Inner => {
            for p in preds.into_iter().chain(on_terms) {
                if !movable(&p) {
                    join.push(p);
                    continue;
                }
                match side(&p, lw) {
                    Side::Left if !columns(&p).is_empty() => to_left.push(p),
                    Side::Right => to_right.push(shift_left(p, lw)),
                    _ => join.push(p),
                }
            }
        }
        JoinKind::Left | JoinKind::Right => {
            let (kept, pushed) = if kind == JoinKind::Left {
                (Side::Left, Side::Right)
            } else {
                (Side::Right, Side::Left)
            };
            for p in preds {
                if movable(&p) && side(&p, lw) == kept && !columns(&p).is_empty() {
                    if kept == Side::Left {
                        to_left.push(p)
                    } else {
                        to_right.push(shift_left(p, lw))
                    }
                } else {
                    stay.push(p);
                }
            }
            for p in on_terms {
                if movable(&p) && side(&p, lw) == pushed && !columns(&p).is_empty() {
                    if pushed == Side::Right {
                        to_right.push(shift_left(p, lw))
                    } else {
                        to_left.push(p)
                    }
                } else {
                    join.push(p);
                }
            }
        }
        JoinKind::Full => {
            stay = preds;
            join = on_terms;
        }
        JoinKind::Semi | JoinKind::Anti => {
            for p in preds {
                if movable(&p) {
                    to_left.push(p)
                } else {
                    stay.push(p)
                }
            }
            for p in on_terms {
                if !movable(&p) || columns(&p).is_empty() {
                    join.push(p);
                    continue;
                }
                match side(&p, lw) {
                    Side::Right => to_right.push(shift_left(p, lw)),
                    Side::Left if kind == JoinKind::Semi => to_left.push(p),
                    _ => join.push(p),
                }
            }
        }
    }
    let left = push(left, to_left);
    let right = push(right, to_right);
    let on = if join.is_empty() {
        None
    } else {
        Some(ScalarExpr::and_all(join))
    };
    wrap(
        LogicalPlan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            on,
            strategy,
        },
        stay,
    )
}
