//! Mutations: HTTP transactions (all through the HTTP crate's one registry,
//! [`rustydb_http::txns::HttpTransactions`], so REST and GraphQL see the same ones),
//! `cancelQuery` and `checkpoint`.
//!
//! A transaction's id is the engine's transaction id, the one `activeTransactions` and
//! `transactionInfo` show. Only the role that began it, or a superuser, may use it.

use std::sync::Arc;

use async_graphql::Error;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, TypeRef};
use rustydb_common::DbError;
use rustydb_http::{ApiError, HttpContext, Principal};
use rustydb_storage::CheckpointReason;
use serde_json::json;

use crate::errors::gql;
use crate::json_types::{BIG_INT, JSON, camel, object, out_object, ty};
use crate::query::catalog::{params, query_output_json};
use crate::scope::{arg_id, arg_str, caller, engine, opt_str, superuser};

/// The output types of the mutations.
pub(crate) fn types() -> Vec<Object> {
    vec![
        object(
            "HttpTransaction",
            "A transaction held open across requests.",
            &[
                ("id", "BigInt!", "The engine's transaction id."),
                ("isolationLevel", "String!", "Its isolation level."),
                ("owner", "String!", "The role it runs as."),
                ("startedAt", "String!", "When it began."),
                (
                    "state",
                    "String!",
                    "`idle`, `active` or `aborted` (a statement failed; only a rollback helps).",
                ),
            ],
        ),
        object(
            "TransactionOutcome",
            "How a transaction command ended.",
            &[
                ("id", "BigInt!", "The transaction id."),
                (
                    "command",
                    "String!",
                    "The command tag: `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`.",
                ),
            ],
        ),
        object(
            "Checkpoint",
            "A finished checkpoint.",
            &[
                ("lsn", "String!", "Location of the checkpoint record."),
                ("redo", "String!", "Its redo point."),
                ("pagesWritten", "BigInt!", "Dirty pages written back."),
                ("filesSynced", "BigInt!", "Relation files synced."),
                (
                    "segmentsRetired",
                    "BigInt!",
                    "WAL segments recycled or removed.",
                ),
                ("durationMs", "Float!", "How long it took, in milliseconds."),
            ],
        ),
    ]
}

type Op = fn(
    Arc<HttpContext>,
    Principal,
    u64,
    String,
) -> futures_util::future::BoxFuture<'static, Result<serde_json::Value, ApiError>>;

fn outcome_field(name: &str, with_name: bool, description: &str, op: Op) -> Field {
    let mut f = Field::new(name, ty("TransactionOutcome!"), move |ctx| {
        FieldFuture::new(async move {
            let (http, who) = caller(&ctx)?;
            let id = arg_id(&ctx, "transactionId")?;
            let sp = if with_name {
                arg_str(&ctx, "name")?
            } else {
                String::new()
            };
            out_object(op(http, who, id, sp).await.map_err(gql)?)
        })
    })
    .argument(InputValue::new("transactionId", TypeRef::named_nn(BIG_INT)))
    .description(description);
    if with_name {
        f = f.argument(
            InputValue::new("name", TypeRef::named_nn(TypeRef::STRING))
                .description("The savepoint's name (an SQL identifier)."),
        );
    }
    f
}

fn outcome(o: rustydb_http::txns::TxnOutcome) -> serde_json::Value {
    json!({"id": o.id, "command": o.command})
}

/// Adds the mutations to `mutation`.
pub(crate) fn fields(mutation: Object) -> Object {
    mutation
        .field(
            Field::new("beginTransaction", ty("HttpTransaction!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let level = opt_str(&ctx, "isolationLevel")?;
                    let t = http.txns.begin(&http, &who, level.as_deref()).await.map_err(gql)?;
                    out_object(camel(serde_json::to_value(&t).map_err(|e| Error::new(e.to_string()))?))
                })
            })
            .argument(
                InputValue::new("isolationLevel", TypeRef::named(TypeRef::STRING))
                    .description("`read committed` (default), `repeatable read`, `serializable` or `read uncommitted`."),
            )
            .description("Begins a transaction held open across requests; idle ones expire after `http.idle_timeout_seconds`."),
        )
        .field(
            Field::new("executeSql", ty("QueryResult!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let id = arg_id(&ctx, "transactionId")?;
                    let sql = arg_str(&ctx, "sql")?;
                    let params = params(&ctx)?;
                    let out = http.txns.query(&http, id, &who, sql, params, None).await.map_err(gql)?;
                    out_object(query_output_json(&out))
                })
            })
            .argument(InputValue::new("transactionId", TypeRef::named_nn(BIG_INT)))
            .argument(InputValue::new("sql", TypeRef::named_nn(TypeRef::STRING)))
            .argument(InputValue::new("params", TypeRef::named_list(JSON)))
            .description("Runs one statement in an open transaction."),
        )
        .field(outcome_field("commitTransaction", false, "Commits (an aborted transaction is rolled back and reported as an error, 25P02).", |h, w, id, _| {
            Box::pin(async move { h.txns.commit(&h, id, &w).await.map(outcome) })
        }))
        .field(outcome_field("rollbackTransaction", false, "Rolls back.", |h, w, id, _| {
            Box::pin(async move { h.txns.rollback(&h, id, &w).await.map(outcome) })
        }))
        .field(outcome_field("createSavepoint", true, "`SAVEPOINT name`.", |h, w, id, n| {
            Box::pin(async move { h.txns.savepoint(&h, id, &w, &n).await.map(outcome) })
        }))
        .field(outcome_field("rollbackToSavepoint", true, "`ROLLBACK TO SAVEPOINT name` (also leaves the aborted state).", |h, w, id, n| {
            Box::pin(async move { h.txns.rollback_to(&h, id, &w, &n).await.map(outcome) })
        }))
        .field(outcome_field("releaseSavepoint", true, "`RELEASE SAVEPOINT name`.", |h, w, id, n| {
            Box::pin(async move { h.txns.release(&h, id, &w, &n).await.map(outcome) })
        }))
        .field(outcome_field("abortTransaction", false, "Aborts a transaction: one's own HTTP transaction, or (superuser) any running transaction.", |h, w, id, _| {
            Box::pin(async move { h.txns.abort(&h, id, &w).await.map(outcome) })
        }))
        .field(
            Field::new("cancelQuery", ty("Boolean!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let pid = u32::try_from(arg_id(&ctx, "queryId")?)
                        .map_err(|_| crate::errors::bad_arg("argument queryId: not a session id"))?;
                    let engine = engine(&http)?;
                    let entry = engine.sessions().get(pid).ok_or_else(|| gql(ApiError::not_found(format!("session {pid}"))))?;
                    if entry.info().user != who.user {
                        superuser(&who, &format!("cancelling a statement of session {pid}"))?;
                    }
                    let cancelled = entry.cancel();
                    tracing::info!(pid, by = %who.user, cancelled, "statement cancel requested over GraphQL");
                    Ok(Some(FieldValue::value(cancelled)))
                })
            })
            .argument(
                InputValue::new("queryId", TypeRef::named_nn(TypeRef::INT))
                    .description("The session id (`pid` of `activeConnections`)."),
            )
            .description("Cancels the statement session `queryId` is running (one's own sessions, or any for a superuser); false when it runs none."),
        )
        .field(
            Field::new("checkpoint", ty("Checkpoint!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    superuser(&who, "CHECKPOINT")?;
                    let engine = engine(&http)?;
                    let r = rustydb_http::blocking(move || {
                        engine.storage().checkpoint(CheckpointReason::Requested).map_err(DbError::from)
                    })
                    .await
                    .map_err(gql)?;
                    tracing::info!(by = %who.user, "checkpoint requested over GraphQL");
                    out_object(json!({
                        "lsn": r.lsn.to_string(),
                        "redo": r.redo.to_string(),
                        "pagesWritten": r.pages_written,
                        "filesSynced": r.files_synced,
                        "segmentsRetired": r.segments_retired,
                        "durationMs": r.duration.as_secs_f64() * 1000.0,
                    }))
                })
            })
            .description("Runs a checkpoint now (superuser)."),
        )
}
