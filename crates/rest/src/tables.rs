//! `GET /api/v1/tables` and `GET /api/v1/tables/{name}`, from the committed catalog.
//!
//! A table is listed when the caller may use it at all (any of SELECT, INSERT, UPDATE,
//! DELETE, TRUNCATE or REFERENCES, as `information_schema.tables` does); other tables
//! answer 404 as if they did not exist. `{name}` is `table` (searched in `public`) or
//! `schema.table`. The row estimate is the live rows counted by the last ANALYZE (null
//! before any); sizes are the relation files' lengths on disk.

use std::sync::Arc;

use axum::extract::{Path, State};
use rustydb_http::{ApiError, HttpContext, Principal};
use rustydb_sql::catalog::{CatalogState, ConstraintKind, TableMeta};
use serde::Serialize;

use crate::openapi::{AdminErrors, MonitorErrors};

const PRIVILEGES: [&str; 6] = [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
];

/// A table in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TableSummary {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Owner role.
    pub owner: String,
    /// Live rows at the last ANALYZE; null if never analysed.
    pub row_estimate: Option<f64>,
    /// Bytes on disk, heap and indexes.
    pub size_bytes: u64,
}

/// A column.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// Type as `format_type` prints it.
    pub type_name: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The DEFAULT expression, as SQL.
    pub default: Option<String>,
    /// 1-based position.
    pub position: u32,
}

/// An index.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndexInfo {
    /// Name.
    pub name: String,
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
    /// Whether it backs the primary key.
    pub primary: bool,
    /// Bytes on disk.
    pub size_bytes: u64,
}

/// A constraint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConstraintInfo {
    /// Name.
    pub name: String,
    /// `PRIMARY KEY`, `UNIQUE`, `CHECK` or `FOREIGN KEY`.
    pub kind: String,
    /// Its definition, as SQL.
    pub definition: String,
}

/// A table in detail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TableDetail {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Owner role.
    pub owner: String,
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Indexes.
    pub indexes: Vec<IndexInfo>,
    /// Constraints.
    pub constraints: Vec<ConstraintInfo>,
    /// Live rows at the last ANALYZE; null if never analysed.
    pub row_estimate: Option<f64>,
    /// Heap bytes on disk.
    pub table_bytes: u64,
    /// Index bytes on disk.
    pub index_bytes: u64,
    /// Heap plus indexes.
    pub size_bytes: u64,
}

fn visible(state: &CatalogState, user: &str, t: &TableMeta) -> bool {
    PRIVILEGES
        .iter()
        .any(|p| state.has_table_privilege(user, t.def.oid, p))
}

fn rel_bytes(engine: &rustydb_sql::Engine, rel: u32) -> u64 {
    engine
        .storage()
        .disk()
        .nblocks(rustydb_storage::RelId(rel))
        .map_or(0, |n| u64::from(n) * rustydb_storage::PAGE_SIZE as u64)
}

fn index_bytes(engine: &rustydb_sql::Engine, t: &TableMeta) -> u64 {
    t.indexes.iter().map(|i| rel_bytes(engine, i.def.rel)).sum()
}

/// Tables the caller may use, by schema and name.
#[utoipa::path(get, operation_id = "list_tables", path = "/api/v1/tables", tag = "catalog",
    responses((status = 200, description = "Tables", body = Vec<TableSummary>), MonitorErrors))]
pub async fn list(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<Vec<TableSummary>>, ApiError> {
    let engine = ctx.engine()?.clone();
    let user = caller.user.clone();
    let out = rustydb_http::blocking(move || {
        let state = engine.catalog().committed();
        let mut out: Vec<TableSummary> = state
            .tables()
            .filter(|t| visible(&state, &user, t))
            .map(|t| TableSummary {
                schema: t.def.schema.clone(),
                name: t.def.name.clone(),
                owner: t.def.owner.clone(),
                row_estimate: engine.stats().get(t.def.oid).map(|s| s.rows),
                size_bytes: rel_bytes(&engine, t.def.heap) + index_bytes(&engine, t),
            })
            .collect();
        out.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        Ok(out)
    })
    .await?;
    Ok(axum::Json(out))
}

/// One table: columns, indexes, constraints, row estimate and size.
#[utoipa::path(get, operation_id = "get_table", path = "/api/v1/tables/{name}", tag = "catalog",
    params(("name" = String, Path, description = "`table` (in `public`) or `schema.table`")),
    responses((status = 200, description = "The table", body = TableDetail), AdminErrors))]
pub async fn get_one(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(name): Path<String>,
) -> Result<axum::Json<TableDetail>, ApiError> {
    let engine = ctx.engine()?.clone();
    let user = caller.user.clone();
    let (schema, table) = match name.split_once('.') {
        Some((s, t)) => (s.to_string(), t.to_string()),
        None => ("public".to_string(), name.clone()),
    };
    let detail = rustydb_http::blocking(move || {
        let state = engine.catalog().committed();
        let Some(t) = state
            .table(&schema, &table)
            .filter(|t| visible(&state, &user, t))
        else {
            return Ok(None);
        };
        Ok(Some(detail(&engine, &state, &t)))
    })
    .await?;
    detail
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("table \"{name}\"")))
}

fn detail(engine: &rustydb_sql::Engine, state: &CatalogState, t: &TableMeta) -> TableDetail {
    let columns = t
        .columns()
        .enumerate()
        .map(|(i, (_, c, ty))| ColumnInfo {
            name: c.name.clone(),
            type_name: ty.sql_name(),
            nullable: !c.not_null,
            default: c.default.clone(),
            position: u32::try_from(i + 1).unwrap_or(u32::MAX),
        })
        .collect();
    let col_name = |pos: usize| {
        t.def
            .columns
            .get(pos)
            .map_or_else(|| format!("#{pos}"), |c| c.name.clone())
    };
    let indexes = t
        .indexes
        .iter()
        .map(|i| IndexInfo {
            name: i.def.name.clone(),
            columns: i.def.columns.iter().map(|c| col_name(c.column)).collect(),
            unique: i.def.unique,
            primary: i.def.primary,
            size_bytes: rel_bytes(engine, i.def.rel),
        })
        .collect();
    let defs: std::collections::HashMap<_, _> =
        rustydb_sql::catalog::system::pg_constraint_defs(state, &["public".to_string()])
            .into_iter()
            .collect();
    let constraints = t
        .constraints
        .iter()
        .map(|c| ConstraintInfo {
            name: c.name.clone(),
            kind: match c.kind {
                ConstraintKind::PrimaryKey { .. } => "PRIMARY KEY",
                ConstraintKind::Unique { .. } => "UNIQUE",
                ConstraintKind::Check { .. } => "CHECK",
                ConstraintKind::ForeignKey { .. } => "FOREIGN KEY",
            }
            .to_string(),
            definition: defs.get(&c.oid).cloned().unwrap_or_default(),
        })
        .collect();
    let table_bytes = rel_bytes(engine, t.def.heap);
    let index_bytes = index_bytes(engine, t);
    TableDetail {
        schema: t.def.schema.clone(),
        name: t.def.name.clone(),
        owner: t.def.owner.clone(),
        columns,
        indexes,
        constraints,
        row_estimate: engine.stats().get(t.def.oid).map(|s| s.rows),
        table_bytes,
        index_bytes,
        size_bytes: table_bytes + index_bytes,
    }
}
