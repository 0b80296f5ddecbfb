//! Key encoding: byte order equals `sort_cmp` order for every type, ascending and
//! descending, with NULLs; prefixes bound range scans; keys decode back.

use std::cmp::Ordering;

use proptest::prelude::*;

use super::*;
use crate::types::arbitrary::{identical, nullable, types};
use crate::types::compare::sort_cmp;

fn key(values: &[Value], desc: &[bool]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(values, desc, &mut out);
    out
}

/// `sort_cmp` over rows, column by column, each reversed when descending.
fn row_cmp(a: &[Value], b: &[Value], desc: &[bool]) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let c = sort_cmp(x, y);
        let c = if desc[i] { c.reverse() } else { c };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

fn decodable(ty: &DataType) -> bool {
    !matches!(ty, DataType::Interval | DataType::Jsonb)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn byte_order_is_sort_order(
        (ty, a, b, desc) in prop::sample::select(types())
            .prop_flat_map(|t| (Just(t.clone()), nullable(&t), nullable(&t), any::<bool>()))
    ) {
        let (ka, kb) = (key(std::slice::from_ref(&a), &[desc]), key(std::slice::from_ref(&b), &[desc]));
        let want = if desc { sort_cmp(&a, &b).reverse() } else { sort_cmp(&a, &b) };
        prop_assert_eq!(ka.cmp(&kb), want, "{:?}: {:?} vs {:?}", ty, a, b);
        if decodable(&ty) {
            let back = decode_key(&ka, std::slice::from_ref(&ty), &[desc]).unwrap();
            prop_assert!(sort_cmp(&back[0], &a).is_eq(), "{:?} decoded as {:?}", a, back[0]);
            if !matches!(ty, DataType::Numeric { .. }) {
                prop_assert!(identical(&back[0], &a) || matches!(a, Value::Float8(_) | Value::Float4(_)));
            }
        }
    }

    #[test]
    fn composite_keys_order_column_by_column(
        rows in prop::collection::vec(
            (nullable(&DataType::Int4), nullable(&DataType::Text), nullable(&DataType::Float8)),
            2..8,
        ),
        desc in prop::collection::vec(any::<bool>(), 3),
    ) {
        let rows: Vec<Vec<Value>> = rows.into_iter().map(|(a, b, c)| vec![a, b, c]).collect();
        for a in &rows {
            for b in &rows {
                prop_assert_eq!(key(a, &desc).cmp(&key(b, &desc)), row_cmp(a, b, &desc));
            }
            let types = [DataType::Int4, DataType::Text, DataType::Float8];
            let back = decode_key(&key(a, &desc), &types, &desc).unwrap();
            prop_assert!(row_cmp(&back, a, &desc).is_eq());
        }
    }

    #[test]
    fn prefixes_bound_their_keys(
        lead in nullable(&DataType::Text),
        tails in prop::collection::vec(nullable(&DataType::Int8), 1..6),
        other in nullable(&DataType::Text),
        desc in any::<bool>(),
    ) {
        let d = [desc, false];
        let mut prefix = Vec::new();
        encode_key_prefix(std::slice::from_ref(&lead), &d, &mut prefix);
        let upper = prefix_successor(&prefix);
        for t in &tails {
            let k = key(&[lead.clone(), t.clone()], &d);
            prop_assert!(k.starts_with(&prefix));
            prop_assert!(upper.as_ref().is_none_or(|u| k < *u));
        }
        // Keys with another leading value are outside [prefix, upper).
        if !sort_cmp(&other, &lead).is_eq() {
            let k = key(&[other, Value::Int8(0)], &d);
            let inside = k >= prefix && upper.as_ref().is_none_or(|u| k < *u);
            prop_assert!(!inside);
        }
    }

    #[test]
    fn decoding_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        let types = [DataType::Int4, DataType::Text, DataType::Numeric { precision: None, scale: None }, DataType::Float8];
        let _ = decode_key(&bytes, &types, &[false, true, false, true]);
    }
}

#[test]
fn nulls_last_ascending_first_descending() {
    let v = [Value::Int4(i32::MAX)];
    assert!(key(&[Value::Null], &[false]) > key(&v, &[false]));
    assert!(key(&[Value::Null], &[true]) < key(&v, &[true]));
}

#[test]
fn equal_values_share_keys() {
    use rust_decimal::Decimal;
    let n = |m, s| Value::Numeric(Decimal::new(m, s));
    assert_eq!(key(&[n(10, 1)], &[false]), key(&[n(100, 2)], &[false]));
    assert_eq!(
        key(&[Value::Float8(-0.0)], &[false]),
        key(&[Value::Float8(0.0)], &[false])
    );
    let j = |s| crate::types::text::parse_value(s, &DataType::Jsonb).unwrap();
    assert_eq!(
        key(&[j("[1.0, {\"b\": 2, \"a\": 1}]")], &[false]),
        key(&[j("[1, {\"a\": 1, \"b\": 2.00}]")], &[false])
    );
    // PostgreSQL's raw-scalar rule: '1' > '[]' but '1' < '[1]'.
    assert!(key(&[j("1")], &[false]) > key(&[j("[]")], &[false]));
    assert!(key(&[j("1")], &[false]) < key(&[j("[1]")], &[false]));
}

#[test]
fn undecodable_types_say_so() {
    let k = key(
        &[Value::Interval(crate::types::Interval::default())],
        &[false],
    );
    assert_eq!(
        decode_key(&k, &[DataType::Interval], &[false])
            .unwrap_err()
            .sqlstate(),
        "XX000"
    );
    assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
}
