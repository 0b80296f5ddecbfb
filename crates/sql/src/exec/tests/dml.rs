//! INSERT, UPDATE and DELETE: constraints with PostgreSQL's messages, unique indexes,
//! ON CONFLICT, RETURNING, and index maintenance.

use super::*;
use crate::plan::logical::OnConflict;

/// `tt (a int primary key, b int not null, c text check (c <> 'xyz'))`.
fn tt(db: &Db) -> TableRef {
    db.create_table(
        "tt",
        &[
            ("a", DataType::Int4, true),
            ("b", DataType::Int4, true),
            ("c", DataType::Text, false),
        ],
    );
    db.create_index("tt", "tt_pkey", &[0], true, true);
    db.add_check(
        "tt",
        "tt_c_check",
        bin(BinaryOp::NotEq, col(2, DataType::Text), text("xyz")),
    );
    db.table("tt")
}

#[test]
fn not_null_check_and_unique_violations() {
    let db = Db::new();
    let t = tt(&db);
    let e = assert_err(
        db.run(&insert(&t, vec![vec![i4(1), Value::Null, tv("x")]])),
        "23502",
        "null value in column \"b\" of relation \"tt\" violates not-null constraint",
    );
    assert_eq!(e.detail(), Some("Failing row contains (1, null, x)."));
    assert_eq!(e.code().id(), "ERR-SQL-006");
    let e = assert_err(
        db.run(&insert(&t, vec![vec![i4(1), i4(2), tv("xyz")]])),
        "23514",
        "new row for relation \"tt\" violates check constraint \"tt_c_check\"",
    );
    assert_eq!(e.detail(), Some("Failing row contains (1, 2, xyz)."));
    // A CHECK that is NULL passes.
    assert_eq!(
        db.run(&insert(&t, vec![vec![i4(1), i4(2), Value::Null]]))
            .unwrap()
            .rows_affected,
        1
    );
    let e = assert_err(
        db.run(&insert(&t, vec![vec![i4(1), i4(3), tv("y")]])),
        "23505",
        "duplicate key value violates unique constraint \"tt_pkey\"",
    );
    assert_eq!(e.detail(), Some("Key (a)=(1) already exists."));
    // Two rows of one statement conflict too, and the failed statement left nothing.
    assert_err(
        db.run(&insert(
            &t,
            vec![vec![i4(5), i4(1), tv("p")], vec![i4(5), i4(2), tv("q")]],
        )),
        "23505",
        "duplicate key value violates unique constraint \"tt_pkey\"",
    );
    assert_eq!(db.contents("tt"), vec![vec![i4(1), i4(2), Value::Null]]);
}

#[test]
fn assignment_casts_apply_typmods() {
    let db = Db::new();
    let t = db.create_table("vc", &[("s", DataType::Varchar(Some(2)), false)]);
    let plan = LogicalPlan::Insert {
        table: t.clone(),
        source: Box::new(values(vec![vec![tv("abc")]], &[DataType::Text])),
        on_conflict: None,
        returning: vec![],
        schema: vec![],
    };
    assert_err(
        db.run(&plan),
        "22001",
        "value too long for type character varying(2)",
    );
}

#[test]
fn null_keys_never_conflict_and_composite_keys_report_all_columns() {
    let db = Db::new();
    db.create_table(
        "u2",
        &[("a", DataType::Int4, false), ("b", DataType::Int4, false)],
    );
    db.create_index("u2", "u2_a_b_key", &[0, 1], true, false);
    let t = db.table("u2");
    db.run(&insert(
        &t,
        vec![
            vec![i4(1), Value::Null],
            vec![i4(1), Value::Null],
            vec![i4(1), i4(2)],
        ],
    ))
    .unwrap();
    let e = assert_err(
        db.run(&insert(&t, vec![vec![i4(1), i4(2)]])),
        "23505",
        "duplicate key value violates unique constraint \"u2_a_b_key\"",
    );
    assert_eq!(e.detail(), Some("Key (a, b)=(1, 2) already exists."));
}

fn upsert(t: &TableRef, rows: Vec<Vec<Value>>, on_conflict: OnConflict) -> LogicalPlan {
    let LogicalPlan::Insert { table, source, .. } = insert(t, rows) else {
        unreachable!()
    };
    let returning = (0..3).map(|i| col(i, t.types[i].clone())).collect();
    LogicalPlan::Insert {
        table,
        source,
        on_conflict: Some(on_conflict),
        returning,
        schema: schema_of(t, false),
    }
}

#[test]
fn on_conflict_do_nothing_and_do_update() {
    let db = Db::new();
    let t = tt(&db);
    db.run(&insert(&t, vec![vec![i4(1), i4(2), tv("x")]]))
        .unwrap();
    let pkey = t.primary_key().unwrap().clone();
    // DO UPDATE SET b = tt.b + excluded.b RETURNING *.
    let do_update = |pred: Option<ScalarExpr>| OnConflict::DoUpdate {
        index: pkey.clone(),
        assignments: vec![(1, bin(BinaryOp::Plus, c4(1), c4(4)))],
        predicate: pred,
    };
    let r = db
        .run(&upsert(
            &t,
            vec![vec![i4(1), i4(5), tv("q")]],
            do_update(None),
        ))
        .unwrap();
    assert_eq!(
        (r.rows_affected, r.rows),
        (1, vec![vec![i4(1), i4(7), tv("x")]])
    );
    // The WHERE of DO UPDATE can skip the update.
    let r = db
        .run(&upsert(
            &t,
            vec![vec![i4(1), i4(5), tv("q")]],
            do_update(Some(bin(BinaryOp::Gt, c4(1), int(100)))),
        ))
        .unwrap();
    assert_eq!(r.rows_affected, 0);
    // Rows inserted by the same statement cannot be updated again.
    let e = assert_err(
        db.run(&upsert(
            &t,
            vec![vec![i4(2), i4(5), tv("q")], vec![i4(2), i4(6), tv("r")]],
            do_update(None),
        )),
        "21000",
        "ON CONFLICT DO UPDATE command cannot affect row a second time",
    );
    assert!(
        e.hint()
            .unwrap()
            .starts_with("Ensure that no rows proposed for insertion")
    );
    // DO NOTHING skips conflicts, including with rows of the same statement.
    let r = db
        .run(&upsert(
            &t,
            vec![
                vec![i4(3), i4(1), tv("a")],
                vec![i4(3), i4(2), tv("b")],
                vec![i4(1), i4(0), tv("c")],
            ],
            OnConflict::DoNothing { index: None },
        ))
        .unwrap();
    assert_eq!(r.rows, vec![vec![i4(3), i4(1), tv("a")]]);
    assert_eq!(
        db.contents("tt"),
        vec![vec![i4(1), i4(7), tv("x")], vec![i4(3), i4(1), tv("a")]]
    );
}

#[test]
fn update_maintains_indexes_and_checks_changed_keys() {
    let db = Db::new();
    let t = tt(&db);
    db.run(&insert(
        &t,
        (1..=5).map(|i| vec![i4(i), i4(i), tv("v")]).collect(),
    ))
    .unwrap();
    // Changing b keeps every key: no conflict with the old versions.
    let r = db
        .run(&update(
            &t,
            vec![],
            vec![(1, bin(BinaryOp::Multiply, c4(1), int(10)))],
        ))
        .unwrap();
    assert_eq!(r.rows_affected, 5);
    let e = assert_err(
        db.run(&update(&t, vec![eq(c4(0), int(1))], vec![(0, int(3))])),
        "23505",
        "duplicate key value violates unique constraint \"tt_pkey\"",
    );
    assert_eq!(e.detail(), Some("Key (a)=(3) already exists."));
    db.run(&update(&t, vec![eq(c4(0), int(1))], vec![(0, int(10))]))
        .unwrap();
    // The index finds the new key and not the old one.
    let idx = db.table("tt").primary_key().unwrap().clone();
    let probe = |k| {
        let access = ScanAccess::Index {
            index: idx.clone(),
            eq: vec![int(k)],
            lower: None,
            upper: None,
            reverse: false,
        };
        db.rows(&scan_full(&t, vec![eq(c4(0), int(k))], access, false))
    };
    assert_eq!(probe(10), vec![vec![i4(10), i4(10), tv("v")]]);
    assert!(probe(1).is_empty());
    assert_err(
        db.run(&update(
            &t,
            vec![eq(c4(0), int(2))],
            vec![(1, null(DataType::Int4))],
        )),
        "23502",
        "null value in column \"b\" of relation \"tt\" violates not-null constraint",
    );
}

#[test]
fn delete_and_returning() {
    let db = Db::new();
    let t = tt(&db);
    db.run(&insert(
        &t,
        (1..=4).map(|i| vec![i4(i), i4(i * 10), tv("v")]).collect(),
    ))
    .unwrap();
    let LogicalPlan::Delete {
        table,
        input,
        tid_column,
        first_column,
        recheck,
        ..
    } = delete(&t, vec![bin(BinaryOp::Gt, c4(0), int(2))])
    else {
        unreachable!()
    };
    let plan = LogicalPlan::Delete {
        table,
        input,
        tid_column,
        first_column,
        recheck,
        returning: vec![c4(1)],
        schema: vec![Column::new("b", DataType::Int4)],
    };
    let r = db.run(&plan).unwrap();
    assert_eq!(
        (r.rows_affected, r.rows),
        (2, vec![vec![i4(30)], vec![i4(40)]])
    );
    // Deleting the same key again in a later statement finds nothing.
    assert_eq!(
        db.run(&delete(&t, vec![eq(c4(0), int(3))]))
            .unwrap()
            .rows_affected,
        0
    );
    // A deleted key can be inserted again.
    db.run(&insert(&t, vec![vec![i4(3), i4(0), tv("again")]]))
        .unwrap();
    assert_eq!(db.contents("tt").len(), 3);
}
