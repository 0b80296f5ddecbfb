//! Proptest strategies for values of every type, shared by the property tests.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::datetime::{END_TIMESTAMP, MIN_TIMESTAMP, POSTGRES_EPOCH_JDATE, USECS_PER_DAY};
use super::{DataType, Interval, Value};

/// Every type that has values (no modifiers, no `unknown`).
pub(crate) fn types() -> Vec<DataType> {
    vec![
        DataType::Bool,
        DataType::Int2,
        DataType::Int4,
        DataType::Int8,
        DataType::Float4,
        DataType::Float8,
        DataType::Numeric {
            precision: None,
            scale: None,
        },
        DataType::Text,
        DataType::Bytea,
        DataType::Date,
        DataType::Time,
        DataType::Timestamp,
        DataType::TimestampTz,
        DataType::Interval,
        DataType::Uuid,
        DataType::Jsonb,
    ]
}

fn float8() -> BoxedStrategy<f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        (-1000i32..1000).prop_map(f64::from),
        (-1e6f64..1e6),
    ]
    .boxed()
}

fn float4() -> BoxedStrategy<f32> {
    prop_oneof![
        any::<f32>(),
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(-0.0f32),
        (-1000i32..1000).prop_map(|i| i as f32),
    ]
    .boxed()
}

fn numeric() -> BoxedStrategy<Decimal> {
    prop_oneof![
        (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s)),
        (-1000i64..1000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
        (-(10i128.pow(27))..10i128.pow(27), 0u32..=28)
            .prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s)),
    ]
    .prop_map(|mut d| {
        if d.is_zero() {
            d.set_sign_positive(true);
        }
        d
    })
    .boxed()
}

/// A JSON document in jsonb's canonical form.
pub(crate) fn json() -> BoxedStrategy<serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(m, s)| {
            serde_json::Value::Number(Decimal::new(m, s).to_string().parse().unwrap())
        }),
        "[a-c\u{e9}\"\\\\\n]{0,4}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-c]{0,3}", inner), 0..4)
                .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
        ]
    })
    .prop_map(|j| super::json::canonicalize(j).unwrap())
    .boxed()
}

/// A non-NULL value of `ty`.
pub(crate) fn value_of(ty: &DataType) -> BoxedStrategy<Value> {
    let min_date = -POSTGRES_EPOCH_JDATE;
    let max_date = 2_147_483_494 - POSTGRES_EPOCH_JDATE;
    match ty {
        DataType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        DataType::Int2 => any::<i16>().prop_map(Value::Int2).boxed(),
        DataType::Int4 => any::<i32>().prop_map(Value::Int4).boxed(),
        DataType::Int8 => any::<i64>().prop_map(Value::Int8).boxed(),
        DataType::Float4 => float4().prop_map(Value::Float4).boxed(),
        DataType::Float8 => float8().prop_map(Value::Float8).boxed(),
        DataType::Numeric { .. } => numeric().prop_map(Value::Numeric).boxed(),
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown => {
            prop_oneof![any::<String>(), "[ab\\x00 ]{0,4}"]
                .prop_map(Value::Text)
                .boxed()
        }
        DataType::Bytea => prop::collection::vec(any::<u8>(), 0..8)
            .prop_map(Value::Bytea)
            .boxed(),
        DataType::Date => prop_oneof![
            8 => min_date..max_date,
            1 => Just(i32::MAX),
            1 => Just(i32::MIN),
            4 => -10_000i32..10_000,
        ]
        .prop_map(Value::Date)
        .boxed(),
        DataType::Time => (0..=USECS_PER_DAY).prop_map(Value::Time).boxed(),
        DataType::Timestamp | DataType::TimestampTz => {
            let tz = *ty == DataType::TimestampTz;
            prop_oneof![
                8 => MIN_TIMESTAMP..END_TIMESTAMP,
                1 => Just(i64::MAX),
                1 => Just(i64::MIN),
                4 => -1_000_000_000_000i64..1_000_000_000_000,
            ]
            .prop_map(move |t| {
                if tz {
                    Value::TimestampTz(t)
                } else {
                    Value::Timestamp(t)
                }
            })
            .boxed()
        }
        DataType::Interval => (any::<i32>(), any::<i32>(), -(i64::MAX / 2)..(i64::MAX / 2))
            .prop_map(|(months, days, micros)| {
                Value::Interval(Interval {
                    months,
                    days,
                    micros,
                })
            })
            .boxed(),
        DataType::Uuid => any::<[u8; 16]>().prop_map(Value::Uuid).boxed(),
        DataType::Jsonb => json().prop_map(|j| Value::Jsonb(Box::new(j))).boxed(),
        DataType::Array(elem) => prop::collection::vec(
            prop_oneof![4 => value_of(elem), 1 => Just(Value::Null)],
            0..4,
        )
        .prop_map(|items| Value::Array(Box::new(items)))
        .boxed(),
    }
}

/// A value of `ty` or NULL.
pub(crate) fn nullable(ty: &DataType) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 6 => value_of(ty)].boxed()
}

/// A type and a value of it.
pub(crate) fn typed_value() -> BoxedStrategy<(DataType, Value)> {
    prop::sample::select(types())
        .prop_flat_map(|t| value_of(&t).prop_map(move |v| (t.clone(), v)))
        .boxed()
}

/// Value identity for round trips: float bits (any NaN matches any NaN), numeric scale.
pub(crate) fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float4(x), Value::Float4(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Float8(x), Value::Float8(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Numeric(x), Value::Numeric(y)) => x == y && x.scale() == y.scale(),
        _ => a == b,
    }
}
