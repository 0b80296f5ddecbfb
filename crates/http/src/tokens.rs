//! API tokens as the server sees them: created, verified on every request, listed and
//! revoked, all through SQL on the table of [`rustydb_common::api_token`], so tokens are
//! durable, transactional and visible to a superuser in psql.
//!
//! Verification runs one primary-key lookup per request; there is no cache, so a revoked
//! token (by `rustydb-admin revoke-api-token`, the API, or a superuser's UPDATE) stops
//! working at the next request.

use std::sync::Arc;
use std::time::Duration;

use rustydb_common::api_token::{self, ApiToken};
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Engine;
use rustydb_sql::types::Value;
use serde::Serialize;

use crate::auth::Principal;

/// A token's public facts (never its secret or hash).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TokenInfo {
    /// The public id (the part after `rdb_`).
    pub id: String,
    /// The database user the token acts as.
    pub user: String,
    /// When it was made (UTC, PostgreSQL's text form).
    pub created_at: String,
    /// When it stops working; `None`: never.
    pub expires_at: Option<String>,
    /// When it was revoked; `None`: it was not.
    pub revoked_at: Option<String>,
    /// Who made it.
    pub created_by: String,
    /// Free text given when it was made.
    pub description: String,
}

/// Creates the token table when missing (every start).
pub fn ensure_schema(engine: &Arc<Engine>) -> Result<(), DbError> {
    let mut session = engine.session();
    for sql in api_token::CREATE_SQL {
        session.execute(sql)?;
    }
    Ok(())
}

/// Issues a token for `user`, who must exist and be allowed to log in. Returns the token
/// (shown once) and its facts.
pub fn create(
    engine: &Arc<Engine>,
    user: &str,
    expiry: Option<Duration>,
    created_by: &str,
    description: &str,
) -> Result<(ApiToken, TokenInfo), DbError> {
    let role = engine.role(user).ok_or_else(|| {
        DbError::new(
            ErrorCode::UndefinedObject,
            format!("role \"{user}\" does not exist"),
        )
        .with_sqlstate("42704")
        .with_hint("Create the user first: CREATE USER name PASSWORD '...'.")
    })?;
    if !role.can_login {
        return Err(DbError::new(
            ErrorCode::InvalidParameter,
            format!("role \"{user}\" is not permitted to log in"),
        )
        .with_hint("ALTER ROLE name LOGIN, or issue the token for a role that can log in."));
    }
    let token = ApiToken::generate();
    let seconds = expiry.map_or(Value::Null, |d| {
        Value::Int8(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    });
    let mut session = engine.session();
    let result = session.query(
        api_token::INSERT_SQL,
        &[
            Value::Text(token.id().to_string()),
            Value::Text(user.to_string()),
            Value::Text(token.secret_hash()),
            seconds,
            Value::Text(created_by.to_string()),
            Value::Text(description.to_string()),
        ],
    )?;
    let info = result
        .rows
        .first()
        .map(|r| info_of(r))
        .ok_or_else(|| DbError::internal("INSERT ... RETURNING gave no row"))?;
    tracing::info!(
        target: rustydb_common::logging::AUDIT_TARGET,
        token_id = token.id(),
        user,
        created_by,
        "API_TOKEN_CREATED token {} for user \"{user}\" by \"{created_by}\", expires {}",
        token.id(),
        info.expires_at.as_deref().unwrap_or("never")
    );
    Ok((token, info))
}

/// Checks a bearer token: the user it acts as, or a 401-worthy error saying why not.
pub fn verify(engine: &Arc<Engine>, bearer: &str) -> Result<Principal, DbError> {
    let refuse = |why: &str| {
        DbError::new(
            ErrorCode::SecAuthFailure,
            format!("invalid API token: {why}"),
        )
        .with_sqlstate("28000")
    };
    let token =
        ApiToken::parse(bearer).ok_or_else(|| refuse("malformed (expected rdb_<id>_<secret>)"))?;
    let mut session = engine.session();
    let result = session.query(
        api_token::VERIFY_SQL,
        &[Value::Text(token.id().to_string())],
    )?;
    let row = result.rows.first().ok_or_else(|| refuse("unknown token"))?;
    let hash = text(&row[0]).unwrap_or_default();
    if !token.matches(&hash) {
        return Err(refuse("unknown token"));
    }
    if matches!(row[3], Value::Bool(true)) {
        return Err(refuse("the token was revoked"));
    }
    if !matches!(row[2], Value::Bool(true)) {
        return Err(refuse("the token has expired"));
    }
    let user = text(&row[1]).unwrap_or_default();
    let role = engine.role(&user).filter(|r| r.can_login).ok_or_else(|| {
        refuse(&format!(
            "its user \"{user}\" no longer exists or cannot log in"
        ))
    })?;
    Ok(Principal {
        user,
        superuser: role.superuser,
        token_id: Some(token.id().to_string()),
    })
}

/// Every token, newest first.
pub fn list(engine: &Arc<Engine>) -> Result<Vec<TokenInfo>, DbError> {
    let mut session = engine.session();
    let result = session.query(api_token::SELECT_ALL_SQL, &[])?;
    Ok(result.rows.iter().map(|r| info_of(r.as_slice())).collect())
}

/// One token's facts.
pub fn get(engine: &Arc<Engine>, id: &str) -> Result<Option<TokenInfo>, DbError> {
    let mut session = engine.session();
    let result = session.query(api_token::SELECT_ONE_SQL, &[Value::Text(id.to_string())])?;
    Ok(result.rows.first().map(|r| info_of(r.as_slice())))
}

/// Revokes a token; `false` when there is no such unrevoked token.
pub fn revoke(engine: &Arc<Engine>, id: &str, by: &str) -> Result<bool, DbError> {
    let mut session = engine.session();
    let result = session.query(api_token::REVOKE_SQL, &[Value::Text(id.to_string())])?;
    let revoked = !result.rows.is_empty();
    if revoked {
        tracing::info!(
            target: rustydb_common::logging::AUDIT_TARGET,
            token_id = id,
            by,
            "API_TOKEN_REVOKED token {id} by \"{by}\""
        );
    }
    Ok(revoked)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    }
}

fn info_of(row: &[Value]) -> TokenInfo {
    let t = |i: usize| row.get(i).and_then(text);
    TokenInfo {
        id: t(0).unwrap_or_default(),
        user: t(1).unwrap_or_default(),
        created_at: t(2).unwrap_or_default(),
        expires_at: t(3),
        revoked_at: t(4),
        created_by: t(5).unwrap_or_default(),
        description: t(6).unwrap_or_default(),
    }
}
