//! GraphQL errors with the same facts as the HTTP front ends' JSON error bodies: every
//! error a resolver returns carries `extensions {code, sqlstate, hint, detail,
//! request_id, status}` taken from the [`ApiError`] / [`DbError`] behind it.
//!
//! Errors async-graphql raises itself (syntax, validation, depth and complexity limits,
//! introspection switched off) get extensions too, in [`annotate`]: the limits are
//! ERR-API-008 (54001, like PostgreSQL's "statement too complex"), the rest ERR-API-003.

use async_graphql::{Error, ErrorExtensions, Response, ServerError};
use rustydb_common::{DbError, ErrorCode};
use rustydb_http::ApiError;

/// An [`ApiError`] as a GraphQL error.
pub(crate) fn gql(e: ApiError) -> Error {
    let status = e.status().as_u16();
    let body = e.body();
    Error::new(body.message).extend_with(|_, ext| {
        ext.set("code", body.code.clone());
        ext.set("sqlstate", body.sqlstate.clone());
        if let Some(h) = &body.hint {
            ext.set("hint", h.clone());
        }
        if let Some(d) = &body.detail {
            ext.set("detail", d.clone());
        }
        ext.set("request_id", body.request_id.clone());
        ext.set("status", status);
    })
}

/// A [`DbError`] as a GraphQL error.
pub(crate) fn db(e: DbError) -> Error {
    gql(ApiError::from(e))
}

/// A bad argument (400, ERR-API-003) naming it.
pub(crate) fn bad_arg(reason: impl std::fmt::Display) -> Error {
    gql(ApiError::bad_request(reason))
}

/// Adds extensions to the errors of `response` that have none (those async-graphql
/// raised while parsing or validating the request).
pub(crate) fn annotate(mut response: Response) -> Response {
    for err in &mut response.errors {
        annotate_one(err);
    }
    response
}

fn annotate_one(err: &mut ServerError) {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let msg = err.message.clone();
    let limit = msg.contains("nested too deep") || msg.contains("too complex");
    let e = if limit {
        DbError::from_template(ErrorCode::QueryTooComplex, &[("reason", &msg)])
    } else {
        DbError::from_template(ErrorCode::InvalidRequest, &[("reason", &msg)]).with_hint(
            "Check the query against the schema (the playground at GET /graphql shows it).",
        )
    };
    let api = ApiError::from(e);
    let status = api.status().as_u16();
    let body = api.body();
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", body.code);
    ext.set("sqlstate", body.sqlstate);
    if let Some(h) = body.hint {
        ext.set("hint", h);
    }
    ext.set("request_id", body.request_id);
    ext.set("status", status);
}
