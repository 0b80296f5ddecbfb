//! The OpenAPI document describes every route, the bearer scheme and the error body.

use crate::common::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_route() {
    let s = start(|_| {}).await;
    let r = s.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    let doc = &r.body;
    // For external validators (openapi-spec-validator, schemathesis's schema checks).
    if let Some(out) = std::env::var_os("RUSTYDB_OPENAPI_OUT") {
        std::fs::write(out, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    }
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/query", "post"),
        ("/api/v1/query/cursors/{cursor}", "get"),
        ("/api/v1/query/cursors/{cursor}", "delete"),
        ("/api/v1/transactions", "post"),
        ("/api/v1/transactions", "get"),
        ("/api/v1/transactions/{id}", "get"),
        ("/api/v1/transactions/{id}", "delete"),
        ("/api/v1/transactions/{id}/query", "post"),
        ("/api/v1/transactions/{id}/commit", "post"),
        ("/api/v1/transactions/{id}/rollback", "post"),
        ("/api/v1/transactions/{id}/savepoints", "post"),
        (
            "/api/v1/transactions/{id}/savepoints/{name}/rollback",
            "post",
        ),
        (
            "/api/v1/transactions/{id}/savepoints/{name}/release",
            "post",
        ),
        ("/api/v1/tables", "get"),
        ("/api/v1/tables/{name}", "get"),
        ("/api/v1/locks", "get"),
        ("/api/v1/locks/waits", "get"),
        ("/api/v1/deadlocks", "get"),
        ("/api/v1/connections", "get"),
        ("/api/v1/connections/{id}", "delete"),
        ("/api/v1/checkpoint", "post"),
        ("/api/v1/checkpoint", "get"),
        ("/api/v1/wal/status", "get"),
        ("/api/v1/buffer-pool", "get"),
        ("/api/v1/config", "get"),
        ("/api/v1/queries/slow", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens/{id}", "delete"),
    ] {
        let op = &paths[path][method];
        assert!(op.is_object(), "{method} {path} is documented");
        assert!(
            op["responses"]["401"].is_object(),
            "{method} {path} documents 401"
        );
        assert!(
            op["responses"]["500"].is_object(),
            "{method} {path} documents 500"
        );
    }
    assert!(paths["/api/v1/query"]["post"]["requestBody"].is_object());
    assert!(paths["/api/v1/query"]["post"]["responses"]["409"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer")
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["QueryOutput"].is_object());
}
