//! RustyDB embedded beside SQLite (rusqlite, bundled) in one run, same data, same
//! durability (every commit fsynced: SQLite in WAL mode with `synchronous = FULL`,
//! RustyDB with its default `wal_sync = fsync`), printing each figure and the ratio.
//!
//! ```text
//! cargo bench -p rustydb-benches --bench sql_vs_sqlite            # 1M rows
//! SQL_BENCH_ROWS=100000 cargo bench -p rustydb-benches --bench sql_vs_sqlite
//! ```
//!
//! Workloads (the SQL engine issue's list): bulk insert in one transaction, point
//! select by primary key, range scan, `SELECT grp, sum(x) ... GROUP BY grp`, a 3-way
//! join, single-row UPDATE transactions. Both sides use prepared statements. A ratio
//! above 1 means RustyDB is faster.
#![expect(clippy::print_stdout, reason = "a benchmark report")]
#![expect(clippy::unwrap_used, reason = "a benchmark aborts on any error")]

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rusqlite::params as sq;

/// Rows in the main table.
fn rows() -> i64 {
    std::env::var("SQL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

const GROUPS: i64 = 100;
const CUSTOMERS: i64 = 10_000;
const REGIONS: i64 = 10;

struct Figure {
    name: &'static str,
    unit: &'static str,
    ours: f64,
    sqlite: f64,
    target: Option<f64>,
}

/// Operations per second of `n` calls of `f`.
fn rate(n: u64, mut f: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn secs(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

const SCHEMA: &str = "CREATE TABLE t (id int PRIMARY KEY, grp int NOT NULL, cust int NOT NULL, x int NOT NULL, payload text NOT NULL);
CREATE TABLE c (id int PRIMARY KEY, region int NOT NULL);
CREATE TABLE r (id int PRIMARY KEY, name text NOT NULL)";

const JOIN: &str = "SELECT r.name, count(*), sum(t.x) FROM t JOIN c ON t.cust = c.id JOIN r ON c.region = r.id WHERE t.id <= $1 GROUP BY r.name ORDER BY r.name";
const GROUP_BY: &str = "SELECT grp, sum(x) FROM t GROUP BY grp";
const POINT: &str = "SELECT x, payload FROM t WHERE id = $1";
const RANGE: &str = "SELECT id, x FROM t WHERE id BETWEEN $1 AND $2";
const UPDATE: &str = "UPDATE t SET x = x + 1 WHERE id = $1";

fn payload(i: i64) -> String {
    format!("row-{i:08}-{}", "x".repeat(20))
}

fn main() {
    let n = rows();
    let dir = tempfile::tempdir().unwrap();
    let fsync = rustydb_benches::fdatasync_rate(dir.path(), 300);
    println!(
        "# RustyDB embedded vs SQLite {} (rusqlite, bundled), {n} rows",
        rusqlite::version()
    );
    println!("# this machine: {fsync:.0} fdatasync/s (same run)");

    // --- setup both ---
    let db = rustydb::Database::open(dir.path().join("rustydb")).unwrap();
    let mut conn = db.connect();
    conn.execute_batch(SCHEMA).unwrap();
    let lite = rusqlite::Connection::open(dir.path().join("sqlite.db")).unwrap();
    lite.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (id integer PRIMARY KEY, grp integer NOT NULL, cust integer NOT NULL, x integer NOT NULL, payload text NOT NULL);
         CREATE TABLE c (id integer PRIMARY KEY, region integer NOT NULL);
         CREATE TABLE r (id integer PRIMARY KEY, name text NOT NULL);",
    )
    .unwrap();
    let mut figures = Vec::new();

    // --- bulk insert in one transaction ---
    let ours = secs(|| {
        let mut tx = conn.transaction().unwrap();
        let ins = tx
            .prepare("INSERT INTO t VALUES ($1, $2, $3, $4, $5)")
            .unwrap();
        for i in 1..=n {
            ins.execute(
                &mut tx,
                rustydb::params![i, i % GROUPS, i % CUSTOMERS, i % 1000, payload(i)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    });
    let theirs = secs(|| {
        let tx = lite.unchecked_transaction().unwrap();
        {
            let mut ins = tx
                .prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")
                .unwrap();
            for i in 1..=n {
                ins.execute(sq![i, i % GROUPS, i % CUSTOMERS, i % 1000, payload(i)])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    });
    figures.push(Figure {
        name: "bulk insert, one transaction",
        unit: "rows/s",
        ours: n as f64 / ours.as_secs_f64(),
        sqlite: n as f64 / theirs.as_secs_f64(),
        target: Some(1.5),
    });
    for i in 1..=CUSTOMERS {
        conn.execute(
            "INSERT INTO c VALUES ($1, $2)",
            rustydb::params![i, i % REGIONS],
        )
        .unwrap();
    }
    for i in 0..REGIONS {
        conn.execute(
            "INSERT INTO r VALUES ($1, $2)",
            rustydb::params![i, format!("region-{i}")],
        )
        .unwrap();
    }
    conn.execute_batch("ANALYZE").unwrap();
    {
        let tx = lite.unchecked_transaction().unwrap();
        for i in 1..=CUSTOMERS {
            tx.execute("INSERT INTO c VALUES (?1, ?2)", sq![i, i % REGIONS])
                .unwrap();
        }
        for i in 0..REGIONS {
            tx.execute(
                "INSERT INTO r VALUES (?1, ?2)",
                sq![i, format!("region-{i}")],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        lite.execute_batch("ANALYZE").unwrap();
    }

    // --- point select by primary key ---
    let lookups = 100_000u64;
    let mut rng = StdRng::seed_from_u64(7);
    let keys: Vec<i64> = (0..lookups).map(|_| rng.random_range(1..=n)).collect();
    let point = conn.prepare(POINT).unwrap();
    let ours = rate(lookups, |i| {
        let row = point
            .query_row(&mut conn, rustydb::params![keys[i as usize]])
            .unwrap();
        std::hint::black_box(row.get::<i32>(0).unwrap());
    });
    let mut st = lite.prepare(&POINT.replace("$1", "?1")).unwrap();
    let theirs = rate(lookups, |i| {
        let x: i64 = st.query_row(sq![keys[i as usize]], |r| r.get(0)).unwrap();
        std::hint::black_box(x);
    });
    drop(st);
    figures.push(Figure {
        name: "point select by primary key",
        unit: "queries/s",
        ours,
        sqlite: theirs,
        target: Some(1.0),
    });

    // --- range scan of 1,000 rows ---
    let scans = 500u64;
    let range = conn.prepare(RANGE).unwrap();
    let ours = rate(scans, |i| {
        let lo = (keys[i as usize] % (n - 1000)).max(1);
        let rows = range
            .query(&mut conn, rustydb::params![lo, lo + 999])
            .unwrap();
        assert_eq!(rows.len(), 1000);
    });
    let mut st = lite
        .prepare("SELECT id, x FROM t WHERE id BETWEEN ?1 AND ?2")
        .unwrap();
    let theirs = rate(scans, |i| {
        let lo = (keys[i as usize] % (n - 1000)).max(1);
        let count = st
            .query_map(sq![lo, lo + 999], |r| r.get::<_, i64>(1))
            .unwrap()
            .count();
        assert_eq!(count, 1000);
    });
    drop(st);
    figures.push(Figure {
        name: "range scan, 1,000 rows",
        unit: "scans/s",
        ours,
        sqlite: theirs,
        target: None,
    });

    // --- GROUP BY aggregation over the whole table ---
    let runs = 5u64;
    let ours = rate(runs, |_| {
        let rows = conn.query(GROUP_BY, &[]).unwrap();
        assert_eq!(rows.len() as i64, GROUPS);
    });
    let mut st = lite.prepare(GROUP_BY).unwrap();
    let theirs = rate(runs, |_| {
        let count = st.query_map([], |r| r.get::<_, i64>(1)).unwrap().count();
        assert_eq!(count as i64, GROUPS);
    });
    drop(st);
    figures.push(Figure {
        name: "GROUP BY grp, sum(x) (full table)",
        unit: "queries/s",
        ours,
        sqlite: theirs,
        target: Some(2.0),
    });

    // --- 3-way join with aggregation over 10% of the table ---
    let limit = n / 10;
    let ours = rate(runs, |_| {
        let rows = conn.query(JOIN, rustydb::params![limit]).unwrap();
        assert_eq!(rows.len() as i64, REGIONS);
    });
    let mut st = lite.prepare(&JOIN.replace("$1", "?1")).unwrap();
    let theirs = rate(runs, |_| {
        let count = st
            .query_map(sq![limit], |r| r.get::<_, i64>(1))
            .unwrap()
            .count();
        assert_eq!(count as i64, REGIONS);
    });
    drop(st);
    figures.push(Figure {
        name: "3-way join + GROUP BY (10% of t)",
        unit: "queries/s",
        ours,
        sqlite: theirs,
        target: Some(1.0),
    });

    // --- single-row UPDATE transactions, each durable ---
    let updates = 2_000u64;
    let upd = conn.prepare(UPDATE).unwrap();
    let ours = rate(updates, |i| {
        assert_eq!(
            upd.execute(&mut conn, rustydb::params![keys[i as usize]])
                .unwrap(),
            1
        );
    });
    let mut st = lite
        .prepare("UPDATE t SET x = x + 1 WHERE id = ?1")
        .unwrap();
    let theirs = rate(updates, |i| {
        assert_eq!(st.execute(sq![keys[i as usize]]).unwrap(), 1);
    });
    drop(st);
    figures.push(Figure {
        name: "single-row UPDATE transactions",
        unit: "txn/s",
        ours,
        sqlite: theirs,
        target: None,
    });

    println!();
    println!("| workload | unit | RustyDB | SQLite | ratio | target |");
    println!("|---|---|---:|---:|---:|---|");
    for f in &figures {
        let ratio = f.ours / f.sqlite;
        let target = match f.target {
            Some(t) if ratio >= t => format!(">= {t}x: met"),
            Some(t) => format!(">= {t}x: missed"),
            None => "-".into(),
        };
        println!(
            "| {} | {} | {:.0} | {:.0} | {ratio:.2}x | {target} |",
            f.name, f.unit, f.ours, f.sqlite
        );
    }
    drop(conn);
    db.close().unwrap();
}
