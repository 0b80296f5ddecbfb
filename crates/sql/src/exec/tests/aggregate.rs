//! Aggregation: strategies, accumulators and their PostgreSQL result types.

use rust_decimal::Decimal;

use super::*;
use crate::plan::aggregate::AggregateFunction as F;
use crate::plan::logical::{AggStrategy, AggregateCall};

fn call(func: F, args: Vec<ScalarExpr>) -> AggregateCall {
    let types: Vec<DataType> = args.iter().map(ScalarExpr::ty).collect();
    let ty = func.result_type(&types).unwrap_or(DataType::Int8);
    AggregateCall {
        func,
        args,
        distinct: false,
        filter: None,
        order_by: vec![],
        ty,
    }
}

fn agg(
    input: LogicalPlan,
    group_by: Vec<ScalarExpr>,
    calls: Vec<AggregateCall>,
    strategy: AggStrategy,
) -> LogicalPlan {
    let schema = (0..group_by.len() + calls.len())
        .map(|i| Column::new(format!("c{i}"), DataType::Int8))
        .collect();
    LogicalPlan::Aggregate {
        input: Box::new(input),
        group_by,
        aggregates: calls,
        strategy,
        schema,
    }
}

fn num(s: &str) -> Value {
    Value::Numeric(s.parse::<Decimal>().unwrap())
}

#[test]
fn plain_aggregate_over_no_rows_is_one_row() {
    let db = Db::new();
    let t = numbers(&db, "t", 0);
    let calls = vec![
        call(F::CountStar, vec![]),
        call(F::Count, vec![c4(0)]),
        call(F::Sum, vec![c4(0)]),
        call(F::Max, vec![c4(0)]),
    ];
    assert_eq!(
        db.rows(&agg(scan(&t), vec![], calls, AggStrategy::Plain)),
        vec![vec![i8v(0), i8v(0), Value::Null, Value::Null]]
    );
    // Grouped aggregation of nothing is nothing.
    assert!(
        db.rows(&agg(
            scan(&t),
            vec![c4(1)],
            vec![call(F::CountStar, vec![])],
            AggStrategy::Hash
        ))
        .is_empty()
    );
}

#[test]
fn hash_and_sorted_grouping_agree() {
    let db = Db::new();
    let t = numbers(&db, "t", 95);
    let calls = || {
        vec![
            call(F::CountStar, vec![]),
            call(F::Sum, vec![c4(0)]),
            call(F::Min, vec![c4(0)]),
        ]
    };
    let mut hashed = db.rows(&agg(scan(&t), vec![c4(1)], calls(), AggStrategy::Hash));
    hashed.sort_by(|a, b| crate::types::compare::sort_cmp(&a[0], &b[0]));
    let sorted_input = sort(scan(&t), vec![(c4(1), false, false)]);
    let grouped = db.rows(&agg(
        sorted_input,
        vec![c4(1)],
        calls(),
        AggStrategy::Sorted,
    ));
    assert_eq!(hashed, grouped);
    assert_eq!(grouped.len(), 10);
    // b = 0: 10, 20, .., 90.
    assert_eq!(grouped[0], vec![i4(0), i8v(9), i8v(450), i4(10)]);
    // b = 5: 5, 15, .., 95.
    assert_eq!(grouped[5], vec![i4(5), i8v(10), i8v(500), i4(5)]);
}

#[test]
fn nulls_group_together() {
    let db = Db::new();
    let v = values(
        vec![vec![Value::Null], vec![i4(1)], vec![Value::Null]],
        &[DataType::Int4],
    );
    let mut rows = db.rows(&agg(
        v,
        vec![c4(0)],
        vec![call(F::CountStar, vec![])],
        AggStrategy::Hash,
    ));
    rows.sort_by(|a, b| crate::types::compare::sort_cmp(&a[0], &b[0]));
    assert_eq!(rows, vec![vec![i4(1), i8v(1)], vec![Value::Null, i8v(2)]]);
}

#[test]
fn result_types_and_scales_follow_postgres() {
    let db = Db::new();
    let v = values(
        vec![
            vec![i4(1), i8v(i64::MAX)],
            vec![i4(2), i8v(i64::MAX)],
            vec![i4(4), i8v(1)],
        ],
        &[DataType::Int4, DataType::Int8],
    );
    let c8 = col(1, DataType::Int8);
    let calls = vec![
        call(F::Sum, vec![c4(0)]),
        call(F::Avg, vec![c4(0)]),
        call(F::Sum, vec![c8.clone()]),
        call(F::VarSamp, vec![c4(0)]),
        call(F::StddevSamp, vec![c4(0)]),
        call(F::VarPop, vec![c4(0)]),
    ];
    let row = &db.rows(&agg(v, vec![], calls, AggStrategy::Plain))[0];
    assert_eq!(row[0], i8v(7));
    // PostgreSQL: avg(int4) of 1, 2, 4 = 2.3333333333333333.
    assert_eq!(row[1], num("2.3333333333333333"));
    assert_eq!(row[2], num("18446744073709551615"));
    assert_eq!(row[3], num("2.3333333333333333"));
    assert_eq!(row[4], num("1.5275252316519467"));
    assert_eq!(row[5], num("1.5555555555555556"));
    let avg = db.rows(&agg(
        values(vec![vec![i4(1)], vec![i4(2)]], &[DataType::Int4]),
        vec![],
        vec![call(F::Avg, vec![c4(0)])],
        AggStrategy::Plain,
    ));
    assert_eq!(avg[0][0], num("1.5000000000000000"));
}

#[test]
fn float_aggregates_and_overflow() {
    let db = Db::new();
    let f = |x: f64| Value::Float8(x);
    let v = values(
        vec![vec![f(1.0)], vec![f(2.0)], vec![f(4.0)]],
        &[DataType::Float8],
    );
    let c = col(0, DataType::Float8);
    let row = &db.rows(&agg(
        v,
        vec![],
        vec![
            call(F::Avg, vec![c.clone()]),
            call(F::VarPop, vec![c.clone()]),
        ],
        AggStrategy::Plain,
    ))[0];
    assert_eq!(row[0], f(7.0 / 3.0));
    let Value::Float8(var) = row[1] else { panic!() };
    assert!((var - 14.0 / 9.0).abs() < 1e-12);
    let big = values(
        vec![vec![f(f64::MAX)], vec![f(f64::MAX)]],
        &[DataType::Float8],
    );
    assert_err(
        db.run(&agg(
            big,
            vec![],
            vec![call(F::Sum, vec![c])],
            AggStrategy::Plain,
        )),
        "22003",
        "value out of range: overflow",
    );
    let ints = values(vec![vec![i8v(i64::MAX)], vec![i8v(1)]], &[DataType::Int8]);
    let int_sum = LogicalPlan::Project {
        input: Box::new(ints),
        exprs: vec![ScalarExpr::Cast {
            expr: Box::new(col(0, DataType::Int8)),
            to: DataType::Int4,
        }],
        schema: vec![Column::new("x", DataType::Int4)],
    };
    assert_err(db.run(&int_sum), "22003", "integer out of range");
}

#[test]
fn distinct_filter_and_ordered_string_agg() {
    let db = Db::new();
    let v = values(
        vec![
            vec![i4(3), tv("c")],
            vec![i4(1), tv("a")],
            vec![i4(3), tv("c")],
            vec![Value::Null, tv("z")],
            vec![i4(2), tv("b")],
        ],
        &[DataType::Int4, DataType::Text],
    );
    let tc = col(1, DataType::Text);
    let mut distinct = call(F::Count, vec![c4(0)]);
    distinct.distinct = true;
    let mut filtered = call(F::CountStar, vec![]);
    filtered.filter = Some(bin(BinaryOp::Gt, c4(0), int(1)));
    let mut agg_desc = call(F::StringAgg, vec![tc.clone(), text(", ")]);
    agg_desc.order_by = vec![SortKey {
        expr: c4(0),
        desc: true,
        nulls_first: false,
    }];
    let mut agg_distinct = call(F::StringAgg, vec![tc.clone(), text("")]);
    agg_distinct.distinct = true;
    agg_distinct.order_by = vec![SortKey {
        expr: tc,
        desc: false,
        nulls_first: false,
    }];
    let row = &db.rows(&agg(
        v,
        vec![],
        vec![distinct, filtered, agg_desc, agg_distinct],
        AggStrategy::Plain,
    ))[0];
    assert_eq!(row[0], i8v(3));
    assert_eq!(row[1], i8v(3));
    assert_eq!(row[2], tv("c, c, b, a, z"));
    assert_eq!(row[3], tv("abcz"));
}

#[test]
fn bool_aggregates() {
    let db = Db::new();
    let b = |x: Option<bool>| x.map_or(Value::Null, Value::Bool);
    let v = values(
        vec![vec![b(Some(true))], vec![b(None)], vec![b(Some(false))]],
        &[DataType::Bool],
    );
    let c = col(0, DataType::Bool);
    let row = &db.rows(&agg(
        v,
        vec![],
        vec![call(F::BoolAnd, vec![c.clone()]), call(F::BoolOr, vec![c])],
        AggStrategy::Plain,
    ))[0];
    assert_eq!(row, &vec![Value::Bool(false), Value::Bool(true)]);
}

#[test]
fn hash_aggregate_beyond_work_mem_fails() {
    let mut db = Db::new();
    let t = numbers(&db, "t", 3000);
    db.work_mem = 16 * 1024;
    let plan = agg(
        scan(&t),
        vec![c4(0)],
        vec![call(F::CountStar, vec![])],
        AggStrategy::Hash,
    );
    assert_err(
        db.run(&plan),
        "53200",
        "hash aggregate needs more than work_mem (16kB)",
    );
}
