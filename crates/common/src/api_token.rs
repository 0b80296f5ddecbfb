//! API tokens for the HTTP front ends: their format, hashing, expiry syntax and the SQL
//! that stores them.
//!
//! A token is `rdb_<id>_<secret>`: a 16-hex-digit id (public: logs and `rustydb-admin
//! inspect-token` name it) and 32 random bytes in unpadded base64url. Only the SHA-256 of
//! the secret is stored, in the table [`TABLE`] owned by the superuser, so a stolen copy
//! of the database cannot be used to call the API. A plain hash is enough: the secret has
//! 256 bits of entropy, so there is nothing to brute-force (a slow password hash protects
//! low-entropy *passwords*). The server (`rustydb-http`) and the admin CLI
//! (`rustydb-admin`, over the PostgreSQL protocol) run the same statements from here.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The table holding issued tokens.
pub const TABLE: &str = "rustydb.api_tokens";

/// Creates the schema and table when missing; run at every server start.
pub const CREATE_SQL: &[&str] = &[
    "CREATE SCHEMA IF NOT EXISTS rustydb",
    "CREATE TABLE IF NOT EXISTS rustydb.api_tokens (\
        id text PRIMARY KEY, \
        user_name text NOT NULL, \
        secret_sha256 text NOT NULL, \
        created_at timestamptz NOT NULL DEFAULT now(), \
        expires_at timestamptz, \
        revoked_at timestamptz, \
        created_by text NOT NULL, \
        description text NOT NULL DEFAULT '')",
];

/// Inserts a token: `$1` id, `$2` user, `$3` secret hash, `$4` seconds to expiry (NULL:
/// never), `$5` created by, `$6` description. Returns [`COLUMNS`].
pub const INSERT_SQL: &str = "INSERT INTO rustydb.api_tokens \
    (id, user_name, secret_sha256, expires_at, created_by, description) \
    VALUES ($1, $2, $3, now() + $4::bigint * interval '1 second', $5, $6) \
    RETURNING id, user_name, created_at::text, expires_at::text, revoked_at::text, \
    created_by, description";

/// The columns every token query returns, in order: id, user_name, created_at,
/// expires_at, revoked_at, created_by, description (timestamps as text).
pub const COLUMNS: &str = "id, user_name, created_at::text, expires_at::text, \
    revoked_at::text, created_by, description";

/// Looks a token up for verification: `$1` id. Returns the secret hash, the user, and
/// whether it is usable now (not revoked, not expired).
pub const VERIFY_SQL: &str = "SELECT secret_sha256, user_name, \
    revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS usable, \
    revoked_at IS NOT NULL AS revoked \
    FROM rustydb.api_tokens WHERE id = $1";

/// One token by id (`$1`), as [`COLUMNS`].
pub const SELECT_ONE_SQL: &str = "SELECT id, user_name, created_at::text, expires_at::text, \
    revoked_at::text, created_by, description FROM rustydb.api_tokens WHERE id = $1";

/// Every token, newest first, as [`COLUMNS`].
pub const SELECT_ALL_SQL: &str = "SELECT id, user_name, created_at::text, expires_at::text, \
    revoked_at::text, created_by, description FROM rustydb.api_tokens \
    ORDER BY created_at DESC, id";

/// Revokes a token (`$1` id); one row when it existed and was not yet revoked.
pub const REVOKE_SQL: &str = "UPDATE rustydb.api_tokens SET revoked_at = now() \
    WHERE id = $1 AND revoked_at IS NULL RETURNING id";

const PREFIX: &str = "rdb_";
const ID_HEX: usize = 16;
const SECRET_BYTES: usize = 32;
/// Length of the base64url text of the secret (no padding).
const SECRET_CHARS: usize = 43;

/// A token: public id plus secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    id: String,
    secret: String,
}

impl ApiToken {
    /// A fresh random token.
    pub fn generate() -> ApiToken {
        let id: u64 = rand::random();
        let secret: [u8; SECRET_BYTES] = rand::random();
        ApiToken {
            id: format!("{id:016x}"),
            secret: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        }
    }

    /// Parses `rdb_<16 hex>_<43 base64url chars>`; `None` for anything else.
    pub fn parse(text: &str) -> Option<ApiToken> {
        let rest = text.trim().strip_prefix(PREFIX)?;
        let (id, secret) = rest.split_once('_').filter(|(id, _)| id.len() == ID_HEX)?;
        let id_ok = id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let secret_ok = secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (id_ok && secret_ok).then(|| ApiToken {
            id: id.to_string(),
            secret: secret.to_string(),
        })
    }

    /// The public id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Lower-case hex SHA-256 of the secret: what is stored.
    pub fn secret_hash(&self) -> String {
        hash_hex(&self.secret)
    }

    /// Whether `stored` (a [`secret_hash`](Self::secret_hash)) belongs to this token,
    /// compared in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        let mine = self.secret_hash();
        mine.len() == stored.len()
            && mine
                .bytes()
                .zip(stored.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}_{}", self.id, self.secret)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        write!(f, "ApiToken({PREFIX}{}_...)", self.id)
    }
}

fn hash_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses an expiry such as `30d`, `12h`, `45m`, `3600s`, `2w` or `never` (`None`).
pub fn parse_expiry(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expiry {text:?}: expected a number and a unit, e.g. 30d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "expiry {text:?}: unit must be s, m, h, d or w (or the word never)"
            ));
        }
    };
    if n == 0 {
        return Err(format!("expiry {text:?}: must be more than zero"));
    }
    n.checked_mul(seconds)
        .filter(|s| *s <= 100 * 365 * 86_400)
        .map(|s| Some(Duration::from_secs(s)))
        .ok_or_else(|| format!("expiry {text:?}: at most 100 years"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_match_their_hash() {
        let t = ApiToken::generate();
        let text = t.to_string();
        assert!(text.starts_with("rdb_"));
        let back = ApiToken::parse(&text).unwrap();
        assert_eq!(back, t);
        assert!(back.matches(&t.secret_hash()));
        assert!(!ApiToken::generate().matches(&t.secret_hash()));
        assert!(!format!("{t:?}").contains(&t.secret));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let t = ApiToken::generate().to_string();
        for bad in [
            "",
            "rdb_",
            "abc",
            &t[..t.len() - 1],
            &t.replace("rdb_", "xyz_"),
            &format!("{t}x"),
        ] {
            assert!(ApiToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn expiries() {
        assert_eq!(
            parse_expiry("30d"),
            Ok(Some(Duration::from_secs(30 * 86_400)))
        );
        assert_eq!(parse_expiry("12h"), Ok(Some(Duration::from_secs(43_200))));
        assert_eq!(parse_expiry("never"), Ok(None));
        assert!(parse_expiry("0d").is_err());
        assert!(parse_expiry("5y").is_err());
        assert!(parse_expiry("d").is_err());
    }
}
