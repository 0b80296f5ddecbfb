//! Transaction and savepoint guards: commit, rollback, rollback on drop, failed
//! transactions, nesting, isolation levels.

mod common;

use rustydb::{Connection, IsolationLevel, params};

fn count(conn: &mut Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM t", &[])
        .unwrap()
        .get(0)
        .unwrap()
}

fn setup() -> (tempfile::TempDir, rustydb::Database, Connection) {
    let (dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE t (id int PRIMARY KEY, v text)")
        .unwrap();
    (dir, db, conn)
}

#[test]
fn commit_makes_changes_visible_to_other_connections() {
    let (_dir, db, mut conn) = setup();
    let mut other = db.connect();
    let mut tx = conn.transaction().unwrap();
    assert!(tx.in_transaction());
    tx.execute("INSERT INTO t VALUES ($1, $2)", params![1, "a"])
        .unwrap();
    tx.execute("INSERT INTO t VALUES ($1, $2)", params![2, "b"])
        .unwrap();
    assert_eq!(count(&mut tx), 2, "the transaction sees its own writes");
    assert_eq!(count(&mut other), 0, "others do not, before the commit");
    tx.commit().unwrap();
    assert!(!conn.in_transaction());
    assert_eq!(count(&mut other), 2);
}

#[test]
fn rollback_discards_changes() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    tx.rollback().unwrap();
    assert!(!conn.in_transaction());
    assert_eq!(count(&mut conn), 0);
}

#[test]
fn a_dropped_transaction_rolls_back() {
    let (_dir, _db, mut conn) = setup();
    {
        let mut tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    }
    assert!(!conn.in_transaction());
    assert_eq!(count(&mut conn), 0);

    // Also when the scope is left by an error.
    let insert_then_fail = |conn: &mut Connection| -> rustydb::Result<()> {
        let mut tx = conn.transaction()?;
        tx.execute("INSERT INTO t VALUES (1, 'a')", &[])?;
        tx.execute("INSERT INTO missing_table VALUES (1)", &[])?;
        tx.commit()
    };
    assert_eq!(insert_then_fail(&mut conn).unwrap_err().sqlstate(), "42P01");
    assert_eq!(count(&mut conn), 0);
}

#[test]
fn ddl_is_transactional() {
    let (_dir, _db, mut conn) = setup();
    {
        let mut tx = conn.transaction().unwrap();
        tx.execute("CREATE TABLE u (x int)", &[]).unwrap();
        tx.execute("INSERT INTO u VALUES (1)", &[]).unwrap();
    }
    assert_eq!(
        conn.query("SELECT * FROM u", &[]).unwrap_err().sqlstate(),
        "42P01"
    );
}

#[test]
fn a_failed_transaction_cannot_commit() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    let dup = tx
        .execute("INSERT INTO t VALUES (1, 'again')", &[])
        .unwrap_err();
    assert_eq!(dup.sqlstate(), "23505");
    let ignored = tx
        .execute("INSERT INTO t VALUES (2, 'b')", &[])
        .unwrap_err();
    assert_eq!(ignored.sqlstate(), "25P02");
    let err = tx.commit().unwrap_err();
    assert_eq!(err.sqlstate(), "25P02");
    assert!(err.message().contains("rolled back"), "{err}");
    assert!(!conn.in_transaction());
    assert_eq!(count(&mut conn), 0);
}

#[test]
fn one_transaction_at_a_time_per_connection() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    let err = tx.transaction().unwrap_err();
    assert_eq!(err.sqlstate(), "25001");
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(&mut conn), 1);
}

#[test]
fn ending_a_transaction_with_sql_is_reported_by_the_guard() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    tx.execute_batch("COMMIT").unwrap();
    assert_eq!(tx.commit().unwrap_err().sqlstate(), "25P01");
    assert_eq!(count(&mut conn), 1);
}

#[test]
fn savepoints_release_and_roll_back() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'kept')", &[]).unwrap();

    let mut sp = tx.savepoint("first").unwrap();
    sp.execute("INSERT INTO t VALUES (2, 'released')", &[])
        .unwrap();
    sp.release().unwrap();

    let mut sp = tx.savepoint("second").unwrap();
    sp.execute("INSERT INTO t VALUES (3, 'rolled back')", &[])
        .unwrap();
    sp.rollback().unwrap();

    {
        let mut sp = tx.savepoint("third").unwrap();
        sp.execute("INSERT INTO t VALUES (4, 'dropped')", &[])
            .unwrap();
    }
    tx.commit().unwrap();
    let ids: Vec<i32> = conn
        .query("SELECT id FROM t ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
}

#[test]
fn rolling_back_to_a_savepoint_recovers_a_failed_statement() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    for id in [1, 2, 1, 3] {
        let mut sp = tx.savepoint("try insert").unwrap();
        match sp.execute("INSERT INTO t VALUES ($1, 'b')", params![id]) {
            Ok(_) => sp.release().unwrap(),
            Err(e) => {
                assert_eq!(e.sqlstate(), "23505");
                sp.rollback().unwrap();
            }
        }
    }
    tx.commit().unwrap();
    assert_eq!(count(&mut conn), 3);
}

#[test]
fn releasing_a_failed_savepoint_rolls_it_back() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    let mut sp = tx.savepoint("sp").unwrap();
    sp.execute("INSERT INTO t VALUES (2, 'b')", &[]).unwrap();
    assert!(sp.execute("INSERT INTO t VALUES (1, 'dup')", &[]).is_err());
    assert_eq!(sp.release().unwrap_err().sqlstate(), "25P02");
    // The transaction carries on without the savepoint's changes.
    tx.execute("INSERT INTO t VALUES (3, 'c')", &[]).unwrap();
    tx.commit().unwrap();
    let ids: Vec<i32> = conn
        .query("SELECT id FROM t ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert_eq!(ids, [1, 3]);
}

#[test]
fn savepoints_nest_and_names_are_taken_literally() {
    let (_dir, _db, mut conn) = setup();
    let mut tx = conn.transaction().unwrap();
    {
        let mut outer = tx.savepoint("Outer \"quoted\"").unwrap();
        assert_eq!(outer.name(), "Outer \"quoted\"");
        outer
            .execute("INSERT INTO t VALUES (1, 'outer')", &[])
            .unwrap();
        {
            let mut inner = outer.savepoint("outer").unwrap(); // a different name: case matters
            inner
                .execute("INSERT INTO t VALUES (2, 'inner')", &[])
                .unwrap();
            inner.rollback().unwrap();
        }
        outer.release().unwrap();
    }
    assert_eq!(tx.savepoint("").unwrap_err().sqlstate(), "22023");
    tx.commit().unwrap();
    assert_eq!(count(&mut conn), 1);
}

#[test]
fn isolation_levels_are_applied() {
    let (_dir, db, mut conn) = setup();
    for (level, shown) in [
        (IsolationLevel::ReadCommitted, "read committed"),
        (IsolationLevel::RepeatableRead, "repeatable read"),
        (IsolationLevel::Serializable, "serializable"),
    ] {
        let mut tx = conn.transaction_with(level).unwrap();
        let got: String = tx
            .query_row("SHOW transaction_isolation", &[])
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(got, shown);
        tx.commit().unwrap();
    }

    // REPEATABLE READ keeps its snapshot; READ COMMITTED does not.
    let mut writer = db.connect();
    let mut tx = conn
        .transaction_with(IsolationLevel::RepeatableRead)
        .unwrap();
    assert_eq!(count(&mut tx), 0);
    writer
        .execute("INSERT INTO t VALUES (1, 'a')", &[])
        .unwrap();
    assert_eq!(count(&mut tx), 0);
    tx.commit().unwrap();
    let mut tx = conn
        .transaction_with(IsolationLevel::ReadCommitted)
        .unwrap();
    assert_eq!(count(&mut tx), 1);
    writer
        .execute("INSERT INTO t VALUES (2, 'b')", &[])
        .unwrap();
    assert_eq!(count(&mut tx), 2);
    tx.commit().unwrap();
}

#[test]
fn write_conflicts_are_retryable() {
    let (_dir, db, mut conn) = setup();
    conn.execute("INSERT INTO t VALUES (1, 'a')", &[]).unwrap();
    let mut other = db.connect();
    let mut first = conn
        .transaction_with(IsolationLevel::RepeatableRead)
        .unwrap();
    first.query("SELECT * FROM t", &[]).unwrap();
    other
        .execute("UPDATE t SET v = 'other' WHERE id = 1", &[])
        .unwrap();
    let err = first
        .execute("UPDATE t SET v = 'first' WHERE id = 1", &[])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "40001", "{err}");
    assert!(err.is_retryable());
    drop(first);
    let v: String = conn
        .query_row("SELECT v FROM t", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(v, "other");
}
