//! ALTER TABLE round trips: columns, constraints with validation of existing rows,
//! defaults, NOT NULL, renames.

use super::{Db, assert_err, i, s};
use crate::types::Value;

#[test]
fn add_drop_rename_columns() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y')")
        .unwrap();
    assert_eq!(db.tag("ALTER TABLE t ADD COLUMN e int"), "ALTER TABLE");
    assert_eq!(
        db.rows("SELECT e FROM t"),
        vec![vec![Value::Null], vec![Value::Null]]
    );
    db.exec("ALTER TABLE t ADD COLUMN f text DEFAULT 'dflt' NOT NULL")
        .unwrap();
    assert_eq!(db.rows("SELECT DISTINCT f FROM t"), vec![vec![s("dflt")]]);
    db.exec("ALTER TABLE t ADD COLUMN g serial").unwrap();
    assert_eq!(
        db.rows("SELECT g FROM t ORDER BY g"),
        vec![vec![i(1)], vec![i(2)]]
    );
    assert_err(
        &db.exec_err("ALTER TABLE t ADD COLUMN h int NOT NULL"),
        "23502",
        "column \"h\" of relation \"t\" contains null values",
    );
    assert_err(
        &db.exec_err("ALTER TABLE t ADD COLUMN a int"),
        "42701",
        "column \"a\" of relation \"t\" already exists",
    );
    db.exec("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int")
        .unwrap();

    db.exec("ALTER TABLE t DROP COLUMN b").unwrap();
    assert_eq!(
        db.columns("SELECT * FROM t")
            .into_iter()
            .map(|c| c.0)
            .collect::<Vec<_>>(),
        ["a", "c", "e", "f", "g"]
    );
    assert_eq!(
        db.rows("SELECT a, c FROM t ORDER BY a"),
        vec![vec![i(1), s("x")], vec![i(2), s("y")]]
    );
    assert!(db.exists("t_g_seq"));
    db.exec("ALTER TABLE t DROP COLUMN g").unwrap();
    assert!(
        !db.exists("t_g_seq"),
        "the owned sequence goes with its column"
    );
    db.exec("INSERT INTO t (a, c) VALUES (3, 'z')").unwrap();
    assert_eq!(
        db.rows("SELECT f FROM t WHERE a = 3"),
        vec![vec![s("dflt")]]
    );
    assert_err(
        &db.exec_err("ALTER TABLE t DROP COLUMN nope"),
        "42703",
        "column \"nope\" of relation \"t\" does not exist",
    );
    db.exec("ALTER TABLE t DROP COLUMN IF EXISTS nope").unwrap();

    db.exec("ALTER TABLE t RENAME COLUMN c TO cc").unwrap();
    assert_eq!(db.rows("SELECT cc FROM t WHERE a = 1"), vec![vec![s("x")]]);
    db.exec("ALTER TABLE t RENAME TO t2").unwrap();
    assert!(!db.exists("t") && db.exists("t2"));
    assert_err(
        &db.exec_err("ALTER TABLE t2 RENAME TO u"),
        "42P07",
        "relation \"u\" already exists",
    );
    assert_eq!(
        db.tag("ALTER TABLE IF EXISTS nosuch ADD COLUMN x int"),
        "ALTER TABLE"
    );
}

#[test]
fn views_guard_columns_they_read() {
    let db = Db::with_tables();
    db.exec("CREATE VIEW v AS SELECT a, b FROM t").unwrap();
    let e = db.exec_err("ALTER TABLE t DROP COLUMN b");
    assert_err(
        &e,
        "2BP01",
        "cannot drop column b of table t because other objects depend on it",
    );
    assert_eq!(e.sqlstate(), "2BP01");
    assert_eq!(
        db.exec_err("ALTER TABLE t RENAME COLUMN a TO z").sqlstate(),
        "0A000"
    );
    db.exec("ALTER TABLE t DROP COLUMN c").unwrap();
    db.exec("ALTER TABLE t DROP COLUMN b CASCADE").unwrap();
    assert!(!db.exists("v"));
}

#[test]
fn add_constraints_validate_existing_rows() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'x'), (1, 20, NULL); INSERT INTO pk VALUES (1, 'one')")
        .unwrap();
    let e = db.exec_err("ALTER TABLE t ADD PRIMARY KEY (a)");
    assert_err(&e, "23505", "could not create unique index \"t_pkey\"");
    assert_err(
        &db.exec_err("ALTER TABLE t ADD PRIMARY KEY (c)"),
        "23502",
        "column \"c\" of relation \"t\" contains null values",
    );
    db.exec("ALTER TABLE t ADD PRIMARY KEY (b)").unwrap();
    assert!(
        db.catalog
            .committed()
            .table("public", "t")
            .unwrap()
            .def
            .columns[1]
            .not_null
    );
    assert_err(
        &db.exec_err("ALTER TABLE t ADD CONSTRAINT big CHECK (b > 15)"),
        "23514",
        "check constraint \"big\" of relation \"t\" is violated by some row",
    );
    db.exec("ALTER TABLE t ADD CHECK (b > 5)").unwrap();
    assert_err(
        &db.exec_err("INSERT INTO t VALUES (3, 1, 'q')"),
        "23514",
        "new row for relation \"t\" violates check constraint \"t_b_check\"",
    );
    db.exec("INSERT INTO t VALUES (2, 30, 'w')").unwrap();
    let e = db.exec_err("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES pk");
    assert_err(
        &e,
        "23503",
        "insert or update on table \"t\" violates foreign key constraint \"t_a_fkey\"",
    );
    assert_eq!(
        e.detail(),
        Some("Key (a)=(2) is not present in table \"pk\".")
    );
    db.exec("DELETE FROM t WHERE a = 2; ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES pk ON DELETE CASCADE").unwrap();
    db.exec("ALTER TABLE t ADD CONSTRAINT t_c_uq UNIQUE (c)")
        .unwrap();
    assert_err(
        &db.exec_err("ALTER TABLE t ADD CONSTRAINT t_c_uq UNIQUE (a)"),
        "42710",
        "constraint \"t_c_uq\" for relation \"t\" already exists",
    );
    db.exec("DELETE FROM pk WHERE id = 1").unwrap();
    assert_eq!(
        db.rows("SELECT count(*) FROM t"),
        vec![vec![Value::Int8(0)]]
    );

    let e = db.exec_err("ALTER TABLE pk DROP CONSTRAINT pk_pkey");
    assert_err(
        &e,
        "2BP01",
        "cannot drop constraint pk_pkey on table pk because other objects depend on it",
    );
    db.exec("ALTER TABLE pk DROP CONSTRAINT pk_pkey CASCADE")
        .unwrap();
    assert!(!db.exists("pk_pkey"));
    let t = db.catalog.committed().table("public", "t").unwrap();
    assert!(t.constraints.iter().all(|c| c.name != "t_a_fkey"));
    assert_err(
        &db.exec_err("ALTER TABLE t DROP CONSTRAINT nope"),
        "42704",
        "constraint \"nope\" of relation \"t\" does not exist",
    );
    db.exec("ALTER TABLE t RENAME CONSTRAINT t_c_uq TO t_c_unique")
        .unwrap();
    assert!(db.exists("t_c_unique"));
}

#[test]
fn defaults_and_not_null() {
    let db = Db::with_tables();
    db.exec("ALTER TABLE t ALTER COLUMN b SET DEFAULT 42")
        .unwrap();
    db.exec("INSERT INTO t (a) VALUES (1)").unwrap();
    assert_eq!(db.rows("SELECT b FROM t"), vec![vec![i(42)]]);
    db.exec("ALTER TABLE t ALTER COLUMN b DROP DEFAULT; INSERT INTO t (a) VALUES (2)")
        .unwrap();
    assert_eq!(
        db.rows("SELECT b FROM t WHERE a = 2"),
        vec![vec![Value::Null]]
    );
    assert_err(
        &db.exec_err("ALTER TABLE t ALTER COLUMN b SET NOT NULL"),
        "23502",
        "column \"b\" of relation \"t\" contains null values",
    );
    db.exec("ALTER TABLE t ALTER COLUMN a SET NOT NULL")
        .unwrap();
    assert_err(
        &db.exec_err("INSERT INTO t (b) VALUES (1)"),
        "23502",
        "null value in column \"a\" of relation \"t\" violates not-null constraint",
    );
    db.exec("ALTER TABLE t ALTER COLUMN a DROP NOT NULL; INSERT INTO t (b) VALUES (1)")
        .unwrap();
    assert_err(
        &db.exec_err("ALTER TABLE pk ALTER COLUMN id DROP NOT NULL"),
        "42P16",
        "column \"id\" is in a primary key",
    );
    assert_err(
        &db.exec_err("ALTER TABLE t ALTER COLUMN b SET DEFAULT 'x'"),
        "22P02",
        "invalid input syntax for type integer: \"x\"",
    );
    assert_eq!(
        db.exec_err("ALTER TABLE t ALTER COLUMN b TYPE bigint")
            .sqlstate(),
        "0A000"
    );
}

#[test]
fn objects_dropped_together_are_not_each_others_dependents() {
    let db = Db::with_tables();
    db.exec("CREATE TABLE child (p int REFERENCES pk); CREATE VIEW v1 AS SELECT a FROM t; CREATE VIEW v2 AS SELECT a FROM v1")
        .unwrap();
    assert_eq!(db.exec_err("DROP TABLE pk").sqlstate(), "2BP01");
    db.exec("DROP TABLE pk, child").unwrap();
    db.exec("DROP VIEW v1, v2").unwrap();
    assert!(!db.exists("pk") && !db.exists("child") && !db.exists("v1") && !db.exists("v2"));
}
