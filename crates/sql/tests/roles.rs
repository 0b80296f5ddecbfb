//! Roles, passwords and table privileges end to end: CREATE / ALTER / DROP ROLE with
//! PostgreSQL's SQLSTATEs, verifiers in PostgreSQL's format, roles surviving a restart
//! and vanishing with a rollback, and the privilege checks of queries, DML, COPY and
//! DDL for a role that is not a superuser.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use rustydb_common::ErrorCode;
use rustydb_sql::auth::ScramVerifier;
use rustydb_sql::{Engine, EngineOptions, Session};

fn open(dir: &Path) -> Arc<Engine> {
    let mut o = EngineOptions::new(dir);
    o.storage.buffer_pool_pages = 1024;
    o.txn.autovacuum = false;
    Engine::open(o).unwrap()
}

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    (dir, e)
}

fn ok(s: &mut Session, sql: &str) -> Vec<String> {
    s.execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.tag)
        .collect()
}

fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    let r = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| rustydb_sql::types::text::format_value_opt(v).unwrap_or("NULL".into()))
                .collect()
        })
        .collect()
}

/// The SQLSTATE and message of the error `sql` must give.
fn err(s: &mut Session, sql: &str) -> (String, String) {
    let e = s.execute(sql).expect_err(sql);
    (e.sqlstate().to_string(), e.message().to_string())
}

/// A session running as `user`.
fn session_as(e: &Arc<Engine>, user: &str) -> Session {
    let mut s = e.session();
    s.set_identity(user, "rustydb");
    s
}

#[test]
fn fresh_database_has_the_bootstrap_superuser() {
    let (_d, e) = engine();
    let r = e.role("rustydb").unwrap();
    assert!(r.superuser && r.can_login && r.create_role && r.create_db);
    assert_eq!((r.oid, r.password.clone()), (10, None));
    assert_eq!(r.connection_limit, -1);
    assert!(e.role("nobody").is_none());
    // The first password is set once; later calls leave it alone.
    assert!(e.bootstrap_superuser("first").unwrap());
    assert!(!e.bootstrap_superuser("second").unwrap());
    let v = e.role("rustydb").unwrap().password.unwrap();
    assert!(v.verify_password("first"));
    assert!(!v.verify_password("second"));
    e.set_role_password("rustydb", "third").unwrap();
    assert!(
        e.role("rustydb")
            .unwrap()
            .password
            .unwrap()
            .verify_password("third")
    );
    let missing = e.set_role_password("nobody", "x").unwrap_err();
    assert_eq!(missing.sqlstate(), "42704");
}

#[test]
fn create_alter_rename_drop() {
    let (_d, e) = engine();
    let mut s = e.session();
    assert_eq!(
        ok(
            &mut s,
            "CREATE ROLE app WITH LOGIN PASSWORD 'pw' CREATEDB CONNECTION LIMIT 5 \
             VALID UNTIL '2100-01-01 00:00:00+00'"
        ),
        ["CREATE ROLE"]
    );
    let r = e.role("app").unwrap();
    assert!(r.can_login && r.create_db && !r.superuser && !r.create_role);
    assert_eq!(r.connection_limit, 5);
    assert!(r.oid >= 16384);
    let v = r.password.unwrap();
    assert!(v.verify_password("pw"));
    assert!(v.to_string().starts_with("SCRAM-SHA-256$4096:"));
    assert_eq!(
        r.valid_until,
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800))
    );

    // CREATE USER implies LOGIN; CREATE ROLE does not.
    ok(&mut s, "CREATE USER u1; CREATE ROLE g1");
    assert!(e.role("u1").unwrap().can_login);
    assert!(!e.role("g1").unwrap().can_login);
    ok(&mut s, "CREATE USER u2 NOLOGIN");
    assert!(!e.role("u2").unwrap().can_login);

    assert_eq!(
        err(&mut s, "CREATE ROLE app"),
        ("42710".into(), "role \"app\" already exists".into())
    );
    assert_eq!(err(&mut s, "CREATE ROLE pg_x").0, "42939");
    assert_eq!(err(&mut s, "CREATE ROLE x LOGIN NOLOGIN").0, "42601");
    assert_eq!(err(&mut s, "CREATE ROLE x CONNECTION LIMIT -2").0, "22023");
    assert_eq!(
        err(&mut s, "CREATE ROLE x VALID UNTIL 'garbage'").0,
        "22007"
    );

    assert_eq!(
        ok(
            &mut s,
            "ALTER ROLE app WITH NOLOGIN PASSWORD NULL VALID UNTIL 'infinity'"
        ),
        ["ALTER ROLE"]
    );
    let r = e.role("app").unwrap();
    assert!(!r.can_login && r.password.is_none() && r.valid_until.is_none());
    ok(&mut s, "ALTER USER app ENCRYPTED PASSWORD 'again'");
    assert!(
        e.role("app")
            .unwrap()
            .password
            .unwrap()
            .verify_password("again")
    );
    // An empty password clears it, as in PostgreSQL.
    ok(&mut s, "ALTER ROLE app PASSWORD ''");
    assert!(e.role("app").unwrap().password.is_none());
    assert_eq!(
        err(&mut s, "ALTER ROLE nosuch LOGIN"),
        ("42704".into(), "role \"nosuch\" does not exist".into())
    );

    assert_eq!(ok(&mut s, "ALTER ROLE app RENAME TO app2"), ["ALTER ROLE"]);
    assert!(e.role("app").is_none() && e.role("app2").is_some());
    assert_eq!(err(&mut s, "ALTER ROLE app2 RENAME TO u1").0, "42710");
    assert_eq!(err(&mut s, "ALTER ROLE nosuch RENAME TO x").0, "42704");
    assert_eq!(
        err(&mut s, "ALTER ROLE rustydb RENAME TO boss"),
        ("0A000".into(), "session user cannot be renamed".into())
    );

    assert_eq!(ok(&mut s, "DROP ROLE app2, u1"), ["DROP ROLE"]);
    assert!(e.role("app2").is_none() && e.role("u1").is_none());
    assert_eq!(
        err(&mut s, "DROP ROLE app2"),
        ("42704".into(), "role \"app2\" does not exist".into())
    );
    assert_eq!(ok(&mut s, "DROP USER IF EXISTS app2, u2"), ["DROP ROLE"]);
    assert!(e.role("u2").is_none());
    assert_eq!(
        err(&mut s, "DROP ROLE rustydb"),
        ("55006".into(), "current user cannot be dropped".into())
    );
    // The bootstrap superuser stays a superuser and stays.
    let mut other = session_as(&e, "g1");
    ok(&mut s, "ALTER ROLE g1 SUPERUSER");
    assert_eq!(
        err(&mut other, "DROP ROLE rustydb").0,
        "2BP01",
        "the bootstrap superuser cannot be dropped"
    );
    assert_eq!(err(&mut other, "ALTER ROLE rustydb NOSUPERUSER").0, "42501");

    // Not supported: membership, SET ROLE, per-role settings.
    assert_eq!(err(&mut s, "GRANT g1 TO rustydb").0, "0A000");
    assert_eq!(err(&mut s, "SET ROLE g1").0, "0A000");
    assert_eq!(err(&mut s, "ALTER ROLE g1 SET work_mem = '1MB'").0, "0A000");
    assert_eq!(err(&mut s, "CREATE ROLE x IN ROLE g1").0, "0A000");
}

#[test]
fn passwords_are_stored_only_as_verifiers() {
    let (_d, e) = engine();
    let mut s = e.session();
    ok(&mut s, "CREATE ROLE a LOGIN PASSWORD 'secret'");
    let stored = e.role("a").unwrap().password.unwrap().to_string();
    assert!(!stored.contains("secret"));
    // A verifier given as the password is kept as is (here: made by PostgreSQL 15).
    let pg = "SCRAM-SHA-256$4096:t8YngQf7Wh4jK8UsiDNDqQ==$pkaS39u36DY02s80OpsgTBDod6H82lkDynNfI7rHEhk=:F6WOtChcQUhyfYSCijDgXfCwTucRk6NojFgQwkroU9k=";
    ok(&mut s, &format!("CREATE ROLE b LOGIN PASSWORD '{pg}'"));
    let v = e.role("b").unwrap().password.unwrap();
    assert_eq!(v.to_string(), pg);
    assert!(v.verify_password("secret"));
    e.set_role_password("a", pg).unwrap();
    assert_eq!(e.role("a").unwrap().password.unwrap().to_string(), pg);
    assert!(ScramVerifier::parse(pg).unwrap().verify_password("secret"));
}

#[test]
fn role_ddl_is_transactional_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = open(dir.path());
        let mut s = e.session();
        ok(&mut s, "BEGIN; CREATE ROLE gone LOGIN; ROLLBACK");
        assert!(e.role("gone").is_none());
        ok(&mut s, "BEGIN; CREATE ROLE later LOGIN");
        assert!(e.role("later").is_none(), "invisible until COMMIT");
        ok(&mut s, "COMMIT");
        assert!(e.role("later").is_some());
        ok(&mut s, "BEGIN; DROP ROLE later; ROLLBACK");
        assert!(e.role("later").is_some());
        ok(
            &mut s,
            "CREATE USER kept PASSWORD 'pw' CREATEROLE; CREATE TABLE t (a int); \
             GRANT SELECT ON t TO kept",
        );
        e.bootstrap_superuser("boot").unwrap();
        e.shutdown().unwrap();
    }
    let e = open(dir.path());
    let kept = e.role("kept").unwrap();
    assert!(kept.can_login && kept.create_role);
    assert!(kept.password.unwrap().verify_password("pw"));
    assert!(e.role("later").is_some() && e.role("gone").is_none());
    let boot = e.role("rustydb").unwrap();
    assert!(boot.superuser && boot.password.unwrap().verify_password("boot"));
    assert!(!e.bootstrap_superuser("other").unwrap());
    let mut s = session_as(&e, "kept");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), [["0"]]);
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (1)").0, "42501");
}

#[test]
fn role_management_needs_createrole_or_superuser() {
    let (_d, e) = engine();
    let mut su = e.session();
    ok(
        &mut su,
        "CREATE ROLE plain LOGIN; CREATE ROLE manager CREATEROLE LOGIN; \
         CREATE ROLE boss SUPERUSER; CREATE ROLE victim",
    );
    let mut plain = session_as(&e, "plain");
    let (code, msg) = err(&mut plain, "CREATE ROLE x");
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("42501", "permission denied to create role")
    );
    assert_eq!(err(&mut plain, "ALTER ROLE victim LOGIN").0, "42501");
    assert_eq!(err(&mut plain, "ALTER ROLE plain CREATEDB").0, "42501");
    assert_eq!(err(&mut plain, "DROP ROLE victim").0, "42501");
    assert_eq!(err(&mut plain, "ALTER ROLE victim RENAME TO v").0, "42501");
    // A role may change its own password.
    ok(&mut plain, "ALTER ROLE plain PASSWORD 'mine'");
    ok(&mut plain, "ALTER ROLE CURRENT_USER PASSWORD 'mine2'");
    assert!(
        e.role("plain")
            .unwrap()
            .password
            .unwrap()
            .verify_password("mine2")
    );

    let mut mgr = session_as(&e, "manager");
    ok(&mut mgr, "CREATE ROLE made LOGIN; ALTER ROLE made CREATEDB");
    ok(&mut mgr, "ALTER ROLE made RENAME TO made2; DROP ROLE made2");
    let e1 = mgr.execute("CREATE ROLE s2 SUPERUSER").unwrap_err();
    assert_eq!(
        (e1.sqlstate(), e1.message()),
        ("42501", "must be superuser to create superusers")
    );
    assert_eq!(e1.code(), ErrorCode::SecPermissionDenied);
    assert!(e1.hint().is_some());
    assert_eq!(err(&mut mgr, "ALTER ROLE boss PASSWORD 'x'").0, "42501");
    assert_eq!(err(&mut mgr, "ALTER ROLE victim SUPERUSER").0, "42501");
    assert_eq!(err(&mut mgr, "DROP ROLE boss").0, "42501");
    assert_eq!(err(&mut mgr, "ALTER ROLE boss RENAME TO b2").0, "42501");
    assert_eq!(err(&mut mgr, "DROP ROLE manager").0, "55006");
    // A session user unknown to the catalog can do nothing to roles.
    let mut ghost = session_as(&e, "ghost");
    assert_eq!(err(&mut ghost, "CREATE ROLE x").0, "42501");
    assert_eq!(err(&mut ghost, "ALTER ROLE ghost PASSWORD 'x'").0, "42704");
}

#[test]
fn privileges_on_tables() {
    let (_d, e) = engine();
    let mut su = e.session();
    ok(
        &mut su,
        "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; \
         CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b'); \
         CREATE TABLE other (x int); GRANT SELECT, INSERT ON other TO bob",
    );
    let mut bob = session_as(&e, "bob");
    let denied = bob.execute("SELECT * FROM t").unwrap_err();
    assert_eq!(denied.sqlstate(), "42501");
    assert_eq!(denied.message(), "permission denied for table t");
    assert_eq!(denied.code(), ErrorCode::SecPermissionDenied);
    assert!(
        denied.hint().unwrap().contains("GRANT SELECT ON t TO bob"),
        "{denied:?}"
    );
    for sql in [
        "INSERT INTO t VALUES (3, 'c')",
        "UPDATE t SET v = 'x'",
        "DELETE FROM t",
        "TRUNCATE t",
        "SELECT * FROM other WHERE x IN (SELECT id FROM t)",
        "INSERT INTO other SELECT id FROM t",
        "COPY t TO STDOUT",
        "EXPLAIN SELECT * FROM t",
    ] {
        assert_eq!(
            err(&mut bob, sql),
            ("42501".into(), "permission denied for table t".into()),
            "{sql}"
        );
    }
    // DDL needs ownership.
    for (sql, message) in [
        ("DROP TABLE t", "must be owner of table t"),
        ("ALTER TABLE t ADD COLUMN w int", "must be owner of table t"),
        ("CREATE INDEX ON t (v)", "must be owner of table t"),
        ("REINDEX TABLE t", "must be owner of table t"),
        ("DROP INDEX t_pkey", "must be owner of index t_pkey"),
    ] {
        assert_eq!(
            err(&mut bob, sql),
            ("42501".into(), message.into()),
            "{sql}"
        );
    }
    assert_eq!(err(&mut bob, "CREATE SCHEMA s").0, "42501");
    assert_eq!(err(&mut bob, "GRANT SELECT ON t TO bob").0, "42501");

    // GRANT makes each statement work.
    ok(&mut su, "GRANT SELECT ON t TO bob");
    assert!(
        e.catalog()
            .committed()
            .has_table_privilege("bob", table_oid(&e, "t"), "select")
    );
    assert!(
        !e.catalog()
            .committed()
            .has_table_privilege("bob", table_oid(&e, "t"), "INSERT")
    );
    assert_eq!(
        rows(&mut bob, "SELECT v FROM t ORDER BY id"),
        [["a"], ["b"]]
    );
    ok(&mut bob, "COPY t TO STDOUT");
    assert_eq!(err(&mut bob, "INSERT INTO t VALUES (3, 'c')").0, "42501");
    ok(&mut su, "GRANT INSERT, UPDATE ON TABLE t TO bob");
    ok(
        &mut bob,
        "INSERT INTO t VALUES (3, 'c'); UPDATE t SET v = 'z' WHERE id = 3",
    );
    let mut copy_in = "4\td\n".as_bytes();
    bob.copy_from("COPY t FROM STDIN", &mut copy_in).unwrap();
    assert_eq!(err(&mut bob, "DELETE FROM t WHERE id = 4").0, "42501");
    ok(&mut su, "GRANT DELETE, TRUNCATE ON t TO bob");
    ok(&mut bob, "DELETE FROM t WHERE id = 4");
    assert_eq!(rows(&mut bob, "SELECT count(*) FROM t"), [["3"]]);

    // UPDATE / DELETE that read the table need SELECT too; a blind DELETE does not.
    ok(&mut su, "REVOKE SELECT ON t FROM bob");
    assert_eq!(err(&mut bob, "DELETE FROM t WHERE id = 3").0, "42501");
    assert_eq!(err(&mut bob, "UPDATE t SET v = v || 'x'").0, "42501");
    assert_eq!(err(&mut bob, "SELECT * FROM t").0, "42501");
    ok(&mut bob, "UPDATE t SET v = 'same'");
    // A data-modifying CTE read from a subquery is checked too.
    ok(
        &mut su,
        "REVOKE DELETE ON t FROM bob; GRANT SELECT ON t TO bob",
    );
    assert_eq!(
        err(
            &mut bob,
            "WITH d AS (DELETE FROM t RETURNING id) SELECT (SELECT count(*) FROM d)"
        )
        .0,
        "42501"
    );
    ok(&mut bob, "TRUNCATE t");
    // ALL and REVOKE ALL.
    ok(&mut su, "REVOKE ALL ON t FROM bob");
    assert_eq!(err(&mut bob, "SELECT * FROM t").0, "42501");
    ok(&mut su, "GRANT ALL PRIVILEGES ON t TO bob");
    ok(
        &mut bob,
        "INSERT INTO t VALUES (9, 'nine'); SELECT * FROM t; DELETE FROM t",
    );
    // Still no DDL without ownership.
    assert_eq!(err(&mut bob, "DROP TABLE t").0, "42501");
    // Grants to roles that do not exist are refused.
    assert_eq!(err(&mut su, "GRANT SELECT ON t TO nosuch").0, "42704");
    assert_eq!(err(&mut su, "GRANT SELECT ON nosuch TO bob").0, "42P01");
    // A role holding privileges cannot be dropped.
    let (code, msg) = err(&mut su, "DROP ROLE bob");
    assert_eq!(code, "2BP01");
    assert_eq!(
        msg,
        "role \"bob\" cannot be dropped because some objects depend on it"
    );
    let e2 = su.execute("DROP ROLE bob").unwrap_err();
    assert_eq!(
        e2.detail(),
        Some("privileges for table t\nprivileges for table other")
    );
    ok(&mut su, "REVOKE ALL ON t, other FROM bob; DROP ROLE bob");
}

fn table_oid(e: &Arc<Engine>, name: &str) -> u32 {
    e.catalog()
        .committed()
        .table("public", name)
        .unwrap()
        .def
        .oid
}

#[test]
fn public_grants_and_schema_wide_grants() {
    let (_d, e) = engine();
    let mut su = e.session();
    ok(
        &mut su,
        "CREATE ROLE carol LOGIN; CREATE TABLE a (x int); CREATE TABLE b (y int); \
         CREATE VIEW va AS SELECT x FROM a",
    );
    let mut carol = session_as(&e, "carol");
    assert_eq!(err(&mut carol, "SELECT * FROM a").0, "42501");
    ok(&mut su, "GRANT SELECT ON a TO PUBLIC");
    ok(&mut carol, "SELECT * FROM a");
    assert!(
        e.catalog()
            .committed()
            .has_table_privilege("carol", table_oid(&e, "a"), "SELECT")
    );
    // A user unknown to the catalog gets nothing, not even PUBLIC's grants.
    let mut ghost = session_as(&e, "ghost");
    assert_eq!(err(&mut ghost, "SELECT * FROM a").0, "42501");
    assert!(
        !e.catalog()
            .committed()
            .has_table_privilege("ghost", table_oid(&e, "a"), "SELECT")
    );
    ok(&mut su, "REVOKE SELECT ON a FROM PUBLIC");
    assert_eq!(err(&mut carol, "SELECT * FROM a").0, "42501");

    ok(
        &mut su,
        "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO carol",
    );
    ok(
        &mut carol,
        "INSERT INTO b VALUES (1); SELECT * FROM a, b; SELECT * FROM va",
    );
    ok(
        &mut su,
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM carol",
    );
    assert_eq!(err(&mut carol, "SELECT * FROM b").0, "42501");
    assert_eq!(
        err(
            &mut su,
            "GRANT SELECT ON ALL TABLES IN SCHEMA nope TO carol"
        )
        .0,
        "3F000"
    );
}

#[test]
fn owners_views_and_superusers() {
    let (_d, e) = engine();
    let mut su = e.session();
    ok(
        &mut su,
        "CREATE ROLE dave LOGIN; CREATE ROLE erin LOGIN; CREATE TABLE secret (s text)",
    );
    ok(&mut su, "INSERT INTO secret VALUES ('x')");
    let mut dave = session_as(&e, "dave");
    // Dave owns what he creates and may do anything to it, including granting.
    ok(
        &mut dave,
        "CREATE TABLE mine (id serial PRIMARY KEY, v text); INSERT INTO mine (v) VALUES ('a'); \
         CREATE INDEX ON mine (v); ALTER TABLE mine ADD COLUMN w int; \
         SELECT * FROM mine; UPDATE mine SET w = 1 WHERE id = 1",
    );
    let state = e.catalog().committed();
    let mine = state.table("public", "mine").unwrap();
    assert_eq!(mine.def.owner, "dave");
    assert!(state.has_table_privilege("dave", mine.def.oid, "TRUNCATE"));
    assert!(!state.has_table_privilege("erin", mine.def.oid, "SELECT"));
    // Superusers pass every check; objects from before roles belong to rustydb.
    assert!(state.has_table_privilege("rustydb", mine.def.oid, "DELETE"));
    assert_eq!(
        state.table("public", "secret").unwrap().def.owner,
        "rustydb"
    );
    assert!(!state.has_table_privilege("dave", mine.def.oid, "USAGE"));
    ok(
        &mut su,
        "SELECT * FROM mine; DELETE FROM mine WHERE id = 99",
    );

    // A view reads its tables with its owner's privileges: dave's view over his own
    // table works for erin once she may read the view; a view over a table dave
    // cannot read does not.
    ok(
        &mut dave,
        "CREATE VIEW mine_v AS SELECT v FROM mine; GRANT SELECT ON mine_v TO erin",
    );
    let mut erin = session_as(&e, "erin");
    assert_eq!(rows(&mut erin, "SELECT v FROM mine_v"), [["a"]]);
    assert_eq!(err(&mut erin, "SELECT v FROM mine").0, "42501");
    ok(
        &mut dave,
        "CREATE VIEW peek AS SELECT s FROM secret; GRANT SELECT ON peek TO erin",
    );
    assert_eq!(err(&mut erin, "SELECT * FROM peek").0, "42501");
    assert_eq!(err(&mut dave, "SELECT * FROM peek").0, "42501");

    // A foreign key needs REFERENCES on the table it references.
    ok(&mut su, "CREATE TABLE parent (id int PRIMARY KEY)");
    let (code, msg) = err(
        &mut erin,
        "CREATE TABLE child (p int REFERENCES parent (id))",
    );
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("42501", "permission denied for table parent")
    );
    ok(&mut su, "GRANT REFERENCES ON parent TO erin");
    ok(
        &mut erin,
        "CREATE TABLE child (p int REFERENCES parent (id)); DROP TABLE child",
    );
    ok(&mut su, "REVOKE REFERENCES ON parent FROM erin");

    // A role owning objects cannot be dropped; renaming it carries its objects along.
    let e1 = su.execute("DROP ROLE dave").unwrap_err();
    assert_eq!(e1.sqlstate(), "2BP01");
    assert!(
        e1.detail().unwrap().contains("owner of table mine"),
        "{e1:?}"
    );
    drop(dave);
    ok(&mut su, "ALTER ROLE dave RENAME TO dan");
    let state = e.catalog().committed();
    assert_eq!(state.table("public", "mine").unwrap().def.owner, "dan");
    let mut dan = session_as(&e, "dan");
    ok(
        &mut dan,
        "SELECT * FROM mine; DROP VIEW peek; DROP VIEW mine_v; DROP TABLE mine",
    );
    ok(&mut su, "DROP ROLE dan");
}

#[test]
fn prepared_statements_are_checked_when_they_run() {
    let (_d, e) = engine();
    let mut su = e.session();
    ok(
        &mut su,
        "CREATE ROLE fay LOGIN; CREATE TABLE t (a int); INSERT INTO t VALUES (1)",
    );
    let mut fay = session_as(&e, "fay");
    let p = fay.prepare("SELECT a FROM t", &[]).unwrap();
    assert_eq!(
        fay.execute_prepared(&p, &[]).unwrap_err().sqlstate(),
        "42501"
    );
    ok(&mut su, "GRANT SELECT ON t TO fay");
    assert_eq!(fay.execute_prepared(&p, &[]).unwrap().rows.len(), 1);
    ok(&mut su, "REVOKE SELECT ON t FROM fay");
    assert_eq!(
        fay.execute_prepared(&p, &[]).unwrap_err().sqlstate(),
        "42501"
    );
}
