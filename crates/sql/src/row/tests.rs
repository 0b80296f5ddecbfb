//! Row codec: round trips, added columns, and corrupt input never panicking.

use proptest::prelude::*;

use super::*;
use crate::types::arbitrary::{identical, nullable, types};

fn row_strategy() -> impl Strategy<Value = (Vec<DataType>, Vec<Value>)> {
    prop::collection::vec(prop::sample::select(types()), 0..12).prop_flat_map(|ts| {
        let values: Vec<BoxedStrategy<Value>> = ts.iter().map(nullable).collect();
        (Just(ts), values)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn round_trip((types, values) in row_strategy()) {
        let mut bytes = Vec::new();
        encode_row(&values, &mut bytes);
        let back = decode_row(&bytes, &types).unwrap();
        prop_assert_eq!(back.len(), values.len());
        for (a, b) in back.iter().zip(&values) {
            prop_assert!(identical(a, b), "{:?} != {:?}", a, b);
        }
        // Projection decodes the same values.
        let wanted: Vec<usize> = (0..types.len()).step_by(2).collect();
        let mut out = Vec::new();
        decode_columns(&bytes, &types, &wanted, &mut out).unwrap();
        for (i, v) in wanted.iter().zip(&out) {
            prop_assert!(identical(v, &values[*i]));
        }
    }

    #[test]
    fn added_columns_read_as_null((types, values) in row_strategy(), extra in prop::collection::vec(prop::sample::select(types()), 1..4)) {
        let mut bytes = Vec::new();
        encode_row(&values, &mut bytes);
        let mut wider = types.clone();
        wider.extend(extra);
        let back = decode_row(&bytes, &wider).unwrap();
        prop_assert_eq!(back.len(), wider.len());
        prop_assert!(back[values.len()..].iter().all(Value::is_null));
    }

    #[test]
    fn corrupt_rows_error_without_panicking(
        (types, values) in row_strategy(),
        cut in any::<prop::sample::Index>(),
        flip in any::<(prop::sample::Index, u8)>(),
        garbage in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = Vec::new();
        encode_row(&values, &mut bytes);
        if !bytes.is_empty() {
            let at = cut.index(bytes.len());
            if at + 1 < bytes.len() {
                prop_assert!(decode_row(&bytes[..at], &types).is_err());
            }
            let mut flipped = bytes.clone();
            let i = flip.0.index(flipped.len());
            flipped[i] ^= flip.1 | 1;
            let _ = decode_row(&flipped, &types);
        }
        let _ = decode_row(&garbage, &types);
        let mut out = Vec::new();
        let _ = decode_columns(&garbage, &types, &[], &mut out);
    }
}

#[test]
fn layout_is_compact_and_little_endian() {
    let mut bytes = Vec::new();
    encode_row(
        &[Value::Int4(1), Value::Null, Value::Text("ab".into())],
        &mut bytes,
    );
    assert_eq!(bytes, vec![3, 0, 0b010, 1, 0, 0, 0, 2, b'a', b'b']);
}

#[test]
fn too_many_columns_is_corruption() {
    let mut bytes = Vec::new();
    encode_row(&[Value::Int4(1), Value::Int4(2)], &mut bytes);
    let e = decode_row(&bytes, &[DataType::Int4]).unwrap_err();
    assert_eq!(e.sqlstate(), "XX001");
    let e = decode_row(&bytes[..5], &[DataType::Int4, DataType::Int4]).unwrap_err();
    assert!(e.message().contains("truncated"));
}

#[test]
fn decode_into_reuses_the_buffer() {
    let types = [DataType::Int8, DataType::Bool];
    let mut bytes = Vec::new();
    encode_row(&[Value::Int8(7), Value::Bool(true)], &mut bytes);
    let mut out = Vec::with_capacity(8);
    for _ in 0..3 {
        decode_row_into(&bytes, &types, &mut out).unwrap();
        assert_eq!(out, vec![Value::Int8(7), Value::Bool(true)]);
    }
    assert!(out.capacity() >= 8);
}
