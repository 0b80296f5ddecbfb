//! Operator resolution (result types PostgreSQL reports with `pg_typeof`) and the
//! three-valued logic; evaluation goldens are in `testdata/ops.golden`.

use super::*;
use crate::types::DataType as T;

const NUM: T = T::Numeric {
    precision: None,
    scale: None,
};

#[test]
fn result_types_match_pg_typeof() {
    use BinaryOp::*;
    let cases = [
        (Plus, T::Int2, T::Int8, T::Int8),
        (Multiply, T::Int2, T::Int2, T::Int2),
        (Plus, T::Int4, NUM, NUM),
        (Plus, T::Float4, T::Float4, T::Float4),
        (Plus, T::Int8, T::Float4, T::Float8),
        (Plus, T::Int4, T::Float4, T::Float8),
        (Plus, NUM, T::Float4, T::Float8),
        (Divide, T::Int4, T::Int4, T::Int4),
        (Plus, T::Date, T::Int4, T::Date),
        (Plus, T::Date, T::Int2, T::Date),
        (Minus, T::Date, T::Date, T::Int4),
        (Minus, T::Date, T::Unknown, T::Int4),
        (Minus, T::Timestamp, T::Timestamp, T::Interval),
        (Minus, T::Timestamp, T::TimestampTz, T::Interval),
        (Plus, T::TimestampTz, T::Interval, T::TimestampTz),
        (Plus, T::TimestampTz, T::Unknown, T::TimestampTz),
        (Minus, T::Date, T::Interval, T::Timestamp),
        (Minus, T::Time, T::Time, T::Interval),
        (Multiply, T::Interval, T::Int4, T::Interval),
        (Concat, T::Varchar(Some(3)), T::Varchar(None), T::Text),
        (Concat, T::Int4, T::Unknown, T::Text),
        (Concat, T::Bytea, T::Bytea, T::Bytea),
        (JsonGet, T::Jsonb, T::Unknown, T::Jsonb),
        (JsonGetText, T::Jsonb, T::Int4, T::Text),
        (Modulo, T::Int4, T::Int2, T::Int4),
        (Power, NUM, T::Int4, NUM),
        (Power, T::Int4, T::Int4, T::Float8),
        (Eq, T::Text, T::Varchar(Some(2)), T::Bool),
        (Lt, T::Date, T::TimestampTz, T::Bool),
        (Like, T::Varchar(None), T::Unknown, T::Bool),
        (ShiftLeft, T::Int8, T::Int4, T::Int8),
        (BitAnd, T::Int2, T::Int4, T::Int4),
    ];
    for (op, l, r, want) in cases {
        assert_eq!(
            result_type(op, &l, &r).unwrap(),
            want,
            "{l} {} {r}",
            op.symbol()
        );
    }
    assert_eq!(
        resolve_unary(UnaryOp::Minus, &T::Int2).unwrap().result,
        T::Int2
    );
    assert_eq!(
        resolve_unary(UnaryOp::Not, &T::Unknown).unwrap().result,
        T::Bool
    );
}

#[test]
fn operand_casts_are_reported() {
    let r = resolve_binary(BinaryOp::Plus, &T::Int4, &T::Float4).unwrap();
    assert_eq!((r.left, r.right), (T::Float8, T::Float4));
    // Comparing char(n) values compares them as text, without their padding.
    let r = resolve_binary(BinaryOp::Eq, &T::Char(Some(2)), &T::Char(Some(3))).unwrap();
    assert_eq!((r.left, r.right), (T::Text, T::Text));
    // But LIKE sees the padding, as PostgreSQL's bpcharlike.
    let r = resolve_binary(BinaryOp::Like, &T::Char(Some(3)), &T::Text).unwrap();
    assert_eq!(r.left, T::Char(Some(3)));
    let r = resolve_binary(BinaryOp::Eq, &T::Int4, &NUM).unwrap();
    assert_eq!((r.left, r.right), (NUM, NUM));
}

#[test]
fn resolution_errors() {
    let e = result_type(BinaryOp::Eq, &T::Text, &T::Int4).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("42883", "operator does not exist: text = integer")
    );
    let e = result_type(BinaryOp::Plus, &T::Date, &T::Unknown).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("42725", "operator is not unique: date + unknown")
    );
    let e = result_type(BinaryOp::Modulo, &T::Float8, &T::Float8).unwrap_err();
    assert_eq!(e.sqlstate(), "42883");
    let e = resolve_unary(UnaryOp::BitNot, &T::Float8).unwrap_err();
    assert_eq!(e.message(), "operator does not exist: ~ double precision");
}

#[test]
fn three_valued_logic() {
    let vals = [Some(true), Some(false), None];
    for a in vals {
        for b in vals {
            let and_want = match (a, b) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
            assert_eq!(and(a, b), and_want);
            assert_eq!(or(a, b), not(and(not(a), not(b))), "De Morgan");
        }
    }
    assert_eq!(
        and_values(&Value::Null, &Value::Bool(false)).unwrap(),
        Value::Bool(false)
    );
    assert_eq!(
        or_values(&Value::Null, &Value::Bool(false)).unwrap(),
        Value::Null
    );
    assert_eq!(truth(&Value::Int4(1)).unwrap_err().sqlstate(), "42804");
}

#[test]
fn evaluation_is_strict_and_tolerates_mixed_widths() {
    assert_eq!(
        eval_binary(BinaryOp::Plus, &Value::Null, &Value::Int4(1)).unwrap(),
        Value::Null
    );
    assert_eq!(
        eval_binary(BinaryOp::Plus, &Value::Int2(1), &Value::Int8(2)).unwrap(),
        Value::Int8(3)
    );
    assert_eq!(
        eval_binary(
            BinaryOp::Lt,
            &Value::Int8(1),
            &Value::Numeric(rust_decimal::Decimal::new(15, 1))
        )
        .unwrap(),
        Value::Bool(true)
    );
    // '.' matches a newline unless the 'n' flag is given, as in PostgreSQL.
    assert_eq!(
        eval_binary(
            BinaryOp::RegexMatch,
            &Value::Text("a\nb".into()),
            &Value::Text("a.b".into())
        )
        .unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        eval_unary(UnaryOp::Minus, &Value::Null).unwrap(),
        Value::Null
    );
}

#[test]
fn like_with_custom_escape() {
    assert!(like::like("a_b", "a#_b", Some('#'), false).unwrap());
    assert!(!like::like("axb", "a#_b", Some('#'), false).unwrap());
    assert!(like::like("a\\b", "a\\b", None, false).unwrap());
    assert_eq!(like::parse_escape("").unwrap(), None);
    assert_eq!(like::parse_escape("ab").unwrap_err().sqlstate(), "22025");
    assert!(like::like("ÉCOLE", "é%", None, true).unwrap());
}
