//! The HTTP application: the routes of every front end behind one stack of layers, and
//! the listener loop.
//!
//! ```text
//!  request ─▶ request id ─▶ access log ─▶ catch panic ─▶ JSON errors ─▶ guard ─▶ body limit ─▶ route
//!             (x-request-id)  (rustydb.log,  (500 + id,     (405/413/...   (rate limits,
//!                              metrics)       error.log)     as JSON)        auth)
//! ```
//!
//! The front ends contribute routers over the shared [`HttpContext`]; [`app`] merges
//! them with `/health*` and `/metrics`, adds the JSON 404 fallback and the layers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::context::HttpContext;
use crate::error::ApiError;
use crate::{access_log, guard, json_errors, request_id};

/// The whole application: `routes` (REST, GraphQL, ...) plus `/health*` and `/metrics`.
pub fn app(ctx: Arc<HttpContext>, routes: Router<Arc<HttpContext>>) -> Router {
    let body_limit = usize::try_from(ctx.http().max_body_bytes).unwrap_or(usize::MAX);
    routes
        .merge(crate::health::router())
        .merge(crate::metrics::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(middleware::from_fn_with_state(
            ctx.clone(),
            guard::middleware,
        ))
        .layer(middleware::from_fn(json_errors::middleware))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(access_log::middleware))
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(ctx)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("{method} {}", uri.path()))
}

fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = cause
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a handler panicked".to_string());
    ApiError::internal(format!("a handler panicked: {text}")).into_response()
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then lets open requests
/// finish for up to `grace` (websocket subscriptions are cut then).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: CancellationToken,
    grace: Duration,
) -> std::io::Result<()> {
    let stop = shutdown.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stop.cancelled().await });
    tokio::select! {
        served = server => served,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(grace).await;
        } => Ok(()),
    }
}

/// Background upkeep until `shutdown`: every 5 s the Prometheus recorder folds the
/// histogram samples recorded since into its buckets (the exporter keeps every sample
/// until then, so without it memory would grow with every statement between scrapes);
/// every minute the rate limiter forgets replenished keys.
pub fn spawn_housekeeping(ctx: Arc<HttpContext>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut metrics_tick = tokio::time::interval(Duration::from_secs(5));
        let mut limiter_tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = metrics_tick.tick() => {
                    if let Some(handle) = crate::metrics::install() {
                        handle.run_upkeep();
                    }
                }
                _ = limiter_tick.tick() => ctx.limiter.housekeeping(),
            }
        }
    });
}
