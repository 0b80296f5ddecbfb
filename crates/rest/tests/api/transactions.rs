//! HTTP transactions: begin, query, savepoints, commit, rollback, abort, isolation,
//! ownership, the aborted state and idle expiry.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Server, start};

async fn begin(s: &Server, token: &str, level: Option<&str>) -> u64 {
    let body = level.map_or(json!({}), |l| json!({"isolation_level": l}));
    let r = s.post("/api/v1/transactions", token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_u64().unwrap()
}

async fn tq(s: &Server, id: u64, sql: &str, params: Value) -> crate::common::Resp {
    s.post(
        &format!("/api/v1/transactions/{id}/query"),
        &s.admin,
        json!({"sql": sql, "params": params}),
    )
    .await
}

async fn count(s: &Server) -> i64 {
    s.sql("SELECT count(*) FROM acct", json!([])).await["rows"][0][0]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoints_commit_and_rollback() {
    let s = start(|_| {}).await;
    s.sql("CREATE TABLE acct (id int PRIMARY KEY, bal int)", json!([]))
        .await;
    let id = begin(&s, &s.admin, Some("serializable")).await;

    // The id is the engine's: listed by the transaction manager, with our HTTP facts.
    let r = s.get(&format!("/api/v1/transactions/{id}"), &s.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["isolation_level"], "serializable");
    assert_eq!(r.body["http"]["owner"], "rustydb");
    let all = s.get("/api/v1/transactions", &s.admin).await;
    assert!(all.body.as_array().unwrap().iter().any(|t| t["id"] == id));

    assert_eq!(
        tq(&s, id, "INSERT INTO acct VALUES ($1, $2)", json!([1, 100]))
            .await
            .status,
        200
    );
    assert_eq!(count(&s).await, 0, "uncommitted work is invisible outside");
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints"),
            &s.admin,
            json!({"name": "sp1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        tq(&s, id, "DELETE FROM acct WHERE id = 1", json!([]))
            .await
            .status,
        200
    );
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints/sp1/rollback"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = tq(&s, id, "SELECT bal FROM acct WHERE id = 1", json!([])).await;
    assert_eq!(
        r.body["rows"],
        json!([[100]]),
        "the savepoint rollback restored the row"
    );
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints/sp1/release"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A failed statement aborts it: 25P02 until a rollback.
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints"),
            &s.admin,
            json!({"name": "sp2"}),
        )
        .await;
    assert_eq!(r.status, 201);
    tq(&s, id, "INSERT INTO acct VALUES (1, 0)", json!([]))
        .await
        .error(409);
    let r = tq(&s, id, "SELECT 1", json!([])).await;
    assert_eq!(r.error(409)["sqlstate"], "25P02");
    let r = s.get(&format!("/api/v1/transactions/{id}"), &s.admin).await;
    assert_eq!(r.body["http"]["state"], "aborted");
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints/sp2/rollback"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(tq(&s, id, "SELECT 1", json!([])).await.status, 200);
    // Bad savepoint names are refused before any SQL.
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints"),
            &s.admin,
            json!({"name": "a\"b"}),
        )
        .await;
    assert!(r.error(400)["message"].as_str().unwrap().contains("name"));
    // Another user may not use it.
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/query"),
            &s.alice,
            json!({"sql": "SELECT 1"}),
        )
        .await;
    r.error(403);

    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/commit"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["command"], "COMMIT");
    assert_eq!(count(&s).await, 1);
    // Gone after commit.
    tq(&s, id, "SELECT 1", json!([])).await.error(404);
    s.get(&format!("/api/v1/transactions/{id}"), &s.admin)
        .await
        .error(404);

    // Rollback discards; committing an aborted transaction is 409.
    let id = begin(&s, &s.admin, None).await;
    tq(&s, id, "INSERT INTO acct VALUES (2, 5)", json!([])).await;
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/rollback"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.body["command"], "ROLLBACK");
    assert_eq!(count(&s).await, 1);
    let id = begin(&s, &s.admin, None).await;
    tq(&s, id, "INSERT INTO acct VALUES (3, 5)", json!([])).await;
    tq(&s, id, "SELECT 1/0", json!([])).await.error(400);
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/commit"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.error(409)["sqlstate"], "25P02");
    assert_eq!(count(&s).await, 1);

    // Abort with DELETE.
    let id = begin(&s, &s.admin, None).await;
    tq(&s, id, "INSERT INTO acct VALUES (4, 5)", json!([])).await;
    let r = s
        .call(
            "DELETE",
            &format!("/api/v1/transactions/{id}"),
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tq(&s, id, "SELECT 1", json!([])).await.error(404);
    assert_eq!(count(&s).await, 1);
    // Unknown ids, bad ids, bad levels.
    s.post("/api/v1/transactions/999999/commit", &s.admin, json!({}))
        .await
        .error(404);
    s.post("/api/v1/transactions/abc/commit", &s.admin, json!({}))
        .await
        .error(400);
    let r = s
        .post(
            "/api/v1/transactions",
            &s.admin,
            json!({"isolation_level": "chaos"}),
        )
        .await;
    assert!(
        r.error(400)["message"]
            .as_str()
            .unwrap()
            .contains("isolation_level")
    );
    // An unknown savepoint is 404 (and, as in PostgreSQL, aborts the transaction).
    let id = begin(&s, &s.admin, None).await;
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/savepoints/nope/rollback"),
            &s.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.error(404)["sqlstate"], "3B001");
    assert_eq!(
        tq(&s, id, "SELECT 1", json!([])).await.error(409)["sqlstate"],
        "25P02"
    );
    // Aborting another user's transaction is refused.
    s.call(
        "DELETE",
        &format!("/api/v1/transactions/{id}"),
        Some(&s.alice),
        None,
    )
    .await
    .error(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_levels_are_honored() {
    let s = start(|_| {}).await;
    s.sql("CREATE TABLE acct (id int PRIMARY KEY, bal int)", json!([]))
        .await;
    let rr = begin(&s, &s.admin, Some("REPEATABLE_READ")).await;
    let rc = begin(&s, &s.admin, Some("read committed")).await;
    let r = s.get(&format!("/api/v1/transactions/{rr}"), &s.admin).await;
    assert_eq!(r.body["isolation_level"], "repeatable read");
    s.sql("INSERT INTO acct VALUES (1, 1)", json!([])).await;
    let seen = |r: crate::common::Resp| r.body["rows"][0][0].as_i64().unwrap();
    assert_eq!(
        seen(tq(&s, rr, "SELECT count(*) FROM acct", json!([])).await),
        0
    );
    assert_eq!(
        seen(tq(&s, rc, "SELECT count(*) FROM acct", json!([])).await),
        1
    );
    let r = tq(&s, rr, "SHOW transaction_isolation", json!([])).await;
    assert_eq!(r.body["rows"], json!([["repeatable read"]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_transactions_expire() {
    let s = start(|c| c.http.idle_timeout_seconds = 1).await;
    s.sql("CREATE TABLE acct (id int PRIMARY KEY, bal int)", json!([]))
        .await;
    let id = begin(&s, &s.admin, None).await;
    assert_eq!(
        tq(&s, id, "INSERT INTO acct VALUES (1, 1)", json!([]))
            .await
            .status,
        200
    );
    // The background sweeper rolls it back; wait for that without touching it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.ctx.txns.ids().contains(&id) {
        assert!(
            Instant::now() < deadline,
            "the idle transaction was not expired"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.engine.txns().transaction_info(id).is_some() {
        assert!(
            Instant::now() < deadline,
            "the engine transaction was not rolled back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tq(&s, id, "SELECT 1", json!([])).await.error(404);
    assert_eq!(count(&s).await, 0);
}
