//! GraphQL over a real HTTP server: every query, mutation and subscription, auth,
//! limits, and the playground with its assets.

mod common;
mod limits;
mod playground;
mod queries;
mod subscriptions;
mod transactions;
