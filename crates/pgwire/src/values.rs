//! Values on the wire: type OIDs, RowDescription fields, and the text and binary
//! formats of every supported type.
//!
//! The text format is the engine's own output function (`types::text::format_value`),
//! so what a client sees is what psql shows from PostgreSQL. The binary formats are
//! PostgreSQL's `*send`/`*recv` functions: integers and floats big-endian; `date` days,
//! `time`/`timestamp`/`timestamptz` microseconds since 2000-01-01 (the engine's own
//! representation); `interval` as microseconds, days, months; `uuid` 16 bytes; `jsonb`
//! a version byte 1 and the text; `numeric` as base-10000 digits with weight, sign and
//! display scale, converted exactly from and to the engine's decimal.
//! One-dimensional arrays go out as `array_send` does (text format: `{a,b}`); array
//! parameters are accepted in the text format only.

use bytes::{BufMut, BytesMut};
use pgwire::messages::data::FieldDescription;
use rust_decimal::Decimal;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::plan::logical::Column;
use rustydb_sql::types::text::{format_value, parse_value};
use rustydb_sql::types::{DataType, Interval, Value};

/// The type a Parse message's parameter OID declares (0 = let the engine infer).
pub(crate) fn type_from_oid(oid: u32) -> Result<DataType, DbError> {
    Ok(match oid {
        0 | 705 => DataType::Unknown,
        16 => DataType::Bool,
        17 => DataType::Bytea,
        20 => DataType::Int8,
        21 => DataType::Int2,
        23 => DataType::Int4,
        25 => DataType::Text,
        700 => DataType::Float4,
        701 => DataType::Float8,
        // An unbounded bpchar parameter: our `Char(None)` means char(1), so take the
        // text as is and let the statement's cast pad or check it.
        1042 => DataType::Text,
        1043 => DataType::Varchar(None),
        1082 => DataType::Date,
        1083 => DataType::Time,
        1114 => DataType::Timestamp,
        1184 => DataType::TimestampTz,
        1186 => DataType::Interval,
        1700 => DataType::Numeric {
            precision: None,
            scale: None,
        },
        2950 => DataType::Uuid,
        3802 => DataType::Jsonb,
        other => {
            return Err(DbError::from_template(
                ErrorCode::FeatureNotSupported,
                &[("feature", &format!("parameter type with OID {other}"))],
            )
            .with_hint(
                "RustyDB's types are listed in docs/sql.md; declare the parameter as one of \
                 them or leave its type unspecified (OID 0).",
            ));
        }
    })
}

/// The OID a client is told for a type: unresolved (`unknown`) parameters and columns
/// are reported as `text`, as PostgreSQL resolves them.
pub(crate) fn wire_oid(ty: &DataType) -> u32 {
    match ty {
        DataType::Unknown => DataType::Text.oid(),
        t => t.oid(),
    }
}

/// The type length a client is told: that of `text` for unresolved columns.
fn wire_type_len(ty: &DataType) -> i16 {
    match ty {
        DataType::Unknown => DataType::Text.type_len(),
        t => t.type_len(),
    }
}

/// RowDescription fields for `columns` with the result formats of a Bind (`formats`:
/// none = all text, one = all columns, else one per column).
pub(crate) fn row_fields(columns: &[Column], formats: &[i16]) -> Vec<FieldDescription> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            FieldDescription::new(
                c.name.clone(),
                0,
                0,
                wire_oid(&c.ty),
                wire_type_len(&c.ty),
                c.ty.typmod(),
                format_of(formats, i),
            )
        })
        .collect()
}

/// The format code of column / parameter `i` under a Bind's format list.
pub(crate) fn format_of(formats: &[i16], i: usize) -> i16 {
    match formats {
        [] => 0,
        [one] => *one,
        many => many.get(i).copied().unwrap_or(0),
    }
}

/// Writes `v` in the text format.
pub(crate) fn put_text(v: &Value, out: &mut BytesMut) {
    match v {
        Value::Text(s) => out.put_slice(s.as_bytes()),
        Value::Int4(i) => out.put_slice(i.to_string().as_bytes()),
        Value::Int8(i) => out.put_slice(i.to_string().as_bytes()),
        other => out.put_slice(format_value(other).as_bytes()),
    }
}

/// Writes `v`, a value of column type `ty`, in the binary format.
pub(crate) fn put_binary(v: &Value, ty: &DataType, out: &mut BytesMut) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.put_u8(u8::from(*b)),
        Value::Int2(i) => match ty {
            DataType::Int4 => out.put_i32(i32::from(*i)),
            DataType::Int8 => out.put_i64(i64::from(*i)),
            _ => out.put_i16(*i),
        },
        Value::Int4(i) => match ty {
            DataType::Int8 => out.put_i64(i64::from(*i)),
            _ => out.put_i32(*i),
        },
        Value::Int8(i) => out.put_i64(*i),
        Value::Float4(f) => match ty {
            DataType::Float8 => out.put_f64(f64::from(*f)),
            _ => out.put_f32(*f),
        },
        Value::Float8(f) => out.put_f64(*f),
        Value::Numeric(d) => put_numeric(d, out),
        Value::Text(s) => out.put_slice(s.as_bytes()),
        Value::Bytea(b) => out.put_slice(b),
        Value::Date(d) => out.put_i32(*d),
        Value::Time(t) | Value::Timestamp(t) | Value::TimestampTz(t) => out.put_i64(*t),
        Value::Interval(iv) => {
            out.put_i64(iv.micros);
            out.put_i32(iv.days);
            out.put_i32(iv.months);
        }
        Value::Uuid(u) => out.put_slice(u),
        Value::Jsonb(_) => {
            out.put_u8(1);
            out.put_slice(format_value(v).as_bytes());
        }
        Value::Array(items) => put_binary_array(items, ty, out),
    }
}

/// PostgreSQL's `array_send` for a one-dimensional array: ndim (0 when empty), a
/// has-nulls flag, the element OID, then length and lower bound 1, then each element
/// as a length (-1 for NULL) and its binary form.
fn put_binary_array(items: &[Value], ty: &DataType, out: &mut BytesMut) {
    let elem = match ty {
        DataType::Array(e) => e.as_ref().clone(),
        _ => DataType::Unknown,
    };
    out.put_i32(i32::from(!items.is_empty()));
    out.put_i32(i32::from(items.iter().any(Value::is_null)));
    out.put_u32(wire_oid(&elem));
    if !items.is_empty() {
        out.put_i32(i32::try_from(items.len()).unwrap_or(i32::MAX));
        out.put_i32(1);
    }
    for item in items {
        if item.is_null() {
            out.put_i32(-1);
            continue;
        }
        let mut buf = BytesMut::new();
        put_binary(item, &elem, &mut buf);
        out.put_i32(i32::try_from(buf.len()).unwrap_or(i32::MAX));
        out.put_slice(&buf);
    }
}

/// Whether the binary writer above agrees with the column's declared type for `v`
/// (the engine hands back values of the column's type; this guards the rare
/// mismatch, which is then cast first).
pub(crate) fn binary_matches(v: &Value, ty: &DataType) -> bool {
    matches!(
        (v, ty),
        (Value::Null, _)
            | (Value::Bool(_), DataType::Bool)
            | (
                Value::Int2(_),
                DataType::Int2 | DataType::Int4 | DataType::Int8
            )
            | (Value::Int4(_), DataType::Int4 | DataType::Int8)
            | (Value::Int8(_), DataType::Int8)
            | (Value::Float4(_), DataType::Float4 | DataType::Float8)
            | (Value::Float8(_), DataType::Float8)
            | (Value::Numeric(_), DataType::Numeric { .. })
            | (
                Value::Text(_),
                DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown
            )
            | (Value::Bytea(_), DataType::Bytea)
            | (Value::Date(_), DataType::Date)
            | (Value::Time(_), DataType::Time)
            | (Value::Timestamp(_), DataType::Timestamp)
            | (Value::TimestampTz(_), DataType::TimestampTz)
            | (Value::Interval(_), DataType::Interval)
            | (Value::Uuid(_), DataType::Uuid)
            | (Value::Jsonb(_), DataType::Jsonb)
    ) || match (v, ty) {
        (Value::Array(items), DataType::Array(elem)) => {
            // An `unknown[]` array is sent as text[], whose elements are text.
            let elem = if **elem == DataType::Unknown {
                &DataType::Text
            } else {
                elem.as_ref()
            };
            items.iter().all(|i| binary_matches(i, elem))
        }
        _ => false,
    }
}

/// PostgreSQL's `numeric_send`: ndigits, weight, sign, dscale, base-10000 digits.
fn put_numeric(d: &Decimal, out: &mut BytesMut) {
    let scale = d.scale() as usize;
    let digits = d.mantissa().unsigned_abs().to_string();
    let (int_part, frac_part) = if digits.len() > scale {
        let (i, f) = digits.split_at(digits.len() - scale);
        (i.to_string(), f.to_string())
    } else {
        (
            String::new(),
            format!("{}{digits}", "0".repeat(scale - digits.len())),
        )
    };
    let int_part = int_part.trim_start_matches('0');
    let pad = (4 - int_part.len() % 4) % 4;
    let int_padded = format!("{}{int_part}", "0".repeat(pad));
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let frac_padded = format!("{frac_part}{}", "0".repeat(frac_pad));
    let group = |s: &str| -> Vec<i16> {
        s.as_bytes()
            .chunks(4)
            .map(|c| c.iter().fold(0i16, |a, b| a * 10 + i16::from(b - b'0')))
            .collect()
    };
    let ints = group(&int_padded);
    let mut groups = ints.clone();
    groups.extend(group(&frac_padded));
    let mut weight = ints.len() as i32 - 1;
    let lead = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..lead);
    weight -= lead as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let negative = d.is_sign_negative() && !groups.is_empty();
    if groups.is_empty() {
        weight = 0;
    }
    out.put_i16(groups.len() as i16);
    out.put_i16(weight as i16);
    out.put_u16(if negative { 0x4000 } else { 0 });
    out.put_u16(scale as u16);
    for g in groups {
        out.put_i16(g);
    }
}

fn bad_binary(n: usize) -> DbError {
    DbError::new(
        ErrorCode::DataException,
        format!("incorrect binary data format in bind parameter {n}"),
    )
    .with_sqlstate("22P03")
    .with_hint("The driver sent a binary value that does not match the parameter's type.")
}

/// Decodes bind parameter `n` (1-based) sent in the binary format as type `ty`.
pub(crate) fn decode_binary(b: &[u8], ty: &DataType, n: usize) -> Result<Value, DbError> {
    let bad = || bad_binary(n);
    let fixed =
        |len: usize| -> Result<&[u8], DbError> { if b.len() == len { Ok(b) } else { Err(bad()) } };
    Ok(match ty {
        DataType::Bool => Value::Bool(fixed(1)?[0] != 0),
        DataType::Int2 => Value::Int2(i16::from_be_bytes(arr(fixed(2)?))),
        DataType::Int4 => Value::Int4(i32::from_be_bytes(arr(fixed(4)?))),
        DataType::Int8 => Value::Int8(i64::from_be_bytes(arr(fixed(8)?))),
        DataType::Float4 => Value::Float4(f32::from_be_bytes(arr(fixed(4)?))),
        DataType::Float8 => Value::Float8(f64::from_be_bytes(arr(fixed(8)?))),
        DataType::Numeric { .. } => {
            let text = numeric_text(b).ok_or_else(bad)?;
            parse_value(&text, ty)?
        }
        DataType::Text | DataType::Unknown | DataType::Varchar(_) | DataType::Char(_) => {
            let s = std::str::from_utf8(b).map_err(|_| invalid_utf8())?;
            match ty {
                DataType::Text | DataType::Unknown => Value::Text(s.to_string()),
                _ => parse_value(s, ty)?,
            }
        }
        DataType::Bytea => Value::Bytea(b.to_vec()),
        DataType::Date => Value::Date(i32::from_be_bytes(arr(fixed(4)?))),
        DataType::Time => Value::Time(i64::from_be_bytes(arr(fixed(8)?))),
        DataType::Timestamp => Value::Timestamp(i64::from_be_bytes(arr(fixed(8)?))),
        DataType::TimestampTz => Value::TimestampTz(i64::from_be_bytes(arr(fixed(8)?))),
        DataType::Interval => {
            let b = fixed(16)?;
            Value::Interval(Interval {
                micros: i64::from_be_bytes(arr(&b[..8])),
                days: i32::from_be_bytes(arr(&b[8..12])),
                months: i32::from_be_bytes(arr(&b[12..])),
            })
        }
        DataType::Uuid => Value::Uuid(arr(fixed(16)?)),
        DataType::Jsonb => {
            let (&version, rest) = b.split_first().ok_or_else(bad)?;
            if version != 1 {
                return Err(DbError::new(
                    ErrorCode::DataException,
                    format!("unsupported jsonb version number {version}"),
                )
                .with_sqlstate("22P03"));
            }
            let s = std::str::from_utf8(rest).map_err(|_| invalid_utf8())?;
            parse_value(s, ty)?
        }
        DataType::Array(_) => {
            return Err(DbError::from_template(
                ErrorCode::FeatureNotSupported,
                &[("feature", &"binary-format array parameters")],
            )
            .with_hint("Send array parameters in the text format ({1,2,3})."));
        }
    })
}

/// Decodes a text-format parameter: the engine parses it as the parameter's type.
pub(crate) fn decode_text(b: &[u8]) -> Result<Value, DbError> {
    std::str::from_utf8(b)
        .map(|s| Value::Text(s.to_string()))
        .map_err(|_| invalid_utf8())
}

fn invalid_utf8() -> DbError {
    DbError::new(
        ErrorCode::DataException,
        "invalid byte sequence for encoding \"UTF8\"",
    )
    .with_sqlstate("22021")
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    a
}

/// PostgreSQL's binary numeric as decimal text (`None` if malformed or NaN/infinity,
/// which the engine's numeric does not hold).
fn numeric_text(b: &[u8]) -> Option<String> {
    if b.len() < 8 {
        return None;
    }
    let ndigits = i16::from_be_bytes([b[0], b[1]]);
    let weight = i16::from_be_bytes([b[2], b[3]]) as i32;
    let sign = u16::from_be_bytes([b[4], b[5]]);
    let dscale = u16::from_be_bytes([b[6], b[7]]) as usize;
    if ndigits < 0 || b.len() != 8 + 2 * ndigits as usize || dscale > 1000 {
        return None;
    }
    let digits: Vec<i32> = b[8..]
        .chunks(2)
        .map(|c| i32::from(i16::from_be_bytes([c[0], c[1]])))
        .collect();
    if digits.iter().any(|d| !(0..10000).contains(d)) || !(-1000..1000).contains(&weight) {
        return None;
    }
    let negative = match sign {
        0 => false,
        0x4000 => true,
        _ => return None,
    };
    let digit = |i: i32| -> i32 {
        if i >= 0 {
            digits.get(i as usize).copied().unwrap_or(0)
        } else {
            0
        }
    };
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    } else {
        s.push_str(&digit(0).to_string());
        for i in 1..=weight {
            s.push_str(&format!("{:04}", digit(i)));
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        let mut i = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(i)));
            i += 1;
        }
        frac.truncate(dscale);
        s.push('.');
        s.push_str(&frac);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn roundtrip(s: &str) -> String {
        let d = Decimal::from_str(s).unwrap();
        let mut out = BytesMut::new();
        put_numeric(&d, &mut out);
        numeric_text(&out).unwrap()
    }

    #[test]
    fn numeric_binary_round_trips_exactly() {
        for s in [
            "0",
            "0.00",
            "1",
            "-1",
            "12345.6789",
            "0.0001",
            "-0.000012",
            "10000",
            "99999999.5",
            "123456789012345678901234.5678",
            "0.1",
            "100.100",
        ] {
            assert_eq!(roundtrip(s), s, "{s}");
        }
    }

    #[test]
    fn numeric_layout_matches_postgres() {
        // numeric_send('12345.6789') = ndigits 3, weight 1, sign 0, dscale 4, 1 2345 6789
        let mut out = BytesMut::new();
        put_numeric(&Decimal::from_str("12345.6789").unwrap(), &mut out);
        assert_eq!(
            &out[..],
            &[0, 3, 0, 1, 0, 0, 0, 4, 0, 1, 0x09, 0x29, 0x1a, 0x85][..]
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn array_binary_matches_postgres_array_send() {
        // Expected bytes: PostgreSQL 15's array_send of the same values.
        let ty = DataType::Array(Box::new(DataType::Int4));
        let v = Value::Array(Box::new(vec![Value::Int4(1), Value::Null, Value::Int4(3)]));
        assert!(binary_matches(&v, &ty));
        let mut out = BytesMut::new();
        put_binary(&v, &ty, &mut out);
        assert_eq!(
            hex(&out),
            "00000001000000010000001700000003000000010000000400000001ffffffff0000000400000003"
        );
        let mut out = BytesMut::new();
        put_binary(&Value::Array(Box::default()), &ty, &mut out);
        assert_eq!(hex(&out), "000000000000000000000017");
        let ty = DataType::Array(Box::new(DataType::Text));
        let v = Value::Array(Box::new(vec![
            Value::Text("ab".into()),
            Value::Text("c".into()),
        ]));
        let mut out = BytesMut::new();
        put_binary(&v, &ty, &mut out);
        assert_eq!(
            hex(&out),
            "00000001000000000000001900000002000000010000000261620000000163"
        );
        assert!(!binary_matches(
            &v,
            &DataType::Array(Box::new(DataType::Int4))
        ));
    }
}
