//! Who is calling: bearer API tokens checked on every request.
//!
//! [`authenticate`] runs in the guard middleware between the per-address and the
//! per-token rate limits (`crate::guard`): a request
//! with an `Authorization` header is verified at once (401 when the token is malformed,
//! unknown, expired or revoked, or its user can no longer log in); one without gets no
//! [`Principal`], and every handler that needs a caller takes the [`Principal`] extractor,
//! which answers 401 then. `/health` and `/metrics` do not take it unless configured so.
//!
//! `http.auth = off` (explicit config only, warned about at start) makes every request
//! act as the bootstrap superuser `rustydb`.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::context::{HttpContext, blocking};
use crate::error::ApiError;

/// The user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The database role; its privileges apply to every statement the request runs.
    pub user: String,
    /// Whether the role is a superuser (needed for administrative endpoints).
    pub superuser: bool,
    /// The token's public id; `None` when `http.auth` is off.
    pub token_id: Option<String>,
}

/// The role requests act as when `http.auth` is off.
pub const NO_AUTH_USER: &str = "rustydb";

impl Principal {
    /// 403 unless the caller is a superuser; `operation` names what was refused.
    pub fn require_superuser(&self, operation: &str) -> Result<(), ApiError> {
        if self.superuser {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{operation} (needs a superuser; \"{}\" is not one)",
                self.user
            )))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("authentication required: no API token was sent"))
    }
}

/// Verifies the request's bearer token, if it sent one: `Ok(None)` without a header,
/// 401 for a bad one. With `http.auth` off, every request is the superuser `rustydb`.
pub async fn authenticate(
    ctx: &Arc<HttpContext>,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<Principal>, ApiError> {
    if !ctx.http().auth {
        return Ok(Some(Principal {
            user: NO_AUTH_USER.to_string(),
            superuser: true,
            token_id: None,
        }));
    }
    let Some(header) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bearer = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    let engine = ctx.engine()?.clone();
    match blocking(move || crate::tokens::verify(&engine, &bearer)).await {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            tracing::warn!(
                target: rustydb_common::logging::AUDIT_TARGET,
                path,
                "API_AUTHENTICATION_FAILURE {}",
                e.error().message()
            );
            Err(ApiError::unauthorized(e.error().message().to_string()))
        }
    }
}
