//! SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677), stored as PostgreSQL stores them in
//! `pg_authid.rolpassword`:
//!
//! ```text
//! SCRAM-SHA-256$<iterations>:<salt, base64>$<StoredKey, base64>:<ServerKey, base64>
//! ```
//!
//! From a password: `SaltedPassword = PBKDF2-HMAC-SHA-256(SASLprep(password), salt, i)`,
//! `ClientKey = HMAC(SaltedPassword, "Client Key")`, `StoredKey = SHA-256(ClientKey)`,
//! `ServerKey = HMAC(SaltedPassword, "Server Key")`. The password itself is never kept.
//! A password SASLprep rejects (prohibited or unassigned characters) is used as given,
//! as PostgreSQL does, so every password PostgreSQL accepts gives the same verifier.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Iterations of new verifiers (PostgreSQL's default `scram_iterations`).
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// Length of the random salt of new verifiers, in bytes (as PostgreSQL).
pub const SALT_LEN: usize = 16;
const PREFIX: &str = "SCRAM-SHA-256$";

/// A SCRAM-SHA-256 verifier: what the server needs to check a client's proof without
/// knowing the password. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    /// PBKDF2 iteration count.
    pub iterations: u32,
    /// The salt.
    pub salt: Vec<u8>,
    /// `SHA-256(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: [u8; 32],
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: [u8; 32],
}

impl std::fmt::Debug for ScramVerifier {
    // The keys are password equivalents for a replay against this server: keep them
    // out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramVerifier {
    /// A verifier for `password` with a random 16-byte salt and 4096 iterations.
    pub fn from_password(password: &str) -> ScramVerifier {
        let salt: [u8; SALT_LEN] = rand::random();
        ScramVerifier::with_salt(password, &salt, DEFAULT_ITERATIONS)
    }

    /// The verifier for `password` with a given salt and iteration count.
    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// Parses PostgreSQL's text form; None if `s` is not a well-formed verifier.
    pub fn parse(s: &str) -> Option<ScramVerifier> {
        let rest = s.strip_prefix(PREFIX)?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let iterations: u32 = iterations.parse().ok().filter(|&i| i > 0)?;
        let salt = B64.decode(salt).ok().filter(|s| !s.is_empty())?;
        Some(ScramVerifier {
            iterations,
            salt,
            stored_key: B64.decode(stored).ok()?.try_into().ok()?,
            server_key: B64.decode(server).ok()?.try_into().ok()?,
        })
    }

    /// Whether `password` is the password this verifier was made from.
    pub fn verify_password(&self, password: &str) -> bool {
        let other = ScramVerifier::with_salt(password, &self.salt, self.iterations);
        constant_time_eq(&other.stored_key, &self.stored_key)
            && constant_time_eq(&other.server_key, &self.server_key)
    }
}

impl std::fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{PREFIX}{}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(self.stored_key),
            B64.encode(self.server_key)
        )
    }
}

/// `Hi(SASLprep(password), salt, i)` of RFC 5802: PBKDF2 with HMAC-SHA-256.
pub fn salted_password(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let prepared = stringprep::saslprep(password)
        .map(|p| p.into_owned())
        .unwrap_or_else(|_| password.to_string());
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(prepared.as_bytes(), salt, iterations, &mut out);
    out
}

/// HMAC-SHA-256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Compares without an early exit, so timing tells nothing about where keys differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by PostgreSQL 15: `SET password_encryption = 'scram-sha-256'; CREATE ROLE x
    /// PASSWORD 'secret'; SELECT rolpassword FROM pg_authid WHERE rolname = 'x'`.
    const POSTGRES_SECRET: &str = "SCRAM-SHA-256$4096:t8YngQf7Wh4jK8UsiDNDqQ==$pkaS39u36DY02s80OpsgTBDod6H82lkDynNfI7rHEhk=:F6WOtChcQUhyfYSCijDgXfCwTucRk6NojFgQwkroU9k=";

    #[test]
    fn postgres_verifier_checks_its_password() {
        let v = ScramVerifier::parse(POSTGRES_SECRET).unwrap();
        assert_eq!(v.iterations, 4096);
        assert_eq!(v.salt.len(), 16);
        assert!(v.verify_password("secret"));
        assert!(!v.verify_password("Secret"));
        assert!(!v.verify_password(""));
        assert_eq!(v.to_string(), POSTGRES_SECRET);
        // Deriving with PostgreSQL's salt gives PostgreSQL's verifier, byte for byte.
        assert_eq!(
            ScramVerifier::with_salt("secret", &v.salt, 4096).to_string(),
            POSTGRES_SECRET
        );
    }

    #[test]
    fn new_verifiers_round_trip_and_use_fresh_salt() {
        let a = ScramVerifier::from_password("hunter2");
        let b = ScramVerifier::from_password("hunter2");
        assert_ne!(a.salt, b.salt);
        assert_eq!(a.salt.len(), SALT_LEN);
        let text = a.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
        let parsed = ScramVerifier::parse(&text).unwrap();
        assert_eq!(parsed, a);
        assert!(parsed.verify_password("hunter2"));
        assert!(!parsed.verify_password("hunter3"));
    }

    #[test]
    fn malformed_verifiers_are_rejected() {
        for bad in [
            "",
            "secret",
            "md5abcdef",
            "SCRAM-SHA-256$4096:t8YngQf7Wh4jK8UsiDNDqQ==",
            "SCRAM-SHA-256$0:t8YngQf7Wh4jK8UsiDNDqQ==$pkaS39u36DY02s80OpsgTBDod6H82lkDynNfI7rHEhk=:F6WOtChcQUhyfYSCijDgXfCwTucRk6NojFgQwkroU9k=",
            "SCRAM-SHA-256$4096:t8YngQf7Wh4jK8UsiDNDqQ==$pkaS39u36DY02s80Ops=:F6WOtChcQUhyfYSCijDgXfCwTucRk6NojFgQwkroU9k=",
            "SCRAM-SHA-256$4096:!!$pkaS39u36DY02s80OpsgTBDod6H82lkDynNfI7rHEhk=:F6WOtChcQUhyfYSCijDgXfCwTucRk6NojFgQwkroU9k=",
        ] {
            assert!(ScramVerifier::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn saslprep_maps_before_hashing() {
        // RFC 4013: U+00A0 (no-break space) maps to a space, U+00AD (soft hyphen) to
        // nothing; a prohibited character (U+0007) makes PostgreSQL use the raw bytes.
        let v = ScramVerifier::from_password("a b");
        assert!(v.verify_password("a\u{00A0}b"));
        let w = ScramVerifier::from_password("ab");
        assert!(w.verify_password("a\u{00AD}b"));
        let raw = ScramVerifier::from_password("a\u{0007}b");
        assert!(raw.verify_password("a\u{0007}b"));
        assert!(!raw.verify_password("ab"));
    }
}
