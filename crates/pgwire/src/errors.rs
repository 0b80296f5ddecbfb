//! Errors and notices as the protocol sends them.
//!
//! An ErrorResponse carries the fields PostgreSQL fills: severity (localized `S` and
//! non-localized `V`), SQLSTATE (`C`), message (`M`), detail (`D`) and hint (`H`). Our
//! stable error code (`ERR-TXN-001`, `SEC-001`) has no field of its own in the
//! protocol, so it ends the hint as `(error code ERR-TXN-001)`: psql and most drivers
//! show the hint, while SQLSTATE-based error handling and message matching are left
//! exactly as PostgreSQL's. See docs/wire-protocol.md.

use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::session::Notice;

/// ERROR (the statement failed) or FATAL (the connection ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Error,
    Fatal,
}

/// The fields of an ErrorResponse for `e`.
pub(crate) fn error_fields(e: &DbError, severity: Severity) -> Vec<(u8, String)> {
    let sev = match severity {
        Severity::Error => "ERROR",
        Severity::Fatal => "FATAL",
    };
    let mut f = vec![
        (b'S', sev.to_string()),
        (b'V', sev.to_string()),
        (b'C', e.sqlstate().to_string()),
        (b'M', e.message().to_string()),
    ];
    if let Some(d) = e.detail() {
        f.push((b'D', d.to_string()));
    }
    let code = e.code().id();
    let hint = match e.hint() {
        Some(h) if !h.is_empty() => format!("{h} (error code {code})"),
        _ => format!("(error code {code})"),
    };
    f.push((b'H', hint));
    f
}

/// The fields of a NoticeResponse.
pub(crate) fn notice_fields(n: &Notice) -> Vec<(u8, String)> {
    vec![
        (b'S', n.severity.to_string()),
        (b'V', n.severity.to_string()),
        (b'C', n.sqlstate.to_string()),
        (b'M', n.message.clone()),
    ]
}

/// 08P01: the client broke the protocol.
pub(crate) fn protocol_violation(reason: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::ProtocolViolation, reason)
}

/// 57P01: pg_terminate_backend or server shutdown.
pub(crate) fn admin_shutdown() -> DbError {
    DbError::new(
        ErrorCode::ConnectionTerminated,
        "terminating connection due to administrator command",
    )
}

/// 57P05: idle_session_timeout.
pub(crate) fn idle_timeout() -> DbError {
    DbError::new(
        ErrorCode::ConnectionTimeout,
        "terminating connection due to idle-session timeout",
    )
    .with_sqlstate("57P05")
    .with_hint(
        "The session was idle longer than server.idle_session_timeout_seconds; reconnect, \
         or raise the setting.",
    )
}

/// 0A000 for something the front end does not support.
pub(crate) fn not_supported(what: &str) -> DbError {
    DbError::from_template(ErrorCode::FeatureNotSupported, &[("feature", &what)])
}
