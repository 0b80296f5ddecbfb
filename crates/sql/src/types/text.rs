//! Text I/O of every type: [`format_value`] is PostgreSQL's output function (what `psql`
//! shows and the wire protocol's text format sends) and [`parse_value`] its input function,
//! with the session settings fixed at `DateStyle = ISO, MDY`, `IntervalStyle = postgres`,
//! `TimeZone = UTC`, `bytea_output = hex` and `extra_float_digits = 1`.
//!
//! Round trip: `parse_value(&format_value(v), ty) == v` for every value of every type
//! (floats included: output is shortest-exact).

use rustydb_common::DbError;

use super::datetime::format::{format_date, format_time, format_timestamp, format_timestamptz};
use super::datetime::interval::{format_interval, parse_interval};
use super::datetime::parse::{Now, parse_date, parse_time, parse_timestamp};
use super::float::{format_f32, format_f64, parse_f32, parse_f64};
use super::json::{format_jsonb, parse_jsonb};
use super::numeric::{apply_typmod, format_numeric, is_pg_space, parse_numeric};
use super::{DataType, Value, errors};

/// PostgreSQL's text output of a value (`None` for NULL).
pub fn format_value_opt(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(format_value(other)),
    }
}

/// PostgreSQL's text output of a value. NULL prints as the empty string here; callers
/// that must tell NULL apart use [`format_value_opt`].
pub fn format_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int2(i) => i.to_string(),
        Value::Int4(i) => i.to_string(),
        Value::Int8(i) => i.to_string(),
        Value::Float4(f) => format_f32(*f),
        Value::Float8(f) => format_f64(*f),
        Value::Numeric(d) => format_numeric(d),
        Value::Text(s) => s.clone(),
        Value::Bytea(b) => format_bytea(b),
        Value::Date(d) => format_date(*d),
        Value::Time(t) => format_time(*t),
        Value::Timestamp(t) => format_timestamp(*t),
        Value::TimestampTz(t) => format_timestamptz(*t),
        Value::Interval(iv) => format_interval(iv),
        Value::Uuid(u) => format_uuid(u),
        Value::Jsonb(j) => format_jsonb(j),
        Value::Array(items) => super::array::format_array(items),
    }
}

/// `\x0102`.
pub fn format_bytea(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + b.len() * 2);
    out.push_str("\\x");
    for byte in b {
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 15) as usize] as char);
    }
    out
}

/// `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`.
pub fn format_uuid(u: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*u).hyphenated().to_string()
}

/// Parses text as a value of `ty` with PostgreSQL's input function (and the type's
/// modifier applied as an explicit cast would: `numeric(5,2)` rounds, `varchar(3)`
/// truncates). `now`, `today` and friends read the wall clock; see [`parse_value_at`].
pub fn parse_value(s: &str, ty: &DataType) -> Result<Value, DbError> {
    parse_value_at(s, ty, None)
}

/// [`parse_value`] with the statement's "now" (a `timestamptz` value) for `now`, `today`,
/// `tomorrow`, `yesterday`.
pub fn parse_value_at(s: &str, ty: &DataType, now: Option<i64>) -> Result<Value, DbError> {
    let now = Now(now);
    Ok(match ty {
        DataType::Bool => Value::Bool(parse_bool(s)?),
        DataType::Int2 => Value::Int2(parse_int(s, "smallint")?),
        DataType::Int4 => Value::Int4(parse_int(s, "integer")?),
        DataType::Int8 => Value::Int8(parse_int(s, "bigint")?),
        DataType::Float4 => Value::Float4(parse_f32(s)?),
        DataType::Float8 => Value::Float8(parse_f64(s)?),
        DataType::Numeric { precision, scale } => {
            Value::Numeric(apply_typmod(&parse_numeric(s)?, *precision, *scale)?)
        }
        DataType::Text | DataType::Unknown | DataType::Varchar(None) => Value::Text(s.to_string()),
        DataType::Varchar(Some(_)) | DataType::Char(_) => {
            super::cast::cast(&Value::Text(s.to_string()), ty)?
        }
        DataType::Bytea => Value::Bytea(parse_bytea(s)?),
        DataType::Date => Value::Date(parse_date(s, now)?),
        DataType::Time => Value::Time(parse_time(s, now)?),
        DataType::Timestamp => Value::Timestamp(parse_timestamp(s, false, now)?),
        DataType::TimestampTz => Value::TimestampTz(parse_timestamp(s, true, now)?),
        DataType::Interval => Value::Interval(parse_interval(s)?),
        DataType::Uuid => Value::Uuid(parse_uuid(s)?),
        DataType::Jsonb => Value::Jsonb(Box::new(parse_jsonb(s)?)),
        DataType::Array(elem) => super::array::parse_array(s, elem, now.0)?,
    })
}

/// `boolean` input: `t`/`true`/`yes`/`on`/`1` and their opposites, any unique prefix of
/// the words, any case, surrounding whitespace ignored.
pub fn parse_bool(input: &str) -> Result<bool, DbError> {
    let s = input.trim_matches(is_pg_space).to_ascii_lowercase();
    let prefix_of = |word: &str| !s.is_empty() && word.starts_with(s.as_str());
    let v = match s.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "on" => Some(true),
        "of" | "off" => Some(false),
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        _ => None,
    };
    v.ok_or_else(|| errors::invalid_syntax("boolean", input))
}

/// Integer input: whitespace, an optional sign, decimal digits.
pub fn parse_int<T: TryFrom<i64>>(input: &str, type_name: &str) -> Result<T, DbError> {
    let s = input.trim_matches(is_pg_space);
    let bad = || errors::invalid_syntax(type_name, input);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut v: i64 = 0;
    let mut overflow = false;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        match v.checked_mul(10).and_then(|x| {
            if negative {
                x.checked_sub(d)
            } else {
                x.checked_add(d)
            }
        }) {
            Some(x) => v = x,
            None => {
                overflow = true;
                break;
            }
        }
    }
    let out_of_range = || errors::input_out_of_range(s, type_name);
    if overflow {
        return Err(out_of_range());
    }
    T::try_from(v).map_err(|_| out_of_range())
}

/// `bytea` input: hex (`\x0102`, whitespace between bytes allowed) or escape format
/// (`\\` and `\ooo`).
pub fn parse_bytea(s: &str) -> Result<Vec<u8>, DbError> {
    if let Some(hex) = s.strip_prefix("\\x") {
        let b = hex.as_bytes();
        let mut out = Vec::with_capacity(b.len() / 2);
        let mut i = 0;
        let digit = |c: u8| -> Result<u8, DbError> {
            (c as char).to_digit(16).map(|d| d as u8).ok_or_else(|| {
                let shown: String = String::from_utf8_lossy(&[c]).into_owned();
                errors::invalid_parameter(format!("invalid hexadecimal digit: \"{shown}\""))
            })
        };
        while i < b.len() {
            if matches!(b[i], b' ' | b'\n' | b'\t' | b'\r') {
                i += 1;
                continue;
            }
            let hi = digit(b[i])?;
            if i + 1 >= b.len() {
                return Err(errors::invalid_parameter(
                    "invalid hexadecimal data: odd number of digits",
                ));
            }
            let lo = digit(b[i + 1])?;
            out.push(hi << 4 | lo);
            i += 2;
        }
        return Ok(out);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if i + 1 < b.len() && b[i + 1] == b'\\' {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < b.len()
            && (b'0'..=b'3').contains(&b[i + 1])
            && (b'0'..=b'7').contains(&b[i + 2])
            && (b'0'..=b'7').contains(&b[i + 3])
        {
            out.push(((b[i + 1] - b'0') << 6) | ((b[i + 2] - b'0') << 3) | (b[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(errors::data("22P02", "invalid input syntax for type bytea"));
        }
    }
    Ok(out)
}

/// `uuid` input: 32 hex digits, optionally in braces, with a hyphen allowed after any
/// group of four digits.
pub fn parse_uuid(input: &str) -> Result<[u8; 16], DbError> {
    let bad = || errors::invalid_syntax("uuid", input);
    let s = input.as_bytes();
    let body = match (s.first(), s.last()) {
        (Some(b'{'), Some(b'}')) if s.len() >= 2 => &s[1..s.len() - 1],
        _ => s,
    };
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut i = 0;
    while n < 32 {
        let c = *body.get(i).ok_or_else(bad)?;
        let d = (c as char).to_digit(16).ok_or_else(bad)? as u8;
        if n % 2 == 0 {
            out[n / 2] = d << 4;
        } else {
            out[n / 2] |= d;
        }
        n += 1;
        i += 1;
        if n % 4 == 0 && n < 32 && body.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    if i != body.len() {
        return Err(bad());
    }
    Ok(out)
}
