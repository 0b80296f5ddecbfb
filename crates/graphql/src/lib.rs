//! RustyDB's GraphQL front end (`/graphql`), served by the HTTP application of
//! `rustydb-http` next to the REST API.
//!
//! - [`router`]: `POST /graphql`, `GET /graphql` (the GraphiQL playground, its assets
//!   under `/graphql/assets/`), `GET /graphql/ws` (subscriptions).
//! - `schema`: the dynamic schema, rebuilt when the catalog changes.
//! - `query`, `mutation`, `subscription`: the fixed part of the API (monitoring, SQL,
//!   HTTP transactions, change feed); `tables`: the typed table API generated from the
//!   catalog.
//! - `errors`: GraphQL errors with the code, SQLSTATE, hint and request id of the
//!   HTTP front ends' JSON errors.
//!
//! See `docs/graphql.md` for the API.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use rustydb_http::HttpContext;

mod assets;
mod errors;
mod http;
mod json_types;
mod mutation;
mod query;
mod schema;
mod scope;
mod subscription;
// The agreed seam with the typed-schema module is `pub fn register`, inside a private module.
#[allow(unreachable_pub)]
pub mod tables;

pub use schema::{SchemaCache, build};

/// The GraphQL routes, over the shared [`HttpContext`].
pub fn router() -> Router<Arc<HttpContext>> {
    let cache = Arc::new(SchemaCache::new());
    let for_post = cache.clone();
    let for_ws = cache;
    Router::new()
        .route(
            "/graphql",
            get(assets::playground).post(move |state: State<Arc<HttpContext>>, principal, body| {
                http::post(state, for_post.clone(), principal, body)
            }),
        )
        .route(
            "/graphql/ws",
            get(move |state: State<Arc<HttpContext>>, request| {
                http::websocket(state, for_ws.clone(), request)
            }),
        )
        .route("/graphql/assets/{file}", get(assets::asset))
}
