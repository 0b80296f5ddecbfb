//! Fatal errors: what stops the server, as one line on stderr.
//!
//! Every reason the server cannot start (or cannot finish shutting down) is a
//! [`DbError`] with a stable code; the operator sees exactly one line for it, never a
//! backtrace or a debug dump:
//!
//! ```text
//! rusty-db-server: ERR-DB-009: could not listen on 127.0.0.1:5432: address already in use (hint: ...)
//! ```
//!
//! Once logging is up the same line also goes to `rustydb.log` and `error.log`, through a
//! files-only subscriber so that stderr still carries it once.

use std::fmt;
use std::path::Path;

use rustydb_common::DbError;
use rustydb_common::logging::{self, Console, LogFilter, LogOptions};

/// The program name that starts every line the server prints itself.
pub const PROGRAM: &str = "rusty-db-server";

/// An error that stops the server, with its stable code.
#[derive(Debug, Clone, PartialEq)]
pub struct Fatal(pub DbError);

impl From<DbError> for Fatal {
    fn from(e: DbError) -> Fatal {
        Fatal(e)
    }
}

impl Fatal {
    /// The error's hint, or its code's catalogue hint.
    pub fn hint(&self) -> &str {
        self.0.hint().unwrap_or(self.0.code().info().hint)
    }

    /// Prints the one line to stderr and, when `log_dir` is given (logging was set up),
    /// appends it at ERROR to the log files.
    pub fn report(&self, log_dir: Option<&Path>) {
        let line = self.to_string();
        if let Some(dir) = log_dir {
            let options = LogOptions {
                console: Console::Off,
                ..LogOptions::new(LogFilter::Level("error".into()), dir)
            };
            // Best effort: the line on stderr below is the report that matters.
            if let Ok((subscriber, guard)) = logging::build(&options) {
                tracing::subscriber::with_default(subscriber, || tracing::error!("{line}"));
                drop(guard);
            }
        }
        eprintln!("{line}");
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages may quote text (file contents, OS errors): keep it to one line.
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        write!(
            f,
            "{PROGRAM}: {}: {}",
            self.0.code().id(),
            one_line(self.0.message())
        )?;
        if let Some(detail) = self.0.detail() {
            write!(f, " ({})", one_line(detail))?;
        }
        write!(f, " (hint: {})", one_line(self.hint()))
    }
}

impl std::error::Error for Fatal {}

#[cfg(test)]
mod tests {
    use super::*;
    use rustydb_common::ErrorCode;

    #[test]
    fn one_line_with_code_message_detail_and_hint() {
        let e = DbError::new(ErrorCode::ConfigInvalid, "bad\nthing").with_detail("from --port");
        let line = Fatal(e).to_string();
        assert!(
            line.starts_with(
                "rusty-db-server: ERR-DB-007: bad thing (from --port) (hint: Fix the value"
            ),
            "{line}"
        );
        assert!(!line.contains('\n'));

        let e = DbError::new(ErrorCode::ListenFailed, "x").with_hint("use --port");
        assert_eq!(
            Fatal(e).to_string(),
            "rusty-db-server: ERR-DB-009: x (hint: use --port)"
        );
    }
}
