//! Walking every expression of a bound plan, subquery plans included: used to give
//! parameters their inferred types once the whole statement is bound.

use std::sync::Arc;

use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinStrategy, LogicalPlan, OnConflict, ScanAccess};

/// Calls `f` on every expression of `plan` (each node's own expressions and, inside
/// them, subquery plans), parents before children.
pub(crate) fn exprs_mut(plan: &mut LogicalPlan, f: &mut dyn FnMut(&mut ScalarExpr)) {
    let mut each = |e: &mut ScalarExpr| expr_mut(e, f);
    node_exprs_mut(plan, &mut each);
    match plan {
        LogicalPlan::CteScan { plan: p, .. } => exprs_mut(Arc::make_mut(p), f),
        _ => for_each_input_mut(plan, &mut |c| exprs_mut(c, f)),
    }
}

fn expr_mut(e: &mut ScalarExpr, f: &mut dyn FnMut(&mut ScalarExpr)) {
    f(e);
    if let ScalarExpr::Subquery(s) = e {
        exprs_mut(Arc::make_mut(&mut s.plan), f);
    }
    e.for_each_child_mut(&mut |c| expr_mut(c, f));
}

/// The node's own expressions (not its inputs').
fn node_exprs_mut(plan: &mut LogicalPlan, f: &mut dyn FnMut(&mut ScalarExpr)) {
    match plan {
        LogicalPlan::Scan { filter, access, .. } => {
            filter.iter_mut().for_each(&mut *f);
            if let ScanAccess::Index {
                eq, lower, upper, ..
            } = access
            {
                eq.iter_mut().for_each(&mut *f);
                lower.iter_mut().for_each(|(e, _)| f(e));
                upper.iter_mut().for_each(|(e, _)| f(e));
            }
        }
        LogicalPlan::Values { rows, .. } => rows.iter_mut().flatten().for_each(f),
        LogicalPlan::Series {
            start, stop, step, ..
        } => {
            f(start);
            f(stop);
            f(step);
        }
        LogicalPlan::Unnest { array, .. } => f(array),
        LogicalPlan::Filter { predicate, .. } => f(predicate),
        LogicalPlan::Project { exprs, .. } => exprs.iter_mut().for_each(f),
        LogicalPlan::Join { on, strategy, .. } => {
            on.iter_mut().for_each(&mut *f);
            if let JoinStrategy::Hash {
                left_keys,
                right_keys,
            }
            | JoinStrategy::Merge {
                left_keys,
                right_keys,
            } = strategy
            {
                left_keys
                    .iter_mut()
                    .chain(right_keys.iter_mut())
                    .for_each(f);
            }
        }
        LogicalPlan::Aggregate {
            group_by,
            aggregates,
            ..
        } => {
            group_by.iter_mut().for_each(&mut *f);
            for a in aggregates {
                a.args.iter_mut().for_each(&mut *f);
                a.filter.iter_mut().for_each(&mut *f);
                a.order_by.iter_mut().for_each(|k| f(&mut k.expr));
            }
        }
        LogicalPlan::Window { calls, .. } => {
            for c in calls {
                c.args
                    .iter_mut()
                    .chain(c.partition_by.iter_mut())
                    .for_each(&mut *f);
                c.order_by.iter_mut().for_each(|k| f(&mut k.expr));
            }
        }
        LogicalPlan::Sort { keys, .. } => keys.iter_mut().for_each(|k| f(&mut k.expr)),
        LogicalPlan::Limit { limit, offset, .. } => {
            limit.iter_mut().chain(offset.iter_mut()).for_each(f)
        }
        LogicalPlan::Distinct { on, .. } => on.iter_mut().flatten().for_each(f),
        LogicalPlan::Insert {
            on_conflict,
            returning,
            ..
        } => {
            if let Some(OnConflict::DoUpdate {
                assignments,
                predicate,
                ..
            }) = on_conflict
            {
                assignments.iter_mut().for_each(|(_, e)| f(e));
                predicate.iter_mut().for_each(&mut *f);
            }
            returning.iter_mut().for_each(f);
        }
        LogicalPlan::Update {
            assignments,
            recheck,
            returning,
            ..
        } => {
            assignments.iter_mut().for_each(|(_, e)| f(e));
            recheck.iter_mut().chain(returning.iter_mut()).for_each(f);
        }
        LogicalPlan::Delete {
            recheck, returning, ..
        } => recheck.iter_mut().chain(returning.iter_mut()).for_each(f),
        LogicalPlan::SetOp { .. }
        | LogicalPlan::RecursiveCte { .. }
        | LogicalPlan::WorkTable { .. }
        | LogicalPlan::CteScan { .. }
        | LogicalPlan::LockRows { .. } => {}
    }
}

/// Calls `f` on each direct input, mutably.
fn for_each_input_mut(plan: &mut LogicalPlan, f: &mut dyn FnMut(&mut LogicalPlan)) {
    match plan {
        LogicalPlan::Scan { .. }
        | LogicalPlan::Series { .. }
        | LogicalPlan::Unnest { .. }
        | LogicalPlan::Values { .. }
        | LogicalPlan::WorkTable { .. }
        | LogicalPlan::CteScan { .. } => {}
        LogicalPlan::Filter { input, .. }
        | LogicalPlan::Project { input, .. }
        | LogicalPlan::Aggregate { input, .. }
        | LogicalPlan::Window { input, .. }
        | LogicalPlan::Sort { input, .. }
        | LogicalPlan::Limit { input, .. }
        | LogicalPlan::Distinct { input, .. }
        | LogicalPlan::LockRows { input, .. }
        | LogicalPlan::Update { input, .. }
        | LogicalPlan::Delete { input, .. } => f(input),
        LogicalPlan::Insert { source, .. } => f(source),
        LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
            f(left);
            f(right);
        }
        LogicalPlan::RecursiveCte {
            anchor, recursive, ..
        } => {
            f(anchor);
            f(recursive);
        }
    }
}
