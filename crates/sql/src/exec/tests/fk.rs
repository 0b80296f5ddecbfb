//! Foreign keys: checks on the referencing side, actions on the referenced side.

use super::*;

/// `p (id int primary key)` with ids 1..=3, and `c (id int, pid int)` referencing it.
fn family(db: &Db, actions: (FkAction, FkAction)) -> (TableRef, TableRef) {
    db.create_table("p", &[("id", DataType::Int4, true)]);
    db.create_index("p", "p_pkey", &[0], true, true);
    db.create_table(
        "c",
        &[
            ("id", DataType::Int4, false),
            ("pid", DataType::Int4, false),
        ],
    );
    db.add_fk("c", "c_pid_fkey", &[1], "p", &[0], actions);
    let (p, c) = (db.table("p"), db.table("c"));
    db.run(&insert(&p, vec![vec![i4(1)], vec![i4(2)], vec![i4(3)]]))
        .unwrap();
    db.run(&insert(
        &c,
        vec![
            vec![i4(10), i4(1)],
            vec![i4(11), i4(1)],
            vec![i4(20), i4(2)],
            vec![i4(30), Value::Null],
        ],
    ))
    .unwrap();
    (p, c)
}

#[test]
fn referencing_rows_need_their_key() {
    let db = Db::new();
    let (p, c) = family(&db, (FkAction::NoAction, FkAction::NoAction));
    let e = assert_err(
        db.run(&insert(&c, vec![vec![i4(1), i4(5)]])),
        "23503",
        "insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\"",
    );
    assert_eq!(
        e.detail(),
        Some("Key (pid)=(5) is not present in table \"p\".")
    );
    assert_err(
        db.run(&update(&c, vec![eq(c4(0), int(10))], vec![(1, int(9))])),
        "23503",
        "insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\"",
    );
    // Checked at the end of the statement: a child may come before its parent.
    let parent = Arc::new(insert(&p, vec![vec![i4(7)]]));
    let plan = LogicalPlan::SetOp {
        kind: crate::plan::logical::SetOpKind::Union,
        all: true,
        left: Box::new(insert(&c, vec![vec![i4(70), i4(7)]])),
        right: Box::new(LogicalPlan::CteScan {
            plan: parent,
            id: 1,
            schema: vec![],
        }),
        schema: vec![],
    };
    db.run(&plan).unwrap();
    assert!(db.contents("c").contains(&vec![i4(70), i4(7)]));
}

#[test]
fn no_action_and_restrict_refuse_to_orphan() {
    for action in [FkAction::NoAction, FkAction::Restrict] {
        let db = Db::new();
        let (p, _) = family(&db, (action, action));
        let e = assert_err(
            db.run(&delete(&p, vec![eq(c4(0), int(1))])),
            "23503",
            "update or delete on table \"p\" violates foreign key constraint \"c_pid_fkey\" on table \"c\"",
        );
        assert_eq!(
            e.detail(),
            Some("Key (id)=(1) is still referenced from table \"c\".")
        );
        assert_err(
            db.run(&update(&p, vec![eq(c4(0), int(2))], vec![(0, int(9))])),
            "23503",
            "update or delete on table \"p\" violates foreign key constraint \"c_pid_fkey\" on table \"c\"",
        );
        // Unreferenced keys go freely.
        assert_eq!(
            db.run(&delete(&p, vec![eq(c4(0), int(3))]))
                .unwrap()
                .rows_affected,
            1
        );
    }
}

#[test]
fn cascade_delete_and_update_reach_grandchildren() {
    let db = Db::new();
    let (p, _) = family(&db, (FkAction::Cascade, FkAction::Cascade));
    db.create_index("c", "c_id", &[0], true, false);
    db.create_table("g", &[("cid", DataType::Int4, false)]);
    db.add_fk(
        "g",
        "g_cid_fkey",
        &[0],
        "c",
        &[0],
        (FkAction::Cascade, FkAction::NoAction),
    );
    let g = db.table("g");
    db.run(&insert(&g, vec![vec![i4(10)], vec![i4(20)]]))
        .unwrap();
    db.run(&update(&p, vec![eq(c4(0), int(2))], vec![(0, int(22))]))
        .unwrap();
    assert_eq!(
        db.contents("c"),
        vec![
            vec![i4(10), i4(1)],
            vec![i4(11), i4(1)],
            vec![i4(20), i4(22)],
            vec![i4(30), Value::Null]
        ]
    );
    assert_eq!(
        db.run(&delete(&p, vec![eq(c4(0), int(1))]))
            .unwrap()
            .rows_affected,
        1
    );
    assert_eq!(
        db.contents("c"),
        vec![vec![i4(20), i4(22)], vec![i4(30), Value::Null]]
    );
    assert_eq!(db.contents("g"), vec![vec![i4(20)]]);
}

#[test]
fn set_null_and_set_default() {
    let db = Db::new();
    let (p, _) = family(&db, (FkAction::SetNull, FkAction::SetDefault));
    db.set_default("c", 1, int(3));
    db.run(&delete(&p, vec![eq(c4(0), int(1))])).unwrap();
    db.run(&update(&p, vec![eq(c4(0), int(2))], vec![(0, int(5))]))
        .unwrap();
    assert_eq!(
        db.contents("c"),
        vec![
            vec![i4(10), Value::Null],
            vec![i4(11), Value::Null],
            vec![i4(20), i4(3)],
            vec![i4(30), Value::Null]
        ]
    );
    // A default that is not a key of the parent fails the check it triggers.
    db.set_default("c", 1, int(99));
    db.run(&insert(&db.table("c"), vec![vec![i4(40), i4(5)]]))
        .unwrap();
    assert_err(
        db.run(&update(&p, vec![eq(c4(0), int(5))], vec![(0, int(6))])),
        "23503",
        "insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\"",
    );
}

#[test]
fn no_action_accepts_a_key_that_exists_again_but_restrict_does_not() {
    for (action, ok) in [(FkAction::NoAction, true), (FkAction::Restrict, false)] {
        let db = Db::new();
        let (p, _) = family(&db, (action, action));
        // One statement deleting key 1, then inserting it again (through a CTE).
        let reinsert = Arc::new(insert(&p, vec![vec![i4(1)]]));
        let plan = LogicalPlan::SetOp {
            kind: crate::plan::logical::SetOpKind::Union,
            all: true,
            left: Box::new(delete(&p, vec![eq(c4(0), int(1))])),
            right: Box::new(LogicalPlan::CteScan {
                plan: reinsert,
                id: 1,
                schema: vec![],
            }),
            schema: vec![],
        };
        assert_eq!(db.run(&plan).is_ok(), ok, "{action:?}");
    }
}

#[test]
fn a_dml_cursor_checks_foreign_keys_at_its_first_fetch() {
    let db = Db::new();
    let (_, c) = family(&db, (FkAction::NoAction, FkAction::NoAction));
    let LogicalPlan::Insert { table, source, .. } =
        insert(&c, vec![vec![i4(1), i4(1)], vec![i4(2), i4(9)]])
    else {
        unreachable!()
    };
    let plan = LogicalPlan::Insert {
        table,
        source,
        on_conflict: None,
        returning: vec![c4(0)],
        schema: vec![Column::new("id", DataType::Int4)],
    };
    let mut txn = db.begin();
    txn.begin_statement(None).unwrap();
    let mut seqs = SessionSequences::default();
    let mut ctx = db.context(&mut txn, &[], &mut seqs);
    let mut cursor = crate::exec::open_cursor(Arc::new(plan), &ctx).unwrap();
    let e = cursor.fetch(&mut ctx, 1).unwrap_err();
    assert_eq!(e.sqlstate(), "23503");
}
