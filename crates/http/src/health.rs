//! `/health`, `/health/live`, `/health/ready` (being written).

use std::sync::Arc;

use axum::Router;

use crate::context::HttpContext;

/// The health routes.
pub fn router() -> Router<Arc<HttpContext>> {
    Router::new()
}
