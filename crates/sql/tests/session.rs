//! Sessions end to end: SQL text in, rows and command tags out.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rustydb_sql::types::Value;
use rustydb_sql::{Engine, EngineOptions, Session};

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let mut o = EngineOptions::new(dir.path());
    o.storage.buffer_pool_pages = 1024;
    o.txn.autovacuum = false;
    (dir, Engine::open(o).unwrap())
}

fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    let r = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| rustydb_sql::types::text::format_value_opt(v).unwrap_or("NULL".into()))
                .collect()
        })
        .collect()
}

#[test]
fn smoke() {
    let (_d, e) = engine();
    let mut s = e.session();
    let r = s
        .execute("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        .unwrap();
    assert_eq!(r[0].tag, "CREATE TABLE");
    assert_eq!(r[1].tag, "INSERT 0 2");
    assert_eq!(
        rows(&mut s, "SELECT id, name FROM t ORDER BY id"),
        vec![vec!["1", "a"], vec!["2", "b"]]
    );
    let r = s
        .query("SELECT name FROM t WHERE id = $1", &[Value::Int4(2)])
        .unwrap();
    assert_eq!(r.rows, vec![vec![Value::Text("b".into())]]);
    let e2 = s.query("INSERT INTO t VALUES (1, 'x')", &[]).unwrap_err();
    assert_eq!(e2.sqlstate(), "23505", "{e2}");
}

fn err(s: &mut Session, sql: &str) -> (String, String) {
    let e = s.execute(sql).expect_err(sql);
    (e.sqlstate().to_string(), e.message().to_string())
}

fn tags(s: &mut Session, sql: &str) -> Vec<String> {
    s.execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.tag)
        .collect()
}

#[test]
fn sessions_are_send() {
    fn send<T: Send>() {}
    send::<Session>();
    send::<rustydb_sql::session::CancelHandle>();
}

#[test]
fn transaction_blocks_and_failed_state() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int PRIMARY KEY)").unwrap();
    assert_eq!(
        tags(&mut s, "BEGIN; INSERT INTO t VALUES (1)"),
        ["BEGIN", "INSERT 0 1"]
    );
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (1)").0, "23505");
    let (state, msg) = err(&mut s, "SELECT 1");
    assert_eq!(state, "25P02");
    assert_eq!(
        msg,
        "current transaction is aborted, commands ignored until end of transaction block"
    );
    // COMMIT of a failed block rolls back.
    assert_eq!(tags(&mut s, "COMMIT"), ["ROLLBACK"]);
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), [["0"]]);
    // Other sessions do not see uncommitted rows; ROLLBACK discards them.
    let mut other = e.session();
    s.execute("BEGIN; INSERT INTO t VALUES (5)").unwrap();
    assert_eq!(rows(&mut other, "SELECT count(*) FROM t"), [["0"]]);
    s.execute("ROLLBACK").unwrap();
    s.execute("BEGIN; INSERT INTO t VALUES (6); COMMIT")
        .unwrap();
    assert_eq!(rows(&mut other, "SELECT a FROM t"), [["6"]]);
    // COMMIT outside a block warns.
    let r = s.execute("COMMIT").unwrap();
    assert_eq!(
        r[0].notices[0].message,
        "there is no transaction in progress"
    );
}

#[test]
fn implicit_block_of_a_query_string_is_atomic() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int PRIMARY KEY)").unwrap();
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)").0,
        "23505"
    );
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), [["0"]]);
    // A COMMIT inside the string ends the implicit block.
    s.execute("BEGIN; INSERT INTO t VALUES (1); COMMIT; INSERT INTO t VALUES (1)")
        .unwrap_err();
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), [["1"]]);
}

#[test]
fn savepoints_undo_rows_and_ddl() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int)").unwrap();
    let t = tags(
        &mut s,
        "BEGIN; INSERT INTO t VALUES (1); SAVEPOINT s1; INSERT INTO t VALUES (2); \
         CREATE TABLE u (x int); ROLLBACK TO SAVEPOINT s1; RELEASE s1",
    );
    assert_eq!(
        t,
        [
            "BEGIN",
            "INSERT 0 1",
            "SAVEPOINT",
            "INSERT 0 1",
            "CREATE TABLE",
            "ROLLBACK",
            "RELEASE"
        ]
    );
    assert_eq!(err(&mut s, "SELECT * FROM u").0, "42P01");
    s.execute("ROLLBACK TO SAVEPOINT s1").unwrap_err();
    s.execute("ROLLBACK").unwrap();
    s.execute("BEGIN; SAVEPOINT a; SELECT 1/0").unwrap_err();
    assert_eq!(err(&mut s, "SELECT 1").0, "25P02");
    s.execute("ROLLBACK TO a; INSERT INTO t VALUES (3); COMMIT")
        .unwrap();
    assert_eq!(rows(&mut s, "SELECT a FROM t"), [["3"]]);
    assert_eq!(err(&mut s, "SAVEPOINT x").0, "25P01");
}

#[test]
fn set_show_reset_and_transaction_scope() {
    let (_d, e) = engine();
    let mut s = e.session();
    assert_eq!(rows(&mut s, "SHOW statement_timeout"), [["0"]]);
    s.execute("SET statement_timeout = '5s'").unwrap();
    assert_eq!(rows(&mut s, "SHOW statement_timeout"), [["5s"]]);
    // A SET in a rolled-back block is undone; SET LOCAL ends with the block.
    s.execute("BEGIN; SET statement_timeout = 100; ROLLBACK")
        .unwrap();
    assert_eq!(rows(&mut s, "SHOW statement_timeout"), [["5s"]]);
    s.execute("BEGIN; SET LOCAL lock_timeout = '1s'; COMMIT")
        .unwrap();
    assert_eq!(rows(&mut s, "SHOW lock_timeout"), [["0"]]);
    s.execute("RESET statement_timeout").unwrap();
    assert_eq!(rows(&mut s, "SHOW statement_timeout"), [["0"]]);
    assert_eq!(err(&mut s, "SET nonsense = 1").0, "42704");
    assert_eq!(
        rows(&mut s, "SHOW transaction_isolation"),
        [["read committed"]]
    );
    s.execute("BEGIN ISOLATION LEVEL SERIALIZABLE").unwrap();
    assert_eq!(
        rows(&mut s, "SHOW transaction_isolation"),
        [["serializable"]]
    );
    s.execute("COMMIT").unwrap();
    s.execute("BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .unwrap();
    assert_eq!(
        rows(&mut s, "SHOW transaction_isolation"),
        [["repeatable read"]]
    );
    rows(&mut s, "SELECT 1");
    assert_eq!(
        err(&mut s, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").0,
        "25001"
    );
    s.execute("ROLLBACK").unwrap();
    s.execute("BEGIN READ ONLY").unwrap();
    s.execute("CREATE TABLE ro (a int)").unwrap_err();
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn prepared_statements_sql_and_api() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int PRIMARY KEY, b text)")
        .unwrap();
    s.execute("PREPARE ins (int, text) AS INSERT INTO t VALUES ($1, $2)")
        .unwrap();
    assert_eq!(
        tags(&mut s, "EXECUTE ins(1, 'one'); EXECUTE ins(2, 'two')"),
        ["INSERT 0 1", "INSERT 0 1"]
    );
    assert_eq!(err(&mut s, "PREPARE ins AS SELECT 1").0, "42P05");
    s.execute("DEALLOCATE ins").unwrap();
    assert_eq!(err(&mut s, "EXECUTE ins(3, 'x')").0, "26000");
    let p = s.prepare("SELECT b FROM t WHERE a = $1", &[]).unwrap();
    assert_eq!(p.param_types(), &[rustydb_sql::types::DataType::Int4]);
    assert_eq!(p.columns()[0].name, "b");
    for (k, want) in [(1, "one"), (2, "two")] {
        let r = s.execute_prepared(&p, &[Value::Int8(k)]).unwrap();
        assert_eq!(r.rows, vec![vec![Value::Text(want.into())]]);
    }
    // Text parameters are parsed as the parameter's type.
    let r = s.execute_prepared(&p, &[Value::Text("2".into())]).unwrap();
    assert_eq!(r.rows.len(), 1);
    // The cached plan follows DDL.
    s.execute("ALTER TABLE t RENAME COLUMN b TO c").unwrap();
    assert!(s.execute_prepared(&p, &[Value::Int4(1)]).is_err());
}

#[test]
fn explain_and_maintenance_commands() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int PRIMARY KEY, b int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g")
        .unwrap_or_else(|e| panic!("{e}"));
    let r = s.execute("EXPLAIN SELECT * FROM t WHERE a = 5").unwrap();
    assert_eq!(r[0].columns[0].name, "QUERY PLAN");
    assert!(!r[0].rows.is_empty());
    let r = s.execute("EXPLAIN ANALYZE SELECT count(*) FROM t").unwrap();
    let text: Vec<String> = r[0].rows.iter().map(|r| format!("{:?}", r[0])).collect();
    assert!(text.iter().any(|l| l.contains("actual")), "{text:?}");
    assert_eq!(
        tags(&mut s, "VACUUM t; ANALYZE t; ANALYZE; CHECKPOINT"),
        ["VACUUM", "ANALYZE", "ANALYZE", "CHECKPOINT"]
    );
    assert_eq!(err(&mut s, "BEGIN; VACUUM t").0, "25001");
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn copy_in_and_out() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("CREATE TABLE t (a int, b text, c int DEFAULT 7)")
        .unwrap();
    let data = "1\tone\n2\t\\N\n3\ttab\\there\n";
    let r = s
        .copy_from("COPY t (a, b) FROM STDIN", &mut data.as_bytes())
        .unwrap();
    assert_eq!(r.tag, "COPY 3");
    let r = s.execute("COPY t TO STDOUT").unwrap();
    assert_eq!(
        r[0].copy_out
            .as_ref()
            .map(|lines| lines.concat())
            .as_deref(),
        Some("1\tone\t7\n2\t\\N\t7\n3\ttab\\there\t7\n")
    );
    let mut out = Vec::new();
    s.copy_to(
        "COPY (SELECT a, b FROM t WHERE a < 3 ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)",
        &mut out,
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "a,b\n1,one\n2,\n");
    let bad = "1\tx\textra\tfields\n";
    let e2 = s
        .copy_from("COPY t FROM STDIN", &mut bad.as_bytes())
        .unwrap_err();
    assert_eq!(e2.sqlstate(), "22P04", "{e2}");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), [["3"]]);
}

#[test]
fn cancel_stops_a_running_statement() {
    let (_d, e) = engine();
    let mut s = e.session();
    let handle = s.cancel_handle();
    assert!(!handle.cancel());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let canceller = std::thread::spawn(move || {
        for _ in 0..500 {
            if flag.load(std::sync::atomic::Ordering::Acquire) {
                return;
            }
            handle.cancel();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    let r = s.execute(
        "SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 1000) b",
    );
    stop.store(true, std::sync::atomic::Ordering::Release);
    canceller.join().unwrap();
    let e2 = r.unwrap_err();
    assert_eq!(e2.sqlstate(), "57014", "{e2}");
    assert_eq!(rows(&mut s, "SELECT 1"), [["1"]]);
}

#[test]
fn statement_timeout_stops_a_long_query() {
    let (_d, e) = engine();
    let mut s = e.session();
    s.execute("SET statement_timeout = 50").unwrap();
    let e2 = s
        .execute("SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 1000) b")
        .unwrap_err();
    assert_eq!(e2.sqlstate(), "57014", "{e2}");
}

#[test]
fn deeply_nested_sql_never_overflows_the_stack() {
    let (_d, e) = engine();
    // A spawned thread has a 2 MiB stack: the binder, optimizer and executor must grow
    // it (or fail cleanly), never overflow it, at any depth the parser accepts.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut s = e.session();
            for depth in [10usize, 40, 60, 200] {
                let mut subqueries = String::from("1");
                for _ in 0..depth {
                    subqueries = format!("(SELECT {subqueries})");
                }
                let parens = format!("SELECT {}1{}", "(".repeat(depth), ")".repeat(depth));
                for sql in [format!("SELECT {subqueries}"), parens] {
                    match s.execute(&sql) {
                        Ok(r) => assert_eq!(r[0].rows, vec![vec![Value::Int4(1)]]),
                        Err(err) => assert_eq!(err.sqlstate(), "54001", "{depth}: {err}"),
                    }
                }
            }
        })
        .unwrap();
    handle.join().unwrap();
}
