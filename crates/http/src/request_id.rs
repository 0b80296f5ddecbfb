//! Request ids: every request gets one (or keeps the client's `x-request-id` when it is a
//! sane token), every response carries it in `x-request-id`, and everything that runs for
//! the request can read it through [`current`] (a tokio task-local), so error bodies and
//! log lines name it without threading it through every handler.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header carrying the id, both ways.
pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, if called from inside one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `f` as part of the request `id` (for work spawned off the request's task).
pub async fn scope<F: std::future::Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// A client's id is kept when it is 1 to 128 characters of `[A-Za-z0-9._-]`; otherwise a
/// fresh UUID is used.
fn accept(client: Option<&HeaderValue>) -> String {
    client
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

/// Middleware: assigns the id, runs the request inside its scope, sets the header.
pub async fn middleware(mut request: Request, next: Next) -> Response {
    let id = accept(request.headers().get(HEADER));
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The request id, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_sane() {
        let ok = HeaderValue::from_static("abc-123_x.y");
        assert_eq!(accept(Some(&ok)), "abc-123_x.y");
        let bad = HeaderValue::from_static("has space");
        assert_ne!(accept(Some(&bad)), "has space");
        assert_eq!(accept(None).len(), 36);
    }
}
