//! Shared foundations of RustyDB: the error catalogue ([`codes`], [`DbError`]),
//! configuration ([`config`]) and logging ([`logging`]).
//!
//! Every other crate depends on this one and on nothing above it.

pub mod api_token;
pub mod codes;
pub mod config;
pub mod error;
pub mod logging;

pub use codes::{CATALOGUE, ErrorCode, ErrorInfo};
pub use error::DbError;
