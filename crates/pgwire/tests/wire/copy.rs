//! COPY FROM STDIN and COPY TO STDOUT.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_and_out_text_and_csv() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    c.batch_execute("CREATE TABLE t (a int, b text)")
        .await
        .unwrap();
    let sink = c.copy_in("COPY t (a, b) FROM STDIN").await.unwrap();
    futures_util::pin_mut!(sink);
    // Many CopyData messages, split mid-row, so the load streams.
    let mut data = String::new();
    for i in 0..20_000 {
        data.push_str(&format!("{i}\tv{i}\n"));
    }
    data.push_str("20000\t\\N\n");
    for chunk in data.as_bytes().chunks(1000) {
        sink.send(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    assert_eq!(sink.finish().await.unwrap(), 20_001);
    let sink = c
        .copy_in("COPY t FROM STDIN WITH (FORMAT csv)")
        .await
        .unwrap();
    futures_util::pin_mut!(sink);
    sink.send(Bytes::from_static(b"-1,\"a,b\"\n"))
        .await
        .unwrap();
    assert_eq!(sink.finish().await.unwrap(), 1);
    assert_eq!(
        c.query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        20_002
    );

    let stream = c
        .copy_out("COPY (SELECT a, b FROM t WHERE a < 2 ORDER BY a) TO STDOUT")
        .await
        .unwrap();
    let out: Vec<Bytes> = stream.map(|r| r.unwrap()).collect().await;
    assert_eq!(out.concat(), b"-1\ta,b\n0\tv0\n1\tv1\n");
    let stream = c
        .copy_out("COPY (SELECT a, b FROM t WHERE a = -1 OR a = 20000 ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)")
        .await
        .unwrap();
    let out: Vec<Bytes> = stream.map(|r| r.unwrap()).collect().await;
    assert_eq!(out.concat(), b"a,b\n-1,\"a,b\"\n20000,\n");
    // Bad data: the error names the line; nothing is stored.
    let sink = c.copy_in("COPY t FROM STDIN").await.unwrap();
    futures_util::pin_mut!(sink);
    sink.send(Bytes::from_static(b"1\tx\nnot-a-number\ty\n"))
        .await
        .unwrap();
    let e = sink.finish().await.unwrap_err();
    assert_eq!(sqlstate(&e), "22P02");
    assert_eq!(
        c.query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        20_002
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_simple_protocol_and_copy_fail() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    r.query("CREATE TABLE t (a int, b text)").await;
    r.until(|t| t == b'Z').await;
    // CopyInResponse says text format, two columns.
    r.query("COPY t FROM STDIN").await;
    let m = r.until(|t| t == b'G').await;
    assert_eq!(m.last().unwrap().1, vec![0, 0, 2, 0, 0, 0, 0]);
    r.send(b'd', b"1\tx\n").await;
    r.send(b'f', b"client gave up\0").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "EZ");
    assert_eq!(field(&m[0].1, b'C').as_deref(), Some("57014"));
    assert_eq!(
        field(&m[0].1, b'M').as_deref(),
        Some("COPY from stdin failed: client gave up")
    );
    // A multi-statement string with a COPY in the middle.
    r.query("INSERT INTO t VALUES (7, 'seven'); COPY t FROM STDIN; SELECT count(*) FROM t")
        .await;
    let m = r.until(|t| t == b'G').await;
    assert_eq!(types(&m), "CG");
    r.send(b'd', b"8\teight\n").await;
    r.send(b'c', b"").await;
    let m = r.until(|t| t == b'Z').await;
    assert_eq!(types(&m), "CTDCZ");
    assert_eq!(m[0].1, b"COPY 1\0");
    assert_eq!(&m[2].1[6..], b"2");
    // COPY TO STDOUT in the simple protocol.
    r.query("COPY t TO STDOUT").await;
    let m = r.until(|t| t == b'Z').await;
    // One CopyData per row, as PostgreSQL sends them.
    assert_eq!(types(&m), "HddcCZ");
    assert_eq!(m[0].1, vec![0, 0, 2, 0, 0, 0, 0]);
    assert_eq!(m[1].1, b"7\tseven\n");
    assert_eq!(m[2].1, b"8\teight\n");
}
