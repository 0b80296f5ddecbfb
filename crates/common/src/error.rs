//! The one error type every front end shows: a catalogue code, a SQLSTATE, a message that
//! names the thing, an optional detail, and a hint.
//!
//! Crates keep their own `thiserror` enums (storage, transactions, SQL); each implements
//! `From<ItsError> for DbError`, so the mapping to codes lives beside the errors and front
//! ends never guess.

use std::fmt;

use crate::codes::ErrorCode;

/// A user-visible error. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    code: ErrorCode,
    sqlstate: &'static str,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
}

impl DbError {
    /// An error with `code`, its default SQLSTATE and hint, and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> DbError {
        DbError {
            code,
            sqlstate: code.sqlstate(),
            message: message.into(),
            detail: None,
            hint: Some(code.info().hint.to_string()),
        }
    }

    /// An error whose message is the code's template with `{name}` placeholders filled
    /// from `args`. A placeholder without an argument is left as written, so a missing
    /// argument is visible rather than silently dropped.
    pub fn from_template(code: ErrorCode, args: &[(&str, &dyn fmt::Display)]) -> DbError {
        DbError::new(code, fill_template(code.info().template, args))
    }

    /// An internal error: a bug, said plainly.
    pub fn internal(reason: impl fmt::Display) -> DbError {
        DbError::from_template(ErrorCode::InternalError, &[("reason", &reason)])
    }

    /// Replaces the SQLSTATE with a more specific one of the same meaning.
    pub fn with_sqlstate(mut self, sqlstate: &'static str) -> DbError {
        self.sqlstate = sqlstate;
        self
    }

    /// Adds a detail line (PostgreSQL's DETAIL).
    pub fn with_detail(mut self, detail: impl Into<String>) -> DbError {
        self.detail = Some(detail.into());
        self
    }

    /// Replaces the code's default hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> DbError {
        self.hint = Some(hint.into());
        self
    }

    /// The catalogue code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The SQLSTATE sent to clients.
    pub fn sqlstate(&self) -> &'static str {
        self.sqlstate
    }

    /// The primary message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The detail, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Whether retrying the transaction may succeed.
    pub fn is_retryable(&self) -> bool {
        self.code.is_retryable()
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.id(), self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

fn fill_template(template: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fills_named_placeholders() {
        let e = DbError::from_template(
            ErrorCode::PageChecksumMismatch,
            &[
                ("file", &"base/16384"),
                ("page", &7),
                ("stored", &"0x1"),
                ("computed", &"0x2"),
            ],
        );
        assert_eq!(
            e.message(),
            "page checksum mismatch in base/16384 page 7: stored 0x1, computed 0x2"
        );
        assert_eq!(e.sqlstate(), "XX001");
        assert_eq!(e.code().id(), "ERR-STG-001");
        assert!(e.hint().unwrap().contains("verify-integrity"));
        assert_eq!(e.to_string().split(':').next(), Some("ERR-STG-001"));
    }

    #[test]
    fn missing_argument_stays_visible() {
        let e = DbError::from_template(ErrorCode::LockTimeout, &[]);
        assert_eq!(e.message(), "canceling statement due to lock timeout");
        let e = DbError::from_template(ErrorCode::DiskWriteFailed, &[("what", &"page 3")]);
        assert_eq!(e.message(), "could not write page 3: {reason}");
    }

    #[test]
    fn sqlstate_can_be_made_specific() {
        let e = DbError::from_template(
            ErrorCode::DiskWriteFailed,
            &[("what", &"x"), ("reason", &"No space left on device")],
        )
        .with_sqlstate("53100");
        assert_eq!(e.sqlstate(), "53100");
        assert_eq!(e.code(), ErrorCode::DiskWriteFailed);
        assert!(!e.is_retryable());
        assert!(DbError::new(ErrorCode::DeadlockDetected, "x").is_retryable());
    }
}
