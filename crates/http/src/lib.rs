//! RustyDB's HTTP plumbing, shared by the REST (`rustydb-rest`) and GraphQL
//! (`rustydb-graphql`) front ends, which the server composes onto one port (8080).
//!
//! - [`context`]: what handlers reach (engine, wire-protocol server, configuration).
//! - [`auth`], [`tokens`]: bearer API tokens, stored hashed in `rustydb.api_tokens`.
//! - [`ratelimit`], [`guard`]: per-token and per-address limits with `X-RateLimit-*`.
//! - [`error`], [`json_errors`], [`json`]: one JSON error body for every non-2xx.
//! - [`request_id`], [`access_log`]: `x-request-id` and one log line per request.
//! - [`health`], [`metrics`]: `/health`, `/health/live`, `/health/ready`, `/metrics`.
//! - [`system`]: the process's CPU, memory, disk and network figures from `/proc`.
//! - [`mod@app`]: the layers, in order, and the listener loop.

pub mod access_log;
pub mod app;
pub mod auth;
pub mod context;
pub mod cursors;
pub mod error;
pub mod guard;
pub mod health;
pub mod json;
pub mod json_errors;
pub mod metrics;
pub mod ratelimit;
pub mod request_id;
pub mod sql_json;
pub mod system;
pub mod tokens;
pub mod txns;

pub use app::{app, serve, spawn_housekeeping};
pub use auth::Principal;
pub use context::{HttpContext, blocking};
pub use error::{ApiError, ErrorBody};
pub use json::ApiJson;
