//! psql's catalog queries, run through a `Session`: each file in
//! `tests/psql_catalog/queries/` holds the exact queries psql 15 sends for one
//! meta-command (captured with `psql -E` against PostgreSQL 15 on the schema in
//! `tests/psql_catalog/schema.sql`; a relation's oid, which psql takes from its first
//! query, is written `{oid:name}`). The results, or the error of a query RustyDB cannot
//! run, are compared with `tests/psql_catalog/golden/<file>.txt`. Regenerate with
//!
//! ```text
//! UPDATE_GOLDENFILES=1 cargo test -p rustydb-sql --test psql_catalog
//! ```
//!
//! and review the diff against what PostgreSQL prints for the same meta-command.
//! A second test checks the catalog functions and relations tools use beyond psql.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustydb_sql::types::Value;
use rustydb_sql::types::text::format_value_opt;
use rustydb_sql::{Engine, EngineOptions, Session};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/psql_catalog")
}

fn setup() -> (tempfile::TempDir, Arc<Engine>, Session) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(EngineOptions::new(tmp.path())).expect("open");
    let mut s = engine.session();
    let schema = std::fs::read_to_string(dir().join("schema.sql")).expect("schema.sql");
    s.execute(&schema).expect("schema");
    (tmp, engine, s)
}

fn one(s: &mut Session, sql: &str) -> Value {
    let r = s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.last()
        .and_then(|r| r.rows.first())
        .and_then(|r| r.first())
        .cloned()
        .expect("a value")
}

fn render(s: &mut Session, sql: &str) -> String {
    match s.execute(sql) {
        Ok(results) => {
            let mut out = String::new();
            for r in results {
                let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
                writeln!(out, "{}", names.join(" | ")).unwrap();
                for row in &r.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| format_value_opt(v).unwrap_or_else(|| "NULL".into()))
                        .collect();
                    writeln!(out, "{}", cells.join(" | ")).unwrap();
                }
                writeln!(out, "({} rows)", r.rows.len()).unwrap();
            }
            out
        }
        Err(e) => format!("ERROR {}: {}\n", e.sqlstate(), e),
    }
}

/// Replaces `{oid:name}` with the oid of relation `name`.
fn substitute(s: &mut Session, sql: &str) -> String {
    let mut out = sql.to_string();
    while let Some(start) = out.find("{oid:") {
        let end = start + out[start..].find('}').expect("closing brace");
        let name = &out[start + 5..end];
        let oid = match one(s, &format!("SELECT '{name}'::regclass")) {
            Value::Int8(o) => o,
            other => panic!("oid of {name}: {other:?}"),
        };
        out.replace_range(start..=end, &oid.to_string());
    }
    out
}

#[test]
fn psql_meta_commands_match_goldens() {
    let (_tmp, _engine, mut s) = setup();
    let update = std::env::var_os("UPDATE_GOLDENFILES").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("queries"))
        .expect("queries dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 13, "query files missing");
    let mut mismatched = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let mut out = String::new();
        for q in text.split("\n-- next query\n") {
            let q = substitute(&mut s, q.trim());
            let shown: Vec<&str> = q.lines().filter(|l| !l.starts_with("-- psql")).collect();
            writeln!(out, "=== {}", shown.first().copied().unwrap_or_default()).unwrap();
            out.push_str(&render(&mut s, &q));
        }
        let golden = dir()
            .join("golden")
            .join(f.file_stem().expect("stem"))
            .with_extension("txt");
        if update {
            std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
            std::fs::write(&golden, &out).expect("write golden");
        } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(out.as_str()) {
            mismatched.push(format!("{}:\n{out}", golden.display()));
        }
    }
    assert!(
        mismatched.is_empty(),
        "goldens differ:\n{}",
        mismatched.join("\n")
    );
}

fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    let r = s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.last()
        .expect("a result")
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| format_value_opt(v).unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

#[test]
fn tools_introspection_and_system_functions() {
    let (_tmp, engine, mut s) = setup();
    // information_schema as JDBC / psycopg / DBeaver read it.
    assert_eq!(
        rows(
            &mut s,
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        ),
        vec![
            vec!["big_orders", "VIEW"],
            vec!["customers", "BASE TABLE"],
            vec!["orders", "BASE TABLE"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale \
                      FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position"
        ),
        vec![
            vec!["id", "integer", "NO", "NULL", "32", "0"],
            vec!["customer_id", "integer", "YES", "NULL", "32", "0"],
            vec!["amount", "numeric", "YES", "NULL", "10", "2"],
            vec!["status", "text", "YES", "NULL", "NULL", "NULL"],
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc \
                      JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name \
                      WHERE tc.table_name = 'orders' ORDER BY 1"
        ),
        vec![
            vec!["FOREIGN KEY", "customer_id"],
            vec!["PRIMARY KEY", "id"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT unique_constraint_name, delete_rule FROM information_schema.referential_constraints"
        ),
        vec![vec!["customers_pkey", "NO ACTION"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT schema_name FROM information_schema.schemata ORDER BY 1"
        ),
        vec![
            vec!["information_schema"],
            vec!["pg_catalog"],
            vec!["public"]
        ]
    );
    // pg_catalog, qualified or not, joined like any relation.
    assert_eq!(
        rows(
            &mut s,
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
                      WHERE a.attrelid = 'customers'::regclass AND a.attnum > 0 ORDER BY a.attnum"
        ),
        vec![
            vec!["id", "int4"],
            vec!["email", "varchar"],
            vec!["name", "text"],
            vec!["created", "date"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT indkey, indisunique FROM pg_index WHERE indexrelid = 'orders_status_idx'::regclass"
        ),
        vec![vec!["4", "f"]]
    );
    // Read-only.
    let e = s.execute("DELETE FROM pg_catalog.pg_class").unwrap_err();
    assert_eq!(e.sqlstate(), "42501");
    let e = s
        .execute("SELECT * FROM pg_catalog.no_such_thing")
        .unwrap_err();
    assert_eq!(e.sqlstate(), "42P01");
    // Functions.
    let pid = s.backend_pid();
    assert_eq!(
        rows(&mut s, "SELECT pg_backend_pid()"),
        vec![vec![pid.to_string()]]
    );
    assert!(rows(&mut s, "SELECT version()")[0][0].starts_with("PostgreSQL 15.0 (RustyDB "));
    assert_eq!(rows(&mut s, "SHOW server_version"), vec![vec!["15.0"]]);
    assert_eq!(
        rows(&mut s, "SELECT current_setting('server_version')"),
        vec![vec!["15.0"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT format_type(1043, 104), format_type(1700, 655366), format_type(23, NULL), format_type(999999, -1)"
        ),
        vec![vec![
            "character varying(100)",
            "numeric(10,2)",
            "integer",
            "???"
        ]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(1000000000::bigint)"
        ),
        vec![vec!["10239 bytes", "10 kB", "954 MB"]]
    );
    s.execute("INSERT INTO customers (email) VALUES ('a@example.com'); INSERT INTO orders VALUES (1, 1, 5, 'new')")
        .expect("insert");
    let sizes = rows(
        &mut s,
        "SELECT pg_relation_size('orders'), pg_total_relation_size('orders'), pg_indexes_size('orders')",
    );
    let n: Vec<i64> = sizes[0].iter().map(|x| x.parse().expect("size")).collect();
    assert!(n[0] > 0 && n[2] > 0 && n[1] == n[0] + n[2], "{n:?}");
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_userbyid(10), pg_get_userbyid(4242), obj_description('orders'::regclass, 'pg_class'), pg_is_in_recovery()"
        ),
        vec![vec!["rustydb", "unknown (OID=4242)", "NULL", "f"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT has_table_privilege('orders', 'SELECT'), has_table_privilege('pg_class', 'UPDATE')"
        ),
        vec![vec!["t", "f"]]
    );
    // Database privileges (none to grant: connect and create yes, temporary tables no)
    // and the database's size, by name or oid, as psql's \l+ asks for them.
    assert_eq!(
        rows(
            &mut s,
            "SELECT has_database_privilege(datname, 'CONNECT'), has_database_privilege(oid, 'create'), \
                    has_database_privilege('rustydb', datname, 'TEMP, CONNECT'), has_database_privilege(datname, 'TEMPORARY') \
                    FROM pg_database"
        ),
        vec![vec!["t", "t", "t", "f"]]
    );
    let sizes = rows(
        &mut s,
        "SELECT pg_database_size(datname), pg_database_size(oid), \
                (SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind IN ('r', 'S')), \
                pg_database_size(1) IS NULL FROM pg_database",
    );
    let [by_name, by_oid, user_rels, other_null] = &sizes[0][..] else {
        panic!("{sizes:?}")
    };
    assert_eq!(by_name, by_oid);
    assert_eq!(other_null, "t");
    // The database holds the user relations and the catalog's own.
    let (db, user): (i64, i64) = (by_name.parse().unwrap(), user_rels.parse().unwrap());
    assert!(db > user && user > 0, "{sizes:?}");
    for (sql, state) in [
        (
            "SELECT has_database_privilege('nosuch', 'CONNECT')",
            "3D000",
        ),
        (
            "SELECT has_database_privilege('rustydb', 'SELECT')",
            "22023",
        ),
        (
            "SELECT has_database_privilege('nobody', 'rustydb', 'CONNECT')",
            "42704",
        ),
    ] {
        let e = s.execute(sql).expect_err(sql);
        assert_eq!(e.sqlstate(), state, "{sql}: {e}");
    }
    // pg_stat_activity shows the real sessions; cancel and terminate act on them.
    let mut other = engine.session();
    let other_pid = other.backend_pid();
    other.execute("SELECT 1").expect("other");
    let act = rows(
        &mut s,
        &format!(
            "SELECT usename, datname, state, query FROM pg_stat_activity WHERE pid = {other_pid}"
        ),
    );
    assert_eq!(act, vec![vec!["rustydb", "rustydb", "idle", "SELECT 1"]]);
    let me = rows(
        &mut s,
        "SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()",
    );
    assert_eq!(me, vec![vec!["active"]]);
    assert_eq!(
        rows(&mut s, "SELECT pg_cancel_backend(999999)"),
        vec![vec!["f"]]
    );
    assert_eq!(
        rows(&mut s, &format!("SELECT pg_terminate_backend({other_pid})")),
        vec![vec!["t"]]
    );
    assert!(
        engine
            .sessions()
            .get(other_pid)
            .expect("still registered")
            .is_terminated()
    );
    // A prepared statement over a system relation sees new rows (no stale cached plan):
    // the catalog does not change, the sessions do.
    let p = s
        .prepare("SELECT count(*) FROM pg_stat_activity", &[])
        .expect("prepare");
    let before = s.execute_prepared(&p, &[]).expect("run").rows[0][0].clone();
    let _third = engine.session();
    let after = s.execute_prepared(&p, &[]).expect("run").rows[0][0].clone();
    match (before, after) {
        (Value::Int8(b), Value::Int8(a)) => assert_eq!(a, b + 1),
        other => panic!("{other:?}"),
    }
}
