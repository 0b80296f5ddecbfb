//! The OpenAPI 3 document, generated from the handlers' `#[utoipa::path]` attributes and
//! the response types, with the bearer security scheme and the shared error responses
//! (every non-2xx body is `rustydb_http::ErrorBody`).

use axum::Json;
use rustydb_http::ErrorBody;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::{monitor, query, server, tables, tokens, transactions};

/// The API document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "RustyDB REST API",
        description = "SQL, HTTP transactions and monitoring of a RustyDB server. Every \
                       route needs `Authorization: Bearer <token>`; administrative ones a \
                       superuser's token. Errors are JSON `ErrorBody`."
    ),
    paths(
        serve,
        query::run, query::next_page, query::close,
        transactions::begin, transactions::list, transactions::get_one, transactions::abort,
        transactions::query, transactions::commit, transactions::rollback,
        transactions::savepoint, transactions::rollback_to, transactions::release,
        tables::list, tables::get_one,
        monitor::locks, monitor::lock_waits, monitor::deadlocks, monitor::connections,
        monitor::terminate_connection, monitor::slow_queries,
        server::checkpoint, server::checkpoint_stats, server::wal_status, server::buffer_pool,
        server::config,
        tokens::create, tokens::list, tokens::revoke,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Errors any authenticated route may answer.
#[derive(Debug, IntoResponses)]
pub enum MonitorErrors {
    /// No token, or a bad, expired or revoked one.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Too many requests (see `Retry-After`).
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// A bug; the request id leads to its cause in `error.log`.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is starting (crash recovery) or out of resources.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// Errors of routes that need a superuser or take a path parameter.
#[derive(Debug, IntoResponses)]
pub enum AdminErrors {
    /// A malformed path parameter or body.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token, or a bad, expired or revoked one.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The token's user lacks the privilege.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such object.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The body is larger than `http.max_body_bytes`.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Too many requests (see `Retry-After`).
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// A bug; the request id leads to its cause in `error.log`.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is starting (crash recovery) or out of resources.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// Errors of routes that run SQL.
#[derive(Debug, IntoResponses)]
pub enum SqlErrors {
    /// A malformed body (the message names the field), a SQL error, or a result over
    /// `http.max_result_rows`.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token, or a bad, expired or revoked one.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Permission denied (42501), or another user's transaction.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such transaction, cursor, table or other object.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// A constraint violation (23xxx), serialization failure or deadlock (40xxx), or
    /// an aborted transaction (25P02).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than `http.max_body_bytes`.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Too many requests (see `Retry-After`).
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// A bug; the request id leads to its cause in `error.log`.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is starting, or out of resources (53xxx).
    #[response(status = 503)]
    Unavailable(ErrorBody),
    /// The statement ran past `http.statement_timeout_ms` (57014).
    #[response(status = 504)]
    Timeout(ErrorBody),
}

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3 document", body = Object), MonitorErrors))]
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
