//! tokio-postgres against the real `rusty-db-server` binary, logged in with SCRAM-SHA-256:
//! the simple and extended query protocols, binary parameters and results, COPY in both
//! directions, and cancelling a running query with a cancel request.

mod e2e_support;

use std::time::Duration;

use e2e_support::{Server, connect, runtime, sqlstate};
use futures_util::{SinkExt, StreamExt, pin_mut};
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::types::Type;

#[test]
fn simple_query_protocol_returns_text_rows_and_command_tags() {
    let server = Server::start();
    runtime().block_on(async {
        let client = connect(&server.conn_str()).await.expect("connect with SCRAM");
        client
            .batch_execute(
                "CREATE TABLE e2e_simple (id integer PRIMARY KEY, name text, score double precision);
                 INSERT INTO e2e_simple VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, 'three', -0.25);",
            )
            .await
            .expect("multi-statement simple query");
        let messages = client
            .simple_query("SELECT id, name, score FROM e2e_simple ORDER BY id; UPDATE e2e_simple SET score = 0 WHERE id > 1")
            .await
            .expect("simple query");
        let mut rows = Vec::new();
        let mut tags = Vec::new();
        for m in &messages {
            match m {
                SimpleQueryMessage::Row(r) => rows.push((
                    r.get(0).map(str::to_string),
                    r.get(1).map(str::to_string),
                    r.get(2).map(str::to_string),
                )),
                SimpleQueryMessage::CommandComplete(n) => tags.push(*n),
                _ => {}
            }
        }
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            vec![(s("1"), s("one"), s("1.5")), (s("2"), s("two"), None), (s("3"), s("three"), s("-0.25"))]
        );
        assert_eq!(tags, vec![3, 2], "row counts of SELECT and UPDATE");
    });
}

#[test]
fn extended_protocol_binds_parameters_and_decodes_binary_results() {
    let server = Server::start();
    runtime().block_on(async {
        let client = connect(&server.conn_str()).await.expect("connect");
        client
            .batch_execute(
                "CREATE TABLE e2e_types (id bigint PRIMARY KEY, small smallint, n integer, f double precision,
                                         r real, ok boolean, label text, raw bytea)",
            )
            .await
            .expect("create table");
        // tokio-postgres sends parameters and asks for every result column in binary.
        let insert = client
            .prepare("INSERT INTO e2e_types VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .await
            .expect("prepare insert");
        assert_eq!(
            insert.params(),
            &[Type::INT8, Type::INT2, Type::INT4, Type::FLOAT8, Type::FLOAT4, Type::BOOL, Type::TEXT, Type::BYTEA],
            "parameter types inferred by the server"
        );
        for i in 0..20i64 {
            let raw: Vec<u8> = (0..=i as u8).map(|b| b.wrapping_mul(37)).collect();
            let n = client
                .execute(
                    &insert,
                    &[&i, &(i as i16 - 10), &(i as i32 * 1000), &(i as f64 / 8.0), &(i as f32 * 0.5),
                      &(i % 3 == 0), &format!("label ‘{i}’"), &raw],
                )
                .await
                .expect("execute prepared insert");
            assert_eq!(n, 1);
        }
        let null_row: [Option<i32>; 1] = [None];
        client
            .execute("INSERT INTO e2e_types (id, n) VALUES (100, $1)", &[&null_row[0]])
            .await
            .expect("insert NULL parameter");

        let select = client
            .prepare("SELECT id, small, n, f, r, ok, label, raw FROM e2e_types WHERE id = $1")
            .await
            .expect("prepare select");
        let cols: Vec<Type> = select.columns().iter().map(|c| c.type_().clone()).collect();
        assert_eq!(
            cols,
            vec![Type::INT8, Type::INT2, Type::INT4, Type::FLOAT8, Type::FLOAT4, Type::BOOL, Type::TEXT, Type::BYTEA]
        );
        let row = client.query_one(&select, &[&7i64]).await.expect("select row 7");
        assert_eq!(row.get::<_, i64>(0), 7);
        assert_eq!(row.get::<_, i16>(1), -3);
        assert_eq!(row.get::<_, i32>(2), 7000);
        assert_eq!(row.get::<_, f64>(3), 0.875);
        assert_eq!(row.get::<_, f32>(4), 3.5);
        assert!(!row.get::<_, bool>(5));
        assert_eq!(row.get::<_, &str>(6), "label ‘7’");
        assert_eq!(row.get::<_, Vec<u8>>(7), (0..=7u8).map(|b| b.wrapping_mul(37)).collect::<Vec<_>>());
        let nulls = client.query_one(&select, &[&100i64]).await.expect("select row 100");
        assert_eq!(nulls.get::<_, Option<i16>>(1), None);
        assert_eq!(nulls.get::<_, Option<i32>>(2), None);
        assert_eq!(nulls.get::<_, Option<Vec<u8>>>(7), None);

        // The same statement reused with other parameters, and an aggregate over them.
        let ids: Vec<i64> = client
            .query("SELECT id FROM e2e_types WHERE ok AND id < $1 ORDER BY id", &[&10i64])
            .await
            .expect("filtered query")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ids, vec![0, 3, 6, 9]);
        let sum: i64 = client
            .query_one("SELECT sum(n)::bigint FROM e2e_types", &[])
            .await
            .expect("sum")
            .get(0);
        assert_eq!(sum, (0..20i64).map(|i| i * 1000).sum::<i64>());

        // An error in the extended protocol carries its SQLSTATE and leaves the session usable.
        let e = client
            .execute(&insert, &[&7i64, &0i16, &0i32, &0f64, &0f32, &true, &"dup", &Vec::<u8>::new()])
            .await
            .expect_err("duplicate key");
        assert_eq!(sqlstate(&e), "23505", "{e:?}");
        let e = client.query("SELECT * FROM e2e_missing_table", &[]).await.expect_err("no such table");
        assert_eq!(sqlstate(&e), "42P01", "{e:?}");
        let count: i64 = client.query_one("SELECT count(*) FROM e2e_types", &[]).await.expect("count").get(0);
        assert_eq!(count, 21);
    });
}

#[test]
fn copy_in_and_copy_out_round_trip() {
    let server = Server::start();
    runtime().block_on(async {
        let client = connect(&server.conn_str()).await.expect("connect");
        client
            .batch_execute("CREATE TABLE e2e_copy (id integer PRIMARY KEY, name text, note text)")
            .await
            .expect("create table");
        let mut expected = String::new();
        for i in 0..2000 {
            let note = if i % 7 == 0 {
                "\\N".to_string()
            } else {
                format!("tab\\there {i}")
            };
            expected.push_str(&format!("{i}\tname {i}\t{note}\n"));
        }
        let sink = client
            .copy_in("COPY e2e_copy (id, name, note) FROM STDIN")
            .await
            .expect("start COPY FROM STDIN");
        pin_mut!(sink);
        // In several chunks, cutting rows in the middle, as clients do.
        for chunk in expected.as_bytes().chunks(4096) {
            sink.send(bytes_of(chunk)).await.expect("send COPY data");
        }
        let copied = sink.finish().await.expect("finish COPY");
        assert_eq!(copied, 2000);

        let nulls: i64 = client
            .query_one("SELECT count(*) FROM e2e_copy WHERE note IS NULL", &[])
            .await
            .expect("count nulls")
            .get(0);
        assert_eq!(nulls, (0..2000).filter(|i| i % 7 == 0).count() as i64);
        let note: String = client
            .query_one("SELECT note FROM e2e_copy WHERE id = 1", &[])
            .await
            .expect("row 1")
            .get(0);
        assert_eq!(note, "tab\there 1");

        let stream = client
            .copy_out("COPY (SELECT id, name, note FROM e2e_copy ORDER BY id) TO STDOUT")
            .await
            .expect("start COPY TO STDOUT");
        pin_mut!(stream);
        let mut out = Vec::new();
        let mut messages = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("COPY data");
            // PostgreSQL sends one CopyData message per row, and clients rely on it
            // (psycopg's Copy.rows() parses each message as one row).
            assert!(
                chunk.ends_with(b"\n") && chunk.iter().filter(|&&b| b == b'\n').count() == 1,
                "CopyData message {messages} is not exactly one row: {:?}",
                String::from_utf8_lossy(&chunk[..chunk.len().min(200)])
            );
            messages += 1;
            out.extend_from_slice(&chunk);
        }
        assert_eq!(messages, 2000, "one CopyData message per row");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            expected,
            "COPY TO gives back what COPY FROM took"
        );

        // A bad row aborts the COPY with its SQLSTATE and the table is unchanged.
        let sink = client
            .copy_in("COPY e2e_copy (id, name, note) FROM STDIN")
            .await
            .expect("start COPY");
        pin_mut!(sink);
        sink.send(bytes_of(b"5000\tok\tok\nnot-a-number\tx\ty\n"))
            .await
            .expect("send");
        let e = sink
            .finish()
            .await
            .expect_err("invalid integer in COPY data");
        assert_eq!(sqlstate(&e), "22P02", "{e:?}");
        let count: i64 = client
            .query_one("SELECT count(*) FROM e2e_copy", &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(count, 2000);
    });
}

fn bytes_of(data: &[u8]) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(data.to_vec())
}

/// A query that runs for minutes unless cancelled (no pg_sleep needed).
const LONG_QUERY: &str =
    "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b";

#[test]
fn cancel_request_stops_a_running_query() {
    let server = Server::start();
    runtime().block_on(async {
        let client = connect(&server.conn_str()).await.expect("connect");
        let token = client.cancel_token();
        let query = client.simple_query(LONG_QUERY);
        pin_mut!(query);
        // A cancel that arrives before the query starts is ignored (as in PostgreSQL), so
        // cancel once a second until the query ends: bounded at 60 attempts.
        let mut attempts = 0;
        let result = loop {
            tokio::select! {
                r = &mut query => break r,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    attempts += 1;
                    assert!(attempts <= 60, "the query was not cancelled after 60 cancel requests");
                    token.cancel_query(tokio_postgres::NoTls).await.expect("send the cancel request");
                }
            }
        };
        let e = result.expect_err("the cancelled query must fail");
        assert_eq!(sqlstate(&e), "57014", "{e:?}");
        assert!(
            e.as_db_error().is_some_and(|d| d.message().contains("canceling statement due to user request")),
            "{e:?}"
        );
        // The connection survives its cancelled statement.
        let one: i32 = client.query_one("SELECT 1", &[]).await.expect("query after cancel").get(0);
        assert_eq!(one, 1);
    });
}
