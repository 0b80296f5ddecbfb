//! Window functions, compared with PostgreSQL 15's output for the same query:
//!
//! ```sql
//! select k, v, row_number() over w, rank() over w, dense_rank() over w,
//!   percent_rank() over w, cume_dist() over w, ntile(3) over w, lag(v) over w,
//!   lead(v, 2, -1) over w, first_value(v) over w, last_value(v) over w,
//!   nth_value(v, 2) over w, sum(v) over w,
//!   sum(v) over (partition by k order by v rows between 1 preceding and 1 following),
//!   sum(v) over (partition by k order by v range between 1 preceding and current row),
//!   count(*) over (partition by k)
//! from (values (1,10),(1,20),(1,20),(1,30),(2,5),(2,null),(1,40)) t(k,v)
//! window w as (partition by k order by v) order by k, v
//! ```

use super::*;
use crate::plan::aggregate::AggregateFunction;
use crate::plan::logical::{FrameBound as B, FrameUnits, WindowCall, WindowFunction as W};

fn call(
    func: W,
    args: Vec<ScalarExpr>,
    ordered: bool,
    frame: (FrameUnits, B, B),
    ty: DataType,
) -> WindowCall {
    WindowCall {
        func,
        args,
        partition_by: vec![c4(0)],
        order_by: if ordered {
            vec![SortKey {
                expr: c4(1),
                desc: false,
                nulls_first: false,
            }]
        } else {
            vec![]
        },
        frame,
        ty,
    }
}

fn default_frame() -> (FrameUnits, B, B) {
    (FrameUnits::Range, B::UnboundedPreceding, B::CurrentRow)
}

#[test]
fn functions_and_frames_match_postgres() {
    let db = Db::new();
    let n = Value::Null;
    let input = values(
        vec![
            vec![i4(1), i4(10)],
            vec![i4(1), i4(20)],
            vec![i4(1), i4(20)],
            vec![i4(1), i4(30)],
            vec![i4(2), i4(5)],
            vec![i4(2), n.clone()],
            vec![i4(1), i4(40)],
        ],
        &[DataType::Int4, DataType::Int4],
    );
    let d = default_frame;
    let i8t = DataType::Int8;
    let f8 = DataType::Float8;
    let sum = W::Aggregate(AggregateFunction::Sum);
    let calls = vec![
        call(W::RowNumber, vec![], true, d(), i8t.clone()),
        call(W::Rank, vec![], true, d(), i8t.clone()),
        call(W::DenseRank, vec![], true, d(), i8t.clone()),
        call(W::PercentRank, vec![], true, d(), f8.clone()),
        call(W::CumeDist, vec![], true, d(), f8),
        call(W::Ntile, vec![int(3)], true, d(), DataType::Int4),
        call(W::Lag, vec![c4(1)], true, d(), DataType::Int4),
        call(
            W::Lead,
            vec![c4(1), int(2), int(-1)],
            true,
            d(),
            DataType::Int4,
        ),
        call(W::FirstValue, vec![c4(1)], true, d(), DataType::Int4),
        call(W::LastValue, vec![c4(1)], true, d(), DataType::Int4),
        call(W::NthValue, vec![c4(1), int(2)], true, d(), DataType::Int4),
        call(sum.clone(), vec![c4(1)], true, d(), i8t.clone()),
        call(
            sum.clone(),
            vec![c4(1)],
            true,
            (FrameUnits::Rows, B::Preceding(1), B::Following(1)),
            i8t.clone(),
        ),
        call(
            sum,
            vec![c4(1)],
            true,
            (FrameUnits::Range, B::Preceding(1), B::CurrentRow),
            i8t.clone(),
        ),
        call(
            W::Aggregate(AggregateFunction::CountStar),
            vec![],
            false,
            d(),
            i8t,
        ),
    ];
    let schema = (0..2 + calls.len())
        .map(|i| Column::new(format!("c{i}"), DataType::Int8))
        .collect();
    let plan = LogicalPlan::Window {
        input: Box::new(input),
        calls,
        schema,
    };
    let got: Vec<String> = db
        .rows(&plan)
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| {
                    if v.is_null() {
                        String::new()
                    } else {
                        crate::types::text::format_value(v)
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    let want = [
        "1|10|1|1|1|0|0.2|1||20|10|10||10|30|10|5",
        "1|20|2|2|2|0.25|0.6|1|10|30|10|20|20|50|50|40|5",
        "1|20|3|2|2|0.25|0.6|2|20|40|10|20|20|50|70|40|5",
        "1|30|4|4|3|0.75|0.8|2|20|-1|10|30|20|80|90|30|5",
        "1|40|5|5|4|1|1|3|30|-1|10|40|20|120|70|40|5",
        "2|5|1|1|1|0|0.5|1||-1|5|5||5|5|5|2",
        "2||2|2|2|1|1|2|5|-1|5|||5|5||2",
    ];
    assert_eq!(got, want);
}

#[test]
fn ntile_and_nth_value_reject_non_positive_arguments() {
    let db = Db::new();
    let input = values(vec![vec![i4(1), i4(1)]], &[DataType::Int4, DataType::Int4]);
    for (func, args, state, msg) in [
        (
            W::Ntile,
            vec![int(0)],
            "22014",
            "argument of ntile must be greater than zero",
        ),
        (
            W::NthValue,
            vec![c4(1), int(0)],
            "22016",
            "argument of nth_value must be greater than zero",
        ),
    ] {
        let plan = LogicalPlan::Window {
            input: Box::new(input.clone()),
            calls: vec![call(func, args, true, default_frame(), DataType::Int4)],
            schema: vec![],
        };
        assert_err(db.run(&plan), state, msg);
    }
}

#[test]
fn running_sum_over_a_large_partition_is_linear() {
    let db = Db::new();
    let t = numbers(&db, "t", 20_000);
    let mut c = call(
        W::Aggregate(AggregateFunction::Sum),
        vec![c4(0)],
        true,
        default_frame(),
        DataType::Int8,
    );
    c.partition_by = vec![];
    c.order_by = vec![SortKey {
        expr: c4(0),
        desc: false,
        nulls_first: false,
    }];
    let plan = LogicalPlan::Window {
        input: Box::new(scan(&t)),
        calls: vec![c],
        schema: vec![],
    };
    let rows = db.rows(&plan);
    assert_eq!(rows.last().unwrap()[2], i8v(20_000 * 20_001 / 2));
}
