//! Joins: every kind with every algorithm gives the same rows.

use super::*;
use crate::plan::logical::{JoinKind, JoinStrategy};

/// l(k, x): (1, 'a'), (2, 'b'), (2, 'c'), (NULL, 'n'), (5, 'e')
/// r(k, y): (2, 'B'), (3, 'C'), (NULL, 'N'), (1, 'A'), (1, 'A2')
fn inputs() -> (LogicalPlan, LogicalPlan) {
    let ty = [DataType::Int4, DataType::Text];
    let l = values(
        vec![
            vec![i4(1), tv("a")],
            vec![i4(2), tv("b")],
            vec![i4(2), tv("c")],
            vec![Value::Null, tv("n")],
            vec![i4(5), tv("e")],
        ],
        &ty,
    );
    let r = values(
        vec![
            vec![i4(2), tv("B")],
            vec![i4(3), tv("C")],
            vec![Value::Null, tv("N")],
            vec![i4(1), tv("A")],
            vec![i4(1), tv("A2")],
        ],
        &ty,
    );
    (l, r)
}

fn join(kind: JoinKind, strategy: &str) -> LogicalPlan {
    let (l, r) = inputs();
    let key = |i| col(i, DataType::Int4);
    let (l, r, on, strategy) = match strategy {
        "nested" => (l, r, Some(eq(key(0), key(2))), JoinStrategy::NestedLoop),
        "hash" => (
            l,
            r,
            None,
            JoinStrategy::Hash {
                left_keys: vec![key(0)],
                right_keys: vec![key(0)],
            },
        ),
        _ => {
            let s = |p| sort(p, vec![(key(0), false, false)]);
            (
                s(l),
                s(r),
                None,
                JoinStrategy::Merge {
                    left_keys: vec![key(0)],
                    right_keys: vec![key(0)],
                },
            )
        }
    };
    LogicalPlan::Join {
        left: Box::new(l),
        right: Box::new(r),
        kind,
        on,
        strategy,
    }
}

fn sorted(db: &Db, plan: &LogicalPlan) -> Vec<String> {
    let mut rows: Vec<String> = db
        .rows(plan)
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| {
                    if v.is_null() {
                        "-".into()
                    } else {
                        crate::types::text::format_value(v)
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_kind_agrees_across_algorithms() {
    let db = Db::new();
    let expect: &[(JoinKind, &[&str])] = &[
        (
            JoinKind::Inner,
            &["1,a,1,A", "1,a,1,A2", "2,b,2,B", "2,c,2,B"],
        ),
        (
            JoinKind::Left,
            &[
                "-,n,-,-", "1,a,1,A", "1,a,1,A2", "2,b,2,B", "2,c,2,B", "5,e,-,-",
            ],
        ),
        (
            JoinKind::Right,
            &[
                "-,-,-,N", "-,-,3,C", "1,a,1,A", "1,a,1,A2", "2,b,2,B", "2,c,2,B",
            ],
        ),
        (
            JoinKind::Full,
            &[
                "-,-,-,N", "-,-,3,C", "-,n,-,-", "1,a,1,A", "1,a,1,A2", "2,b,2,B", "2,c,2,B",
                "5,e,-,-",
            ],
        ),
        (JoinKind::Semi, &["1,a", "2,b", "2,c"]),
        (JoinKind::Anti, &["-,n", "5,e"]),
    ];
    for (kind, rows) in expect {
        for algo in ["nested", "hash", "merge"] {
            assert_eq!(
                sorted(&db, &join(*kind, algo)),
                rows.to_vec(),
                "{kind:?} {algo}"
            );
        }
    }
}

#[test]
fn residual_conditions_apply_to_matches_only() {
    let db = Db::new();
    let (l, r) = inputs();
    // LEFT JOIN ON l.k = r.k AND r.y <> 'A': unmatched left rows still appear.
    let residual = bin(BinaryOp::NotEq, col(3, DataType::Text), text("A"));
    let plan = LogicalPlan::Join {
        left: Box::new(l),
        right: Box::new(r),
        kind: JoinKind::Left,
        on: Some(residual),
        strategy: JoinStrategy::Hash {
            left_keys: vec![c4(0)],
            right_keys: vec![c4(0)],
        },
    };
    assert_eq!(
        sorted(&db, &plan),
        vec!["-,n,-,-", "1,a,1,A2", "2,b,2,B", "2,c,2,B", "5,e,-,-"]
    );
}

#[test]
fn parameterized_nested_loop_probes_an_index_per_left_row() {
    let db = Db::new();
    numbers(&db, "big", 300);
    let idx = db.create_index("big", "big_a", &[0], true, true);
    let big = db.table("big");
    let left = values(
        vec![vec![i4(7)], vec![i4(250)], vec![i4(999)], vec![Value::Null]],
        &[DataType::Int4],
    );
    let outer = ScalarExpr::Outer {
        depth: 1,
        index: 0,
        ty: DataType::Int4,
    };
    let access = ScanAccess::Index {
        index: idx,
        eq: vec![outer.clone()],
        lower: None,
        upper: None,
        reverse: false,
    };
    let right = scan_full(&big, vec![eq(c4(0), outer)], access, false);
    for kind in [JoinKind::Inner, JoinKind::Left, JoinKind::Anti] {
        let plan = LogicalPlan::Join {
            left: Box::new(left.clone()),
            right: Box::new(right.clone()),
            kind,
            on: Some(eq(c4(0), c4(1))),
            strategy: JoinStrategy::Parameterized,
        };
        let got = sorted(&db, &plan);
        let want: &[&str] = match kind {
            JoinKind::Inner => &["250,250,0", "7,7,7"],
            JoinKind::Left => &["-,-,-", "250,250,0", "7,7,7", "999,-,-"],
            _ => &["-", "999"],
        };
        assert_eq!(got, want, "{kind:?}");
    }
}

#[test]
fn hash_join_beyond_work_mem_fails_with_53200() {
    let mut db = Db::new();
    let t = numbers(&db, "t", 2000);
    db.work_mem = 32 * 1024;
    let plan = LogicalPlan::Join {
        left: Box::new(scan(&t)),
        right: Box::new(scan(&t)),
        kind: JoinKind::Inner,
        on: None,
        strategy: JoinStrategy::Hash {
            left_keys: vec![c4(0)],
            right_keys: vec![c4(0)],
        },
    };
    let e = assert_err(
        db.run(&plan),
        "53200",
        "hash join needs more than work_mem (32kB)",
    );
    assert_eq!(e.code().id(), "ERR-SQL-011");
}

#[test]
fn cross_join_streams_in_batches() {
    let db = Db::new();
    let t = numbers(&db, "t", 100);
    let plan = LogicalPlan::Join {
        left: Box::new(scan(&t)),
        right: Box::new(scan(&t)),
        kind: JoinKind::Inner,
        on: None,
        strategy: JoinStrategy::NestedLoop,
    };
    assert_eq!(db.rows(&plan).len(), 10_000);
}

#[test]
fn merge_join_with_duplicates_on_both_sides() {
    let db = Db::new();
    let one = |vals: &[i32]| {
        sort(
            values(
                vals.iter().map(|&v| vec![i4(v)]).collect(),
                &[DataType::Int4],
            ),
            vec![(c4(0), false, false)],
        )
    };
    for (kind, want) in [
        (JoinKind::Inner, vec!["1,1", "1,1", "1,1", "1,1", "4,4"]),
        (
            JoinKind::Full,
            vec!["-,3", "1,1", "1,1", "1,1", "1,1", "2,-", "4,4"],
        ),
        (JoinKind::Semi, vec!["1", "1", "4"]),
    ] {
        let plan = LogicalPlan::Join {
            left: Box::new(one(&[1, 2, 1, 4])),
            right: Box::new(one(&[4, 1, 3, 1])),
            kind,
            on: None,
            strategy: JoinStrategy::Merge {
                left_keys: vec![c4(0)],
                right_keys: vec![c4(0)],
            },
        };
        assert_eq!(sorted(&db, &plan), want, "{kind:?}");
    }
}
