//! What ends a command unsuccessfully: one line on stderr,
//! `rustydb-admin: <CODE>: message (hint: ...)`, and exit status 1.
//!
//! Codes come from the one catalogue (`rustydb_common::ErrorCode`). An error the server
//! sent keeps the server's code, which the server appends to every hint as
//! `(error code X)`; otherwise the code is derived from the SQLSTATE.

use std::fmt;

use rustydb_common::{DbError, ErrorCode};

/// The program name that starts every line the tool prints about a failure.
pub(crate) const PROGRAM: &str = "rustydb-admin";

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The stable code, e.g. `ERR-CONN-001`.
    pub(crate) code: String,
    /// What went wrong, naming the thing.
    pub(crate) message: String,
    /// What to do about it.
    pub(crate) hint: String,
}

impl Failure {
    /// A failure with `code`'s catalogue hint unless `hint` is given.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code: code.id().to_string(),
            message: message.into(),
            hint: code.info().hint.to_string(),
        }
    }

    /// Replaces the hint.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = hint.into();
        self
    }

    /// The failure as JSON, for `--json`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": { "code": self.code, "message": self.message, "hint": self.hint }
        })
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        Failure {
            code: e.code().id().to_string(),
            message: e.message().to_string(),
            hint: e.hint().unwrap_or(e.code().info().hint).to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        write!(
            f,
            "{PROGRAM}: {}: {} (hint: {})",
            self.code,
            one_line(&self.message),
            one_line(&self.hint)
        )
    }
}

/// Splits a server hint `"text (error code X)"` into the text and `X`.
pub(crate) fn split_server_hint(hint: &str) -> (String, Option<String>) {
    let trimmed = hint.trim_end();
    if let Some(open) = trimmed.rfind("(error code ")
        && trimmed.ends_with(')')
    {
        let code = trimmed[open + "(error code ".len()..trimmed.len() - 1].to_string();
        return (trimmed[..open].trim_end().to_string(), Some(code));
    }
    (trimmed.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_code_and_hint() {
        let f = Failure::new(
            ErrorCode::ConnectionRefused,
            "connection refused:\n127.0.0.1:1",
        )
        .with_hint("start it");
        assert_eq!(
            f.to_string(),
            "rustydb-admin: ERR-CONN-001: connection refused: 127.0.0.1:1 (hint: start it)"
        );
    }

    #[test]
    fn server_hints_carry_the_code() {
        assert_eq!(
            split_server_hint("Check it. (error code ERR-SQL-002)"),
            ("Check it.".to_string(), Some("ERR-SQL-002".to_string()))
        );
        assert_eq!(
            split_server_hint("(error code SEC-002)"),
            (String::new(), Some("SEC-002".to_string()))
        );
        assert_eq!(split_server_hint("plain"), ("plain".to_string(), None));
    }
}
