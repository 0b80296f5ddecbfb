//! Subqueries in expressions, IN-list NULL semantics, CTEs and recursive CTEs.

use super::*;
use crate::plan::expr::{Subquery, SubqueryKind};
use crate::plan::logical::SetOpKind;

fn subquery(kind: SubqueryKind, plan: LogicalPlan, correlated: bool) -> ScalarExpr {
    let ty = match kind {
        SubqueryKind::Scalar => plan.schema()[0].ty.clone(),
        _ => DataType::Bool,
    };
    ScalarExpr::Subquery(Box::new(Subquery {
        kind,
        plan: Arc::new(plan),
        correlated,
        ty,
    }))
}

/// `SELECT expr` (one row).
fn select(expr: ScalarExpr) -> LogicalPlan {
    let ty = expr.ty();
    LogicalPlan::Project {
        input: Box::new(LogicalPlan::Values {
            rows: vec![vec![]],
            schema: vec![],
        }),
        exprs: vec![expr],
        schema: vec![Column::new("x", ty)],
    }
}

fn list(vals: &[Option<i32>]) -> Vec<ScalarExpr> {
    vals.iter()
        .map(|v| v.map_or_else(|| null(DataType::Int4), int))
        .collect()
}

#[test]
fn in_lists_follow_three_valued_logic() {
    let db = Db::new();
    let in_list = |probe: ScalarExpr, vals: &[Option<i32>], negated| {
        db.rows(&select(ScalarExpr::InList {
            expr: Box::new(probe),
            list: list(vals),
            negated,
        }))[0][0]
            .clone()
    };
    assert_eq!(in_list(int(1), &[Some(1), None], false), Value::Bool(true));
    assert_eq!(
        in_list(int(1), &[Some(2), None], true),
        Value::Null,
        "1 NOT IN (2, NULL) is NULL"
    );
    assert_eq!(
        in_list(int(1), &[Some(2), Some(3)], true),
        Value::Bool(true)
    );
    assert_eq!(
        in_list(null(DataType::Int4), &[Some(2)], false),
        Value::Null
    );
}

#[test]
fn subquery_kinds_and_null_semantics() {
    let db = Db::new();
    let one_col = |vals: &[Option<i32>]| {
        values(
            vals.iter()
                .map(|v| vec![v.map_or(Value::Null, Value::Int4)])
                .collect(),
            &[DataType::Int4],
        )
    };
    let eval = |e: ScalarExpr| db.rows(&select(e))[0][0].clone();
    let sub_in = |probe, vals: &[Option<i32>], negated| {
        subquery(
            SubqueryKind::In {
                expr: Box::new(probe),
                negated,
            },
            one_col(vals),
            false,
        )
    };
    assert_eq!(
        eval(sub_in(int(2), &[Some(1), Some(2)], false)),
        Value::Bool(true)
    );
    assert_eq!(eval(sub_in(int(3), &[Some(1), None], true)), Value::Null);
    assert_eq!(
        eval(sub_in(null(DataType::Int4), &[], true)),
        Value::Bool(true),
        "NULL NOT IN (empty) is true"
    );
    let any = |op, all, vals: &[Option<i32>]| {
        eval(subquery(
            SubqueryKind::Quantified {
                expr: Box::new(int(5)),
                op,
                all,
            },
            one_col(vals),
            false,
        ))
    };
    assert_eq!(
        any(BinaryOp::Gt, true, &[Some(1), Some(4)]),
        Value::Bool(true)
    );
    assert_eq!(any(BinaryOp::Gt, true, &[Some(1), None]), Value::Null);
    assert_eq!(
        any(BinaryOp::Gt, true, &[Some(9), None]),
        Value::Bool(false)
    );
    assert_eq!(
        any(BinaryOp::Eq, false, &[Some(5), None]),
        Value::Bool(true)
    );
    assert_eq!(any(BinaryOp::Eq, false, &[]), Value::Bool(false));
    assert_eq!(any(BinaryOp::Eq, true, &[]), Value::Bool(true));
    assert_eq!(
        eval(subquery(SubqueryKind::Scalar, one_col(&[]), false)),
        Value::Null
    );
    assert_eq!(
        eval(subquery(
            SubqueryKind::Exists { negated: true },
            one_col(&[]),
            false
        )),
        Value::Bool(true)
    );
    assert_err(
        db.run(&select(subquery(
            SubqueryKind::Scalar,
            one_col(&[Some(1), Some(2)]),
            false,
        ))),
        "21000",
        "more than one row returned by a subquery used as an expression",
    );
}

#[test]
fn correlated_subqueries_see_the_outer_row() {
    let db = Db::new();
    let t = numbers(&db, "t", 20);
    let u = numbers(&db, "u", 5);
    // SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a) AND
    //   (SELECT count(*) ... ) style: here the scalar max(u.a) below t.b.
    let outer_a = ScalarExpr::Outer {
        depth: 1,
        index: 0,
        ty: DataType::Int4,
    };
    let exists = subquery(
        SubqueryKind::Exists { negated: false },
        scan_where(&u, vec![eq(c4(0), outer_a)]),
        true,
    );
    let plan = LogicalPlan::Project {
        input: Box::new(scan_where(&t, vec![exists])),
        exprs: vec![c4(0)],
        schema: vec![Column::new("a", DataType::Int4)],
    };
    let got: Vec<Value> = db.rows(&plan).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, (1..=5).map(i4).collect::<Vec<_>>());
}

#[test]
fn uncorrelated_subqueries_run_once_per_statement() {
    let db = Db::new();
    let t = numbers(&db, "t", 10);
    let seq = create_sequence(&db, "s");
    let next = ScalarExpr::Sequence {
        op: crate::plan::expr::SequenceOp::NextVal,
        seq,
        args: vec![],
    };
    // SELECT (SELECT nextval('s')) FROM t: one value for all rows.
    let plan = LogicalPlan::Project {
        input: Box::new(scan(&t)),
        exprs: vec![subquery(SubqueryKind::Scalar, select(next), false)],
        schema: vec![Column::new("x", DataType::Int8)],
    };
    let rows = db.rows(&plan);
    assert!(rows.iter().all(|r| r[0] == i8v(1)), "{rows:?}");
}

pub(super) fn create_sequence(db: &Db, name: &str) -> Arc<crate::catalog::SequenceDef> {
    let mut ctx = CatalogTxn::default();
    let rel = db.catalog.create_sequence_storage(&mut ctx, 1).unwrap();
    Arc::new(crate::catalog::SequenceDef {
        oid: db.catalog.new_oid(),
        schema: "public".into(),
        name: name.into(),
        rel,
        increment: 1,
        min: 1,
        max: i64::MAX,
        start: 1,
        cycle: false,
        owned_by: None,
        owner: crate::catalog::BOOTSTRAP_SUPERUSER.into(),
        acl: Vec::new(),
    })
}

#[test]
fn ctes_are_materialised_once_and_shared() {
    let db = Db::new();
    let seq = create_sequence(&db, "s");
    let next = ScalarExpr::Sequence {
        op: crate::plan::expr::SequenceOp::NextVal,
        seq,
        args: vec![],
    };
    let body = Arc::new(LogicalPlan::Project {
        input: Box::new(values(vec![vec![i4(1)], vec![i4(2)]], &[DataType::Int4])),
        exprs: vec![next],
        schema: vec![Column::new("n", DataType::Int8)],
    });
    let cte = || LogicalPlan::CteScan {
        plan: body.clone(),
        id: 7,
        schema: vec![Column::new("n", DataType::Int8)],
    };
    let plan = LogicalPlan::SetOp {
        kind: SetOpKind::Union,
        all: true,
        left: Box::new(cte()),
        right: Box::new(cte()),
        schema: vec![Column::new("n", DataType::Int8)],
    };
    assert_eq!(
        db.rows(&plan),
        vec![vec![i8v(1)], vec![i8v(2)], vec![i8v(1)], vec![i8v(2)]]
    );
}

fn recursive(all: bool, step: i32, stop: i32) -> LogicalPlan {
    let schema = vec![Column::new("n", DataType::Int4)];
    let work = LogicalPlan::WorkTable {
        id: 1,
        schema: schema.clone(),
    };
    // SELECT (n + step) % 10 FROM r WHERE n < stop
    let rec = LogicalPlan::Project {
        input: Box::new(LogicalPlan::Filter {
            input: Box::new(work),
            predicate: bin(BinaryOp::Lt, c4(0), int(stop)),
        }),
        exprs: vec![bin(
            BinaryOp::Modulo,
            bin(BinaryOp::Plus, c4(0), int(step)),
            int(10),
        )],
        schema: schema.clone(),
    };
    LogicalPlan::RecursiveCte {
        anchor: Box::new(values(vec![vec![i4(1)]], &[DataType::Int4])),
        recursive: Box::new(rec),
        all,
        id: 1,
        schema,
    }
}

#[test]
fn recursive_cte_union_and_union_all() {
    let db = Db::new();
    let firsts = |p: &LogicalPlan| {
        db.rows(p)
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<Vec<_>>()
    };
    // UNION ALL counting 1..5.
    assert_eq!(
        firsts(&recursive(true, 1, 5)),
        (1..=5).map(i4).collect::<Vec<_>>()
    );
    // UNION stops at a cycle: 1, 4, 7, 0, 3, 6, 9, 2, 5, 8, then 1 again is a duplicate.
    assert_eq!(firsts(&recursive(false, 3, 100)).len(), 10);
    // An endless UNION ALL is stopped by LIMIT.
    let limited = LogicalPlan::Limit {
        input: Box::new(recursive(true, 1, 100)),
        limit: Some(int(25)),
        offset: None,
    };
    assert_eq!(firsts(&limited).len(), 25);
}
