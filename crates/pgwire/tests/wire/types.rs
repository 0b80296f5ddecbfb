//! Text and binary formats of every supported type, both ways.

use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::common::*;

/// Any value's raw binary bytes, either way.
#[derive(Debug, Clone, PartialEq)]
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Raw, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

impl ToSql for Raw {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn cases() -> Vec<(&'static str, Type, &'static str, Vec<u8>)> {
    let mut interval = Vec::new();
    interval.extend_from_slice(&3_000_000i64.to_be_bytes());
    interval.extend_from_slice(&2i32.to_be_bytes());
    interval.extend_from_slice(&1i32.to_be_bytes());
    let mut jsonb = vec![1u8];
    jsonb.extend_from_slice(br#"{"a": [1, "x"]}"#);
    vec![
        ("boolean", Type::BOOL, "t", vec![1]),
        ("smallint", Type::INT2, "-2", (-2i16).to_be_bytes().to_vec()),
        ("integer", Type::INT4, "42", 42i32.to_be_bytes().to_vec()),
        (
            "bigint",
            Type::INT8,
            "-9000000000",
            (-9_000_000_000i64).to_be_bytes().to_vec(),
        ),
        ("real", Type::FLOAT4, "1.5", 1.5f32.to_be_bytes().to_vec()),
        (
            "double precision",
            Type::FLOAT8,
            "0.1",
            0.1f64.to_be_bytes().to_vec(),
        ),
        (
            "numeric",
            Type::NUMERIC,
            "12345.6789",
            vec![0, 3, 0, 1, 0, 0, 0, 4, 0, 1, 0x09, 0x29, 0x1a, 0x85],
        ),
        (
            "numeric",
            Type::NUMERIC,
            "-0.0012",
            vec![0, 1, 0xff, 0xff, 0x40, 0, 0, 4, 0, 12],
        ),
        (
            "numeric",
            Type::NUMERIC,
            "0.00",
            vec![0, 0, 0, 0, 0, 0, 0, 2],
        ),
        ("text", Type::TEXT, "héllo", "héllo".as_bytes().to_vec()),
        (
            "character varying(10)",
            Type::VARCHAR,
            "abc",
            b"abc".to_vec(),
        ),
        ("character(3)", Type::BPCHAR, "ab ", b"ab ".to_vec()),
        ("bytea", Type::BYTEA, "\\x00ff", vec![0, 255]),
        (
            "date",
            Type::DATE,
            "2000-01-02",
            1i32.to_be_bytes().to_vec(),
        ),
        (
            "time",
            Type::TIME,
            "00:00:01.5",
            1_500_000i64.to_be_bytes().to_vec(),
        ),
        (
            "timestamp",
            Type::TIMESTAMP,
            "2000-01-01 00:00:01",
            1_000_000i64.to_be_bytes().to_vec(),
        ),
        (
            "timestamptz",
            Type::TIMESTAMPTZ,
            "2000-01-01 00:00:01+00",
            1_000_000i64.to_be_bytes().to_vec(),
        ),
        (
            "interval",
            Type::INTERVAL,
            "1 mon 2 days 00:00:03",
            interval,
        ),
        (
            "uuid",
            Type::UUID,
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            vec![
                0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
                0x0a, 0x11,
            ],
        ),
        ("jsonb", Type::JSONB, r#"{"a": [1, "x"]}"#, jsonb),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_round_trips_in_text_and_binary() {
    let ts = start(options()).await;
    let c = connect(ts.port).await;
    for (sql_type, ty, text, binary) in cases() {
        // Text literal in, binary out (tokio-postgres asks for binary results).
        let lit = text.replace('\'', "''");
        let row = c
            .query_one(&format!("SELECT '{lit}'::{sql_type}"), &[])
            .await
            .unwrap_or_else(|e| panic!("{sql_type}: {e}"));
        assert_eq!(row.columns()[0].type_(), &ty, "{sql_type}");
        assert_eq!(
            row.get::<_, Raw>(0),
            Raw(binary.clone()),
            "{sql_type} binary output of {text}"
        );
        // Binary in, text out: the engine's text format.
        let row = c
            .query_typed(
                &format!("SELECT $1::{sql_type}::text"),
                &[(&Raw(binary.clone()), ty.clone())],
            )
            .await
            .unwrap_or_else(|e| panic!("{sql_type}: {e}"));
        // (boolean's cast to text spells the word, as in PostgreSQL.)
        // (and character's drops the padding).
        let want = match ty {
            Type::BOOL => "true",
            Type::BPCHAR => text.trim_end(),
            _ => text,
        };
        assert_eq!(row[0].get::<_, &str>(0), want, "{sql_type} binary input");
        // Binary in, binary out.
        let row = c
            .query_typed(
                &format!("SELECT $1::{sql_type}"),
                &[(&Raw(binary.clone()), ty.clone())],
            )
            .await
            .unwrap();
        assert_eq!(
            row[0].get::<_, Raw>(0),
            Raw(binary.clone()),
            "{sql_type} round trip"
        );
        // Text out through the simple protocol.
        let msgs = c
            .simple_query(&format!("SELECT '{lit}'::{sql_type}"))
            .await
            .unwrap();
        let tokio_postgres::SimpleQueryMessage::Row(r) = &msgs[1] else {
            panic!("{msgs:?}")
        };
        assert_eq!(r.get(0), Some(text), "{sql_type} text output");
    }
    // NULL both ways, native driver types.
    let row = c
        .query_one(
            "SELECT $1::int4, $2::text, $3::float8, $4::bool, $5::bytea",
            &[&None::<i32>, &"x", &2.5f64, &true, &vec![1u8, 2]],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<i32>>(0), None);
    assert_eq!(row.get::<_, &str>(1), "x");
    assert_eq!(row.get::<_, f64>(2), 2.5);
    assert!(row.get::<_, bool>(3));
    assert_eq!(row.get::<_, Vec<u8>>(4), vec![1, 2]);
    // A malformed binary value is 22P03, not a crash.
    let e = c
        .query_typed("SELECT $1::int4", &[(&Raw(vec![1, 2]), Type::INT4)])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "22P03");
}
