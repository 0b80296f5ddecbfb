//! Array features RustyDB refuses (0A000) or rejects as PostgreSQL does; the supported
//! ones are checked against PostgreSQL in `tests/slt/arrays.slt`.

use rustydb_sql::types::Value;
use rustydb_sql::{Engine, EngineOptions, Session};

fn session() -> (tempfile::TempDir, Session) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(EngineOptions::new(tmp.path())).expect("open");
    let s = engine.session();
    (tmp, s)
}

fn sqlstate(s: &mut Session, sql: &str) -> String {
    match s.execute(sql) {
        Ok(_) => panic!("{sql}: expected an error"),
        Err(e) => e.sqlstate().to_string(),
    }
}

#[test]
fn unsupported_array_forms_are_0a000() {
    let (_tmp, mut s) = session();
    for sql in [
        "SELECT '{{1,2},{3,4}}'::int4[]",
        "SELECT '[0:1]={1,2}'::int4[]",
        "SELECT ARRAY[ARRAY[1,2]]",
        "SELECT (ARRAY[1,2,3])[1:2]",
        "SELECT '{1}'::int4[][]",
        "CREATE TABLE t (a int4[])",
        "SELECT pg_partition_ancestors(0) + 1",
        "SELECT * FROM unnest(ARRAY[1], ARRAY[2])",
        "SELECT * FROM unnest(ARRAY[1]) WITH OFFSET",
    ] {
        assert_eq!(sqlstate(&mut s, sql), "0A000", "{sql}");
    }
}

#[test]
fn array_errors_match_postgres() {
    let (_tmp, mut s) = session();
    assert_eq!(sqlstate(&mut s, "SELECT 1 = ANY(2)"), "42809");
    assert_eq!(sqlstate(&mut s, "SELECT (1)[1]"), "42804");
    assert_eq!(sqlstate(&mut s, "SELECT ARRAY[1, true]"), "42804");
    assert_eq!(sqlstate(&mut s, "SELECT array_upper('{1}', 1)"), "42804");
    assert_eq!(sqlstate(&mut s, "SELECT '{\"a}'::text[]"), "22P02");
}

#[test]
fn values_are_real_arrays() {
    let (_tmp, mut s) = session();
    let r = s.execute("SELECT ARRAY[1, NULL]::int8[]").expect("query");
    let row = &r.last().expect("result").rows[0];
    assert_eq!(
        row[0],
        Value::Array(Box::new(vec![Value::Int8(1), Value::Null]))
    );
    assert_eq!(
        r.last().expect("result").columns[0].ty.oid(),
        1016,
        "int8[] has PostgreSQL's oid"
    );
}

#[test]
fn function_scans_explain_with_their_alias() {
    let (_tmp, mut s) = session();
    for (sql, want) in [
        (
            "SELECT * FROM unnest(ARRAY[1,2]) u",
            "Function Scan on unnest u",
        ),
        (
            "SELECT * FROM unnest(ARRAY[1,2])",
            "Function Scan on unnest",
        ),
        (
            "SELECT * FROM generate_series(1, 2) g",
            "Function Scan on generate_series g",
        ),
        (
            "SELECT * FROM generate_series(1, 2)",
            "Function Scan on generate_series",
        ),
    ] {
        let r = s.execute(&format!("EXPLAIN {sql}")).expect("explain");
        let plan: Vec<&Value> = r[0].rows.iter().map(|row| &row[0]).collect();
        assert_eq!(plan, vec![&Value::Text(want.into())], "{sql}");
    }
}
