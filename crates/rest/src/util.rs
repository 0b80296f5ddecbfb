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

/// The largest page a request may ask for (the top of `http.page_size`'s range).
pub(crate) const MAX_PAGE_SIZE: u32 = 1_000_000;

/// Checks a requested page size against the documented range 1 to [`MAX_PAGE_SIZE`].
pub(crate) fn check_page_size(
    page_size: Option<u32>,
    name: &str,
) -> Result<Option<u32>, rustydb_http::ApiError> {
    match page_size {
        Some(p) if p == 0 || p > MAX_PAGE_SIZE => Err(rustydb_http::ApiError::bad_request(
            format!("{name}: must be between 1 and {MAX_PAGE_SIZE}"),
        )),
        other => Ok(other),
    }
}
