//! The change feed (`Engine::subscribe_changes`) and the slow query log
//! (`Engine::slow_queries`) against a real engine.

use std::sync::Arc;
use std::time::Duration;

use rustydb_sql::observe::TableChange;
use rustydb_sql::{Engine, EngineOptions};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

fn engine(dir: &tempfile::TempDir, slow_ms: u64) -> Arc<Engine> {
    let mut options = EngineOptions::new(dir.path());
    options.slow_query_threshold = Duration::from_millis(slow_ms);
    Engine::open(options).unwrap()
}

/// Everything published so far (the feed is synchronous with COMMIT).
fn drain(rx: &mut Receiver<TableChange>) -> Vec<(String, &'static str, u64)> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(c) => out.push((c.table, c.operation, c.rows)),
            Err(TryRecvError::Empty) => return out,
            Err(e) => panic!("change feed: {e}"),
        }
    }
}

#[test]
fn implicit_and_explicit_commits_publish_rollbacks_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir, 60_000);
    let mut s = engine.session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        .unwrap();
    let mut rx = engine.subscribe_changes();

    s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        .unwrap();
    let got = drain(&mut rx);
    assert_eq!(got, vec![("t".to_string(), "INSERT", 2)]);

    // Explicit block: nothing until COMMIT.
    s.execute("BEGIN").unwrap();
    s.execute("UPDATE t SET v = 'x' WHERE id = 1").unwrap();
    s.execute("DELETE FROM t WHERE id = 2").unwrap();
    s.execute("UPDATE t SET v = 'y' WHERE id = 99").unwrap();
    assert!(drain(&mut rx).is_empty());
    s.execute("COMMIT").unwrap();
    let committed: Vec<TableChange> = {
        let mut v = Vec::new();
        while let Ok(c) = rx.try_recv() {
            v.push(c);
        }
        v
    };
    let ops: Vec<_> = committed.iter().map(|c| (c.operation, c.rows)).collect();
    assert_eq!(
        ops,
        vec![("UPDATE", 1), ("DELETE", 1)],
        "zero-row UPDATE not published"
    );
    assert_eq!(committed[0].schema, "public");
    assert_eq!(committed[0].xid, committed[1].xid);
    assert!(committed[0].xid > 0);
    let json = serde_json::to_value(&committed[0]).unwrap();
    assert!(json["committed_at"].as_str().unwrap().ends_with('Z'));

    // Rolled back: nothing.
    s.execute("BEGIN").unwrap();
    s.execute("INSERT INTO t VALUES (3, 'c')").unwrap();
    s.execute("ROLLBACK").unwrap();
    assert!(drain(&mut rx).is_empty());

    // A failed implicit multi-statement string: nothing.
    assert!(
        s.execute("INSERT INTO t VALUES (4, 'd'); INSERT INTO t VALUES (1, 'dup')")
            .is_err()
    );
    assert!(drain(&mut rx).is_empty());

    // A failed explicit block committed: COMMIT rolls back, nothing.
    s.execute("BEGIN").unwrap();
    s.execute("INSERT INTO t VALUES (5, 'e')").unwrap();
    assert!(s.execute("INSERT INTO t VALUES (1, 'dup')").is_err());
    s.execute("COMMIT").unwrap();
    assert!(drain(&mut rx).is_empty());
}

#[test]
fn rollback_to_savepoint_drops_what_came_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir, 60_000);
    let mut s = engine.session();
    s.execute("CREATE TABLE a (id int)").unwrap();
    s.execute("CREATE TABLE b (id int)").unwrap();
    let mut rx = engine.subscribe_changes();

    s.execute("BEGIN").unwrap();
    s.execute("INSERT INTO a VALUES (1)").unwrap();
    s.execute("SAVEPOINT sp1").unwrap();
    s.execute("INSERT INTO b VALUES (1), (2)").unwrap();
    s.execute("SAVEPOINT sp2").unwrap();
    s.execute("DELETE FROM a").unwrap();
    s.execute("ROLLBACK TO SAVEPOINT sp1").unwrap();
    s.execute("INSERT INTO a VALUES (7), (8), (9)").unwrap();
    s.execute("SAVEPOINT sp3").unwrap();
    s.execute("INSERT INTO b VALUES (3)").unwrap();
    s.execute("RELEASE SAVEPOINT sp3").unwrap();
    // sp1 survives ROLLBACK TO; rolling back to it again drops the b insert too.
    s.execute("SAVEPOINT sp4").unwrap();
    s.execute("DELETE FROM b").unwrap();
    s.execute("ROLLBACK TO sp4").unwrap();
    s.execute("COMMIT").unwrap();
    assert_eq!(
        drain(&mut rx),
        vec![
            ("a".to_string(), "INSERT", 1),
            ("a".to_string(), "INSERT", 3),
            ("b".to_string(), "INSERT", 1),
        ]
    );
    // The table agrees with the feed.
    let r = s.query("SELECT count(*) FROM b", &[]).unwrap();
    assert_eq!(r.rows, vec![vec![rustydb_sql::types::Value::Int8(1)]]);
}

#[test]
fn copy_and_prepared_dml_publish() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir, 60_000);
    let mut s = engine.session();
    s.execute("CREATE TABLE c (id int, v text)").unwrap();
    let mut rx = engine.subscribe_changes();
    s.copy_from("COPY c FROM STDIN", &mut &b"1\tx\n2\ty\n3\tz\n"[..])
        .unwrap();
    s.query(
        "DELETE FROM c WHERE id > $1",
        &[rustydb_sql::types::Value::Int4(1)],
    )
    .unwrap();
    assert_eq!(
        drain(&mut rx),
        vec![
            ("c".to_string(), "INSERT", 3),
            ("c".to_string(), "DELETE", 2)
        ]
    );
}

#[test]
fn slow_queries_keep_text_user_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir, 0);
    let mut s = engine.session();
    s.execute("CREATE TABLE s (id int)").unwrap();
    s.execute("INSERT INTO s VALUES (1)").unwrap();
    s.query(
        "SELECT id FROM s WHERE id = $1",
        &[rustydb_sql::types::Value::Int4(1)],
    )
    .unwrap();
    let slow = engine.slow_queries(10, 0);
    assert_eq!(slow.len(), 3);
    let q = &slow[0];
    assert_eq!(q.sql, "SELECT id FROM s WHERE id = $1");
    assert_eq!(q.user, "rustydb");
    assert_eq!(q.database, "rustydb");
    assert_eq!(q.pid, s.backend_pid());
    let plan = q.plan.as_deref().expect("a query has a plan");
    assert!(plan.contains("Scan"), "{plan}");
    assert!(chrono::DateTime::parse_from_rfc3339(&q.finished_at).is_ok());
    // DDL has no plan.
    assert_eq!(slow[2].sql, "CREATE TABLE s (id int)");
    assert_eq!(slow[2].plan, None);
    assert_eq!(engine.slow_queries(1, 0).len(), 1);
    assert!(engine.slow_queries(10, 3_600_000).is_empty());

    // Above the threshold nothing is kept.
    let dir2 = tempfile::tempdir().unwrap();
    let quiet = self::engine(&dir2, 3_600_000);
    quiet.session().execute("SELECT 1").unwrap();
    assert!(quiet.slow_queries(10, 0).is_empty());
}
