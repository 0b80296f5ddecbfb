//! Query bodies other than a plain SELECT: set operations with type unification, VALUES,
//! `TABLE t`, and WITH \[RECURSIVE\] queries.

use rustydb_common::DbError;
use sqlparser::ast::{self, Query, SetExpr, SetOperator, SetQuantifier, Values};

use super::errors;
use super::expr::Coercion;
use super::names;
use super::order::{QueryTail, order_items};
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan, SetOpKind};
use crate::types::DataType;

pub(crate) const NO_TAIL: QueryTail<'static> = QueryTail {
    order_by: &[],
    limit: None,
    fetch: None,
    locks: &[],
};

impl Binder<'_> {
    /// Binds a query: WITH, body, ORDER BY, LIMIT, locking. `resolve_unknown` turns
    /// unknown-typed outputs into text (false only for the source of an INSERT, whose
    /// literals take the target columns' types).
    #[recursive::recursive]
    pub(crate) fn bind_query(
        &mut self,
        q: &Query,
        resolve_unknown: bool,
    ) -> Result<LogicalPlan, DbError> {
        if q.for_clause.is_some()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            return Err(errors::unsupported(format!("the query clauses of {q}")));
        }
        let mark = self.ctes.len();
        let r = self.bind_query_inner(q, resolve_unknown);
        self.ctes.truncate(mark);
        r
    }

    fn bind_query_inner(
        &mut self,
        q: &Query,
        resolve_unknown: bool,
    ) -> Result<LogicalPlan, DbError> {
        let top_level = std::mem::take(&mut self.top_level_with);
        let mark = self.ctes.len();
        if let Some(w) = &q.with {
            self.bind_with(w, top_level)?;
        }
        let order = order_items(q)?;
        let tail = QueryTail {
            order_by: &order,
            limit: q.limit_clause.as_ref(),
            fetch: q.fetch.as_ref(),
            locks: &q.locks,
        };
        let plan = self.bind_set_expr(&q.body, &tail, resolve_unknown)?;
        self.check_modifying_ctes_read(mark, &plan)?;
        Ok(plan)
    }

    /// A query body with the clauses that follow it.
    pub(crate) fn bind_set_expr(
        &mut self,
        body: &SetExpr,
        tail: &QueryTail<'_>,
        resolve_unknown: bool,
    ) -> Result<LogicalPlan, DbError> {
        match body {
            SetExpr::Select(s) => self.bind_select(s, tail, resolve_unknown),
            SetExpr::Query(inner) if tail.is_empty() => {
                self.in_new_level(|b| b.bind_query(inner, resolve_unknown))
            }
            SetExpr::Query(inner) => {
                let plan = self.in_new_level(|b| b.bind_query(inner, true))?;
                self.apply_tail_to_output(plan, tail, false)
            }
            SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let plan = self.bind_set_operation(left, *op, *set_quantifier, right)?;
                if tail.is_empty() {
                    Ok(plan)
                } else {
                    self.apply_tail_to_output(plan, tail, true)
                }
            }
            SetExpr::Values(v) => {
                let plan = self.bind_values(v, resolve_unknown)?;
                if tail.is_empty() {
                    Ok(plan)
                } else {
                    self.apply_tail_to_output(plan, tail, false)
                }
            }
            SetExpr::Table(t) => {
                let mut parts = Vec::new();
                parts.extend(t.schema_name.iter().map(names::ident));
                parts.extend(t.table_name.iter().map(names::ident));
                let from = self.bind_from(&[table_ref(&parts)], false)?;
                let exprs: Vec<ScalarExpr> = from
                    .scope
                    .star
                    .iter()
                    .map(|&i| from.scope.columns[i].expr.clone())
                    .collect();
                let schema = from
                    .scope
                    .star
                    .iter()
                    .map(|&i| {
                        Column::new(from.scope.columns[i].name.clone(), exprs_ty(&from.scope, i))
                    })
                    .collect();
                let plan = LogicalPlan::Project {
                    input: Box::new(from.plan),
                    exprs,
                    schema,
                };
                if tail.is_empty() {
                    Ok(plan)
                } else {
                    self.apply_tail_to_output(plan, tail, false)
                }
            }
            _ => Err(errors::unsupported(
                "data-modifying statements in WITH or subqueries",
            )),
        }
    }

    fn bind_set_operation(
        &mut self,
        left: &SetExpr,
        op: SetOperator,
        quantifier: SetQuantifier,
        right: &SetExpr,
    ) -> Result<LogicalPlan, DbError> {
        let kind = match op {
            SetOperator::Union => SetOpKind::Union,
            SetOperator::Intersect => SetOpKind::Intersect,
            SetOperator::Except => SetOpKind::Except,
            SetOperator::Minus => return Err(errors::unsupported("MINUS")),
        };
        let all = match quantifier {
            SetQuantifier::All => true,
            SetQuantifier::Distinct | SetQuantifier::None => false,
            _ => return Err(errors::unsupported("BY NAME set operations")),
        };
        let l = self.in_new_level(|b| b.bind_set_expr(left, &NO_TAIL, false))?;
        let r = self.in_new_level(|b| b.bind_set_expr(right, &NO_TAIL, false))?;
        let what = match kind {
            SetOpKind::Union => "UNION",
            SetOpKind::Intersect => "INTERSECT",
            SetOpKind::Except => "EXCEPT",
        };
        let (l, r, schema) = self.unify_branches(l, r, what)?;
        Ok(LogicalPlan::SetOp {
            kind,
            all,
            left: Box::new(l),
            right: Box::new(r),
            schema,
        })
    }

    /// Gives two branches the same column types (their common types; unknown becomes
    /// text), and returns the output schema (left's names).
    fn unify_branches(
        &mut self,
        l: LogicalPlan,
        r: LogicalPlan,
        what: &str,
    ) -> Result<(LogicalPlan, LogicalPlan, Vec<Column>), DbError> {
        let (ls, rs) = (l.schema(), r.schema());
        if ls.len() != rs.len() {
            return Err(errors::syntax(format!(
                "each {what} query must have the same number of columns"
            )));
        }
        let mut types = Vec::new();
        for (a, b) in ls.iter().zip(&rs) {
            let t = self.common_type(&[a.ty.clone(), b.ty.clone()], what)?;
            types.push(if t == DataType::Unknown {
                DataType::Text
            } else {
                t
            });
        }
        let l = self.coerce_outputs(l, &types)?;
        let r = self.coerce_outputs(r, &types)?;
        let schema = ls
            .iter()
            .zip(&types)
            .map(|(c, t)| Column::new(c.name.clone(), t.clone()))
            .collect();
        Ok((l, r, schema))
    }

    /// Converts a plan's output columns to `types`: in place for Project and Values
    /// (so unknown literals are converted now), else through a new Project.
    pub(crate) fn coerce_outputs(
        &mut self,
        plan: LogicalPlan,
        types: &[DataType],
    ) -> Result<LogicalPlan, DbError> {
        self.coerce_outputs_kind(plan, types, Coercion::Implicit)
    }

    /// [`Binder::coerce_outputs`] in coercion context `kind`.
    pub(crate) fn coerce_outputs_kind(
        &mut self,
        plan: LogicalPlan,
        types: &[DataType],
        kind: Coercion,
    ) -> Result<LogicalPlan, DbError> {
        let schema = plan.schema();
        if schema.iter().zip(types).all(|(c, t)| c.ty == *t) {
            return Ok(plan);
        }
        match plan {
            LogicalPlan::Project {
                input,
                exprs,
                mut schema,
            } => {
                let mut out = Vec::with_capacity(exprs.len());
                for (i, e) in exprs.into_iter().enumerate() {
                    match types.get(i) {
                        Some(t) => {
                            out.push(self.coerce_or_fail(e, t, kind)?);
                            schema[i].ty = t.clone();
                        }
                        None => out.push(e),
                    }
                }
                Ok(LogicalPlan::Project {
                    input,
                    exprs: out,
                    schema,
                })
            }
            LogicalPlan::Values { rows, mut schema } => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut r = Vec::with_capacity(row.len());
                    for (e, t) in row.into_iter().zip(types) {
                        r.push(self.coerce_or_fail(e, t, kind)?);
                    }
                    out.push(r);
                }
                for (c, t) in schema.iter_mut().zip(types) {
                    c.ty = t.clone();
                }
                Ok(LogicalPlan::Values { rows: out, schema })
            }
            other => {
                let mut exprs = Vec::new();
                let mut out_schema = Vec::new();
                for (i, (c, t)) in schema.iter().zip(types).enumerate() {
                    let col = ScalarExpr::Column {
                        index: i,
                        ty: c.ty.clone(),
                    };
                    exprs.push(self.coerce_or_fail(col, t, kind)?);
                    out_schema.push(Column::new(c.name.clone(), t.clone()));
                }
                Ok(LogicalPlan::Project {
                    input: Box::new(other),
                    exprs,
                    schema: out_schema,
                })
            }
        }
    }

    /// `VALUES (..), (..)`: columns `column1..`, each of its rows' common type.
    pub(crate) fn bind_values(
        &mut self,
        v: &Values,
        resolve_unknown: bool,
    ) -> Result<LogicalPlan, DbError> {
        let saved = std::mem::replace(&mut self.clause, Clause::Values);
        let r = self.bind_values_rows(v);
        self.clause = saved;
        let rows = r?;
        let width = rows.first().map_or(0, Vec::len);
        let mut types = Vec::with_capacity(width);
        for c in 0..width {
            let col: Vec<DataType> = rows.iter().map(|r| r[c].ty()).collect();
            let t = self.common_type(&col, "VALUES")?;
            types.push(if t == DataType::Unknown && resolve_unknown {
                DataType::Text
            } else {
                t
            });
        }
        let schema: Vec<Column> = types
            .iter()
            .enumerate()
            .map(|(i, t)| Column::new(format!("column{}", i + 1), t.clone()))
            .collect();
        let plan = LogicalPlan::Values {
            rows,
            schema: schema
                .iter()
                .map(|c| Column::new(c.name.clone(), DataType::Unknown))
                .collect(),
        };
        self.coerce_outputs(plan, &types)
    }

    fn bind_values_rows(&mut self, v: &Values) -> Result<Vec<Vec<ScalarExpr>>, DbError> {
        let mut rows = Vec::with_capacity(v.rows.len());
        for row in &v.rows {
            let mut r = Vec::with_capacity(row.len());
            for e in row.iter() {
                if let ast::Expr::Identifier(id) = e
                    && id.quote_style.is_none()
                    && id.value.eq_ignore_ascii_case("default")
                {
                    return Err(errors::syntax("DEFAULT is not allowed in this context"));
                }
                r.push(self.bind_expr(e, &Scope::empty())?);
            }
            if rows
                .first()
                .is_some_and(|f: &Vec<ScalarExpr>| f.len() != r.len())
            {
                return Err(errors::syntax("VALUES lists must all be the same length"));
            }
            rows.push(r);
        }
        Ok(rows)
    }
}

fn exprs_ty(scope: &Scope, i: usize) -> DataType {
    scope.columns[i].ty()
}

/// `FROM name` as sqlparser would parse it.
fn table_ref(parts: &[String]) -> ast::TableWithJoins {
    let idents: Vec<ast::Ident> = parts
        .iter()
        .map(|p| ast::Ident::with_quote('"', p.clone()))
        .collect();
    ast::TableWithJoins {
        relation: ast::TableFactor::Table {
            name: ast::ObjectName::from(idents),
            alias: None,
            args: None,
            with_hints: vec![],
            version: None,
            with_ordinality: false,
            partitions: vec![],
            json_path: None,
            sample: None,
            index_directives: vec![],
            inheritance: None,
        },
        joins: vec![],
    }
}
