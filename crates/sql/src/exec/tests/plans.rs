//! Builders of hand-made plans for the tests.

use super::*;

pub(super) fn schema_of(t: &TableMeta, with_tid: bool) -> Vec<Column> {
    let mut s: Vec<Column> = t
        .columns()
        .map(|(_, d, ty)| Column {
            name: d.name.clone(),
            ty: ty.clone(),
            qualifier: Some(t.def.name.clone()),
            hidden: false,
        })
        .collect();
    if with_tid {
        s.push(Column {
            name: "ctid".into(),
            ty: DataType::Int8,
            qualifier: Some(t.def.name.clone()),
            hidden: true,
        });
    }
    s
}

pub(super) fn scan_full(
    t: &TableRef,
    filter: Vec<ScalarExpr>,
    access: ScanAccess,
    with_tid: bool,
) -> LogicalPlan {
    LogicalPlan::Scan {
        table: t.clone(),
        alias: t.def.name.clone(),
        filter,
        access,
        with_tid,
        schema: schema_of(t, with_tid),
    }
}

pub(super) fn scan(t: &TableRef) -> LogicalPlan {
    scan_full(t, vec![], ScanAccess::Sequential, false)
}

pub(super) fn scan_where(t: &TableRef, filter: Vec<ScalarExpr>) -> LogicalPlan {
    scan_full(t, filter, ScanAccess::Sequential, false)
}

pub(super) fn col(index: usize, ty: DataType) -> ScalarExpr {
    ScalarExpr::Column { index, ty }
}

pub(super) fn c4(index: usize) -> ScalarExpr {
    col(index, DataType::Int4)
}

pub(super) fn int(v: i32) -> ScalarExpr {
    ScalarExpr::Literal(Value::Int4(v), DataType::Int4)
}

pub(super) fn text(s: &str) -> ScalarExpr {
    ScalarExpr::Literal(Value::Text(s.into()), DataType::Text)
}

pub(super) fn null(ty: DataType) -> ScalarExpr {
    ScalarExpr::Literal(Value::Null, ty)
}

pub(super) fn bin(op: BinaryOp, l: ScalarExpr, r: ScalarExpr) -> ScalarExpr {
    let ty = crate::types::ops::result_type(op, &l.ty(), &r.ty()).unwrap();
    ScalarExpr::Binary {
        op,
        left: Box::new(l),
        right: Box::new(r),
        ty,
    }
}

pub(super) fn eq(l: ScalarExpr, r: ScalarExpr) -> ScalarExpr {
    bin(BinaryOp::Eq, l, r)
}

pub(super) fn i4(v: i32) -> Value {
    Value::Int4(v)
}

pub(super) fn i8v(v: i64) -> Value {
    Value::Int8(v)
}

pub(super) fn tv(s: &str) -> Value {
    Value::Text(s.into())
}

/// `VALUES` of literal rows with column types `types`.
pub(super) fn values(rows: Vec<Vec<Value>>, types: &[DataType]) -> LogicalPlan {
    let schema = types
        .iter()
        .enumerate()
        .map(|(i, ty)| Column::new(format!("column{}", i + 1), ty.clone()))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(types)
                .map(|(v, ty)| ScalarExpr::Literal(v, ty.clone()))
                .collect()
        })
        .collect();
    LogicalPlan::Values { rows, schema }
}

/// `INSERT INTO t VALUES ...`.
pub(super) fn insert(t: &TableRef, rows: Vec<Vec<Value>>) -> LogicalPlan {
    let types: Vec<DataType> = t.columns().map(|(_, _, ty)| ty.clone()).collect();
    LogicalPlan::Insert {
        table: t.clone(),
        source: Box::new(values(rows, &types)),
        on_conflict: None,
        returning: vec![],
        schema: vec![],
    }
}

/// `UPDATE t SET .. WHERE filter`.
pub(super) fn update(
    t: &TableRef,
    filter: Vec<ScalarExpr>,
    assignments: Vec<(usize, ScalarExpr)>,
) -> LogicalPlan {
    let n = t.visible.len();
    LogicalPlan::Update {
        table: t.clone(),
        recheck: (!filter.is_empty()).then(|| ScalarExpr::and_all(filter.clone())),
        input: Box::new(scan_full(t, filter, ScanAccess::Sequential, true)),
        tid_column: n,
        first_column: 0,
        assignments,
        returning: vec![],
        schema: vec![],
    }
}

/// `DELETE FROM t WHERE filter`.
pub(super) fn delete(t: &TableRef, filter: Vec<ScalarExpr>) -> LogicalPlan {
    let n = t.visible.len();
    LogicalPlan::Delete {
        table: t.clone(),
        recheck: (!filter.is_empty()).then(|| ScalarExpr::and_all(filter.clone())),
        input: Box::new(scan_full(t, filter, ScanAccess::Sequential, true)),
        tid_column: n,
        first_column: 0,
        returning: vec![],
        schema: vec![],
    }
}

pub(super) fn sort(input: LogicalPlan, keys: Vec<(ScalarExpr, bool, bool)>) -> LogicalPlan {
    LogicalPlan::Sort {
        input: Box::new(input),
        keys: keys
            .into_iter()
            .map(|(expr, desc, nulls_first)| SortKey {
                expr,
                desc,
                nulls_first,
            })
            .collect(),
        limit: None,
    }
}
