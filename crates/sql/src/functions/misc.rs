//! Functions of no family: `gen_random_uuid`, `num_nulls` / `num_nonnulls`.

use super::def::f;
use super::{FuncDef, P};
use crate::types::{DataType as T, Value};

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("gen_random_uuid", &[], T::Uuid, |_, _| {
            Ok(Value::Uuid(*uuid::Uuid::new_v4().as_bytes()))
        })
        .volatile(),
        f("num_nulls", &[], T::Int4, |a, _| {
            Ok(Value::Int4(a.iter().filter(|v| v.is_null()).count() as i32))
        })
        .non_strict()
        .variadic(P::Any),
        f("num_nonnulls", &[], T::Int4, |a, _| {
            Ok(Value::Int4(a.iter().filter(|v| !v.is_null()).count() as i32))
        })
        .non_strict()
        .variadic(P::Any),
    ]
}
