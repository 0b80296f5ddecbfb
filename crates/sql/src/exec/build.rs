//! Building operator trees from plans, numbering the nodes for EXPLAIN ANALYZE.

use std::sync::Arc;

use rustydb_common::DbError;

use super::{
    BoxOp, aggregate, cte, delete, distinct, filter, hash_join, index_scan, insert, instrument,
    limit, lock_rows, merge_join, modify, nested_loop, project, scan, series, set_op, sort, unnest,
    update, values, window,
};
use crate::plan::logical::LogicalPlan;

/// Identifies a plan node for statistics: the tree it belongs to (0 for the statement,
/// the plan's address for a subquery or CTE, which are shared by `Arc`) and its number
/// in a pre-order walk of that tree. Numbers survive cloning a subtree, which a
/// parameterized join and a recursive CTE do to rebuild it.
pub(crate) type NodeKey = (usize, usize);

/// The number of nodes in `plan`, for numbering.
pub(crate) fn tree_size(plan: &LogicalPlan) -> usize {
    1 + plan.inputs().into_iter().map(tree_size).sum::<usize>()
}

/// The tree id of a shared subplan.
pub(crate) fn tree_id(plan: &Arc<LogicalPlan>) -> usize {
    Arc::as_ptr(plan) as usize
}

/// Builds the operator tree for `plan`, whose root is node `first` of tree `tree`; with
/// `analyze`, every node is wrapped to collect its statistics.
pub(crate) fn build(
    plan: &LogicalPlan,
    tree: usize,
    first: usize,
    analyze: bool,
) -> Result<BoxOp, DbError> {
    let mut b = Builder {
        tree,
        next: first,
        analyze,
    };
    b.build(plan)
}

/// Numbers nodes while building, in the pre-order EXPLAIN walks.
#[derive(Debug)]
pub(crate) struct Builder {
    tree: usize,
    next: usize,
    analyze: bool,
}

impl Builder {
    #[recursive::recursive]
    fn build(&mut self, plan: &LogicalPlan) -> Result<BoxOp, DbError> {
        let key = (self.tree, self.next);
        self.next += 1;
        let op = self.build_node(plan, key)?;
        Ok(if self.analyze {
            instrument::Instrumented::wrap(key, op)
        } else {
            op
        })
    }

    /// Skips the numbers of a subtree that is kept as a plan (rebuilt later) and
    /// returns its first number.
    fn skip(&mut self, plan: &LogicalPlan) -> usize {
        let first = self.next;
        self.next += tree_size(plan);
        first
    }

    /// The target of an UPDATE or DELETE node.
    fn target(
        &mut self,
        table: &crate::catalog::TableRef,
        input: &LogicalPlan,
        (tid_column, first_column): (usize, usize),
        recheck: &Option<crate::plan::expr::ScalarExpr>,
        returning: &[crate::plan::expr::ScalarExpr],
    ) -> Result<update::Target, DbError> {
        Ok(update::Target {
            table: table.clone(),
            input: self.build(input)?,
            tid_column,
            first_column,
            recheck: recheck.clone(),
            returning: returning.to_vec(),
        })
    }

    fn build_node(&mut self, plan: &LogicalPlan, key: NodeKey) -> Result<BoxOp, DbError> {
        let analyze = self.analyze;
        Ok(match plan {
            LogicalPlan::Scan { .. } => match scan::ScanPlan::from_plan(plan) {
                Some(s) if s.is_index() => Box::new(index_scan::IndexScan::new(s)),
                Some(s) => Box::new(scan::SeqScan::new(s)),
                None => return Err(DbError::internal("scan node expected")),
            },
            LogicalPlan::Values { rows, .. } => Box::new(values::ValuesOp::new(rows.clone())),
            LogicalPlan::Series {
                start, stop, step, ..
            } => Box::new(series::SeriesOp::new([start, stop, step].map(Clone::clone))),
            LogicalPlan::Unnest {
                array, ordinality, ..
            } => Box::new(unnest::UnnestOp::new(array.clone(), *ordinality)),
            LogicalPlan::Filter { input, predicate } => {
                Box::new(filter::FilterOp::new(self.build(input)?, predicate.clone()))
            }
            LogicalPlan::Project { input, exprs, .. } => {
                Box::new(project::ProjectOp::new(self.build(input)?, exprs.clone()))
            }
            LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                strategy,
            } => {
                use crate::plan::logical::JoinStrategy as S;
                let widths = (left.width(), right.width());
                let l = self.build(left)?;
                if let S::Parameterized = strategy {
                    let first = self.skip(right);
                    let inner = nested_loop::Inner::Parameterized {
                        plan: Arc::new((**right).clone()),
                        key: (self.tree, first),
                        analyze,
                    };
                    return Ok(Box::new(nested_loop::NestedLoop::new(
                        l,
                        inner,
                        *kind,
                        on.clone(),
                        widths,
                    )));
                }
                let r = self.build(right)?;
                match strategy {
                    S::NestedLoop | S::Parameterized => Box::new(nested_loop::NestedLoop::new(
                        l,
                        nested_loop::Inner::Materialized(r),
                        *kind,
                        on.clone(),
                        widths,
                    )),
                    S::Hash {
                        left_keys,
                        right_keys,
                    } => Box::new(hash_join::HashJoin::new(
                        l,
                        r,
                        *kind,
                        on.clone(),
                        (left_keys.clone(), right_keys.clone()),
                        widths,
                    )),
                    S::Merge {
                        left_keys,
                        right_keys,
                    } => Box::new(merge_join::MergeJoin::new(
                        l,
                        r,
                        *kind,
                        on.clone(),
                        (left_keys.clone(), right_keys.clone()),
                        widths,
                    )?),
                }
            }
            LogicalPlan::Aggregate {
                input,
                group_by,
                aggregates,
                strategy,
                ..
            } => Box::new(aggregate::AggregateOp::new(
                self.build(input)?,
                group_by.clone(),
                aggregates.clone(),
                *strategy,
            )),
            LogicalPlan::Window { input, calls, .. } => {
                Box::new(window::WindowOp::new(self.build(input)?, calls.clone()))
            }
            LogicalPlan::Sort { input, keys, limit } => Box::new(sort::SortOp::new(
                self.build(input)?,
                keys.clone(),
                *limit,
                input.schema().into_iter().map(|c| c.ty).collect(),
                key,
            )),
            LogicalPlan::Limit {
                input,
                limit,
                offset,
            } => Box::new(limit::LimitOp::new(
                self.build(input)?,
                limit.clone(),
                offset.clone(),
            )),
            LogicalPlan::Distinct { input, on } => {
                Box::new(distinct::DistinctOp::new(self.build(input)?, on.clone()))
            }
            LogicalPlan::SetOp {
                kind,
                all,
                left,
                right,
                ..
            } => {
                let l = self.build(left)?;
                Box::new(set_op::SetOpOp::new(*kind, *all, l, self.build(right)?))
            }
            LogicalPlan::RecursiveCte {
                anchor,
                recursive,
                all,
                id,
                ..
            } => {
                let a = self.build(anchor)?;
                let first = self.skip(recursive);
                Box::new(cte::RecursiveCteOp::new(
                    a,
                    Arc::new((**recursive).clone()),
                    (self.tree, first),
                    *all,
                    *id,
                    analyze,
                ))
            }
            LogicalPlan::WorkTable { id, .. } => Box::new(cte::WorkTableOp::new(*id)),
            LogicalPlan::CteScan { plan, id, .. } => {
                Box::new(cte::CteScanOp::new(plan.clone(), *id, analyze))
            }
            LogicalPlan::LockRows {
                input,
                targets,
                exclusive,
                recheck,
            } => Box::new(lock_rows::LockRowsOp::new(
                self.build(input)?,
                &input.schema(),
                targets.clone(),
                *exclusive,
                recheck.clone(),
            )),
            LogicalPlan::Insert {
                table,
                source,
                on_conflict,
                returning,
                ..
            } => modify::ModifyOp::boxed(insert::InsertOp::new(
                table.clone(),
                self.build(source)?,
                on_conflict.clone(),
                returning.clone(),
            )),
            LogicalPlan::Update {
                table,
                input,
                tid_column,
                first_column,
                assignments,
                recheck,
                returning,
                ..
            } => {
                let target = self.target(
                    table,
                    input,
                    (*tid_column, *first_column),
                    recheck,
                    returning,
                )?;
                modify::ModifyOp::boxed(update::UpdateOp::new(target, assignments.clone()))
            }
            LogicalPlan::Delete {
                table,
                input,
                tid_column,
                first_column,
                recheck,
                returning,
                ..
            } => {
                let target = self.target(
                    table,
                    input,
                    (*tid_column, *first_column),
                    recheck,
                    returning,
                )?;
                modify::ModifyOp::boxed(delete::DeleteOp::new(target))
            }
        })
    }
}
