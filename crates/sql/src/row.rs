//! The binary row format of heap tuples: compact, little-endian, and fast to decode.
//!
//! ```text
//! row     := ncols:u16 nulls:[u8; ceil(ncols / 8)] value*
//! nulls   := bit i (byte i / 8, bit i % 8) set = column i is NULL (and has no value bytes)
//! value   := bool: 1 byte | int2: 2 | int4, date, real: 4 | int8, time, timestamp,
//!            timestamptz, double: 8 | numeric: 16 (rust_decimal's serialization) |
//!            interval: months:i32 days:i32 micros:i64 | uuid: 16 |
//!            text, varchar, char, bytea, jsonb: len:varint bytes (jsonb as its text)
//! ```
//!
//! A row carries no types: decoding takes the table's column types. Rows written before an
//! `ALTER TABLE ADD COLUMN` have fewer columns and decode with NULL for the missing trailing
//! ones. Values must already have the column's type (the binder's assignment cast makes
//! sure), since the width is the type's. Decoding checks every length and every value
//! (UTF-8, numeric scale, JSON syntax): corrupt bytes are an `ERR-STG-009` error, never a
//! panic. Fixed-width values decode without allocating; strings allocate only their own
//! buffer; [`decode_row_into`] reuses the output vector across rows and [`decode_columns`]
//! skips the columns a scan does not need.

use rust_decimal::Decimal;
use rustydb_common::{DbError, ErrorCode};

use crate::types::{DataType, Interval, Value};

fn corrupt(what: impl std::fmt::Display) -> DbError {
    DbError::new(ErrorCode::DataCorrupted, format!("corrupt row: {what}"))
}

fn put_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Encodes a row (at most 65535 columns).
pub fn encode_row(values: &[Value], out: &mut Vec<u8>) {
    let n = values.len().min(u16::MAX as usize);
    out.extend_from_slice(&(n as u16).to_le_bytes());
    let bitmap_at = out.len();
    out.resize(bitmap_at + n.div_ceil(8), 0);
    for (i, v) in values[..n].iter().enumerate() {
        match v {
            Value::Null => out[bitmap_at + i / 8] |= 1 << (i % 8),
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::Int2(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Int4(x) | Value::Date(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Int8(x) | Value::Time(x) | Value::Timestamp(x) | Value::TimestampTz(x) => {
                out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Float4(f) => out.extend_from_slice(&f.to_le_bytes()),
            Value::Float8(f) => out.extend_from_slice(&f.to_le_bytes()),
            Value::Numeric(d) => out.extend_from_slice(&d.serialize()),
            Value::Text(s) => {
                put_varint(s.len() as u64, out);
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bytea(b) => {
                put_varint(b.len() as u64, out);
                out.extend_from_slice(b);
            }
            Value::Interval(iv) => {
                out.extend_from_slice(&iv.months.to_le_bytes());
                out.extend_from_slice(&iv.days.to_le_bytes());
                out.extend_from_slice(&iv.micros.to_le_bytes());
            }
            Value::Uuid(u) => out.extend_from_slice(u),
            Value::Jsonb(j) => {
                let text = crate::types::json::format_jsonb(j);
                put_varint(text.len() as u64, out);
                out.extend_from_slice(text.as_bytes());
            }
            Value::Array(items) => {
                // The text form: exact for every element type (see `types::array`).
                let text = crate::types::array::format_array(items);
                put_varint(text.len() as u64, out);
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
}

/// A cursor over row bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], DbError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| corrupt("truncated value"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DbError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn varint(&mut self) -> Result<usize, DbError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            n |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| corrupt("length overflow"));
            }
        }
        Err(corrupt("bad varint"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], DbError> {
        let n = self.varint()?;
        self.take(n)
    }

    /// Skips one value of `ty` without decoding it.
    fn skip(&mut self, ty: &DataType) -> Result<(), DbError> {
        let width = fixed_width(ty);
        if width > 0 {
            self.take(width)?;
        } else {
            self.bytes()?;
        }
        Ok(())
    }
}

/// The width of a fixed-width type, 0 for variable-width ones.
fn fixed_width(ty: &DataType) -> usize {
    match ty {
        DataType::Bool => 1,
        DataType::Int2 => 2,
        DataType::Int4 | DataType::Date | DataType::Float4 => 4,
        DataType::Int8
        | DataType::Time
        | DataType::Timestamp
        | DataType::TimestampTz
        | DataType::Float8 => 8,
        DataType::Numeric { .. } | DataType::Interval | DataType::Uuid => 16,
        _ => 0,
    }
}

fn decode_value(c: &mut Cursor<'_>, ty: &DataType) -> Result<Value, DbError> {
    Ok(match ty {
        DataType::Bool => match c.take(1)?[0] {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            b => return Err(corrupt(format!("bad boolean byte {b}"))),
        },
        DataType::Int2 => Value::Int2(i16::from_le_bytes(c.array()?)),
        DataType::Int4 => Value::Int4(i32::from_le_bytes(c.array()?)),
        DataType::Date => Value::Date(i32::from_le_bytes(c.array()?)),
        DataType::Int8 => Value::Int8(i64::from_le_bytes(c.array()?)),
        DataType::Time => Value::Time(i64::from_le_bytes(c.array()?)),
        DataType::Timestamp => Value::Timestamp(i64::from_le_bytes(c.array()?)),
        DataType::TimestampTz => Value::TimestampTz(i64::from_le_bytes(c.array()?)),
        DataType::Float4 => Value::Float4(f32::from_le_bytes(c.array()?)),
        DataType::Float8 => Value::Float8(f64::from_le_bytes(c.array()?)),
        DataType::Numeric { .. } => {
            let b: [u8; 16] = c.array()?;
            // Flags: bits 16..24 the scale (at most 28), bit 31 the sign, the rest zero.
            let flags = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
                return Err(corrupt("bad numeric flags"));
            }
            Value::Numeric(Decimal::deserialize(b))
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown => {
            let b = c.bytes()?;
            Value::Text(
                std::str::from_utf8(b)
                    .map_err(|_| corrupt("invalid UTF-8"))?
                    .to_owned(),
            )
        }
        DataType::Bytea => Value::Bytea(c.bytes()?.to_vec()),
        DataType::Interval => {
            let months = i32::from_le_bytes(c.array()?);
            let days = i32::from_le_bytes(c.array()?);
            let micros = i64::from_le_bytes(c.array()?);
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        }
        DataType::Uuid => Value::Uuid(c.array()?),
        DataType::Jsonb => {
            let text = std::str::from_utf8(c.bytes()?).map_err(|_| corrupt("invalid UTF-8"))?;
            let j: serde_json::Value =
                serde_json::from_str(text).map_err(|e| corrupt(format!("bad jsonb: {e}")))?;
            Value::Jsonb(Box::new(j))
        }
        DataType::Array(elem) => {
            let text = std::str::from_utf8(c.bytes()?).map_err(|_| corrupt("invalid UTF-8"))?;
            crate::types::array::parse_array(text, elem, None)
                .map_err(|e| corrupt(format!("bad array: {e}")))?
        }
    })
}

/// Reads the header: (column count, null bitmap, cursor at the first value).
fn header<'a>(
    bytes: &'a [u8],
    types: &[DataType],
) -> Result<(usize, &'a [u8], Cursor<'a>), DbError> {
    let mut c = Cursor { bytes, pos: 0 };
    let n = usize::from(u16::from_le_bytes(c.array()?));
    if n > types.len() {
        return Err(corrupt(format!(
            "row has {n} columns, the table {}",
            types.len()
        )));
    }
    let bitmap = c.take(n.div_ceil(8))?;
    Ok((n, bitmap, c))
}

#[inline]
fn is_null(bitmap: &[u8], i: usize) -> bool {
    bitmap[i / 8] & (1 << (i % 8)) != 0
}

/// Decodes a row of a table with column types `types`.
pub fn decode_row(bytes: &[u8], types: &[DataType]) -> Result<Vec<Value>, DbError> {
    let mut out = Vec::with_capacity(types.len());
    decode_row_into(bytes, types, &mut out)?;
    Ok(out)
}

/// [`decode_row`] into `out` (cleared first), reusing its allocation across rows.
pub fn decode_row_into(
    bytes: &[u8],
    types: &[DataType],
    out: &mut Vec<Value>,
) -> Result<(), DbError> {
    out.clear();
    let (n, bitmap, mut c) = header(bytes, types)?;
    for (i, ty) in types.iter().enumerate() {
        if i >= n || is_null(bitmap, i) {
            out.push(Value::Null);
        } else {
            out.push(decode_value(&mut c, ty)?);
        }
    }
    if c.pos != bytes.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(())
}

/// Decodes only the columns at `columns` (strictly ascending indexes into `types`) into
/// `out` (cleared first), in that order, skipping the others without decoding them.
pub fn decode_columns(
    bytes: &[u8],
    types: &[DataType],
    columns: &[usize],
    out: &mut Vec<Value>,
) -> Result<(), DbError> {
    out.clear();
    if columns.windows(2).any(|w| w[0] >= w[1]) || columns.last().is_some_and(|c| *c >= types.len())
    {
        return Err(DbError::internal(
            "decode_columns needs ascending column indexes in range",
        ));
    }
    let (n, bitmap, mut c) = header(bytes, types)?;
    let mut wanted = columns.iter().peekable();
    for (i, ty) in types.iter().enumerate() {
        let Some(&&next) = wanted.peek() else { break };
        let present = i < n && !is_null(bitmap, i);
        if next == i {
            wanted.next();
            out.push(if present {
                decode_value(&mut c, ty)?
            } else {
                Value::Null
            });
        } else if present {
            c.skip(ty)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
