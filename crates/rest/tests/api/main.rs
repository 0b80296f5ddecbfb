//! The REST API over real HTTP against an in-process engine: every route's happy path
//! and its error cases.

mod common;

mod admin;
mod openapi;
mod query;
mod transactions;
