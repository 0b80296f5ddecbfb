//! Small helpers shared by the handlers.

use std::time::SystemTime;

/// RFC 3339 in UTC with microseconds.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Seconds since the Unix epoch as RFC 3339.
pub(crate) fn rfc3339_secs(secs: u64) -> String {
    rfc3339(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// A duration in milliseconds.
pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
