//! System relations in FROM: `pg_catalog.*` and `information_schema.*` names resolve to
//! the relations of `catalog::system`, whose rows are computed here, when the statement
//! is bound, from the catalog as its transaction sees it (see that module's design
//! notes). They are read-only: INSERT, UPDATE and DELETE fail with 42501.

use std::collections::HashMap;

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::TableAlias;

use super::errors;
use super::from::{FromItem, apply_alias};
use super::query::Binder;
use super::scope::Scope;
use crate::catalog::system::{self, Snapshot, SystemContext, SystemRelation};
use crate::catalog::{Entry, Oid};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

/// 42501 `permission denied for table pg_class`: system relations are read-only.
pub(crate) fn read_only(rel: &SystemRelation) -> DbError {
    DbError::new(
        ErrorCode::SecPermissionDenied,
        format!("permission denied for table {}", rel.name),
    )
    .with_sqlstate("42501")
    .with_hint("System catalogs are computed from the catalog and cannot be modified; use DDL statements instead.")
}

impl Binder<'_> {
    /// The system relation a (possibly qualified) name denotes, if any. `pg_catalog` is
    /// searched before the search path, as in PostgreSQL; `information_schema` only when
    /// named or on the search path.
    pub(crate) fn system_relation(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> Result<Option<&'static SystemRelation>, DbError> {
        match schema {
            Some(s) if system::is_system_schema(s) => system::lookup(Some(s), name)
                .map(Some)
                .ok_or_else(|| errors::undefined_table(&format!("{s}.{name}"))),
            Some(_) => Ok(None),
            None => {
                if let Some(r) = system::lookup(Some("pg_catalog"), name) {
                    return Ok(Some(r));
                }
                for s in &self.ctx.search_path {
                    if self.state.relation(s, name).is_some() {
                        return Ok(None);
                    }
                    if s == "information_schema" {
                        return Ok(system::lookup(Some(s), name));
                    }
                }
                Ok(None)
            }
        }
    }

    /// The engine's live state, or 0A000 when the binder runs without a session.
    pub(crate) fn system_context(&self) -> Result<&SystemContext, DbError> {
        self.ctx.reads_system.set(true);
        self.ctx
            .system
            .as_ref()
            .ok_or_else(|| errors::unsupported("system catalogs outside a session"))
    }

    /// The output columns of every view, bound now (a view that no longer binds has
    /// none, as its columns cannot be known).
    fn all_view_columns(&mut self) -> HashMap<Oid, Vec<(String, DataType)>> {
        let views: Vec<crate::catalog::ViewDef> = self
            .state
            .entries()
            .filter_map(|e| match e {
                Entry::View(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        let mut out = HashMap::new();
        for v in views {
            if let Ok(cols) = self.view_columns(&v) {
                out.insert(v.oid, cols);
            }
        }
        out
    }

    /// A system relation's rows as of now.
    pub(crate) fn system_rows(
        &mut self,
        rel: &SystemRelation,
    ) -> Result<Vec<Vec<crate::types::Value>>, DbError> {
        let view_columns = if rel.needs_views {
            self.all_view_columns()
        } else {
            HashMap::new()
        };
        let system = self.system_context()?;
        let snap = Snapshot {
            state: self.state,
            system,
            search_path: &self.ctx.search_path,
            user: &self.ctx.user,
            database: &self.ctx.database,
            view_columns: &view_columns,
        };
        Ok((rel.rows)(&snap))
    }

    /// A system relation in FROM: its rows as a `Values` plan.
    pub(crate) fn bind_system_relation(
        &mut self,
        rel: &'static SystemRelation,
        alias_name: &str,
        alias: Option<&TableAlias>,
        qual_schema: Option<String>,
    ) -> Result<FromItem, DbError> {
        let cols: Vec<(String, DataType)> = (rel.columns)()
            .into_iter()
            .map(|(n, t)| (n.to_string(), t))
            .collect();
        let (alias_name, cols) = match alias {
            Some(a) => apply_alias(a, alias_name, cols)?,
            None => (alias_name.to_string(), cols),
        };
        let rows = self
            .system_rows(rel)?
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(&cols)
                    .map(|(v, (_, t))| ScalarExpr::Literal(v, t.clone()))
                    .collect()
            })
            .collect();
        let schema = super::from::qualified_columns(&alias_name, &cols);
        let scope = Scope::for_relation(&alias_name, qual_schema, &cols, 0, None);
        Ok(FromItem {
            plan: LogicalPlan::Values { rows, schema },
            scope,
            tids: vec![],
        })
    }
}

impl Binder<'_> {
    /// A view's output columns, as a reference to it would see them.
    pub(crate) fn view_columns(
        &mut self,
        view: &crate::catalog::ViewDef,
    ) -> Result<Vec<(String, DataType)>, DbError> {
        // Catalog functions in the view must not mark the caller's statement twice;
        // harmless either way.
        let plan = self.bind_view_query(view)?;
        Ok(Binder::columns_of(&plan)
            .into_iter()
            .enumerate()
            .map(|(i, (n, t))| (view.columns.get(i).cloned().unwrap_or(n), t))
            .collect())
    }
}
