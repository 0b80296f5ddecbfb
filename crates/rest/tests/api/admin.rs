//! Monitoring, administration, tables and tokens.

use serde_json::json;

use crate::common::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn superuser_routes_refuse_plain_users() {
    let s = start(|_| {}).await;
    for (method, path, body) in [
        ("POST", "/api/v1/checkpoint", None),
        ("GET", "/api/v1/config", None),
        ("GET", "/api/v1/tokens", None),
        ("POST", "/api/v1/tokens", Some(json!({"user": "alice"}))),
        ("DELETE", "/api/v1/tokens/abc", None),
        ("DELETE", "/api/v1/connections/1", None),
    ] {
        let r = s.call(method, path, Some(&s.alice), body).await;
        assert_eq!(r.error(403)["sqlstate"], "42501", "{method} {path}");
    }
    for path in [
        "/api/v1/locks",
        "/api/v1/wal/status",
        "/api/v1/config",
        "/api/v1/transactions",
    ] {
        s.call("GET", path, None, None).await.error(401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_reports_engine_state() {
    let s = start(|_| {}).await;
    s.sql("CREATE TABLE m (id int PRIMARY KEY)", json!([]))
        .await;
    // An open transaction holding locks.
    let r = s.post("/api/v1/transactions", &s.admin, json!({})).await;
    let xid = r.body["id"].as_u64().unwrap();
    let r = s
        .post(
            &format!("/api/v1/transactions/{xid}/query"),
            &s.admin,
            json!({"sql": "INSERT INTO m VALUES (1)"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = s.get("/api/v1/locks", &s.alice).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mine: Vec<_> = r.body["locks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["transaction_id"] == xid)
        .collect();
    assert!(!mine.is_empty(), "{}", r.body);
    assert!(
        mine.iter()
            .any(|l| l["granted"] == true
                && l["resource"].as_str().unwrap().starts_with("relation ")),
        "{mine:?}"
    );
    assert!(r.body["stats"]["acquisitions"].as_u64().unwrap() > 0);
    let r = s.get("/api/v1/locks/waits", &s.alice).await;
    assert_eq!(r.body, json!([]));
    let r = s.get("/api/v1/deadlocks?limit=5", &s.alice).await;
    assert_eq!(r.body, json!([]));

    // The HTTP transaction's session is a connection; terminating it ends the transaction.
    let r = s.get("/api/v1/connections", &s.alice).await;
    let conn = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["transaction_id"] == xid)
        .unwrap_or_else(|| panic!("{}", r.body))
        .clone();
    assert_eq!(conn["user"], "rustydb");
    assert_eq!(
        conn["query"],
        json!(null),
        "alice does not see rustydb's statements"
    );
    let pid = conn["id"].as_u64().unwrap();
    let r = s
        .call(
            "DELETE",
            &format!("/api/v1/connections/{pid}"),
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = s
        .post(
            &format!("/api/v1/transactions/{xid}/query"),
            &s.admin,
            json!({"sql": "SELECT 1"}),
        )
        .await;
    r.error(404);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.engine.txns().transaction_info(xid).is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the transaction was not rolled back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = s
        .post(
            "/api/v1/query",
            &s.admin,
            json!({"sql": "SELECT count(*) FROM m"}),
        )
        .await;
    assert_eq!(r.body["rows"], json!([[0]]));
    s.call(
        "DELETE",
        "/api/v1/connections/4000000",
        Some(&s.admin),
        None,
    )
    .await
    .error(404);

    // Checkpoints.
    let r = s
        .call("POST", "/api/v1/checkpoint", Some(&s.admin), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reason"], "requested");
    let r = s.get("/api/v1/checkpoint", &s.alice).await;
    assert!(r.body["completed"].as_u64().unwrap() >= 1, "{}", r.body);
    assert_eq!(r.body["last"]["reason"], "requested");

    let r = s.get("/api/v1/wal/status", &s.alice).await;
    assert!(r.body["records"].as_u64().unwrap() > 0, "{}", r.body);
    assert!(r.body["insert_lsn"].is_string());
    let r = s.get("/api/v1/buffer-pool", &s.alice).await;
    assert!(r.body["size"].as_u64().unwrap() > 0);
    assert!(r.body["used"].as_u64().unwrap() > 0);

    let r = s.get("/api/v1/config", &s.admin).await;
    let settings = r.body.as_array().unwrap();
    assert!(
        settings
            .iter()
            .any(|x| x["name"] == "http.page_size" && x["value"] == "1000")
    );
    for secret in settings.iter().filter(|x| x["secret"] == true) {
        assert!(!secret["value"].as_str().unwrap().contains("secret-pw"));
    }

    // Every statement is slow with a zero threshold; alice sees only her own.
    s.post("/api/v1/query", &s.alice, json!({"sql": "SELECT 42"}))
        .await;
    let r = s.get("/api/v1/queries/slow?limit=50", &s.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["user"] == "rustydb"),
        "{}",
        r.body
    );
    let r = s.get("/api/v1/queries/slow", &s.alice).await;
    let list = r.body.as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|q| q["user"] == "alice"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_show_their_structure_to_those_allowed() {
    let s = start(|_| {}).await;
    s.sql(
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', \
         price numeric(8,2) CHECK (price >= 0))",
        json!([]),
    )
    .await;
    s.sql("CREATE INDEX items_name ON items (name)", json!([]))
        .await;
    for i in 1..=3 {
        s.sql("INSERT INTO items VALUES ($1, 'n', 1)", json!([i]))
            .await;
    }
    s.sql("ANALYZE items", json!([])).await;

    let r = s.get("/api/v1/tables", &s.admin).await;
    let t = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "items")
        .unwrap_or_else(|| panic!("{}", r.body))
        .clone();
    assert_eq!(t["schema"], "public");
    assert!(t["size_bytes"].as_u64().unwrap() > 0);

    let r = s.get("/api/v1/tables/items", &s.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = &r.body;
    assert_eq!(d["row_estimate"], 3.0);
    assert_eq!(
        d["columns"][0],
        json!({"name": "id", "type_name": "integer", "nullable": false, "default": null, "position": 1})
    );
    assert_eq!(d["columns"][1]["default"], "'x'");
    assert_eq!(d["columns"][2]["type_name"], "numeric(8,2)");
    assert_eq!(d["columns"][2]["nullable"], true);
    let idx: Vec<&str> = d["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        idx.contains(&"items_pkey") && idx.contains(&"items_name"),
        "{idx:?}"
    );
    let kinds: Vec<&str> = d["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"PRIMARY KEY") && kinds.contains(&"CHECK"),
        "{kinds:?}"
    );
    assert!(
        d["constraints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["definition"] == "PRIMARY KEY (id)"),
        "{d}"
    );
    assert_eq!(
        d["size_bytes"].as_u64().unwrap(),
        d["table_bytes"].as_u64().unwrap() + d["index_bytes"].as_u64().unwrap()
    );
    s.get("/api/v1/tables/public.items", &s.admin).await;

    // Alice sees it only once granted.
    let r = s.get("/api/v1/tables", &s.alice).await;
    assert!(
        !r.body
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "items")
    );
    s.get("/api/v1/tables/items", &s.alice).await.error(404);
    s.sql("GRANT SELECT ON items TO alice", json!([])).await;
    assert_eq!(s.get("/api/v1/tables/items", &s.alice).await.status, 200);
    s.get("/api/v1/tables/nope", &s.admin).await.error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_created_listed_and_revoked() {
    let s = start(|_| {}).await;
    let r = s
        .post(
            "/api/v1/tokens",
            &s.admin,
            json!({"user": "alice", "expiry": "1d", "description": "ci"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_string();
    let id = r.body["info"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["info"]["user"], "alice");
    assert!(r.body["info"]["expires_at"].is_string());
    assert_eq!(s.get("/api/v1/tables", &token).await.status, 200);

    let r = s.get("/api/v1/tokens", &s.admin).await;
    let listed = r.body.as_array().unwrap();
    assert!(listed.iter().any(|t| t["id"] == id.as_str()));
    assert!(
        !r.body.to_string().contains(&token),
        "secrets are never listed"
    );

    let path = format!("/api/v1/tokens/{id}");
    assert_eq!(
        s.call("DELETE", &path, Some(&s.admin), None).await.status,
        204
    );
    s.get("/api/v1/tables", &token).await.error(401);
    s.call("DELETE", &path, Some(&s.admin), None)
        .await
        .error(404);

    let r = s
        .post(
            "/api/v1/tokens",
            &s.admin,
            json!({"user": "alice", "expiry": "soon"}),
        )
        .await;
    assert!(r.error(400)["message"].as_str().unwrap().contains("expiry"));
    let r = s
        .post("/api/v1/tokens", &s.admin, json!({"user": "nobody"}))
        .await;
    assert_eq!(r.error(400)["sqlstate"], "42704");
}
