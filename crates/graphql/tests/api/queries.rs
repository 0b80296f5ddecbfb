//! The queries, against real data.

use serde_json::json;

use crate::common::{first_error, gql, gql_raw, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_connections_and_users() {
    let s = start().await;
    let d = gql(
        &s,
        "{ serverInfo { version postgresVersion uptime startedAt activeConnections maxConnections totalTransactions committedTransactions }
           connectionPoolStats { active max available acceptedTotal rejectedTotal sessions }
           replicationStatus { role configured replicas { applicationName } }
           userStatus(username: \"alice\") { username exists superuser canLogin blocked failedLoginAttempts activeSessions } }",
        json!({}),
    )
    .await;
    let info = &d["serverInfo"];
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["postgresVersion"], "15.0");
    assert!(info["uptime"].as_f64().unwrap() >= 0.0);
    assert_eq!(info["maxConnections"], 100);
    assert_eq!(info["activeConnections"], 0);
    assert!(info["totalTransactions"].as_u64().unwrap() > 0, "{info}");
    assert!(info["committedTransactions"].as_u64().unwrap() > 0);
    assert_eq!(d["connectionPoolStats"]["max"], 100);
    assert_eq!(d["connectionPoolStats"]["available"], 100);
    assert_eq!(
        d["replicationStatus"],
        json!({"role": "primary", "configured": false, "replicas": []})
    );
    let u = &d["userStatus"];
    assert_eq!(u["exists"], true);
    assert_eq!(u["superuser"], false);
    assert_eq!(u["canLogin"], true);
    assert_eq!(u["blocked"], false);
    assert_eq!(u["failedLoginAttempts"], 0);

    // A plain user may ask about itself but not about others, nor read pool statistics.
    let v = gql_raw(
        &s,
        &s.alice,
        "{ userStatus(username: \"alice\") { username } }",
        json!({}),
    )
    .await;
    assert_eq!(v["data"]["userStatus"]["username"], "alice");
    let v = gql_raw(
        &s,
        &s.alice,
        "{ userStatus(username: \"rustydb\") { username } }",
        json!({}),
    )
    .await;
    let e = first_error(&v);
    assert_eq!(e["extensions"]["sqlstate"], "42501", "{v}");
    assert_eq!(e["extensions"]["code"], "SEC-002", "{v}");
    assert!(
        e["extensions"]["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{v}"
    );
    let v = gql_raw(
        &s,
        &s.alice,
        "{ connectionPoolStats { active } }",
        json!({}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["status"], 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_metrics_are_real() {
    let s = start().await;
    let d = gql(
        &s,
        "{ systemMetrics { cpuSeconds memoryRssBytes threads openFds sampledAt } }",
        json!({}),
    )
    .await;
    let m = &d["systemMetrics"];
    assert!(m["memoryRssBytes"].as_u64().unwrap() > 0, "{m}");
    assert!(m["threads"].as_u64().unwrap() >= 1, "{m}");
    assert!(m["openFds"].as_u64().unwrap() >= 3, "{m}");
    assert!(m["sampledAt"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_and_queries() {
    let s = start().await;
    gql(&s, "{ query(sql: \"CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2))\") { command } }", json!({})).await;
    let d = gql(
        &s,
        "query($p: [JSON]) { query(sql: \"INSERT INTO items VALUES ($1, $2, $3), (2, 'b', NULL)\", params: $p) { command rowsAffected } }",
        json!({"p": [1, "a", "9.50"]}),
    )
    .await;
    assert_eq!(
        d["query"],
        json!({"command": "INSERT 0 2", "rowsAffected": 2})
    );
    let d = gql(
        &s,
        "{ query(sql: \"SELECT id, name, price FROM items ORDER BY id\") { columns { name type } rows command rowsAffected nextCursor } }",
        json!({}),
    )
    .await;
    let q = &d["query"];
    assert_eq!(
        q["columns"],
        json!([{"name":"id","type":"integer"},{"name":"name","type":"text"},{"name":"price","type":"numeric(8,2)"}])
    );
    assert_eq!(q["rows"], json!([[1, "a", "9.50"], [2, "b", null]]));
    assert_eq!(q["command"], "SELECT 2");
    assert_eq!(q["nextCursor"], json!(null));

    let d = gql(&s, "{ tables { schema name } table(name: \"public.items\") { name columns { name type nullable } sizeBytes rowEstimate } }", json!({})).await;
    let names: Vec<&str> = d["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"items"), "{names:?}");
    let t = &d["table"];
    assert_eq!(
        t["columns"],
        json!([
        {"name":"id","type":"integer","nullable":false},
        {"name":"name","type":"text","nullable":false},
        {"name":"price","type":"numeric(8,2)","nullable":true}])
    );
    assert!(t["sizeBytes"].as_u64().unwrap() > 0, "{t}");

    // alice may read neither the table nor its rows; the listing hides it.
    let v = gql_raw(&s, &s.alice, "{ tables { name } }", json!({})).await;
    assert_eq!(v["data"]["tables"], json!([]), "{v}");
    let v = gql_raw(
        &s,
        &s.alice,
        "{ table(name: \"items\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42P01");
    let v = gql_raw(
        &s,
        &s.alice,
        "{ query(sql: \"SELECT * FROM items\") { rows } }",
        json!({}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42501", "{v}");
    gql(
        &s,
        "{ query(sql: \"GRANT SELECT ON items TO alice\") { command } }",
        json!({}),
    )
    .await;
    let v = gql_raw(&s, &s.alice, "{ tables { name } }", json!({})).await;
    assert_eq!(v["data"]["tables"], json!([{"name": "items"}]), "{v}");

    // SQL errors keep their SQLSTATE and hint.
    let v = gql_raw(
        &s,
        &s.token,
        "{ query(sql: \"SELECT * FROM nowhere\") { rows } }",
        json!({}),
    )
    .await;
    let e = first_error(&v);
    assert_eq!(e["extensions"]["sqlstate"], "42P01");
    assert!(e["message"].as_str().unwrap().contains("nowhere"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_deadlocks_slow_queries_and_connections() {
    let s = start().await;
    let d = gql(
        &s,
        "{ lockWaits { waiter } lockStats { acquisitions held waiting deadlocks avgWaitMs }
           transactionDeadlocks(limit: 5) { victim } slowQueries(limit: 5, minDuration: 0) { sql durationMs user }
           activeConnections { pid user state } }",
        json!({}),
    )
    .await;
    assert_eq!(d["lockWaits"], json!([]));
    assert!(d["lockStats"]["acquisitions"].as_u64().unwrap() > 0, "{d}");
    assert_eq!(d["transactionDeadlocks"], json!([]));
    assert!(d["activeConnections"].is_array());

    // An open HTTP transaction is a session of its user, listed with its statement.
    let b = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
    let id = b["beginTransaction"]["id"].as_u64().unwrap();
    let d = gql(
        &s,
        "{ activeConnections { pid user state transactionId } }",
        json!({}),
    )
    .await;
    let conns = d["activeConnections"].as_array().unwrap();
    assert!(
        conns
            .iter()
            .any(|c| c["transactionId"] == id && c["user"] == "rustydb"),
        "{d}"
    );
    // alice sees none of rustydb's sessions.
    let v = gql_raw(
        &s,
        &s.alice,
        "{ activeConnections { pid } lockWaits { waiter } }",
        json!({}),
    )
    .await;
    assert_eq!(v["data"]["activeConnections"], json!([]), "{v}");
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42501", "{v}");

    gql_raw(
        &s,
        &s.alice,
        "{ query(sql: \"SELECT 42 AS alices\") { rows } }",
        json!({}),
    )
    .await;
    let d = gql(
        &s,
        "{ slowQueries(limit: 100, minDuration: 0) { sql user durationMs pid finishedAt } }",
        json!({}),
    )
    .await;
    let slow = d["slowQueries"].as_array().unwrap();
    assert!(
        slow.iter()
            .any(|q| q["sql"] == "SELECT 42 AS alices" && q["user"] == "alice"),
        "{d}"
    );
    let v = gql_raw(
        &s,
        &s.alice,
        "{ slowQueries(limit: 100) { sql user } }",
        json!({}),
    )
    .await;
    let mine = v["data"]["slowQueries"].as_array().unwrap();
    assert!(
        !mine.is_empty() && mine.iter().all(|q| q["user"] == "alice"),
        "{v}"
    );
    let v = gql_raw(&s, &s.token, "{ slowQueries(limit: 0) { sql } }", json!({})).await;
    assert_eq!(first_error(&v)["extensions"]["code"], "ERR-API-003");
}
