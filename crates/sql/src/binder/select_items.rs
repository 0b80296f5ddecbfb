//! The select list (`*` and `t.*` expansion), GROUP BY keys (ordinals, output names and
//! expressions, as PostgreSQL resolves them), FOR UPDATE targets, named windows, and the
//! checks of what a SELECT may combine.

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr, GroupByExpr, NamedWindowExpr, Select, SelectItem};

use super::aggregate::{has_aggregate, has_window};
use super::errors::{self, WithMessage};
use super::names;
use super::order::QueryTail;
use super::query::{Binder, Clause};
use super::scope::Scope;
use super::select::OutItem;
use crate::plan::expr::ScalarExpr;

impl Binder<'_> {
    /// The select list, with `*` and `t.*` expanded.
    pub(crate) fn bind_select_list<'q>(
        &mut self,
        list: &'q [SelectItem],
        scope: &Scope,
    ) -> Result<Vec<OutItem<'q>>, DbError> {
        let mut out = Vec::new();
        for item in list {
            match item {
                SelectItem::UnnamedExpr(e) => out.push(OutItem {
                    name: names::figure_colname(e),
                    expr: self.bind_expr(e, scope)?,
                    ast: Some(e),
                }),
                SelectItem::ExprWithAlias { expr, alias } => out.push(OutItem {
                    name: names::ident(alias),
                    expr: self.bind_expr(expr, scope)?,
                    ast: Some(expr),
                }),
                SelectItem::Wildcard(opts) => {
                    check_wildcard_options(opts)?;
                    if scope.relations.is_empty() && scope.columns.is_empty() {
                        return Err(errors::syntax(
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    for &i in &scope.star {
                        let c = &scope.columns[i];
                        out.push(OutItem {
                            name: c.name.clone(),
                            expr: c.expr.clone(),
                            ast: None,
                        });
                    }
                }
                SelectItem::QualifiedWildcard(kind, opts) => {
                    check_wildcard_options(opts)?;
                    let ast::SelectItemQualifiedWildcardKind::ObjectName(name) = kind else {
                        return Err(errors::unsupported("expression.* in a select list"));
                    };
                    let parts = names::object_name(name)?;
                    let rel = scope
                        .relation(&parts)
                        .ok_or_else(|| errors::missing_from(parts.last().map_or("", |s| s)))?;
                    for &i in &rel.columns {
                        let c = &scope.columns[i];
                        out.push(OutItem {
                            name: c.name.clone(),
                            expr: c.expr.clone(),
                            ast: None,
                        });
                    }
                }
                SelectItem::ExprWithAliases { .. } => {
                    return Err(errors::unsupported("multiple aliases for one expression"));
                }
            }
        }
        Ok(out)
    }

    /// GROUP BY keys over the FROM row: ordinals and output names resolve to select
    /// items (after input column names, as PostgreSQL prefers).
    pub(crate) fn bind_group_by(
        &mut self,
        g: &GroupByExpr,
        items: &[OutItem<'_>],
        scope: &Scope,
    ) -> Result<Vec<ScalarExpr>, DbError> {
        let exprs = match g {
            GroupByExpr::All(_) => return Err(errors::unsupported("GROUP BY ALL")),
            GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(errors::unsupported("GROUP BY modifiers"));
                }
                exprs
            }
        };
        self.clause = Clause::GroupBy;
        let mut keys: Vec<ScalarExpr> = Vec::new();
        for e in exprs {
            let key = match e {
                Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let pos = super::order::ordinal(&v.value)
                        .filter(|&n| n >= 1 && n <= items.len())
                        .ok_or_else(|| {
                            errors::invalid_column_reference(format!(
                                "GROUP BY position {} is not in select list",
                                v.value
                            ))
                        })?;
                    let e = items[pos - 1].expr.clone();
                    if has_aggregate(&e) {
                        return Err(errors::grouping(
                            "aggregate functions are not allowed in GROUP BY",
                        ));
                    }
                    if has_window(&e) {
                        return Err(errors::windowing(
                            "window functions are not allowed in GROUP BY",
                        ));
                    }
                    e
                }
                Expr::Identifier(id)
                    if matches!(
                        scope.lookup(&[], &names::ident(id))?,
                        super::scope::Lookup::NotFound
                    ) =>
                {
                    let n = names::ident(id);
                    match items.iter().find(|it| it.name == n && it.ast.is_some()) {
                        Some(it) if !has_aggregate(&it.expr) && !has_window(&it.expr) => {
                            it.expr.clone()
                        }
                        Some(_) => {
                            return Err(errors::grouping(
                                "aggregate functions are not allowed in GROUP BY",
                            ));
                        }
                        None => self.bind_expr(e, scope)?,
                    }
                }
                Expr::Tuple(_) | Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => {
                    return Err(errors::unsupported("GROUPING SETS, CUBE and ROLLUP"));
                }
                _ => self.bind_expr(e, scope)?,
            };
            let key = self.resolve_unknown(key)?;
            let s = format!("{key:?}");
            if !keys.iter().any(|k| format!("{k:?}") == s) {
                keys.push(key);
            }
        }
        self.clause = Clause::Other;
        Ok(keys)
    }

    /// `(table, alias, tid position)` of the tables FOR UPDATE / FOR SHARE locks.
    pub(crate) fn lock_targets(
        &self,
        tail: &QueryTail<'_>,
        tids: &[(crate::catalog::TableRef, String, usize)],
    ) -> Result<Vec<(crate::catalog::TableRef, String, usize)>, DbError> {
        let mut out: Vec<(crate::catalog::TableRef, String, usize)> = Vec::new();
        for l in tail.locks {
            if l.nonblock.is_some() {
                return Err(errors::unsupported("NOWAIT and SKIP LOCKED"));
            }
            let chosen: Vec<_> = match &l.of {
                None => tids.to_vec(),
                Some(name) => {
                    let parts = names::object_name(name)?;
                    let n = parts.last().cloned().unwrap_or_default();
                    let hit: Vec<_> = tids.iter().filter(|(_, a, _)| *a == n).cloned().collect();
                    if hit.is_empty() {
                        return Err(errors::undefined_table(&n).with_message(format!(
                            "relation \"{n}\" in FOR UPDATE clause not found in FROM clause"
                        )));
                    }
                    hit
                }
            };
            for c in chosen {
                if !out.iter().any(|(_, a, _)| *a == c.1) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }
}

pub(crate) fn named_windows(
    defs: &[ast::NamedWindowDefinition],
) -> Result<Vec<(String, ast::WindowSpec)>, DbError> {
    let mut out: Vec<(String, ast::WindowSpec)> = Vec::new();
    for ast::NamedWindowDefinition(name, def) in defs {
        let n = names::ident(name);
        if out.iter().any(|(w, _)| *w == n) {
            return Err(errors::windowing(format!(
                "window \"{n}\" is already defined"
            )));
        }
        let spec = match def {
            NamedWindowExpr::WindowSpec(s) => s.clone(),
            NamedWindowExpr::NamedWindow(other) => {
                let o = names::ident(other);
                out.iter()
                    .find(|(w, _)| *w == o)
                    .map(|(_, s)| s.clone())
                    .ok_or_else(|| errors::undefined_object("window", &o))?
            }
        };
        out.push((n, spec));
    }
    Ok(out)
}

pub(crate) fn check_wildcard_options(o: &ast::WildcardAdditionalOptions) -> Result<(), DbError> {
    if o.opt_ilike.is_some()
        || o.opt_exclude.is_some()
        || o.opt_except.is_some()
        || o.opt_replace.is_some()
        || o.opt_rename.is_some()
        || o.opt_alias.is_some()
    {
        return Err(errors::unsupported("wildcard options"));
    }
    Ok(())
}

pub(crate) fn check_select_supported(s: &Select) -> Result<(), DbError> {
    let unsupported = if s.top.is_some() {
        Some("TOP")
    } else if s.into.is_some() {
        Some("SELECT INTO")
    } else if !s.lateral_views.is_empty() {
        Some("LATERAL VIEW")
    } else if s.prewhere.is_some() {
        Some("PREWHERE")
    } else if !s.connect_by.is_empty() {
        Some("CONNECT BY")
    } else if !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty() {
        Some("CLUSTER BY / DISTRIBUTE BY / SORT BY")
    } else if s.qualify.is_some() {
        Some("QUALIFY")
    } else if s.value_table_mode.is_some() {
        Some("SELECT AS VALUE")
    } else if s.exclude.is_some() {
        Some("EXCLUDE")
    } else {
        None
    };
    match unsupported {
        Some(f) => Err(errors::unsupported(f)),
        None => Ok(()),
    }
}

pub(crate) fn check_locking(s: &Select, aggregated: bool, windows: bool) -> Result<(), DbError> {
    let what = if s.distinct.is_some() {
        Some("DISTINCT clause")
    } else if !matches!(&s.group_by, GroupByExpr::Expressions(e, _) if e.is_empty()) {
        Some("GROUP BY clause")
    } else if s.having.is_some() {
        Some("HAVING clause")
    } else if aggregated {
        Some("aggregate functions")
    } else if windows {
        Some("window functions")
    } else {
        None
    };
    match what {
        Some(w) => Err(errors::feature(format!(
            "FOR UPDATE is not allowed with {w}"
        ))),
        None => Ok(()),
    }
}
