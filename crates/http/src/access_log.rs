//! One log line per request (method, path, status, duration, user, request id) in
//! `rustydb.log`, and the HTTP metrics: `rustydb_http_requests_total{method, route,
//! status}` and `rustydb_http_request_duration_seconds{route}`. The route is the matched
//! path template (`/api/v1/transactions/{id}`), never the raw path, so metrics keep a
//! bounded number of series.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Principal;
use crate::request_id;

/// The log target of request lines.
pub const TARGET: &str = "rustydb::http";

/// Middleware: logs and counts every request.
pub async fn middleware(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let user = response
        .extensions()
        .get::<Principal>()
        .map_or("-", |p| p.user.as_str())
        .to_string();
    let id = request_id::current().unwrap_or_default();
    tracing::info!(
        target: TARGET,
        method = %method,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        user = %user,
        request_id = %id,
        "{method} {path} {status} {:.3} ms user={user} request_id={id}",
        elapsed.as_secs_f64() * 1000.0
    );
    metrics::counter!(
        "rustydb_http_requests_total",
        "method" => method.to_string(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("rustydb_http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
    response
}
