//! INSERT / UPDATE / DELETE: plan shapes, defaults, identity, ON CONFLICT, RETURNING,
//! and their errors.

use super::{Db, assert_err, i, s};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{LogicalPlan, OnConflict};
use crate::types::{DataType, Value};

#[test]
fn insert_fills_defaults_and_casts() {
    let db = Db::new();
    db.exec("CREATE TABLE d (id serial PRIMARY KEY, n int DEFAULT 7, v varchar(3), ts timestamp DEFAULT now())").unwrap();
    let plan = db.plan("INSERT INTO d (v) VALUES ('ab')");
    let LogicalPlan::Insert {
        source,
        on_conflict: None,
        returning,
        ..
    } = plan
    else {
        panic!()
    };
    assert!(returning.is_empty());
    let LogicalPlan::Values { rows, schema } = *source else {
        panic!()
    };
    assert_eq!(schema.len(), 4);
    assert!(
        matches!(&rows[0][0], ScalarExpr::Cast { expr, to: DataType::Int4 } if matches!(**expr, ScalarExpr::Sequence { .. })),
        "{:?}",
        rows[0][0]
    );
    assert!(matches!(rows[0][1], ScalarExpr::Literal(Value::Int4(7), _)));
    assert!(
        matches!(&rows[0][2], ScalarExpr::Literal(Value::Text(t), DataType::Varchar(Some(3))) if t == "ab")
    );
    db.exec("INSERT INTO d (v) VALUES ('x'), ('y'); INSERT INTO d VALUES (DEFAULT, DEFAULT, 'z', DEFAULT)").unwrap();
    assert_eq!(
        db.rows("SELECT id, n, v FROM d ORDER BY id"),
        vec![
            vec![i(1), i(7), s("x")],
            vec![i(2), i(7), s("y")],
            vec![i(3), i(7), s("z")],
        ]
    );
    db.exec("INSERT INTO d (n, v) SELECT a, 'w' FROM (VALUES (1), (2)) AS x (a)")
        .unwrap();
    assert_eq!(
        db.rows("SELECT count(*) FROM d WHERE v = 'w'"),
        vec![vec![Value::Int8(2)]]
    );
    db.exec("INSERT INTO d (n) SELECT '40'").unwrap();
    assert_eq!(
        db.rows("SELECT v FROM d WHERE n = 40"),
        vec![vec![Value::Null]]
    );
    db.exec("INSERT INTO d DEFAULT VALUES").unwrap();
    let e = db.exec_err("INSERT INTO d (v) VALUES ('abcd')");
    assert_err(&e, "22001", "value too long for type character varying(3)");
}

#[test]
fn insert_errors() {
    let db = Db::with_tables();
    db.exec("CREATE TABLE idt (id int GENERATED ALWAYS AS IDENTITY, v text)")
        .unwrap();
    let cases = [
        (
            "INSERT INTO t VALUES (1, 2, 3, 4)",
            "42601",
            "INSERT has more expressions than target columns",
        ),
        (
            "INSERT INTO t (a, b) VALUES (1)",
            "42601",
            "INSERT has more target columns than expressions",
        ),
        (
            "INSERT INTO t VALUES (1), (1, 2)",
            "42601",
            "VALUES lists must all be the same length",
        ),
        (
            "INSERT INTO t (a, zz) VALUES (1, 2)",
            "42703",
            "column \"zz\" of relation \"t\" does not exist",
        ),
        (
            "INSERT INTO t (a, a) VALUES (1, 2)",
            "42701",
            "column \"a\" specified more than once",
        ),
        (
            "INSERT INTO t (a) SELECT 'x'::text",
            "42804",
            "column \"a\" is of type integer but expression is of type text",
        ),
        (
            "INSERT INTO t (a) VALUES (true)",
            "42804",
            "column \"a\" is of type integer but expression is of type boolean",
        ),
        (
            "INSERT INTO t (a) VALUES ('x')",
            "22P02",
            "invalid input syntax for type integer: \"x\"",
        ),
        (
            "INSERT INTO idt (id, v) VALUES (1, 'a')",
            "428C9",
            "cannot insert a non-DEFAULT value into column \"id\"",
        ),
        (
            "INSERT INTO nosuch VALUES (1)",
            "42P01",
            "relation \"nosuch\" does not exist",
        ),
        (
            "INSERT INTO pk VALUES (1, 'a') ON CONFLICT (name) DO NOTHING",
            "42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
        ),
        (
            "INSERT INTO pk VALUES (1, 'a') ON CONFLICT DO UPDATE SET name = 'b'",
            "42601",
            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
        ),
        (
            "INSERT INTO pk VALUES (1, 'a') ON CONFLICT ON CONSTRAINT nope DO NOTHING",
            "42704",
            "constraint \"nope\" for table \"pk\" does not exist",
        ),
        (
            "INSERT INTO t VALUES (1) RETURNING count(*)",
            "42803",
            "aggregate functions are not allowed in RETURNING",
        ),
        (
            "INSERT INTO t VALUES (count(*))",
            "42803",
            "aggregate functions are not allowed in VALUES",
        ),
    ];
    for (sql, state, msg) in cases {
        assert_err(&db.bind_err(sql), state, msg);
    }
    db.exec("INSERT INTO idt (id, v) OVERRIDING SYSTEM VALUE VALUES (10, 'a'); INSERT INTO idt (v) VALUES ('b')").unwrap();
    assert_eq!(
        db.rows("SELECT id FROM idt ORDER BY id"),
        vec![vec![i(1)], vec![i(10)]]
    );
}

#[test]
fn on_conflict_infers_the_arbiter_and_binds_excluded() {
    let db = Db::with_tables();
    let LogicalPlan::Insert { on_conflict: Some(OnConflict::DoUpdate { index, assignments, predicate }), returning, schema, .. } =
        db.plan("INSERT INTO pk AS p VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = excluded.name || p.name WHERE p.id > 0 RETURNING p.*, p.id + 1")
    else {
        panic!()
    };
    assert_eq!(index.def.name, "pk_pkey");
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].0, 1);
    assert!(predicate.is_some());
    assert_eq!(returning.len(), 3);
    assert_eq!(
        schema.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["id", "name", "?column?"]
    );
    assert_eq!(
        db.bind_err(
            "INSERT INTO pk VALUES (1, 'x') ON CONFLICT (id) DO NOTHING RETURNING excluded.id"
        )
        .sqlstate(),
        "42P01"
    );
    let LogicalPlan::Insert {
        on_conflict: Some(OnConflict::DoNothing { index: Some(ix) }),
        ..
    } = db.plan("INSERT INTO pk VALUES (1, 'x') ON CONFLICT ON CONSTRAINT pk_pkey DO NOTHING")
    else {
        panic!()
    };
    assert_eq!(ix.def.name, "pk_pkey");
    db.exec("INSERT INTO pk VALUES (1, 'a')").unwrap();
    db.exec("INSERT INTO pk VALUES (1, 'b') ON CONFLICT (id) DO UPDATE SET name = excluded.name || pk.name").unwrap();
    db.exec("INSERT INTO pk VALUES (1, 'c') ON CONFLICT DO NOTHING")
        .unwrap();
    assert_eq!(db.rows("SELECT * FROM pk"), vec![vec![i(1), s("ba")]]);
}

#[test]
fn update_and_delete_plans() {
    let db = Db::with_tables();
    let plan = db.plan("UPDATE t SET b = b + 1, c = DEFAULT WHERE a = 1 RETURNING a, b");
    let LogicalPlan::Update {
        input,
        tid_column,
        first_column,
        assignments,
        recheck,
        returning,
        schema,
        ..
    } = plan
    else {
        panic!()
    };
    assert_eq!((tid_column, first_column), (3, 0));
    assert_eq!(
        assignments.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(recheck.is_some());
    assert_eq!((returning.len(), schema.len()), (2, 2));
    let LogicalPlan::Filter { input, .. } = *input else {
        panic!()
    };
    assert!(matches!(*input, LogicalPlan::Scan { with_tid: true, .. }));
    // With FROM, only the target's own conditions are re-checked.
    let LogicalPlan::Update { input, recheck, .. } =
        db.plan("UPDATE t SET b = u.d FROM u WHERE t.a = u.a AND t.b > 0")
    else {
        panic!()
    };
    let mut cols = Vec::new();
    recheck.unwrap().columns_used(&mut cols);
    assert!(cols.iter().all(|&c| c < 3), "{cols:?}");
    let LogicalPlan::Filter { input, .. } = *input else {
        panic!()
    };
    assert!(matches!(*input, LogicalPlan::Join { .. }));
    let LogicalPlan::Delete {
        tid_column,
        recheck,
        ..
    } = db.plan("DELETE FROM t AS x USING u WHERE x.a = u.a")
    else {
        panic!()
    };
    assert_eq!(tid_column, 3);
    assert!(recheck.is_none());

    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'); INSERT INTO u VALUES (2, 5)")
        .unwrap();
    db.exec("UPDATE t SET (b, c) = (b * 2, 'z') WHERE a = 1")
        .unwrap();
    // RETURNING sees the FROM items too; `*` is every item's columns.
    assert_eq!(
        db.rows("UPDATE t SET b = u.d FROM u WHERE t.a = u.a RETURNING u.d + 1, *"),
        vec![vec![i(6), i(2), i(5), s("y"), i(2), i(5)]]
    );
    assert_eq!(
        db.rows("SELECT * FROM t ORDER BY a"),
        vec![vec![i(1), i(20), s("z")], vec![i(2), i(5), s("y")]]
    );
    assert_eq!(
        db.rows("DELETE FROM t AS x USING u WHERE x.a = u.a RETURNING x.c, u.d"),
        vec![vec![s("y"), i(5)]]
    );
    assert_eq!(
        db.rows("DELETE FROM t RETURNING *"),
        vec![vec![i(1), i(20), s("z")]]
    );
}

#[test]
fn update_errors() {
    let db = Db::with_tables();
    db.exec("CREATE TABLE idt (id int GENERATED ALWAYS AS IDENTITY, v text)")
        .unwrap();
    let cases = [
        (
            "UPDATE t SET a = 1, a = 2",
            "42601",
            "multiple assignments to same column \"a\"",
        ),
        (
            "UPDATE t SET zz = 1",
            "42703",
            "column \"zz\" of relation \"t\" does not exist",
        ),
        (
            "UPDATE t SET a = count(*)",
            "42803",
            "aggregate functions are not allowed in UPDATE",
        ),
        (
            "UPDATE t SET a = 'x'::text",
            "42804",
            "column \"a\" is of type integer but expression is of type text",
        ),
        (
            "UPDATE idt SET id = 5",
            "428C9",
            "column \"id\" can only be updated to DEFAULT",
        ),
        (
            "DELETE FROM t WHERE a",
            "42804",
            "argument of WHERE must be type boolean, not type integer",
        ),
        (
            "UPDATE t SET a = 1 FROM t",
            "42712",
            "table name \"t\" specified more than once",
        ),
    ];
    for (sql, state, msg) in cases {
        assert_err(&db.bind_err(sql), state, msg);
    }
}

#[test]
fn with_queries_feed_dml_and_short_value_lists_fill_the_first_columns() {
    let db = Db::with_tables();
    db.exec("WITH w AS (SELECT 7 AS a, 'w' AS c) INSERT INTO t (a, c) SELECT a, c FROM w")
        .unwrap();
    db.exec("INSERT INTO t VALUES (8)").unwrap();
    assert_eq!(
        db.rows("SELECT a, b, c FROM t ORDER BY a"),
        vec![
            vec![i(7), Value::Null, s("w")],
            vec![i(8), Value::Null, Value::Null]
        ]
    );
    db.exec("WITH gone AS (SELECT 8 AS a) DELETE FROM t WHERE a IN (SELECT a FROM gone)")
        .unwrap();
    db.exec("WITH n AS (SELECT 1 AS v) UPDATE t SET b = (SELECT v FROM n)")
        .unwrap();
    assert_eq!(db.rows("SELECT a, b FROM t"), vec![vec![i(7), i(1)]]);
}

#[test]
fn table_exprs_bind_checks_and_defaults_for_the_executor() {
    use crate::exec::TableExprs;
    let db = Db::new();
    db.exec(
        "CREATE TABLE te (id serial, n int DEFAULT 2 + 3 CHECK (n > 0), m text, CHECK (m <> 'x'))",
    )
    .unwrap();
    let state = db.catalog.committed();
    let table = state.table("public", "te").unwrap();
    let exprs = super::super::CatalogTableExprs::new(state.clone(), db.ctx.clone());
    let checks = exprs.checks(&table).unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["te_n_check", "te_m_check"]);
    assert!(checks.iter().all(|c| c.expr.ty() == DataType::Bool));
    assert!(matches!(
        exprs.column_default(&table, 0).unwrap(),
        Some(ScalarExpr::Cast { .. })
    ));
    assert!(
        matches!(exprs.column_default(&table, 1).unwrap(), Some(e) if e.ty() == DataType::Int4)
    );
    assert!(exprs.column_default(&table, 2).unwrap().is_none());
}

#[test]
fn data_modifying_with_queries_run_once_and_completely() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')")
        .unwrap();
    // Every row changes although the query reads one.
    assert_eq!(
        db.rows(
            "WITH d AS (UPDATE t SET b = b + 1 RETURNING a) SELECT a FROM d ORDER BY a LIMIT 1"
        ),
        vec![vec![i(1)]]
    );
    assert_eq!(db.rows("SELECT sum(b) FROM t"), vec![vec![Value::Int8(63)]]);
    // Read twice, run once; the rest of the statement sees the table as it was.
    assert_eq!(
        db.rows(
            "WITH d AS (DELETE FROM t WHERE a = 3 RETURNING a) \
             SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM d), (SELECT sum(a) FROM d)"
        ),
        vec![vec![Value::Int8(3), Value::Int8(1), Value::Int8(3)]]
    );
    assert_eq!(
        db.rows("SELECT count(*) FROM t"),
        vec![vec![Value::Int8(2)]]
    );
    // A statement that is itself DML.
    db.exec(
        "WITH d AS (DELETE FROM t WHERE a = 2 RETURNING a, b) INSERT INTO u SELECT a, b FROM d",
    )
    .unwrap();
    assert_eq!(db.rows("SELECT a, d FROM u"), vec![vec![i(2), i(21)]]);

    assert_err(
        &db.bind_err("WITH d AS (DELETE FROM t) SELECT * FROM d"),
        "0A000",
        "WITH query \"d\" does not have a RETURNING clause",
    );
    assert_err(
        &db.bind_err("SELECT * FROM (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d) s"),
        "0A000",
        "WITH clause containing a data-modifying statement must be at the top level",
    );
    assert_err(
        &db.bind_err(
            "SELECT 1 WHERE EXISTS (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d)",
        ),
        "0A000",
        "WITH clause containing a data-modifying statement must be at the top level",
    );
    // Nothing in the plan could run a query the statement does not read.
    let e = db.bind_err("WITH d AS (DELETE FROM t RETURNING a) SELECT 1");
    assert_eq!(e.sqlstate(), "0A000", "{e:?}");
    assert_eq!(
        db.rows("SELECT count(*) FROM t"),
        vec![vec![Value::Int8(1)]]
    );
}

#[test]
fn a_data_modifying_with_query_read_only_by_an_unread_one_is_unread() {
    let db = Db::with_tables();
    let e = db.bind_err("WITH d AS (DELETE FROM t RETURNING a), e AS (SELECT a FROM d) SELECT 1");
    assert_eq!(e.sqlstate(), "0A000", "{e:?}");
    db.bind("WITH d AS (DELETE FROM t RETURNING a), e AS (SELECT a FROM d) SELECT (SELECT count(*) FROM e)")
        .unwrap();
}
