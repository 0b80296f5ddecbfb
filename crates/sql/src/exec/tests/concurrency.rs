//! Concurrent writers (READ COMMITTED re-checks), row locks, and interrupting a long
//! statement.

use std::time::Instant;

use rustydb_txn::lock::Interrupt;

use super::*;
use crate::plan::aggregate::AggregateFunction;
use crate::plan::logical::{AggStrategy, AggregateCall, JoinKind, JoinStrategy};

/// Waits until some transaction waits for a lock (the other thread's statement blocked).
fn wait_for_a_waiter(db: &Db) {
    let since = Instant::now();
    while db.mgr.locks().waits().is_empty() {
        assert!(since.elapsed() < Duration::from_secs(30), "nobody blocked");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs `plan` in a second READ COMMITTED transaction while `first` holds row 1 changed
/// to b = 100, then commits `first`; returns the second statement's result.
fn after_concurrent_update(
    db: &Db,
    plan: LogicalPlan,
    isolation: IsolationLevel,
) -> Result<QueryResult, DbError> {
    let t = db.table("t");
    let mut first = db.begin();
    db.run_in(
        &mut first,
        &update(&t, vec![eq(c4(0), int(1))], vec![(1, int(100))]),
    )
    .unwrap();
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            let mut txn = db.mgr.begin(isolation).unwrap();
            let r = db.run_in(&mut txn, &plan);
            if r.is_ok() {
                txn.commit().unwrap();
            }
            r
        });
        wait_for_a_waiter(db);
        first.commit().unwrap();
        second.join().unwrap()
    })
}

#[test]
fn read_committed_update_follows_the_newer_version() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    // UPDATE t SET b = b + 1 WHERE a = 1: still matches, applied to b = 100.
    let plan = update(
        &t,
        vec![eq(c4(0), int(1))],
        vec![(1, bin(BinaryOp::Plus, c4(1), int(1)))],
    );
    assert_eq!(
        after_concurrent_update(&db, plan, IsolationLevel::ReadCommitted)
            .unwrap()
            .rows_affected,
        1
    );
    assert_eq!(db.contents("t")[0], vec![i4(1), i4(101)]);
}

#[test]
fn read_committed_update_skips_a_row_that_no_longer_matches() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    // UPDATE t SET b = 0 WHERE b = 1: the newer version has b = 100.
    let plan = update(&t, vec![eq(c4(1), int(1))], vec![(1, int(0))]);
    assert_eq!(
        after_concurrent_update(&db, plan, IsolationLevel::ReadCommitted)
            .unwrap()
            .rows_affected,
        0
    );
    assert_eq!(db.contents("t")[0], vec![i4(1), i4(100)]);
    let del = delete(&t, vec![eq(c4(1), int(100))]);
    assert_eq!(db.run(&del).unwrap().rows_affected, 1);
}

#[test]
fn repeatable_read_update_fails_with_40001() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    let plan = update(&t, vec![eq(c4(0), int(1))], vec![(1, int(7))]);
    let e = after_concurrent_update(&db, plan, IsolationLevel::RepeatableRead).unwrap_err();
    assert_eq!(e.sqlstate(), "40001");
}

#[test]
fn select_for_update_locks_and_returns_the_newest_version() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    let lock = |filter: ScalarExpr| LogicalPlan::LockRows {
        input: Box::new(scan_full(
            &t,
            vec![filter.clone()],
            ScanAccess::Sequential,
            true,
        )),
        targets: vec![(t.clone(), 2)],
        exclusive: true,
        recheck: Some(filter),
    };
    let r = after_concurrent_update(&db, lock(eq(c4(0), int(1))), IsolationLevel::ReadCommitted)
        .unwrap();
    assert_eq!(r.rows.len(), 1);
    assert_eq!(&r.rows[0][..2], &[i4(1), i4(100)]);
    // A row whose newer version fails the condition is dropped.
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    let r = after_concurrent_update(
        &db,
        LogicalPlan::LockRows {
            input: Box::new(scan_full(
                &t,
                vec![eq(c4(1), int(1))],
                ScanAccess::Sequential,
                true,
            )),
            targets: vec![(t.clone(), 2)],
            exclusive: false,
            recheck: Some(eq(c4(1), int(1))),
        },
        IsolationLevel::ReadCommitted,
    )
    .unwrap();
    assert!(r.rows.is_empty());
}

/// `SELECT count(*) FROM t, t, t`: long, streaming, little memory.
fn long_count(t: &TableRef) -> LogicalPlan {
    let cross = |l: LogicalPlan, r: LogicalPlan| LogicalPlan::Join {
        left: Box::new(l),
        right: Box::new(r),
        kind: JoinKind::Inner,
        on: None,
        strategy: JoinStrategy::NestedLoop,
    };
    LogicalPlan::Aggregate {
        input: Box::new(cross(cross(scan(t), scan(t)), scan(t))),
        group_by: vec![],
        aggregates: vec![AggregateCall {
            func: AggregateFunction::CountStar,
            args: vec![],
            distinct: false,
            filter: None,
            order_by: vec![],
            ty: DataType::Int8,
        }],
        strategy: AggStrategy::Plain,
        schema: vec![Column::new("count", DataType::Int8)],
    }
}

#[test]
fn statement_timeout_stops_a_long_query() {
    let db = Db::new();
    let t = numbers(&db, "t", 1000);
    let mut txn = db.begin();
    txn.set_statement_timeout(Some(Duration::from_millis(100)));
    let started = Instant::now();
    let e = db.run_in(&mut txn, &long_count(&t)).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("57014", "canceling statement due to statement timeout")
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
}

#[test]
fn terminating_the_transaction_stops_a_long_query() {
    let db = Db::new();
    let t = numbers(&db, "t", 1000);
    let mut txn = db.begin();
    let xid = txn.xid();
    let mgr = db.mgr.clone();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        assert!(mgr.terminate(xid, Interrupt::Terminate));
    });
    let e = db.run_in(&mut txn, &long_count(&t)).unwrap_err();
    killer.join().unwrap();
    assert_eq!(e.sqlstate(), "57P01");
    assert!(e.message().contains("at administrator request"), "{e}");
}

#[test]
fn read_committed_delete_follows_the_newer_version() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    let plan = delete(&t, vec![eq(c4(0), int(1))]);
    assert_eq!(
        after_concurrent_update(&db, plan, IsolationLevel::ReadCommitted)
            .unwrap()
            .rows_affected,
        1
    );
    assert_eq!(db.contents("t").len(), 2);
}

#[test]
fn locked_rows_without_their_columns_fail_on_a_concurrent_update() {
    let db = Db::new();
    let t = numbers(&db, "t", 3);
    // SELECT b FROM t WHERE a = 1 FOR UPDATE, locking above the projection.
    let projected = LogicalPlan::Project {
        input: Box::new(scan_full(
            &t,
            vec![eq(c4(0), int(1))],
            ScanAccess::Sequential,
            true,
        )),
        exprs: vec![c4(1), col(2, DataType::Int8)],
        schema: vec![
            Column::new("b", DataType::Int4),
            Column {
                name: "ctid".into(),
                ty: DataType::Int8,
                qualifier: Some("t".into()),
                hidden: true,
            },
        ],
    };
    let plan = LogicalPlan::LockRows {
        input: Box::new(projected),
        targets: vec![(t.clone(), 1)],
        exclusive: true,
        recheck: None,
    };
    let e = after_concurrent_update(&db, plan, IsolationLevel::ReadCommitted).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "40001",
            "could not serialize access due to concurrent update"
        )
    );
}
