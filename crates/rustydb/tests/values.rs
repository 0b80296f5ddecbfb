//! Parameters of every supported Rust type round-trip through SQL, NULL behaves, and
//! typed access reports what went wrong.

mod common;

use rustydb::{Connection, DataType, Decimal, FromValue, Interval, ToValue, Value, params};

/// Binds `value` to a column of `sql_type`, reads it back as `T` and checks it.
fn round_trip<T>(conn: &mut Connection, sql_type: &str, value: T)
where
    T: ToValue + FromValue + PartialEq + std::fmt::Debug,
{
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS rt; CREATE TABLE rt (v {sql_type})"
    ))
    .unwrap();
    assert_eq!(
        conn.execute("INSERT INTO rt VALUES ($1)", params![value])
            .unwrap(),
        1
    );
    let back: T = conn
        .query_row("SELECT v FROM rt", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(back, value, "{sql_type}");
    // And as a parameter compared in WHERE.
    let n = conn
        .query("SELECT v FROM rt WHERE v = $1", params![value])
        .unwrap()
        .len();
    assert_eq!(n, 1, "{sql_type}");
}

#[test]
fn every_supported_type_round_trips() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    round_trip(&mut conn, "boolean", true);
    round_trip(&mut conn, "boolean", false);
    round_trip(&mut conn, "smallint", i16::MIN);
    round_trip(&mut conn, "smallint", i16::MAX);
    round_trip(&mut conn, "integer", i32::MIN);
    round_trip(&mut conn, "integer", i32::MAX);
    round_trip(&mut conn, "bigint", i64::MIN);
    round_trip(&mut conn, "bigint", i64::MAX);
    round_trip(&mut conn, "real", 1.5f32);
    round_trip(&mut conn, "real", -0.25f32);
    round_trip(&mut conn, "double precision", std::f64::consts::PI);
    round_trip(&mut conn, "double precision", -1e300);
    round_trip(&mut conn, "numeric", Decimal::new(-123_456_789_012, 4));
    round_trip(&mut conn, "numeric(12,2)", Decimal::new(99_999, 2));
    round_trip(
        &mut conn,
        "text",
        String::from("héllo, 'wörld' \"quoted\" \\ 😀"),
    );
    round_trip(&mut conn, "text", String::new());
    round_trip(&mut conn, "varchar(20)", String::from("bounded"));
    round_trip(&mut conn, "bytea", vec![0u8, 1, 127, 128, 255]);
    round_trip(&mut conn, "bytea", Vec::<u8>::new());
    round_trip(&mut conn, "integer", Some(5i32));
    round_trip(&mut conn, "text", Some(String::from("x")));
    round_trip(&mut conn, "date", Value::Date(8_000));
    round_trip(&mut conn, "uuid", Value::Uuid([7; 16]));
    round_trip(
        &mut conn,
        "interval",
        Value::Interval(Interval {
            months: 14,
            days: 3,
            micros: 4_000_000,
        }),
    );
}

#[test]
fn borrowed_forms_bind_like_owned_ones() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE b (s text, raw bytea)")
        .unwrap();
    let s: &str = "borrowed";
    let raw: &[u8] = &[1, 2, 3];
    conn.execute("INSERT INTO b VALUES ($1, $2)", params![s, raw])
        .unwrap();
    conn.execute("INSERT INTO b VALUES ($1, $2)", params![&s, b"\x04\x05"])
        .unwrap();
    conn.execute("INSERT INTO b VALUES ($1, $2)", &[&"slice", &vec![6u8]])
        .unwrap();
    let rows = conn.query("SELECT s, raw FROM b ORDER BY s", &[]).unwrap();
    let got: Vec<(String, Vec<u8>)> = rows
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("borrowed".into(), vec![1, 2, 3]),
            ("borrowed".into(), vec![4, 5]),
            ("slice".into(), vec![6]),
        ]
    );
}

#[test]
fn text_parameters_are_parsed_as_the_parameter_type() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE ev (day date, n int, id uuid)")
        .unwrap();
    conn.execute(
        "INSERT INTO ev VALUES ($1, $2, $3)",
        params!["2024-02-29", "42", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
    )
    .unwrap();
    let row = conn.query_row("SELECT day, n, id FROM ev", &[]).unwrap();
    assert_eq!(row.get_text("day").unwrap().as_deref(), Some("2024-02-29"));
    assert_eq!(row.get::<i32>("n").unwrap(), 42);
    assert_eq!(
        row.get_text(2).unwrap().as_deref(),
        Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    );
    let err = conn
        .execute("INSERT INTO ev (n) VALUES ($1)", params!["forty-two"])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "22P02", "{err}");
}

#[test]
fn out_of_range_parameters_are_refused() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE small (v smallint)")
        .unwrap();
    let err = conn
        .execute("INSERT INTO small VALUES ($1)", params![70_000i64])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "22003", "{err}");
    assert_eq!(
        conn.execute("INSERT INTO small VALUES ($1)", params![7i64])
            .unwrap(),
        1
    );
}

#[test]
fn null_binds_and_reads_back() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE n (a int, b text, c bytea, d numeric)")
        .unwrap();
    conn.execute(
        "INSERT INTO n VALUES ($1, $2, $3, $4)",
        params![None::<i32>, None::<&str>, None::<Vec<u8>>, Value::Null],
    )
    .unwrap();
    let row = conn.query_row("SELECT a, b, c, d FROM n", &[]).unwrap();
    assert_eq!(row.get::<Option<i64>>("a").unwrap(), None);
    assert_eq!(row.get::<Option<String>>("b").unwrap(), None);
    assert_eq!(row.get::<Option<Vec<u8>>>("c").unwrap(), None);
    assert_eq!(row.get::<Option<Decimal>>("d").unwrap(), None);
    assert_eq!(row.get::<Value>("d").unwrap(), Value::Null);
    assert_eq!(row.get_text("a").unwrap(), None);
    // NULL is not equal to NULL: a parameter compared with = finds nothing.
    let found = conn
        .query("SELECT a FROM n WHERE a = $1", params![None::<i32>])
        .unwrap();
    assert!(found.is_empty());
    let found = conn.query(
        "SELECT a FROM n WHERE a IS NOT DISTINCT FROM $1",
        params![None::<i32>],
    );
    assert_eq!(found.unwrap().len(), 1);
}

#[test]
fn null_into_a_non_option_names_the_column() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let row = conn.query_row("SELECT NULL::int AS missing", &[]).unwrap();
    let err = row.get::<i32>("missing").unwrap_err();
    assert_eq!(err.sqlstate(), "22004");
    assert!(err.message().contains("\"missing\""), "{err}");
    assert!(err.message().contains("i32"), "{err}");
    assert!(
        err.hint().unwrap().contains("Option<i32>"),
        "{:?}",
        err.hint()
    );
}

#[test]
fn wrong_types_are_refused_with_both_types_named() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let row = conn
        .query_row(
            "SELECT 1::bigint AS big, 'x'::text AS t, 2.5::float8 AS f",
            &[],
        )
        .unwrap();
    let err = row.get::<i32>("big").unwrap_err(); // no narrowing, whatever the value
    assert_eq!(err.sqlstate(), "42804");
    assert!(
        err.message().contains("bigint") && err.message().contains("i32"),
        "{err}"
    );
    let err = row.get::<i64>("t").unwrap_err();
    assert!(
        err.message().contains("text") && err.message().contains("\"t\""),
        "{err}"
    );
    let err = row.get::<Option<f32>>("f").unwrap_err();
    assert!(err.message().contains("Option<f32>"), "{err}");
    assert_eq!(row.get::<f64>("f").unwrap(), 2.5);
    assert_eq!(row.get::<Decimal>("big").unwrap(), Decimal::from(1));
}

#[test]
fn integers_and_floats_widen() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let row = conn
        .query_row("SELECT 1::int2, 2::int4, 0.5::float4", &[])
        .unwrap();
    assert_eq!(row.get::<i16>(0).unwrap(), 1);
    assert_eq!(row.get::<i32>(0).unwrap(), 1);
    assert_eq!(row.get::<i64>(0).unwrap(), 1);
    assert_eq!(row.get::<i64>(1).unwrap(), 2);
    assert!(row.get::<i16>(1).is_err());
    assert_eq!(row.get::<f64>(2).unwrap(), 0.5);
}

#[test]
fn missing_columns_are_named() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let row = conn.query_row("SELECT 1 AS a, 2 AS b", &[]).unwrap();
    let err = row.get::<i32>(2).unwrap_err();
    assert_eq!(err.sqlstate(), "42703");
    assert!(err.message().contains("out of range"), "{err}");
    let err = row.get::<i32>("c").unwrap_err();
    assert_eq!(err.sqlstate(), "42703");
    assert!(err.message().contains("\"c\""), "{err}");
    assert_eq!(err.detail(), Some("The result's columns are: a, b."));
    assert_eq!(row.get::<i32>(String::from("b")).unwrap(), 2);
}

#[test]
fn columns_describe_the_result() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE c (id bigint, name varchar(10), price numeric(8,2))")
        .unwrap();
    let rows = conn.query("SELECT id, name, price FROM c", &[]).unwrap();
    assert!(rows.is_empty());
    let described: Vec<(&str, String)> = rows
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_name()))
        .collect();
    assert_eq!(
        described,
        [
            ("id", "bigint".to_string()),
            ("name", "character varying(10)".to_string()),
            ("price", "numeric(8,2)".to_string()),
        ]
    );
    assert_eq!(rows.columns()[0].data_type(), &DataType::Int8);
    // A statement that returns no rows has no columns.
    let rows = conn.query("INSERT INTO c VALUES (1, 'x', 1)", &[]).unwrap();
    assert!(rows.columns().is_empty() && rows.is_empty());
}

#[test]
fn rows_iterate_by_value_and_by_reference() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    let rows = conn
        .query("SELECT g FROM generate_series(1, 4) AS s(g)", &[])
        .unwrap();
    let mut by_ref = 0;
    for row in &rows {
        by_ref += row.get::<i64>(0).unwrap();
    }
    assert_eq!(by_ref, 10);
    assert_eq!(rows.get(3).unwrap().values(), &[Value::Int4(4)]);
    let by_value: Vec<Vec<Value>> = rows.into_iter().map(|r| r.into_values()).collect();
    assert_eq!(by_value.len(), 4);
}
