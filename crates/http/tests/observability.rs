//! `/health*` and `/metrics` on a real HTTP listener over a real engine.

use std::sync::Arc;
use std::time::Duration;

use rustydb_common::config::Config;
use rustydb_http::HttpContext;
use rustydb_pgwire::{PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);

struct Running {
    base: String,
    ctx: Arc<HttpContext>,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn listen(config: Config) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let ctx = HttpContext::new(config);
    let app = rustydb_http::app(ctx.clone(), axum::Router::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    tokio::spawn(rustydb_http::serve(
        listener,
        app,
        shutdown.clone(),
        Duration::from_secs(1),
    ));
    Running {
        base,
        ctx,
        shutdown,
        _dir: dir,
    }
}

async fn open_engine(r: &Running) -> Arc<Engine> {
    let path = r._dir.path().to_path_buf();
    let engine = tokio::task::spawn_blocking(move || {
        let engine = Engine::open(EngineOptions::new(&path)).unwrap();
        rustydb_http::tokens::ensure_schema(&engine).unwrap();
        engine
    })
    .await
    .unwrap();
    let pg = PgServer::new(engine.clone(), PgWireOptions::default());
    r.ctx.attach(engine.clone(), pg);
    engine
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(WAIT).build().unwrap()
}

async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = client().get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// The value of the first sample whose line starts with `series`.
fn value(body: &str, series: &str) -> f64 {
    body.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series}"))
}

/// `promtool check metrics` on `text`; `None` (with a printed reason) without promtool.
fn promtool(text: &str) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let required =
                std::env::var("RUSTYDB_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0");
            assert!(
                !required,
                "promtool not found ({e}) and RUSTYDB_REQUIRE_TOOLS is set"
            );
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED promtool check: promtool not found ({e}; scripts/test.sh \
                 installs it; set RUSTYDB_REQUIRE_TOOLS=1 to make this a failure) ***\n"
            );
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), report))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_and_metrics_over_http() {
    let r = listen(Config::default()).await;

    // Before the engine is attached: alive, not ready, no health report.
    let (s, body) = get(&r.base, "/health/live", None).await;
    assert_eq!((s, json(&body)["status"].as_str()), (200, Some("alive")));
    let (s, body) = get(&r.base, "/health/ready", None).await;
    assert_eq!(s, 503, "{body}");
    assert_eq!(json(&body)["sqlstate"], "57P03");
    let (s, _) = get(&r.base, "/health", None).await;
    assert_eq!(s, 503);
    let (s, body) = get(&r.base, "/metrics", None).await;
    assert_eq!(s, 200);
    assert!(body.contains("rustydb_ready 0"), "{body}");

    let engine = open_engine(&r).await;
    let (s, body) = get(&r.base, "/health/ready", None).await;
    assert_eq!((s, json(&body)["status"].as_str()), (200, Some("ready")));

    let (s, body) = get(&r.base, "/health", None).await;
    assert_eq!(s, 200, "{body}");
    let h = json(&body);
    assert_eq!(h["status"], "healthy", "{h}");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert!(h["uptime"].is_u64());
    assert_eq!(h["connections"]["active"], 0);
    assert_eq!(
        h["connections"]["max"],
        PgWireOptions::default().max_connections
    );
    assert!(h["buffer_pool"]["size"].as_u64().unwrap() > 0);
    assert!(h["buffer_pool"]["used"].is_u64());
    assert!(h["buffer_pool"]["hit_rate"].is_f64());
    assert!(h["transactions"]["committed"].as_u64().unwrap() > 0);
    assert!(h["transactions"]["aborted"].is_u64());
    assert_eq!(h["transactions"]["active"], 0);
    assert_eq!(h["failing"], serde_json::json!([]));
    let checks: Vec<(&str, &str)> = h["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        checks,
        vec![
            ("storage", "healthy"),
            ("wal", "healthy"),
            ("connections", "healthy"),
            ("replication", "healthy")
        ]
    );
    assert!(
        h["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("fsynced")
    );
    assert!(
        h["checks"][3]["detail"]
            .as_str()
            .unwrap()
            .contains("not configured")
    );
    assert!(!r._dir.path().join("health_probe").exists());

    // Some statements, one failing, and a checkpoint.
    let e = engine.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = e.session();
        s.execute("CREATE TABLE m (id int PRIMARY KEY)").unwrap();
        s.execute("INSERT INTO m VALUES (1), (2)").unwrap();
        s.execute("UPDATE m SET id = id + 10 WHERE id = 1").unwrap();
        s.execute("DELETE FROM m WHERE id = 2").unwrap();
        s.execute("SELECT * FROM m").unwrap();
        assert!(s.execute("SELECT * FROM no_such_table").is_err());
        s.execute("CHECKPOINT").unwrap();
    })
    .await
    .unwrap();

    let (s, body) = get(&r.base, "/metrics", None).await;
    assert_eq!(s, 200);
    for needle in [
        "rustydb_ready 1",
        "# TYPE rustydb_connections_active gauge",
        "rustydb_connections_max ",
        "rustydb_connections_rejected_total 0",
        "# TYPE rustydb_transactions_committed_total counter",
        "rustydb_transactions_rolled_back_total{reason=\"user\"}",
        "rustydb_transactions_active ",
        "rustydb_deadlocks_total 0",
        "rustydb_serialization_failures_total 0",
        "rustydb_lock_waits_current 0",
        "rustydb_lock_wait_seconds_total ",
        "rustydb_buffer_pool_hits_total ",
        "rustydb_buffer_pool_misses_total ",
        "rustydb_buffer_pool_evictions_total ",
        "rustydb_buffer_pool_dirty_pages ",
        "rustydb_buffer_pool_hit_ratio ",
        "rustydb_wal_bytes_total ",
        "rustydb_wal_records_total ",
        "rustydb_wal_fsyncs_total ",
        "rustydb_checkpoint_last_duration_seconds ",
        "rustydb_checkpoint_last_timestamp_seconds ",
        "rustydb_replication_replicas 0",
        "rustydb_process_resident_memory_bytes ",
        "# TYPE rustydb_statement_duration_seconds histogram",
        "rustydb_statements_total{kind=\"ddl\"}",
        "rustydb_statement_duration_seconds_bucket{kind=\"select\",le=\"+Inf\"}",
        "rustydb_errors_total{code=\"",
        "# TYPE rustydb_wal_fsync_duration_seconds histogram",
        "rustydb_wal_fsync_duration_seconds_count ",
        "rustydb_http_requests_total{",
        "rustydb_http_request_duration_seconds_bucket{",
    ] {
        assert!(body.contains(needle), "missing {needle:?} in:\n{body}");
    }
    assert!(!body.contains("replication_lag"));
    // Other tests of this binary share the process-wide recorder: at least, not equal.
    for series in [
        "rustydb_checkpoints_total{result=\"completed\"}",
        "rustydb_statements_total{kind=\"insert\"}",
        "rustydb_statements_total{kind=\"update\"}",
        "rustydb_statements_total{kind=\"delete\"}",
        "rustydb_errors_total{code=\"ERR-SQL-",
        "rustydb_wal_fsync_duration_seconds_count",
    ] {
        assert!(value(&body, series) >= 1.0, "{series} in:\n{body}");
    }
    if let Some((ok, report)) = promtool(&body) {
        assert!(ok, "promtool check metrics failed:\n{report}\n{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_health_and_metrics_need_a_token() {
    let mut config = Config::default();
    config.http.public_health = false;
    config.http.public_metrics = false;
    let r = listen(config).await;
    let engine = open_engine(&r).await;
    let token = tokio::task::spawn_blocking(move || {
        rustydb_http::tokens::create(&engine, "rustydb", None, "test", "monitoring")
            .unwrap()
            .0
            .to_string()
    })
    .await
    .unwrap();
    for path in ["/health", "/health/live", "/health/ready", "/metrics"] {
        let (s, body) = get(&r.base, path, None).await;
        assert_eq!(s, 401, "{path}: {body}");
        assert_eq!(json(&body)["sqlstate"], "28000");
        let (s, body) = get(&r.base, path, Some(&token)).await;
        assert_eq!(s, 200, "{path}: {body}");
    }
}
