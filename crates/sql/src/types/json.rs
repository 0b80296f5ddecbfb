//! `jsonb`: input, canonical output, ordering, hashing and the operators, as PostgreSQL.
//!
//! A [`Value::Jsonb`](super::Value::Jsonb) holds a `serde_json::Value` kept in PostgreSQL's
//! canonical form by [`parse_jsonb`] and [`canonicalize`]: object keys unique (the last
//! duplicate wins) and sorted shortest-first then bytewise, as jsonb stores them; numbers
//! as numeric would print them (`1.0e-2` is `0.010`, `-0` is `0`), which is why serde_json's
//! `arbitrary_precision` feature is on: a jsonb number has numeric's unbounded precision.
//!
//! Ordering follows PostgreSQL's `compareJsonbContainers`: `null < string < number <
//! boolean < array < object`; arrays compare by length first, then element-wise; objects
//! by pair count, then key, value, key, value in storage order; a top-level scalar sorts
//! like a one-element array that is less than any other one-element array (so `'1' > '[]'`
//! but `'1' < '[1]'`). Strings compare bytewise (C collation); numbers numerically.

use std::cmp::Ordering;
use std::fmt::Write;
use std::hash::{Hash, Hasher};

use rust_decimal::Decimal;
use rustydb_common::DbError;
use serde_json::{Map, Number, Value as Json};

use super::errors;
use super::numeric::format_numeric;

/// Parses jsonb input (22P02 on bad syntax, 22P05 for `\u0000`).
pub fn parse_jsonb(input: &str) -> Result<Json, DbError> {
    let v: Json = serde_json::from_str(input).map_err(|e| {
        errors::data("22P02", "invalid input syntax for type json").with_detail(e.to_string())
    })?;
    canonicalize(v)
}

/// Brings a JSON value into jsonb's canonical form (see the module documentation).
pub fn canonicalize(v: Json) -> Result<Json, DbError> {
    Ok(match v {
        Json::Number(n) => Json::Number(canonical_number(n.as_str())?),
        Json::String(s) => {
            if s.contains('\0') {
                return Err(errors::data("22P05", "unsupported Unicode escape sequence")
                    .with_detail("\\u0000 cannot be converted to text."));
            }
            Json::String(s)
        }
        Json::Array(items) => Json::Array(
            items
                .into_iter()
                .map(canonicalize)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Json::Object(map) => {
            let mut pairs: Vec<(String, Json)> = Vec::with_capacity(map.len());
            for (k, v) in map {
                if k.contains('\0') {
                    return Err(errors::data("22P05", "unsupported Unicode escape sequence")
                        .with_detail("\\u0000 cannot be converted to text."));
                }
                pairs.push((k, canonicalize(v)?));
            }
            pairs.sort_by(|a, b| key_order(&a.0, &b.0));
            Json::Object(pairs.into_iter().collect::<Map<String, Json>>())
        }
        other => other,
    })
}

/// jsonb's storage order of keys: shorter first, then bytewise.
pub fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// A decimal number split into sign, digits (no leading zeros; empty for zero) and the
/// decimal exponent of the digit string's end, with the display scale numeric would keep.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DecimalText {
    negative: bool,
    digits: Vec<u8>,
    /// value = digits × 10^exp
    exp: i64,
    /// Digits numeric shows after the point.
    scale: i64,
}

fn parse_decimal_text(s: &str) -> Option<DecimalText> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        digits.push(b - b'0');
    }
    let first = digits.iter().position(|d| *d != 0).unwrap_or(digits.len());
    digits.drain(..first);
    let frac_len = frac.len() as i64;
    let scale = (frac_len - exp).max(0);
    Some(DecimalText {
        negative: negative && !digits.is_empty(),
        digits,
        exp: exp - frac_len,
        scale,
    })
}

impl DecimalText {
    /// Numeric's output: plain digits with `scale` decimals.
    fn render(&self) -> String {
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        // Digits of the integer part: those at positions with exponent >= 0.
        let n = self.digits.len() as i64;
        let int_len = n + self.exp; // digits left of the point
        if int_len <= 0 {
            out.push('0');
        } else {
            for i in 0..int_len {
                out.push(if i < n {
                    (b'0' + self.digits[i as usize]) as char
                } else {
                    '0'
                });
            }
        }
        if self.scale > 0 {
            out.push('.');
            for k in 1..=self.scale {
                // position k after the point has exponent -k: digit index n - 1 - (-k - exp)
                let idx = int_len + k - 1;
                out.push(if idx >= 0 && idx < n {
                    (b'0' + self.digits[idx as usize]) as char
                } else {
                    '0'
                });
            }
        }
        out
    }

    /// Strips trailing zeros so equal values have equal digits.
    fn normalized(&self) -> (bool, Vec<u8>, i64) {
        let mut digits = self.digits.clone();
        let mut exp = self.exp;
        while digits.last() == Some(&0) {
            digits.pop();
            exp += 1;
        }
        if digits.is_empty() {
            exp = 0;
        }
        (self.negative, digits, exp)
    }
}

fn canonical_number(s: &str) -> Result<Number, DbError> {
    let t = parse_decimal_text(s).ok_or_else(|| errors::invalid_syntax("numeric", s))?;
    if t.exp.abs() > 100_000 {
        return Err(errors::numeric_overflow());
    }
    t.render()
        .parse::<Number>()
        .map_err(|e| DbError::internal(format!("canonical number {s:?}: {e}")))
}

/// A jsonb number from a numeric value.
pub fn number_from_decimal(d: &Decimal) -> Json {
    Json::Number(
        format_numeric(d)
            .parse::<Number>()
            .unwrap_or_else(|_| Number::from(0)),
    )
}

/// A jsonb number from text known to be a valid number literal.
pub fn number_from_str(s: &str) -> Result<Json, DbError> {
    Ok(Json::Number(canonical_number(s)?))
}

/// Numeric comparison of two JSON number literals of any size.
pub fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    let (Some(x), Some(y)) = (
        parse_decimal_text(a.as_str()),
        parse_decimal_text(b.as_str()),
    ) else {
        return a.as_str().cmp(b.as_str());
    };
    let (xn, xd, xe) = x.normalized();
    let (yn, yd, ye) = y.normalized();
    let sign = |neg: bool, d: &Vec<u8>| -> i8 {
        if d.is_empty() {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sx, sy) = (sign(xn, &xd), sign(yn, &yd));
    if sx != sy || sx == 0 {
        return sx.cmp(&sy);
    }
    // Same sign, both nonzero: compare magnitudes by leading exponent, then digits.
    let lead_x = xd.len() as i64 + xe;
    let lead_y = yd.len() as i64 + ye;
    let mag = lead_x.cmp(&lead_y).then_with(|| xd.cmp(&yd));
    if sx > 0 { mag } else { mag.reverse() }
}

/// The normalized (sign, digits, exponent) of a number, for hashing and key encoding.
pub fn number_parts(n: &Number) -> (bool, Vec<u8>, i64) {
    parse_decimal_text(n.as_str()).map_or((false, Vec::new(), 0), |t| t.normalized())
}

/// Rank of a JSON type in jsonb's ordering.
pub fn type_rank(v: &Json) -> u8 {
    match v {
        Json::Null => 0,
        Json::String(_) => 1,
        Json::Number(_) => 2,
        Json::Bool(_) => 3,
        Json::Array(_) => 4,
        Json::Object(_) => 5,
    }
}

/// Object pairs in jsonb storage order (already so for canonical values).
pub fn sorted_pairs(map: &Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut pairs: Vec<(&String, &Json)> = map.iter().collect();
    if !pairs
        .windows(2)
        .all(|w| key_order(w[0].0, w[1].0) != Ordering::Greater)
    {
        pairs.sort_by(|a, b| key_order(a.0, b.0));
    }
    pairs
}

/// Orders two top-level jsonb values as PostgreSQL does.
pub fn compare_jsonb(a: &Json, b: &Json) -> Ordering {
    let a_scalar = !matches!(a, Json::Array(_) | Json::Object(_));
    let b_scalar = !matches!(b, Json::Array(_) | Json::Object(_));
    match (a_scalar, b_scalar) {
        (true, true) => compare_values(a, b),
        (true, false) => match b {
            // A raw scalar is a one-element pseudo-array: length first, then "raw" first.
            Json::Array(items) => 1usize.cmp(&items.len()).then(Ordering::Less),
            _ => Ordering::Less,
        },
        (false, true) => match a {
            Json::Array(items) => items.len().cmp(&1).then(Ordering::Greater),
            _ => Ordering::Greater,
        },
        (false, false) => compare_values(a, b),
    }
}

/// Orders nested values (no raw-scalar rule).
fn compare_values(a: &Json, b: &Json) -> Ordering {
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Json::Null, Json::Null) => Ordering::Equal,
        (Json::String(x), Json::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Json::Number(x), Json::Number(y)) => compare_numbers(x, y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => x.len().cmp(&y.len()).then_with(|| {
            for (p, q) in x.iter().zip(y) {
                let c = compare_values(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }),
        (Json::Object(x), Json::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            for ((kx, vx), (ky, vy)) in sorted_pairs(x).into_iter().zip(sorted_pairs(y)) {
                let c = kx
                    .as_bytes()
                    .cmp(ky.as_bytes())
                    .then_with(|| compare_values(vx, vy));
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }),
        _ => Ordering::Equal,
    }
}

/// Hashes consistently with [`compare_jsonb`] equality (numbers by value).
pub fn hash_jsonb<H: Hasher>(v: &Json, state: &mut H) {
    type_rank(v).hash(state);
    match v {
        Json::Null => {}
        Json::Bool(b) => b.hash(state),
        Json::String(s) => s.hash(state),
        Json::Number(n) => number_parts(n).hash(state),
        Json::Array(items) => {
            items.len().hash(state);
            for i in items {
                hash_jsonb(i, state);
            }
        }
        Json::Object(map) => {
            map.len().hash(state);
            for (k, v) in sorted_pairs(map) {
                k.hash(state);
                hash_jsonb(v, state);
            }
        }
    }
}

/// PostgreSQL's jsonb text output: `{"a": 1, "b": [1, 2]}`.
pub fn format_jsonb(v: &Json) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n.as_str()),
        Json::String(s) => write_json_string(out, s),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_pairs(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_string(out, k);
                out.push_str(": ");
                write_json(out, v);
            }
            out.push('}');
        }
    }
}

/// PostgreSQL's `escape_json`.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `jsonb_typeof`.
pub fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// `jsonb -> text`: an object's field.
pub fn get_field<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    match v {
        Json::Object(map) => map.get(key),
        _ => None,
    }
}

/// `jsonb -> integer`: an array element, negative counting from the end.
pub fn get_index(v: &Json, index: i64) -> Option<&Json> {
    match v {
        Json::Array(items) => {
            let len = items.len() as i64;
            let i = if index < 0 { len + index } else { index };
            if (0..len).contains(&i) {
                items.get(i as usize)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `->` / `->>` with an integer: an array's element (negative positions count from the
/// end); a scalar answers as the only element of an array (PostgreSQL stores a top-level
/// scalar as a one-element array), an object never.
pub fn array_element(v: &Json, index: i64) -> Option<&Json> {
    match v {
        Json::Array(_) => get_index(v, index),
        Json::Object(_) => None,
        scalar => (index == 0 || index == -1).then_some(scalar),
    }
}

/// `->>`'s text of a value: strings unquoted, JSON null as SQL NULL, others as jsonb text.
pub fn as_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(format_jsonb(other)),
    }
}

/// `a @> b`: containment as PostgreSQL defines it (arrays contain elements in any order
/// and count; a top-level array contains a bare scalar it has as an element).
pub fn contains(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Array(xs), scalar) if !matches!(scalar, Json::Array(_) | Json::Object(_)) => {
            xs.iter().any(|x| json_eq(x, scalar))
        }
        _ => contains_nested(a, b),
    }
}

fn contains_nested(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => y.iter().all(|(k, vy)| {
            x.get(k).is_some_and(|vx| {
                if matches!(vy, Json::Array(_) | Json::Object(_)) {
                    type_rank(vx) == type_rank(vy) && contains_nested(vx, vy)
                } else {
                    json_eq(vx, vy)
                }
            })
        }),
        (Json::Array(x), Json::Array(y)) => y.iter().all(|vy| {
            if matches!(vy, Json::Array(_) | Json::Object(_)) {
                x.iter()
                    .any(|vx| type_rank(vx) == type_rank(vy) && contains_nested(vx, vy))
            } else {
                x.iter().any(|vx| json_eq(vx, vy))
            }
        }),
        _ => json_eq(a, b),
    }
}

/// Equality under jsonb's ordering.
pub fn json_eq(a: &Json, b: &Json) -> bool {
    compare_values(a, b) == Ordering::Equal
}

/// `jsonb ? text`: a top-level key, or a string element of a top-level array.
pub fn has_key(v: &Json, key: &str) -> bool {
    match v {
        Json::Object(map) => map.contains_key(key),
        Json::Array(items) => items.iter().any(|i| i.as_str() == Some(key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

/// `jsonb || jsonb`: objects merge (right wins), arrays concatenate, scalars are wrapped.
pub fn concat(a: &Json, b: &Json) -> Result<Json, DbError> {
    let out = match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            let mut m = x.clone();
            for (k, v) in y {
                m.insert(k.clone(), v.clone());
            }
            Json::Object(m)
        }
        _ => {
            let mut items = match a {
                Json::Array(x) => x.clone(),
                other => vec![other.clone()],
            };
            match b {
                Json::Array(y) => items.extend(y.iter().cloned()),
                other => items.push(other.clone()),
            }
            Json::Array(items)
        }
    };
    canonicalize(out)
}

/// `jsonb - text`: removes a key (or matching string elements of an array).
pub fn delete_key(v: &Json, key: &str) -> Result<Json, DbError> {
    Ok(match v {
        Json::Object(map) => {
            let mut m = map.clone();
            m.shift_remove(key);
            Json::Object(m)
        }
        Json::Array(items) => Json::Array(
            items
                .iter()
                .filter(|i| i.as_str() != Some(key))
                .cloned()
                .collect(),
        ),
        _ => return Err(errors::invalid_parameter("cannot delete from scalar")),
    })
}

/// `jsonb - integer`: removes an array element (negative counts from the end).
pub fn delete_index(v: &Json, index: i64) -> Result<Json, DbError> {
    match v {
        Json::Array(items) => {
            let len = items.len() as i64;
            let i = if index < 0 { len + index } else { index };
            let mut out = items.clone();
            if (0..len).contains(&i) {
                out.remove(i as usize);
            }
            Ok(Json::Array(out))
        }
        Json::Object(_) => Err(errors::invalid_parameter(
            "cannot delete from object using integer index",
        )),
        _ => Err(errors::invalid_parameter("cannot delete from scalar")),
    }
}
