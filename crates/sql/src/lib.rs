//! RustyDB's SQL engine: types and values ([`types`]), the catalog ([`catalog`]), the
//! binder ([`binder`]), plans ([`plan`]), the optimizer ([`optimizer`]), the batch
//! executor ([`exec`]), and the [`engine::Engine`] / [`session::Session`] pair that
//! runs SQL text through them. `docs/sql.md` walks a statement through the layers.

pub mod auth;
pub mod binder;
pub mod catalog;
pub mod copy_format;
pub mod engine;
pub mod exec;
pub mod functions;
pub mod keys;
pub mod observe;
pub mod optimizer;
pub mod plan;
pub mod row;
pub mod session;
pub mod settings;
pub mod types;

pub use engine::{Engine, EngineOptions};
pub use session::{Prepared, Session, StatementResult};
