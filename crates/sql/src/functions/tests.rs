//! Function goldens against PostgreSQL 15 (`testdata/functions.golden`, refilled by
//! `../types/testdata/regen_goldens.py`), plus resolution and context tests.

use super::*;
use crate::types::cast::cast_from;
use crate::types::golden_tests::{check_file, literal, show, type_named};

/// A fixed "now": 2024-03-17 14:13:20+00.
const CTX: EvalContext = EvalContext {
    transaction_timestamp: 764_000_000_000_000,
    statement_timestamp: 764_000_001_000_000,
};

/// Resolves and calls `name` on typed literals, as the binder and executor would.
fn call(name: &str, typed: &[(DataType, &str)]) -> Result<Value, DbError> {
    let types: Vec<DataType> = typed.iter().map(|(t, _)| t.clone()).collect();
    let f = lookup(name, &types)?;
    let mut args = Vec::new();
    for ((ty, lit), to) in typed.iter().zip(&f.arg_types) {
        args.push(cast_from(&literal(ty, lit)?, ty, to)?);
    }
    let v = f.call(&args, &CTX)?;
    if !v.is_null() {
        let have = crate::types::cast::value_type(&v);
        let want = crate::types::cast::value_type(&cast_from(&v, &f.return_type, &f.return_type)?);
        assert_eq!(
            have, want,
            "{name}: result {v:?} is not of type {:?}",
            f.return_type
        );
    }
    Ok(v)
}

#[test]
fn function_goldens() {
    check_file(include_str!("testdata/functions.golden"), |c| {
        let typed: Vec<(DataType, &str)> =
            c[2..].chunks(2).map(|p| (type_named(p[0]), p[1])).collect();
        show(call(c[1], &typed))
    });
}

#[test]
fn clock_functions_use_the_context() {
    let now = call("now", &[]).unwrap();
    assert_eq!(now, Value::TimestampTz(CTX.transaction_timestamp));
    assert_eq!(
        call("statement_timestamp", &[]).unwrap(),
        Value::TimestampTz(CTX.statement_timestamp)
    );
    assert_eq!(show(call("current_date", &[])), "2024-03-17");
    assert_eq!(show(call("localtimestamp", &[])), "2024-03-17 14:13:20");
    assert_eq!(
        show(call("age", &[(DataType::Timestamp, "2024-03-01 12:00")])),
        "15 days 12:00:00"
    );
    let f = lookup("now", &[]).unwrap();
    assert_eq!(f.volatility, Volatility::Stable);
    assert_eq!(
        lookup("random", &[]).unwrap().volatility,
        Volatility::Volatile
    );
    assert_eq!(
        lookup("lower", &[DataType::Text]).unwrap().volatility,
        Volatility::Immutable
    );
}

#[test]
fn random_and_uuid_are_random() {
    let Value::Float8(r) = call("random", &[]).unwrap() else {
        panic!()
    };
    assert!((0.0..1.0).contains(&r));
    let a = call("gen_random_uuid", &[]).unwrap();
    let b = call("gen_random_uuid", &[]).unwrap();
    assert_ne!(a, b);
    let Value::Uuid(u) = a else { panic!() };
    assert_eq!(u[6] >> 4, 4, "version 4");
}

#[test]
fn resolution_follows_postgres() {
    // Implicit casts: int2 -> int4 for mod, varchar -> text, unknown -> text.
    let f = lookup("mod", &[DataType::Int2, DataType::Int4]).unwrap();
    assert_eq!(f.arg_types, vec![DataType::Int4, DataType::Int4]);
    let f = lookup("length", &[DataType::Varchar(Some(5))]).unwrap();
    assert_eq!(f.arg_types, vec![DataType::Text]);
    let f = lookup("ROUND", &[def::NUM, DataType::Int4]).unwrap();
    assert_eq!(f.return_type, def::NUM);
    // int -> numeric beats int -> float8 for round(int)? PostgreSQL picks float8 (preferred).
    let f = lookup("round", &[DataType::Int4]).unwrap();
    assert_eq!(f.return_type, DataType::Float8);
    let f = lookup("concat", &[DataType::Int4, DataType::Unknown]).unwrap();
    assert_eq!(f.arg_types, vec![DataType::Int4, DataType::Text]);
    assert!(!f.strict);
    let e = lookup("nosuch", &[DataType::Int4, DataType::Unknown]).unwrap_err();
    assert_eq!(e.sqlstate(), "42883");
    assert_eq!(
        e.message(),
        "function nosuch(integer, unknown) does not exist"
    );
    assert!(e.hint().unwrap().contains("explicit type casts"));
    assert!(exists("jsonb_build_object"));
    assert!(!exists("regexp_match"));
}

#[test]
fn strict_functions_skip_nulls() {
    let f = lookup("upper", &[DataType::Text]).unwrap();
    assert_eq!(f.call(&[Value::Null], &CTX).unwrap(), Value::Null);
    let f = lookup("concat", &[DataType::Text, DataType::Text]).unwrap();
    assert_eq!(
        f.call(&[Value::Null, Value::Text("a".into())], &CTX)
            .unwrap(),
        Value::Text("a".into())
    );
}

#[test]
fn greatest_and_least_ignore_nulls() {
    let vals = [Value::Int4(3), Value::Null, Value::Int4(7), Value::Int4(-1)];
    assert_eq!(greatest(&vals), Value::Int4(7));
    assert_eq!(least(&vals), Value::Int4(-1));
    assert_eq!(greatest(&[Value::Null, Value::Null]), Value::Null);
    let f = [Value::Float8(1.0), Value::Float8(f64::NAN)];
    assert!(matches!(greatest(&f), Value::Float8(x) if x.is_nan()));
}
