//! `/metrics` (being written).

use std::sync::Arc;

use axum::Router;

use crate::context::HttpContext;

/// The metrics route.
pub fn router() -> Router<Arc<HttpContext>> {
    Router::new()
}
