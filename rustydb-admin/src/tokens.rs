//! The API-token commands: create, revoke, list, inspect and verify, each running the
//! statements of `rustydb_common::api_token` over the PostgreSQL protocol, exactly as the
//! server's HTTP front end does.
//!
//! ```text
//!  create-api-token --user U [--expiry 30d|never] [--description D]
//!      pg_roles: U exists and can log in -> INSERT_SQL (the secret's SHA-256 only)
//!      -> the token, once, on its own line; id and expiry
//!  revoke-api-token --id ID|TOKEN      REVOKE_SQL (ERR-SQL-002 when no such live token)
//!  list-api-tokens                     SELECT_ALL_SQL, newest first, no secrets
//!  inspect-token --token T             SELECT_ONE_SQL by the token's id, no secret
//!  verify-token --token T              VERIFY_SQL + the hash: valid, or why not
//! ```
//!
//! The secret is printed once by create and never again: nothing stores it.

use rustydb_common::ErrorCode;
use rustydb_common::api_token::{self, ApiToken};
use serde_json::{Value, json};
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use crate::connect::server_failure;
use crate::failure::Failure;

/// A token's public facts, as [`api_token::COLUMNS`] returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRow {
    pub(crate) id: String,
    pub(crate) user: String,
    pub(crate) created_at: String,
    pub(crate) expires_at: Option<String>,
    pub(crate) revoked_at: Option<String>,
    pub(crate) created_by: String,
    pub(crate) description: String,
}

impl TokenRow {
    fn from_row(row: &tokio_postgres::Row) -> Result<TokenRow, Failure> {
        let text = |i: usize| -> Result<Option<String>, Failure> {
            row.try_get::<_, Option<String>>(i).map_err(|e| {
                Failure::new(
                    ErrorCode::InternalError,
                    format!("unexpected token row from the server: {e}"),
                )
            })
        };
        Ok(TokenRow {
            id: text(0)?.unwrap_or_default(),
            user: text(1)?.unwrap_or_default(),
            created_at: text(2)?.unwrap_or_default(),
            expires_at: text(3)?,
            revoked_at: text(4)?,
            created_by: text(5)?.unwrap_or_default(),
            description: text(6)?.unwrap_or_default(),
        })
    }

    /// The facts as JSON (never the secret).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "user": self.user,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "created_by": self.created_by,
            "description": self.description,
        })
    }

    /// The facts as `name: value` lines.
    pub(crate) fn to_text(&self) -> String {
        format!(
            "id: {}\nuser: {}\ncreated: {}\nexpires: {}\nrevoked: {}\ncreated by: {}\n\
             description: {}",
            self.id,
            self.user,
            self.created_at,
            self.expires_at.as_deref().unwrap_or("never"),
            self.revoked_at.as_deref().unwrap_or("no"),
            self.created_by,
            self.description
        )
    }
}

/// What `create-api-token` made: the token (shown once) and its facts.
#[derive(Debug)]
pub(crate) struct Created {
    pub(crate) token: ApiToken,
    pub(crate) info: TokenRow,
}

/// `create-api-token`.
pub(crate) async fn create(
    client: &Client,
    user: &str,
    expiry: &str,
    description: &str,
    created_by: &str,
) -> Result<Created, Failure> {
    let expiry = api_token::parse_expiry(expiry).map_err(|e| {
        Failure::new(ErrorCode::InvalidParameter, format!("--expiry: {e}"))
            .with_hint("Give a number and a unit (s, m, h, d, w), e.g. 30d, or never.")
    })?;
    let role = client
        .query_opt(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1",
            &[&user],
        )
        .await
        .map_err(|e| server_failure(&e))?;
    let can_login: bool = match role {
        None => {
            return Err(Failure::new(
                ErrorCode::UndefinedObject,
                format!("role \"{user}\" does not exist"),
            )
            .with_hint("Create the user first: CREATE USER name PASSWORD '...'."));
        }
        Some(row) => row.try_get(0).unwrap_or(false),
    };
    if !can_login {
        return Err(Failure::new(
            ErrorCode::InvalidParameter,
            format!("role \"{user}\" is not permitted to log in"),
        )
        .with_hint("ALTER ROLE name LOGIN, or issue the token for a role that can log in."));
    }
    let token = ApiToken::generate();
    let seconds: Option<i64> = expiry.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let params: [&(dyn ToSql + Sync); 6] = [
        &token.id(),
        &user,
        &token.secret_hash(),
        &seconds,
        &created_by,
        &description,
    ];
    let row = client
        .query_one(api_token::INSERT_SQL, &params)
        .await
        .map_err(|e| server_failure(&e))?;
    Ok(Created {
        info: TokenRow::from_row(&row)?,
        token,
    })
}

/// The token id in `id_or_token`: a bare id, or a whole token.
pub(crate) fn id_of(id_or_token: &str) -> Result<String, Failure> {
    let text = id_or_token.trim();
    if let Some(token) = ApiToken::parse(text) {
        return Ok(token.id().to_string());
    }
    let is_id = text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if is_id {
        Ok(text.to_string())
    } else {
        Err(malformed(text))
    }
}

fn malformed(text: &str) -> Failure {
    let shown: String = text.chars().take(24).collect();
    Failure::new(
        ErrorCode::SecAuthFailure,
        format!("malformed API token or id {shown:?}: expected rdb_<16 hex digits>_<secret> or the 16-hex-digit id"),
    )
    .with_hint("Copy the whole token printed by create-api-token, or an id from list-api-tokens.")
}

fn no_such(id: &str) -> Failure {
    Failure::new(
        ErrorCode::UndefinedObject,
        format!("API token {id} does not exist"),
    )
    .with_hint("list-api-tokens shows the tokens that exist.")
}

/// `revoke-api-token`: the revoked token's facts.
pub(crate) async fn revoke(client: &Client, id_or_token: &str) -> Result<TokenRow, Failure> {
    let id = id_of(id_or_token)?;
    let revoked = client
        .query_opt(api_token::REVOKE_SQL, &[&id])
        .await
        .map_err(|e| server_failure(&e))?;
    let info = get(client, &id).await?;
    match (revoked, info) {
        (Some(_), Some(info)) => Ok(info),
        (_, None) => Err(no_such(&id)),
        (None, Some(info)) => Err(Failure::new(
            ErrorCode::InvalidParameter,
            format!(
                "API token {id} was already revoked at {}",
                info.revoked_at.as_deref().unwrap_or("an earlier time")
            ),
        )
        .with_hint("Nothing to do: a revoked token stays revoked.")),
    }
}

async fn get(client: &Client, id: &str) -> Result<Option<TokenRow>, Failure> {
    let row = client
        .query_opt(api_token::SELECT_ONE_SQL, &[&id])
        .await
        .map_err(|e| server_failure(&e))?;
    row.as_ref().map(TokenRow::from_row).transpose()
}

/// `list-api-tokens`.
pub(crate) async fn list(client: &Client) -> Result<Vec<TokenRow>, Failure> {
    let rows = client
        .query(api_token::SELECT_ALL_SQL, &[])
        .await
        .map_err(|e| server_failure(&e))?;
    rows.iter().map(TokenRow::from_row).collect()
}

/// `inspect-token`: the facts of the token's id (the secret is not checked).
pub(crate) async fn inspect(client: &Client, id_or_token: &str) -> Result<TokenRow, Failure> {
    let id = id_of(id_or_token)?;
    get(client, &id).await?.ok_or_else(|| no_such(&id))
}

/// `verify-token`: the token's facts when it would be accepted now, or why not.
pub(crate) async fn verify(client: &Client, text: &str) -> Result<TokenRow, Failure> {
    let token =
        ApiToken::parse(text).ok_or_else(|| refused("malformed (expected rdb_<id>_<secret>)"))?;
    let row = client
        .query_opt(api_token::VERIFY_SQL, &[&token.id()])
        .await
        .map_err(|e| server_failure(&e))?
        .ok_or_else(|| refused("unknown token"))?;
    let hash: String = row.try_get(0).unwrap_or_default();
    if !token.matches(&hash) {
        return Err(refused("unknown token"));
    }
    let usable: bool = row.try_get(2).unwrap_or(false);
    let revoked: bool = row.try_get(3).unwrap_or(false);
    if revoked {
        return Err(refused("revoked"));
    }
    if !usable {
        return Err(refused("expired"));
    }
    get(client, token.id())
        .await?
        .ok_or_else(|| refused("unknown token"))
}

fn refused(why: &str) -> Failure {
    Failure::new(
        ErrorCode::SecAuthFailure,
        format!("invalid API token: {why}"),
    )
    .with_hint("Issue a new token with rustydb-admin create-api-token --user <name>.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_are_accepted_where_an_id_is_asked() {
        let t = ApiToken::generate();
        assert_eq!(id_of(&t.to_string()).unwrap(), t.id());
        assert_eq!(id_of(t.id()).unwrap(), t.id());
        assert_eq!(id_of("nonsense").unwrap_err().code, "SEC-001");
        assert_eq!(id_of("0123456789ABCDEF").unwrap_err().code, "SEC-001");
    }

    #[test]
    fn text_never_shows_a_secret_and_says_never() {
        let row = TokenRow {
            id: "0123456789abcdef".into(),
            user: "alice".into(),
            created_at: "2026-01-01 00:00:00+00".into(),
            expires_at: None,
            revoked_at: None,
            created_by: "rustydb".into(),
            description: String::new(),
        };
        let text = row.to_text();
        assert!(text.contains("expires: never"));
        assert!(text.contains("revoked: no"));
        assert_eq!(row.to_json()["expires_at"], Value::Null);
    }
}
