//! The HTTP front ends of the real `rusty-db-server` binary, checked by outside tools:
//!
//! - `promtool check metrics` (Debian's prometheus package) on a live `/metrics` scrape
//!   taken after SQL and HTTP traffic, plus the metric families the issue lists;
//! - schemathesis (PyPI) generating requests from `/api/v1/openapi.json` with an API
//!   token: no 5xx, and every response matches the document (status code, content type,
//!   headers, body schema);
//! - the GraphQL playground in headless Chromium (Debian's chromium package), driven over
//!   the DevTools protocol by `tests/http_tools/playground_cdp.py`: the page loads with only
//!   our own assets, runs `{ serverInfo { version } }` and shows the result; the screenshot
//!   is kept in `target/test-artifacts/playground.png`.
//!
//! A test whose tool is missing says so loudly on stderr and passes, unless
//! `RUSTYDB_REQUIRE_TOOLS` is set (scripts/test.sh sets it and installs the tools), when it
//! fails. Every wait is bounded.

#[allow(dead_code)] // shared with the e2e tests; only part is used here
#[path = "e2e_support/process.rs"]
mod process;
mod server_harness;
#[path = "http_tools/support.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use process::run_bounded;
use support::{Live, artifacts_dir, find_program, require_tool, run_with_stdin};

/// The version the server reports (the workspace's, as is this test's).
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Statements run over the PostgreSQL protocol before scraping.
const SQL: &[&str] = &[
    "CREATE TABLE http_tools_t (id int PRIMARY KEY, v text)",
    "INSERT INTO http_tools_t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "SELECT count(*) FROM http_tools_t",
    "UPDATE http_tools_t SET v = 'z' WHERE id = 2",
    "DELETE FROM http_tools_t WHERE id = 3",
    "BEGIN; INSERT INTO http_tools_t VALUES (4, 'd'); COMMIT",
    "BEGIN; DELETE FROM http_tools_t; ROLLBACK",
    "CHECKPOINT",
];

/// A statement that fails (42P01), for the errors-by-code counter.
const FAILING_SQL: &str = "SELECT * FROM http_tools_missing";

/// The sum of every sample of metric `name` (any labels) in a Prometheus text scrape.
fn sample_sum(scrape: &str, name: &str) -> Option<f64> {
    let mut sum = None;
    for line in scrape.lines().filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            continue;
        }
        let value = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
        if let Some(v) = value {
            sum = Some(sum.unwrap_or(0.0) + v);
        }
    }
    sum
}

#[test]
fn promtool_accepts_a_live_metrics_scrape() {
    let Some(promtool) = require_tool(
        "promtool_accepts_a_live_metrics_scrape",
        "promtool (Debian package prometheus)",
        find_program("promtool", &[PathBuf::from("/usr/bin/promtool")]),
    ) else {
        return;
    };
    let live = Live::start(&[]);
    for sql in SQL {
        live.psql(sql);
    }
    let failed = live.psql_result(FAILING_SQL);
    assert!(
        !failed.success() && failed.stderr.contains("http_tools_missing"),
        "{FAILING_SQL} should fail:\n{}",
        failed.describe()
    );
    // HTTP traffic for the request metrics: a health probe and a refused API call.
    assert_eq!(live.get("/health", None).status, 200);
    assert_eq!(live.get("/api/v1/tables", None).status, 401);

    let scrape = live.get("/metrics", None);
    assert_eq!(scrape.status, 200, "{scrape:?}");
    let content_type = scrape.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain"),
        "content-type {content_type:?}"
    );
    std::fs::write(artifacts_dir().join("metrics.txt"), &scrape.body).unwrap();

    let checked = run_with_stdin(
        &promtool,
        &["check", "metrics"],
        scrape.body.as_bytes(),
        Duration::from_secs(120),
    );
    assert!(
        checked.success(),
        "promtool check metrics rejected the scrape (kept in target/test-artifacts/metrics.txt):\n{}",
        checked.describe()
    );

    // The families the issue names are there, and the traffic above was counted.
    for family in [
        // connections
        "rustydb_connections_active",
        "rustydb_connections_max",
        "rustydb_connections_rejected_total",
        // statements: count and latency by kind, errors by code
        "rustydb_statements_total",
        "rustydb_statement_duration_seconds_bucket",
        "rustydb_errors_total",
        // transactions
        "rustydb_transactions_committed_total",
        "rustydb_transactions_rolled_back_total",
        "rustydb_transactions_active",
        "rustydb_deadlocks_total",
        "rustydb_serialization_failures_total",
        // locks
        "rustydb_lock_waits_total",
        "rustydb_lock_wait_seconds_total",
        // buffer pool
        "rustydb_buffer_pool_hits_total",
        "rustydb_buffer_pool_misses_total",
        "rustydb_buffer_pool_evictions_total",
        "rustydb_buffer_pool_dirty_pages",
        "rustydb_buffer_pool_hit_ratio",
        // WAL
        "rustydb_wal_bytes_total",
        "rustydb_wal_records_total",
        "rustydb_wal_fsyncs_total",
        "rustydb_wal_fsync_duration_seconds_bucket",
        // checkpoints
        "rustydb_checkpoints_total",
        "rustydb_checkpoint_last_duration_seconds",
        "rustydb_checkpoint_last_timestamp_seconds",
        // HTTP
        "rustydb_http_requests_total",
        "rustydb_http_request_duration_seconds_bucket",
    ] {
        assert!(
            sample_sum(&scrape.body, family).is_some(),
            "{family} missing from the scrape:\n{}",
            scrape.body
        );
    }
    let statements = sample_sum(&scrape.body, "rustydb_statements_total").unwrap();
    assert!(
        statements >= SQL.len() as f64,
        "rustydb_statements_total = {statements} after {} statements",
        SQL.len()
    );
    let http = sample_sum(&scrape.body, "rustydb_http_requests_total").unwrap();
    assert!(http >= 2.0, "rustydb_http_requests_total = {http}");
    assert!(
        scrape
            .body
            .lines()
            .any(|l| l.starts_with("rustydb_http_requests_total{") && l.contains("\"401\"")),
        "no 401 sample in rustydb_http_requests_total:\n{}",
        scrape.body
    );
    assert!(sample_sum(&scrape.body, "rustydb_wal_bytes_total").unwrap() > 0.0);
    for counted in [
        "rustydb_errors_total",
        "rustydb_transactions_committed_total",
        "rustydb_transactions_rolled_back_total",
        "rustydb_wal_fsyncs_total",
    ] {
        let n = sample_sum(&scrape.body, counted).unwrap();
        assert!(n >= 1.0, "{counted} = {n} after the traffic above");
    }
    assert!(sample_sum(&scrape.body, "rustydb_checkpoints_total").unwrap() >= 1.0);
}

#[test]
fn schemathesis_finds_no_server_errors_and_no_schema_violations() {
    let test = "schemathesis_finds_no_server_errors_and_no_schema_violations";
    let venv = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|cache| cache.join("rustydb-test-venv/bin/st"));
    let candidates: Vec<PathBuf> = std::env::var_os("RUSTYDB_SCHEMATHESIS")
        .map(PathBuf::from)
        .into_iter()
        .chain(venv)
        .collect();
    let Some(st) = require_tool(
        test,
        "schemathesis (st; PyPI, RUSTYDB_SCHEMATHESIS)",
        find_program("st", &candidates),
    ) else {
        return;
    };
    // No rate limit: the generated requests would otherwise meet 429s and test nothing.
    let live = Live::start(&[("RUSTYDB_HTTP_RATE_LIMIT", "0")]);
    let token = live.create_token("schemathesis");
    let bearer = format!("Bearer {token}");
    let spec = live.get("/api/v1/openapi.json", Some(&token));
    assert_eq!(spec.status, 200, "{spec:?}");
    assert!(spec.body.contains("\"openapi\""), "{}", spec.body);

    let reports = artifacts_dir().join("schemathesis");
    std::fs::create_dir_all(&reports).unwrap();
    let mut cmd = Command::new(&st);
    // Its working directory gets schemathesis's own cache (.schemathesis/): keep that out
    // of the source tree too.
    cmd.current_dir(&reports)
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", live.base_url()))
        .args(["--header", &format!("Authorization: {bearer}")])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,\
             content_type_conformance,response_headers_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", "20", "--seed", "6", "--workers", "1"])
        .args(["--request-timeout", "60", "--generation-database", "none"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&reports)
        .args(["--no-color", "--warnings", "off"])
        .env("NO_COLOR", "1");
    let out = run_bounded(cmd, Duration::from_secs(1200));
    let log = format!(
        "{}\n--- server stderr ---\n{}",
        out.describe(),
        live.server.stderr()
    );
    std::fs::write(reports.join("output.txt"), &log).unwrap();
    assert!(
        out.success(),
        "schemathesis failed (report in target/test-artifacts/schemathesis):\n{log}"
    );
    // Something was tested: the summary counts the operations it ran.
    let tested = regex::Regex::new(r"Tested:\s*(\d+)").unwrap();
    let count: u32 = tested
        .captures(&out.stdout)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or(0);
    assert!(count > 0, "schemathesis tested no operation:\n{log}");
}

#[test]
fn chromium_runs_the_playground_with_our_own_assets() {
    let test = "chromium_runs_the_playground_with_our_own_assets";
    let Some(chromium) = require_tool(
        test,
        "chromium (Debian package chromium)",
        find_program("chromium", &[PathBuf::from("/usr/bin/chromium")]),
    ) else {
        return;
    };
    let Some(python) = require_tool(
        test,
        "/usr/bin/python3",
        find_program("python3", &[PathBuf::from("/usr/bin/python3")]),
    ) else {
        return;
    };
    // Default configuration: HTTP auth on. The page takes the token from `#token=` (the
    // fragment never reaches the server) and sends it as `Authorization: Bearer`.
    let live = Live::start(&[]);
    let token = live.create_token("playground");
    let url = format!(
        "{}/graphql?query=%7B%20serverInfo%20%7B%20version%20%7D%20%7D#token={token}",
        live.base_url()
    );
    let screenshot = artifacts_dir().join("playground.png");
    let _ = std::fs::remove_file(&screenshot);
    let driver =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/http_tools/playground_cdp.py");
    let mut cmd = Command::new(python);
    cmd.arg(driver)
        .arg(&chromium)
        .arg(&url)
        .arg(&screenshot)
        .arg(VERSION);
    let out = run_bounded(cmd, Duration::from_secs(300));
    let log = format!(
        "{}\n--- server stderr ---\n{}",
        out.describe(),
        live.server.stderr()
    );
    eprintln!("{}", out.stdout);
    assert!(out.success(), "the playground check failed:\n{log}");
    assert!(out.stdout.contains("RESULT_FOUND yes"), "{log}");
    // The page and its scripts came from our server.
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("REQUEST GET ") && l.contains("/graphql/assets/")),
        "the playground loaded no asset from /graphql/assets/:\n{log}"
    );
    let png = std::fs::read(&screenshot).expect("the screenshot was written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}
