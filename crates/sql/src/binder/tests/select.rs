//! SELECT: plan shapes, output names and types as PostgreSQL prints them, and results.

use super::{Db, i, s};
use crate::plan::expr::{ScalarExpr, SubqueryKind};
use crate::plan::logical::{AggStrategy, JoinKind, LogicalPlan, ScanAccess};
use crate::types::{DataType, Value};

fn names(db: &Db, sql: &str) -> Vec<String> {
    db.columns(sql).into_iter().map(|(n, _)| n).collect()
}

#[test]
fn output_names_follow_postgres() {
    let db = Db::with_tables();
    assert_eq!(
        names(
            &db,
            "SELECT a, t.b AS x, a + 1, count(*), 1::int, 'a'::text, CAST(a AS text), -a, (a), c || 'x' FROM t GROUP BY a, b, c"
        ),
        [
            "a", "x", "?column?", "count", "int4", "text", "a", "?column?", "a", "?column?"
        ]
    );
    assert_eq!(
        names(
            &db,
            "SELECT CASE WHEN true THEN 1 END, coalesce(1, 2), nullif(1, 2), greatest(1, 2), EXISTS (SELECT 1), (SELECT 1 AS z), 1.5::numeric(3,1)"
        ),
        [
            "case", "coalesce", "nullif", "greatest", "exists", "z", "numeric"
        ]
    );
    assert_eq!(
        names(
            &db,
            "SELECT current_user, current_database(), current_schema, version()"
        ),
        [
            "current_user",
            "current_database",
            "current_schema",
            "version"
        ]
    );
}

#[test]
fn select_star_expands_in_from_order_with_using_columns_first() {
    let db = Db::with_tables();
    assert_eq!(names(&db, "SELECT * FROM t"), ["a", "b", "c"]);
    assert_eq!(
        names(&db, "SELECT * FROM t JOIN u USING (a)"),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        names(&db, "SELECT * FROM t NATURAL JOIN u"),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        names(&db, "SELECT t.*, u.* FROM t JOIN u USING (a)"),
        ["a", "b", "c", "a", "d"]
    );
    assert_eq!(names(&db, "SELECT * FROM t, u"), ["a", "b", "c", "a", "d"]);
    assert_eq!(names(&db, "SELECT * FROM t AS x (p, q)"), ["p", "q", "c"]);
    assert_eq!(
        names(&db, "SELECT * FROM (SELECT a, b FROM t) AS s (y)"),
        ["y", "b"]
    );
}

#[test]
fn joins_are_nested_loops_over_sequential_scans() {
    let db = Db::with_tables();
    let plan = db.plan("SELECT t.a, u.d FROM t LEFT JOIN u ON t.a = u.a WHERE t.b > 1");
    let LogicalPlan::Project { input, .. } = plan else {
        panic!("{plan:?}")
    };
    let LogicalPlan::Filter { input, .. } = *input else {
        panic!()
    };
    let LogicalPlan::Join {
        left,
        right,
        kind,
        on,
        ..
    } = *input
    else {
        panic!()
    };
    assert_eq!(kind, JoinKind::Left);
    assert!(on.is_some());
    assert!(matches!(
        *left,
        LogicalPlan::Scan {
            access: ScanAccess::Sequential,
            with_tid: false,
            ..
        }
    ));
    assert!(matches!(*right, LogicalPlan::Scan { .. }));
    for (sql, kind) in [
        ("SELECT 1 FROM t RIGHT JOIN u ON true", JoinKind::Right),
        ("SELECT 1 FROM t FULL JOIN u USING (a)", JoinKind::Full),
        ("SELECT 1 FROM t CROSS JOIN u", JoinKind::Inner),
    ] {
        let LogicalPlan::Project { input, .. } = db.plan(sql) else {
            panic!()
        };
        assert!(
            matches!(*input, LogicalPlan::Join { kind: k, .. } if k == kind),
            "{sql}"
        );
    }
}

#[test]
fn full_join_using_merges_with_coalesce() {
    let db = Db::with_tables();
    db.exec(
        "INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'); INSERT INTO u VALUES (2, 200), (3, 300)",
    )
    .unwrap();
    let mut rows = db.rows("SELECT a, b, d FROM t FULL JOIN u USING (a)");
    rows.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        rows,
        vec![
            vec![i(1), i(10), Value::Null],
            vec![i(2), i(20), i(200)],
            vec![i(3), Value::Null, i(300)],
        ]
    );
}

#[test]
fn aggregates_group_and_filter() {
    let db = Db::with_tables();
    let plan = db.plan("SELECT a, sum(b), avg(b), count(DISTINCT c) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY 1");
    let LogicalPlan::Sort { input, .. } = plan else {
        panic!("{plan:?}")
    };
    let LogicalPlan::Project { input, schema, .. } = *input else {
        panic!()
    };
    let types: Vec<DataType> = schema.iter().map(|c| c.ty.clone()).collect();
    assert_eq!(
        types,
        [
            DataType::Int4,
            DataType::Int8,
            DataType::Numeric {
                precision: None,
                scale: None
            },
            DataType::Int8
        ]
    );
    let LogicalPlan::Filter { input, .. } = *input else {
        panic!()
    };
    let LogicalPlan::Aggregate {
        group_by,
        aggregates,
        strategy,
        ..
    } = *input
    else {
        panic!()
    };
    assert_eq!(group_by.len(), 1);
    assert_eq!(aggregates.len(), 4, "count(*) of HAVING is the fourth");
    assert_eq!(strategy, AggStrategy::Hash);
    let LogicalPlan::Project { input, .. } = db.plan("SELECT count(*) FROM t") else {
        panic!()
    };
    assert!(matches!(
        *input,
        LogicalPlan::Aggregate {
            strategy: AggStrategy::Plain,
            ..
        }
    ));

    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (1, 20, 'y'), (2, 5, 'z')")
        .unwrap();
    assert_eq!(
        db.rows("SELECT a, sum(b) FROM t GROUP BY a HAVING count(*) > 1"),
        vec![vec![i(1), Value::Int8(30)]]
    );
    assert_eq!(
        db.rows("SELECT a + 1 AS k, max(c) FROM t GROUP BY k ORDER BY k DESC"),
        vec![vec![i(3), s("z")], vec![i(2), s("y")]]
    );
    assert_eq!(
        db.rows("SELECT count(*) FILTER (WHERE b > 6), sum(b) FROM t"),
        vec![vec![Value::Int8(2), Value::Int8(35)]]
    );
}

#[test]
fn primary_key_makes_other_columns_groupable() {
    let db = Db::with_tables();
    db.plan("SELECT id, name FROM pk GROUP BY id");
    db.plan("SELECT p.name, count(*) FROM pk p JOIN t ON t.a = p.id GROUP BY p.id");
}

#[test]
fn order_by_ordinals_names_and_hidden_expressions() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 3, 'x'), (2, 1, 'y'), (3, 2, NULL)")
        .unwrap();
    assert_eq!(
        db.rows("SELECT a FROM t ORDER BY b"),
        vec![vec![i(2)], vec![i(3)], vec![i(1)]]
    );
    assert_eq!(
        db.rows("SELECT a AS b, b AS a FROM t ORDER BY a"),
        vec![vec![i(2), i(1)], vec![i(3), i(2)], vec![i(1), i(3)]]
    );
    assert_eq!(
        db.rows("SELECT c FROM t ORDER BY 1 NULLS FIRST"),
        vec![vec![Value::Null], vec![s("x")], vec![s("y")]]
    );
    assert_eq!(
        db.rows("SELECT c FROM t ORDER BY c DESC"),
        vec![vec![Value::Null], vec![s("y")], vec![s("x")]]
    );
    assert_eq!(
        db.rows("SELECT a FROM t ORDER BY a * -1 LIMIT 2 OFFSET 1"),
        vec![vec![i(2)], vec![i(1)]]
    );
    assert_eq!(
        db.rows("SELECT a FROM t ORDER BY a FETCH FIRST 1 ROWS ONLY"),
        vec![vec![i(1)]]
    );
    // The hidden sort column is dropped by a final projection.
    assert_eq!(
        db.columns("SELECT a FROM t ORDER BY b"),
        [("a".to_string(), DataType::Int4)]
    );
}

#[test]
fn distinct_and_distinct_on() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 3, 'x'), (1, 1, 'y'), (2, 2, 'z'), (2, 2, 'z')")
        .unwrap();
    assert_eq!(
        db.rows("SELECT DISTINCT a, b FROM t ORDER BY a, b").len(),
        3
    );
    assert_eq!(
        db.rows("SELECT DISTINCT ON (a) a, c FROM t ORDER BY a, b"),
        vec![vec![i(1), s("y")], vec![i(2), s("z")]]
    );
    let plan = db.plan("SELECT DISTINCT ON (a) c FROM t ORDER BY a, b DESC");
    assert!(
        matches!(plan, LogicalPlan::Project { .. }),
        "hidden DISTINCT ON key stripped: {plan:?}"
    );
}

#[test]
fn window_functions() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (1, 20, 'y'), (2, 5, 'z')")
        .unwrap();
    let cols = db.columns("SELECT a, row_number() OVER w, rank() OVER (ORDER BY b), sum(b) OVER (PARTITION BY a), ntile(2) OVER () FROM t WINDOW w AS (PARTITION BY a ORDER BY b)");
    assert_eq!(
        cols.iter().map(|c| c.1.clone()).collect::<Vec<_>>(),
        [
            DataType::Int4,
            DataType::Int8,
            DataType::Int8,
            DataType::Int8,
            DataType::Int4
        ]
    );
    let mut rows = db.rows("SELECT c, row_number() OVER (PARTITION BY a ORDER BY b), sum(b) OVER (PARTITION BY a) FROM t");
    rows.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        rows,
        vec![
            vec![s("x"), Value::Int8(1), Value::Int8(30)],
            vec![s("y"), Value::Int8(2), Value::Int8(30)],
            vec![s("z"), Value::Int8(1), Value::Int8(5)],
        ]
    );
    // Windows over an aggregated query.
    assert_eq!(
        db.rows("SELECT a, sum(sum(b)) OVER (ORDER BY a) FROM t GROUP BY a ORDER BY a"),
        vec![
            vec![i(1), Value::Numeric(30.into())],
            vec![i(2), Value::Numeric(35.into())],
        ]
    );
}

#[test]
fn set_operations_unify_types() {
    let db = Db::with_tables();
    assert_eq!(
        db.columns("SELECT 1 AS x UNION SELECT 2.5"),
        [(
            "x".to_string(),
            DataType::Numeric {
                precision: None,
                scale: None
            }
        )]
    );
    assert_eq!(
        db.columns("SELECT 'a' UNION ALL SELECT 'b'"),
        [("?column?".to_string(), DataType::Text)]
    );
    assert_eq!(
        db.rows("SELECT 1 UNION SELECT 1 UNION ALL SELECT 2 ORDER BY 1"),
        vec![vec![i(1)], vec![i(2)]]
    );
    assert_eq!(db.rows("SELECT 1 INTERSECT SELECT 1"), vec![vec![i(1)]]);
    assert_eq!(
        db.rows("(SELECT 1 EXCEPT SELECT 2) ORDER BY 1 LIMIT 5"),
        vec![vec![i(1)]]
    );
    assert_eq!(
        db.rows("VALUES (1, 'a'), (2, NULL) ORDER BY column1 DESC"),
        vec![vec![i(2), Value::Null], vec![i(1), s("a")]]
    );
    assert_eq!(
        db.columns("VALUES (1, NULL)")[1],
        ("column2".to_string(), DataType::Text)
    );
}

#[test]
fn ctes_share_one_scan_id() {
    let db = Db::with_tables();
    let plan = db.plan("WITH x AS (SELECT a FROM t) SELECT * FROM x AS p, x AS q");
    let LogicalPlan::Project { input, .. } = plan else {
        panic!()
    };
    let LogicalPlan::Join { left, right, .. } = *input else {
        panic!()
    };
    let (LogicalPlan::CteScan { id: l, .. }, LogicalPlan::CteScan { id: r, .. }) = (*left, *right)
    else {
        panic!()
    };
    assert_eq!(l, r);
    assert_eq!(db.rows("WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 4) SELECT sum(k) FROM n"), vec![vec![Value::Int8(10)]]);
    assert_eq!(
        db.rows("WITH RECURSIVE n AS (SELECT 1 AS k) SELECT k FROM n"),
        vec![vec![i(1)]]
    );
}

#[test]
fn subqueries_correlated_and_not() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'); INSERT INTO u VALUES (1, 100)")
        .unwrap();
    let plan = db.plan("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)");
    let LogicalPlan::Project { input, .. } = plan else {
        panic!()
    };
    let LogicalPlan::Filter {
        predicate: ScalarExpr::Subquery(sq),
        ..
    } = *input
    else {
        panic!()
    };
    assert!(sq.correlated);
    assert!(matches!(sq.kind, SubqueryKind::Exists { negated: false }));
    let LogicalPlan::Project { input, .. } =
        db.plan("SELECT a FROM t WHERE a IN (SELECT a FROM u)")
    else {
        panic!()
    };
    let LogicalPlan::Filter {
        predicate: ScalarExpr::Subquery(sq),
        ..
    } = *input
    else {
        panic!()
    };
    assert!(!sq.correlated);
    assert_eq!(
        db.rows("SELECT a, (SELECT d FROM u WHERE u.a = t.a) FROM t ORDER BY a"),
        vec![vec![i(1), i(100)], vec![i(2), Value::Null]]
    );
    assert_eq!(
        db.rows("SELECT a FROM t WHERE a > ALL (SELECT a FROM u)"),
        vec![vec![i(2)]]
    );
    // An outer reference from a subquery of an aggregated query reads the group key.
    assert_eq!(
        db.rows("SELECT a, (SELECT count(*) FROM u WHERE u.a = t.a) FROM t GROUP BY a ORDER BY a"),
        vec![vec![i(1), Value::Int8(1)], vec![i(2), Value::Int8(0)],]
    );
    assert_eq!(
        db.rows("SELECT x FROM (SELECT a AS x FROM t) s WHERE x = 2"),
        vec![vec![i(2)]]
    );
}

#[test]
fn views_expand_to_their_query() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y')")
        .unwrap();
    db.exec("CREATE VIEW v (k, total) AS SELECT a, b * 2 FROM t")
        .unwrap();
    assert_eq!(
        db.columns("SELECT * FROM v"),
        [
            ("k".to_string(), DataType::Int4),
            ("total".to_string(), DataType::Int4)
        ]
    );
    assert_eq!(
        db.rows("SELECT total FROM v WHERE k = 2"),
        vec![vec![i(40)]]
    );
    assert_eq!(
        db.rows("SELECT v.k FROM v JOIN public.t ON t.a = v.k ORDER BY 1"),
        vec![vec![i(1)], vec![i(2)]]
    );
}

#[test]
fn for_update_locks_below_the_projection() {
    let db = Db::with_tables();
    let plan = db.plan("SELECT c FROM t WHERE a = 1 FOR UPDATE");
    let LogicalPlan::Project { input, .. } = plan else {
        panic!("{plan:?}")
    };
    let LogicalPlan::LockRows {
        input,
        targets,
        exclusive,
        recheck,
    } = *input
    else {
        panic!()
    };
    assert!(exclusive && recheck.is_some());
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].1, 3, "tid after the three columns");
    assert!(matches!(*input, LogicalPlan::Filter { .. }));
    db.exec("INSERT INTO t VALUES (1, 1, 'x')").unwrap();
    assert_eq!(db.rows("SELECT c FROM t FOR SHARE"), vec![vec![s("x")]]);
}

#[test]
fn parameters_take_their_context_types() {
    let db = Db::with_tables();
    let crate::binder::BoundStatement::Query { param_types, .. } = db
        .bind("SELECT c FROM t WHERE a = $1 AND c LIKE $2 LIMIT $3")
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        param_types,
        [DataType::Int4, DataType::Text, DataType::Int8]
    );
    let crate::binder::BoundStatement::Query { param_types, .. } = db.bind("SELECT $1").unwrap()
    else {
        panic!()
    };
    assert_eq!(param_types, [DataType::Text]);
}

#[test]
fn range_offsets_need_a_number_key() {
    let db = Db::new();
    db.exec("CREATE TABLE w (n int, v varchar(3), c char(2), d date)")
        .unwrap();
    let frame = |key: &str| {
        format!(
            "SELECT sum(n) OVER (ORDER BY {key} RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w"
        )
    };
    db.bind(&frame("n")).unwrap();
    for (key, ty) in [("v", "text"), ("c", "character"), ("n > 0", "boolean")] {
        super::assert_err(
            &db.bind_err(&frame(key)),
            "0A000",
            &format!("RANGE with offset PRECEDING/FOLLOWING is not supported for column type {ty}"),
        );
    }
    // PostgreSQL has these (with an interval offset); RustyDB does not.
    assert_eq!(db.bind_err(&frame("d")).sqlstate(), "0A000");
}

#[test]
fn count_of_a_row_counts_rows_with_null_fields() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, NULL, 'x'), (1, NULL, 'y'), (NULL, NULL, 'z'), (2, 3, 'w')")
        .unwrap();
    assert_eq!(
        db.rows("SELECT count(DISTINCT (a, b)), count((a, b)), count(DISTINCT a) FROM t"),
        vec![vec![Value::Int8(3), Value::Int8(4), Value::Int8(2)]]
    );
}
