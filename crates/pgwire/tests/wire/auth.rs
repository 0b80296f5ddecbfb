//! Authentication, lockout, the audit log, trust mode, the database name.

use std::time::Duration;

use rustydb_pgwire::PgWireOptions;

use crate::common::*;

const FAILED: &str = "password authentication failed for user";

/// Waits (bounded) until the audit log holds a line with every one of `parts`.
async fn audit_line(parts: &[&str]) -> String {
    for _ in 0..100 {
        if let Some(l) = audit_log()
            .lines()
            .find(|l| parts.iter().all(|p| l.contains(p)))
        {
            return l.to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no audit line with {parts:?} in:\n{}", audit_log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_accepts_the_right_password_and_refuses_alike_otherwise() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    c.batch_execute("CREATE ROLE nologin_role NOLOGIN PASSWORD 'pw1'; CREATE ROLE nopass_role LOGIN; CREATE ROLE expired_role LOGIN PASSWORD 'pw2' VALID UNTIL '2001-01-01'")
        .await
        .unwrap();
    for (user, pw) in [
        ("rustydb", "wrong"),
        ("no_such_user_x", "whatever"),
        ("nologin_role", "pw1"),
        ("nopass_role", ""),
        ("expired_role", "pw2"),
    ] {
        let e = try_connect(ts.port, user, pw)
            .await
            .err()
            .unwrap_or_else(|| panic!("{user} got in"));
        let db = e.as_db_error().unwrap_or_else(|| panic!("{user}: {e}"));
        assert_eq!(db.code().code(), "28P01", "{user}");
        assert_eq!(db.message(), format!("{FAILED} \"{user}\""));
        assert_eq!(db.severity(), "FATAL");
        assert!(db.hint().unwrap().contains("ERR-CONN-003"));
    }
    assert!(ts.server.stats().auth_failures_total >= 5);
    audit_line(&[
        "AUTHENTICATION_FAILURE",
        "no_such_user_x",
        "127.0.0.1",
        "role does not exist",
    ])
    .await;
    audit_line(&["AUTHENTICATION_FAILURE", "expired_role", "expired"]).await;
    audit_line(&[
        "AUTHENTICATION_FAILURE",
        "user=\"rustydb\"",
        "wrong password",
    ])
    .await;
    // The right password still works (one failure does not lock), and is logged.
    connect(ts.port).await;
    audit_line(&["AUTHENTICATION_SUCCESS", "user=\"rustydb\""]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account_until_unblocked() {
    let ts = start(PgWireOptions {
        max_failed_logins: 3,
        lockout_duration: Duration::from_secs(600),
        ..options()
    })
    .await;
    let c = connect(ts.port).await;
    c.batch_execute("CREATE ROLE locky LOGIN PASSWORD 'right'")
        .await
        .unwrap();
    for _ in 0..3 {
        let e = try_connect(ts.port, "locky", "wrong").await.err().unwrap();
        assert_eq!(sqlstate(&e), "28P01");
    }
    let st = ts.server.user_status("locky");
    assert!(st.blocked);
    assert_eq!(st.failed_login_attempts, 3);
    assert!(st.blocked_until.is_some());
    let Err(e) = try_connect(ts.port, "locky", "right").await else {
        panic!("a locked account got in");
    };
    let db = e.as_db_error().unwrap();
    assert!(db.message().contains("is locked until"), "{}", db.message());
    assert!(db.hint().unwrap().contains("SEC-001"));
    audit_line(&["ACCOUNT_LOCKED", "locky"]).await;
    assert!(ts.server.unblock_user("locky"));
    try_connect(ts.port, "locky", "right")
        .await
        .expect("unblocked");
    assert_eq!(ts.server.user_status("locky").failed_login_attempts, 0);
    // Other users were never affected.
    connect(ts.port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_mode_and_database_names() {
    let ts = start(trust()).await;
    try_connect(ts.port, "rustydb", "")
        .await
        .expect("trust needs no password");
    let e = try_connect(ts.port, "ghost", "").await.err().unwrap();
    assert_eq!(sqlstate(&e), "28000");
    let mut cfg = config(ts.port, "rustydb", "");
    cfg.dbname("otherdb");
    let e = cfg.connect(tokio_postgres::NoTls).await.err().unwrap();
    assert_eq!(sqlstate(&e), "3D000");
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "database \"otherdb\" does not exist"
    );
}
