//! `tables`, `table(name)` and `query(sql, params)`.
//!
//! The listing reads the committed catalog and shows the tables the caller may SELECT
//! from (a superuser sees all). `query` runs one statement as the caller through the
//! HTTP crate's one SQL-to-JSON path ([`rustydb_http::sql_json::query_as`]), with its
//! statement timeout, result bound and cursor for rows beyond the first page.

use async_graphql::Error;
use async_graphql::dynamic::{Field, FieldFuture, InputValue, Object, ResolverContext, TypeRef};
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Engine;
use rustydb_sql::catalog::TableMeta;
use rustydb_storage::RelId;
use serde_json::{Value, json};

use crate::errors::{db, gql};
use crate::json_types::{JSON, object, out_list, out_object, ty};
use crate::scope::{arg_str, caller, engine};

/// The output types of these queries (and of `executeSql`).
pub(crate) fn types() -> Vec<Object> {
    vec![
        object(
            "Table",
            "A table.",
            &[
                ("schema", "String!", "Its schema."),
                ("name", "String!", "Its name."),
                ("columns", "[Column!]!", "Its columns, in order."),
                (
                    "rowEstimate",
                    "Float",
                    "Live rows when it was last analysed (null: never analysed).",
                ),
                (
                    "sizeBytes",
                    "BigInt!",
                    "Size on disk of the table and its indexes.",
                ),
            ],
        ),
        object(
            "Column",
            "A table column.",
            &[
                ("name", "String!", "Its name."),
                (
                    "type",
                    "String!",
                    "Its type, as PostgreSQL's `format_type` prints it.",
                ),
                ("nullable", "Boolean!", "Whether it may hold NULL."),
                ("default", "String", "Its default expression."),
            ],
        ),
        object(
            "QueryResult",
            "The result of one SQL statement (its first page).",
            &[
                (
                    "columns",
                    "[ResultColumn!]!",
                    "Output columns; empty for statements returning no rows.",
                ),
                (
                    "rows",
                    "JSON!",
                    "The rows of this page: an array of arrays of values in column order.",
                ),
                (
                    "command",
                    "String!",
                    "The command tag (`SELECT 3`, `INSERT 0 1`).",
                ),
                (
                    "rowsAffected",
                    "BigInt!",
                    "Rows returned (in all pages) or changed.",
                ),
                (
                    "nextCursor",
                    "String",
                    "Set when more rows remain: page through them with `GET /api/v1/query/cursors/{cursor}`.",
                ),
            ],
        ),
        object(
            "ResultColumn",
            "An output column.",
            &[
                ("name", "String!", "Its name."),
                ("type", "String!", "Its type."),
            ],
        ),
    ]
}

/// Adds the queries to `query`.
pub(crate) fn fields(query: Object) -> Object {
    query
        .field(
            Field::new("tables", ty("[Table!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let engine = engine(&http)?;
                    let state = engine.catalog().committed();
                    let mut tables: Vec<_> = state
                        .tables()
                        .filter(|t| state.has_table_privilege(&who.user, t.def.oid, "SELECT"))
                        .cloned()
                        .collect();
                    tables.sort_by(|a, b| (&a.def.schema, &a.def.name).cmp(&(&b.def.schema, &b.def.name)));
                    out_list(tables.iter().map(|t| table_json(&engine, t)).collect())
                })
            })
            .description("The tables the caller may read."),
        )
        .field(
            Field::new("table", ty("Table"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let name = arg_str(&ctx, "name")?;
                    let engine = engine(&http)?;
                    let (schema, table) = split_name(&name);
                    let state = engine.catalog().committed();
                    let t = state
                        .table(schema, table)
                        .filter(|t| state.has_table_privilege(&who.user, t.def.oid, "SELECT"))
                        .ok_or_else(|| db(undefined_table(&name)))?;
                    out_object(table_json(&engine, &t))
                })
            })
            .argument(
                InputValue::new("name", TypeRef::named_nn(TypeRef::STRING))
                    .description("`name` (schema `public`) or `schema.name`."),
            )
            .description("One table; an error (42P01) when it does not exist or the caller may not read it."),
        )
        .field(
            Field::new("query", ty("QueryResult!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let sql = arg_str(&ctx, "sql")?;
                    let params = params(&ctx)?;
                    let out = rustydb_http::sql_json::query_as(&http, &who, sql, params, None)
                        .await
                        .map_err(gql)?;
                    out_object(query_output_json(&out))
                })
            })
            .argument(InputValue::new("sql", TypeRef::named_nn(TypeRef::STRING)))
            .argument(
                InputValue::new("params", TypeRef::named_list(JSON))
                    .description("Values of `$1`, `$2`, ... (null, booleans, numbers, strings, objects as jsonb)."),
            )
            .description("Runs one SQL statement as the caller, in a transaction of its own."),
        )
}

/// `$n` parameters from the `params` argument.
pub(crate) fn params(ctx: &ResolverContext<'_>) -> Result<Vec<rustydb_sql::types::Value>, Error> {
    let list: Vec<Value> = match ctx.args.get("params").filter(|v| !v.is_null()) {
        Some(v) => v
            .list()?
            .iter()
            .map(|p| p.as_value().clone().into_json())
            .collect::<Result<_, _>>()
            .map_err(|e| crate::errors::bad_arg(format!("argument params: {e}")))?,
        None => Vec::new(),
    };
    rustydb_http::sql_json::params_from_json(&list).map_err(gql)
}

/// A [`rustydb_http::sql_json::QueryOutput`] as the `QueryResult` type.
pub(crate) fn query_output_json(out: &rustydb_http::sql_json::QueryOutput) -> Value {
    json!({
        "columns": out.columns.iter().map(|c| json!({"name": c.name, "type": c.type_name})).collect::<Vec<_>>(),
        "rows": out.rows,
        "command": out.command,
        "rowsAffected": out.rows_affected,
        "nextCursor": out.next_cursor,
    })
}

/// `schema.name` or `name` (in `public`).
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    name.split_once('.').unwrap_or(("public", name))
}

/// 42P01 `relation "x" does not exist`.
pub(crate) fn undefined_table(name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::UndefinedObject,
        &[("kind", &"relation"), ("name", &name)],
    )
    .with_sqlstate("42P01")
    .with_hint("The `tables` query lists the tables you may read.")
}

fn table_json(engine: &Engine, t: &TableMeta) -> Value {
    let size = |rel: u32| -> u64 {
        engine
            .storage()
            .disk()
            .nblocks(RelId(rel))
            .map_or(0, |n| u64::from(n) * 8192)
    };
    let bytes = size(t.def.heap) + t.indexes.iter().map(|i| size(i.def.rel)).sum::<u64>();
    let columns: Vec<Value> = t
        .columns()
        .map(|(_, c, ty)| {
            json!({"name": c.name, "type": ty.sql_name(), "nullable": !c.not_null, "default": c.default})
        })
        .collect();
    json!({
        "schema": t.def.schema,
        "name": t.def.name,
        "columns": columns,
        "rowEstimate": engine.stats().get(t.def.oid).map(|s| s.rows),
        "sizeBytes": bytes,
    })
}
