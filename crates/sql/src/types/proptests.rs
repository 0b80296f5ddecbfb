//! Property tests of the value semantics: text round trips for every type, hashing
//! consistent with equality, and the total order of `sort_cmp`.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;

use proptest::prelude::*;

use super::arbitrary::{identical, nullable, typed_value, types, value_of};
use super::compare::{hash_value, sort_cmp};
use super::text::{format_value, parse_value};
use super::{DataType, Value};

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    hash_value(v, &mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn text_round_trip((ty, v) in typed_value()) {
        let text = format_value(&v);
        let back = parse_value(&text, &ty);
        prop_assert!(back.is_ok(), "{ty:?} {v:?} -> {text:?} -> {back:?}");
        let back = back.unwrap();
        prop_assert!(identical(&back, &v), "{ty:?}: {v:?} -> {text:?} -> {back:?}");
    }

    #[test]
    fn sort_cmp_is_a_total_order(
        (a, b, c) in prop::sample::select(types()).prop_flat_map(|t| (nullable(&t), nullable(&t), nullable(&t)))
    ) {
        let ab = sort_cmp(&a, &b);
        prop_assert_eq!(ab, sort_cmp(&b, &a).reverse());
        if ab.is_le() && sort_cmp(&b, &c).is_le() {
            prop_assert!(sort_cmp(&a, &c).is_le(), "{a:?} <= {b:?} <= {c:?}");
        }
        prop_assert!(sort_cmp(&a, &a).is_eq());
    }

    #[test]
    fn equal_values_hash_alike((ty, v) in typed_value()) {
        // A value re-read from its text is equal, so it must hash the same.
        let back = parse_value(&format_value(&v), &ty).unwrap();
        prop_assert!(sort_cmp(&v, &back).is_eq());
        prop_assert_eq!(hash_of(&v), hash_of(&back));
    }

    #[test]
    fn integers_and_numerics_hash_across_widths(n in any::<i16>(), scale in 0u32..6) {
        let n = i64::from(n);
        let mut dec = rust_decimal::Decimal::from(n);
        dec.rescale(scale);
        let forms = [
            Value::Int2(n as i16),
            Value::Int4(n as i32),
            Value::Int8(n),
            Value::Numeric(dec),
            Value::Float8(n as f64),
            Value::Float4(n as f32),
        ];
        for f in &forms {
            prop_assert!(sort_cmp(f, &forms[0]).is_eq());
            prop_assert_eq!(hash_of(f), hash_of(&forms[0]), "{:?}", f);
        }
    }
}

#[test]
fn special_equalities_hash_alike() {
    use super::Interval;
    let pairs = [
        (
            Value::Interval(Interval {
                months: 1,
                days: 0,
                micros: 0,
            }),
            Value::Interval(Interval {
                months: 0,
                days: 30,
                micros: 0,
            }),
        ),
        (Value::Float8(-0.0), Value::Float8(0.0)),
        (Value::Float8(f64::NAN), Value::Float4(f32::NAN)),
        (Value::Date(1), Value::Timestamp(86_400_000_000)),
        (
            parse_value("1.0", &DataType::Jsonb).unwrap(),
            parse_value("1", &DataType::Jsonb).unwrap(),
        ),
        (
            parse_value("{\"a\": [1.50]}", &DataType::Jsonb).unwrap(),
            parse_value("{\"a\": [1.5]}", &DataType::Jsonb).unwrap(),
        ),
    ];
    for (a, b) in pairs {
        assert!(sort_cmp(&a, &b).is_eq(), "{a:?} = {b:?}");
        assert_eq!(hash_of(&a), hash_of(&b), "{a:?} vs {b:?}");
    }
}

#[test]
fn nulls_sort_last_and_group_together() {
    use super::compare::{GroupKey, compare};
    use std::collections::HashSet;
    assert!(sort_cmp(&Value::Null, &Value::Int4(i32::MAX)).is_gt());
    assert!(sort_cmp(&Value::Float8(f64::NAN), &Value::Null).is_lt());
    assert_eq!(compare(&Value::Null, &Value::Null), None);
    let mut set = HashSet::new();
    set.insert(GroupKey(vec![Value::Null, Value::Int4(1)]));
    assert!(set.contains(&GroupKey(vec![Value::Null, Value::Int8(1)])));
    assert!(!set.contains(&GroupKey(vec![Value::Null, Value::Int4(2)])));
}

#[test]
fn value_strategies_cover_every_type() {
    for t in types() {
        // Building the strategy checks there is one for each type.
        let _ = value_of(&t);
    }
}

#[test]
fn char_values_compare_and_hash_without_padding() {
    use super::compare::{compare_typed, hash_value_typed, sort_cmp_typed};
    let ty = DataType::Char(Some(3));
    let (a, b) = (Value::Text("a ".into()), Value::Text("a  ".into()));
    assert!(compare_typed(&a, &b, &ty).unwrap().is_eq());
    assert!(sort_cmp_typed(&a, &b, &ty).is_eq());
    // 'a' || chr(1) sorts after 'a' as bpchar, though not bytewise against 'a  '.
    let c = Value::Text("a\u{1}".into());
    assert!(sort_cmp_typed(&c, &b, &ty).is_gt());
    let h = |v: &Value| {
        let mut s = DefaultHasher::new();
        hash_value_typed(v, &ty, &mut s);
        s.finish()
    };
    assert_eq!(h(&a), h(&b));
}
