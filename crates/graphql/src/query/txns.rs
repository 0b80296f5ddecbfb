//! Transaction and lock introspection: `activeTransactions`, `transactionInfo`,
//! `lockWaits`, `lockStats`, `transactionDeadlocks`, `slowQueries`.
//!
//! A superuser sees everything. Anyone else sees the transactions of its own sessions
//! and HTTP transactions, and its own slow statements; lock waits, lock statistics and
//! the deadlock history need a superuser (they name other roles' transactions).

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::dynamic::{Field, FieldFuture, InputValue, Object, TypeRef};
use rustydb_http::{HttpContext, Principal};
use rustydb_sql::Engine;
use rustydb_txn::stats::TxnInfo;
use serde_json::{Value, json};

use crate::errors::gql;
use crate::json_types::{BIG_INT, camel, out_list, out_object, ty};
use crate::scope::{arg_id, arg_limit, caller, engine, rfc3339, superuser};

/// The output types of these queries.
pub(crate) fn types() -> Vec<Object> {
    vec![
        crate::json_types::object(
            "Transaction",
            "A running transaction, as the transaction manager reports it.",
            &[
                ("id", "BigInt!", "The transaction id (`txid_current()`)."),
                ("startedAt", "String!", "When it began."),
                ("isolationLevel", "String!", "Its isolation level."),
                (
                    "state",
                    "String!",
                    "`active`, `idle in transaction` or `waiting` (for a lock).",
                ),
                (
                    "operations",
                    "BigInt!",
                    "Rows it inserted, updated, deleted or locked so far.",
                ),
                ("locksHeld", "Int!", "Locks it holds."),
                ("statement", "String", "The statement it runs, or ran last."),
                (
                    "session",
                    "String",
                    "The session or connection that owns it.",
                ),
                (
                    "httpOwner",
                    "String",
                    "For an HTTP transaction (`beginTransaction`): the role that began it.",
                ),
            ],
        ),
        crate::json_types::object(
            "LockWait",
            "A lock request waiting now.",
            &[
                ("waiter", "BigInt!", "The waiting transaction."),
                ("resource", "String!", "The locked resource."),
                ("mode", "String!", "The mode asked for."),
                (
                    "heldMode",
                    "String",
                    "The mode it already holds on the resource (an upgrade).",
                ),
                ("blockers", "[BigInt!]!", "The transactions it waits for."),
                ("since", "String!", "When the wait began."),
                (
                    "waitedMs",
                    "Float!",
                    "How long it has waited so far, in milliseconds.",
                ),
            ],
        ),
        crate::json_types::object(
            "LockStats",
            "Lock manager counters since start.",
            &[
                ("acquisitions", "BigInt!", "Locks granted or upgraded."),
                (
                    "alreadyHeld",
                    "BigInt!",
                    "Requests that found the lock already held.",
                ),
                ("waits", "BigInt!", "Requests that had to wait."),
                ("finishedWaits", "BigInt!", "Waits that ended."),
                (
                    "avgWaitMs",
                    "Float!",
                    "Mean duration of a finished wait, in milliseconds.",
                ),
                (
                    "maxWaitMs",
                    "Float!",
                    "Longest finished wait, in milliseconds.",
                ),
                ("held", "BigInt!", "Locks held now."),
                ("waiting", "BigInt!", "Requests waiting now."),
                ("deadlocks", "BigInt!", "Deadlocks detected."),
                ("timeouts", "BigInt!", "Waits ended by `lock_timeout`."),
                (
                    "interrupts",
                    "BigInt!",
                    "Waits ended by a cancel, timeout or termination.",
                ),
            ],
        ),
        crate::json_types::object(
            "Deadlock",
            "A detected deadlock.",
            &[
                ("at", "String!", "When it was detected."),
                (
                    "detectedBy",
                    "BigInt!",
                    "The transaction whose check found it.",
                ),
                (
                    "cycle",
                    "[BigInt!]!",
                    "The transactions in the cycle, each waiting for the next.",
                ),
                (
                    "resources",
                    "[String!]!",
                    "What each member of the cycle waits for (resource and mode).",
                ),
                (
                    "victim",
                    "BigInt!",
                    "The transaction rolled back to break it.",
                ),
                (
                    "detectionTimeMs",
                    "Float!",
                    "How long the check took, in milliseconds.",
                ),
                ("detail", "String!", "The DETAIL sent to the victim."),
            ],
        ),
        crate::json_types::object(
            "SlowQuery",
            "A statement that took at least `log.slow_query_threshold_ms`.",
            &[
                ("sql", "String!", "The statement text."),
                ("user", "String!", "Who ran it."),
                ("database", "String!", "Where."),
                ("pid", "Int!", "The session id."),
                ("durationMs", "Float!", "How long it took, in milliseconds."),
                (
                    "plan",
                    "String",
                    "The plan that ran (EXPLAIN text); null for utility statements.",
                ),
                ("finishedAt", "String!", "When it finished."),
            ],
        ),
    ]
}

/// Adds the queries to `query`.
pub(crate) fn fields(query: Object) -> Object {
    query
        .field(
            Field::new("activeTransactions", ty("[Transaction!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let engine = engine(&http)?;
                    let visible = visible_xids(&http, &engine, &who);
                    let list = engine
                        .txns()
                        .active_transactions()
                        .iter()
                        .filter(|t| visible.as_ref().is_none_or(|v| v.contains(&t.xid)))
                        .map(|t| txn_json(&http, t))
                        .collect();
                    out_list(list)
                })
            })
            .description("Running transactions (a non-superuser sees only its own)."),
        )
        .field(
            Field::new("transactionInfo", ty("Transaction"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let id = arg_id(&ctx, "transactionId")?;
                    let engine = engine(&http)?;
                    let visible = visible_xids(&http, &engine, &who);
                    let info = engine
                        .txns()
                        .transaction_info(id)
                        .filter(|_| visible.as_ref().is_none_or(|v| v.contains(&id)))
                        .ok_or_else(|| {
                            gql(rustydb_http::ApiError::not_found(format!("transaction {id}")))
                        })?;
                    out_object(txn_json(&http, &info))
                })
            })
            .argument(InputValue::new("transactionId", TypeRef::named_nn(BIG_INT)))
            .description("One running transaction; an error (404) when it is not running."),
        )
        .field(
            Field::new("lockWaits", ty("[LockWait!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    superuser(&who, "reading lock waits")?;
                    let engine = engine(&http)?;
                    let list = engine
                        .txns()
                        .locks()
                        .waits()
                        .into_iter()
                        .map(|w| {
                            json!({
                                "waiter": w.waiter,
                                "resource": w.tag.to_string(),
                                "mode": w.mode.to_string(),
                                "heldMode": w.held.map(|m| m.to_string()),
                                "blockers": w.blockers,
                                "since": rfc3339(w.since),
                                "waitedMs": w.waited.as_secs_f64() * 1000.0,
                            })
                        })
                        .collect();
                    out_list(list)
                })
            })
            .description("Lock requests waiting now (superuser)."),
        )
        .field(
            Field::new("lockStats", ty("LockStats!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    superuser(&who, "reading lock statistics")?;
                    let s = engine(&http)?.txns().locks().stats();
                    out_object(json!({
                        "acquisitions": s.acquisitions,
                        "alreadyHeld": s.already_held,
                        "waits": s.waits,
                        "finishedWaits": s.finished_waits,
                        "avgWaitMs": s.avg_wait.as_secs_f64() * 1000.0,
                        "maxWaitMs": s.max_wait.as_secs_f64() * 1000.0,
                        "held": s.held,
                        "waiting": s.waiting,
                        "deadlocks": s.deadlocks,
                        "timeouts": s.timeouts,
                        "interrupts": s.interrupts,
                    }))
                })
            })
            .description("Lock manager counters (superuser)."),
        )
        .field(
            Field::new("transactionDeadlocks", ty("[Deadlock!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    superuser(&who, "reading the deadlock history")?;
                    let limit = arg_limit(&ctx, "limit", 20, rustydb_txn::lock::DEADLOCK_HISTORY)?;
                    let list = engine(&http)?
                        .txns()
                        .locks()
                        .deadlocks(limit)
                        .into_iter()
                        .map(|d| {
                            json!({
                                "at": rfc3339(d.at),
                                "detectedBy": d.detected_by,
                                "cycle": d.cycle,
                                "resources": d.resources.iter().map(|(t, m)| format!("{m} on {t}")).collect::<Vec<_>>(),
                                "victim": d.victim,
                                "detectionTimeMs": d.detection_time.as_secs_f64() * 1000.0,
                                "detail": d.detail,
                            })
                        })
                        .collect();
                    out_list(list)
                })
            })
            .argument(InputValue::new("limit", TypeRef::named(TypeRef::INT)).default_value(20))
            .description("The most recent deadlocks, newest first (superuser; at most 100 are kept)."),
        )
        .field(
            Field::new("slowQueries", ty("[SlowQuery!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let limit = arg_limit(&ctx, "limit", 20, rustydb_sql::observe::SLOW_LOG_CAPACITY)?;
                    let min = match ctx.args.get("minDuration").filter(|v| !v.is_null()) {
                        Some(v) => {
                            let ms = v.f64()?;
                            if !(ms >= 0.0 && ms.is_finite()) {
                                return Err(crate::errors::bad_arg("argument minDuration: must be a non-negative number of milliseconds"));
                            }
                            ms as u64
                        }
                        None => 0,
                    };
                    let engine = engine(&http)?;
                    // A non-superuser sees its own statements: filter a full window.
                    let window = if who.superuser { limit } else { rustydb_sql::observe::SLOW_LOG_CAPACITY };
                    let list = engine
                        .slow_queries(window, min)
                        .into_iter()
                        .filter(|q| who.superuser || q.user == who.user)
                        .take(limit)
                        .map(|q| {
                            camel(json!({
                                "sql": q.sql, "user": q.user, "database": q.database, "pid": q.pid,
                                "duration_ms": q.duration_ms, "plan": q.plan, "finished_at": q.finished_at,
                            }))
                        })
                        .collect();
                    out_list(list)
                })
            })
            .argument(InputValue::new("limit", TypeRef::named(TypeRef::INT)).default_value(20))
            .argument(
                InputValue::new("minDuration", TypeRef::named(TypeRef::FLOAT))
                    .description("Only statements that took at least this many milliseconds."),
            )
            .description("Recent slow statements, newest first (a non-superuser sees only its own)."),
        )
}

/// The transactions a non-superuser may see (those of its sessions and its HTTP
/// transactions); `None` for a superuser (all).
fn visible_xids(http: &Arc<HttpContext>, engine: &Engine, who: &Principal) -> Option<HashSet<u64>> {
    if who.superuser {
        return None;
    }
    let mut set: HashSet<u64> = engine
        .sessions()
        .list()
        .into_iter()
        .filter(|s| s.user == who.user)
        .filter_map(|s| s.transaction_id)
        .collect();
    for id in http.txns.ids() {
        if http.txns.summary(id).is_some_and(|s| s.owner == who.user) {
            set.insert(id);
        }
    }
    Some(set)
}

fn txn_json(http: &HttpContext, t: &TxnInfo) -> Value {
    json!({
        "id": t.xid,
        "startedAt": rfc3339(t.started_at),
        "isolationLevel": t.isolation.as_sql(),
        "state": t.activity.as_str(),
        "operations": t.operations,
        "locksHeld": t.locks_held,
        "statement": t.statement,
        "session": t.session,
        "httpOwner": http.txns.summary(t.xid).map(|s| s.owner),
    })
}
