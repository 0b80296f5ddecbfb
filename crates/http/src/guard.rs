//! The gate every request passes: the per-address rate limit, then authentication, then
//! the per-token rate limit; the `X-RateLimit-*` headers go on every response, refused
//! or not.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rustydb_common::{DbError, ErrorCode};

use crate::auth::authenticate;
use crate::context::HttpContext;
use crate::error::ApiError;
use crate::ratelimit::Decision;

/// Middleware: rate limits and authentication. See the module documentation.
pub async fn middleware(
    State(ctx): State<Arc<HttpContext>>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let ip_key = format!("ip:{address}");
    let mut tightest = ctx.limiter.check(&ip_key);
    if let Some(d) = tightest.filter(|d| !d.allowed) {
        return refuse(&ctx, &ip_key, &format!("client address {address}"), d);
    }

    let path = request.uri().path().to_string();
    let principal = match authenticate(&ctx, request.headers(), &path).await {
        Ok(p) => p,
        Err(e) => return with_headers(e.into_response(), tightest),
    };
    if let Some(token) = principal.as_ref().and_then(|p| p.token_id.clone()) {
        let token_key = format!("token:{token}");
        if let Some(d) = ctx.limiter.check(&token_key) {
            if !d.allowed {
                return refuse(&ctx, &token_key, &format!("API token {token}"), d);
            }
            if tightest.is_none_or(|t| d.remaining < t.remaining) {
                tightest = Some(d);
            }
        }
    }
    if let Some(p) = &principal {
        request.extensions_mut().insert(p.clone());
    }
    let mut response = next.run(request).await;
    if let Some(p) = principal {
        response.extensions_mut().insert(p);
    }
    with_headers(response, tightest)
}

fn refuse(ctx: &HttpContext, key: &str, who: &str, decision: Decision) -> Response {
    metrics::counter!("rustydb_http_rate_limited_total").increment(1);
    if ctx.limiter.should_audit(key) {
        tracing::warn!(
            target: rustydb_common::logging::AUDIT_TARGET,
            key,
            "SEC-004 rate limit exceeded for {who}: more than {} requests per minute",
            decision.limit
        );
    }
    let error = DbError::from_template(ErrorCode::RateLimitExceeded, &[("who", &who)]).with_detail(
        format!(
            "the limit is {} requests per minute (http.rate_limit_per_minute); retry in {} s",
            decision.limit, decision.retry_after
        ),
    );
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, error).into_response();
    if let Ok(v) = HeaderValue::from_str(&decision.retry_after.to_string()) {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    with_headers(response, Some(decision))
}

fn with_headers(mut response: Response, decision: Option<Decision>) -> Response {
    if let Some(d) = decision {
        set_headers(response.headers_mut(), d);
    }
    response
}

fn set_headers(headers: &mut HeaderMap, d: Decision) {
    for (name, value) in [
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        ("x-ratelimit-reset", d.reset.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}
