//! Connection lifecycle: cancel, limits, terminate, idle timeout, shutdown.

use std::time::Duration;

use rustydb_pgwire::PgWireOptions;
use tokio_postgres::NoTls;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_cancels_the_running_statement() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    let token = c.cancel_token();
    let running = tokio::spawn(async move {
        c.query_one(
            "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b",
            &[],
        )
        .await
    });
    // Cancel until the statement ends (a cancel that arrives before it starts does
    // nothing, as in PostgreSQL); bounded.
    let mut result = None;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        token.cancel_query(NoTls).await.unwrap();
        if running.is_finished() {
            result = Some(running.await.unwrap());
            break;
        }
    }
    let e = result.expect("the statement ended").unwrap_err();
    assert_eq!(sqlstate(&e), "57014");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_refuses_the_next_client() {
    let ts = start(PgWireOptions {
        max_connections: 2,
        ..options()
    })
    .await;
    let a = connect(ts.port).await;
    let _b = connect(ts.port).await;
    let e = try_connect(ts.port, "rustydb", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(sqlstate(&e), "53300");
    assert!(
        e.as_db_error()
            .unwrap()
            .message()
            .starts_with("sorry, too many clients already")
    );
    let st = ts.server.stats();
    assert_eq!((st.active, st.max), (2, 2));
    assert!(st.rejected_total >= 1);
    drop(a);
    // The slot comes back once the first session has closed (bounded wait).
    for _ in 0..100 {
        if try_connect(ts.port, "rustydb", PASSWORD).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the slot never came back: {:?}", ts.server.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_closes_the_connection_with_57p01() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    let m = r.startup("rustydb").await;
    let key = m.iter().find(|(t, _)| *t == b'K').unwrap();
    let pid = u32::from_be_bytes([key.1[0], key.1[1], key.1[2], key.1[3]]);
    assert!(ts.engine.sessions().terminate(pid));
    let m = r.until(|t| t == b'E').await;
    let e = &m.last().unwrap().1;
    assert_eq!(field(e, b'S').as_deref(), Some("FATAL"));
    assert_eq!(field(e, b'C').as_deref(), Some("57P01"));
    assert_eq!(
        field(e, b'M').as_deref(),
        Some("terminating connection due to administrator command")
    );
    assert!(r.recv().await.is_none(), "the connection closes");
    for _ in 0..100 {
        if ts.engine.sessions().get(pid).is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the session stayed registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_time_out_and_shutdown_closes_the_rest() {
    let ts = start(PgWireOptions {
        idle_session_timeout: Some(Duration::from_millis(300)),
        ..trust()
    })
    .await;
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    let m = r.until(|t| t == b'E').await;
    assert_eq!(field(&m.last().unwrap().1, b'C').as_deref(), Some("57P05"));
    assert!(r.recv().await.is_none());
    // Inside a transaction block the idle timeout does not apply.
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    r.query("BEGIN").await;
    r.until(|t| t == b'Z').await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    r.query("SELECT 1").await;
    assert_eq!(types(&r.until(|t| t == b'Z').await), "TDCZ");
    // Shutdown: the idle-in-transaction session gets 57P01 and serve returns.
    ts.stop.cancel();
    let m = r.until(|t| t == b'E').await;
    assert_eq!(field(&m.last().unwrap().1, b'C').as_deref(), Some("57P01"));
    tokio::time::timeout(Duration::from_secs(30), ts.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
