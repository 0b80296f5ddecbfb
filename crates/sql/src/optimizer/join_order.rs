//! Join ordering for chains of inner joins.
//!
//! A tree of inner joins (as the binder builds it from `FROM a, b, c WHERE ...` or a run
//! of `JOIN ... ON`) is flattened into its relations and the conditions connecting them.
//! The new order is built greedily: start from the relation with the fewest estimated
//! rows (or the first named by a `LEADING` hint), then repeatedly add the relation,
//! among those connected to what is joined so far, whose join is estimated smallest;
//! relations connected to nothing come last (a cross product cannot be avoided). The
//! result is a left-deep tree whose joins carry exactly the conditions whose columns are
//! available at that point, under a projection restoring the original column order so
//! nothing above notices.
//!
//! Greedy ordering is not exhaustive, but with equality conditions and row estimates it
//! finds the orders that matter for the 5- to 8-way joins of star and chain queries, and
//! it costs O(n^2) instead of O(n!).

use rustydb_common::DbError;

use super::stats::Statistics;
use super::{OptContext, Rule, map_children};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, JoinKind, JoinStrategy, LogicalPlan, ScanAccess};
use crate::types::ops::BinaryOp;

/// The rule.
#[derive(Debug)]
pub struct ReorderJoins;

impl Rule for ReorderJoins {
    fn name(&self) -> &'static str {
        "reorder joins"
    }

    fn apply(&self, plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        reorder(plan, ctx)
    }
}

fn is_inner_chain(p: &LogicalPlan) -> bool {
    matches!(
        p,
        LogicalPlan::Join {
            kind: JoinKind::Inner,
            strategy: JoinStrategy::NestedLoop,
            ..
        }
    )
}

fn reorder(plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
    if !is_inner_chain(&plan) {
        return map_children(plan, &mut |c| reorder(c, ctx));
    }
    let schema = plan.schema();
    let mut leaves = Vec::new();
    let mut preds = Vec::new();
    flatten(plan, 0, &mut leaves, &mut preds);
    let leaves: Vec<LogicalPlan> = leaves
        .into_iter()
        .map(|l| reorder(l, ctx))
        .collect::<Result<_, _>>()?;
    Ok(rebuild(leaves, preds, schema, ctx))
}

fn flatten(
    plan: LogicalPlan,
    offset: usize,
    leaves: &mut Vec<LogicalPlan>,
    preds: &mut Vec<ScalarExpr>,
) {
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on,
            strategy: JoinStrategy::NestedLoop,
        } => {
            let lw = left.width();
            flatten(*left, offset, leaves, preds);
            flatten(*right, offset + lw, leaves, preds);
            for mut p in on.map(ScalarExpr::conjuncts).unwrap_or_default() {
                p.remap_columns(&|c| c + offset);
                preds.push(p);
            }
        }
        other => leaves.push(other),
    }
}

/// Estimated output rows of a plan.
pub(crate) fn estimate(plan: &LogicalPlan, stats: &Statistics) -> f64 {
    match plan {
        LogicalPlan::Scan {
            table,
            filter,
            access,
            ..
        } => {
            let mut rows = stats.rows(table);
            if let ScanAccess::Index {
                eq, lower, upper, ..
            } = access
            {
                for _ in eq {
                    rows /= 10.0;
                }
                if lower.is_some() || upper.is_some() {
                    rows /= 3.0;
                }
            }
            for f in filter {
                rows *= selectivity(f, Some(table), stats);
            }
            rows.max(1.0)
        }
        LogicalPlan::Filter { input, predicate } => {
            let n = predicate.clone().conjuncts().len();
            (estimate(input, stats) * 0.5f64.powi(n as i32)).max(1.0)
        }
        LogicalPlan::Values { rows, .. } => rows.len().max(1) as f64,
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            ..
        } => {
            let (l, r) = (estimate(left, stats), estimate(right, stats));
            match kind {
                JoinKind::Semi | JoinKind::Anti => (l * 0.5).max(1.0),
                _ => {
                    let sel: f64 = on
                        .clone()
                        .map(ScalarExpr::conjuncts)
                        .unwrap_or_default()
                        .iter()
                        .map(|p| join_selectivity(p, left, right, stats))
                        .product();
                    let inner = (l * r * sel).max(1.0);
                    match kind {
                        JoinKind::Left => inner.max(l),
                        JoinKind::Right => inner.max(r),
                        JoinKind::Full => inner.max(l + r),
                        _ => inner,
                    }
                }
            }
        }
        LogicalPlan::Aggregate {
            input, group_by, ..
        } => {
            if group_by.is_empty() {
                1.0
            } else {
                (estimate(input, stats) * 0.1).max(1.0)
            }
        }
        LogicalPlan::Limit { input, limit, .. } => {
            let n = estimate(input, stats);
            match limit {
                Some(ScalarExpr::Literal(crate::types::Value::Int8(k), _)) => {
                    n.min(*k as f64).max(1.0)
                }
                Some(ScalarExpr::Literal(crate::types::Value::Int4(k), _)) => {
                    n.min(*k as f64).max(1.0)
                }
                _ => n,
            }
        }
        LogicalPlan::Distinct { input, .. } => (estimate(input, stats) * 0.5).max(1.0),
        LogicalPlan::SetOp { left, right, .. } => estimate(left, stats) + estimate(right, stats),
        LogicalPlan::CteScan { plan, .. } => estimate(plan, stats),
        other => other
            .inputs()
            .first()
            .map_or(1000.0, |i| estimate(i, stats)),
    }
}

/// The selectivity of one conjunct on a scan of `table`.
fn selectivity(
    p: &ScalarExpr,
    table: Option<&crate::catalog::TableMeta>,
    stats: &Statistics,
) -> f64 {
    match p {
        ScalarExpr::Binary {
            op: BinaryOp::Eq,
            left,
            right,
            ..
        } => {
            let col = match (&**left, &**right) {
                (ScalarExpr::Column { index, .. }, other)
                | (other, ScalarExpr::Column { index, .. })
                    if !matches!(other, ScalarExpr::Column { .. }) =>
                {
                    Some(*index)
                }
                _ => None,
            };
            match (col, table) {
                (Some(c), Some(t)) => 1.0 / stats.distinct(t, c).max(1.0),
                _ => 0.1,
            }
        }
        ScalarExpr::Binary {
            op: BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq,
            ..
        } => 0.33,
        ScalarExpr::IsNull { negated: false, .. } => 0.05,
        ScalarExpr::InList {
            list,
            negated: false,
            ..
        } => (0.05 * list.len() as f64).min(0.5),
        _ => 0.5,
    }
}

/// The distinct values of column `col` of a plan's output, if it comes straight from a
/// scanned table.
fn distinct_of(plan: &LogicalPlan, col: usize, stats: &Statistics) -> Option<f64> {
    match plan {
        LogicalPlan::Scan { table, .. } if col < table.visible.len() => {
            Some(stats.distinct(table, col))
        }
        LogicalPlan::Filter { input, .. } => distinct_of(input, col, stats),
        LogicalPlan::Join {
            left, right, kind, ..
        } => {
            let lw = left.width();
            if col < lw {
                distinct_of(left, col, stats)
            } else if !matches!(kind, JoinKind::Semi | JoinKind::Anti) {
                distinct_of(right, col - lw, stats)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The selectivity of a join condition: `1 / max(distinct)` for an equality of columns
/// (PostgreSQL's estimate), 0.33 for ranges, 0.5 otherwise.
fn join_selectivity(
    p: &ScalarExpr,
    left: &LogicalPlan,
    right: &LogicalPlan,
    stats: &Statistics,
) -> f64 {
    let lw = left.width();
    let nd = |c: usize| {
        if c < lw {
            distinct_of(left, c, stats)
        } else {
            distinct_of(right, c - lw, stats)
        }
    };
    match p {
        ScalarExpr::Binary {
            op: BinaryOp::Eq,
            left: a,
            right: b,
            ..
        } => match (&**a, &**b) {
            (ScalarExpr::Column { index: x, .. }, ScalarExpr::Column { index: y, .. }) => {
                let d = nd(*x).unwrap_or(10.0).max(nd(*y).unwrap_or(10.0));
                1.0 / d.max(1.0)
            }
            _ => 0.1,
        },
        _ => selectivity(p, None, stats),
    }
}

fn leaf_names(leaf: &LogicalPlan) -> Vec<String> {
    match leaf {
        LogicalPlan::Scan { table, alias, .. } => vec![
            alias.to_ascii_lowercase(),
            table.def.name.to_ascii_lowercase(),
        ],
        LogicalPlan::Filter { input, .. } => leaf_names(input),
        _ => leaf
            .schema()
            .first()
            .and_then(|c| c.qualifier.clone())
            .map(|q| vec![q.to_ascii_lowercase()])
            .unwrap_or_default(),
    }
}

fn rebuild(
    leaves: Vec<LogicalPlan>,
    preds: Vec<ScalarExpr>,
    schema: Vec<Column>,
    ctx: &OptContext<'_>,
) -> LogicalPlan {
    let n = leaves.len();
    let widths: Vec<usize> = leaves.iter().map(LogicalPlan::width).collect();
    let offsets: Vec<usize> = widths
        .iter()
        .scan(0, |acc, w| {
            let o = *acc;
            *acc += w;
            Some(o)
        })
        .collect();
    let leaf_of = |col: usize| offsets.iter().rposition(|&o| o <= col).unwrap_or(0);
    let pred_leaves: Vec<Vec<usize>> = preds
        .iter()
        .map(|p| {
            let mut cols = Vec::new();
            p.columns_used(&mut cols);
            let mut ls: Vec<usize> = cols.into_iter().map(leaf_of).collect();
            ls.sort_unstable();
            ls.dedup();
            ls
        })
        .collect();
    let est: Vec<f64> = leaves.iter().map(|l| estimate(l, ctx.stats)).collect();

    // The order: hinted prefix, then greedy.
    let mut order: Vec<usize> = Vec::new();
    if let Some(lead) = &ctx.hints.leading {
        for name in lead {
            if let Some(i) =
                (0..n).find(|i| !order.contains(i) && leaf_names(&leaves[*i]).contains(name))
            {
                order.push(i);
            }
        }
    }
    if order.is_empty() && n < 3 {
        order = (0..n).collect();
    }
    if order.is_empty() {
        let first = (0..n)
            .min_by(|a, b| est[*a].total_cmp(&est[*b]))
            .unwrap_or(0);
        order.push(first);
    }
    let mut current = order.iter().map(|&i| est[i]).product::<f64>();
    while order.len() < n {
        let connected = |cand: usize| {
            pred_leaves.iter().any(|ls| {
                ls.contains(&cand)
                    && ls.iter().any(|l| order.contains(l))
                    && ls.iter().all(|l| *l == cand || order.contains(l))
            })
        };
        let remaining: Vec<usize> = (0..n).filter(|i| !order.contains(i)).collect();
        let pool: Vec<usize> = {
            let c: Vec<usize> = remaining
                .iter()
                .copied()
                .filter(|&i| connected(i))
                .collect();
            if c.is_empty() { remaining } else { c }
        };
        let cost = |cand: usize| {
            let sel: f64 = preds
                .iter()
                .zip(&pred_leaves)
                .filter(|(_, ls)| {
                    ls.contains(&cand) && ls.iter().all(|l| *l == cand || order.contains(l))
                })
                .map(|(p, _)| match p {
                    ScalarExpr::Binary {
                        op: BinaryOp::Eq, ..
                    } => 1.0 / est[cand].max(1.0).sqrt().max(2.0),
                    _ => 0.5,
                })
                .product();
            current * est[cand] * sel
        };
        let next = pool
            .into_iter()
            .min_by(|a, b| cost(*a).total_cmp(&cost(*b)))
            .unwrap_or(0);
        current = cost(next).max(1.0);
        order.push(next);
    }

    // New positions of every original column.
    let mut new_pos = vec![0usize; widths.iter().sum()];
    let mut at = 0;
    for &l in &order {
        for k in 0..widths[l] {
            new_pos[offsets[l] + k] = at + k;
        }
        at += widths[l];
    }
    let mut used = vec![false; preds.len()];
    let mut leaves: Vec<Option<LogicalPlan>> = leaves.into_iter().map(Some).collect();
    let mut placed = vec![order[0]];
    let mut tree = leaves[order[0]].take().expect("each leaf once");
    for &next in &order[1..] {
        placed.push(next);
        let mut on = Vec::new();
        for (i, p) in preds.iter().enumerate() {
            if !used[i] && pred_leaves[i].iter().all(|l| placed.contains(l)) {
                used[i] = true;
                let mut p = p.clone();
                p.remap_columns(&|c| new_pos[c]);
                on.push(p);
            }
        }
        tree = LogicalPlan::Join {
            left: Box::new(tree),
            right: Box::new(leaves[next].take().expect("each leaf once")),
            kind: JoinKind::Inner,
            on: if on.is_empty() {
                None
            } else {
                Some(ScalarExpr::and_all(on))
            },
            strategy: JoinStrategy::NestedLoop,
        };
    }
    let rest: Vec<ScalarExpr> = preds
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .map(|(_, p)| {
            let mut p = p.clone();
            p.remap_columns(&|c| new_pos[c]);
            p
        })
        .collect();
    if !rest.is_empty() {
        tree = LogicalPlan::Filter {
            input: Box::new(tree),
            predicate: ScalarExpr::and_all(rest),
        };
    }
    if new_pos.iter().enumerate().all(|(i, p)| i == *p) {
        return tree;
    }
    let exprs = schema
        .iter()
        .enumerate()
        .map(|(i, c)| ScalarExpr::Column {
            index: new_pos[i],
            ty: c.ty.clone(),
        })
        .collect();
    LogicalPlan::Project {
        input: Box::new(tree),
        exprs,
        schema,
    }
}
