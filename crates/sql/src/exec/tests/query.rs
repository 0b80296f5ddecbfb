//! Scans, projections, sorting, limits, DISTINCT and set operations.

use super::*;
use crate::plan::logical::SetOpKind;

#[test]
fn seq_scan_filters_and_projects() {
    let db = Db::new();
    let t = numbers(&db, "t", 30);
    let plan = LogicalPlan::Project {
        input: Box::new(scan_where(&t, vec![eq(c4(1), int(3))])),
        exprs: vec![bin(BinaryOp::Multiply, c4(0), int(10))],
        schema: vec![Column::new("x", DataType::Int4)],
    };
    assert_eq!(
        db.rows(&plan),
        vec![vec![i4(30)], vec![i4(130)], vec![i4(230)]]
    );
}

#[test]
fn scan_returns_the_hidden_tid() {
    let db = Db::new();
    let t = numbers(&db, "t", 2);
    let rows = db.rows(&scan_full(&t, vec![], ScanAccess::Sequential, true));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][2], i8v(0), "(page 0, slot 0)");
    assert_eq!(rows[1][2], i8v(1));
}

/// A bound of the scanned range: value and inclusiveness.
type Bound = Option<(i32, bool)>;

fn index_scan(
    t: &TableRef,
    index: &IndexRef,
    eq: Vec<ScalarExpr>,
    bounds: (Bound, Bound),
    reverse: bool,
    filter: Vec<ScalarExpr>,
) -> LogicalPlan {
    let access = ScanAccess::Index {
        index: index.clone(),
        eq,
        lower: bounds.0.map(|(v, incl)| (int(v), incl)),
        upper: bounds.1.map(|(v, incl)| (int(v), incl)),
        reverse,
    };
    scan_full(t, filter, access, false)
}

fn firsts(rows: Vec<Vec<Value>>) -> Vec<Value> {
    rows.into_iter().map(|r| r[0].clone()).collect()
}

#[test]
fn index_scan_ranges_and_directions() {
    let db = Db::new();
    numbers(&db, "t", 50);
    let idx = db.create_index("t", "t_a", &[0], true, true);
    let t = db.table("t");
    let vals = |v: &[i32]| v.iter().map(|&x| i4(x)).collect::<Vec<_>>();
    assert_eq!(
        firsts(db.rows(&index_scan(
            &t,
            &idx,
            vec![int(7)],
            (None, None),
            false,
            vec![]
        ))),
        vals(&[7])
    );
    let r = index_scan(
        &t,
        &idx,
        vec![],
        (Some((10, false)), Some((14, true))),
        false,
        vec![],
    );
    assert_eq!(firsts(db.rows(&r)), vals(&[11, 12, 13, 14]));
    let r = index_scan(
        &t,
        &idx,
        vec![],
        (Some((10, true)), Some((14, false))),
        true,
        vec![],
    );
    assert_eq!(firsts(db.rows(&r)), vals(&[13, 12, 11, 10]));
    let r = index_scan(&t, &idx, vec![], (Some((48, false)), None), false, vec![]);
    assert_eq!(firsts(db.rows(&r)), vals(&[49, 50]));
    // NULL never matches a key.
    let r = index_scan(
        &t,
        &idx,
        vec![null(DataType::Int4)],
        (None, None),
        false,
        vec![],
    );
    assert!(db.rows(&r).is_empty());
    // The filter is always re-checked on the fetched row.
    let r = index_scan(
        &t,
        &idx,
        vec![],
        (Some((1, true)), Some((20, true))),
        false,
        vec![eq(c4(1), int(5))],
    );
    assert_eq!(firsts(db.rows(&r)), vals(&[5, 15]));
}

#[test]
fn index_scan_on_a_composite_key_and_invisible_versions() {
    let db = Db::new();
    numbers(&db, "t", 40);
    let idx = db.create_index("t", "t_ba", &[1, 0], false, false);
    let t = db.table("t");
    let r = index_scan(
        &t,
        &idx,
        vec![int(3)],
        (Some((13, true)), None),
        false,
        vec![],
    );
    assert_eq!(firsts(db.rows(&r)), vec![i4(13), i4(23), i4(33)]);
    // Versions deleted or replaced are still in the index but not seen.
    db.run(&delete(&t, vec![eq(c4(0), int(23))])).unwrap();
    db.run(&update(&t, vec![eq(c4(0), int(33))], vec![(1, int(4))]))
        .unwrap();
    assert_eq!(firsts(db.rows(&r)), vec![i4(13)]);
}

#[test]
fn values_limit_offset() {
    let db = Db::new();
    let v = values((1..=10).map(|i| vec![i4(i)]).collect(), &[DataType::Int4]);
    let limit = |l: Option<ScalarExpr>, o: Option<ScalarExpr>| LogicalPlan::Limit {
        input: Box::new(v.clone()),
        limit: l,
        offset: o,
    };
    assert_eq!(
        firsts(db.rows(&limit(Some(int(3)), Some(int(4))))),
        vec![i4(5), i4(6), i4(7)]
    );
    assert_eq!(
        db.rows(&limit(Some(null(DataType::Int8)), Some(int(8))))
            .len(),
        2
    );
    assert!(db.rows(&limit(Some(int(0)), None)).is_empty());
    assert_err(
        db.run(&limit(Some(int(-1)), None)),
        "2201W",
        "LIMIT must not be negative",
    );
    assert_err(
        db.run(&limit(None, Some(int(-1)))),
        "2201X",
        "OFFSET must not be negative",
    );
}

#[test]
fn sort_orders_nulls_and_directions() {
    let db = Db::new();
    let v = values(
        vec![vec![i4(2)], vec![Value::Null], vec![i4(1)], vec![i4(3)]],
        &[DataType::Int4],
    );
    let sorted =
        |desc, nulls_first| firsts(db.rows(&sort(v.clone(), vec![(c4(0), desc, nulls_first)])));
    assert_eq!(sorted(false, false), vec![i4(1), i4(2), i4(3), Value::Null]);
    assert_eq!(sorted(false, true), vec![Value::Null, i4(1), i4(2), i4(3)]);
    assert_eq!(sorted(true, true), vec![Value::Null, i4(3), i4(2), i4(1)]);
    assert_eq!(sorted(true, false), vec![i4(3), i4(2), i4(1), Value::Null]);
}

#[test]
fn top_n_sort_keeps_only_the_first_rows() {
    let db = Db::new();
    let t = numbers(&db, "t", 200);
    let plan = LogicalPlan::Sort {
        input: Box::new(scan(&t)),
        keys: vec![
            SortKey {
                expr: c4(1),
                desc: true,
                nulls_first: false,
            },
            SortKey {
                expr: c4(0),
                desc: false,
                nulls_first: false,
            },
        ],
        limit: Some(3),
    };
    assert_eq!(firsts(db.rows(&plan)), vec![i4(9), i4(19), i4(29)]);
}

fn sort_temp_files() -> usize {
    let prefix = format!("rustydb-sort-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        })
        .count()
}

#[test]
fn external_sort_spills_merges_and_cleans_up() {
    let mut db = Db::new();
    let t = db.create_table(
        "t",
        &[("a", DataType::Int4, false), ("s", DataType::Text, false)],
    );
    let n = 5000;
    db.run(&insert(
        &t,
        (0..n).map(|i| vec![i4((i * 7919) % n), t_of(i)]).collect(),
    ))
    .unwrap();
    // 8 kB of work memory: about a hundred runs, merged in two passes.
    db.work_mem = 8 * 1024;
    let plan = sort(scan(&t), vec![(c4(0), false, false)]);
    let rows = db.rows(&plan);
    assert_eq!(rows.len(), n as usize);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row[0], i4(k as i32));
        // The text travels with its key: it names the i that produced this key.
        let Value::Text(s) = &row[1] else {
            panic!("{row:?}")
        };
        let i: i32 = s[4..9].parse().unwrap();
        assert_eq!((i * 7919) % n, k as i32);
    }
    // The runs were deleted.
    assert_eq!(sort_temp_files(), 0);
}

fn t_of(i: i32) -> Value {
    tv(&format!("row {i:05} {}", "x".repeat(40)))
}

#[test]
fn distinct_and_distinct_on() {
    let db = Db::new();
    let v = values(
        vec![
            vec![i4(1), tv("a")],
            vec![i4(1), tv("b")],
            vec![Value::Null, tv("c")],
            vec![i4(1), tv("a")],
            vec![Value::Null, tv("d")],
        ],
        &[DataType::Int4, DataType::Text],
    );
    let d = LogicalPlan::Distinct {
        input: Box::new(v.clone()),
        on: None,
    };
    assert_eq!(db.rows(&d).len(), 4);
    let on = LogicalPlan::Distinct {
        input: Box::new(v),
        on: Some(vec![c4(0)]),
    };
    assert_eq!(
        db.rows(&on),
        vec![vec![i4(1), tv("a")], vec![Value::Null, tv("c")]]
    );
}

#[test]
fn set_operations_with_and_without_all() {
    let db = Db::new();
    let l = values(
        vec![
            vec![i4(1)],
            vec![i4(1)],
            vec![i4(1)],
            vec![i4(2)],
            vec![Value::Null],
            vec![i4(3)],
        ],
        &[DataType::Int4],
    );
    let r = values(
        vec![vec![i4(1)], vec![i4(1)], vec![Value::Null], vec![i4(4)]],
        &[DataType::Int4],
    );
    let op = |kind, all| {
        let plan = LogicalPlan::SetOp {
            kind,
            all,
            left: Box::new(l.clone()),
            right: Box::new(r.clone()),
            schema: vec![Column::new("x", DataType::Int4)],
        };
        let mut v = firsts(db.rows(&plan));
        v.sort_by(crate::types::compare::sort_cmp);
        v
    };
    let n = Value::Null;
    assert_eq!(
        op(SetOpKind::Union, false),
        vec![i4(1), i4(2), i4(3), i4(4), n.clone()]
    );
    assert_eq!(op(SetOpKind::Union, true).len(), 10);
    assert_eq!(op(SetOpKind::Intersect, false), vec![i4(1), n.clone()]);
    assert_eq!(
        op(SetOpKind::Intersect, true),
        vec![i4(1), i4(1), n.clone()]
    );
    assert_eq!(op(SetOpKind::Except, false), vec![i4(2), i4(3)]);
    assert_eq!(op(SetOpKind::Except, true), vec![i4(1), i4(2), i4(3)]);
}

#[test]
fn cursor_fetches_in_pieces() {
    let db = Db::new();
    let t = numbers(&db, "t", 2500);
    let mut txn = db.begin();
    txn.begin_statement(None).unwrap();
    let mut seqs = SessionSequences::default();
    let mut ctx = db.context(&mut txn, &[], &mut seqs);
    let mut cursor = super::super::open_cursor(Arc::new(scan(&t)), &ctx).unwrap();
    let mut total = 0;
    for want in [1, 10, 1500, 2000] {
        let got = cursor.fetch(&mut ctx, want).unwrap();
        assert!(got.len() <= want);
        total += got.len();
    }
    assert_eq!(total, 2500);
    assert!(cursor.is_exhausted());
    assert_eq!(cursor.rows_affected(), 2500);
}
