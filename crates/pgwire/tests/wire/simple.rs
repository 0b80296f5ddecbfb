//! The simple query protocol.

use tokio_postgres::SimpleQueryMessage as M;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_statement_strings_return_each_result() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    let msgs = c
        .simple_query(
            "CREATE TABLE t (a int, b text, c float8, d bool); \
             INSERT INTO t VALUES (1, 'x', 0.1, true), (2, NULL, 1e20, false); \
             SELECT a, b, c, d FROM t ORDER BY a",
        )
        .await
        .unwrap();
    let rows: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            M::Row(r) => Some(r),
            _ => None,
        })
        .collect();
    let counts: Vec<u64> = msgs
        .iter()
        .filter_map(|m| match m {
            M::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![0, 2, 2]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get(0), Some("1"));
    assert_eq!(rows[0].get(1), Some("x"));
    assert_eq!(rows[0].get(2), Some("0.1"));
    assert_eq!(rows[0].get(3), Some("t"));
    assert_eq!(rows[1].get(1), None);
    assert_eq!(rows[1].get(2), Some("1e+20"));
    assert_eq!(rows[1].get(3), Some("f"));
    assert_eq!(rows[0].columns()[0].name(), "a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_stop_the_string_and_carry_our_code() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    c.simple_query("CREATE TABLE u (a int)").await.unwrap();
    let e = c
        .simple_query("INSERT INTO u VALUES (1); SELECT nosuch FROM u; INSERT INTO u VALUES (2)")
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "42703");
    assert!(
        db.hint().unwrap().contains("(error code ERR-SQL-"),
        "{:?}",
        db.hint()
    );
    // The implicit transaction of the string rolled back; nothing after the error ran.
    let n = c.query_one("SELECT count(*) FROM u", &[]).await.unwrap();
    assert_eq!(n.get::<_, i64>(0), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_for_query_reports_the_transaction_status() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    let m = r.startup("rustydb").await;
    assert_eq!(m.last().unwrap(), &(b'Z', b"I".to_vec()));
    r.query("BEGIN").await;
    assert_eq!(r.until(|t| t == b'Z').await.last().unwrap().1, b"T");
    r.query("SELECT nosuch").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(m.last().unwrap().1, b"E");
    r.query("SELECT 1").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(field(&m[0].1, b'C').as_deref(), Some("25P02"));
    r.query("ROLLBACK").await;
    assert_eq!(r.until(|t| t == b'Z').await.last().unwrap().1, b"I");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_queries_notices_and_parameter_status() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    let m = r.startup("rustydb").await;
    let params: Vec<(String, String)> = m
        .iter()
        .filter(|(t, _)| *t == b'S')
        .map(|(_, b)| {
            let parts: Vec<&[u8]> = b.split(|&c| c == 0).collect();
            (
                String::from_utf8_lossy(parts[0]).into_owned(),
                String::from_utf8_lossy(parts[1]).into_owned(),
            )
        })
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert!(get("server_version").unwrap().starts_with("15."));
    assert_eq!(get("client_encoding").as_deref(), Some("UTF8"));
    assert_eq!(get("DateStyle").as_deref(), Some("ISO, MDY"));
    assert_eq!(get("integer_datetimes").as_deref(), Some("on"));
    assert_eq!(get("standard_conforming_strings").as_deref(), Some("on"));
    assert_eq!(get("TimeZone").as_deref(), Some("UTC"));
    assert_eq!(get("application_name").as_deref(), Some("raw"));
    assert_eq!(get("is_superuser").as_deref(), Some("on"));
    assert_eq!(get("session_authorization").as_deref(), Some("rustydb"));
    let key = m.iter().find(|(t, _)| *t == b'K').unwrap();
    let pid = u32::from_be_bytes([key.1[0], key.1[1], key.1[2], key.1[3]]);
    let info = ts
        .engine
        .sessions()
        .get(pid)
        .expect("BackendKeyData pid is the session id")
        .info();
    assert_eq!(info.application_name, "raw");
    assert_eq!(info.user, "rustydb");

    r.query("").await;
    assert_eq!(types(&r.until(|t| t == b'Z').await), "IZ");
    r.query("COMMIT").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "NCZ");
    assert_eq!(field(&m[0].1, b'S').as_deref(), Some("WARNING"));
    assert_eq!(field(&m[0].1, b'C').as_deref(), Some("25P01"));
    assert_eq!(
        field(&m[0].1, b'M').as_deref(),
        Some("there is no transaction in progress")
    );
    r.query("SET application_name = 'renamed'").await;
    let m = r.until(|t| t == b'Z').await;
    assert!(
        m.iter()
            .any(|(t, b)| *t == b'S' && b.starts_with(b"application_name\0renamed")),
        "{m:?}"
    );
}
