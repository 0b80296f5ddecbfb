//! The wire protocol end to end: an in-process [`PgServer`] on 127.0.0.1 against an
//! engine in a temporary directory, driven by tokio-postgres and by a raw protocol
//! client for what drivers do not expose (notices, CopyFail, malformed frames).

mod auth;
mod common;
mod conn;
mod copy;
mod extended;
mod garbage;
mod simple;
mod tls;
mod types;
