//! A real HTTP server on 127.0.0.1 with the GraphQL routes, an engine on a temporary
//! directory, tokens for the superuser and for a plain user, and a minimal HTTP client.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustydb_common::config::Config;
use rustydb_http::HttpContext;
use rustydb_pgwire::{PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// Bound on every network wait of a test.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    /// The superuser `rustydb`'s token.
    pub(crate) token: String,
    /// The plain user `alice`'s token.
    pub(crate) alice: String,
    pub(crate) engine: Arc<Engine>,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub(crate) async fn start() -> Server {
    start_with(|_| {}).await
}

pub(crate) async fn start_with(tweak: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (engine, token, alice) = tokio::task::spawn_blocking(move || {
        let mut options = EngineOptions::new(&path);
        // Every statement is "slow", so slowQueries has real entries.
        options.slow_query_threshold = Duration::ZERO;
        let engine = Engine::open(options).unwrap();
        rustydb_http::tokens::ensure_schema(&engine).unwrap();
        let mut s = engine.session();
        s.execute("CREATE USER alice PASSWORD 'pw'").unwrap();
        drop(s);
        let (t, _) =
            rustydb_http::tokens::create(&engine, "rustydb", None, "test", "graphql").unwrap();
        let (a, _) =
            rustydb_http::tokens::create(&engine, "alice", None, "test", "graphql").unwrap();
        (engine, t.to_string(), a.to_string())
    })
    .await
    .unwrap();
    let mut config = Config::default();
    tweak(&mut config);
    let pg = PgServer::new(engine.clone(), PgWireOptions::default());
    let ctx = HttpContext::new(config);
    ctx.attach(engine.clone(), pg);
    let app = rustydb_http::app(ctx, rustydb_graphql::router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(rustydb_http::serve(
        listener,
        app,
        shutdown.clone(),
        Duration::from_secs(1),
    ));
    Server {
        addr,
        token,
        alice,
        engine,
        shutdown,
        _dir: dir,
    }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub(crate) async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    tokio::time::timeout(WAIT, async {
        let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or("");
        if method == "POST" {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        sock.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        sock.read_to_end(&mut raw).await.unwrap();
        parse(&raw)
    })
    .await
    .expect("HTTP request timed out")
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

/// POST /graphql; returns the whole response JSON (`data` and `errors`).
pub(crate) async fn gql_raw(s: &Server, token: &str, query: &str, variables: Value) -> Value {
    let body = json!({"query": query, "variables": variables}).to_string();
    let r = request(s.addr, "POST", "/graphql", Some(token), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// POST /graphql as the superuser; asserts there were no errors and returns `data`.
pub(crate) async fn gql(s: &Server, query: &str, variables: Value) -> Value {
    let v = gql_raw(s, &s.token, query, variables).await;
    assert!(v.get("errors").is_none(), "errors for {query}: {v}");
    v["data"].clone()
}

/// The first error of a response that must have failed.
pub(crate) fn first_error(v: &Value) -> &Value {
    v["errors"]
        .get(0)
        .unwrap_or_else(|| panic!("expected an error: {v}"))
}
