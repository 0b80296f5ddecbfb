//! The optimizer: an ordered list of small rewrite rules behind one trait.
//!
//! # Design
//! The binder hands over a straightforward plan: sequential scans, nested-loop joins in
//! the order the query wrote them, filters where the query put them. Each [`Rule`] takes
//! a whole plan and returns an equivalent one; [`Optimizer::optimize`] runs them in
//! order, each once:
//!
//! 1. [`fold::FoldConstants`]: evaluate constant subexpressions, simplify boolean logic.
//! 2. [`pushdown::PushDownPredicates`]: move each conjunct of every filter as close to the
//!    rows it tests as outer-join semantics allow, into scans where possible; conditions
//!    relating two sides of a join become its join condition.
//! 3. [`join_order::ReorderJoins`]: reorder chains of inner joins greedily by estimated
//!    cardinality (or as a `LEADING` hint says), keeping the output column order.
//! 4. [`index::ChooseIndexes`]: use a B+tree index for a scan whose filter constrains a
//!    key prefix, or whose ORDER BY matches one (dropping the sort), or as the inner side
//!    of an index nested-loop join; honour `INDEX(t idx)` hints.
//! 5. [`join_strategy::ChooseJoinStrategy`]: hash join on equality conditions, the smaller
//!    estimated side as the build side.
//! 6. [`topn::TopN`]: a sort under a constant LIMIT keeps only the rows needed.
//!
//! The order matters: predicates must be pushed before indexes can be chosen, and join
//! order before strategies. Every rule keeps each node's output schema; EXPLAIN shows the
//! result. Estimates come from [`stats::Statistics`]: exact row counts and distinct counts
//! after ANALYZE, page counts times an average row size before.

pub mod fold;
pub mod hints;
pub mod index;
pub mod join_order;
pub mod join_strategy;
pub mod pushdown;
pub mod stats;
pub mod topn;

use rustydb_common::DbError;

use crate::catalog::CatalogState;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinStrategy, LogicalPlan, ScanAccess};

pub use hints::Hints;
pub use stats::Statistics;

/// What rules may consult.
#[derive(Debug)]
pub struct OptContext<'a> {
    /// The catalog the plan was bound against.
    pub catalog: &'a CatalogState,
    /// Table statistics.
    pub stats: &'a Statistics,
    /// Hints from `/*+ ... */` comments.
    pub hints: &'a Hints,
}

/// One rewrite rule.
pub trait Rule: Send + Sync + std::fmt::Debug {
    /// Name, for debugging output.
    fn name(&self) -> &'static str;

    /// Returns a plan equivalent to `plan`.
    fn apply(&self, plan: LogicalPlan, ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError>;
}

/// The rule pipeline.
#[derive(Debug)]
pub struct Optimizer {
    rules: Vec<Box<dyn Rule>>,
}

impl Default for Optimizer {
    fn default() -> Optimizer {
        Optimizer {
            rules: vec![
                Box::new(fold::FoldConstants),
                Box::new(pushdown::PushDownPredicates),
                Box::new(join_order::ReorderJoins),
                Box::new(index::ChooseIndexes),
                Box::new(join_strategy::ChooseJoinStrategy),
                Box::new(topn::TopN),
            ],
        }
    }
}

impl Optimizer {
    /// Runs every rule in order, then optimizes the plans of subqueries and CTEs the
    /// same way (each on its own).
    pub fn optimize(
        &self,
        mut plan: LogicalPlan,
        ctx: &OptContext<'_>,
    ) -> Result<LogicalPlan, DbError> {
        for rule in &self.rules {
            plan = rule.apply(plan, ctx)?;
        }
        self.optimize_nested(&mut plan, ctx, &mut Shared::new())?;
        Ok(plan)
    }

    fn optimize_nested(
        &self,
        plan: &mut LogicalPlan,
        ctx: &OptContext<'_>,
        shared: &mut Shared,
    ) -> Result<(), DbError> {
        for e in exprs_mut(plan) {
            self.optimize_expr(e, ctx, shared)?;
        }
        if let LogicalPlan::CteScan { plan: cte, .. } = plan {
            *cte = std::sync::Arc::new(self.optimize((**cte).clone(), ctx)?);
        }
        for child in plan.inputs_mut() {
            self.optimize_nested(child, ctx, shared)?;
        }
        Ok(())
    }

    fn optimize_expr(
        &self,
        e: &mut ScalarExpr,
        ctx: &OptContext<'_>,
        shared: &mut Shared,
    ) -> Result<(), DbError> {
        if let ScalarExpr::Subquery(s) = e {
            // A subquery the rules copied (a filter conjunct that also became an index
            // key) stays one plan: the executor runs an uncorrelated subquery once per
            // plan, so every copy must see the same value.
            let key = std::sync::Arc::as_ptr(&s.plan) as usize;
            s.plan = match shared.get(&key) {
                Some((_, optimized)) => optimized.clone(),
                None => {
                    let optimized = std::sync::Arc::new(self.optimize((*s.plan).clone(), ctx)?);
                    shared.insert(key, (s.plan.clone(), optimized.clone()));
                    optimized
                }
            };
        }
        let mut result = Ok(());
        e.for_each_child_mut(&mut |c| {
            if result.is_ok() {
                result = self.optimize_expr(c, ctx, shared);
            }
        });
        result
    }

    /// Runs every rule, returning the plan after each (EXPLAIN goldens show each pass).
    pub fn optimize_traced(
        &self,
        mut plan: LogicalPlan,
        ctx: &OptContext<'_>,
    ) -> Result<Vec<(&'static str, LogicalPlan)>, DbError> {
        let mut out = Vec::new();
        for rule in &self.rules {
            plan = rule.apply(plan, ctx)?;
            out.push((rule.name(), plan.clone()));
        }
        Ok(out)
    }
}

/// Subquery plans already optimized during one pass over a plan: by the address of the
/// bound plan, that plan (kept alive so the address cannot be reused) and its optimized
/// version.
type Shared =
    std::collections::HashMap<usize, (std::sync::Arc<LogicalPlan>, std::sync::Arc<LogicalPlan>)>;

/// Rebuilds `plan` with every child replaced by `f(child)`, keeping the node itself.
pub(crate) fn map_children(
    mut plan: LogicalPlan,
    f: &mut dyn FnMut(LogicalPlan) -> Result<LogicalPlan, DbError>,
) -> Result<LogicalPlan, DbError> {
    for child in plan.inputs_mut() {
        let c = std::mem::replace(&mut **child, LogicalPlan::empty());
        **child = f(c)?;
    }
    Ok(plan)
}

/// Every expression held directly by a plan node (not its children's), for rewriting.
pub(crate) fn exprs_mut(plan: &mut LogicalPlan) -> Vec<&mut ScalarExpr> {
    let mut out: Vec<&mut ScalarExpr> = Vec::new();
    match plan {
        LogicalPlan::Scan { filter, access, .. } => {
            out.extend(filter.iter_mut());
            if let ScanAccess::Index {
                eq, lower, upper, ..
            } = access
            {
                out.extend(eq.iter_mut());
                out.extend(lower.iter_mut().map(|(e, _)| e));
                out.extend(upper.iter_mut().map(|(e, _)| e));
            }
        }
        LogicalPlan::Values { rows, .. } => out.extend(rows.iter_mut().flatten()),
        LogicalPlan::Series {
            start, stop, step, ..
        } => out.extend([start, stop, step]),
        LogicalPlan::Unnest { array, .. } => out.push(array),
        LogicalPlan::Filter { predicate, .. } => out.push(predicate),
        LogicalPlan::Project { exprs, .. } => out.extend(exprs.iter_mut()),
        LogicalPlan::Join { on, strategy, .. } => {
            out.extend(on.iter_mut());
            if let JoinStrategy::Hash {
                left_keys,
                right_keys,
            }
            | JoinStrategy::Merge {
                left_keys,
                right_keys,
            } = strategy
            {
                out.extend(left_keys.iter_mut());
                out.extend(right_keys.iter_mut());
            }
        }
        LogicalPlan::Aggregate {
            group_by,
            aggregates,
            ..
        } => {
            out.extend(group_by.iter_mut());
            for a in aggregates {
                out.extend(a.args.iter_mut());
                out.extend(a.filter.iter_mut());
                out.extend(a.order_by.iter_mut().map(|k| &mut k.expr));
            }
        }
        LogicalPlan::Window { calls, .. } => {
            for c in calls {
                out.extend(c.args.iter_mut());
                out.extend(c.partition_by.iter_mut());
                out.extend(c.order_by.iter_mut().map(|k| &mut k.expr));
            }
        }
        LogicalPlan::Sort { keys, .. } => out.extend(keys.iter_mut().map(|k| &mut k.expr)),
        LogicalPlan::Limit { limit, offset, .. } => {
            out.extend(limit.iter_mut());
            out.extend(offset.iter_mut());
        }
        LogicalPlan::Distinct { on: Some(on), .. } => out.extend(on.iter_mut()),
        LogicalPlan::Insert { returning, .. } => out.extend(returning.iter_mut()),
        LogicalPlan::Update {
            assignments,
            recheck,
            returning,
            ..
        } => {
            out.extend(assignments.iter_mut().map(|(_, e)| e));
            out.extend(recheck.iter_mut());
            out.extend(returning.iter_mut());
        }
        LogicalPlan::Delete {
            recheck, returning, ..
        } => {
            out.extend(recheck.iter_mut());
            out.extend(returning.iter_mut());
        }
        _ => {}
    }
    out
}
