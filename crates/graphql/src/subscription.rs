//! Subscriptions (over `/graphql/ws`):
//!
//! - `systemMetrics(intervalSeconds)`: a sample of the process's resource use at once
//!   and then every `intervalSeconds` (1 to 3600, default 5); superuser.
//! - `tableChanges(table)`: one event per committed INSERT / UPDATE / DELETE statement on
//!   the table, from the engine's change feed (published after COMMIT, never for rolled
//!   back work). The caller needs SELECT on the table, checked at subscription and again
//!   for every event (a revoked privilege ends the subscription with an error). A
//!   subscriber too slow to keep up gets an error event saying how many changes it
//!   missed and continues.

use std::time::Duration;

use async_graphql::Error;
use async_graphql::dynamic::{
    FieldValue, InputValue, Object, Subscription, SubscriptionField, SubscriptionFieldFuture,
    TypeRef,
};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use crate::errors::{db, gql};
use crate::json_types::{object, ty};
use crate::query::catalog::{split_name, undefined_table};
use crate::scope::{arg_str, caller, engine, superuser};

/// The event types.
pub(crate) fn types() -> Vec<Object> {
    vec![object(
        "TableChange",
        "What one committed statement did to a table.",
        &[
            ("schema", "String!", "The table's schema."),
            ("table", "String!", "The table's name."),
            ("operation", "String!", "`INSERT`, `UPDATE` or `DELETE`."),
            ("rows", "BigInt!", "Rows it inserted, updated or deleted."),
            ("xid", "BigInt!", "The transaction that committed it."),
            ("committedAt", "String!", "When that transaction committed."),
        ],
    )]
}

/// The subscription root.
pub(crate) fn root() -> Subscription {
    Subscription::new("Subscription")
        .field(
            SubscriptionField::new("systemMetrics", ty("SystemMetrics!"), |ctx| {
                SubscriptionFieldFuture::new(async move {
                    let (_, who) = caller(&ctx)?;
                    superuser(&who, "reading system metrics")?;
                    let secs = match ctx.args.get("intervalSeconds").filter(|v| !v.is_null()) {
                        Some(v) => v.i64()?,
                        None => 5,
                    };
                    if !(1..=3600).contains(&secs) {
                        return Err(crate::errors::bad_arg("argument intervalSeconds: must be between 1 and 3600"));
                    }
                    let period = Duration::from_secs(secs.unsigned_abs());
                    let tick = tokio::time::interval(period);
                    Ok(stream::unfold(tick, |mut tick| async move {
                        tick.tick().await;
                        let item = crate::query::monitoring::system_metrics().map(FieldValue::owned_any);
                        Some((item, tick))
                    }))
                })
            })
            .argument(InputValue::new("intervalSeconds", TypeRef::named(TypeRef::INT)).default_value(5))
            .description("A sample of the process's resource use now and every `intervalSeconds` (superuser)."),
        )
        .field(
            SubscriptionField::new("tableChanges", ty("TableChange!"), |ctx| {
                SubscriptionFieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let name = arg_str(&ctx, "table")?;
                    let engine = engine(&http)?;
                    let (schema, table) = split_name(&name);
                    let (schema, table) = (schema.to_string(), table.to_string());
                    let state = engine.catalog().committed();
                    let oid = state
                        .table(&schema, &table)
                        .filter(|t| state.has_table_privilege(&who.user, t.def.oid, "SELECT"))
                        .map(|t| t.def.oid)
                        .ok_or_else(|| db(undefined_table(&name)))?;
                    let rx = engine.subscribe_changes();
                    let user = who.user.clone();
                    let st = (rx, engine, false);
                    Ok(stream::unfold(st, move |(mut rx, engine, ended)| {
                        let (schema, table, user) = (schema.clone(), table.clone(), user.clone());
                        async move {
                            if ended {
                                return None;
                            }
                            loop {
                                match rx.recv().await {
                                    Ok(c) if c.schema == schema && c.table == table => {
                                        let state = engine.catalog().committed();
                                        if !state.has_table_privilege(&user, oid, "SELECT") {
                                            let e = gql(rustydb_http::ApiError::forbidden(format!("SELECT on table {schema}.{table}")));
                                            return Some((Err(e), (rx, engine, true)));
                                        }
                                        let v = serde_json::to_value(&c).map(crate::json_types::camel);
                                        let item = v.map(FieldValue::owned_any).map_err(|e| Error::new(e.to_string()));
                                        return Some((item, (rx, engine, false)));
                                    }
                                    Ok(_) => {}
                                    Err(RecvError::Lagged(n)) => {
                                        let e = Error::new(format!("this subscriber fell behind and missed {n} changes (of all tables)"));
                                        return Some((Err(e), (rx, engine, false)));
                                    }
                                    Err(RecvError::Closed) => return None,
                                }
                            }
                        }
                    }))
                })
            })
            .argument(
                InputValue::new("table", TypeRef::named_nn(TypeRef::STRING))
                    .description("`name` (schema `public`) or `schema.name`."),
            )
            .description("Committed INSERT / UPDATE / DELETE statements on a table (needs SELECT on it)."),
        )
}
