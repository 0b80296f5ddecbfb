//! Regular-expression functions (`regexp_replace`, `regexp_like`, `regexp_count`,
//! `regexp_substr`); the matching itself is [`crate::types::ops::regex`]. `regexp_match` and
//! `regexp_matches` return arrays and are left out.

use rustydb_common::DbError;

use super::args::{int, text};
use super::def::f;
use super::{EvalContext, FuncDef};
use crate::types::ops::regex;
use crate::types::{DataType as T, Value, errors};

type R = Result<Value, DbError>;

fn s(v: String) -> R {
    Ok(Value::Text(v))
}

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f(
            "regexp_replace",
            &[T::Text, T::Text, T::Text],
            T::Text,
            regexp_replace,
        ),
        f(
            "regexp_replace",
            &[T::Text, T::Text, T::Text, T::Text],
            T::Text,
            regexp_replace,
        ),
        f("regexp_like", &[T::Text, T::Text], T::Bool, regexp_like),
        f(
            "regexp_like",
            &[T::Text, T::Text, T::Text],
            T::Bool,
            regexp_like,
        ),
        f("regexp_count", &[T::Text, T::Text], T::Int4, regexp_count),
        f(
            "regexp_count",
            &[T::Text, T::Text, T::Int4],
            T::Int4,
            regexp_count,
        ),
        f(
            "regexp_count",
            &[T::Text, T::Text, T::Int4, T::Text],
            T::Int4,
            regexp_count,
        ),
        f("regexp_substr", &[T::Text, T::Text], T::Text, regexp_substr),
        f(
            "regexp_substr",
            &[T::Text, T::Text, T::Int4],
            T::Text,
            regexp_substr,
        ),
        f(
            "regexp_substr",
            &[T::Text, T::Text, T::Int4, T::Int4],
            T::Text,
            regexp_substr,
        ),
        f(
            "regexp_substr",
            &[T::Text, T::Text, T::Int4, T::Int4, T::Text],
            T::Text,
            regexp_substr,
        ),
    ]
}

fn regexp_replace(a: &[Value], _: &EvalContext) -> R {
    let src = text(&a[0])?;
    let flags = a.get(3).map(text).transpose()?.unwrap_or("");
    let re = regex::compile(text(&a[1])?, false, flags)?;
    let replacement = text(&a[2])?;
    let global = flags.contains('g');
    let mut out = String::with_capacity(src.len());
    let mut last = 0;
    for caps in re.captures_iter(src) {
        let m = caps.get(0).map_or(0..0, |m| m.range());
        out.push_str(&src[last..m.start]);
        regex::expand_replacement(&caps, replacement, &mut out);
        last = m.end;
        if !global {
            break;
        }
    }
    out.push_str(&src[last..]);
    s(out)
}

fn regexp_like(a: &[Value], _: &EvalContext) -> R {
    let flags = a.get(2).map(text).transpose()?.unwrap_or("");
    if flags.contains('g') {
        return Err(errors::invalid_parameter(
            "regexp_like() does not support the \"global\" option",
        ));
    }
    let re = regex::compile(text(&a[1])?, false, flags)?;
    Ok(Value::Bool(re.is_match(text(&a[0])?)))
}

/// The byte offset of 1-based character position `start` (22023 below 1).
fn start_offset(src: &str, start: i64) -> Result<usize, DbError> {
    if start < 1 {
        return Err(errors::invalid_parameter(format!(
            "invalid value for parameter \"start\": {start}"
        )));
    }
    Ok(src
        .char_indices()
        .nth((start - 1) as usize)
        .map_or(src.len(), |(i, _)| i))
}

fn regexp_count(a: &[Value], _: &EvalContext) -> R {
    let src = text(&a[0])?;
    let start = a.get(2).map(int).transpose()?.unwrap_or(1);
    let flags = a.get(3).map(text).transpose()?.unwrap_or("");
    let re = regex::compile(text(&a[1])?, false, flags)?;
    let from = start_offset(src, start)?;
    i32::try_from(re.find_iter(&src[from..]).count())
        .map(Value::Int4)
        .map_err(|_| errors::out_of_range(&T::Int4))
}

fn regexp_substr(a: &[Value], _: &EvalContext) -> R {
    let src = text(&a[0])?;
    let start = a.get(2).map(int).transpose()?.unwrap_or(1);
    let n = a.get(3).map(int).transpose()?.unwrap_or(1);
    let flags = a.get(4).map(text).transpose()?.unwrap_or("");
    if n < 1 {
        return Err(errors::invalid_parameter(format!(
            "invalid value for parameter \"n\": {n}"
        )));
    }
    let re = regex::compile(text(&a[1])?, false, flags)?;
    let from = start_offset(src, start)?;
    Ok(re
        .find_iter(&src[from..])
        .nth((n - 1) as usize)
        .map_or(Value::Null, |m| Value::Text(m.as_str().to_string())))
}
