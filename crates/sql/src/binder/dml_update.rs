//! UPDATE (with FROM, `SET (a, b) = (..)`, DEFAULT) and DELETE (with USING), their
//! RETURNING lists, and the READ COMMITTED re-check predicate over the target's columns.
//! The input of both is the target scanned with its tuple id (columns first, tid after),
//! joined with the FROM / USING items, filtered by WHERE.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, Expr, FromTable, SelectItem, TableFactor, TableWithJoins,
    Update, UpdateTableFromKind,
};

use super::dml::is_default;
use super::errors;
use super::from::{FromItem, scan_plan, table_columns};
use super::names;
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::catalog::{Identity, TableRef};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, JoinKind, JoinStrategy, LogicalPlan};

impl Binder<'_> {
    /// Binds an UPDATE.
    pub(crate) fn bind_update(&mut self, u: &Update) -> Result<LogicalPlan, DbError> {
        if u.on_cluster.is_some()
            || u.output.is_some()
            || u.or.is_some()
            || !u.order_by.is_empty()
            || u.limit.is_some()
        {
            return Err(errors::unsupported(format!("this form of UPDATE ({u})")));
        }
        let from_items = match &u.from {
            None => &[][..],
            Some(UpdateTableFromKind::AfterSet(v)) => v.as_slice(),
            Some(UpdateTableFromKind::BeforeSet(_)) => {
                return Err(errors::unsupported("UPDATE FROM ... SET"));
            }
        };
        let (table, item) = self.dml_input(&u.table, from_items)?;
        let n = table.visible.len();
        let FromItem { plan, scope, .. } = item;
        let (plan, recheck) =
            self.dml_where(plan, u.selection.as_ref(), &scope, n, from_items.is_empty())?;
        let assignments = self.bind_assignments(&table, &u.assignments, &scope)?;
        let (returning, schema) = self.bind_returning_in(u.returning.as_deref(), &scope)?;
        Ok(LogicalPlan::Update {
            table,
            input: Box::new(plan),
            tid_column: n,
            first_column: 0,
            assignments,
            recheck,
            returning,
            schema,
        })
    }

    /// Binds a DELETE.
    pub(crate) fn bind_delete(&mut self, d: &Delete) -> Result<LogicalPlan, DbError> {
        if !d.tables.is_empty()
            || d.on_cluster.is_some()
            || d.output.is_some()
            || !d.order_by.is_empty()
            || d.limit.is_some()
        {
            return Err(errors::unsupported(format!("this form of DELETE ({d})")));
        }
        let targets = match &d.from {
            FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
        };
        let [target] = targets.as_slice() else {
            return Err(errors::unsupported("DELETE from several tables"));
        };
        let using = d.using.as_deref().unwrap_or(&[]);
        let (table, item) = self.dml_input(target, using)?;
        let n = table.visible.len();
        let FromItem { plan, scope, .. } = item;
        let (plan, recheck) =
            self.dml_where(plan, d.selection.as_ref(), &scope, n, using.is_empty())?;
        let (returning, schema) = self.bind_returning_in(d.returning.as_deref(), &scope)?;
        Ok(LogicalPlan::Delete {
            table,
            input: Box::new(plan),
            tid_column: n,
            first_column: 0,
            recheck,
            returning,
            schema,
        })
    }

    /// The target scanned with its tid, cross-joined with the FROM / USING items.
    fn dml_input(
        &mut self,
        target: &TableWithJoins,
        others: &[TableWithJoins],
    ) -> Result<(TableRef, FromItem), DbError> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = &target.relation
        else {
            return Err(errors::unsupported(
                "UPDATE / DELETE of something other than a table",
            ));
        };
        if !target.joins.is_empty() {
            return Err(errors::syntax("syntax error at or near \"JOIN\""));
        }
        if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
            return Err(errors::syntax("syntax error at or near \"(\""));
        }
        let parts = names::object_name(name)?;
        let table = self.target_table(&parts)?;
        let alias_name = alias
            .as_ref()
            .map_or_else(|| table.def.name.clone(), |a| names::ident(&a.name));
        let plan = scan_plan(&table, &alias_name, true);
        let schema = if alias.is_none() {
            Some(table.def.schema.clone())
        } else {
            None
        };
        let scope = Scope::for_relation(
            &alias_name,
            schema,
            &table_columns(&table),
            0,
            Some(table.clone()),
        );
        let mut item = FromItem {
            plan,
            scope,
            tids: vec![],
        };
        if !others.is_empty() {
            let other = self.bind_from(others, false)?;
            for r in &other.scope.relations {
                if item.scope.has_relation(&r.alias) {
                    return Err(errors::duplicate_alias(&r.alias));
                }
            }
            let shift = item.plan.width();
            item.scope.append(other.scope, shift);
            item.plan = LogicalPlan::Join {
                left: Box::new(item.plan),
                right: Box::new(other.plan),
                kind: JoinKind::Inner,
                on: None,
                strategy: JoinStrategy::NestedLoop,
            };
        }
        Ok((table, item))
    }

    /// WHERE of UPDATE / DELETE as a Filter, and the re-check predicate: the conjuncts
    /// that read only the target's columns (all of WHERE without FROM / USING).
    fn dml_where(
        &mut self,
        plan: LogicalPlan,
        selection: Option<&Expr>,
        scope: &Scope,
        ncols: usize,
        target_only: bool,
    ) -> Result<(LogicalPlan, Option<ScalarExpr>), DbError> {
        let Some(w) = selection else {
            return Ok((plan, None));
        };
        let saved = std::mem::replace(&mut self.clause, Clause::Where);
        let r = self.bind_condition(w, scope, "WHERE");
        self.clause = saved;
        let predicate = r?;
        let recheck = if target_only {
            Some(predicate.clone())
        } else {
            let terms: Vec<ScalarExpr> = predicate
                .clone()
                .conjuncts()
                .into_iter()
                .filter(|t| {
                    let mut cols = Vec::new();
                    t.columns_used(&mut cols);
                    cols.iter().all(|&c| c < ncols)
                        && !t.any(&|e| matches!(e, ScalarExpr::Subquery(s) if s.correlated))
                })
                .collect();
            (!terms.is_empty()).then(|| ScalarExpr::and_all(terms))
        };
        Ok((
            LogicalPlan::Filter {
                input: Box::new(plan),
                predicate,
            },
            recheck,
        ))
    }

    /// SET assignments as (visible column ordinal, value over the scope's row).
    pub(crate) fn bind_assignments(
        &mut self,
        table: &TableRef,
        list: &[Assignment],
        scope: &Scope,
    ) -> Result<Vec<(usize, ScalarExpr)>, DbError> {
        let saved = std::mem::replace(&mut self.clause, Clause::Update);
        let r = self.bind_assignments_inner(table, list, scope);
        self.clause = saved;
        r
    }

    fn bind_assignments_inner(
        &mut self,
        table: &TableRef,
        list: &[Assignment],
        scope: &Scope,
    ) -> Result<Vec<(usize, ScalarExpr)>, DbError> {
        let mut out: Vec<(usize, ScalarExpr)> = Vec::new();
        for a in list {
            let (targets, values): (Vec<_>, Vec<&Expr>) = match &a.target {
                AssignmentTarget::ColumnName(n) => (vec![n], vec![&a.value]),
                AssignmentTarget::Tuple(names_) => match super::expr_ops::strip(&a.value) {
                    Expr::Tuple(vals) if vals.len() == names_.len() => {
                        (names_.iter().collect(), vals.iter().collect())
                    }
                    Expr::Tuple(_) => {
                        return Err(errors::syntax(
                            "number of columns does not match number of values",
                        ));
                    }
                    _ => {
                        return Err(errors::unsupported(
                            "multiple-column UPDATE from a subquery",
                        ));
                    }
                },
            };
            for (target, value) in targets.into_iter().zip(values) {
                let parts = names::object_name(target)?;
                let first = &parts[0];
                let ord = table
                    .columns()
                    .position(|(_, d, _)| &d.name == first)
                    .ok_or_else(|| errors::undefined_column_of(first, &table.def.name))?;
                if parts.len() > 1 {
                    return Err(errors::unsupported("assignment to a field of a column"));
                }
                if out.iter().any(|(o, _)| *o == ord) {
                    return Err(errors::syntax(format!(
                        "multiple assignments to same column \"{first}\""
                    )));
                }
                let def = &table.def.columns[table.visible[ord]];
                let e = if is_default(value) {
                    self.default_for(table, ord)?
                } else {
                    if let Some((Identity::Always, _)) = def.identity {
                        return Err(DbError::new(
                            ErrorCode::DatatypeMismatch,
                            format!("column \"{first}\" can only be updated to DEFAULT"),
                        )
                        .with_sqlstate("428C9")
                        .with_detail(format!(
                            "Column \"{first}\" is an identity column defined as GENERATED ALWAYS."
                        )));
                    }
                    let bound = self.bind_expr(value, scope)?;
                    self.assign(table, ord, bound)?
                };
                out.push((ord, e));
            }
        }
        Ok(out)
    }

    /// INSERT's RETURNING, over the row written (the target's visible columns).
    pub(crate) fn bind_returning(
        &mut self,
        items: Option<&[SelectItem]>,
        table: &TableRef,
        alias: &str,
    ) -> Result<(Vec<ScalarExpr>, Vec<Column>), DbError> {
        let scope = Scope::for_relation(
            alias,
            Some(table.def.schema.clone()),
            &table_columns(table),
            0,
            Some(table.clone()),
        );
        self.bind_returning_in(items, &scope)
    }

    /// RETURNING over `scope`: for UPDATE and DELETE the whole input row, so the
    /// FROM / USING items can be returned too, as in PostgreSQL (the executor puts the
    /// written values in the target's columns).
    fn bind_returning_in(
        &mut self,
        items: Option<&[SelectItem]>,
        scope: &Scope,
    ) -> Result<(Vec<ScalarExpr>, Vec<Column>), DbError> {
        let Some(items) = items else {
            return Ok((vec![], vec![]));
        };
        let saved = std::mem::replace(&mut self.clause, Clause::Returning);
        let r = self.bind_select_list(items, scope);
        self.clause = saved;
        let mut exprs = Vec::new();
        let mut schema = Vec::new();
        for it in r? {
            let e = self.resolve_unknown(it.expr)?;
            schema.push(Column::new(it.name, e.ty()));
            exprs.push(e);
        }
        Ok((exprs, schema))
    }
}
