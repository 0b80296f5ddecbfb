//! ORDER BY (ordinals, output names, expressions, NULLS FIRST/LAST), DISTINCT ON keys,
//! LIMIT / OFFSET / FETCH, and ordering the output of set operations and VALUES.

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr, LimitClause, LockClause, OrderByExpr, OrderByKind};

use super::errors;
use super::expr::Coercion;
use super::names;
use super::query::{Binder, Clause};
use super::scope::Scope;
use super::select::OutItem;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan, SortKey};
use crate::types::{DataType, Value};

/// The clauses of a query that follow its body.
#[derive(Debug)]
pub(crate) struct QueryTail<'q> {
    /// ORDER BY items.
    pub(crate) order_by: &'q [&'q OrderByExpr],
    /// LIMIT / OFFSET.
    pub(crate) limit: Option<&'q LimitClause>,
    /// FETCH FIRST.
    pub(crate) fetch: Option<&'q ast::Fetch>,
    /// FOR UPDATE / FOR SHARE.
    pub(crate) locks: &'q [LockClause],
}

impl QueryTail<'_> {
    /// Whether the query has none of these clauses.
    pub(crate) fn is_empty(&self) -> bool {
        self.order_by.is_empty()
            && self.limit.is_none()
            && self.fetch.is_none()
            && self.locks.is_empty()
    }
}

/// The ORDER BY items of a query.
pub(crate) fn order_items(q: &ast::Query) -> Result<Vec<&OrderByExpr>, DbError> {
    match &q.order_by {
        None => Ok(vec![]),
        Some(ob) => {
            if ob.interpolate.is_some() {
                return Err(errors::unsupported("INTERPOLATE"));
            }
            match &ob.kind {
                OrderByKind::Expressions(v) => {
                    if v.iter().any(|o| o.with_fill.is_some()) {
                        return Err(errors::unsupported("WITH FILL"));
                    }
                    Ok(v.iter().collect())
                }
                OrderByKind::All(_) => Err(errors::unsupported("ORDER BY ALL")),
            }
        }
    }
}

/// An ORDER BY item resolved against a select list.
#[derive(Debug, Clone)]
pub(crate) enum OrderItem {
    /// The `i`th output column.
    Output(usize, bool, bool),
    /// An expression over the FROM row.
    Expr(SortKey),
}

/// The value of an integer constant (an ordinal).
pub(crate) fn ordinal(v: &ast::Value) -> Option<usize> {
    match v {
        ast::Value::Number(s, _) => s.parse().ok(),
        _ => None,
    }
}

fn direction(o: &OrderByExpr) -> (bool, bool) {
    let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
    (desc, o.options.nulls_first.unwrap_or(desc))
}

impl Binder<'_> {
    /// One sort key over `scope` (window ORDER BY, aggregate ORDER BY).
    pub(crate) fn bind_sort_key(
        &mut self,
        o: &OrderByExpr,
        scope: &Scope,
    ) -> Result<SortKey, DbError> {
        let (desc, nulls_first) = direction(o);
        let e = self.bind_expr(&o.expr, scope)?;
        let expr = self.resolve_unknown(e)?;
        Ok(SortKey {
            expr,
            desc,
            nulls_first,
        })
    }

    /// Resolves ORDER BY items: an integer is an output position, a bare name an output
    /// column (ambiguity is an error), anything else an expression over the FROM row.
    pub(crate) fn bind_order_items(
        &mut self,
        items: &[&OrderByExpr],
        out: &[OutItem<'_>],
        scope: &Scope,
    ) -> Result<Vec<OrderItem>, DbError> {
        let what = if self.clause == Clause::DistinctOn {
            "SELECT DISTINCT ON"
        } else {
            "ORDER BY"
        };
        let mut result = Vec::new();
        for o in items {
            let (desc, nulls_first) = direction(o);
            match &o.expr {
                Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let pos = ordinal(&v.value)
                        .filter(|&n| n >= 1 && n <= out.len())
                        .ok_or_else(|| {
                            errors::invalid_column_reference(format!(
                                "{what} position {} is not in select list",
                                v.value
                            ))
                        })?;
                    result.push(OrderItem::Output(pos - 1, desc, nulls_first));
                }
                Expr::Identifier(id) if out.iter().any(|it| it.name == names::ident(id)) => {
                    let n = names::ident(id);
                    let hits: Vec<usize> = (0..out.len()).filter(|&i| out[i].name == n).collect();
                    let first = format!("{:?}", out[hits[0]].expr);
                    if hits.iter().any(|&i| format!("{:?}", out[i].expr) != first) {
                        return Err(ambiguous_order(what, &n));
                    }
                    result.push(OrderItem::Output(hits[0], desc, nulls_first));
                }
                e => {
                    let bound = self.bind_expr(e, scope)?;
                    let expr = self.resolve_unknown(bound)?;
                    result.push(OrderItem::Expr(SortKey {
                        expr,
                        desc,
                        nulls_first,
                    }));
                }
            }
        }
        Ok(result)
    }

    /// Turns ORDER BY items into sort keys over the Project output, adding hidden
    /// columns for expressions not in the select list (refused under DISTINCT).
    pub(crate) fn place_order_items(
        &mut self,
        items: Vec<OrderItem>,
        exprs: &mut Vec<ScalarExpr>,
        schema: &mut Vec<Column>,
        distinct: bool,
    ) -> Result<Vec<SortKey>, DbError> {
        let mut keys = Vec::new();
        for it in items {
            match it {
                OrderItem::Output(i, desc, nulls_first) => keys.push(SortKey {
                    expr: ScalarExpr::Column {
                        index: i,
                        ty: exprs[i].ty(),
                    },
                    desc,
                    nulls_first,
                }),
                OrderItem::Expr(k) => {
                    let s = format!("{:?}", k.expr);
                    let pos = match exprs.iter().position(|e| format!("{e:?}") == s) {
                        Some(p) => p,
                        None if distinct => {
                            return Err(errors::invalid_column_reference(
                                "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                            ));
                        }
                        None => {
                            schema.push(Column {
                                name: "?column?".into(),
                                ty: k.expr.ty(),
                                qualifier: None,
                                hidden: true,
                            });
                            exprs.push(k.expr.clone());
                            exprs.len() - 1
                        }
                    };
                    keys.push(SortKey {
                        expr: ScalarExpr::Column {
                            index: pos,
                            ty: k.expr.ty(),
                        },
                        desc: k.desc,
                        nulls_first: k.nulls_first,
                    });
                }
            }
        }
        Ok(keys)
    }

    /// ORDER BY / LIMIT / OFFSET over the output of a set operation or VALUES: only
    /// output columns (names or positions) can be sort keys.
    pub(crate) fn apply_tail_to_output(
        &mut self,
        plan: LogicalPlan,
        tail: &QueryTail<'_>,
        set_op: bool,
    ) -> Result<LogicalPlan, DbError> {
        if !tail.locks.is_empty() {
            return Err(errors::feature(
                "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT",
            ));
        }
        let schema = plan.schema();
        let cols: Vec<(String, DataType)> = schema
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect();
        let out: Vec<OutItem<'_>> = cols
            .iter()
            .enumerate()
            .map(|(i, (n, t))| OutItem {
                name: n.clone(),
                expr: ScalarExpr::Column {
                    index: i,
                    ty: t.clone(),
                },
                ast: None,
            })
            .collect();
        let scope = Scope::for_relation("", None, &cols, 0, None);
        self.clause = Clause::OrderBy;
        let items = self.bind_order_items(tail.order_by, &out, &scope)?;
        self.clause = Clause::Other;
        let mut keys = Vec::new();
        for it in items {
            match it {
                OrderItem::Output(i, desc, nulls_first) => keys.push(SortKey {
                    expr: ScalarExpr::Column {
                        index: i,
                        ty: cols[i].1.clone(),
                    },
                    desc,
                    nulls_first,
                }),
                OrderItem::Expr(k) if matches!(k.expr, ScalarExpr::Column { .. }) || !set_op => {
                    keys.push(k)
                }
                OrderItem::Expr(_) => {
                    return Err(errors::feature("invalid UNION/INTERSECT/EXCEPT ORDER BY clause")
                        .with_detail("Only result column names can be used, not expressions or functions.")
                        .with_hint("Add the expression/function to every SELECT, or move the UNION into a FROM clause."));
                }
            }
        }
        let plan = super::select::sort(plan, keys);
        self.apply_limit(plan, tail)
    }

    /// LIMIT / OFFSET / FETCH FIRST as a Limit node (bigint expressions without
    /// columns).
    pub(crate) fn apply_limit(
        &mut self,
        plan: LogicalPlan,
        tail: &QueryTail<'_>,
    ) -> Result<LogicalPlan, DbError> {
        let (mut limit, mut offset) = (None, None);
        match tail.limit {
            None => {}
            Some(LimitClause::LimitOffset {
                limit: l,
                offset: o,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(errors::unsupported("LIMIT BY"));
                }
                limit = match l {
                    Some(e) => self.bind_count(e, Clause::Limit)?,
                    None => None,
                };
                offset = match o {
                    Some(o) => self.bind_count(&o.value, Clause::Offset)?,
                    None => None,
                };
            }
            Some(LimitClause::OffsetCommaLimit { .. }) => {
                return Err(errors::syntax("LIMIT #,# syntax is not supported")
                    .with_hint("Use separate LIMIT and OFFSET clauses."));
            }
        }
        if let Some(f) = tail.fetch {
            if f.with_ties || f.percent {
                return Err(errors::unsupported("FETCH ... WITH TIES / PERCENT"));
            }
            if limit.is_some() {
                return Err(errors::syntax(
                    "syntax error: LIMIT and FETCH cannot both be given",
                ));
            }
            limit = match &f.quantity {
                Some(e) => self.bind_count(e, Clause::Limit)?,
                None => Some(ScalarExpr::Literal(Value::Int8(1), DataType::Int8)),
            };
        }
        if limit.is_none() && offset.is_none() {
            return Ok(plan);
        }
        Ok(LogicalPlan::Limit {
            input: Box::new(plan),
            limit,
            offset,
        })
    }

    /// A LIMIT or OFFSET value: bigint, no columns; NULL means none.
    fn bind_count(&mut self, e: &Expr, clause: Clause) -> Result<Option<ScalarExpr>, DbError> {
        let saved = std::mem::replace(&mut self.clause, clause);
        let r = self.bind_expr(e, &Scope::empty());
        self.clause = saved;
        let bound = r.map_err(|err| {
            if err.sqlstate() == "42703" || err.sqlstate() == "42P01" {
                errors::invalid_column_reference(format!(
                    "argument of {} must not contain variables",
                    clause.name()
                ))
            } else {
                err
            }
        })?;
        if matches!(bound, ScalarExpr::Literal(Value::Null, _)) {
            return Ok(None);
        }
        let name = clause.name();
        let ty = bound.ty();
        match self.try_coerce(bound, &DataType::Int8, Coercion::Implicit)? {
            Some(x) => Ok(Some(x)),
            None => Err(errors::mismatch(format!(
                "argument of {name} must be type bigint, not type {}",
                ty.sql_name()
            ))),
        }
    }
}

/// 42702 `ORDER BY "a" is ambiguous`.
fn ambiguous_order(what: &str, name: &str) -> DbError {
    DbError::new(
        rustydb_common::ErrorCode::InvalidReference,
        format!("{what} \"{name}\" is ambiguous"),
    )
    .with_sqlstate("42702")
}
