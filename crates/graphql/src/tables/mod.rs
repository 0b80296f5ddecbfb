//! The typed table API: a GraphQL type per user table, generated from the catalog, as
//! Hasura and PostGraphile do.
//!
//! For each table `T` outside `pg_catalog`, `information_schema` and `rustydb` (names in
//! `model`):
//!
//! - object type `T`, one field per column (types in `types`);
//! - `T_list(where: T_filter, orderBy: [T_order!], limit: Int, offset: Int): [T!]!`;
//! - `T_byPk(<primary key columns>): T` when the table has a primary key;
//! - `insert_T(objects: [T_insert!]!)`, `update_T(where: T_filter!, set: T_set!)`,
//!   `delete_T(where: T_filter!)`, each `T_mutation_result! {affected_rows, returning}`.
//!
//! [`register`] reads the committed catalog once; the caller rebuilds the schema when the
//! catalog version changes, which is how the schema follows DDL without a restart.
//! Resolvers (`resolve`) build parameterised SQL (`sql`) and run it as the caller.

mod model;
mod resolve;
mod sql;
mod types;

use std::sync::Arc;

use async_graphql::dynamic::{Object, SchemaBuilder};
use rustydb_common::DbError;
use rustydb_sql::Engine;

/// Adds the typed table API of every user table of the committed catalog to the schema
/// being built: registers the types on `builder` and adds the fields to `query` and
/// `mutation`, which are returned for the caller to register.
pub fn register(
    builder: SchemaBuilder,
    query: Object,
    mutation: Object,
    engine: &Arc<Engine>,
) -> Result<(SchemaBuilder, Object, Object), DbError> {
    let state = engine.catalog().committed();
    let tables = model::tables(&state);
    let (mut builder, mut query, mut mutation) = (types::register_shared(builder), query, mutation);
    for t in tables.into_iter().filter(|t| !t.columns.is_empty()) {
        let t = Arc::new(t);
        builder = types::register_table(builder, &t);
        query = query.field(resolve::list_field(&t));
        if let Some(f) = resolve::by_pk_field(&t) {
            query = query.field(f);
        }
        mutation = mutation
            .field(resolve::insert_field(&t))
            .field(resolve::update_field(&t))
            .field(resolve::delete_field(&t));
    }
    Ok((builder, query, mutation))
}
