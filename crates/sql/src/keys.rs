//! Memcomparable index keys: the byte order of encoded keys is the order of the values
//! under [`sort_cmp`](crate::types::compare::sort_cmp), column by column, so a B+tree can
//! compare keys with `memcmp`.
//!
//! ```text
//! key    := column*
//! column := 0x01 value        (a value; ascending)
//!         | 0x02              (NULL: after every value, PostgreSQL's NULLS LAST)
//! descending columns: every byte of the column's encoding inverted (so NULL comes first,
//! PostgreSQL's default for DESC)
//! ```
//!
//! Every column's encoding is self-delimiting (fixed width, or terminated), so no encoding
//! is a prefix of another and inverting a column reverses its order exactly. Per type:
//!
//! * integers: big-endian with the sign bit flipped, at their own width (`int2` 2 bytes);
//! * floats: IEEE bits, sign bit flipped for positives and all bits for negatives; `-0`
//!   encodes as `0` and every NaN as one NaN above `+Infinity`, PostgreSQL's order;
//! * numeric: a sign class (negative, zero, positive), the decimal exponent of the leading
//!   digit, then the significant digits two per byte (1..=100) and a 0 terminator, all
//!   after the sign inverted for negatives. Trailing zeros are dropped, so `1.0` and
//!   `1.00` share a key, as they compare equal;
//! * text and bytea: bytes with `0x00` escaped as `0x00 0xFF`, terminated by `0x00 0x01`,
//!   so a string sorts before its extensions;
//! * date, time, timestamp, timestamptz: their integer; interval: its 128-bit comparison
//!   span (`1 mon` and `30 days` share a key, as they compare equal); uuid: its 16 bytes;
//! * jsonb: a type tag in jsonb order, then for containers the element or pair count and
//!   the elements (pairs in storage order: key, value); a top-level scalar encodes as
//!   PostgreSQL compares it, a one-element "raw" array that sorts before a real one;
//! * arrays: each element as a column (`0x01 value` or `0x02`), then `0x00`.
//!
//! The values of one column must have one type (the column's: the binder casts lookup
//! constants to it). [`decode_key`] recovers values except for intervals, jsonb and arrays, whose
//! keys keep only their order, and numerics, which come back without trailing zeros.

use rust_decimal::Decimal;
use rustydb_common::{DbError, ErrorCode};
use serde_json::Value as Json;

use crate::types::datetime::interval::interval_span;
use crate::types::json;
use crate::types::numeric::decimal_from_digits;
use crate::types::{DataType, Value};

const TAG_VALUE: u8 = 0x01;
const TAG_NULL: u8 = 0x02;

/// Encodes a key: `values[i]` ascending unless `desc[i]` (missing entries are ascending).
pub fn encode_key(values: &[Value], desc: &[bool], out: &mut Vec<u8>) {
    for (i, v) in values.iter().enumerate() {
        let start = out.len();
        encode_column(v, out);
        if desc.get(i).copied().unwrap_or(false) {
            for b in &mut out[start..] {
                *b = !*b;
            }
        }
    }
}

/// Encodes the leading columns of a key for a range scan: every key whose first
/// `values.len()` columns equal `values` starts with these bytes (and keys with smaller
/// leading columns sort before them). Pair with [`prefix_successor`] for the upper bound.
pub fn encode_key_prefix(values: &[Value], desc: &[bool], out: &mut Vec<u8>) {
    encode_key(values, desc, out);
}

/// The smallest byte string greater than every string starting with `prefix`; `None` if
/// there is none (the prefix is all `0xFF`): scan to the end.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last != 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

fn encode_column(v: &Value, out: &mut Vec<u8>) {
    if v.is_null() {
        out.push(TAG_NULL);
        return;
    }
    out.push(TAG_VALUE);
    encode_value(v, out);
}

fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
        Value::Int2(i) => out.extend_from_slice(&((*i as u16) ^ 0x8000).to_be_bytes()),
        Value::Int4(i) | Value::Date(i) => {
            out.extend_from_slice(&((*i as u32) ^ 0x8000_0000).to_be_bytes());
        }
        Value::Int8(i) | Value::Time(i) | Value::Timestamp(i) | Value::TimestampTz(i) => {
            out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Float4(f) => {
            let f = if *f == 0.0 {
                0.0f32
            } else if f.is_nan() {
                f32::NAN
            } else {
                *f
            };
            let bits = f.to_bits();
            let key = if bits >> 31 == 1 {
                !bits
            } else {
                bits ^ (1 << 31)
            };
            out.extend_from_slice(&key.to_be_bytes());
        }
        Value::Float8(f) => {
            let f = if *f == 0.0 {
                0.0f64
            } else if f.is_nan() {
                f64::NAN
            } else {
                *f
            };
            let bits = f.to_bits();
            let key = if bits >> 63 == 1 {
                !bits
            } else {
                bits ^ (1 << 63)
            };
            out.extend_from_slice(&key.to_be_bytes());
        }
        Value::Numeric(d) => {
            let m = d.mantissa().unsigned_abs();
            let digits: Vec<u8> = if m == 0 {
                Vec::new()
            } else {
                m.to_string().bytes().map(|b| b - b'0').collect()
            };
            encode_decimal(d.is_sign_negative(), &digits, -(d.scale() as i64), out);
        }
        Value::Text(s) => encode_bytes(s.as_bytes(), out),
        Value::Bytea(b) => encode_bytes(b, out),
        Value::Interval(iv) => {
            let span = interval_span(iv);
            out.extend_from_slice(&((span as u128) ^ (1 << 127)).to_be_bytes());
        }
        Value::Uuid(u) => out.extend_from_slice(u),
        Value::Jsonb(j) => encode_jsonb_top(j, out),
        Value::Array(items) => {
            // Element by element as columns are (NULL elements after values), then a 0x00
            // terminator, so a shorter array sorts before its extensions.
            for item in items.iter() {
                encode_column(item, out);
            }
            out.push(0x00);
        }
    }
}

/// Encodes `±digits × 10^exp` (digits most significant first).
fn encode_decimal(negative: bool, digits: &[u8], exp: i64, out: &mut Vec<u8>) {
    let first = digits.iter().position(|d| *d != 0);
    let Some(first) = first else {
        out.push(0x02);
        return;
    };
    let last = digits.iter().rposition(|d| *d != 0).unwrap_or(first);
    let sig = &digits[first..=last];
    // Exponent of the leading digit: value = 0.d1d2... × 10^lead.
    let lead = (digits.len() - first) as i64 + exp;
    out.push(if negative { 0x01 } else { 0x03 });
    let start = out.len();
    let lead = lead.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    out.extend_from_slice(&((lead as u32) ^ (1 << 31)).to_be_bytes());
    for pair in sig.chunks(2) {
        let hi = pair[0];
        let lo = pair.get(1).copied().unwrap_or(0);
        out.push(1 + hi * 10 + lo);
    }
    out.push(0);
    if negative {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    for &byte in b {
        out.push(byte);
        if byte == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

const J_NULL: u8 = 1;
const J_STRING: u8 = 2;
const J_NUMBER: u8 = 3;
const J_BOOL: u8 = 4;
const J_ARRAY: u8 = 5;
const J_OBJECT: u8 = 6;

fn encode_jsonb_top(j: &Json, out: &mut Vec<u8>) {
    match j {
        Json::Array(_) | Json::Object(_) => encode_jsonb(j, out),
        scalar => {
            // A raw scalar: a one-element array that sorts before a real one.
            out.push(J_ARRAY);
            out.extend_from_slice(&1u32.to_be_bytes());
            out.push(0);
            encode_jsonb(scalar, out);
        }
    }
}

fn encode_jsonb(j: &Json, out: &mut Vec<u8>) {
    match j {
        Json::Null => out.push(J_NULL),
        Json::String(s) => {
            out.push(J_STRING);
            encode_bytes(s.as_bytes(), out);
        }
        Json::Number(n) => {
            out.push(J_NUMBER);
            let (negative, digits, exp) = json::number_parts(n);
            encode_decimal(negative, &digits, exp, out);
        }
        Json::Bool(b) => {
            out.push(J_BOOL);
            out.push(u8::from(*b));
        }
        Json::Array(items) => {
            out.push(J_ARRAY);
            out.extend_from_slice(&(items.len() as u32).to_be_bytes());
            out.push(1);
            for item in items {
                encode_jsonb(item, out);
            }
        }
        Json::Object(map) => {
            out.push(J_OBJECT);
            out.extend_from_slice(&(map.len() as u32).to_be_bytes());
            for (k, v) in json::sorted_pairs(map) {
                encode_bytes(k.as_bytes(), out);
                encode_jsonb(v, out);
            }
        }
    }
}

fn corrupt(what: &str) -> DbError {
    DbError::new(
        ErrorCode::DataCorrupted,
        format!("corrupt index key: {what}"),
    )
}

/// Reads key bytes, undoing the inversion of descending columns.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    mask: u8,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, DbError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| corrupt("truncated"))?;
        self.pos += 1;
        Ok(b ^ self.mask)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DbError> {
        let mut a = [0u8; N];
        for b in &mut a {
            *b = self.byte()?;
        }
        Ok(a)
    }

    fn escaped(&mut self) -> Result<Vec<u8>, DbError> {
        let mut out = Vec::new();
        loop {
            let b = self.byte()?;
            if b != 0 {
                out.push(b);
                continue;
            }
            match self.byte()? {
                0xFF => out.push(0),
                0x01 => return Ok(out),
                _ => return Err(corrupt("bad string escape")),
            }
        }
    }
}

/// Decodes a key written by [`encode_key`] with the same `desc`, given the column types.
/// Interval and jsonb columns cannot be decoded (their keys keep only the order).
pub fn decode_key(bytes: &[u8], types: &[DataType], desc: &[bool]) -> Result<Vec<Value>, DbError> {
    let mut out = Vec::with_capacity(types.len());
    let mut r = Reader {
        bytes,
        pos: 0,
        mask: 0,
    };
    for (i, ty) in types.iter().enumerate() {
        r.mask = if desc.get(i).copied().unwrap_or(false) {
            0xFF
        } else {
            0
        };
        match r.byte()? {
            TAG_NULL => {
                out.push(Value::Null);
                continue;
            }
            TAG_VALUE => {}
            _ => return Err(corrupt("bad column tag")),
        }
        out.push(decode_value(&mut r, ty)?);
    }
    if r.pos != bytes.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(out)
}

fn decode_value(r: &mut Reader<'_>, ty: &DataType) -> Result<Value, DbError> {
    Ok(match ty {
        DataType::Bool => Value::Bool(r.byte()? != 0),
        DataType::Int2 => Value::Int2((u16::from_be_bytes(r.array()?) ^ 0x8000) as i16),
        DataType::Int4 => Value::Int4((u32::from_be_bytes(r.array()?) ^ 0x8000_0000) as i32),
        DataType::Date => Value::Date((u32::from_be_bytes(r.array()?) ^ 0x8000_0000) as i32),
        DataType::Int8 | DataType::Time | DataType::Timestamp | DataType::TimestampTz => {
            let v = (u64::from_be_bytes(r.array()?) ^ (1 << 63)) as i64;
            match ty {
                DataType::Int8 => Value::Int8(v),
                DataType::Time => Value::Time(v),
                DataType::Timestamp => Value::Timestamp(v),
                _ => Value::TimestampTz(v),
            }
        }
        DataType::Float4 => {
            let k = u32::from_be_bytes(r.array()?);
            let bits = if k >> 31 == 1 { k ^ (1 << 31) } else { !k };
            Value::Float4(f32::from_bits(bits))
        }
        DataType::Float8 => {
            let k = u64::from_be_bytes(r.array()?);
            let bits = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
            Value::Float8(f64::from_bits(bits))
        }
        DataType::Numeric { .. } => Value::Numeric(decode_decimal(r)?),
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown => {
            Value::Text(String::from_utf8(r.escaped()?).map_err(|_| corrupt("invalid UTF-8"))?)
        }
        DataType::Bytea => Value::Bytea(r.escaped()?),
        DataType::Uuid => Value::Uuid(r.array()?),
        DataType::Interval | DataType::Jsonb | DataType::Array(_) => {
            return Err(DbError::internal(format!(
                "index keys of type {} cannot be decoded",
                ty.sql_name()
            )));
        }
    })
}

fn decode_decimal(r: &mut Reader<'_>) -> Result<Decimal, DbError> {
    let class = r.byte()?;
    if class == 0x02 {
        return Ok(Decimal::ZERO);
    }
    let negative = match class {
        0x01 => true,
        0x03 => false,
        _ => return Err(corrupt("bad numeric sign")),
    };
    let outer = r.mask;
    if negative {
        r.mask = !r.mask;
    }
    let lead = (u32::from_be_bytes(r.array()?) ^ (1 << 31)) as i32;
    let mut digits = Vec::new();
    loop {
        let b = r.byte()?;
        if b == 0 {
            break;
        }
        if b > 100 {
            return Err(corrupt("bad numeric digit"));
        }
        digits.push((b - 1) / 10);
        digits.push((b - 1) % 10);
    }
    r.mask = outer;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    // value = 0.digits × 10^lead = digits × 10^(lead - len)
    let scale = digits.len() as i64 - i64::from(lead);
    decimal_from_digits(negative, &digits, scale).ok_or_else(|| corrupt("numeric out of range"))
}

#[cfg(test)]
mod tests;
