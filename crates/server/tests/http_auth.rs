//! The HTTP port of a real `rusty-db-server`: authentication (401 / 403), `http.auth =
//! off`, rate limits, a taken HTTP port, and `/health/live`.

mod server_harness;

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustydb_common::api_token::{self, ApiToken};
use server_harness::http::{Response, get, request};
use server_harness::{Server, Site};

const PASSWORD: &str = "http-auth-test";

fn start(site: &Site, env: &[(&str, &str)]) -> Server {
    let mut launch = site.launch().env("RUSTYDB_PASSWORD", PASSWORD);
    for (k, v) in env {
        launch = launch.env(k, v);
    }
    let mut server = launch.spawn();
    server.wait_http_ready();
    server.wait_ready();
    server
}

/// Runs `f` with a superuser client over the PostgreSQL protocol.
fn with_client<T>(site: &Site, f: impl AsyncFnOnce(&tokio_postgres::Client) -> T) -> T {
    let conn = format!(
        "host=127.0.0.1 port={} user=rustydb dbname=rustydb password={PASSWORD} \
         connect_timeout=30",
        site.port
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        let out = f(&client).await;
        drop(client);
        let _ = tokio::time::timeout(Duration::from_secs(10), driver).await;
        out
    })
}

/// Issues a never-expiring token for `user` with the SQL the server and admin tool use.
fn issue_token(client: &tokio_postgres::Client, user: &str) -> impl Future<Output = String> {
    let token = ApiToken::generate();
    let (id, hash, user) = (
        token.id().to_string(),
        token.secret_hash(),
        user.to_string(),
    );
    async move {
        let seconds: Option<i64> = None;
        client
            .query_one(
                api_token::INSERT_SQL,
                &[&id, &user, &hash, &seconds, &"test", &""],
            )
            .await
            .unwrap();
        token.to_string()
    }
}

/// Asserts a JSON error body with `code`, whose request id is the `x-request-id` header.
fn assert_error(r: &Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let body = r.json();
    assert_eq!(body["code"], code, "{body}");
    for field in ["sqlstate", "message", "hint", "request_id"] {
        assert!(body.get(field).is_some(), "{field} missing: {body}");
    }
    let id = r.header("x-request-id").expect("x-request-id header");
    assert!(!id.is_empty());
    assert_eq!(body["request_id"], id, "{body}");
}

#[test]
fn without_a_good_token_401_and_without_privilege_403() {
    let site = Site::new();
    let mut server = start(&site, &[]);

    // No token, a malformed one, a well-formed unknown one, a non-bearer header.
    assert_error(
        &get(site.http_port, "/api/v1/connections", None),
        401,
        "SEC-001",
    );
    let r = get(site.http_port, "/api/v1/connections", Some("rdb_bad"));
    assert_error(&r, 401, "SEC-001");
    assert!(r.json()["message"].as_str().unwrap().contains("malformed"));
    let unknown = ApiToken::generate().to_string();
    let r = get(site.http_port, "/api/v1/connections", Some(&unknown));
    assert_error(&r, 401, "SEC-001");
    assert!(r.json()["message"].as_str().unwrap().contains("unknown"));
    // /health is public by default, but a bad token is still refused.
    assert_error(
        &get(site.http_port, "/health", Some("rdb_bad")),
        401,
        "SEC-001",
    );
    assert_eq!(get(site.http_port, "/health", None).status, 200);

    let (admin, bob) = with_client(&site, async |c| {
        c.batch_execute("CREATE USER bob PASSWORD 'bob-pw'")
            .await
            .unwrap();
        (issue_token(c, "rustydb").await, issue_token(c, "bob").await)
    });
    let r = get(site.http_port, "/api/v1/connections", Some(&admin));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("x-request-id").is_some());

    // bob is authenticated but not a superuser: a checkpoint is refused.
    let r = request(
        site.http_port,
        "POST",
        "/api/v1/checkpoint",
        Some(&bob),
        Some("{}"),
    );
    assert_error(&r, 403, "SEC-002");
    let r = request(
        site.http_port,
        "POST",
        "/api/v1/checkpoint",
        Some(&admin),
        Some("{}"),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    assert_eq!(server.stop().code(), Some(0));
    let audit = fs::read_to_string(site.data_dir().join("logs/security_audit.log")).unwrap();
    assert!(audit.contains("API_AUTHENTICATION_FAILURE"), "{audit}");
}

#[test]
fn http_auth_off_serves_without_a_token_and_is_warned_about() {
    let site = Site::new();
    let mut server = start(&site, &[("RUSTYDB_HTTP_AUTH", "off")]);
    let r = get(site.http_port, "/api/v1/connections", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = request(
        site.http_port,
        "POST",
        "/api/v1/checkpoint",
        None,
        Some("{}"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(server.stop().code(), Some(0));

    let warning = "http.auth = off: REST and GraphQL accept requests without a token and run \
                   them as the superuser rustydb";
    let audit = fs::read_to_string(site.data_dir().join("logs/security_audit.log")).unwrap();
    let line = audit
        .lines()
        .find(|l| l.contains(warning))
        .unwrap_or_else(|| panic!("no warning in the audit log:\n{audit}"));
    assert!(line.contains("WARN"), "{line}");
    let main = fs::read_to_string(site.data_dir().join("logs/rustydb.log")).unwrap();
    assert!(main.contains(warning), "{main}");
}

#[test]
fn rate_limit_headers_then_429_with_retry_after_and_an_audit_line() {
    let site = Site::new();
    let mut server = start(&site, &[("RUSTYDB_HTTP_RATE_LIMIT", "5")]);
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let r = get(site.http_port, "/health/live", None);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("x-ratelimit-limit"), Some("5"), "{:?}", r.headers);
        let left: u32 = r.header("x-ratelimit-remaining").unwrap().parse().unwrap();
        remaining.push(left);
        // A Unix time: when the limit is whole again.
        let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(reset + 1 >= now && reset <= now + 120, "{reset} vs {now}");
    }
    assert!(remaining.windows(2).all(|w| w[1] < w[0]), "{remaining:?}");
    let r = get(site.http_port, "/health/live", None);
    assert_error(&r, 429, "ERR-API-004");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert!(r.header("x-ratelimit-reset").is_some());

    assert_eq!(server.stop().code(), Some(0));
    let audit = fs::read_to_string(site.data_dir().join("logs/security_audit.log")).unwrap();
    assert!(audit.contains("SEC-004"), "{audit}");
}

#[test]
fn a_taken_http_port_is_one_line_naming_the_flag() {
    let site = Site::new();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, site.http_port)).unwrap();
    let mut server = site.launch().run_to_exit();
    let line = server.assert_failed_with("ERR-DB-009");
    assert!(
        line.contains(&format!("127.0.0.1:{}", site.http_port)),
        "{line}"
    );
    assert!(
        line.contains("--graphql-port") && line.contains("RUSTYDB_GRAPHQL_PORT"),
        "{line}"
    );
    // Failed before touching the data directory.
    assert!(!site.data_dir().exists());
    drop(taken);
}

#[test]
fn health_live_and_ready_answer() {
    let site = Site::new();
    let mut server = start(&site, &[]);
    let r = get(site.http_port, "/health/live", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "alive");
    let r = get(site.http_port, "/health/ready", None);
    assert_eq!(r.status, 200, "{}", r.body);
    // Unknown paths are JSON 404s with a request id.
    assert_error(
        &get(site.http_port, "/no/such/path", None),
        404,
        "ERR-API-001",
    );
    assert_eq!(server.stop().code(), Some(0));
}
