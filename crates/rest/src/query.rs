//! `POST /api/v1/query` and its result cursors.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rustydb_http::sql_json::{self, QueryOutput};
use rustydb_http::{ApiError, ApiJson, HttpContext, Principal};
use serde::Deserialize;

use crate::openapi::{AdminErrors, SqlErrors};

/// A statement with positional parameters.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// One SQL statement; `$1`, `$2`, ... refer to `params`.
    pub sql: String,
    /// Values of `$1`, `$2`, ...: null, booleans, numbers, strings (parsed by the
    /// parameter's type), objects (jsonb).
    #[serde(default)]
    pub params: Vec<serde_json::Value>,
    /// Rows in the first page (at most `http.page_size`); the rest come through
    /// `next_cursor`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000000)]
    pub page_size: Option<u32>,
}

/// Paging a cursor.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// Rows in this page (at most `http.page_size`).
    #[param(minimum = 1, maximum = 1000000)]
    pub page_size: Option<u32>,
}

/// Runs one statement as the token's user, in a transaction of its own.
#[utoipa::path(post, operation_id = "run_query", path = "/api/v1/query", tag = "sql", request_body = QueryRequest,
    responses((status = 200, description = "The first page of the result", body = QueryOutput), SqlErrors))]
pub async fn run(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    ApiJson(req): ApiJson<QueryRequest>,
) -> Result<axum::Json<QueryOutput>, ApiError> {
    let page_size = crate::util::check_page_size(req.page_size, "field page_size")?;
    let params = sql_json::params_from_json(&req.params)?;
    let out = sql_json::query_as(&ctx, &caller, req.sql, params, page_size).await?;
    Ok(axum::Json(out))
}

/// The next page of a result; `next_cursor` is null on the last one.
#[utoipa::path(get, operation_id = "next_cursor_page", path = "/api/v1/query/cursors/{cursor}", tag = "sql",
    params(("cursor" = String, Path, description = "The `next_cursor` of the previous page"), PageParams),
    responses((status = 200, description = "The next page", body = QueryOutput), AdminErrors))]
pub async fn next_page(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(cursor): Path<String>,
    Query(page): Query<PageParams>,
) -> Result<axum::Json<QueryOutput>, ApiError> {
    let page_size = crate::util::check_page_size(page.page_size, "parameter page_size")?;
    let limits = sql_json::limits(&ctx, page_size);
    let out = ctx
        .cursors
        .next(&cursor, &caller, limits.page_size, ctx.idle_timeout())?;
    Ok(axum::Json(out))
}

/// Drops a cursor before its last page.
#[utoipa::path(delete, operation_id = "close_cursor", path = "/api/v1/query/cursors/{cursor}", tag = "sql",
    params(("cursor" = String, Path, description = "The cursor id")),
    responses((status = 204, description = "Dropped"), AdminErrors))]
pub async fn close(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(cursor): Path<String>,
) -> Result<StatusCode, ApiError> {
    ctx.cursors.close(&cursor, &caller, ctx.idle_timeout())?;
    Ok(StatusCode::NO_CONTENT)
}
