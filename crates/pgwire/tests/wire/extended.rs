//! The extended query protocol.

use tokio_postgres::types::Type;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_and_unnamed_statements_with_inferred_types() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    c.batch_execute("CREATE TABLE t (a int PRIMARY KEY, b text)")
        .await
        .unwrap();
    let ins = c.prepare("INSERT INTO t VALUES ($1, $2)").await.unwrap();
    assert_eq!(ins.params(), &[Type::INT4, Type::TEXT]);
    assert!(ins.columns().is_empty());
    for i in 0..5 {
        assert_eq!(c.execute(&ins, &[&i, &format!("v{i}")]).await.unwrap(), 1);
    }
    let sel = c.prepare("SELECT b FROM t WHERE a = $1").await.unwrap();
    assert_eq!(sel.params(), &[Type::INT4]);
    assert_eq!(sel.columns()[0].type_(), &Type::TEXT);
    let row = c.query_one(&sel, &[&3i32]).await.unwrap();
    assert_eq!(row.get::<_, &str>(0), "v3");
    // Unnamed statement (Parse with an empty name) with declared types.
    let rows = c
        .query_typed(
            "SELECT a + $1 FROM t WHERE a < $2 ORDER BY a",
            &[(&10i32, Type::INT4), (&2i32, Type::INT4)],
        )
        .await
        .unwrap();
    let got: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(got, vec![10, 11]);
    // An error skips to Sync; the connection goes on.
    let e = c.prepare("SELEC 1").await.unwrap_err();
    assert_eq!(sqlstate(&e), "42601");
    let e = c.execute(&ins, &[&1i32, &"dup"]).await.unwrap_err();
    assert_eq!(sqlstate(&e), "23505");
    assert_eq!(
        c.query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_limited_portals_suspend_and_resume() {
    let ts = start(options()).await;
    let mut c = connect(ts.port).await;
    let tx = c.transaction().await.unwrap();
    let stmt = tx
        .prepare("SELECT i FROM generate_series(1, 5) AS g(i) ORDER BY i")
        .await
        .unwrap();
    let portal = tx.bind(&stmt, &[]).await.unwrap();
    let mut got = Vec::new();
    for want in [2, 2, 1, 0] {
        let rows = tx.query_portal(&portal, 2).await.unwrap();
        assert_eq!(rows.len(), want);
        got.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    assert_eq!(got, vec![1, 2, 3, 4, 5]);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_extended_messages_describe_and_close() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    // Parse "s1" with no declared types, Describe it, Bind to portal "p1" (binary
    // result), Describe the portal, Execute with limit 1 twice, Close both, Sync.
    r.send(b'P', b"s1\0SELECT $1::int8 * 2 AS x\0\0\0").await;
    r.send(b'D', b"Ss1\0").await;
    let mut bind = b"p1\0s1\0".to_vec();
    bind.extend_from_slice(&[0, 1, 0, 0, 0, 1, 0, 0, 0, 2, b'2', b'1', 0, 1, 0, 1]);
    r.send(b'B', &bind).await;
    r.send(b'D', b"Pp1\0").await;
    r.send(b'E', b"p1\0\0\0\0\x01").await;
    r.send(b'E', b"p1\0\0\0\0\x01").await;
    r.send(b'C', b"Pp1\0").await;
    r.send(b'C', b"Ss1\0").await;
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "1tT2TDsC33Z", "{m:?}");
    // ParameterDescription: one parameter, int8 (20).
    assert_eq!(m[1].1, vec![0, 1, 0, 0, 0, 20]);
    // The DataRow is binary: 42 as int8.
    assert_eq!(&m[5].1[2..], &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 42]);
    assert_eq!(m[7].1, b"SELECT 0\0");
    // A statement that does not exist: error, then everything up to Sync is skipped.
    r.send(b'B', b"\0nosuch\0\0\0\0\0\0\0").await;
    r.send(b'E', b"\0\0\0\0\0").await;
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "EZ");
    assert_eq!(field(&m[0].1, b'C').as_deref(), Some("26000"));
}

/// Parse + Bind + Execute of `sql` on the unnamed statement and portal, no Sync.
async fn pipelined(r: &mut Raw, sql: &str) {
    let mut parse = vec![0];
    parse.extend_from_slice(sql.as_bytes());
    parse.extend_from_slice(&[0, 0, 0]);
    r.send(b'P', &parse).await;
    r.send(b'B', b"\0\0\0\0\0\0\0\0").await;
    r.send(b'E', b"\0\0\0\0\0").await;
}

async fn ids(c: &tokio_postgres::Client) -> Vec<i32> {
    c.query("SELECT id FROM pl ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executes_share_one_implicit_transaction_until_sync() {
    let ts = start(trust()).await;
    let other = connect(ts.port).await;
    other
        .batch_execute("CREATE TABLE pl (id int PRIMARY KEY)")
        .await
        .unwrap();
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;

    // Two inserts, then Flush: both ran, neither is visible before Sync.
    pipelined(&mut r, "INSERT INTO pl VALUES (1)").await;
    pipelined(&mut r, "INSERT INTO pl VALUES (2)").await;
    r.send(b'H', b"").await;
    let mut m = r.until(|t| t == b'C').await;
    m.extend(r.until(|t| t == b'C').await);
    assert_eq!(types(&m), "12C12C", "{m:?}");
    assert_eq!(ids(&other).await, Vec::<i32>::new());
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "Z");
    assert_eq!(m[0].1, b"I");
    assert_eq!(ids(&other).await, vec![1, 2]);

    // An error rolls back the earlier Execute and skips the later one.
    pipelined(&mut r, "INSERT INTO pl VALUES (3)").await;
    pipelined(&mut r, "INSERT INTO pl VALUES (1)").await;
    pipelined(&mut r, "INSERT INTO pl VALUES (4)").await;
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "12C12EZ", "{m:?}");
    assert_eq!(field(&m[5].1, b'C').as_deref(), Some("23505"));
    assert_eq!(m[6].1, b"I");
    assert_eq!(ids(&other).await, vec![1, 2]);

    // BEGIN inside a pipeline takes the earlier statements into the explicit block.
    pipelined(&mut r, "INSERT INTO pl VALUES (5)").await;
    pipelined(&mut r, "BEGIN").await;
    pipelined(&mut r, "INSERT INTO pl VALUES (6)").await;
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "12C12C12CZ", "{m:?}");
    assert_eq!(m[9].1, b"T");
    r.query("ROLLBACK").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "CZ", "{m:?}");
    assert_eq!(ids(&other).await, vec![1, 2]);

    // COMMIT inside a pipeline commits what came before it (with PostgreSQL's warning).
    pipelined(&mut r, "INSERT INTO pl VALUES (7)").await;
    pipelined(&mut r, "COMMIT").await;
    r.send(b'S', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "12C12NCZ", "{m:?}");
    assert_eq!(field(&m[5].1, b'C').as_deref(), Some("25P01"));
    assert_eq!(ids(&other).await, vec![1, 2, 7]);
}
