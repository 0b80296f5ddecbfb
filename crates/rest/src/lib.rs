//! RustyDB's REST API: every route under `/api/v1`, and its OpenAPI 3 document at
//! `/api/v1/openapi.json`, generated with utoipa from the handlers and types here.
//!
//! The routes are thin: SQL goes through `rustydb_http::sql_json` (the one SQL-to-JSON
//! path, shared with GraphQL), HTTP transactions through `rustydb_http::txns`, and the
//! monitoring routes read the engine's own introspection (transaction manager, lock
//! manager, storage, session registry). Authentication, rate limits, request ids, body
//! limits and JSON errors are the layers of `rustydb_http::app`.
//!
//! - [`query`]: `POST /query`, result cursors.
//! - [`transactions`]: HTTP transactions and savepoints, active transactions.
//! - [`tables`]: tables with columns, indexes, constraints, size.
//! - [`monitor`]: locks, deadlocks, connections, slow queries.
//! - [`server`]: checkpoints, WAL, buffer pool, configuration.
//! - [`tokens`]: API tokens.
//! - [`openapi`]: the document and the shared error responses.

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post};
use rustydb_http::HttpContext;

pub mod monitor;
pub mod openapi;
pub mod query;
pub mod server;
pub mod tables;
pub mod tokens;
pub mod transactions;
mod util;

/// Every `/api/v1` route.
pub fn router() -> Router<Arc<HttpContext>> {
    use monitor as m;
    use transactions as t;
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/query", post(query::run))
        .route(
            "/api/v1/query/cursors/{cursor}",
            get(query::next_page).delete(query::close),
        )
        .route("/api/v1/transactions", post(t::begin).get(t::list))
        .route(
            "/api/v1/transactions/{id}",
            get(t::get_one).delete(t::abort),
        )
        .route("/api/v1/transactions/{id}/query", post(t::query))
        .route("/api/v1/transactions/{id}/commit", post(t::commit))
        .route("/api/v1/transactions/{id}/rollback", post(t::rollback))
        .route("/api/v1/transactions/{id}/savepoints", post(t::savepoint))
        .route(
            "/api/v1/transactions/{id}/savepoints/{name}/rollback",
            post(t::rollback_to),
        )
        .route(
            "/api/v1/transactions/{id}/savepoints/{name}/release",
            post(t::release),
        )
        .route("/api/v1/tables", get(tables::list))
        .route("/api/v1/tables/{name}", get(tables::get_one))
        .route("/api/v1/locks", get(m::locks))
        .route("/api/v1/locks/waits", get(m::lock_waits))
        .route("/api/v1/deadlocks", get(m::deadlocks))
        .route("/api/v1/connections", get(m::connections))
        .route("/api/v1/connections/{id}", delete(m::terminate_connection))
        .route(
            "/api/v1/checkpoint",
            post(server::checkpoint).get(server::checkpoint_stats),
        )
        .route("/api/v1/wal/status", get(server::wal_status))
        .route("/api/v1/buffer-pool", get(server::buffer_pool))
        .route("/api/v1/config", get(server::config))
        .route("/api/v1/queries/slow", get(m::slow_queries))
        .route("/api/v1/tokens", post(tokens::create).get(tokens::list))
        .route("/api/v1/tokens/{id}", delete(tokens::revoke))
}
