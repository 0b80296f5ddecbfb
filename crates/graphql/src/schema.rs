//! Building the schema, and rebuilding it when the catalog changes.
//!
//! The whole schema is built with async-graphql's dynamic API because part of it (the
//! typed table API of [`crate::tables`]) is generated from the catalog. The
//! [`SchemaCache`] keeps the schema with the catalog version it was built from
//! (`CatalogState::version`, bumped by every committed DDL); a request that finds a
//! newer catalog builds a new schema and swaps it in, so the schema follows DDL
//! without a restart. Requests already running keep the schema they started with.

use std::sync::Arc;

use async_graphql::dynamic::{Object, Schema};
use parking_lot::RwLock;
use rustydb_common::{DbError, ErrorCode};
use rustydb_http::{ApiError, HttpContext};
use rustydb_sql::Engine;

/// The current schema and the catalog version it reflects.
#[derive(Default)]
pub struct SchemaCache {
    current: RwLock<Option<(u64, Schema)>>,
}

impl std::fmt::Debug for SchemaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = self.current.read().as_ref().map(|(v, _)| *v);
        f.debug_struct("SchemaCache")
            .field("catalog_version", &version)
            .finish()
    }
}

impl SchemaCache {
    /// An empty cache (the first request builds the schema).
    pub fn new() -> SchemaCache {
        SchemaCache::default()
    }

    /// The schema for the committed catalog, built now if the catalog changed since the
    /// last one (503 while the database starts).
    pub fn get(&self, ctx: &HttpContext) -> Result<Schema, ApiError> {
        let engine = ctx.engine()?;
        let version = engine.catalog().committed().version;
        if let Some((v, s)) = self.current.read().as_ref()
            && *v == version
        {
            return Ok(s.clone());
        }
        let schema = build(ctx, engine)?;
        let mut current = self.current.write();
        // Keep a schema built meanwhile from an even newer catalog.
        if current.as_ref().is_none_or(|(v, _)| *v < version) {
            *current = Some((version, schema.clone()));
        }
        tracing::debug!(catalog_version = version, "GraphQL schema built");
        Ok(schema)
    }
}

/// Builds the whole schema for the committed catalog, with the limits of `[http]`.
pub fn build(ctx: &HttpContext, engine: &Arc<Engine>) -> Result<Schema, ApiError> {
    let http = ctx.http();
    let mut builder = Schema::build("Query", Some("Mutation"), Some("Subscription"))
        .limit_depth(usize::try_from(http.graphql_max_depth).unwrap_or(usize::MAX))
        .limit_complexity(usize::try_from(http.graphql_max_complexity).unwrap_or(usize::MAX));
    if !http.graphql_introspection {
        builder = builder.disable_introspection();
    }
    for s in crate::json_types::scalars() {
        builder = builder.register(s);
    }
    let types = crate::query::monitoring::types()
        .into_iter()
        .chain(crate::query::txns::types())
        .chain(crate::query::catalog::types())
        .chain(crate::mutation::types())
        .chain(crate::subscription::types());
    for t in types {
        builder = builder.register(t);
    }
    let mut query = Object::new("Query").description("Monitoring, SQL and the typed table API.");
    query = crate::query::monitoring::fields(query);
    query = crate::query::txns::fields(query);
    query = crate::query::catalog::fields(query);
    let mutation = crate::mutation::fields(
        Object::new("Mutation")
            .description("Transactions, cancel, checkpoint and the typed table API."),
    );
    let (builder, query, mutation) = crate::tables::register(builder, query, mutation, engine)?;
    builder
        .register(query)
        .register(mutation)
        .register(crate::subscription::root())
        .finish()
        .map_err(|e| {
            ApiError::from(DbError::from_template(
                ErrorCode::InternalError,
                &[("reason", &format!("the GraphQL schema is invalid: {e}"))],
            ))
        })
}
