//! Opening, closing and reopening a database, and many threads using it at once.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustydb::{Config, Connection, Database, ErrorCode, IsolationLevel, params};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn handles_can_cross_threads() {
    assert_send_sync::<Database>();
    assert_send::<Connection>();
    assert_send_sync::<rustydb::Statement>();
    assert_send_sync::<rustydb::Rows>();
    assert_send_sync::<rustydb::Error>();
}

fn fill(db: &Database) {
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE t (id int PRIMARY KEY, v text)")
        .unwrap();
    let insert = conn.prepare("INSERT INTO t VALUES ($1, $2)").unwrap();
    for i in 0..50 {
        insert
            .execute(&mut conn, params![i, format!("v{i}")])
            .unwrap();
    }
}

fn check(db: &Database) {
    let mut conn = db.connect();
    let row = conn
        .query_row("SELECT count(*), max(v) FROM t", &[])
        .unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), 50);
    assert_eq!(row.get::<String>(1).unwrap(), "v9");
}

#[test]
fn data_persists_across_close_and_reopen() {
    let (dir, db) = common::open();
    fill(&db);
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    check(&db);
    db.close().unwrap();
}

#[test]
fn data_persists_when_the_database_is_dropped_without_close() {
    let (dir, db) = common::open();
    fill(&db);
    let conn = db.connect();
    drop(db);
    // The connection keeps the engine open: still in use.
    let err = Database::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DataDirLocked);
    drop(conn); // the last handle: shuts down
    let db = Database::open(dir.path()).unwrap();
    check(&db);
}

#[test]
fn uncommitted_work_is_gone_after_reopen() {
    let (dir, db) = common::open();
    fill(&db);
    let mut conn = db.connect();
    let mut tx = conn.transaction().unwrap();
    tx.execute("DELETE FROM t", &[]).unwrap();
    std::mem::forget(tx); // neither committed nor rolled back by the guard
    drop(conn);
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    check(&db);
}

#[test]
fn close_reports_handles_still_open() {
    let (dir, db) = common::open();
    let conn = db.connect();
    let clone = db.clone();
    let err = db.close().unwrap_err();
    assert_eq!(err.sqlstate(), "55006");
    assert!(err.message().contains("2 other"), "{err}");
    drop(conn);
    clone.close().unwrap();
    Database::open(dir.path()).unwrap().close().unwrap();
}

#[test]
fn open_with_uses_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let db = Database::open_with(config.clone()).unwrap();
    assert_eq!(db.data_dir(), config.data_dir);
    fill(&db);
    db.close().unwrap();
    let db = Database::open(&config.data_dir).unwrap();
    check(&db);
    drop(db);

    config.server.port = 80;
    let err = Database::open_with(config).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ConfigInvalid);
}

#[test]
fn a_data_directory_is_opened_once() {
    let (dir, db) = common::open();
    let err = Database::open(dir.path()).unwrap_err();
    assert_eq!(err.code().id(), "ERR-DB-006");
    drop(db);
    Database::open(dir.path()).unwrap();
}

const THREADS: u64 = 4;
const ROUNDS: u64 = 25;

#[test]
fn many_threads_with_a_connection_each() {
    let (dir, db) = common::open();
    let mut setup = db.connect();
    setup
        .execute_batch(
            "CREATE TABLE log (thread int, n int, PRIMARY KEY (thread, n));
             CREATE TABLE counter (id int PRIMARY KEY, total bigint);
             INSERT INTO counter VALUES (1, 0);",
        )
        .unwrap();
    let retries = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let db = db.clone();
            let retries = retries.clone();
            std::thread::spawn(move || {
                let mut conn = db.connect();
                let insert = conn.prepare("INSERT INTO log VALUES ($1, $2)").unwrap();
                for n in 0..ROUNDS {
                    // Each round: a logged insert and a counter increment, atomically;
                    // conflicts are retried, a bounded number of times.
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        assert!(
                            attempts <= 100,
                            "thread {thread} round {n}: too many retries"
                        );
                        let mut tx = conn
                            .transaction_with(IsolationLevel::RepeatableRead)
                            .unwrap();
                        let result = insert
                            .execute(&mut tx, params![thread as i32, n as i32])
                            .and_then(|_| {
                                tx.execute("UPDATE counter SET total = total + 1 WHERE id = 1", &[])
                            });
                        match result.and_then(|_| tx.commit()) {
                            Ok(()) => break,
                            Err(e) if e.is_retryable() => {
                                retries.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("thread {thread} round {n}: {e}"),
                        }
                    }
                    // And reads between writes, from the same connection.
                    let mine: i64 = conn
                        .query_row(
                            "SELECT count(*) FROM log WHERE thread = $1",
                            params![thread as i32],
                        )
                        .unwrap()
                        .get(0)
                        .unwrap();
                    assert_eq!(mine, n as i64 + 1);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let total: i64 = setup
        .query_row("SELECT total FROM counter", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(
        total,
        (THREADS * ROUNDS) as i64,
        "after {} retries",
        retries.load(Ordering::Relaxed)
    );
    let logged: i64 = setup
        .query_row("SELECT count(*) FROM log", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(logged, (THREADS * ROUNDS) as i64);
    drop(setup);
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let total: i64 = db
        .connect()
        .query_row("SELECT total FROM counter", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(total, (THREADS * ROUNDS) as i64);
}

#[test]
fn a_long_statement_can_be_cancelled_from_another_thread() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let cancel = conn.cancel_handle();
    let canceller = std::thread::spawn(move || {
        // Bounded: keep trying until the statement is running and cancelled.
        for _ in 0..500 {
            if cancel.cancel() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        false
    });
    let result = conn.query("SELECT count(*) FROM generate_series(1, 100000000)", &[]);
    let cancelled = canceller.join().unwrap();
    if cancelled {
        assert_eq!(result.unwrap_err().sqlstate(), "57014");
    }
    // Either way the connection still works.
    assert_eq!(
        conn.query_row("SELECT 1", &[])
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        1
    );
}
