//! Server-wide monitoring queries: `serverInfo`, `systemMetrics`, `connectionPoolStats`,
//! `activeConnections`, `replicationStatus`, `userStatus`.
//!
//! `serverInfo` is open to every authenticated caller; `systemMetrics` and
//! `connectionPoolStats` need a superuser; `activeConnections` shows a non-superuser
//! only its own sessions (PostgreSQL hides other roles' activity the same way);
//! `userStatus` answers about oneself, or about anyone for a superuser.

use std::time::SystemTime;

use async_graphql::dynamic::{Field, FieldFuture, InputValue, Object, TypeRef};
use rustydb_sql::session::SessionInfo;
use serde_json::{Value, json};

use crate::json_types::{object, out_list, out_object, ty};
use crate::scope::{arg_str, caller, engine, rfc3339, superuser};

/// The output types of these queries.
pub(crate) fn types() -> Vec<Object> {
    vec![
        object(
            "ServerInfo",
            "The server process.",
            &[
                ("version", "String!", "RustyDB's version."),
                (
                    "postgresVersion",
                    "String!",
                    "The PostgreSQL version whose behaviour it follows (`server_version`).",
                ),
                ("uptime", "Float!", "Seconds since the server started."),
                (
                    "startedAt",
                    "String!",
                    "When the server started (RFC 3339, UTC).",
                ),
                (
                    "activeConnections",
                    "Int!",
                    "PostgreSQL-protocol connections open now.",
                ),
                ("maxConnections", "Int!", "`max_connections`."),
                (
                    "totalTransactions",
                    "BigInt!",
                    "Transactions begun since start.",
                ),
                (
                    "committedTransactions",
                    "BigInt!",
                    "Transactions committed since start.",
                ),
                (
                    "abortedTransactions",
                    "BigInt!",
                    "Transactions rolled back since start (any reason).",
                ),
            ],
        ),
        object(
            "SystemMetrics",
            "Resource use of the server process (from /proc; fields the platform cannot tell are null).",
            &[
                (
                    "cpuPercent",
                    "Float",
                    "CPU use since the previous sample, in percent of one core.",
                ),
                (
                    "cpuSeconds",
                    "Float",
                    "CPU time used since start (user + system), in seconds.",
                ),
                ("memoryRssBytes", "BigInt", "Resident memory."),
                ("memoryVirtualBytes", "BigInt", "Virtual memory."),
                (
                    "diskReadBytes",
                    "BigInt",
                    "Bytes read from storage since start.",
                ),
                (
                    "diskWrittenBytes",
                    "BigInt",
                    "Bytes written to storage since start.",
                ),
                (
                    "netRxBytes",
                    "BigInt",
                    "Bytes received over the network (the process's network namespace).",
                ),
                (
                    "netTxBytes",
                    "BigInt",
                    "Bytes sent over the network (the process's network namespace).",
                ),
                ("threads", "BigInt", "Threads of the process."),
                ("openFds", "BigInt", "Open file descriptors."),
                (
                    "sampledAt",
                    "String!",
                    "When the sample was taken (RFC 3339, UTC).",
                ),
            ],
        ),
        object(
            "ConnectionPoolStats",
            "Connection slots of the PostgreSQL-protocol server (RustyDB has no separate pooler: one session per connection).",
            &[
                ("active", "Int!", "Connections holding a slot now."),
                ("max", "Int!", "`max_connections`."),
                ("available", "Int!", "Slots free now."),
                ("acceptedTotal", "BigInt!", "Sessions started since start."),
                (
                    "rejectedTotal",
                    "BigInt!",
                    "Connections refused because `max_connections` was reached.",
                ),
                (
                    "authFailuresTotal",
                    "BigInt!",
                    "Failed authentications since start.",
                ),
                (
                    "sessions",
                    "Int!",
                    "Engine sessions open now, HTTP transactions included.",
                ),
            ],
        ),
        object(
            "Connection",
            "One session, as `pg_stat_activity` shows it.",
            &[
                (
                    "pid",
                    "Int!",
                    "The session id (`pg_backend_pid()`); `cancelQuery` takes it.",
                ),
                ("user", "String!", "The role it runs as."),
                ("database", "String!", "The database."),
                (
                    "clientAddr",
                    "String",
                    "The client's address, for network sessions.",
                ),
                ("applicationName", "String!", "`application_name`."),
                ("connectedAt", "String!", "When the session started."),
                (
                    "state",
                    "String!",
                    "`active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`.",
                ),
                ("stateChangedAt", "String!", "When `state` last changed."),
                (
                    "query",
                    "String!",
                    "The statement running, or the last one.",
                ),
                ("queryStartedAt", "String", "When that statement started."),
                ("transactionId", "BigInt", "Its open transaction, if any."),
            ],
        ),
        object(
            "Replica",
            "A standby streaming from this server.",
            &[
                ("applicationName", "String!", "The standby's name."),
                ("clientAddr", "String", "Its address."),
                ("state", "String!", "Its replication state."),
                ("lagBytes", "BigInt", "WAL not yet replayed by it."),
            ],
        ),
        object(
            "ReplicationStatus",
            "Replication. RustyDB has no replication yet: every server is a stand-alone primary.",
            &[
                ("role", "String!", "`primary`."),
                (
                    "configured",
                    "Boolean!",
                    "Whether replication is configured (always false).",
                ),
                (
                    "replicas",
                    "[Replica!]!",
                    "Connected standbys (always empty).",
                ),
            ],
        ),
        object(
            "UserStatus",
            "A role's login status.",
            &[
                ("username", "String!", "The role's name."),
                ("exists", "Boolean!", "Whether the role exists."),
                ("superuser", "Boolean", "SUPERUSER."),
                ("canLogin", "Boolean", "LOGIN."),
                ("validUntil", "String", "VALID UNTIL, if set."),
                ("connectionLimit", "Int", "CONNECTION LIMIT (-1: none)."),
                (
                    "blocked",
                    "Boolean!",
                    "Whether logins are refused now (too many failures).",
                ),
                ("blockReason", "String", "Why, when blocked."),
                ("blockedUntil", "String", "When the block ends."),
                ("failedLoginAttempts", "Int!", "Failed logins in a row."),
                ("activeSessions", "Int!", "Sessions open as this role now."),
            ],
        ),
    ]
}

/// Adds the queries to `query`.
pub(crate) fn fields(query: Object) -> Object {
    query
        .field(
            Field::new("serverInfo", ty("ServerInfo!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, _) = caller(&ctx)?;
                    let engine = engine(&http)?;
                    let pg = http.pg().map_err(crate::errors::gql)?.stats();
                    let totals = engine.txns().totals();
                    let uptime = http.uptime();
                    let started = SystemTime::now()
                        .checked_sub(uptime)
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    out_object(json!({
                        "version": env!("CARGO_PKG_VERSION"),
                        "postgresVersion": rustydb_sql::settings::SERVER_VERSION,
                        "uptime": uptime.as_secs_f64(),
                        "startedAt": rfc3339(started),
                        "activeConnections": pg.active,
                        "maxConnections": pg.max,
                        "totalTransactions": totals.started,
                        "committedTransactions": totals.committed,
                        "abortedTransactions": totals.aborted,
                    }))
                })
            })
            .description("The server: version, uptime, connections, transaction totals."),
        )
        .field(
            Field::new("systemMetrics", ty("SystemMetrics!"), |ctx| {
                FieldFuture::new(async move {
                    let (_, who) = caller(&ctx)?;
                    superuser(&who, "reading system metrics")?;
                    out_object(system_metrics()?)
                })
            })
            .description("CPU, memory, disk and network IO of the server process (superuser)."),
        )
        .field(
            Field::new("connectionPoolStats", ty("ConnectionPoolStats!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    superuser(&who, "reading connection statistics")?;
                    let engine = engine(&http)?;
                    let s = http.pg().map_err(crate::errors::gql)?.stats();
                    out_object(json!({
                        "active": s.active,
                        "max": s.max,
                        "available": s.max.saturating_sub(s.active),
                        "acceptedTotal": s.accepted_total,
                        "rejectedTotal": s.rejected_total,
                        "authFailuresTotal": s.auth_failures_total,
                        "sessions": engine.sessions().len(),
                    }))
                })
            })
            .description("Connection slots and counters (superuser)."),
        )
        .field(
            Field::new("activeConnections", ty("[Connection!]!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let engine = engine(&http)?;
                    let list = engine
                        .sessions()
                        .list()
                        .into_iter()
                        .filter(|s| who.superuser || s.user == who.user)
                        .map(|s| connection_json(&s))
                        .collect();
                    out_list(list)
                })
            })
            .description("Open sessions (a non-superuser sees only its own)."),
        )
        .field(
            Field::new("replicationStatus", ty("ReplicationStatus!"), |ctx| {
                FieldFuture::new(async move {
                    caller(&ctx)?;
                    out_object(json!({"role": "primary", "configured": false, "replicas": []}))
                })
            })
            .description("Replication: not supported yet, so always a stand-alone primary."),
        )
        .field(
            Field::new("userStatus", ty("UserStatus!"), |ctx| {
                FieldFuture::new(async move {
                    let (http, who) = caller(&ctx)?;
                    let name = arg_str(&ctx, "username")?;
                    if name != who.user {
                        superuser(&who, &format!("reading the status of user \"{name}\""))?;
                    }
                    let engine = engine(&http)?;
                    let login = http.pg().map_err(crate::errors::gql)?.user_status(&name);
                    let role = engine.role(&name);
                    let sessions = engine
                        .sessions()
                        .list()
                        .iter()
                        .filter(|s| s.user == name)
                        .count();
                    out_object(json!({
                        "username": name,
                        "exists": role.is_some(),
                        "superuser": role.as_ref().map(|r| r.superuser),
                        "canLogin": role.as_ref().map(|r| r.can_login),
                        "validUntil": role.as_ref().and_then(|r| r.valid_until).map(rfc3339),
                        "connectionLimit": role.as_ref().map(|r| r.connection_limit),
                        "blocked": login.blocked,
                        "blockReason": login.block_reason,
                        "blockedUntil": login.blocked_until.map(rfc3339),
                        "failedLoginAttempts": login.failed_login_attempts,
                        "activeSessions": sessions,
                    }))
                })
            })
            .argument(InputValue::new(
                "username",
                TypeRef::named_nn(TypeRef::STRING),
            ))
            .description("A role's login status (one's own, or any for a superuser)."),
        )
}

/// A session as the `Connection` type.
fn connection_json(s: &SessionInfo) -> Value {
    json!({
        "pid": s.pid,
        "user": s.user,
        "database": s.database,
        "clientAddr": s.client_addr.map(|a| a.to_string()),
        "applicationName": s.application_name,
        "connectedAt": rfc3339(s.connected_at),
        "state": s.state.as_str(),
        "stateChangedAt": rfc3339(s.state_changed_at),
        "query": s.query,
        "queryStartedAt": s.query_started_at.map(rfc3339),
        "transactionId": s.transaction_id,
    })
}

/// One sample of the process's resource use as the `SystemMetrics` type (also what
/// the `systemMetrics` subscription sends).
pub(crate) fn system_metrics() -> Result<Value, async_graphql::Error> {
    let m = rustydb_http::system::process_metrics();
    Ok(json!({
        "cpuPercent": m.cpu_percent,
        "cpuSeconds": m.cpu_seconds,
        "memoryRssBytes": m.memory_rss_bytes,
        "memoryVirtualBytes": m.memory_virtual_bytes,
        "diskReadBytes": m.disk_read_bytes,
        "diskWrittenBytes": m.disk_written_bytes,
        "netRxBytes": m.net_namespace_rx_bytes,
        "netTxBytes": m.net_namespace_tx_bytes,
        "threads": m.threads,
        "openFds": m.open_fds,
        "sampledAt": rfc3339(SystemTime::now()),
    }))
}
