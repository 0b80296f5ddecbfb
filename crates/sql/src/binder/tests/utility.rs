//! Session and transaction commands, EXPLAIN, and the commands parsed beside sqlparser.

use rustydb_txn::IsolationLevel;

use super::Db;
use crate::binder::{BoundStatement, DdlStatement, TxnModes, UtilityStatement};

fn utility(db: &Db, sql: &str) -> UtilityStatement {
    match db.bind(sql).unwrap_or_else(|e| panic!("{sql}: {e}")) {
        BoundStatement::Utility(u) => u,
        other => panic!("{sql}: {other:?}"),
    }
}

#[test]
fn transaction_control() {
    let db = Db::new();
    assert!(
        matches!(utility(&db, "BEGIN"), UtilityStatement::Begin(m) if m == TxnModes::default())
    );
    let UtilityStatement::Begin(m) =
        utility(&db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else {
        panic!()
    };
    assert_eq!(
        (m.isolation, m.read_only),
        (Some(IsolationLevel::RepeatableRead), Some(true))
    );
    assert!(matches!(
        utility(&db, "START TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
        UtilityStatement::Begin(TxnModes {
            isolation: Some(IsolationLevel::Serializable),
            ..
        })
    ));
    assert!(matches!(
        utility(&db, "COMMIT"),
        UtilityStatement::Commit { chain: false }
    ));
    assert!(matches!(
        utility(&db, "END"),
        UtilityStatement::Commit { .. }
    ));
    assert!(matches!(
        utility(&db, "ROLLBACK"),
        UtilityStatement::Rollback { chain: false }
    ));
    assert!(matches!(
        utility(&db, "ABORT"),
        UtilityStatement::Rollback { .. }
    ));
    assert!(matches!(utility(&db, "SAVEPOINT Sp1"), UtilityStatement::Savepoint(n) if n == "sp1"));
    assert!(
        matches!(utility(&db, "ROLLBACK TO sp1"), UtilityStatement::RollbackTo(n) if n == "sp1")
    );
    assert!(
        matches!(utility(&db, "RELEASE SAVEPOINT sp1"), UtilityStatement::Release(n) if n == "sp1")
    );
    let UtilityStatement::SetTransaction {
        modes,
        session: false,
    } = utility(&db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    else {
        panic!()
    };
    assert_eq!(modes.isolation, Some(IsolationLevel::ReadCommitted));
    assert!(matches!(
        utility(
            &db,
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"
        ),
        UtilityStatement::SetTransaction { session: true, .. }
    ));
}

#[test]
fn settings() {
    let db = Db::new();
    let set = |sql: &str| match utility(&db, sql) {
        UtilityStatement::Set { name, value, local } => (name, value, local),
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(
        set("SET work_mem = '4MB'"),
        ("work_mem".into(), Some("4MB".into()), false)
    );
    assert_eq!(
        set("SET LOCAL statement_timeout TO 5000"),
        ("statement_timeout".into(), Some("5000".into()), true)
    );
    assert_eq!(
        set("SET search_path TO app, public"),
        ("search_path".into(), Some("app, public".into()), false)
    );
    assert_eq!(
        set("SET SESSION enable_x = DEFAULT"),
        ("enable_x".into(), None, false)
    );
    assert_eq!(
        set("SET TIME ZONE 'UTC'"),
        ("timezone".into(), Some("UTC".into()), false)
    );
    assert!(matches!(utility(&db, "SHOW work_mem"), UtilityStatement::Show(n) if n == "work_mem"));
    assert!(
        matches!(utility(&db, "SHOW TRANSACTION ISOLATION LEVEL"), UtilityStatement::Show(n) if n == "transaction_isolation")
    );
    assert!(matches!(
        utility(&db, "SHOW ALL"),
        UtilityStatement::ShowAll
    ));
    assert!(
        matches!(utility(&db, "RESET work_mem"), UtilityStatement::Reset(n) if n == "work_mem")
    );
    assert!(matches!(
        utility(&db, "RESET ALL"),
        UtilityStatement::ResetAll
    ));
    assert!(matches!(
        utility(&db, "DISCARD ALL"),
        UtilityStatement::Discard
    ));
}

#[test]
fn maintenance_and_copy() {
    let db = Db::with_tables();
    assert!(matches!(
        utility(&db, "CHECKPOINT"),
        UtilityStatement::Checkpoint
    ));
    assert!(matches!(
        utility(&db, "VACUUM"),
        UtilityStatement::Vacuum {
            tables,
            full: false,
            analyze: false
        } if tables.is_empty()
    ));
    assert!(
        matches!(utility(&db, "VACUUM FULL t"), UtilityStatement::Vacuum { tables, full: true, .. } if tables[0].def.name == "t")
    );
    assert!(matches!(
        utility(&db, "VACUUM ANALYZE t"),
        UtilityStatement::Vacuum {
            tables,
            analyze: true,
            ..
        } if tables.len() == 1
    ));
    assert!(matches!(
        utility(&db, "ANALYZE t"),
        UtilityStatement::Analyze { tables } if tables.len() == 1
    ));
    assert!(matches!(
        utility(&db, "ANALYZE"),
        UtilityStatement::Analyze { tables } if tables.is_empty()
    ));
    let UtilityStatement::CopyFrom {
        table,
        columns,
        defaults,
        options,
    } = utility(
        &db,
        "COPY t (c, a) FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ';')",
    )
    else {
        panic!()
    };
    assert_eq!(
        (table.def.name.as_str(), columns, defaults.len()),
        ("t", vec![2, 0], 3)
    );
    assert!(options.csv && options.header && options.delimiter == ';' && options.null.is_empty());
    let UtilityStatement::CopyTo { plan, options } =
        utility(&db, "COPY (SELECT a FROM t) TO STDOUT")
    else {
        panic!()
    };
    assert_eq!(plan.width(), 1);
    assert!(!options.csv && options.delimiter == '\t' && options.null == "\\N");
    assert!(
        matches!(utility(&db, "COPY t TO STDOUT WITH CSV HEADER"), UtilityStatement::CopyTo { options, .. } if options.csv && options.header)
    );
    assert_eq!(db.bind_err("COPY t FROM '/tmp/x'").sqlstate(), "0A000");
    assert!(matches!(
        db.bind("REINDEX INDEX pk_pkey").unwrap(),
        BoundStatement::Ddl(DdlStatement::Reindex { table: false, .. })
    ));
}

#[test]
fn prepared_statements_and_explain() {
    let db = Db::with_tables();
    let UtilityStatement::Prepare {
        name, param_types, ..
    } = utility(&db, "PREPARE q (int, text) AS SELECT $1, $2")
    else {
        panic!()
    };
    assert_eq!((name.as_str(), param_types.len()), ("q", 2));
    let UtilityStatement::Execute { name, params } = utility(&db, "EXECUTE q (1, 'a')") else {
        panic!()
    };
    assert_eq!((name.as_str(), params.len()), ("q", 2));
    assert!(
        matches!(utility(&db, "DEALLOCATE q"), UtilityStatement::Deallocate(Some(n)) if n == "q")
    );
    assert!(matches!(
        utility(&db, "DEALLOCATE ALL"),
        UtilityStatement::Deallocate(None)
    ));
    let BoundStatement::Explain {
        analyze,
        verbose,
        inner,
    } = db
        .bind("EXPLAIN (ANALYZE, VERBOSE false) SELECT * FROM t")
        .unwrap()
    else {
        panic!()
    };
    assert!(analyze && !verbose);
    assert!(matches!(*inner, BoundStatement::Query { .. }));
    assert!(matches!(
        db.bind("EXPLAIN ANALYZE SELECT 1").unwrap(),
        BoundStatement::Explain { analyze: true, .. }
    ));
    assert_eq!(
        db.bind_err("EXPLAIN (FORMAT JSON) SELECT 1").sqlstate(),
        "0A000"
    );
}

#[test]
fn vacuum_and_analyze_in_postgresql_grammar() {
    let db = Db::with_tables();
    let names = |u: &UtilityStatement| match u {
        UtilityStatement::Vacuum { tables, .. } | UtilityStatement::Analyze { tables } => tables
            .iter()
            .map(|t| t.def.name.clone())
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    for (sql, full, analyze) in [
        ("VACUUM (ANALYZE) t", false, true),
        (
            "vacuum (full false, analyze on, verbose) t (a, b)",
            false,
            true,
        ),
        ("VACUUM FULL FREEZE VERBOSE ANALYZE t", true, true),
        ("VACUUM ANALYSE t(c)", false, true),
        (
            "VACUUM (FULL 1, ANALYZE 'off', INDEX_CLEANUP auto, PARALLEL 0) t",
            true,
            false,
        ),
        (
            "VACUUM (freeze, skip_locked, truncate off, process_toast true) t",
            false,
            false,
        ),
    ] {
        let u = utility(&db, sql);
        assert!(
            matches!(u, UtilityStatement::Vacuum { full: f, analyze: a, .. } if f == full && a == analyze),
            "{sql}: {u:?}"
        );
        assert_eq!(names(&u), ["t"], "{sql}");
    }
    assert_eq!(names(&utility(&db, "VACUUM t, u")), ["t", "u"]);
    assert_eq!(
        names(&utility(&db, "ANALYZE (VERBOSE) t (a), u")),
        ["t", "u"]
    );
    assert_eq!(names(&utility(&db, "ANALYZE VERBOSE u")), ["u"]);
    for (sql, sqlstate, message) in [
        (
            "VACUUM (foo) t",
            "42601",
            "unrecognized VACUUM option \"foo\"",
        ),
        (
            "ANALYZE (full) t",
            "42601",
            "unrecognized ANALYZE option \"full\"",
        ),
        (
            "VACUUM (analyze yes) t",
            "42601",
            "analyze requires a Boolean value",
        ),
        (
            "VACUUM (index_cleanup maybe) t",
            "42601",
            "index_cleanup requires a Boolean value",
        ),
        (
            "VACUUM (parallel) t",
            "42601",
            "parallel option requires a value between 0 and 1024",
        ),
        (
            "VACUUM (parallel 'x') t",
            "42601",
            "parallel requires an integer value",
        ),
        (
            "VACUUM (parallel 2000) t",
            "42601",
            "parallel workers for vacuum must be between 0 and 1024",
        ),
        (
            "VACUUM (full, parallel 2) t",
            "0A000",
            "VACUUM FULL cannot be performed in parallel",
        ),
        (
            "VACUUM t (a)",
            "0A000",
            "ANALYZE option must be specified when a column list is provided",
        ),
        (
            "VACUUM t, nosuch",
            "42P01",
            "relation \"nosuch\" does not exist",
        ),
        (
            "ANALYZE t (zz)",
            "42703",
            "column \"zz\" of relation \"t\" does not exist",
        ),
        (
            "VACUUM ANALYZE t (a, a)",
            "42701",
            "column \"a\" of relation \"t\" appears more than once",
        ),
        (
            "VACUUM ANALYZE full t",
            "42601",
            "syntax error at or near \"full\"",
        ),
    ] {
        let e = db.bind(sql).expect_err(sql);
        assert_eq!((e.sqlstate(), e.message()), (sqlstate, message), "{sql}");
    }
}
