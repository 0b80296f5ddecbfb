//! HTTP transactions (`/api/v1/transactions...`): begin, query, commit, rollback,
//! savepoints, abort; and the engine's active transactions.

use std::sync::Arc;

use axum::extract::{Path, State};
use rustydb_http::sql_json::{self, QueryOutput};
use rustydb_http::txns::{TxnOutcome, TxnSummary};
use rustydb_http::{ApiError, ApiJson, HttpContext, Principal};
use rustydb_txn::stats::TxnInfo;
use serde::{Deserialize, Serialize};

use crate::openapi::{AdminErrors, MonitorErrors, SqlErrors};
use crate::query::QueryRequest;
use crate::util::rfc3339;

/// `POST /transactions` body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeginRequest {
    /// `read uncommitted`, `read committed`, `repeatable read` or `serializable`
    /// (case, `_` and `-` ignored); omitted: the server's default.
    pub isolation_level: Option<String>,
}

/// `POST /transactions/{id}/savepoints` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavepointRequest {
    /// The savepoint's name: an SQL identifier (letters, digits, `_`, `$`).
    pub name: String,
}

/// A running transaction, as the transaction manager reports it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActiveTransaction {
    /// The transaction id.
    pub id: u64,
    /// When it began (RFC 3339).
    pub started_at: String,
    /// Its isolation level.
    pub isolation_level: String,
    /// `active`, `idle in transaction` or `waiting` (for a lock).
    pub state: String,
    /// Rows it inserted, updated, deleted or locked so far.
    pub operations: u64,
    /// Locks it holds.
    pub locks_held: u64,
    /// The statement it runs or ran last (only for a superuser or its own user).
    pub statement: Option<String>,
    /// `user@database` of the session that owns it.
    pub session: Option<String>,
    /// Set when it is an HTTP transaction: its owner and state there.
    pub http: Option<TxnSummary>,
}

fn active(ctx: &HttpContext, caller: &Principal, t: TxnInfo) -> ActiveTransaction {
    let own = t
        .session
        .as_deref()
        .is_some_and(|s| s.split('@').next() == Some(caller.user.as_str()));
    ActiveTransaction {
        id: t.xid,
        started_at: rfc3339(t.started_at),
        isolation_level: t.isolation.as_sql().to_string(),
        state: t.activity.as_str().to_string(),
        operations: t.operations,
        locks_held: t.locks_held as u64,
        statement: if caller.superuser || own {
            t.statement
        } else {
            None
        },
        session: t.session,
        http: ctx.txns.summary(t.xid),
    }
}

/// Begins a transaction; use its `id` in the other `/transactions/{id}` routes. It is
/// rolled back after `http.idle_timeout_seconds` without requests.
#[utoipa::path(post, operation_id = "begin_transaction", path = "/api/v1/transactions", tag = "transactions",
    request_body(content = Option<BeginRequest>, description = "Optional isolation level"),
    responses((status = 201, description = "Begun", body = TxnSummary), SqlErrors))]
pub async fn begin(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, axum::Json<TxnSummary>), ApiError> {
    // The body is optional: empty means the default isolation level.
    let req: BeginRequest = if body.iter().all(u8::is_ascii_whitespace) {
        BeginRequest::default()
    } else {
        rustydb_http::json::parse(&body)?
    };
    let summary = ctx
        .txns
        .begin(&ctx, &caller, req.isolation_level.as_deref())
        .await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(summary)))
}

/// Every running transaction (HTTP, wire-protocol and internal).
#[utoipa::path(get, operation_id = "list_transactions", path = "/api/v1/transactions", tag = "transactions",
    responses((status = 200, description = "Running transactions", body = Vec<ActiveTransaction>), MonitorErrors))]
pub async fn list(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<Vec<ActiveTransaction>>, ApiError> {
    let engine = ctx.engine()?;
    let mut all = engine.txns().active_transactions();
    all.sort_by_key(|t| t.xid);
    Ok(axum::Json(
        all.into_iter().map(|t| active(&ctx, &caller, t)).collect(),
    ))
}

/// One running transaction.
#[utoipa::path(get, operation_id = "get_transaction", path = "/api/v1/transactions/{id}", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")),
    responses((status = 200, description = "The transaction", body = ActiveTransaction), AdminErrors))]
pub async fn get_one(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
) -> Result<axum::Json<ActiveTransaction>, ApiError> {
    let engine = ctx.engine()?;
    let info = engine
        .txns()
        .transaction_info(id)
        .ok_or_else(|| ApiError::not_found(format!("transaction {id}")))?;
    Ok(axum::Json(active(&ctx, &caller, info)))
}

/// Aborts a transaction: the caller's own HTTP transaction, or (superuser) any.
#[utoipa::path(delete, operation_id = "abort_transaction", path = "/api/v1/transactions/{id}", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")),
    responses((status = 200, description = "Rolled back", body = TxnOutcome), AdminErrors))]
pub async fn abort(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
) -> Result<axum::Json<TxnOutcome>, ApiError> {
    Ok(axum::Json(ctx.txns.abort(&ctx, id, &caller).await?))
}

/// Runs one statement in the transaction. An error aborts it (25P02 until rollback).
#[utoipa::path(post, operation_id = "query_in_transaction", path = "/api/v1/transactions/{id}/query", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")), request_body = QueryRequest,
    responses((status = 200, description = "The first page of the result", body = QueryOutput), SqlErrors))]
pub async fn query(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
    ApiJson(req): ApiJson<QueryRequest>,
) -> Result<axum::Json<QueryOutput>, ApiError> {
    let page_size = crate::util::check_page_size(req.page_size, "field page_size")?;
    let params = sql_json::params_from_json(&req.params)?;
    let out = ctx
        .txns
        .query(&ctx, id, &caller, req.sql, params, page_size)
        .await?;
    Ok(axum::Json(out))
}

/// Commits. An aborted transaction is rolled back instead and answers 409.
#[utoipa::path(post, operation_id = "commit_transaction", path = "/api/v1/transactions/{id}/commit", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")),
    responses((status = 200, description = "Committed", body = TxnOutcome), SqlErrors))]
pub async fn commit(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
) -> Result<axum::Json<TxnOutcome>, ApiError> {
    Ok(axum::Json(ctx.txns.commit(&ctx, id, &caller).await?))
}

/// Rolls back.
#[utoipa::path(post, operation_id = "rollback_transaction", path = "/api/v1/transactions/{id}/rollback", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")),
    responses((status = 200, description = "Rolled back", body = TxnOutcome), SqlErrors))]
pub async fn rollback(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
) -> Result<axum::Json<TxnOutcome>, ApiError> {
    Ok(axum::Json(ctx.txns.rollback(&ctx, id, &caller).await?))
}

/// Creates a savepoint.
#[utoipa::path(post, operation_id = "create_savepoint", path = "/api/v1/transactions/{id}/savepoints", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id")), request_body = SavepointRequest,
    responses((status = 201, description = "Created", body = TxnOutcome), SqlErrors))]
pub async fn savepoint(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<u64>,
    ApiJson(req): ApiJson<SavepointRequest>,
) -> Result<(axum::http::StatusCode, axum::Json<TxnOutcome>), ApiError> {
    let out = ctx.txns.savepoint(&ctx, id, &caller, &req.name).await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(out)))
}

/// Rolls back to a savepoint (which stays); leaves the aborted state.
#[utoipa::path(post, operation_id = "rollback_to_savepoint", path = "/api/v1/transactions/{id}/savepoints/{name}/rollback", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id"), ("name" = String, Path, description = "Savepoint")),
    responses((status = 200, description = "Rolled back to the savepoint", body = TxnOutcome), SqlErrors))]
pub async fn rollback_to(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path((id, name)): Path<(u64, String)>,
) -> Result<axum::Json<TxnOutcome>, ApiError> {
    Ok(axum::Json(
        ctx.txns.rollback_to(&ctx, id, &caller, &name).await?,
    ))
}

/// Releases a savepoint (keeping its work).
#[utoipa::path(post, operation_id = "release_savepoint", path = "/api/v1/transactions/{id}/savepoints/{name}/release", tag = "transactions",
    params(("id" = u64, Path, description = "Transaction id"), ("name" = String, Path, description = "Savepoint")),
    responses((status = 200, description = "Released", body = TxnOutcome), SqlErrors))]
pub async fn release(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path((id, name)): Path<(u64, String)>,
) -> Result<axum::Json<TxnOutcome>, ApiError> {
    Ok(axum::Json(
        ctx.txns.release(&ctx, id, &caller, &name).await?,
    ))
}
