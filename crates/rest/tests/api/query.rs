//! `POST /query`, pagination, and the shared error behaviour (401, 404, 405, 400, 409,
//! 413, x-request-id).

use serde_json::json;

use crate::common::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_run_with_typed_columns_and_params() {
    let s = start(|_| {}).await;
    let out = s.sql("SELECT $1::int + 1 AS answer", json!([41])).await;
    assert_eq!(out["rows"], json!([[42]]));
    assert_eq!(
        out["columns"],
        json!([{"name": "answer", "type_name": "integer"}])
    );
    assert_eq!(out["command"], "SELECT 1");
    assert_eq!(out["next_cursor"], json!(null));

    let out = s
        .sql(
            "CREATE TABLE t (id int PRIMARY KEY, v text, n numeric(6,2), b bytea, d date, \
             f float8, ok boolean)",
            json!([]),
        )
        .await;
    assert_eq!(out["command"], "CREATE TABLE");
    let out = s
        .sql(
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7)",
            json!([1, "one", "12.5", "\\x01ff", "2024-02-29", 0.5, true]),
        )
        .await;
    assert_eq!(out["command"], "INSERT 0 1");
    assert_eq!(out["rows_affected"], 1);
    s.sql(
        "INSERT INTO t VALUES ($1, NULL, $2, NULL, NULL, 'NaN', NULL)",
        json!([2, 1.25]),
    )
    .await;
    let out = s.sql("SELECT * FROM t WHERE id = $1", json!([1])).await;
    assert_eq!(
        out["rows"],
        json!([[1, "one", "12.50", "\\x01ff", "2024-02-29", 0.5, true]])
    );
    let types: Vec<&str> = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "integer",
            "text",
            "numeric(6,2)",
            "bytea",
            "date",
            "double precision",
            "boolean"
        ]
    );
    let out = s
        .sql("SELECT n, f, v FROM t WHERE id = $1", json!([2]))
        .await;
    assert_eq!(out["rows"], json!([["1.25", "NaN", null]]));

    // 409: a unique violation, with the whole error body.
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "INSERT INTO t (id) VALUES (1)"}),
        )
        .await;
    let e = r.error(409);
    assert_eq!(e["sqlstate"], "23505");
    assert!(e["message"].as_str().unwrap().contains("t_pkey"), "{e}");
    // 404: an unknown table; 400: a syntax error.
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT * FROM nope"}),
        )
        .await;
    assert_eq!(r.error(404)["sqlstate"], "42P01");
    let r = s
        .post("/api/v1/query", &s.admin, json!({"sql": "SELEKT 1"}))
        .await;
    assert_eq!(r.error(400)["sqlstate"], "42601");
    // 403: alice has no privilege on t.
    let r = s
        .post("/api/v1/query", &s.alice, json!({"sql": "SELECT * FROM t"}))
        .await;
    assert_eq!(r.error(403)["sqlstate"], "42501");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unauthorized_requests() {
    let s = start(|c| c.http.max_body_bytes = 2048).await;
    // 400 naming the field.
    let r = s
        .post("/api/v1/query", &s.admin, json!({"params": []}))
        .await;
    assert!(
        r.error(400)["message"].as_str().unwrap().contains("sql"),
        "{}",
        r.body
    );
    let r = s.post("/api/v1/query", &s.admin, json!({"sql": 5})).await;
    assert!(
        r.error(400)["message"]
            .as_str()
            .unwrap()
            .contains("field sql"),
        "{}",
        r.body
    );
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT $1", "params": [[1]]}),
        )
        .await;
    assert!(
        r.error(400)["message"]
            .as_str()
            .unwrap()
            .contains("params[0]"),
        "{}",
        r.body
    );
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT 1", "page_size": 0}),
        )
        .await;
    assert!(
        r.error(400)["message"]
            .as_str()
            .unwrap()
            .contains("page_size"),
        "{}",
        r.body
    );
    // 401 without a token and with a bad one.
    let r = s
        .call(
            "POST",
            "/api/v1/query",
            None,
            Some(json!({"sql": "SELECT 1"})),
        )
        .await;
    r.error(401);
    let r = s.get("/api/v1/tables", "rdb_nope_nope").await;
    r.error(401);
    // 404 for an unknown path, 405 with Allow.
    let r = s.get("/api/v1/nothing-here", &s.admin).await;
    r.error(404);
    let r = s.call("PUT", "/api/v1/query", Some(&s.admin), None).await;
    r.error(405);
    assert!(
        r.header("allow").unwrap().contains("POST"),
        "{:?}",
        r.headers
    );
    // 413 for a body over http.max_body_bytes.
    let big = "x".repeat(4096);
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": format!("SELECT '{big}'")}),
        )
        .await;
    r.error(413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_results_page_through_a_cursor() {
    let s = start(|c| c.http.max_result_rows = 30).await;
    s.sql("CREATE TABLE n (i int)", json!([])).await;
    for i in 1..=25 {
        s.sql("INSERT INTO n VALUES ($1)", json!([i])).await;
    }
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT i FROM n ORDER BY i", "page_size": 10}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut seen: Vec<i64> = Vec::new();
    let mut page = r.body;
    let mut pages = 1;
    assert_eq!(page["rows_affected"], 25);
    loop {
        seen.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[0].as_i64().unwrap()),
        );
        let Some(cursor) = page["next_cursor"].as_str().map(str::to_string) else {
            break;
        };
        assert!(pages < 10, "bounded");
        // Another user cannot read it.
        let other = s
            .get(&format!("/api/v1/query/cursors/{cursor}"), &s.alice)
            .await;
        other.error(404);
        let r = s
            .get(
                &format!("/api/v1/query/cursors/{cursor}?page_size=10"),
                &s.admin,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        page = r.body;
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());

    // A cursor closed early is gone.
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT i FROM n", "page_size": 5}),
        )
        .await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
    let path = format!("/api/v1/query/cursors/{cursor}");
    assert_eq!(
        s.call("DELETE", &path, Some(&s.admin), None).await.status,
        204
    );
    s.get(&path, &s.admin).await.error(404);
    s.call("DELETE", &path, Some(&s.admin), None)
        .await
        .error(404);

    // Over http.max_result_rows: ERR-API-006.
    for i in 26..=31 {
        s.sql("INSERT INTO n VALUES ($1)", json!([i])).await;
    }
    let r = s
        .post("/api/v1/query", &s.admin, json!({"sql": "SELECT i FROM n"}))
        .await;
    assert_eq!(r.error(400)["code"], "ERR-API-006");
}
