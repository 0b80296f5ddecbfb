//! Join algorithms: a join with equality conditions between its two sides becomes a hash
//! join on those keys (the other conditions stay as a residual checked on each match);
//! everything else stays a nested loop. For inner joins the smaller estimated side is the
//! build side (the right input), swapping the inputs under a projection that restores the
//! column order when needed. When both sides already come out of forward index scans
//! ordered on a single join key, the join is a merge join instead.

use rustydb_common::DbError;

use super::index::visible_pos;
use super::join_order::estimate;
use super::{OptContext, Rule, map_children};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinKind, JoinStrategy, LogicalPlan, ScanAccess};
use crate::types::cast::common_type;
use crate::types::ops::BinaryOp;

/// The rule.
#[derive(Debug)]
pub struct ChooseJoinStrategy;

impl Rule for ChooseJoinStrategy {
    fn name(&self) -> &'static str {
        "choose join strategy"
    }

    fn apply(&self, plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        strategy(plan, ctx)
    }
}

fn side_only(e: &ScalarExpr, lo: usize, hi: usize) -> bool {
    let mut cols = Vec::new();
    e.columns_used(&mut cols);
    !cols.is_empty()
        && cols.iter().all(|&c| c >= lo && c < hi)
        && !e.any(&|x| matches!(x, ScalarExpr::Subquery(_)))
}

fn unify(l: ScalarExpr, r: ScalarExpr) -> Option<(ScalarExpr, ScalarExpr)> {
    let (lt, rt) = (l.ty(), r.ty());
    if lt == rt {
        return Some((l, r));
    }
    let t = common_type(&lt, &rt)?;
    let wrap = |e: ScalarExpr, et| {
        if et == t {
            e
        } else {
            ScalarExpr::Cast {
                expr: Box::new(e),
                to: t.clone(),
            }
        }
    };
    Some((wrap(l, lt), wrap(r, rt)))
}

/// Whether `plan` produces its rows in ascending order of `key` (NULLs last, as index
/// keys are encoded): a forward index scan with no equality prefix whose first index
/// column is `key`.
fn ordered_on(plan: &LogicalPlan, key: &ScalarExpr) -> bool {
    let (
        LogicalPlan::Scan {
            table,
            access:
                ScanAccess::Index {
                    index,
                    eq,
                    reverse: false,
                    ..
                },
            ..
        },
        ScalarExpr::Column { index: col, .. },
    ) = (plan, key)
    else {
        return false;
    };
    eq.is_empty()
        && index.def.columns.first().is_some_and(|c| {
            !c.desc && !c.nulls_first && visible_pos(table, c.column) == Some(*col)
        })
}

fn strategy(plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
    let plan = map_children(plan, &mut |c| strategy(c, ctx))?;
    let LogicalPlan::Join {
        left,
        right,
        kind,
        on,
        strategy: JoinStrategy::NestedLoop,
    } = plan
    else {
        return Ok(plan);
    };
    let (lw, width) = (left.width(), left.width() + right.width());
    let (mut lkeys, mut rkeys, mut residual) = (Vec::new(), Vec::new(), Vec::new());
    for term in on.clone().map(ScalarExpr::conjuncts).unwrap_or_default() {
        if let ScalarExpr::Binary {
            op: BinaryOp::Eq,
            left: a,
            right: b,
            ..
        } = &term
        {
            let pair = if side_only(a, 0, lw) && side_only(b, lw, width) {
                Some(((**a).clone(), (**b).clone()))
            } else if side_only(b, 0, lw) && side_only(a, lw, width) {
                Some(((**b).clone(), (**a).clone()))
            } else {
                None
            };
            if let Some((l, mut r)) = pair {
                r.remap_columns(&|c| c - lw);
                if let Some((l, r)) = unify(l, r) {
                    lkeys.push(l);
                    rkeys.push(r);
                    continue;
                }
            }
        }
        residual.push(term);
    }
    if lkeys.is_empty() {
        return Ok(LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            strategy: JoinStrategy::NestedLoop,
        });
    }
    let residual = if residual.is_empty() {
        None
    } else {
        Some(ScalarExpr::and_all(residual))
    };
    if lkeys.len() == 1 && ordered_on(&left, &lkeys[0]) && ordered_on(&right, &rkeys[0]) {
        // Both sides already come out of index walks in join-key order: merge them, with
        // no hash table to build.
        return Ok(LogicalPlan::Join {
            left,
            right,
            kind,
            on: residual,
            strategy: JoinStrategy::Merge {
                left_keys: lkeys,
                right_keys: rkeys,
            },
        });
    }
    let swap = kind == JoinKind::Inner && estimate(&left, ctx.stats) < estimate(&right, ctx.stats);
    if !swap {
        return Ok(LogicalPlan::Join {
            left,
            right,
            kind,
            on: residual,
            strategy: JoinStrategy::Hash {
                left_keys: lkeys,
                right_keys: rkeys,
            },
        });
    }
    // Build on the smaller (left) side: swap inputs, remap, restore the column order.
    let schema = {
        let mut s = left.schema();
        s.extend(right.schema());
        s
    };
    let rw = width - lw;
    let to_swapped = |c: usize| if c < lw { c + rw } else { c - lw };
    let residual = residual.map(|mut e| {
        e.remap_columns(&to_swapped);
        e
    });
    let join = LogicalPlan::Join {
        left: right,
        right: left,
        kind,
        on: residual,
        strategy: JoinStrategy::Hash {
            left_keys: rkeys,
            right_keys: lkeys,
        },
    };
    let exprs = schema
        .iter()
        .enumerate()
        .map(|(i, c)| ScalarExpr::Column {
            index: to_swapped(i),
            ty: c.ty.clone(),
        })
        .collect();
    Ok(LogicalPlan::Project {
        input: Box::new(join),
        exprs,
        schema,
    })
}
