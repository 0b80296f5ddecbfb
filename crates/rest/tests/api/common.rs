//! A server on 127.0.0.1:0 over a fresh engine, with a superuser's and a plain user's
//! tokens, and a small HTTP client.

use std::sync::Arc;
use std::time::Duration;

use rustydb_common::config::Config;
use rustydb_http::HttpContext;
use rustydb_pgwire::{PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// How long any one request may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) ctx: Arc<HttpContext>,
    pub(crate) engine: Arc<Engine>,
    /// A superuser's (`rustydb`) token.
    pub(crate) admin: String,
    /// A plain user's (`alice`) token.
    pub(crate) alice: String,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A response: status, headers, body as JSON (`Null` when empty).
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error response of `status` with the JSON error body, returning it.
    pub(crate) fn error(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        for field in ["code", "sqlstate", "message", "request_id"] {
            assert!(self.body[field].is_string(), "no {field} in {}", self.body);
        }
        assert_eq!(
            self.body["request_id"].as_str(),
            self.header("x-request-id"),
            "the body names the request id"
        );
        &self.body
    }
}

pub(crate) async fn start(tweak: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    tweak(&mut config);
    let ctx = HttpContext::new(config);
    let path = dir.path().to_path_buf();
    let (engine, admin, alice) = tokio::task::spawn_blocking(move || {
        let mut options = EngineOptions::new(&path);
        options.slow_query_threshold = Duration::ZERO;
        let engine = Engine::open(options).unwrap();
        rustydb_http::tokens::ensure_schema(&engine).unwrap();
        engine
            .session()
            .execute("CREATE USER alice PASSWORD 'secret-pw'")
            .unwrap();
        let (admin, _) =
            rustydb_http::tokens::create(&engine, "rustydb", None, "test", "admin").unwrap();
        let (alice, _) =
            rustydb_http::tokens::create(&engine, "alice", None, "test", "alice").unwrap();
        (engine, admin.to_string(), alice.to_string())
    })
    .await
    .unwrap();
    ctx.attach(
        engine.clone(),
        PgServer::new(engine.clone(), PgWireOptions::default()),
    );
    let app = rustydb_http::app(ctx.clone(), rustydb_rest::router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    tokio::spawn(rustydb_http::serve(
        listener,
        app,
        shutdown.clone(),
        Duration::from_secs(1),
    ));
    Server {
        base,
        ctx,
        engine,
        admin,
        alice,
        shutdown,
        _dir: dir,
    }
}

impl Server {
    /// Any request; `body` is sent as JSON when given.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let client = reqwest::Client::builder().timeout(WAIT).build().unwrap();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        assert!(
            headers.contains_key("x-request-id"),
            "every response has x-request-id ({path})"
        );
        Resp {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    pub(crate) async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// `POST /api/v1/query` as the superuser; panics unless 200.
    pub(crate) async fn sql(&self, sql: &str, params: Value) -> Value {
        let r = self
            .post(
                "/api/v1/query",
                &self.admin,
                serde_json::json!({"sql": sql, "params": params}),
            )
            .await;
        assert_eq!(r.status, 200, "{sql}: {}", r.body);
        r.body
    }
}
