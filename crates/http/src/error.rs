//! The one error type of the HTTP front ends and its JSON body.
//!
//! Every non-2xx response carries
//! `{"code", "sqlstate", "message", "detail", "hint", "request_id"}`, whatever produced
//! it: a handler's [`ApiError`], a rejected extractor, axum's own 404/405, a panic. The
//! status comes from the error's SQLSTATE class the way PostgREST maps them (42501 -> 403,
//! undefined objects -> 404, constraint and serialization failures -> 409, ...), so a
//! client can branch on either. A 5xx is logged at ERROR (so it lands in `error.log`)
//! with its request id and full cause; the body names the request id so an operator can
//! find it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rustydb_common::{DbError, ErrorCode};
use serde::Serialize;

use crate::request_id;

/// An error answered as JSON with an HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: DbError,
}

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Our stable code, e.g. `ERR-API-001`.
    pub code: String,
    /// The PostgreSQL SQLSTATE, e.g. `42P01`.
    pub sqlstate: String,
    /// What went wrong, naming the thing.
    pub message: String,
    /// More about it, when there is more.
    pub detail: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The request's id (also in the `x-request-id` header and the request log).
    pub request_id: String,
}

impl ApiError {
    /// An error with an explicit status.
    pub fn new(status: StatusCode, error: DbError) -> ApiError {
        ApiError { status, error }
    }

    /// 404 for an unknown path or object, e.g. `not_found("transaction 42")`.
    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        let e = DbError::from_template(ErrorCode::EndpointNotFound, &[("what", &what)]);
        ApiError::new(StatusCode::NOT_FOUND, e)
    }

    /// 400 for a malformed request; `reason` names the field or parameter.
    pub fn bad_request(reason: impl std::fmt::Display) -> ApiError {
        let e = DbError::from_template(ErrorCode::InvalidRequest, &[("reason", &reason)]);
        ApiError::new(StatusCode::BAD_REQUEST, e)
    }

    /// 401: no token, or a bad, expired or revoked one.
    pub fn unauthorized(reason: impl Into<String>) -> ApiError {
        let e = DbError::new(ErrorCode::SecAuthFailure, reason)
            .with_sqlstate("28000")
            .with_hint(
                "Send `Authorization: Bearer <token>`; `rustydb-admin create-api-token --user \
                 <name> --expiry 30d` makes one.",
            );
        ApiError::new(StatusCode::UNAUTHORIZED, e)
    }

    /// 403: the token's user lacks the privilege `operation` needs.
    pub fn forbidden(operation: impl std::fmt::Display) -> ApiError {
        let e =
            DbError::from_template(ErrorCode::SecPermissionDenied, &[("operation", &operation)])
                .with_hint("Use a token of a superuser, or ask one to grant the privilege.");
        ApiError::new(StatusCode::FORBIDDEN, e)
    }

    /// 500 for a bug: logged with its cause when answered.
    pub fn internal(reason: impl std::fmt::Display) -> ApiError {
        let e = DbError::from_template(ErrorCode::InternalError, &[("reason", &reason)]);
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e)
    }

    /// 503 while the database is still starting (crash recovery running).
    pub fn starting() -> ApiError {
        let e = DbError::new(
            ErrorCode::DbInitFailed,
            "the database is starting up (crash recovery is running)",
        )
        .with_sqlstate("57P03")
        .with_hint("Retry when GET /health/ready answers 200.");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The database error inside.
    pub fn error(&self) -> &DbError {
        &self.error
    }

    /// The JSON body, with the current request's id.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.error.code().id().to_string(),
            sqlstate: self.error.sqlstate().to_string(),
            message: self.error.message().to_string(),
            detail: self.error.detail().map(str::to_string),
            hint: self.error.hint().map(str::to_string),
            request_id: request_id::current().unwrap_or_default(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        ApiError {
            status: status_of(&error),
            error,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        if self.status.is_server_error() {
            tracing::error!(
                request_id = %body.request_id,
                code = %body.code,
                sqlstate = %body.sqlstate,
                detail = body.detail.as_deref().unwrap_or(""),
                "HTTP {}: {}",
                self.status.as_u16(),
                body.message
            );
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"rustydb\""),
            );
        }
        response
    }
}

/// The HTTP status for a database error, by its code and SQLSTATE.
pub fn status_of(error: &DbError) -> StatusCode {
    match error.code() {
        ErrorCode::EndpointNotFound => return StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => return StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::InvalidRequest => return StatusCode::BAD_REQUEST,
        ErrorCode::RateLimitExceeded | ErrorCode::SecRateLimit => {
            return StatusCode::TOO_MANY_REQUESTS;
        }
        ErrorCode::InternalError => return StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::PayloadTooLarge => return StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ResultTooLarge | ErrorCode::QueryTooComplex => {
            return StatusCode::BAD_REQUEST;
        }
        _ => {}
    }
    let state = error.sqlstate();
    match state {
        "42501" => StatusCode::FORBIDDEN,
        "42P01" | "42704" | "42883" | "3D000" | "3F000" | "42P02" | "26000" | "34000" => {
            StatusCode::NOT_FOUND
        }
        "57014" => StatusCode::GATEWAY_TIMEOUT,
        "57P01" | "57P02" | "57P03" => StatusCode::SERVICE_UNAVAILABLE,
        _ => match &state[..2] {
            "28" => StatusCode::UNAUTHORIZED,
            "23" | "40" | "25" | "55" => StatusCode::CONFLICT,
            "53" => StatusCode::SERVICE_UNAVAILABLE,
            "58" | "XX" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_sqlstate_class() {
        let e =
            |state: &'static str| DbError::new(ErrorCode::DataException, "x").with_sqlstate(state);
        assert_eq!(status_of(&e("42501")), StatusCode::FORBIDDEN);
        assert_eq!(status_of(&e("42P01")), StatusCode::NOT_FOUND);
        assert_eq!(status_of(&e("23505")), StatusCode::CONFLICT);
        assert_eq!(status_of(&e("40001")), StatusCode::CONFLICT);
        assert_eq!(status_of(&e("42601")), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(&e("22012")), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(&e("57014")), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(status_of(&e("53300")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status_of(&e("XX000")), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            status_of(&DbError::internal("boom")),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
