//! `rustydb-admin`'s API-token commands against a real `rusty-db-server`: create (for
//! the superuser and for an ordinary role), list, inspect, verify (valid, revoked,
//! expired, malformed), revoke, and the token working / refused on the HTTP port.
//!
//! The admin binary is another package's: it is found next to this test's
//! `target/<profile>` directory, so build it first (`cargo build -p rustydb-admin`).

mod server_harness;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::thread;
use std::time::Duration;

use server_harness::http::{Response, get};
use server_harness::{Server, Site};

/// The `rustydb-admin` binary of this build.
fn admin_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/admin_tokens-<hash> -> target/<profile>/rustydb-admin
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("rustydb-admin");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p rustydb-admin` before this test",
        bin.display()
    );
    bin
}

/// Runs `rustydb-admin` against the site's server, with the password from the data
/// directory's initial-password file (no password in the environment).
fn admin(site: &Site, args: &[&str]) -> Output {
    let mut cmd = Command::new(admin_bin());
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("RUSTYDB_") || n.starts_with("PG") {
            cmd.env_remove(&name);
        }
    }
    cmd.args(["--port", &site.port.to_string()])
        .args(["--data-dir", &site.data_dir().display().to_string()])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs a command that must succeed with `--json`; its JSON.
fn admin_json(site: &Site, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = admin(site, &all);
    assert!(
        o.status.success(),
        "{args:?}: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    serde_json::from_str(stdout(&o).trim()).unwrap()
}

/// Runs a command that must fail: exit 1 and one line `rustydb-admin: <code>: ...`.
fn admin_fails(site: &Site, args: &[&str], code: &str) -> String {
    let o = admin(site, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}\n{err}", stdout(&o));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with(&format!("rustydb-admin: {code}: ")),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("(hint: "), "{}", lines[0]);
    lines[0].to_string()
}

/// A server with health routes behind tokens (so `/health` shows whether a token works).
fn start(site: &Site) -> Server {
    let mut server = site
        .launch()
        .env("RUSTYDB_HTTP_PUBLIC_HEALTH", "off")
        .spawn();
    server.wait_http_ready();
    server.wait_ready();
    server
}

fn health(site: &Site, token: &str) -> Response {
    get(site.http_port, "/health", Some(token))
}

/// Runs SQL as the superuser over the PostgreSQL protocol.
fn sql(site: &Site, statements: &[&str]) {
    let password = std::fs::read_to_string(site.data_dir().join("initial-password")).unwrap();
    let conn = format!(
        "host=127.0.0.1 port={} user=rustydb dbname=rustydb password={} connect_timeout=30",
        site.port,
        password.trim()
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
        for s in statements {
            client.batch_execute(s).await.unwrap();
        }
        drop(client);
        let _ = tokio::time::timeout(Duration::from_secs(10), driver).await;
    });
}

#[test]
fn tokens_are_created_listed_inspected_verified_and_revoked() {
    let site = Site::new();
    let mut server = start(&site);

    // For the superuser, as text: the token on its own line, then id and expiry.
    let o = admin(
        &site,
        &[
            "create-api-token",
            "--user",
            "rustydb",
            "--description",
            "ci",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let token = text.lines().next().unwrap().to_string();
    assert!(token.starts_with("rdb_"), "{text}");
    let id = token[4..20].to_string();
    assert!(text.contains(&format!("id: {id}")), "{text}");
    assert!(text.contains("expires: 20"), "{text}");
    assert_eq!(health(&site, &token).status, 200);

    // For an ordinary role, never expiring, as JSON.
    sql(
        &site,
        &[
            "CREATE USER alice PASSWORD 'alice-pw'",
            "CREATE ROLE nologin",
        ],
    );
    let made = admin_json(
        &site,
        &["create-api-token", "--user", "alice", "--expiry", "never"],
    );
    let alice = made["token"].as_str().unwrap().to_string();
    let alice_id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["user"], "alice");
    assert_eq!(made["expires_at"], serde_json::Value::Null);
    assert_eq!(made["created_by"], "rustydb");
    assert_eq!(health(&site, &alice).status, 200);

    // An ordinary role cannot manage tokens.
    let o = Command::new(admin_bin())
        .env_remove("RUSTYDB_PASSWORD")
        .env("PGPASSWORD", "alice-pw")
        .args(["--port", &site.port.to_string(), "--admin-user", "alice"])
        .args(["create-api-token", "--user", "alice"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("rustydb-admin: SEC-002: permission denied"),
        "{}",
        stderr(&o)
    );

    // Users that cannot have tokens.
    let line = admin_fails(
        &site,
        &["create-api-token", "--user", "nobody"],
        "ERR-SQL-002",
    );
    assert!(line.contains("role \"nobody\" does not exist"), "{line}");
    let line = admin_fails(
        &site,
        &["create-api-token", "--user", "nologin"],
        "ERR-SQL-012",
    );
    assert!(line.contains("not permitted to log in"), "{line}");
    let line = admin_fails(
        &site,
        &["create-api-token", "--user", "alice", "--expiry", "5y"],
        "ERR-SQL-012",
    );
    assert!(line.contains("--expiry"), "{line}");

    // List: both, newest first, no secrets.
    let o = admin(&site, &["list-api-tokens"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = stdout(&o);
    assert!(
        listing.contains(&id) && listing.contains(&alice_id),
        "{listing}"
    );
    assert!(!listing.contains(&token[21..]) && !listing.contains(&alice[21..]));
    let all = admin_json(&site, &["list-api-tokens"]);
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{all}");
    assert!(ids.contains(&id.as_str()) && ids.contains(&alice_id.as_str()));

    // Inspect, by token or id: the facts, never the secret.
    let o = admin(&site, &["inspect-token", "--token", &alice]);
    assert!(o.status.success(), "{}", stderr(&o));
    let facts = stdout(&o);
    assert!(facts.contains(&format!("id: {alice_id}")), "{facts}");
    assert!(
        facts.contains("user: alice") && facts.contains("expires: never"),
        "{facts}"
    );
    assert!(
        facts.contains("revoked: no") && facts.contains("created: 20"),
        "{facts}"
    );
    assert!(!facts.contains(&alice[21..]), "{facts}");
    let facts = admin_json(&site, &["inspect-token", "--token", &alice_id]);
    assert_eq!(facts["user"], "alice");

    // Verify: valid.
    let o = admin(&site, &["verify-token", "--token", &token]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("valid: user rustydb, expires 20"),
        "{}",
        stdout(&o)
    );
    let o = admin(&site, &["verify-token", "--token", &alice]);
    assert_eq!(stdout(&o).trim(), "valid: user alice, expires never");

    // Malformed and unknown.
    let line = admin_fails(
        &site,
        &["verify-token", "--token", "rdb_nonsense"],
        "SEC-001",
    );
    assert!(line.contains("malformed"), "{line}");
    let forged = format!("{}{}", &token[..21], "A".repeat(43));
    let line = admin_fails(&site, &["verify-token", "--token", &forged], "SEC-001");
    assert!(line.contains("unknown"), "{line}");
    assert_eq!(health(&site, &forged).status, 401);

    // Revoke (by the whole token): verify says revoked, HTTP refuses it at once.
    let revoked = admin_json(&site, &["revoke-api-token", "--id", &alice]);
    assert_eq!(revoked["id"], alice_id.as_str());
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    let line = admin_fails(&site, &["verify-token", "--token", &alice], "SEC-001");
    assert!(line.contains("revoked"), "{line}");
    let refused = health(&site, &alice);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.json()["code"], "SEC-001");
    let line = admin_fails(
        &site,
        &["revoke-api-token", "--id", &alice_id],
        "ERR-SQL-012",
    );
    assert!(line.contains("already revoked"), "{line}");
    let line = admin_fails(
        &site,
        &["revoke-api-token", "--id", "0123456789abcdef"],
        "ERR-SQL-002",
    );
    assert!(line.contains("does not exist"), "{line}");
    // The other token is untouched.
    assert_eq!(health(&site, &token).status, 200);

    // Expired: a one-second token, two seconds later.
    let short = admin_json(
        &site,
        &["create-api-token", "--user", "rustydb", "--expiry", "1s"],
    );
    let short = short["token"].as_str().unwrap().to_string();
    thread::sleep(Duration::from_secs(2));
    let line = admin_fails(&site, &["verify-token", "--token", &short], "SEC-001");
    assert!(line.contains("expired"), "{line}");
    assert_eq!(health(&site, &short).status, 401);

    // Failures as JSON go to stdout.
    let o = admin(&site, &["--json", "verify-token", "--token", &short]);
    assert_eq!(o.status.code(), Some(1));
    let e: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(e["error"]["code"], "SEC-001");

    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn connection_failures_are_one_line_naming_host_and_port() {
    let site = Site::new();
    // Nothing listens yet.
    let line = admin_fails(&site, &["list-api-tokens"], "ERR-CONN-001");
    assert!(line.contains(&format!("127.0.0.1:{}", site.port)), "{line}");

    let mut server = start(&site);
    let o = Command::new(admin_bin())
        .env_remove("RUSTYDB_PASSWORD")
        .env("PGPASSWORD", "wrong")
        .args(["--port", &site.port.to_string(), "list-api-tokens"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("rustydb-admin: ERR-CONN-003: "), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{}", site.port)), "{err}");
    assert_eq!(server.stop().code(), Some(0));
}
