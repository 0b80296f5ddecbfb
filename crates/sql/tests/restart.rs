//! Restarts keep the catalog and the data: tables, a schema, a SERIAL column, a unique
//! index, a foreign key with ON DELETE CASCADE, a CHECK, a sequence and a view over a
//! join survive (a) a clean shutdown and (b) a SIGKILL, and work as before afterwards.
//!
//! The crash test runs the workload in a child process: this test binary again, started
//! with [`CHILD_ENV`] naming the data directory, running only [`child_process`]. The
//! child builds the database, leaves a transaction with DDL and DML open (its WAL records
//! flushed by a later commit of another session), prints [`READY`] and waits; the parent
//! kills it with SIGKILL, so no shutdown checkpoint runs and recovery starts from the
//! log. Dropping an engine in-process is not a crash: `Storage`'s `Drop` checkpoints.
//!
//! After each restart [`verify`] checks the committed data, that the indexes are used and
//! agree with the heap, that constraints are enforced (23505, 23503, 23514), that the
//! sequence and the SERIAL column continue past every value handed out to a committed
//! transaction, that the view answers, that the open transaction's DDL and DML are gone,
//! and that a table dropped by a committed transaction stays dropped.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use rustydb_sql::types::text::format_value_opt;
use rustydb_sql::{Engine, EngineOptions, Session};

/// Set (to the data directory) in the child process.
const CHILD_ENV: &str = "RUSTYDB_RESTART_CHILD_DIR";

/// What the child prints once its committed work is durable and the open transaction's
/// work is in the log.
const READY: &str = "RESTART-CHILD-READY";

/// A guard against hangs, not a timing assertion.
const LIMIT: Duration = Duration::from_secs(120);

/// Customers created; customer `i` has email `c{i}@example.com`, name `c{i}` and two
/// orders of amounts `i` and `2 * i`.
const CUSTOMERS: i64 = 120;

/// The customer whose deletion (cascading to its orders) is committed before the restart.
const DELETED: i64 = 3;

/// The last `invoice_no` value handed out before the restart.
const LAST_INVOICE: i64 = 1004;

fn open(dir: &Path) -> Arc<Engine> {
    let mut o = EngineOptions::new(dir);
    o.storage.buffer_pool_pages = 1024;
    // No timed or size-triggered checkpoint: after the kill, recovery replays the whole
    // history, DDL included, from the log.
    o.storage.checkpoint_interval = Duration::from_secs(3600);
    o.storage.max_wal_size = 1 << 30;
    o.txn.autovacuum = false;
    o.txn.deadlock_timeout = Duration::from_millis(100);
    o.txn.statement_timeout = Some(LIMIT);
    Engine::open(o).unwrap_or_else(|e| panic!("opening {}: {e}", dir.display()))
}

fn exec(s: &mut Session, sql: &str) {
    if let Err(e) = s.execute(sql) {
        panic!("{sql}: {e}");
    }
}

fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    let r = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| format_value_opt(v).unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

fn one(s: &mut Session, sql: &str) -> String {
    let r = rows(s, sql);
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    assert_eq!(r[0].len(), 1, "{sql}: {r:?}");
    r[0][0].clone()
}

fn int(s: &mut Session, sql: &str) -> i64 {
    let v = one(s, sql);
    v.parse()
        .unwrap_or_else(|_| panic!("{sql}: not an integer: {v}"))
}

/// The SQLSTATE `sql` fails with.
fn fails(s: &mut Session, sql: &str) -> String {
    match s.execute(sql) {
        Ok(r) => panic!(
            "{sql}: expected an error, got {:?}",
            r.last().map(|r| &r.tag)
        ),
        Err(e) => e.sqlstate().to_string(),
    }
}

fn explain(s: &mut Session, sql: &str) -> String {
    rows(s, &format!("EXPLAIN {sql}"))
        .into_iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Creates the schema and the committed data.
fn build(s: &mut Session) {
    exec(
        s,
        "CREATE SCHEMA app;
         CREATE TABLE app.customers (id serial PRIMARY KEY, email text NOT NULL, name text);
         CREATE UNIQUE INDEX customers_email_u ON app.customers (email);
         CREATE TABLE app.orders (
             id serial PRIMARY KEY,
             customer_id int NOT NULL REFERENCES app.customers (id) ON DELETE CASCADE,
             amount int CHECK (amount > 0),
             note text);
         CREATE INDEX orders_customer ON app.orders (customer_id);
         CREATE SEQUENCE app.invoice_no START WITH 1000;
         CREATE VIEW app.customer_totals AS
             SELECT c.name, sum(o.amount) AS total, count(*) AS n
             FROM app.customers c JOIN app.orders o ON o.customer_id = c.id
             GROUP BY c.name;
         CREATE TABLE keepme (k int PRIMARY KEY);
         INSERT INTO keepme VALUES (1), (2);
         CREATE TABLE scratch (k int PRIMARY KEY);
         INSERT INTO scratch VALUES (1);
         CREATE TABLE audit (at int PRIMARY KEY, what text);",
    );
    for chunk in (1..=CUSTOMERS).collect::<Vec<_>>().chunks(40) {
        let customers: Vec<String> = chunk
            .iter()
            .map(|i| format!("('c{i}@example.com', 'c{i}')"))
            .collect();
        exec(
            s,
            &format!(
                "INSERT INTO app.customers (email, name) VALUES {}",
                customers.join(", ")
            ),
        );
        let orders: Vec<String> = chunk
            .iter()
            .flat_map(|i| [format!("({i}, {i})"), format!("({i}, {})", 2 * i)])
            .collect();
        exec(
            s,
            &format!(
                "INSERT INTO app.orders (customer_id, amount) VALUES {}",
                orders.join(", ")
            ),
        );
    }
    for expected in 1000..=LAST_INVOICE {
        assert_eq!(int(s, "SELECT nextval('app.invoice_no')"), expected);
    }
    exec(
        s,
        &format!("DELETE FROM app.customers WHERE id = {DELETED}"),
    );
    exec(s, "DROP TABLE scratch");
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders"),
        2 * (CUSTOMERS - 1),
        "the cascade removed the deleted customer's orders"
    );
}

/// Opens a transaction with DDL and DML that must not survive the restart.
fn leave_uncommitted(s: &mut Session) {
    exec(
        s,
        "BEGIN;
         CREATE TABLE ghost (g int PRIMARY KEY);
         INSERT INTO ghost VALUES (1);
         CREATE INDEX ghost_g ON ghost (g);
         INSERT INTO app.customers (email, name) VALUES ('ghost@example.com', 'ghost');
         UPDATE app.orders SET note = 'dirty' WHERE customer_id = 10;
         DELETE FROM app.orders WHERE customer_id = 11;
         DROP TABLE keepme;
         SELECT nextval('app.invoice_no');",
    );
}

/// Checks everything the restart must keep, then changes and checks some more.
fn verify(engine: &Arc<Engine>) {
    let s = &mut engine.session();

    // Data.
    assert_eq!(int(s, "SELECT count(*) FROM app.customers"), CUSTOMERS - 1);
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders"),
        2 * (CUSTOMERS - 1)
    );
    assert_eq!(
        int(s, "SELECT sum(amount) FROM app.orders"),
        3 * (CUSTOMERS * (CUSTOMERS + 1) / 2 - DELETED)
    );
    assert_eq!(
        rows(s, "SELECT id, email, name FROM app.customers WHERE id = 17"),
        [["17", "c17@example.com", "c17"]]
    );
    assert_eq!(
        int(
            s,
            &format!("SELECT count(*) FROM app.customers WHERE id = {DELETED}")
        ),
        0
    );
    assert_eq!(
        rows(s, "SELECT k FROM keepme ORDER BY k"),
        [["1"], ["2"]],
        "an uncommitted DROP TABLE is undone"
    );

    // The open transaction's work is gone.
    assert_eq!(
        fails(s, "SELECT * FROM ghost"),
        "42P01",
        "uncommitted CREATE TABLE"
    );
    assert_eq!(
        int(s, "SELECT count(*) FROM app.customers WHERE name = 'ghost'"),
        0
    );
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders WHERE note IS NOT NULL"),
        0
    );
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders WHERE customer_id = 11"),
        2
    );
    assert_eq!(
        fails(s, "SELECT * FROM scratch"),
        "42P01",
        "a committed DROP TABLE stays dropped"
    );

    // The indexes are used and agree with the heap.
    let by_email = "SELECT id, name FROM app.customers WHERE email = 'c42@example.com'";
    let plan = explain(s, by_email);
    assert!(
        plan.contains("Index Scan using customers_email_u"),
        "{plan}"
    );
    assert_eq!(rows(s, by_email), [["42", "c42"]]);
    let by_pk = "SELECT email FROM app.customers WHERE id = 99";
    let plan = explain(s, by_pk);
    assert!(plan.contains("Index Scan using customers_pkey"), "{plan}");
    assert_eq!(one(s, by_pk), "c99@example.com");
    let by_customer = "SELECT amount FROM app.orders WHERE customer_id = 50 ORDER BY amount";
    let plan = explain(s, by_customer);
    assert!(plan.contains("Index Scan using orders_customer"), "{plan}");
    assert_eq!(rows(s, by_customer), [["50"], ["100"]]);
    // Every live row through each index: a range scan finds exactly the heap's rows.
    let heap: Vec<Vec<String>> = rows(s, "SELECT id, email FROM app.customers ORDER BY id");
    let range = "SELECT id, email FROM app.customers WHERE email >= 'c' AND email < 'd'";
    let plan = explain(s, range);
    assert!(
        plan.contains("Index Scan using customers_email_u"),
        "{plan}"
    );
    let mut through_email = rows(s, range);
    through_email.sort_by_key(|r| r[0].parse::<i64>().unwrap_or(0));
    assert_eq!(through_email, heap);
    let range = "SELECT id, email FROM app.customers WHERE id >= 1 AND id <= 1000000 ORDER BY id";
    let plan = explain(s, range);
    assert!(plan.contains("Index Scan using customers_pkey"), "{plan}");
    let through_pk = rows(s, range);
    assert_eq!(through_pk, heap);
    for i in [1, 2, 4, 60, CUSTOMERS] {
        assert_eq!(
            int(
                s,
                &format!("SELECT count(*) FROM app.orders WHERE customer_id = {i}")
            ),
            2,
            "orders of customer {i} through orders_customer"
        );
    }

    // Constraints.
    assert_eq!(
        fails(
            s,
            "INSERT INTO app.customers (email, name) VALUES ('c5@example.com', 'again')"
        ),
        "23505",
        "the unique index"
    );
    assert_eq!(
        fails(
            s,
            "INSERT INTO app.customers (id, email) VALUES (5, 'new5@example.com')"
        ),
        "23505",
        "the primary key"
    );
    assert_eq!(
        fails(
            s,
            "INSERT INTO app.orders (customer_id, amount) VALUES (999999, 1)"
        ),
        "23503",
        "the foreign key"
    );
    assert_eq!(
        fails(
            s,
            &format!("INSERT INTO app.orders (customer_id, amount) VALUES ({DELETED}, 1)")
        ),
        "23503",
        "the foreign key, to the deleted customer"
    );
    assert_eq!(
        fails(
            s,
            "INSERT INTO app.orders (customer_id, amount) VALUES (5, -1)"
        ),
        "23514",
        "the CHECK"
    );
    assert_eq!(
        fails(s, "UPDATE app.orders SET amount = 0 WHERE customer_id = 6"),
        "23514",
        "the CHECK on update"
    );
    assert_eq!(
        fails(
            s,
            "DELETE FROM keepme WHERE k = 1; INSERT INTO keepme VALUES (2)"
        ),
        "23505"
    );

    // The sequence and the SERIAL columns continue past every value handed out.
    let invoice = int(s, "SELECT nextval('app.invoice_no')");
    assert!(invoice > LAST_INVOICE, "invoice_no went back to {invoice}");
    let id = int(
        s,
        "INSERT INTO app.customers (email, name) VALUES ('new@example.com', 'new') RETURNING id",
    );
    assert!(id > CUSTOMERS, "customers.id went back to {id}");
    let order = int(
        s,
        &format!("INSERT INTO app.orders (customer_id, amount) VALUES ({id}, 7) RETURNING id"),
    );
    assert!(order > 2 * CUSTOMERS, "orders.id went back to {order}");

    // The view.
    assert_eq!(
        rows(
            s,
            "SELECT name, total, n FROM app.customer_totals WHERE name IN ('c7', 'new') ORDER BY name"
        ),
        [["c7", "21", "2"], ["new", "7", "1"]]
    );
    assert_eq!(
        int(s, "SELECT count(*) FROM app.customer_totals"),
        CUSTOMERS
    );

    // ON DELETE CASCADE still cascades, and a dropped name can be created again.
    exec(s, "DELETE FROM app.customers WHERE id = 4");
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders WHERE customer_id = 4"),
        0
    );
    exec(
        s,
        "CREATE TABLE scratch (k int PRIMARY KEY); INSERT INTO scratch VALUES (7)",
    );
    assert_eq!(int(s, "SELECT k FROM scratch"), 7);
}

/// After [`verify`]'s changes, another clean restart keeps those too.
fn verify_again(engine: &Arc<Engine>) {
    let s = &mut engine.session();
    assert_eq!(int(s, "SELECT count(*) FROM app.customers"), CUSTOMERS - 1);
    assert_eq!(
        int(s, "SELECT count(*) FROM app.orders"),
        2 * (CUSTOMERS - 2) + 1
    );
    assert_eq!(int(s, "SELECT k FROM scratch"), 7);
    assert_eq!(
        one(
            s,
            "SELECT name FROM app.customers WHERE email = 'new@example.com'"
        ),
        "new"
    );
}

fn restart_cleanly(engine: Arc<Engine>, dir: &Path) -> Arc<Engine> {
    engine.shutdown().expect("a clean shutdown");
    drop(engine);
    open(dir)
}

#[test]
fn clean_shutdown_and_reopen() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let engine = open(dir.path());
    {
        let mut s = engine.session();
        build(&mut s);
        let mut open_txn = engine.session();
        leave_uncommitted(&mut open_txn);
        // Dropping a session rolls its transaction back, as a disconnect does.
    }
    let engine = restart_cleanly(engine, dir.path());
    verify(&engine);
    let engine = restart_cleanly(engine, dir.path());
    verify_again(&engine);
    engine.shutdown().expect("a clean shutdown");
}

#[test]
fn sigkill_and_reopen() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .args([
            "child_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the child");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let since = Instant::now();
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.trim_end().ends_with(READY) => break,
            Ok(line) => seen.push(line),
            Err(RecvTimeoutError::Timeout) => {
                if since.elapsed() > LIMIT {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the child did not get ready in {LIMIT:?}: {seen:?}");
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = child.wait();
                panic!("the child exited before it was ready ({status:?}): {seen:?}");
            }
        }
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor, no checkpoint.
    child.kill().expect("killing the child");
    let status = child.wait().expect("reaping the child");
    assert_eq!(
        status.signal(),
        Some(9),
        "the child was killed by SIGKILL, not {status}"
    );

    let engine = open(dir.path());
    let integrity = engine
        .storage()
        .verify_integrity(None)
        .expect("checking the pages");
    assert!(integrity.is_clean(), "{integrity:?}");
    verify(&engine);
    let engine = restart_cleanly(engine, dir.path());
    verify_again(&engine);
    engine.shutdown().expect("a clean shutdown");
}

/// The child of [`sigkill_and_reopen`]: does nothing unless started by it.
#[test]
#[ignore = "the child process of sigkill_and_reopen"]
fn child_process() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let engine = open(Path::new(&dir));
    let mut s = engine.session();
    build(&mut s);
    let mut open_txn = engine.session();
    leave_uncommitted(&mut open_txn);
    // A later commit flushes the log past the open transaction's records, so recovery
    // reads them and must leave them invisible.
    exec(&mut s, "INSERT INTO audit VALUES (1, 'flush')");
    exec(&mut s, "DELETE FROM audit");
    let mut out = std::io::stdout();
    writeln!(out, "\n{READY}").expect("writing to the parent");
    out.flush().expect("flushing to the parent");
    std::thread::sleep(LIMIT);
    panic!("the parent never killed the child");
}
