//! Cast contexts, assignment semantics and common types; the conversions themselves are
//! checked against PostgreSQL in `testdata/casts.golden`.

use super::*;
use crate::types::DataType as T;

const NUM: T = T::Numeric {
    precision: None,
    scale: None,
};

#[test]
fn cast_contexts_follow_pg_cast() {
    use CastContext::*;
    let cases = [
        (T::Int2, T::Int4, Implicit),
        (T::Int4, T::Int2, Assignment),
        (T::Int8, T::Float4, Implicit),
        (T::Float8, T::Int4, Assignment),
        (T::Float8, NUM, Assignment),
        (NUM, T::Float4, Implicit),
        (T::Int4, T::Bool, Explicit),
        (T::Bool, T::Int4, Explicit),
        (T::Varchar(Some(3)), T::Text, Implicit),
        (T::Text, T::Char(Some(3)), Implicit),
        (T::Int4, T::Text, Assignment),
        (T::Text, T::Int4, Explicit),
        (T::Date, T::Timestamp, Implicit),
        (T::Timestamp, T::Date, Assignment),
        (T::TimestampTz, T::Timestamp, Assignment),
        (T::Time, T::Interval, Implicit),
        (T::Interval, T::Time, Assignment),
        (T::Jsonb, T::Int4, Explicit),
        (T::Unknown, T::Uuid, Implicit),
        (
            NUM,
            T::Numeric {
                precision: Some(5),
                scale: Some(2),
            },
            Implicit,
        ),
    ];
    for (from, to, ctx) in cases {
        assert_eq!(cast_context(&from, &to), Some(ctx), "{from} -> {to}");
        assert!(can_cast(&from, &to, CastContext::Explicit));
    }
    for (from, to) in [
        (T::Int8, T::Bool),
        (T::Int4, T::Date),
        (T::Uuid, T::Bytea),
        (T::Int4, T::Jsonb),
    ] {
        assert_eq!(cast_context(&from, &to), None, "{from} -> {to}");
    }
    assert!(!can_cast(&T::Int4, &T::Int2, CastContext::Implicit));
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn assignment_checks_lengths() {
    // INSERT INTO t VALUES ('abc  ', 'ab ', 1.005, 1.5) into (varchar(3), char(3),
    // numeric(5,2), int2): PostgreSQL stores 'abc', 'ab ', 1.01, 2.
    assert_eq!(
        cast_assign(&text("abc  "), &T::Varchar(Some(3))).unwrap(),
        text("abc")
    );
    assert_eq!(
        cast_assign(&text("ab"), &T::Char(Some(3))).unwrap(),
        text("ab ")
    );
    let n = cast_assign(
        &text("1.005"),
        &T::Numeric {
            precision: Some(5),
            scale: Some(2),
        },
    )
    .unwrap();
    assert_eq!(crate::types::text::format_value(&n), "1.01");
    assert_eq!(
        cast_assign(&Value::Numeric(rust_decimal::Decimal::new(15, 1)), &T::Int2).unwrap(),
        Value::Int2(2)
    );
    let e = cast_assign(&text("abcd"), &T::Varchar(Some(3))).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("22001", "value too long for type character varying(3)")
    );
    let e = cast_assign(&text("abcd"), &T::Char(Some(3))).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("22001", "value too long for type character(3)")
    );
    let e = cast_assign(
        &Value::Int4(1000),
        &T::Numeric {
            precision: Some(5),
            scale: Some(2),
        },
    )
    .unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("22003", "numeric field overflow")
    );
    assert_eq!(
        e.detail(),
        Some("A field with precision 5, scale 2 must round to an absolute value less than 10^3.")
    );
    let e = cast_assign(&Value::Int4(40000), &T::Int2).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("22003", "smallint out of range")
    );
    // Explicit casts truncate instead.
    assert_eq!(
        cast(&text("abcd"), &T::Varchar(Some(3))).unwrap(),
        text("abc")
    );
    // Lengths count characters.
    assert_eq!(
        cast_assign(&text("héé"), &T::Varchar(Some(3))).unwrap(),
        text("héé")
    );
    assert_eq!(
        cast_from(&text("ab  "), &T::Char(Some(4)), &T::Text).unwrap(),
        text("ab")
    );
    assert_eq!(cast(&Value::Null, &T::Int4).unwrap(), Value::Null);
}

#[test]
fn common_types_follow_select_common_type() {
    let cases = [
        (T::Int2, T::Int4, Some(T::Int4)),
        (T::Int4, NUM, Some(NUM)),
        (NUM, T::Float4, Some(T::Float4)),
        (T::Int8, T::Float4, Some(T::Float4)),
        (T::Float4, T::Float8, Some(T::Float8)),
        (T::Unknown, T::Date, Some(T::Date)),
        (T::Unknown, T::Unknown, Some(T::Text)),
        (T::Varchar(Some(3)), T::Text, Some(T::Varchar(None))),
        (T::Text, T::Varchar(Some(3)), Some(T::Text)),
        (T::Char(Some(1)), T::Varchar(None), Some(T::Char(Some(1)))),
        (T::Varchar(None), T::Char(Some(1)), Some(T::Varchar(None))),
        (
            T::Varchar(Some(3)),
            T::Varchar(Some(5)),
            Some(T::Varchar(None)),
        ),
        (T::Date, T::Timestamp, Some(T::Timestamp)),
        (T::Timestamp, T::TimestampTz, Some(T::TimestampTz)),
        (T::Date, T::Time, None),
        (T::Int4, T::Text, None),
        (T::Uuid, T::Bytea, None),
        (T::Bool, T::Bool, Some(T::Bool)),
    ];
    for (a, b, want) in cases {
        assert_eq!(common_type(&a, &b), want, "{a} vs {b}");
    }
    let n52 = T::Numeric {
        precision: Some(5),
        scale: Some(2),
    };
    assert_eq!(
        common_type_of(&[n52.clone(), n52.clone()]),
        Some(n52.clone())
    );
    assert_eq!(common_type_of(&[n52, T::Int4]), Some(NUM));
}
