//! Casts between types, with PostgreSQL's rules for which casts exist in which context
//! (`pg_cast`) and what each conversion does.
//!
//! * [`cast`] / [`cast_from`]: an explicit cast (`CAST(x AS t)`, `x::t`): `1.5::int` = 2
//!   (numeric rounds half away from zero), `2.5::float8::int` = 2 (floats round half to
//!   even, as `rint`), `'abc'::varchar(2)` = `ab` (explicit casts truncate), `numeric(p,s)`
//!   rounds to the scale and fails with 22003 when the integer digits do not fit, `text`
//!   to and from everything through the types' text I/O.
//! * [`cast_assign`]: the conversion INSERT and UPDATE apply to a column: like an explicit
//!   cast, except that a string longer than `varchar(n)` / `char(n)` is an error (22001)
//!   unless the excess is spaces.
//! * [`can_cast`]: whether a cast exists in a [`CastContext`] (implicit casts are applied
//!   silently to resolve operators and functions, assignment casts on INSERT/UPDATE,
//!   explicit ones only when written).
//! * [`common_type`]: PostgreSQL's `select_common_type` for UNION, CASE, IN, VALUES,
//!   GREATEST and comparisons.
//!
//! A `char(n)` value is stored blank-padded; converting it to another string type strips
//! the padding, which needs the source type: use [`cast_from`] when the source may be
//! `char(n)` ([`cast`] infers the source type from the value and so treats strings as
//! `text`).

use rust_decimal::Decimal;
use rustydb_common::DbError;

use super::datetime::{self, USECS_PER_DAY};
use super::float::{f64_to_f32, rint};
use super::json;
use super::numeric::{self, apply_typmod};
use super::text::{format_value, parse_value};
use super::{DataType, Value, errors};

/// Where a cast is applied; each context allows the casts of those before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CastContext {
    /// Applied silently in expressions (operator and function argument resolution).
    Implicit,
    /// Applied when storing into a column (INSERT, UPDATE).
    Assignment,
    /// Only when written as `CAST` or `::`.
    Explicit,
}

/// The type of a value as its variant tells it (strings are `text`, NULL `unknown`).
pub fn value_type(v: &Value) -> DataType {
    match v {
        Value::Null => DataType::Unknown,
        Value::Bool(_) => DataType::Bool,
        Value::Int2(_) => DataType::Int2,
        Value::Int4(_) => DataType::Int4,
        Value::Int8(_) => DataType::Int8,
        Value::Float4(_) => DataType::Float4,
        Value::Float8(_) => DataType::Float8,
        Value::Numeric(_) => DataType::Numeric {
            precision: None,
            scale: None,
        },
        Value::Text(_) => DataType::Text,
        Value::Bytea(_) => DataType::Bytea,
        Value::Date(_) => DataType::Date,
        Value::Time(_) => DataType::Time,
        Value::Timestamp(_) => DataType::Timestamp,
        Value::TimestampTz(_) => DataType::TimestampTz,
        Value::Interval(_) => DataType::Interval,
        Value::Uuid(_) => DataType::Uuid,
        Value::Jsonb(_) => DataType::Jsonb,
        Value::Array(items) => DataType::Array(Box::new(
            items
                .iter()
                .find(|v| !v.is_null())
                .map_or(DataType::Unknown, value_type),
        )),
    }
}

/// Whether two types are the same apart from modifiers (`varchar(3)` and `varchar`).
pub fn same_base(a: &DataType, b: &DataType) -> bool {
    match (a, b) {
        (DataType::Array(x), DataType::Array(y)) => same_base(x, y),
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Text | DataType::Varchar(_) | DataType::Char(_))
}

/// The loosest context in which a cast from `from` to `to` exists, `None` if none does.
pub fn cast_context(from: &DataType, to: &DataType) -> Option<CastContext> {
    use CastContext::*;
    use DataType as T;
    if same_base(from, to) || matches!(from, T::Unknown) {
        return Some(Implicit);
    }
    if matches!(to, T::Unknown) {
        return None;
    }
    if is_string(from) && is_string(to) {
        return Some(Implicit);
    }
    if let (T::Array(f), T::Array(t)) = (from, to) {
        // Array coercion: the element cast, in its context.
        return cast_context(f, t);
    }
    if is_string(to) {
        return Some(Assignment);
    }
    if is_string(from) {
        return Some(Explicit);
    }
    let rank = |t: &DataType| match t {
        T::Int2 => 0,
        T::Int4 => 1,
        T::Int8 => 2,
        T::Numeric { .. } => 3,
        T::Float4 => 4,
        T::Float8 => 5,
        _ => -1,
    };
    if from.is_numeric() && to.is_numeric() {
        // Widening along int2 < int4 < int8 < numeric < float4 < float8 is implicit, the
        // rest assignment (floats to numeric too).
        return Some(if rank(from) < rank(to) {
            Implicit
        } else {
            Assignment
        });
    }
    Some(match (from, to) {
        (T::Int4, T::Bool) | (T::Bool, T::Int4) => Explicit,
        (T::Date, T::Timestamp | T::TimestampTz) => Implicit,
        (T::Timestamp, T::TimestampTz) => Implicit,
        (T::Timestamp | T::TimestampTz, T::Date | T::Time) => Assignment,
        (T::TimestampTz, T::Timestamp) => Assignment,
        (T::Time, T::Interval) => Implicit,
        (T::Interval, T::Time) => Assignment,
        (T::Jsonb, t) if t.is_numeric() || matches!(t, T::Bool) => Explicit,
        _ => return None,
    })
}

/// Whether a cast from `from` to `to` may be applied in `ctx`.
pub fn can_cast(from: &DataType, to: &DataType, ctx: CastContext) -> bool {
    cast_context(from, to).is_some_and(|c| c <= ctx)
}

/// An explicit cast of `v` to `to` (the source type inferred from the value).
pub fn cast(v: &Value, to: &DataType) -> Result<Value, DbError> {
    convert(v, &value_type(v), to, false)
}

/// An explicit cast with the source type given (strips `char(n)` padding when leaving
/// `char`).
pub fn cast_from(v: &Value, from: &DataType, to: &DataType) -> Result<Value, DbError> {
    convert(v, from, to, false)
}

/// The cast a `Cast` expression applies to its operand's value, `from` being the
/// operand's declared type. Only `char(n)` needs it (its padding is stripped when leaving
/// it: `'ab'::char(4)::text` is `ab`); other values carry their own type.
pub fn cast_expr_value(v: &Value, from: &DataType, to: &DataType) -> Result<Value, DbError> {
    if matches!(from, DataType::Char(_)) {
        convert(v, from, to, false)
    } else {
        cast(v, to)
    }
}

/// The conversion applied when storing `v` into a column of type `to` (INSERT, UPDATE).
/// It does not check that the cast is allowed in assignment context ([`can_cast`] does):
/// an untyped literal is a `Value::Text` and must convert to anything.
pub fn cast_assign(v: &Value, to: &DataType) -> Result<Value, DbError> {
    convert(v, &value_type(v), to, true)
}

/// [`cast_assign`] with the source type given.
pub fn cast_assign_from(v: &Value, from: &DataType, to: &DataType) -> Result<Value, DbError> {
    convert(v, from, to, true)
}

fn jsonb_cast_error(j: &serde_json::Value, to: &DataType) -> DbError {
    let kind = match j {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "numeric",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    errors::invalid_parameter(format!(
        "cannot cast jsonb {kind} to type {}",
        to.sql_name()
    ))
}

/// Reads a jsonb number as numeric.
fn jsonb_number(j: &serde_json::Value, to: &DataType) -> Result<Decimal, DbError> {
    match j {
        serde_json::Value::Number(n) => numeric::parse_numeric(n.as_str()),
        other => Err(jsonb_cast_error(other, to)),
    }
}

fn int_from_i64(v: i64, to: &DataType) -> Result<Value, DbError> {
    let oor = || errors::out_of_range(to);
    Ok(match to {
        DataType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| oor())?),
        DataType::Int4 => Value::Int4(i32::try_from(v).map_err(|_| oor())?),
        _ => Value::Int8(v),
    })
}

fn int_from_f64(f: f64, to: &DataType) -> Result<Value, DbError> {
    let r = rint(f);
    // i64::MAX as f64 rounds up to 2^63, which is out of range.
    if r.is_nan() || !(i64::MIN as f64..-(i64::MIN as f64)).contains(&r) {
        return Err(errors::out_of_range(to));
    }
    int_from_i64(r as i64, to)
}

fn int_from_decimal(d: &Decimal, to: &DataType) -> Result<Value, DbError> {
    let v = numeric::to_i64_rounded(d).ok_or_else(|| errors::out_of_range(to))?;
    int_from_i64(v, to)
}

/// Strips the trailing blanks of a `char(n)` value.
pub fn bpchar_trim(s: &str) -> &str {
    s.trim_end_matches(' ')
}

/// Applies a string type's length: explicit casts truncate, assignments fail with 22001
/// unless only spaces are cut; `char(n)` pads to `n`.
fn fit_string(s: &str, to: &DataType, assign: bool) -> Result<String, DbError> {
    let (limit, pad) = match to {
        DataType::Varchar(Some(n)) => (*n as usize, false),
        DataType::Char(n) => (n.unwrap_or(1) as usize, true),
        _ => return Ok(s.to_string()),
    };
    let mut out = match s.char_indices().nth(limit) {
        None => s.to_string(),
        Some((cut, _)) => {
            if assign && !s[cut..].bytes().all(|b| b == b' ') {
                return Err(errors::data(
                    "22001",
                    format!("value too long for type {}", to.sql_name()),
                ));
            }
            s[..cut].to_string()
        }
    };
    if pad {
        let len = out.chars().count();
        out.extend(std::iter::repeat_n(' ', limit.saturating_sub(len)));
    }
    Ok(out)
}

fn convert(v: &Value, from: &DataType, to: &DataType, assign: bool) -> Result<Value, DbError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    if cast_context(from, to).is_none() {
        return Err(errors::cannot_cast(from, to));
    }
    use DataType as T;
    Ok(match to {
        T::Text | T::Unknown | T::Varchar(_) | T::Char(_) => {
            let text = match v {
                Value::Text(s) if matches!(from, T::Char(_)) => bpchar_trim(s).to_string(),
                Value::Text(s) => s.clone(),
                Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
                other => format_value(other),
            };
            Value::Text(fit_string(&text, to, assign)?)
        }
        T::Array(elem) => match v {
            Value::Text(s) => parse_value(s, to)?,
            Value::Array(items) => {
                let from_elem = match from {
                    T::Array(f) => f.as_ref().clone(),
                    _ => T::Unknown,
                };
                let items = items
                    .iter()
                    .map(|item| {
                        let item_from = if from_elem == T::Unknown {
                            value_type(item)
                        } else {
                            from_elem.clone()
                        };
                        convert(item, &item_from, elem, assign)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Value::Array(Box::new(items))
            }
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Bool => match v {
            Value::Bool(b) => Value::Bool(*b),
            Value::Int4(i) => Value::Bool(*i != 0),
            Value::Text(s) => parse_value(s, to)?,
            Value::Jsonb(j) => match j.as_ref() {
                serde_json::Value::Bool(b) => Value::Bool(*b),
                other => return Err(jsonb_cast_error(other, to)),
            },
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Int2 | T::Int4 | T::Int8 => match v {
            Value::Int2(i) => int_from_i64(i64::from(*i), to)?,
            Value::Int4(i) => int_from_i64(i64::from(*i), to)?,
            Value::Int8(i) => int_from_i64(*i, to)?,
            Value::Float4(f) => int_from_f64(f64::from(*f), to)?,
            Value::Float8(f) => int_from_f64(*f, to)?,
            Value::Numeric(d) => int_from_decimal(d, to)?,
            Value::Bool(b) => int_from_i64(i64::from(*b), to)?,
            Value::Text(s) => parse_value(s, to)?,
            Value::Jsonb(j) => int_from_decimal(&jsonb_number(j, to)?, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Float4 => Value::Float4(match v {
            Value::Int2(i) => f32::from(*i),
            Value::Int4(i) => *i as f32,
            Value::Int8(i) => *i as f32,
            Value::Float4(f) => *f,
            Value::Float8(f) => f64_to_f32(*f)?,
            // Through the decimal text, as PostgreSQL's numeric_float4: one rounding.
            Value::Numeric(d) => crate::types::float::parse_f32(&numeric::format_numeric(d))?,
            Value::Text(s) => return parse_value(s, to),
            Value::Jsonb(j) => {
                crate::types::float::parse_f32(&numeric::format_numeric(&jsonb_number(j, to)?))?
            }
            _ => return Err(errors::cannot_cast(from, to)),
        }),
        T::Float8 => Value::Float8(match v {
            Value::Int2(i) => f64::from(*i),
            Value::Int4(i) => f64::from(*i),
            Value::Int8(i) => *i as f64,
            Value::Float4(f) => f64::from(*f),
            Value::Float8(f) => *f,
            Value::Numeric(d) => numeric::to_f64(d),
            Value::Text(s) => return parse_value(s, to),
            Value::Jsonb(j) => numeric::to_f64(&jsonb_number(j, to)?),
            _ => return Err(errors::cannot_cast(from, to)),
        }),
        T::Numeric { precision, scale } => {
            let d = match v {
                Value::Int2(i) => Decimal::from(*i),
                Value::Int4(i) => Decimal::from(*i),
                Value::Int8(i) => Decimal::from(*i),
                Value::Float4(f) => numeric::from_float(f64::from(*f), 6)?,
                Value::Float8(f) => numeric::from_float(*f, 15)?,
                Value::Numeric(d) => *d,
                Value::Text(s) => numeric::parse_numeric(s)?,
                Value::Jsonb(j) => jsonb_number(j, to)?,
                _ => return Err(errors::cannot_cast(from, to)),
            };
            Value::Numeric(apply_typmod(&d, *precision, *scale)?)
        }
        T::Bytea => match v {
            Value::Bytea(b) => Value::Bytea(b.clone()),
            Value::Text(s) => parse_value(s, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Date => match v {
            Value::Date(d) => Value::Date(*d),
            Value::Timestamp(t) | Value::TimestampTz(t) => {
                Value::Date(datetime::timestamp_to_date(*t)?)
            }
            Value::Text(s) => parse_value(s, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Time => match v {
            Value::Time(t) => Value::Time(*t),
            Value::Timestamp(t) | Value::TimestampTz(t) => {
                if datetime::ts_is_infinite(*t) {
                    return Err(errors::datetime_out_of_range("timestamp"));
                }
                Value::Time(t.rem_euclid(USECS_PER_DAY))
            }
            Value::Interval(iv) => Value::Time(iv.micros.rem_euclid(USECS_PER_DAY)),
            Value::Text(s) => parse_value(s, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Timestamp | T::TimestampTz => {
            let ts = match v {
                Value::Date(d) => datetime::date_to_timestamp(*d)?,
                Value::Timestamp(t) | Value::TimestampTz(t) => *t,
                Value::Text(s) => return parse_value(s, to),
                _ => return Err(errors::cannot_cast(from, to)),
            };
            if matches!(to, T::Timestamp) {
                Value::Timestamp(ts)
            } else {
                Value::TimestampTz(ts)
            }
        }
        T::Interval => match v {
            Value::Interval(iv) => Value::Interval(*iv),
            Value::Time(t) => Value::Interval(super::Interval {
                months: 0,
                days: 0,
                micros: *t,
            }),
            Value::Text(s) => parse_value(s, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Uuid => match v {
            Value::Uuid(u) => Value::Uuid(*u),
            Value::Text(s) => parse_value(s, to)?,
            _ => return Err(errors::cannot_cast(from, to)),
        },
        T::Jsonb => match v {
            Value::Jsonb(j) => Value::Jsonb(j.clone()),
            Value::Text(s) => Value::Jsonb(Box::new(json::parse_jsonb(s)?)),
            _ => return Err(errors::cannot_cast(from, to)),
        },
    })
}

/// PostgreSQL's type category (`typcategory`).
fn category(t: &DataType) -> char {
    match t {
        DataType::Bool => 'B',
        DataType::Int2
        | DataType::Int4
        | DataType::Int8
        | DataType::Float4
        | DataType::Float8
        | DataType::Numeric { .. } => 'N',
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) => 'S',
        DataType::Date | DataType::Time | DataType::Timestamp | DataType::TimestampTz => 'D',
        DataType::Interval => 'T',
        DataType::Bytea | DataType::Uuid | DataType::Jsonb => 'U',
        DataType::Unknown => 'X',
        DataType::Array(_) => 'A',
    }
}

/// Whether the type is its category's preferred type (`typispreferred`).
pub fn is_preferred(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Bool
            | DataType::Float8
            | DataType::Text
            | DataType::TimestampTz
            | DataType::Interval
    )
}

/// The common type of two types (see [`common_type_of`]).
pub fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    common_type_of(&[a.clone(), b.clone()])
}

/// PostgreSQL's `select_common_type`: `unknown` takes the others' type (all unknown is
/// `text`); within a category, starting from the first type, a later type wins when the
/// current one converts to it implicitly but not back, unless the current one is the
/// category's preferred type (so int2 < int4 < int8 < numeric < float4 < float8 and
/// date < timestamp < timestamptz; string types convert both ways, so the first of
/// `text`, `varchar`, `char` wins); across categories there is none. Modifiers survive
/// only when all inputs agree (`char(n)` keeps the largest length).
pub fn common_type_of(types: &[DataType]) -> Option<DataType> {
    let known: Vec<&DataType> = types.iter().filter(|t| **t != DataType::Unknown).collect();
    let Some(first) = known.first() else {
        return Some(DataType::Text);
    };
    let mut ptype: &DataType = first;
    for t in &known[1..] {
        if same_base(t, ptype) {
            continue;
        }
        if category(t) != category(ptype) {
            return None;
        }
        if !is_preferred(ptype)
            && can_cast(ptype, t, CastContext::Implicit)
            && !can_cast(t, ptype, CastContext::Implicit)
        {
            ptype = t;
        }
    }
    if !known
        .iter()
        .all(|t| can_cast(t, ptype, CastContext::Implicit))
    {
        return None;
    }
    let same: Vec<&&DataType> = known.iter().filter(|t| same_base(t, ptype)).collect();
    let all_equal = same.iter().all(|t| **t == ptype) && same.len() == known.len();
    Some(match ptype {
        _ if all_equal => ptype.clone(),
        DataType::Varchar(_) => {
            if same.iter().all(|t| **t == ptype) && known.iter().all(|t| same_base(t, ptype)) {
                ptype.clone()
            } else {
                DataType::Varchar(None)
            }
        }
        DataType::Char(_) => {
            let max = same
                .iter()
                .map(|t| match t {
                    DataType::Char(n) => n.unwrap_or(1),
                    _ => 1,
                })
                .max()
                .unwrap_or(1);
            DataType::Char(Some(max))
        }
        DataType::Numeric { .. } => {
            if known.iter().all(|t| *t == ptype) {
                ptype.clone()
            } else {
                DataType::Numeric {
                    precision: None,
                    scale: None,
                }
            }
        }
        other => other.clone(),
    })
}

/// `greatest(...)`: the largest non-NULL value (NULL only if all are NULL). The values
/// must already be of one type (the binder casts them to [`common_type_of`]).
pub fn greatest(values: &[Value]) -> Value {
    extreme(values, std::cmp::Ordering::Greater)
}

/// `least(...)`: the smallest non-NULL value.
pub fn least(values: &[Value]) -> Value {
    extreme(values, std::cmp::Ordering::Less)
}

fn extreme(values: &[Value], want: std::cmp::Ordering) -> Value {
    let mut best: Option<&Value> = None;
    for v in values.iter().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(b) if super::compare::compare(v, b) == Some(want) => Some(v),
            keep => keep,
        };
    }
    best.cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;
