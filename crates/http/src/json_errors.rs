//! Makes every error response JSON: responses that axum or tower produce themselves
//! (405 with its `Allow` header, 413 from the body limit, 415/422/400 from extractors, a
//! panic's 500) arrive here with a plain body and leave as an [`ApiError`] body with the
//! same status. Handlers' own errors are JSON already and pass untouched.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use rustydb_common::{DbError, ErrorCode};

use crate::error::ApiError;

/// Plain-text error bodies longer than this are cut when quoted in a message.
const QUOTE_LIMIT: usize = 300;

/// Middleware: see the module documentation.
pub async fn middleware(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match body.collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let quoted: String = text.trim().chars().take(QUOTE_LIMIT).collect();
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::not_found(format!("{method} {path}")),
        StatusCode::METHOD_NOT_ALLOWED => {
            // The methods allowed are in the Allow header, which axum's method router
            // adds to this response.
            let e = DbError::from_template(
                ErrorCode::MethodNotAllowed,
                &[("method", &method), ("path", &path)],
            );
            ApiError::new(status, e)
        }
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(None),
        s if s.is_server_error() => ApiError::new(
            s,
            DbError::from_template(ErrorCode::InternalError, &[("reason", &quoted)]),
        ),
        s => ApiError::new(
            s,
            DbError::from_template(ErrorCode::InvalidRequest, &[("reason", &quoted)]),
        ),
    };
    let mut rebuilt = error.into_response();
    // Keep every header of the original (Allow, Retry-After, the rate-limit headers...)
    // but those describing the old body.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *rebuilt.status_mut() = status;
    rebuilt
}

/// 413 naming the configured limit, when known.
pub fn payload_too_large(limit: Option<u64>) -> ApiError {
    let limit = limit.map_or_else(|| "the configured".to_string(), |l| l.to_string());
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        DbError::from_template(ErrorCode::PayloadTooLarge, &[("limit", &limit)]),
    )
}
