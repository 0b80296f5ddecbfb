//! API tokens against a real engine: created, verified, expired, revoked, refused.

use std::sync::Arc;
use std::time::Duration;

use rustydb_http::tokens;
use rustydb_sql::{Engine, EngineOptions};

fn engine(dir: &tempfile::TempDir) -> Arc<Engine> {
    let engine = Engine::open(EngineOptions::new(dir.path())).unwrap();
    tokens::ensure_schema(&engine).unwrap();
    // Twice: every start runs it.
    tokens::ensure_schema(&engine).unwrap();
    engine
}

#[test]
fn a_token_verifies_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let (token, info) = tokens::create(&engine, "rustydb", None, "test", "ci").unwrap();
    assert_eq!(info.user, "rustydb");
    assert_eq!(info.expires_at, None);
    let p = tokens::verify(&engine, &token.to_string()).unwrap();
    assert_eq!(p.user, "rustydb");
    assert!(p.superuser);
    assert_eq!(p.token_id.as_deref(), Some(token.id()));

    let listed = tokens::list(&engine).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, token.id());

    assert!(tokens::revoke(&engine, token.id(), "test").unwrap());
    assert!(!tokens::revoke(&engine, token.id(), "test").unwrap());
    let e = tokens::verify(&engine, &token.to_string()).unwrap_err();
    assert_eq!(e.sqlstate(), "28000");
    assert!(e.message().contains("revoked"), "{}", e.message());
    assert!(
        tokens::get(&engine, token.id())
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
}

#[test]
fn wrong_secret_expiry_and_unknown_users_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let mut s = engine.session();
    s.execute("CREATE USER alice PASSWORD 'pw'").unwrap();
    s.execute("CREATE ROLE nologin_role").unwrap();

    let (token, info) = tokens::create(
        &engine,
        "alice",
        Some(Duration::from_secs(3600)),
        "rustydb",
        "",
    )
    .unwrap();
    assert!(info.expires_at.is_some());
    let p = tokens::verify(&engine, &token.to_string()).unwrap();
    assert_eq!(p.user, "alice");
    assert!(!p.superuser);

    // Same id, another secret.
    let forged = format!("rdb_{}_{}", token.id(), "A".repeat(43));
    let e = tokens::verify(&engine, &forged).unwrap_err();
    assert!(e.message().contains("unknown token"), "{}", e.message());
    let e = tokens::verify(&engine, "not-a-token").unwrap_err();
    assert!(e.message().contains("malformed"), "{}", e.message());

    let (short, _) = tokens::create(
        &engine,
        "alice",
        Some(Duration::from_secs(1)),
        "rustydb",
        "",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let e = tokens::verify(&engine, &short.to_string()).unwrap_err();
    assert!(e.message().contains("expired"), "{}", e.message());

    let e = tokens::create(&engine, "nobody", None, "rustydb", "").unwrap_err();
    assert_eq!(e.sqlstate(), "42704");
    let e = tokens::create(&engine, "nologin_role", None, "rustydb", "").unwrap_err();
    assert!(e.message().contains("not permitted to log in"));

    // A user dropped after the token was issued can no longer use it.
    s.execute("DROP USER alice").unwrap();
    let e = tokens::verify(&engine, &token.to_string()).unwrap_err();
    assert!(e.message().contains("no longer exists"), "{}", e.message());
}
