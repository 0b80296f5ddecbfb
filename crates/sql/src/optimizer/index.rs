//! Index selection.
//!
//! * **Filters**: a scan's conjuncts of the form `column = value` on a prefix of an
//!   index's columns, optionally followed by range conditions (`<`, `<=`, `>`, `>=`, what
//!   BETWEEN expands to) on the next column, let the scan read only that key range. The
//!   index covering the most equality columns wins; a unique index fully covered by
//!   equalities (a point lookup) beats everything. "Value" means anything not reading the
//!   scanned row: a constant, a parameter, an enclosing query's column. The executor
//!   re-checks every conjunct on each row, so using an index never changes a result.
//! * **ORDER BY ... LIMIT**: when a limited sort's keys are the index's columns (after
//!   those fixed by equalities), all ascending or all descending, the scan walks the index
//!   in that direction and the sort disappears: the first rows come without reading the
//!   whole table.
//! * **Index nested loop**: for a join whose right side is a table with an index on a
//!   column the join condition equates with a left-side expression, and a left side
//!   estimated much smaller than the right, the right side becomes an index scan keyed by
//!   the current left row (a parameterized nested loop), instead of a full scan.
//! * **Hints**: `INDEX(t idx)` prefers that index when it can serve the scan at all.
//!
//! Range conditions are used only on ascending index columns, and a comparison only when
//! its value has the column's type (or is an integer constant that fits it), so the
//! encoded key order is exactly the comparison's order.

use rustydb_common::DbError;

use super::join_order::estimate;
use super::{OptContext, Rule, map_children};
use crate::catalog::{IndexRef, TableMeta};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinKind, JoinStrategy, LogicalPlan, ScanAccess, SortKey};
use crate::types::ops::BinaryOp;
use crate::types::{DataType, cast};

/// The rule.
#[derive(Debug)]
pub struct ChooseIndexes;

impl Rule for ChooseIndexes {
    fn name(&self) -> &'static str {
        "choose indexes"
    }

    fn apply(&self, plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        choose(plan, ctx)
    }
}

fn is_integer(t: &DataType) -> bool {
    matches!(t, DataType::Int2 | DataType::Int4 | DataType::Int8)
}

/// `value` as an expression of `col_ty` usable as a key, if its order agrees.
fn key_value(value: &ScalarExpr, col_ty: &DataType) -> Option<ScalarExpr> {
    let vt = value.ty();
    if &vt == col_ty {
        return Some(value.clone());
    }
    if is_integer(&vt)
        && is_integer(col_ty)
        && let ScalarExpr::Literal(v, _) = value
    {
        // Only constants that fit: 5000000000 compared with an int4 column matches
        // nothing and must not become a cast error.
        return cast::cast(v, col_ty)
            .ok()
            .map(|v| ScalarExpr::Literal(v, col_ty.clone()));
    }
    None
}

/// Whether `e` depends on the scanned row. An uncorrelated subquery does not: it is
/// evaluated once per statement (PostgreSQL's InitPlan), so `id = (SELECT ...)` can
/// still be an index key.
fn reads_scan_row(e: &ScalarExpr) -> bool {
    e.any(&|x| match x {
        ScalarExpr::Column { .. } => true,
        ScalarExpr::Subquery(s) => s.correlated,
        _ => false,
    })
}

/// `(visible column, op, value)` if `e` compares a column with a row-independent value,
/// the operator flipped so the column is on the left.
fn comparison(e: &ScalarExpr) -> Option<(usize, BinaryOp, &ScalarExpr)> {
    let ScalarExpr::Binary {
        op, left, right, ..
    } = e
    else {
        return None;
    };
    let flipped = match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    };
    match (&**left, &**right) {
        (ScalarExpr::Column { index, .. }, v) if !reads_scan_row(v) => Some((*index, *op, v)),
        (v, ScalarExpr::Column { index, .. }) if !reads_scan_row(v) => Some((*index, flipped, v)),
        _ => None,
    }
}

struct Candidate {
    index: IndexRef,
    eq: Vec<ScalarExpr>,
    lower: Option<(ScalarExpr, bool)>,
    upper: Option<(ScalarExpr, bool)>,
    score: u32,
}

pub(crate) fn visible_pos(table: &TableMeta, storage_pos: usize) -> Option<usize> {
    table.visible.iter().position(|&p| p == storage_pos)
}

fn candidate(table: &TableMeta, index: &IndexRef, filter: &[ScalarExpr]) -> Candidate {
    let comps: Vec<(usize, BinaryOp, &ScalarExpr)> = filter.iter().filter_map(comparison).collect();
    let mut eq = Vec::new();
    let (mut lower, mut upper) = (None, None);
    for (k, icol) in index.def.columns.iter().enumerate() {
        let Some(vis) = visible_pos(table, icol.column) else {
            break;
        };
        let ty = &index.key_types[k];
        let found = comps
            .iter()
            .filter(|(c, op, _)| *c == vis && *op == BinaryOp::Eq)
            .find_map(|(_, _, v)| key_value(v, ty));
        match found {
            Some(v) => eq.push(v),
            None => {
                if !icol.desc {
                    for (c, op, v) in &comps {
                        if *c != vis {
                            continue;
                        }
                        let Some(v) = key_value(v, ty) else { continue };
                        match op {
                            BinaryOp::Gt | BinaryOp::GtEq if lower.is_none() => {
                                lower = Some((v, *op == BinaryOp::GtEq));
                            }
                            BinaryOp::Lt | BinaryOp::LtEq if upper.is_none() => {
                                upper = Some((v, *op == BinaryOp::LtEq));
                            }
                            _ => {}
                        }
                    }
                }
                break;
            }
        }
    }
    let mut score = eq.len() as u32 * 10 + lower.is_some() as u32 * 3 + upper.is_some() as u32 * 3;
    if index.def.unique && eq.len() == index.def.columns.len() {
        score += 100;
    }
    Candidate {
        index: index.clone(),
        eq,
        lower,
        upper,
        score,
    }
}

fn hinted<'a>(table: &'a TableMeta, alias: &str, ctx: &OptContext<'_>) -> Option<&'a IndexRef> {
    let name = ctx.hints.index_for(&[alias, &table.def.name])?;
    table
        .indexes
        .iter()
        .find(|i| i.def.name.eq_ignore_ascii_case(name))
}

fn choose(plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
    match plan {
        LogicalPlan::Scan {
            table,
            alias,
            filter,
            access: ScanAccess::Sequential,
            with_tid,
            schema,
        } => {
            let mut cands: Vec<Candidate> = table
                .indexes
                .iter()
                .map(|i| candidate(&table, i, &filter))
                .filter(|c| c.score > 0)
                .collect();
            let hint = hinted(&table, &alias, ctx).map(|i| i.def.oid);
            cands.sort_by_key(|c| std::cmp::Reverse((Some(c.index.def.oid) == hint, c.score)));
            let access = match cands.into_iter().next() {
                Some(c) => ScanAccess::Index {
                    index: c.index,
                    eq: c.eq,
                    lower: c.lower,
                    upper: c.upper,
                    reverse: false,
                },
                None => ScanAccess::Sequential,
            };
            Ok(LogicalPlan::Scan {
                table,
                alias,
                filter,
                access,
                with_tid,
                schema,
            })
        }
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => {
            let input = match *input {
                LogicalPlan::Sort {
                    input: sorted,
                    keys,
                    limit: sl,
                } => {
                    let sorted = choose(*sorted, ctx)?;
                    match ordered_by_index(sorted, &keys) {
                        Ok(scan) => scan,
                        Err(sorted) => LogicalPlan::Sort {
                            input: sorted,
                            keys,
                            limit: sl,
                        },
                    }
                }
                other => choose(other, ctx)?,
            };
            Ok(LogicalPlan::Limit {
                input: Box::new(input),
                limit,
                offset,
            })
        }
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            strategy: JoinStrategy::NestedLoop,
        } => {
            let left = choose(*left, ctx)?;
            let right = choose(*right, ctx)?;
            Ok(index_nested_loop(left, right, kind, on, ctx))
        }
        other => map_children(other, &mut |c| choose(c, ctx)),
    }
}

/// Replaces a sort with an index walk if the sort's keys are index columns (after those
/// fixed by equalities) in one direction. Returns the input unchanged (boxed, as the
/// sort keeps it) otherwise.
fn ordered_by_index(input: LogicalPlan, keys: &[SortKey]) -> Result<LogicalPlan, Box<LogicalPlan>> {
    // The binder sorts the select list's output: look through a projection that passes
    // the key columns through unchanged.
    if let LogicalPlan::Project {
        input: inner,
        exprs,
        schema,
    } = input
    {
        let through: Option<Vec<SortKey>> = keys
            .iter()
            .map(|k| match &k.expr {
                ScalarExpr::Column { index, .. } => match exprs.get(*index) {
                    Some(col @ ScalarExpr::Column { .. }) => Some(SortKey {
                        expr: col.clone(),
                        ..k.clone()
                    }),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let Some(through) = through else {
            return Err(Box::new(LogicalPlan::Project {
                input: inner,
                exprs,
                schema,
            }));
        };
        return match ordered_by_index(*inner, &through) {
            Ok(scan) => Ok(LogicalPlan::Project {
                input: Box::new(scan),
                exprs,
                schema,
            }),
            Err(inner) => Err(Box::new(LogicalPlan::Project {
                input: inner,
                exprs,
                schema,
            })),
        };
    }
    let LogicalPlan::Scan {
        table,
        alias,
        filter,
        access,
        with_tid,
        schema,
    } = input
    else {
        return Err(Box::new(input));
    };
    let desc = keys.first().is_some_and(|k| k.desc);
    let uniform = keys.iter().all(|k| k.desc == desc && k.nulls_first == desc);
    let key_cols: Option<Vec<usize>> = keys
        .iter()
        .map(|k| match k.expr {
            ScalarExpr::Column { index, .. } => Some(index),
            _ => None,
        })
        .collect();
    let fits = |index: &IndexRef, skip: usize| -> bool {
        let Some(cols) = &key_cols else { return false };
        index.def.columns.iter().all(|c| !c.desc)
            && cols.len() + skip <= index.def.columns.len()
            && cols
                .iter()
                .enumerate()
                .all(|(i, &c)| visible_pos(&table, index.def.columns[skip + i].column) == Some(c))
    };
    let new_access = if !uniform {
        None
    } else {
        match &access {
            ScanAccess::Index {
                index,
                eq,
                lower,
                upper,
                ..
            } if fits(index, eq.len()) => Some(ScanAccess::Index {
                index: index.clone(),
                eq: eq.clone(),
                lower: lower.clone(),
                upper: upper.clone(),
                reverse: desc,
            }),
            ScanAccess::Sequential => {
                table
                    .indexes
                    .iter()
                    .find(|i| fits(i, 0))
                    .map(|i| ScanAccess::Index {
                        index: i.clone(),
                        eq: Vec::new(),
                        lower: None,
                        upper: None,
                        reverse: desc,
                    })
            }
            _ => None,
        }
    };
    match new_access {
        Some(access) => Ok(LogicalPlan::Scan {
            table,
            alias,
            filter,
            access,
            with_tid,
            schema,
        }),
        None => Err(Box::new(LogicalPlan::Scan {
            table,
            alias,
            filter,
            access,
            with_tid,
            schema,
        })),
    }
}

fn has_outer_refs(plan: &LogicalPlan) -> bool {
    let expr_has = |e: &ScalarExpr| e.any(&|x| matches!(x, ScalarExpr::Outer { .. }));
    match plan {
        LogicalPlan::Scan { filter, access, .. } => {
            filter.iter().any(expr_has)
                || matches!(access, ScanAccess::Index { eq, lower, upper, .. }
                    if eq.iter().any(expr_has)
                        || lower.iter().chain(upper.iter()).any(|(e, _)| expr_has(e)))
        }
        LogicalPlan::Filter { input, predicate } => expr_has(predicate) || has_outer_refs(input),
        _ => true,
    }
}

/// Turns `left JOIN right ON right.k = f(left)` into a parameterized nested loop probing
/// an index of `right`, when that is estimated to read far fewer rows than a hash join.
fn index_nested_loop(
    left: LogicalPlan,
    right: LogicalPlan,
    kind: JoinKind,
    on: Option<ScalarExpr>,
    ctx: &OptContext<'_>,
) -> LogicalPlan {
    let fallback = |left, right, on| LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
        strategy: JoinStrategy::NestedLoop,
    };
    let (Some(cond), false) = (
        on.as_ref(),
        matches!(kind, JoinKind::Right | JoinKind::Full),
    ) else {
        return fallback(left, right, on);
    };
    let LogicalPlan::Scan {
        table,
        access: ScanAccess::Sequential,
        ..
    } = &right
    else {
        return fallback(left, right, on);
    };
    if has_outer_refs(&right) {
        return fallback(left, right, on);
    }
    let (l_rows, r_rows) = (estimate(&left, ctx.stats), estimate(&right, ctx.stats));
    if l_rows * 4.0 >= r_rows {
        return fallback(left, right, on);
    }
    let lw = left.width();
    // Conjuncts `right.col = expr(left)` with expr rewritten to read the left row as the
    // outer row.
    let mut probes: Vec<ScalarExpr> = Vec::new();
    for term in cond.clone().conjuncts() {
        let ScalarExpr::Binary {
            op: BinaryOp::Eq,
            left: a,
            right: b,
            ty,
        } = term
        else {
            continue;
        };
        let (col, other) = match (&*a, &*b) {
            (ScalarExpr::Column { index, .. }, o) if *index >= lw && only_left(o, lw) => {
                (*index - lw, o.clone())
            }
            (o, ScalarExpr::Column { index, .. }) if *index >= lw && only_left(o, lw) => {
                (*index - lw, o.clone())
            }
            _ => continue,
        };
        let outer = to_outer(other);
        probes.push(ScalarExpr::Binary {
            op: BinaryOp::Eq,
            left: Box::new(ScalarExpr::Column {
                index: col,
                ty: table.types[table.visible[col]].clone(),
            }),
            right: Box::new(outer),
            ty,
        });
    }
    let best = table
        .indexes
        .iter()
        .map(|i| candidate(table, i, &probes))
        .filter(|c| !c.eq.is_empty())
        .max_by_key(|c| c.score);
    let Some(best) = best else {
        return fallback(left, right, on);
    };
    let LogicalPlan::Scan {
        table,
        alias,
        filter,
        with_tid,
        schema,
        ..
    } = right
    else {
        return fallback(left, right, on);
    };
    let access = ScanAccess::Index {
        index: best.index,
        eq: best.eq,
        lower: best.lower,
        upper: best.upper,
        reverse: false,
    };
    LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(LogicalPlan::Scan {
            table,
            alias,
            filter,
            access,
            with_tid,
            schema,
        }),
        kind,
        on,
        strategy: JoinStrategy::Parameterized,
    }
}

fn only_left(e: &ScalarExpr, lw: usize) -> bool {
    let mut cols = Vec::new();
    e.columns_used(&mut cols);
    !cols.is_empty()
        && cols.iter().all(|&c| c < lw)
        && !e.any(&|x| matches!(x, ScalarExpr::Subquery(_) | ScalarExpr::Outer { .. }))
}

fn to_outer(e: ScalarExpr) -> ScalarExpr {
    match e {
        ScalarExpr::Column { index, ty } => ScalarExpr::Outer {
            depth: 1,
            index,
            ty,
        },
        mut other => {
            other.for_each_child_mut(&mut |c| {
                let taken = std::mem::replace(c, ScalarExpr::bool_lit(true));
                *c = to_outer(taken);
            });
            other
        }
    }
}
