//! jsonb functions.

use rustydb_common::DbError;
use serde_json::{Map, Value as Json};

use super::args::jsonb;
use super::def::f;
use super::{EvalContext, FuncDef, P};
use crate::types::datetime::format::{format_date, format_time};
use crate::types::datetime::{TS_INFINITY, TS_NEG_INFINITY};
use crate::types::json::{self, canonicalize};
use crate::types::text::format_value;
use crate::types::{DataType as T, Value, errors};

type R = Result<Value, DbError>;

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("jsonb_typeof", &[T::Jsonb], T::Text, |a, _| {
            Ok(Value::Text(json::type_name(jsonb(&a[0])?).to_string()))
        }),
        f("jsonb_array_length", &[T::Jsonb], T::Int4, array_length),
        f("jsonb_extract_path", &[T::Jsonb], T::Jsonb, |a, _| {
            Ok(extract_path(a)?.map_or(Value::Null, |j| Value::Jsonb(Box::new(j.clone()))))
        })
        .variadic(P::T(T::Text)),
        f("jsonb_extract_path_text", &[T::Jsonb], T::Text, |a, _| {
            Ok(extract_path(a)?
                .and_then(json::as_text)
                .map_or(Value::Null, Value::Text))
        })
        .variadic(P::T(T::Text)),
        f("to_jsonb", &[], T::Jsonb, |a, _| {
            Ok(Value::Jsonb(Box::new(to_jsonb(&a[0])?)))
        })
        .any_params(1)
        .non_strict(),
        f("jsonb_build_object", &[], T::Jsonb, build_object)
            .non_strict()
            .variadic(P::Any),
        f("jsonb_build_array", &[], T::Jsonb, |a, _| {
            let items = a.iter().map(to_jsonb).collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Jsonb(Box::new(Json::Array(items))))
        })
        .non_strict()
        .variadic(P::Any),
        f("jsonb_strip_nulls", &[T::Jsonb], T::Jsonb, |a, _| {
            Ok(Value::Jsonb(Box::new(strip_nulls(jsonb(&a[0])?))))
        }),
        f("jsonb_pretty", &[T::Jsonb], T::Text, |a, _| {
            Ok(Value::Text(pretty(jsonb(&a[0])?)))
        }),
    ]
}

fn array_length(a: &[Value], _: &EvalContext) -> R {
    match jsonb(&a[0])? {
        Json::Array(items) => Ok(Value::Int4(items.len() as i32)),
        Json::Object(_) => Err(errors::invalid_parameter(
            "cannot get array length of a non-array",
        )),
        _ => Err(errors::invalid_parameter(
            "cannot get array length of a scalar",
        )),
    }
}

/// Follows the path in `a[1..]`: object keys, or array indexes written as integers.
fn extract_path(a: &[Value]) -> Result<Option<&Json>, DbError> {
    let mut cur = jsonb(&a[0])?;
    for step in &a[1..] {
        let Value::Text(key) = step else {
            return Ok(None);
        };
        let next = match cur {
            Json::Object(_) => json::get_field(cur, key),
            Json::Array(_) => match key.trim().parse::<i64>() {
                Ok(i) => json::get_index(cur, i),
                Err(_) => None,
            },
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// `to_jsonb(value)`: numbers stay numbers, booleans booleans, date/time values become
/// ISO 8601 strings (`2024-03-05T13:04:05`), other types their text output.
pub fn to_jsonb(v: &Value) -> Result<Json, DbError> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_) => {
            json::number_from_str(&format_value(v))?
        }
        Value::Float4(f) if f.is_finite() => json::number_from_str(&format_value(v))?,
        Value::Float8(f) if f.is_finite() => json::number_from_str(&format_value(v))?,
        Value::Jsonb(j) => (**j).clone(),
        Value::Date(d) => Json::String(format_date(*d)),
        Value::Time(t) => Json::String(format_time(*t)),
        Value::Timestamp(t) => Json::String(iso_timestamp(*t, false)),
        Value::TimestampTz(t) => Json::String(iso_timestamp(*t, true)),
        other => Json::String(format_value(other)),
    })
}

/// JSON's timestamp form: `T` between date and time, `+00:00` zone.
fn iso_timestamp(t: i64, tz: bool) -> String {
    if t == TS_INFINITY || t == TS_NEG_INFINITY {
        return format_value(&Value::Timestamp(t));
    }
    let s = format_value(&Value::Timestamp(t));
    let (body, bc) = match s.strip_suffix(" BC") {
        Some(b) => (b, " BC"),
        None => (s.as_str(), ""),
    };
    let mut out = body.replacen(' ', "T", 1);
    if tz {
        out.push_str("+00:00");
    }
    out.push_str(bc);
    out
}

fn build_object(a: &[Value], _: &EvalContext) -> R {
    if !a.len().is_multiple_of(2) {
        return Err(
            errors::invalid_parameter("argument list must have even number of elements").with_hint(
                "The arguments of jsonb_build_object() must consist of alternating keys and \
                 values.",
            ),
        );
    }
    let mut map = Map::new();
    for (i, pair) in a.chunks(2).enumerate() {
        let key = match &pair[0] {
            Value::Null => {
                return Err(errors::invalid_parameter(format!(
                    "argument {}: key must not be null",
                    i * 2 + 1
                )));
            }
            Value::Text(s) => s.clone(),
            other => format_value(other),
        };
        map.insert(key, to_jsonb(&pair[1])?);
    }
    Ok(Value::Jsonb(Box::new(canonicalize(Json::Object(map))?)))
}

fn strip_nulls(j: &Json) -> Json {
    match j {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// `jsonb_pretty`: four-space indentation, one element per line.
fn pretty(j: &Json) -> String {
    fn go(j: &Json, depth: usize, out: &mut String) {
        let pad = "    ".repeat(depth + 1);
        let close = "    ".repeat(depth);
        match j {
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(&pad);
                    go(item, depth + 1, out);
                }
                if !items.is_empty() {
                    out.push('\n');
                }
                out.push_str(&close);
                out.push(']');
            }
            Json::Object(map) => {
                out.push_str("{\n");
                for (i, (k, v)) in json::sorted_pairs(map).into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(&pad);
                    json::write_json_string(out, k);
                    out.push_str(": ");
                    go(v, depth + 1, out);
                }
                if !map.is_empty() {
                    out.push('\n');
                }
                out.push_str(&close);
                out.push('}');
            }
            other => out.push_str(&json::format_jsonb(other)),
        }
    }
    let mut out = String::new();
    go(j, 0, &mut out);
    out
}
