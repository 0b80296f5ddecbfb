//! Statements: prepared statement reuse, one-row queries, batches, and errors as the
//! engine reports them.

mod common;

use rustydb::{DataType, ErrorCode, params};

#[test]
fn a_prepared_statement_runs_many_times_with_different_parameters() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE t (id int PRIMARY KEY, name text)")
        .unwrap();
    let insert = conn.prepare("INSERT INTO t VALUES ($1, $2)").unwrap();
    assert_eq!(insert.param_types(), &[DataType::Int4, DataType::Text]);
    assert!(insert.columns().is_empty());
    for i in 0..100 {
        assert_eq!(
            insert
                .execute(&mut conn, params![i, format!("n{i}")])
                .unwrap(),
            1
        );
    }
    let by_id = conn.prepare("SELECT name FROM t WHERE id = $1").unwrap();
    assert_eq!(by_id.columns()[0].name(), "name");
    for i in [0, 42, 99] {
        let name: String = by_id
            .query_row(&mut conn, params![i])
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(name, format!("n{i}"));
    }
    assert!(by_id.query_opt(&mut conn, params![100]).unwrap().is_none());
    assert_eq!(by_id.query(&mut conn, params![7]).unwrap().len(), 1);
    assert_eq!(by_id.sql(), "SELECT name FROM t WHERE id = $1");
}

#[test]
fn a_prepared_statement_runs_on_any_connection_and_in_transactions() {
    let (_dir, db) = common::open();
    let mut first = db.connect();
    first.execute_batch("CREATE TABLE t (id int)").unwrap();
    let insert = first.prepare("INSERT INTO t VALUES ($1)").unwrap();
    let mut second = db.connect();
    insert.execute(&mut second, params![1]).unwrap();
    {
        let mut tx = second.transaction().unwrap();
        insert.execute(&mut tx, params![2]).unwrap();
        // Dropped: rolled back.
    }
    let shared = insert.clone();
    std::thread::spawn(move || {
        let mut conn = db.connect();
        shared.execute(&mut conn, params![3]).unwrap();
    })
    .join()
    .unwrap();
    let n: i64 = first
        .query_row("SELECT count(*) FROM t", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_prepared_statement_follows_schema_changes() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        .unwrap();
    let select = conn
        .prepare("SELECT count(*) FROM t WHERE id >= $1")
        .unwrap();
    assert_eq!(
        select
            .query_row(&mut conn, params![0])
            .unwrap()
            .get::<i64>(0)
            .unwrap(),
        1
    );
    conn.execute_batch("CREATE INDEX t_id ON t (id); INSERT INTO t VALUES (2)")
        .unwrap();
    assert_eq!(
        select
            .query_row(&mut conn, params![0])
            .unwrap()
            .get::<i64>(0)
            .unwrap(),
        2
    );
    conn.execute_batch("DROP TABLE t").unwrap();
    let err = select.query(&mut conn, params![0]).unwrap_err();
    assert_eq!(err.sqlstate(), "42P01", "{err}");
}

#[test]
fn a_statement_belongs_to_its_database() {
    let (_dir_a, a) = common::open();
    let (_dir_b, b) = common::open();
    let stmt = a.connect().prepare("SELECT 1").unwrap();
    let err = stmt.query(&mut b.connect(), &[]).unwrap_err();
    assert_eq!(err.sqlstate(), "26000");
    // It does not keep its database open either.
    drop(a);
    assert_eq!(
        stmt.query(&mut b.connect(), &[]).unwrap_err().sqlstate(),
        "26000"
    );
}

#[test]
fn parameter_counts_are_checked() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let err = conn
        .query("SELECT $1::int + $2::int", params![1])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "08P01", "{err}");
    let stmt = conn.prepare("SELECT $1::int").unwrap();
    assert_eq!(
        stmt.query(&mut conn, params![1, 2]).unwrap_err().sqlstate(),
        "08P01"
    );
}

#[test]
fn query_row_wants_exactly_one_row() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let err = conn.query_row("SELECT 1 WHERE false", &[]).unwrap_err();
    assert_eq!(err.sqlstate(), "P0002");
    assert_eq!(err.message(), "query returned no rows");
    let err = conn
        .query_row("SELECT * FROM generate_series(1, 3)", &[])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "P0003");
    assert!(err.message().contains("3 rows"), "{err}");
    assert_eq!(
        conn.query_opt("SELECT * FROM generate_series(1, 2)", &[])
            .unwrap_err()
            .sqlstate(),
        "P0003"
    );
    assert!(conn.query_opt("SELECT 1", &[]).unwrap().is_some());
}

#[test]
fn a_unique_violation_surfaces_with_its_sqlstate() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE users (email text PRIMARY KEY)")
        .unwrap();
    conn.execute("INSERT INTO users VALUES ($1)", params!["a@example.com"])
        .unwrap();
    let err = conn
        .execute("INSERT INTO users VALUES ($1)", params!["a@example.com"])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "23505");
    assert_eq!(err.code(), ErrorCode::ConstraintViolation);
    assert_eq!(err.code().id(), "ERR-SQL-006");
    assert!(!err.is_retryable());
    assert!(
        err.detail().is_some_and(|d| d.contains("a@example.com")),
        "{err}"
    );
    // The connection carries on (autocommit: the failed statement rolled back alone).
    assert!(!conn.in_transaction());
    conn.execute("INSERT INTO users VALUES ($1)", params!["b@example.com"])
        .unwrap();
}

#[test]
fn execute_runs_one_statement_and_execute_batch_several() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let err = conn
        .execute("CREATE TABLE a (x int); CREATE TABLE b (x int)", &[])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "42601");
    // A failing batch outside a transaction rolls back as a whole.
    let err = conn
        .execute_batch("CREATE TABLE a (x int); INSERT INTO a VALUES ('nope')")
        .unwrap_err();
    assert_eq!(err.sqlstate(), "22P02");
    assert_eq!(
        conn.query("SELECT * FROM a", &[]).unwrap_err().sqlstate(),
        "42P01"
    );
    conn.execute_batch("CREATE TABLE a (x int); INSERT INTO a VALUES (1), (2)")
        .unwrap();
    assert_eq!(conn.execute("UPDATE a SET x = x + 1", &[]).unwrap(), 2);
    assert_eq!(
        conn.execute("DELETE FROM a WHERE x = $1", params![3])
            .unwrap(),
        1
    );
    let returned = conn
        .query("INSERT INTO a VALUES ($1) RETURNING x * 10", params![5])
        .unwrap();
    assert_eq!(returned.get(0).unwrap().get::<i32>(0).unwrap(), 50);
}

#[test]
fn syntax_errors_carry_code_and_hint() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let err = conn.execute("SELEC 1", &[]).unwrap_err();
    assert_eq!(err.sqlstate(), "42601");
    assert_eq!(err.code(), ErrorCode::SyntaxError);
    assert!(err.hint().is_some());
    assert!(err.to_string().starts_with("ERR-SQL-001"), "{err}");
}
