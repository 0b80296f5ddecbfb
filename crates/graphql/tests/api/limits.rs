//! Authentication, query limits, introspection.

use serde_json::json;

use crate::common::{first_error, gql, gql_raw, request, start, start_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_or_bad_token_is_401() {
    let s = start().await;
    let body = json!({"query": "{ serverInfo { version } }"}).to_string();
    let r = request(s.addr, "POST", "/graphql", None, Some(&body)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["sqlstate"], "28000");
    assert!(r.headers.contains_key("x-request-id"));
    let r = request(
        s.addr,
        "POST",
        "/graphql",
        Some("rdb_nope_nope"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = request(
        s.addr,
        "POST",
        "/graphql",
        Some(&s.token),
        Some("{\"query\": 5}"),
    )
    .await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_and_complexity_limits() {
    let s = start_with(|c| {
        c.http.graphql_max_depth = 2;
        c.http.graphql_max_complexity = 5;
    })
    .await;
    let v = gql_raw(
        &s,
        &s.token,
        "{ replicationStatus { replicas { applicationName } } }",
        json!({}),
    )
    .await;
    let e = first_error(&v);
    assert!(
        e["message"].as_str().unwrap().contains("nested too deep"),
        "{v}"
    );
    assert_eq!(e["extensions"]["code"], "ERR-API-008");
    assert_eq!(e["extensions"]["sqlstate"], "54001");
    let v = gql_raw(&s, &s.token, "{ serverInfo { version uptime startedAt maxConnections activeConnections totalTransactions } }", json!({})).await;
    let e = first_error(&v);
    assert!(
        e["message"].as_str().unwrap().contains("too complex"),
        "{v}"
    );
    assert_eq!(e["extensions"]["code"], "ERR-API-008");
    // Within both limits.
    gql(&s, "{ serverInfo { version } }", json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_follows_the_setting() {
    let on = start().await;
    let d = gql(&on, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(d["__schema"]["queryType"]["name"], "Query");
    let off = start_with(|c| c.http.graphql_introspection = false).await;
    let v = gql_raw(
        &off,
        &off.token,
        "{ __schema { queryType { name } } }",
        json!({}),
    )
    .await;
    assert!(
        v.get("errors").is_some() || v["data"]["__schema"].is_null(),
        "{v}"
    );
    assert_eq!(
        v["data"].get("__schema").cloned().unwrap_or(json!(null)),
        json!(null),
        "{v}"
    );
    gql(&off, "{ serverInfo { version } }", json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_follows_ddl() {
    let s = start().await;
    let sdl_has = |name: &'static str| {
        let s = &s;
        async move {
            let d = gql(s, "{ __schema { types { name } } }", json!({})).await;
            d["__schema"]["types"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == name)
        }
    };
    assert!(!sdl_has("gadgets").await);
    gql(
        &s,
        "{ query(sql: \"CREATE TABLE gadgets (id int PRIMARY KEY, name text)\") { command } }",
        json!({}),
    )
    .await;
    assert!(
        sdl_has("gadgets").await,
        "the typed table API did not pick up the new table"
    );
    gql(
        &s,
        "{ query(sql: \"DROP TABLE gadgets\") { command } }",
        json!({}),
    )
    .await;
    assert!(!sdl_has("gadgets").await);
}
