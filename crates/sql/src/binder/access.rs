//! Privilege checks of queries, DML and COPY, made once a statement is bound and
//! before it runs (PostgreSQL's ExecCheckPermissions).
//!
//! What is checked, for a role that is not a superuser:
//! - SELECT on every table or view the statement names (the binder records them as it
//!   resolves names, in subqueries, CTEs and INSERT ... SELECT too); a relation named
//!   inside a view's query is checked against the view's owner instead, so a view can
//!   give access to part of a table;
//! - INSERT / UPDATE / DELETE on their target, found in the plan (data-modifying CTEs
//!   included); UPDATE and DELETE also need SELECT when they read the target's values
//!   (a WHERE, RETURNING, or SET expressions over its columns), INSERT when it has
//!   RETURNING, and INSERT ... ON CONFLICT DO UPDATE needs UPDATE;
//! - SELECT ... FOR UPDATE / FOR SHARE needs UPDATE on the locked tables;
//! - COPY t TO needs SELECT on t; COPY t FROM needs INSERT.

use std::sync::Arc;

use rustydb_common::DbError;
use sqlparser::ast::{CopySource, Statement};

use super::{BoundStatement, RelationRead, UtilityStatement};
use crate::catalog::CatalogState;
use crate::catalog::privileges::Privilege;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{LogicalPlan, OnConflict};

/// Fails with 42501 `permission denied for table t` if `user` may not run `bound`
/// (bound from `stmt`, reading `reads`).
pub fn check_access(
    state: &CatalogState,
    user: &str,
    stmt: &Statement,
    bound: &BoundStatement,
    reads: &[RelationRead],
) -> Result<(), DbError> {
    if state.is_superuser(user) {
        return Ok(());
    }
    for r in reads {
        let role = match r.via_view.and_then(|v| state.entry(v)) {
            Some(crate::catalog::Entry::View(v)) => v.owner.as_str(),
            _ => user,
        };
        state.check_privilege(role, r.relation, Privilege::Select)?;
    }
    check_bound(state, user, stmt, bound)
}

fn check_bound(
    state: &CatalogState,
    user: &str,
    stmt: &Statement,
    bound: &BoundStatement,
) -> Result<(), DbError> {
    match bound {
        BoundStatement::Query { plan, .. } => check_plan_tree(state, user, plan),
        BoundStatement::Explain { inner, .. } => check_bound(state, user, stmt, inner),
        BoundStatement::Utility(UtilityStatement::CopyFrom { table, .. }) => {
            state.check_privilege(user, table.def.oid, Privilege::Insert)
        }
        BoundStatement::Utility(UtilityStatement::CopyTo { plan, .. }) => {
            if let Statement::Copy {
                source: CopySource::Table { .. },
                ..
            } = stmt
            {
                // `COPY t TO`: the table is named by the statement, not through a query.
                let mut scans = Vec::new();
                collect_scans(plan, &mut scans);
                for oid in scans {
                    state.check_privilege(user, oid, Privilege::Select)?;
                }
            }
            check_plan_tree(state, user, plan)
        }
        _ => Ok(()),
    }
}

/// Checks every node of `plan` and of the subqueries in its expressions.
fn check_plan_tree(state: &CatalogState, user: &str, plan: &LogicalPlan) -> Result<(), DbError> {
    check_nodes(state, user, plan)?;
    for sub in subquery_plans(plan) {
        check_nodes(state, user, &sub)?;
    }
    Ok(())
}

/// The plans of every subquery in `plan`'s expressions, at any depth.
fn subquery_plans(plan: &LogicalPlan) -> Vec<Arc<LogicalPlan>> {
    let mut copy = plan.clone();
    let mut found = Vec::new();
    super::walk::exprs_mut(&mut copy, &mut |e| {
        if let ScalarExpr::Subquery(s) = e {
            found.push(s.plan.clone());
        }
    });
    found
}

fn check_nodes(state: &CatalogState, user: &str, plan: &LogicalPlan) -> Result<(), DbError> {
    match plan {
        LogicalPlan::Insert {
            table,
            on_conflict,
            returning,
            ..
        } => {
            state.check_privilege(user, table.def.oid, Privilege::Insert)?;
            if !returning.is_empty() {
                state.check_privilege(user, table.def.oid, Privilege::Select)?;
            }
            if matches!(on_conflict, Some(OnConflict::DoUpdate { .. })) {
                state.check_privilege(user, table.def.oid, Privilege::Update)?;
            }
        }
        LogicalPlan::Update {
            table,
            input,
            assignments,
            returning,
            ..
        } => {
            state.check_privilege(user, table.def.oid, Privilege::Update)?;
            let reads_columns = assignments.iter().any(|(_, e)| {
                e.any(&|x| matches!(x, ScalarExpr::Column { .. } | ScalarExpr::Subquery(_)))
            });
            if reads_columns || !returning.is_empty() || has_where(input) {
                state.check_privilege(user, table.def.oid, Privilege::Select)?;
            }
        }
        LogicalPlan::Delete {
            table,
            input,
            returning,
            ..
        } => {
            state.check_privilege(user, table.def.oid, Privilege::Delete)?;
            if !returning.is_empty() || has_where(input) {
                state.check_privilege(user, table.def.oid, Privilege::Select)?;
            }
        }
        LogicalPlan::LockRows { targets, .. } => {
            for (t, _) in targets {
                state.check_privilege(user, t.def.oid, Privilege::Update)?;
            }
        }
        _ => {}
    }
    if let LogicalPlan::CteScan { plan: cte, .. } = plan {
        check_nodes(state, user, cte)?;
    }
    plan.inputs()
        .into_iter()
        .try_for_each(|p| check_nodes(state, user, p))
}

/// Whether an UPDATE or DELETE input filters rows (a WHERE or join condition: it reads
/// the target's values).
fn has_where(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Filter { .. } => true,
        LogicalPlan::Scan { filter, .. } if !filter.is_empty() => true,
        LogicalPlan::Join { on: Some(_), .. } => true,
        _ => plan.inputs().into_iter().any(has_where),
    }
}

fn collect_scans(plan: &LogicalPlan, out: &mut Vec<crate::catalog::Oid>) {
    if let LogicalPlan::Scan { table, .. } = plan {
        out.push(table.def.oid);
    }
    for p in plan.inputs() {
        collect_scans(p, out);
    }
}
