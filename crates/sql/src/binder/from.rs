//! The FROM clause: tables, views, WITH queries, derived tables, and joins of every kind
//! (comma, CROSS, INNER, LEFT, RIGHT, FULL, with ON, USING or NATURAL).

use std::sync::Arc;

use rustydb_common::DbError;
use sqlparser::ast::{JoinConstraint, JoinOperator, TableAlias, TableFactor, TableWithJoins};

use super::errors;
use super::expr::Coercion;
use super::names;
use super::query::{Binder, Clause, RelationTarget};
use super::scope::{Scope, ScopeColumn};
use crate::catalog::TableRef;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, JoinKind, JoinStrategy, LogicalPlan, ScanAccess};
use crate::types::{DataType, Value};

/// A bound FROM clause.
#[derive(Debug)]
pub(crate) struct FromItem {
    /// Its plan.
    pub(crate) plan: LogicalPlan,
    /// What it makes visible.
    pub(crate) scope: Scope,
    /// Tables scanned directly with their tuple id: (table, alias, row position of the
    /// tid), when asked for (FOR UPDATE, UPDATE/DELETE targets).
    pub(crate) tids: Vec<(TableRef, String, usize)>,
}

/// A sequential scan of `table`, its columns qualified by `alias`, with the hidden tuple
/// id appended when `with_tid`.
pub(crate) fn scan_plan(table: &TableRef, alias: &str, with_tid: bool) -> LogicalPlan {
    let mut schema: Vec<Column> = table
        .columns()
        .map(|(_, def, ty)| Column {
            name: def.name.clone(),
            ty: ty.clone(),
            qualifier: Some(alias.to_string()),
            hidden: false,
        })
        .collect();
    if with_tid {
        schema.push(Column {
            name: "ctid".into(),
            ty: DataType::Int8,
            qualifier: Some(alias.to_string()),
            hidden: true,
        });
    }
    LogicalPlan::Scan {
        table: table.clone(),
        alias: alias.to_string(),
        filter: Vec::new(),
        access: ScanAccess::Sequential,
        with_tid,
        schema,
    }
}

/// A table's visible columns as (name, type).
pub(crate) fn table_columns(table: &crate::catalog::TableMeta) -> Vec<(String, DataType)> {
    table
        .columns()
        .map(|(_, def, ty)| (def.name.clone(), ty.clone()))
        .collect()
}

impl Binder<'_> {
    /// Binds a FROM list (comma-separated items are cross-joined). No FROM is one empty
    /// row.
    pub(crate) fn bind_from(
        &mut self,
        from: &[TableWithJoins],
        want_tids: bool,
    ) -> Result<FromItem, DbError> {
        let mut acc: Option<FromItem> = None;
        for twj in from {
            let item = self.bind_table_with_joins(twj, want_tids)?;
            acc = Some(match acc {
                None => item,
                Some(left) => self.join_items(left, item, JoinKind::Inner, None)?,
            });
        }
        Ok(acc.unwrap_or_else(|| FromItem {
            plan: LogicalPlan::Values {
                rows: vec![vec![]],
                schema: vec![],
            },
            scope: Scope::empty(),
            tids: vec![],
        }))
    }

    fn bind_table_with_joins(
        &mut self,
        twj: &TableWithJoins,
        want_tids: bool,
    ) -> Result<FromItem, DbError> {
        let mut left = self.bind_table_factor(&twj.relation, want_tids)?;
        for j in &twj.joins {
            let right = self.bind_table_factor(&j.relation, want_tids)?;
            let (kind, constraint) = match &j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, c),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, c),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, c),
                JoinOperator::FullOuter(c) => (JoinKind::Full, c),
                JoinOperator::CrossJoin(c) => {
                    if !matches!(c, JoinConstraint::None) {
                        return Err(errors::syntax(
                            "syntax error: CROSS JOIN takes no join condition",
                        ));
                    }
                    left = self.join_items(left, right, JoinKind::Inner, None)?;
                    continue;
                }
                other => return Err(errors::unsupported(format!("the join {other:?}"))),
            };
            left = match constraint {
                JoinConstraint::On(e) => self.join_items(left, right, kind, Some(e))?,
                JoinConstraint::Using(cols) => {
                    let names = cols
                        .iter()
                        .map(|c| names::object_name(c).map(|p| p.join(".")))
                        .collect::<Result<Vec<_>, _>>()?;
                    self.join_using(left, right, kind, &names)?
                }
                JoinConstraint::Natural => {
                    let rnames: Vec<String> = right
                        .scope
                        .star
                        .iter()
                        .map(|&i| right.scope.columns[i].name.clone())
                        .collect();
                    let mut common = Vec::new();
                    for &i in &left.scope.star {
                        let n = &left.scope.columns[i].name;
                        if rnames.contains(n) && !common.contains(n) {
                            common.push(n.clone());
                        }
                    }
                    self.join_using(left, right, kind, &common)?
                }
                JoinConstraint::None if kind == JoinKind::Inner => {
                    return Err(errors::syntax(
                        "syntax error: JOIN requires ON, USING or NATURAL",
                    ));
                }
                JoinConstraint::None => {
                    return Err(errors::syntax(
                        "syntax error: outer join requires a join condition",
                    ));
                }
                JoinConstraint::UsingAlias(..) => {
                    return Err(errors::unsupported("USING ... AS alias"));
                }
            };
        }
        Ok(left)
    }

    /// Joins two FROM items on an optional ON condition.
    fn join_items(
        &mut self,
        left: FromItem,
        right: FromItem,
        kind: JoinKind,
        on: Option<&sqlparser::ast::Expr>,
    ) -> Result<FromItem, DbError> {
        let shift = left.plan.width();
        let mut scope = left.scope;
        for r in &right.scope.relations {
            if scope.has_relation(&r.alias) {
                return Err(errors::duplicate_alias(&r.alias));
            }
        }
        scope.append(right.scope, shift);
        let on = match on {
            Some(e) => {
                let saved = std::mem::replace(&mut self.clause, Clause::JoinOn);
                let r = self.bind_condition(e, &scope, "JOIN/ON");
                self.clause = saved;
                Some(r?)
            }
            None => None,
        };
        let mut tids = left.tids;
        tids.extend(right.tids.into_iter().map(|(t, a, p)| (t, a, p + shift)));
        let plan = LogicalPlan::Join {
            left: Box::new(left.plan),
            right: Box::new(right.plan),
            kind,
            on,
            strategy: JoinStrategy::NestedLoop,
        };
        Ok(FromItem { plan, scope, tids })
    }

    /// `JOIN ... USING (cols)`: equality on each pair, and one merged column per name
    /// shown first by `*`.
    fn join_using(
        &mut self,
        left: FromItem,
        right: FromItem,
        kind: JoinKind,
        cols: &[String],
    ) -> Result<FromItem, DbError> {
        let find = |scope: &Scope, name: &str, side: &str| -> Result<usize, DbError> {
            let hits: Vec<usize> = (0..scope.columns.len())
                .filter(|&i| scope.columns[i].unqualified && scope.columns[i].name == name)
                .collect();
            match hits.as_slice() {
                [i] => Ok(*i),
                [] => Err(errors::using_column(format!(
                    "column \"{name}\" specified in USING clause does not exist in {side} table"
                ))
                .with_sqlstate("42703")),
                _ => Err(errors::using_column(format!(
                    "common column name \"{name}\" appears more than once in {side} table"
                ))
                .with_sqlstate("42702")),
            }
        };
        let mut pairs = Vec::new();
        for (k, name) in cols.iter().enumerate() {
            if cols[..k].contains(name) {
                return Err(errors::using_column(format!(
                    "column \"{name}\" appears more than once in USING clause"
                ))
                .with_sqlstate("42701"));
            }
            pairs.push((
                find(&left.scope, name, "left")?,
                find(&right.scope, name, "right")?,
            ));
        }
        let right_scope_cols: Vec<ScopeColumn> = right.scope.columns.clone();
        let mut joined = self.join_items(left, right, kind, None)?;
        let nleft = joined.scope.columns.len() - right_scope_cols.len();
        let mut conds = Vec::new();
        let mut merged = Vec::new();
        for (name, &(li, ri)) in cols.iter().zip(&pairs) {
            let l = joined.scope.columns[li].expr.clone();
            let r = joined.scope.columns[nleft + ri].expr.clone();
            let ty = self.common_type(&[l.ty(), r.ty()], "JOIN/USING")?;
            let l = self.coerce_or_fail(l, &ty, super::expr::Coercion::Implicit)?;
            let r = self.coerce_or_fail(r, &ty, super::expr::Coercion::Implicit)?;
            conds.push(self.make_comparison(
                crate::types::ops::BinaryOp::Eq,
                l.clone(),
                r.clone(),
            )?);
            let expr = match kind {
                JoinKind::Right => r,
                JoinKind::Full => ScalarExpr::Coalesce(vec![l, r], ty),
                _ => l,
            };
            merged.push(ScopeColumn {
                qualifier: None,
                name: name.clone(),
                expr,
                unqualified: true,
                source: None,
            });
            joined.scope.columns[li].unqualified = false;
            joined.scope.columns[nleft + ri].unqualified = false;
        }
        if let LogicalPlan::Join { on, .. } = &mut joined.plan {
            *on = Some(ScalarExpr::and_all(conds));
        }
        // Merged columns go first in `*` order; the per-side copies leave it.
        let hidden: Vec<usize> = pairs.iter().flat_map(|&(l, r)| [l, nleft + r]).collect();
        let base = joined.scope.columns.len();
        let mut star: Vec<usize> = (base..base + merged.len()).collect();
        star.extend(
            joined
                .scope
                .star
                .iter()
                .copied()
                .filter(|i| !hidden.contains(i)),
        );
        joined.scope.columns.extend(merged);
        joined.scope.star = star;
        Ok(joined)
    }

    /// One FROM item.
    fn bind_table_factor(
        &mut self,
        tf: &TableFactor,
        want_tids: bool,
    ) -> Result<FromItem, DbError> {
        match tf {
            TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                sample,
                ..
            } => {
                if let Some(args) = args
                    && !*with_ordinality
                    && names::object_name(name)?.last().map(String::as_str)
                        == Some("generate_series")
                {
                    return self.bind_generate_series(&args.args, alias.as_ref());
                }
                if let Some(args) = args
                    && names::object_name(name)?.last().map(String::as_str)
                        == Some("pg_partition_ancestors")
                {
                    return self.bind_partition_ancestors(
                        &args.args,
                        alias.as_ref(),
                        *with_ordinality,
                    );
                }
                if let Some(args) = args
                    && names::object_name(name)?.last().map(String::as_str) == Some("unnest")
                {
                    return self.bind_unnest(
                        &unnamed_args(&args.args, "unnest")?,
                        alias.as_ref(),
                        *with_ordinality,
                    );
                }
                if args.is_some() || *with_ordinality {
                    return Err(errors::unsupported(
                        "table functions in FROM other than generate_series and unnest",
                    ));
                }
                if sample.is_some() {
                    return Err(errors::unsupported("TABLESAMPLE"));
                }
                let parts = names::object_name(name)?;
                let (schema, target) = self.lookup_relation(&parts)?;
                let default_alias = parts.last().cloned().unwrap_or_default();
                self.bind_relation(target, schema, &default_alias, alias.as_ref(), want_tids)
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(errors::unsupported("LATERAL"));
                }
                let Some(alias) = alias else {
                    return Err(errors::syntax("subquery in FROM must have an alias")
                        .with_hint("For example, FROM (SELECT ...) [AS] foo."));
                };
                let plan = self.in_new_level(|b| b.bind_query(subquery, true))?;
                let cols = Binder::columns_of(&plan);
                let (name, cols) = apply_alias(alias, &names::ident(&alias.name), cols)?;
                let scope = Scope::for_relation(&name, None, &cols, 0, None);
                Ok(FromItem {
                    plan,
                    scope,
                    tids: vec![],
                })
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let mut item = self.bind_table_with_joins(table_with_joins, want_tids)?;
                if let Some(a) = alias {
                    let cols: Vec<String> =
                        a.columns.iter().map(|c| names::ident(&c.name)).collect();
                    item.scope.requalify(&names::ident(&a.name), &cols)?;
                }
                Ok(item)
            }
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset,
                with_ordinality,
                ..
            } => {
                if *with_offset {
                    return Err(errors::unsupported("UNNEST ... WITH OFFSET"));
                }
                let exprs: Vec<&sqlparser::ast::Expr> = array_exprs.iter().collect();
                self.bind_unnest(&exprs, alias.as_ref(), *with_ordinality)
            }
            TableFactor::Function { .. } | TableFactor::TableFunction { .. } => {
                Err(errors::unsupported("table functions in FROM"))
            }
            other => Err(errors::unsupported(format!("the FROM item {other}"))),
        }
    }

    /// `generate_series(start, stop [, step])`: integers (the wider of the argument
    /// types), numeric, or timestamps stepped by an interval, as in PostgreSQL.
    fn bind_generate_series(
        &mut self,
        args: &[sqlparser::ast::FunctionArg],
        alias: Option<&TableAlias>,
    ) -> Result<FromItem, DbError> {
        let mut bound = Vec::new();
        for e in unnamed_args(args, "generate_series")? {
            bound.push(self.bind_expr(e, &Scope::empty())?);
        }
        if !(2..=3).contains(&bound.len()) {
            let types: Vec<String> = bound.iter().map(|e| e.ty().sql_name()).collect();
            return Err(super::expr_call::undefined_function(&format!(
                "generate_series({})",
                types.join(", ")
            )));
        }
        let bound_types: Vec<DataType> = bound[..2].iter().map(ScalarExpr::ty).collect();
        let mut ty = self.common_type(&bound_types, "generate_series")?;
        if ty == DataType::Unknown || ty == DataType::Int2 {
            ty = DataType::Int4;
        }
        let step_ty = match ty {
            DataType::Int4 | DataType::Int8 | DataType::Numeric { .. } => ty.clone(),
            DataType::Timestamp | DataType::TimestampTz => DataType::Interval,
            DataType::Text | DataType::Varchar(_) => {
                ty = DataType::TimestampTz;
                DataType::Interval
            }
            other => {
                return Err(super::expr_call::undefined_function(&format!(
                    "generate_series({0}, {0})",
                    other.sql_name()
                )));
            }
        };
        let mut it = bound.into_iter();
        let (Some(start), Some(stop)) = (it.next(), it.next()) else {
            return Err(DbError::internal("generate_series arguments"));
        };
        let start = self.coerce_or_fail(start, &ty, Coercion::Implicit)?;
        let stop = self.coerce_or_fail(stop, &ty, Coercion::Implicit)?;
        let step = match it.next() {
            Some(e) => self.coerce_or_fail(e, &step_ty, Coercion::Implicit)?,
            None if step_ty == DataType::Interval => {
                return Err(super::expr_call::undefined_function(&format!(
                    "generate_series({0}, {0})",
                    ty.sql_name()
                )));
            }
            None => self.coerce_or_fail(
                ScalarExpr::Literal(Value::Int4(1), DataType::Int4),
                &ty,
                Coercion::Implicit,
            )?,
        };
        let default = "generate_series".to_string();
        let (alias_name, cols) = match alias {
            Some(a) => {
                let name = names::ident(&a.name);
                // A single column alias names the column; none names it after the alias.
                let col = a
                    .columns
                    .first()
                    .map_or_else(|| name.clone(), |c| names::ident(&c.name));
                if a.columns.len() > 1 {
                    return Err(errors::syntax(format!(
                        "table \"{name}\" has 1 columns available but {} columns specified",
                        a.columns.len()
                    ))
                    .with_sqlstate("42P10"));
                }
                (name, vec![(col, ty.clone())])
            }
            None => (default.clone(), vec![(default, ty.clone())]),
        };
        let schema = qualified_columns(&alias_name, &cols);
        let plan = LogicalPlan::Series {
            start,
            stop,
            step,
            schema,
        };
        let scope = Scope::for_relation(&alias_name, None, &cols, 0, None);
        Ok(FromItem {
            plan,
            scope,
            tids: vec![],
        })
    }

    /// A named relation: table scan, expanded view, or CTE reference.
    fn bind_relation(
        &mut self,
        target: RelationTarget,
        schema: Option<String>,
        default_alias: &str,
        alias: Option<&TableAlias>,
        want_tids: bool,
    ) -> Result<FromItem, DbError> {
        let alias_name = alias.map_or_else(|| default_alias.to_string(), |a| names::ident(&a.name));
        // A table referenced by its own name can be qualified with its schema.
        let qual_schema = if alias.is_none() { schema } else { None };
        match target {
            RelationTarget::System(rel) => {
                self.bind_system_relation(rel, &alias_name, alias, qual_schema)
            }
            RelationTarget::Table(table) => {
                let cols = table_columns(&table);
                let (alias_name, cols) = match alias {
                    Some(a) => apply_alias(a, &alias_name, cols)?,
                    None => (alias_name, cols),
                };
                let plan = scan_plan(&table, &alias_name, want_tids);
                let tids = if want_tids {
                    vec![(table.clone(), alias_name.clone(), cols.len())]
                } else {
                    vec![]
                };
                let scope = Scope::for_relation(&alias_name, qual_schema, &cols, 0, Some(table));
                Ok(FromItem { plan, scope, tids })
            }
            RelationTarget::View(view) => {
                if self.views.contains(&view.oid) {
                    return Err(errors::syntax(format!(
                        "infinite recursion detected in rules for relation \"{}\"",
                        view.name
                    ))
                    .with_sqlstate("42P17"));
                }
                let plan = self.bind_view_query(&view)?;
                let cols: Vec<(String, DataType)> = Binder::columns_of(&plan)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, t))| (view.columns.get(i).cloned().unwrap_or(n), t))
                    .collect();
                let (alias_name, cols) = match alias {
                    Some(a) => apply_alias(a, &alias_name, cols)?,
                    None => (alias_name, cols),
                };
                let scope = Scope::for_relation(&alias_name, qual_schema, &cols, 0, None);
                Ok(FromItem {
                    plan,
                    scope,
                    tids: vec![],
                })
            }
            RelationTarget::Cte(cte) => {
                if let LogicalPlan::Insert { returning, .. }
                | LogicalPlan::Update { returning, .. }
                | LogicalPlan::Delete { returning, .. } = &*cte.plan
                    && returning.is_empty()
                {
                    return Err(errors::feature(format!(
                        "WITH query \"{}\" does not have a RETURNING clause",
                        cte.name
                    )));
                }
                let (alias_name, cols) = match alias {
                    Some(a) => apply_alias(a, &alias_name, cte.columns.clone())?,
                    None => (alias_name, cte.columns.clone()),
                };
                let schema: Vec<Column> = cols
                    .iter()
                    .map(|(n, t)| Column {
                        name: n.clone(),
                        ty: t.clone(),
                        qualifier: Some(alias_name.clone()),
                        hidden: false,
                    })
                    .collect();
                let plan = if cte.worktable {
                    self.worktables_read.push(cte.id);
                    LogicalPlan::WorkTable { id: cte.id, schema }
                } else {
                    LogicalPlan::CteScan {
                        plan: Arc::clone(&cte.plan),
                        id: cte.id,
                        schema,
                    }
                };
                let scope = Scope::for_relation(&alias_name, None, &cols, 0, None);
                Ok(FromItem {
                    plan,
                    scope,
                    tids: vec![],
                })
            }
        }
    }

    /// Binds a view's stored query on its own: no enclosing levels or WITH queries of
    /// the referencing query are visible to it.
    pub(crate) fn bind_view_query(
        &mut self,
        view: &crate::catalog::ViewDef,
    ) -> Result<LogicalPlan, DbError> {
        let stmts = super::parse(&view.query)?;
        let [sqlparser::ast::Statement::Query(q)] = stmts.as_slice() else {
            return Err(DbError::internal(format!(
                "view {} has no query",
                view.name
            )));
        };
        let outer = std::mem::take(&mut self.outer);
        let ctes = std::mem::take(&mut self.ctes);
        self.views.push(view.oid);
        let r = self.in_new_level(|b| b.bind_query(q, true));
        self.views.pop();
        self.outer = outer;
        self.ctes = ctes;
        r
    }
}

/// Applies `AS alias (c1, c2)` to a relation's columns.
pub(crate) fn apply_alias(
    alias: &TableAlias,
    name: &str,
    mut cols: Vec<(String, DataType)>,
) -> Result<(String, Vec<(String, DataType)>), DbError> {
    if alias.columns.len() > cols.len() {
        return Err(errors::invalid_column_reference(format!(
            "table \"{name}\" has {} columns available but {} columns specified",
            cols.len(),
            alias.columns.len()
        )));
    }
    for (c, a) in cols.iter_mut().zip(&alias.columns) {
        if a.data_type.is_some() {
            return Err(errors::unsupported("column definition lists"));
        }
        c.0 = names::ident(&a.name);
    }
    Ok((name.to_string(), cols))
}

/// The arguments of a table function call in FROM, which must all be plain (0A000 for
/// `name => value`).
fn unnamed_args<'a>(
    args: &'a [sqlparser::ast::FunctionArg],
    function: &str,
) -> Result<Vec<&'a sqlparser::ast::Expr>, DbError> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr};
    args.iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
            _ => Err(errors::unsupported(format!(
                "named arguments to {function}"
            ))),
        })
        .collect()
}

/// The output columns of a relation named `qualifier` whose row is `cols` (name, type).
pub(crate) fn qualified_columns(qualifier: &str, cols: &[(String, DataType)]) -> Vec<Column> {
    cols.iter()
        .map(|(n, t)| Column {
            name: n.clone(),
            ty: t.clone(),
            qualifier: Some(qualifier.to_string()),
            hidden: false,
        })
        .collect()
}
