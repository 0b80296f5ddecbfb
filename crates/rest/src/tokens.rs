//! API tokens over HTTP (superuser): create (the token is shown once), list, revoke.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rustydb_common::api_token::parse_expiry;
use rustydb_http::tokens::{self, TokenInfo};
use rustydb_http::{ApiError, ApiJson, HttpContext, Principal};
use serde::{Deserialize, Serialize};

use crate::openapi::AdminErrors;

/// `POST /tokens` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// The database user the token acts as (must exist and be allowed to log in).
    pub user: String,
    /// How long it works: a number with `s`, `m`, `h`, `d` or `w` (`30d`), or `never`.
    /// Default `30d`.
    #[schema(pattern = "^([1-9][0-9]{0,9}[smhdw]|never)$")]
    pub expiry: Option<String>,
    /// Free text, e.g. what it is for.
    #[serde(default)]
    pub description: String,
}

/// A new token: `token` is shown only here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The bearer token (`rdb_<id>_<secret>`); it cannot be shown again.
    pub token: String,
    /// Its facts.
    pub info: TokenInfo,
}

/// Issues a token; superuser.
#[utoipa::path(post, operation_id = "create_token", path = "/api/v1/tokens", tag = "admin", request_body = CreateToken,
    responses((status = 201, description = "Created", body = CreatedToken), AdminErrors))]
pub async fn create(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    ApiJson(req): ApiJson<CreateToken>,
) -> Result<(StatusCode, axum::Json<CreatedToken>), ApiError> {
    caller.require_superuser("creating an API token")?;
    let expiry = parse_expiry(req.expiry.as_deref().unwrap_or("30d"))
        .map_err(|e| ApiError::bad_request(format!("field expiry: {e}")))?;
    let engine = ctx.engine()?.clone();
    let by = caller.user.clone();
    let (token, info) = rustydb_http::blocking(move || {
        tokens::create(&engine, &req.user, expiry, &by, &req.description)
    })
    .await
    .map_err(|e| {
        // An unknown user is a fault of the body, not a missing resource of the path.
        if e.status() == StatusCode::NOT_FOUND {
            ApiError::new(StatusCode::BAD_REQUEST, e.error().clone())
        } else {
            e
        }
    })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedToken {
            token: token.to_string(),
            info,
        }),
    ))
}

/// Every token (never their secrets); superuser.
#[utoipa::path(get, operation_id = "list_tokens", path = "/api/v1/tokens", tag = "admin",
    responses((status = 200, description = "Tokens, newest first", body = Vec<TokenInfo>), AdminErrors))]
pub async fn list(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
) -> Result<axum::Json<Vec<TokenInfo>>, ApiError> {
    caller.require_superuser("listing API tokens")?;
    let engine = ctx.engine()?.clone();
    Ok(axum::Json(
        rustydb_http::blocking(move || tokens::list(&engine)).await?,
    ))
}

/// Revokes a token; superuser.
#[utoipa::path(delete, operation_id = "revoke_token", path = "/api/v1/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "The token's public id")),
    responses((status = 204, description = "Revoked"), AdminErrors))]
pub async fn revoke(
    State(ctx): State<Arc<HttpContext>>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_superuser("revoking an API token")?;
    let engine = ctx.engine()?.clone();
    let by = caller.user.clone();
    let what = id.clone();
    if rustydb_http::blocking(move || tokens::revoke(&engine, &id, &by)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("API token {what}")))
    }
}
