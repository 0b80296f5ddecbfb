//! Sequences: nextval / currval / setval, limits, CYCLE, and durability.

use super::subquery::create_sequence;
use super::*;
use crate::catalog::SequenceDef;
use crate::plan::expr::SequenceOp;

fn call(op: SequenceOp, seq: &Arc<SequenceDef>, args: Vec<ScalarExpr>) -> LogicalPlan {
    LogicalPlan::Project {
        input: Box::new(LogicalPlan::Values {
            rows: vec![vec![]],
            schema: vec![],
        }),
        exprs: vec![ScalarExpr::Sequence {
            op,
            seq: seq.clone(),
            args,
        }],
        schema: vec![Column::new("v", DataType::Int8)],
    }
}

/// Runs `plan` in `txn` with the session memory `seqs`.
fn run(
    db: &Db,
    txn: &mut Transaction,
    seqs: &mut SessionSequences,
    plan: &LogicalPlan,
) -> Result<Value, DbError> {
    txn.begin_statement(None)?;
    let mut ctx = db.context(txn, &[], seqs);
    let r = execute(plan, &mut ctx);
    txn.end_statement();
    Ok(r?.rows[0][0].clone())
}

#[test]
fn nextval_currval_setval() {
    let db = Db::new();
    let s = create_sequence(&db, "s");
    let mut seqs = SessionSequences::default();
    let mut txn = db.begin();
    let e = run(
        &db,
        &mut txn,
        &mut seqs,
        &call(SequenceOp::CurrVal, &s, vec![]),
    )
    .unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "55000",
            "currval of sequence \"s\" is not yet defined in this session"
        )
    );
    let mut txn = db.begin();
    let next = call(SequenceOp::NextVal, &s, vec![]);
    assert_eq!(run(&db, &mut txn, &mut seqs, &next).unwrap(), i8v(1));
    assert_eq!(run(&db, &mut txn, &mut seqs, &next).unwrap(), i8v(2));
    assert_eq!(
        run(
            &db,
            &mut txn,
            &mut seqs,
            &call(SequenceOp::CurrVal, &s, vec![])
        )
        .unwrap(),
        i8v(2)
    );
    // Not transactional: a rolled-back nextval is not given back.
    txn.rollback();
    let mut txn = db.begin();
    assert_eq!(run(&db, &mut txn, &mut seqs, &next).unwrap(), i8v(3));
    let set = |v: i64, called: bool| {
        call(
            SequenceOp::SetVal,
            &s,
            vec![
                ScalarExpr::Literal(i8v(v), DataType::Int8),
                ScalarExpr::bool_lit(called),
            ],
        )
    };
    assert_eq!(
        run(&db, &mut txn, &mut seqs, &set(10, true)).unwrap(),
        i8v(10)
    );
    assert_eq!(run(&db, &mut txn, &mut seqs, &next).unwrap(), i8v(11));
    run(&db, &mut txn, &mut seqs, &set(20, false)).unwrap();
    assert_eq!(run(&db, &mut txn, &mut seqs, &next).unwrap(), i8v(20));
    let e = run(&db, &mut txn, &mut seqs, &set(0, true)).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "22003",
            "setval: value 0 is out of bounds for sequence \"s\" (1..9223372036854775807)"
        )
    );
}

#[test]
fn limits_and_cycle() {
    let db = Db::new();
    let mut def = (*create_sequence(&db, "small")).clone();
    def.max = 2;
    let s = Arc::new(def.clone());
    assert_eq!(db.catalog.nextval(&s).unwrap(), 1);
    assert_eq!(db.catalog.nextval(&s).unwrap(), 2);
    let e = db.catalog.nextval(&s).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "2200H",
            "nextval: reached maximum value of sequence \"small\" (2)"
        )
    );
    def.cycle = true;
    assert_eq!(db.catalog.nextval(&def).unwrap(), 1);
    let mut down = (*create_sequence(&db, "down")).clone();
    down.increment = -1;
    down.min = -1;
    down.max = 1;
    assert_eq!(db.catalog.nextval(&down).unwrap(), 1);
    assert_eq!(db.catalog.nextval(&down).unwrap(), 0);
    assert_eq!(db.catalog.nextval(&down).unwrap(), -1);
    let e = db.catalog.nextval(&down).unwrap_err();
    assert_eq!(
        e.message(),
        "nextval: reached minimum value of sequence \"down\" (-1)"
    );
    assert_eq!(db.catalog.sequence_state(&down).unwrap(), (-1, true));
}

#[test]
fn concurrent_nextval_never_repeats() {
    let db = Db::new();
    let s = create_sequence(&db, "s");
    let mut all: Vec<i64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                sc.spawn(|| {
                    (0..250)
                        .map(|_| db.catalog.nextval(&s).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    all.sort_unstable();
    assert_eq!(all, (1..=1000).collect::<Vec<_>>());
}
