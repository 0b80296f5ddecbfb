//! `pg_partition_ancestors(regclass)`, the one set-returning function besides
//! `generate_series`, in the two places psql uses it: in FROM (with or without
//! `WITH ORDINALITY`) and as a whole select-list item.
//!
//! PostgreSQL returns the partition and its ancestors for a partition or partitioned
//! table, and no rows for any other relation (or an unknown oid). RustyDB has no
//! partitioning, so the set is always empty: in FROM it is an empty relation of
//! `relid` (and `ordinality`); as a select-list item, where an empty set-returning
//! function makes its SELECT produce no rows, the item binds as a `regclass` NULL and
//! the SELECT's rows are filtered away. The argument is bound and cast to `regclass`
//! either way, so a bad argument fails as in PostgreSQL. Anywhere else (inside an
//! expression, WHERE) the call is 0A000.

use rustydb_common::DbError;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Select, SelectItem, TableAlias,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::errors;
use super::from::{FromItem, apply_alias};
use super::names;
use super::query::Binder;
use super::scope::Scope;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

const NAME: &str = "pg_partition_ancestors";

/// The single plain argument of a call of `pg_partition_ancestors`, if `e` is one.
fn ancestors_arg(e: &Expr) -> Option<&Expr> {
    let Expr::Function(f) = e else { return None };
    let parts = names::object_name(&f.name).ok()?;
    let named = match parts.as_slice() {
        [n] | [_, n] => n == NAME,
        _ => false,
    };
    if !named || f.over.is_some() || f.filter.is_some() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(a))] => Some(a),
        _ => None,
    }
}

/// `CAST((arg) AS regclass)` as an expression, optionally under `CASE WHEN false`.
fn regclass_expr(arg: &Expr, never: bool) -> Result<Expr, DbError> {
    let cast = format!("CAST(({arg}) AS pg_catalog.regclass)");
    let text = if never {
        format!("CASE WHEN false THEN {cast} END")
    } else {
        cast
    };
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DbError::internal(format!("re-parsing {text}: {e}")))
}

/// The SELECT with its whole-item `pg_partition_ancestors(x)` calls replaced by
/// `regclass` NULLs (keeping the column name), or `None` if it has none. The caller
/// binds the result and then drops every row ([`no_rows`]).
pub(crate) fn rewrite_select_items(s: &Select) -> Result<Option<Select>, DbError> {
    let mut out: Option<Select> = None;
    for (i, item) in s.projection.iter().enumerate() {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
            _ => continue,
        };
        let Some(arg) = ancestors_arg(expr) else {
            continue;
        };
        let replaced = SelectItem::ExprWithAlias {
            expr: regclass_expr(arg, true)?,
            alias: alias.unwrap_or_else(|| Ident::new(NAME)),
        };
        out.get_or_insert_with(|| s.clone()).projection[i] = replaced;
    }
    Ok(out)
}

/// `plan` with every row filtered away (an empty set-returning function in its select
/// list).
pub(crate) fn no_rows(plan: LogicalPlan) -> LogicalPlan {
    LogicalPlan::Filter {
        input: Box::new(plan),
        predicate: ScalarExpr::bool_lit(false),
    }
}

/// The 0A000 for a call in any other position.
pub(crate) fn elsewhere() -> DbError {
    errors::unsupported(format!(
        "{NAME}() other than as a whole select-list item or in FROM"
    ))
}

impl Binder<'_> {
    /// `pg_partition_ancestors(x) [WITH ORDINALITY] [AS a(relid, depth)]` in FROM: an
    /// empty relation (see the module documentation).
    pub(crate) fn bind_partition_ancestors(
        &mut self,
        args: &[FunctionArg],
        alias: Option<&TableAlias>,
        with_ordinality: bool,
    ) -> Result<FromItem, DbError> {
        let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = args else {
            return Err(super::expr_call::undefined_function(&format!(
                "{NAME}() with {} arguments",
                args.len()
            )));
        };
        self.bind_expr(&regclass_expr(arg, false)?, &Scope::empty())?;
        let mut cols = vec![("relid".to_string(), DataType::Int8)];
        if with_ordinality {
            cols.push(("ordinality".to_string(), DataType::Int8));
        }
        let (name, cols) = match alias {
            Some(a) => apply_alias(a, &names::ident(&a.name), cols)?,
            None => (NAME.to_string(), cols),
        };
        let schema = super::from::qualified_columns(&name, &cols);
        Ok(FromItem {
            plan: LogicalPlan::Values {
                rows: vec![],
                schema,
            },
            scope: Scope::for_relation(&name, None, &cols, 0, None),
            tids: vec![],
        })
    }
}
