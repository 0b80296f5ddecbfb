//! Binding the expressions the catalog stores as text — CHECK constraints and column
//! defaults — for the executor, which needs them for the tables a statement writes and
//! for those foreign-key actions reach ([`crate::exec::TableExprs`]).

use std::sync::Arc;

use rustydb_common::DbError;

use super::BindContext;
use super::from::table_columns;
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::catalog::{CatalogState, ConstraintKind, TableMeta};
use crate::exec::{BoundCheck, TableExprs};
use crate::plan::expr::ScalarExpr;

/// Binds CHECK constraints and defaults against one catalog state.
#[derive(Debug, Clone)]
pub struct CatalogTableExprs {
    state: Arc<CatalogState>,
    ctx: BindContext,
}

impl CatalogTableExprs {
    /// Binds against `state` (the catalog as the statement's transaction sees it) with
    /// the session's `ctx` (search path).
    pub fn new(state: Arc<CatalogState>, ctx: BindContext) -> CatalogTableExprs {
        CatalogTableExprs { state, ctx }
    }
}

impl TableExprs for CatalogTableExprs {
    fn checks(&self, table: &TableMeta) -> Result<Vec<BoundCheck>, DbError> {
        let scope = Scope::for_relation(
            &table.def.name,
            Some(table.def.schema.clone()),
            &table_columns(table),
            0,
            None,
        );
        let mut out = Vec::new();
        for c in &table.constraints {
            let ConstraintKind::Check { expr } = &c.kind else {
                continue;
            };
            let parsed = super::parse_expr(expr)?;
            let mut b = Binder::new(&self.state, &self.ctx);
            b.clause = Clause::Check;
            let bound = b.bind_expr(&parsed, &scope)?;
            let bound = b.require_boolean(bound, "CHECK")?;
            out.push(BoundCheck {
                name: c.name.clone(),
                expr: bound,
            });
        }
        Ok(out)
    }

    fn column_default(
        &self,
        table: &TableMeta,
        column: usize,
    ) -> Result<Option<ScalarExpr>, DbError> {
        let Some(ord) = table.visible.iter().position(|&p| p == column) else {
            return Ok(None);
        };
        let mut b = Binder::new(&self.state, &self.ctx);
        if b.column_default_expr(table, column)?.is_none() {
            return Ok(None);
        }
        b.default_for(table, ord).map(Some)
    }
}
