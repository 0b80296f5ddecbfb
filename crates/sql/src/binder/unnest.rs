//! `unnest(array) [WITH ORDINALITY] [AS a(elem [, n])]` in FROM: one row per element
//! of a one-dimensional array, in order (none for NULL or an empty array), with the
//! element's 1-based position as `ordinality` when asked. The argument may refer to
//! an enclosing query's row (psql's `array(select ... from unnest(tc.reloptions) x)`),
//! so it is evaluated each time the scan starts. A single alias with no column list
//! names the element column too, as PostgreSQL does for a function returning a scalar.
//! The multi-argument form (`unnest(a, b)`, zipping arrays) is 0A000.

use rustydb_common::DbError;
use sqlparser::ast::{Expr, TableAlias};

use super::errors;
use super::from::{FromItem, apply_alias, qualified_columns};
use super::names;
use super::query::Binder;
use super::scope::Scope;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

impl Binder<'_> {
    /// Binds `unnest(arrays...)` in FROM (see the module documentation).
    pub(crate) fn bind_unnest(
        &mut self,
        args: &[&Expr],
        alias: Option<&TableAlias>,
        with_ordinality: bool,
    ) -> Result<FromItem, DbError> {
        let mut bound = Vec::new();
        for e in args {
            bound.push(self.bind_expr(e, &Scope::empty())?);
        }
        if bound.len() > 1 {
            return Err(errors::unsupported("unnest with more than one array"));
        }
        let Some(array) = bound.pop() else {
            return Err(super::expr_call::undefined_function("unnest()"));
        };
        let elem = match array.ty() {
            DataType::Array(elem) => *elem,
            other => {
                let e =
                    super::expr_call::undefined_function(&format!("unnest({})", other.sql_name()));
                return Err(if other == DataType::Unknown {
                    e.with_hint("Cast the argument to an array type, e.g. '{1,2}'::int[].")
                } else {
                    e
                });
            }
        };
        let name = alias.map_or_else(|| "unnest".to_string(), |a| names::ident(&a.name));
        let mut cols = vec![(name.clone(), elem)];
        if with_ordinality {
            cols.push(("ordinality".to_string(), DataType::Int8));
        }
        let (name, cols) = match alias {
            Some(a) => apply_alias(a, &name, cols)?,
            None => (name, cols),
        };
        Ok(FromItem {
            plan: LogicalPlan::Unnest {
                array,
                ordinality: with_ordinality,
                schema: qualified_columns(&name, &cols),
            },
            scope: Scope::for_relation(&name, None, &cols, 0, None),
            tids: vec![],
        })
    }
}
