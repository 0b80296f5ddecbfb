//! EXPLAIN output, compared with PostgreSQL 15's `EXPLAIN (COSTS OFF)` of the same
//! queries (the leading space psql adds removed).

use super::*;
use crate::exec::{execute_analyze, explain};
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::{Subquery, SubqueryKind};
use crate::plan::logical::{AggStrategy, AggregateCall, JoinKind, JoinStrategy, OnConflict};

fn tables(db: &Db) -> (TableRef, TableRef) {
    db.create_table(
        "p",
        &[("id", DataType::Int4, true), ("v", DataType::Int4, false)],
    );
    db.create_index("p", "p_pkey", &[0], true, true);
    db.create_table(
        "q",
        &[("pid", DataType::Int4, false), ("w", DataType::Text, false)],
    );
    (db.table("p"), db.table("q"))
}

#[test]
fn index_scan_with_filter() {
    let db = Db::new();
    let (p, _) = tables(&db);
    let access = ScanAccess::Index {
        index: p.primary_key().unwrap().clone(),
        eq: vec![int(5)],
        lower: None,
        upper: None,
        reverse: false,
    };
    let plan = scan_full(
        &p,
        vec![eq(c4(0), int(5)), bin(BinaryOp::Gt, c4(1), int(2))],
        access,
        false,
    );
    assert_eq!(
        explain(&plan, None, false),
        [
            "Index Scan using p_pkey on p",
            "  Index Cond: (id = 5)",
            "  Filter: (v > 2)"
        ]
    );
    let access = ScanAccess::Index {
        index: p.primary_key().unwrap().clone(),
        eq: vec![],
        lower: Some((int(5), false)),
        upper: Some((int(9), true)),
        reverse: true,
    };
    assert_eq!(
        explain(&scan_full(&p, vec![], access, false), None, false),
        [
            "Index Scan Backward using p_pkey on p",
            "  Index Cond: ((id > 5) AND (id <= 9))"
        ]
    );
}

#[test]
fn join_aggregate_sort_limit() {
    let db = Db::new();
    let (p, q) = tables(&db);
    let join = LogicalPlan::Join {
        left: Box::new(scan_where(
            &q,
            vec![bin(BinaryOp::NotEq, col(1, DataType::Text), text("y"))],
        )),
        right: Box::new(scan_where(&p, vec![bin(BinaryOp::Lt, c4(1), int(100))])),
        kind: JoinKind::Right,
        on: None,
        strategy: JoinStrategy::Hash {
            left_keys: vec![c4(0)],
            right_keys: vec![c4(0)],
        },
    };
    let count = AggregateCall {
        func: AggregateFunction::CountStar,
        args: vec![],
        distinct: false,
        filter: None,
        order_by: vec![],
        ty: DataType::Int8,
    };
    let v = Column {
        name: "v".into(),
        ty: DataType::Int4,
        qualifier: Some("p".into()),
        hidden: false,
    };
    let agg = LogicalPlan::Aggregate {
        input: Box::new(join),
        group_by: vec![c4(3)],
        aggregates: vec![count],
        strategy: AggStrategy::Hash,
        schema: vec![v, Column::new("count", DataType::Int8)],
    };
    let plan = LogicalPlan::Limit {
        input: Box::new(sort(agg, vec![(c4(0), true, false)])),
        limit: Some(int(3)),
        offset: None,
    };
    let want = [
        "Limit",
        "  ->  Sort",
        "        Sort Key: p.v DESC NULLS LAST",
        "        ->  HashAggregate",
        "              Group Key: p.v",
        "              ->  Hash Right Join",
        "                    Hash Cond: (q.pid = p.id)",
        "                    ->  Seq Scan on q",
        "                          Filter: (w <> 'y'::text)",
        "                    ->  Hash",
        "                          ->  Seq Scan on p",
        "                                Filter: (v < 100)",
    ];
    assert_eq!(explain(&plan, None, false), want);
}

#[test]
fn subplans_and_init_plans() {
    let db = Db::new();
    let (p, q) = tables(&db);
    let pids = LogicalPlan::Project {
        input: Box::new(scan(&q)),
        exprs: vec![c4(0)],
        schema: vec![Column::new("pid", DataType::Int4)],
    };
    let not_in = ScalarExpr::Subquery(Box::new(Subquery {
        kind: SubqueryKind::In {
            expr: Box::new(c4(0)),
            negated: true,
        },
        plan: Arc::new(pids),
        correlated: false,
        ty: DataType::Bool,
    }));
    assert_eq!(
        explain(&scan_where(&p, vec![not_in]), None, false),
        [
            "Seq Scan on p",
            "  Filter: (NOT (hashed SubPlan 1))",
            "  SubPlan 1",
            "    ->  Seq Scan on q"
        ]
    );
    let outer_v = ScalarExpr::Outer {
        depth: 1,
        index: 1,
        ty: DataType::Int4,
    };
    let correlated = ScalarExpr::Subquery(Box::new(Subquery {
        kind: SubqueryKind::Exists { negated: false },
        plan: Arc::new(scan_where(&q, vec![eq(c4(0), outer_v)])),
        correlated: true,
        ty: DataType::Bool,
    }));
    let scalar = ScalarExpr::Subquery(Box::new(Subquery {
        kind: SubqueryKind::Scalar,
        plan: Arc::new(LogicalPlan::Project {
            input: Box::new(scan(&q)),
            exprs: vec![c4(0)],
            schema: vec![Column::new("pid", DataType::Int4)],
        }),
        correlated: false,
        ty: DataType::Int4,
    }));
    let plan = LogicalPlan::Limit {
        input: Box::new(scan_where(&p, vec![eq(c4(1), scalar), correlated])),
        limit: Some(int(2)),
        offset: None,
    };
    let want = [
        "Limit",
        "  ->  Seq Scan on p",
        "        Filter: ((v = $0) AND (SubPlan 2))",
        "        InitPlan 1 (returns $0)",
        "          ->  Seq Scan on q",
        "        SubPlan 2",
        "          ->  Seq Scan on q",
        "                Filter: (pid = p.v)",
    ];
    assert_eq!(explain(&plan, None, false), want);
}

#[test]
fn dml_nodes() {
    let db = Db::new();
    let (p, _) = tables(&db);
    let LogicalPlan::Insert { table, source, .. } = insert(&p, vec![vec![i4(1), i4(2)]]) else {
        unreachable!()
    };
    let plan = LogicalPlan::Insert {
        table,
        source,
        on_conflict: Some(OnConflict::DoUpdate {
            index: p.primary_key().unwrap().clone(),
            assignments: vec![(1, c4(3))],
            predicate: None,
        }),
        returning: vec![],
        schema: vec![],
    };
    assert_eq!(
        explain(&plan, None, false),
        [
            "Insert on p",
            "  Conflict Resolution: UPDATE",
            "  Conflict Arbiter Indexes: p_pkey",
            "  ->  Result"
        ]
    );
    assert_eq!(
        explain(
            &update(&p, vec![eq(c4(0), int(3))], vec![(1, int(2))]),
            None,
            false
        ),
        [
            "Update on p",
            "  ->  Seq Scan on p",
            "        Filter: (id = 3)"
        ]
    );
}

#[test]
fn analyze_reports_actual_rows_loops_and_time() {
    let db = Db::new();
    let (p, _) = tables(&db);
    db.run(&insert(
        &p,
        (1..=100).map(|i| vec![i4(i), i4(i % 10)]).collect(),
    ))
    .unwrap();
    let plan = LogicalPlan::Limit {
        input: Box::new(LogicalPlan::Sort {
            input: Box::new(scan_where(&p, vec![eq(c4(1), int(3))])),
            keys: vec![SortKey {
                expr: c4(0),
                desc: false,
                nulls_first: false,
            }],
            limit: Some(2),
        }),
        limit: Some(int(2)),
        offset: None,
    };
    let mut txn = db.begin();
    txn.begin_statement(None).unwrap();
    let mut seqs = SessionSequences::default();
    let mut ctx = db.context(&mut txn, &[], &mut seqs);
    ctx.analyze = true;
    let (result, stats) = execute_analyze(&plan, &mut ctx).unwrap();
    assert_eq!(result.rows.len(), 2);
    let lines = explain(&plan, Some(&stats), false);
    let shape: Vec<String> = lines.iter().map(|l| mask_numbers(l)).collect();
    assert_eq!(
        shape,
        [
            "Limit (actual time=N..N rows=2 loops=1)",
            "  ->  Sort (actual time=N..N rows=2 loops=1)",
            "        Sort Key: id",
            "        Sort Method: top-N heapsort  Memory: NkB",
            "        ->  Seq Scan on p (actual time=N..N rows=10 loops=1)",
            "              Filter: (v = 3)",
            "Execution Time: N ms",
        ]
    );
}

/// Replaces every measured number with `N` (times and sizes vary), keeping row and loop
/// counts and the constants of conditions.
fn mask_numbers(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        let token: String = chars[start..i].iter().collect();
        let keep = out.ends_with("rows=") || out.ends_with("loops=") || out.ends_with("= ");
        out.push_str(if keep { &token } else { "N" });
    }
    out
}

#[test]
fn verbose_parameterized_join_cte_and_set_operations() {
    let db = Db::new();
    let (p, q) = tables(&db);
    let project = LogicalPlan::Project {
        input: Box::new(scan_where(&q, vec![bin(BinaryOp::Gt, c4(0), int(3))])),
        exprs: vec![bin(BinaryOp::Plus, c4(0), int(1)), col(1, DataType::Text)],
        schema: vec![
            Column::new("x", DataType::Int4),
            Column::new("w", DataType::Text),
        ],
    };
    assert_eq!(
        explain(&project, None, true),
        [
            "Seq Scan on public.q",
            "  Output: (pid + 1), w",
            "  Filter: (q.pid > 3)"
        ]
    );
    let outer = ScalarExpr::Outer {
        depth: 1,
        index: 0,
        ty: DataType::Int4,
    };
    let access = ScanAccess::Index {
        index: p.primary_key().unwrap().clone(),
        eq: vec![outer.clone()],
        lower: None,
        upper: None,
        reverse: false,
    };
    let nl = LogicalPlan::Join {
        left: Box::new(scan_where(&q, vec![eq(col(1, DataType::Text), text("a"))])),
        right: Box::new(scan_full(&p, vec![eq(c4(0), outer)], access, false)),
        kind: JoinKind::Inner,
        on: None,
        strategy: JoinStrategy::Parameterized,
    };
    assert_eq!(
        explain(&nl, None, false),
        [
            "Nested Loop",
            "  ->  Seq Scan on q",
            "        Filter: (w = 'a'::text)",
            "  ->  Index Scan using p_pkey on p",
            "        Index Cond: (id = q.pid)",
        ]
    );
    let ids = LogicalPlan::Project {
        input: Box::new(scan(&p)),
        exprs: vec![c4(0)],
        schema: vec![Column::new("id", DataType::Int4)],
    };
    let pids = LogicalPlan::Project {
        input: Box::new(scan(&q)),
        exprs: vec![c4(0)],
        schema: vec![Column::new("pid", DataType::Int4)],
    };
    let setop = |kind, all| LogicalPlan::SetOp {
        kind,
        all,
        left: Box::new(pids.clone()),
        right: Box::new(ids.clone()),
        schema: vec![Column::new("pid", DataType::Int4)],
    };
    use crate::plan::logical::SetOpKind;
    assert_eq!(
        explain(&setop(SetOpKind::Union, true), None, false),
        ["Append", "  ->  Seq Scan on q", "  ->  Seq Scan on p"]
    );
    assert_eq!(
        explain(&setop(SetOpKind::Except, false), None, false),
        [
            "HashSetOp Except",
            "  ->  Append",
            "        ->  Seq Scan on q",
            "        ->  Seq Scan on p"
        ]
    );
    let cte_col = Column {
        name: "pid".into(),
        ty: DataType::Int4,
        qualifier: Some("x".into()),
        hidden: false,
    };
    let cte = LogicalPlan::CteScan {
        plan: Arc::new(pids),
        id: 1,
        schema: vec![cte_col],
    };
    assert_eq!(
        explain(&cte, None, false),
        ["CTE Scan on x", "  CTE x", "    ->  Seq Scan on q"]
    );
}
