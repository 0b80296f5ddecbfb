//! Arithmetic on numbers, dates, times and intervals, with PostgreSQL's overflow and
//! division-by-zero errors.

use rust_decimal::Decimal;
use rustydb_common::DbError;

use super::BinaryOp;
use crate::types::datetime::{arith as dt, interval};
use crate::types::float::{check_f32, check_f64};
use crate::types::{DataType, Value, errors, numeric};

/// An integer operand with its width (2, 4 or 8 bytes).
fn as_int(v: &Value) -> Option<(i64, u8)> {
    match v {
        Value::Int2(i) => Some((i64::from(*i), 2)),
        Value::Int4(i) => Some((i64::from(*i), 4)),
        Value::Int8(i) => Some((*i, 8)),
        _ => None,
    }
}

fn int_value(v: i64, width: u8) -> Result<Value, DbError> {
    Ok(match width {
        2 => Value::Int2(i16::try_from(v).map_err(|_| errors::out_of_range(&DataType::Int2))?),
        4 => Value::Int4(i32::try_from(v).map_err(|_| errors::out_of_range(&DataType::Int4))?),
        _ => Value::Int8(v),
    })
}

fn width_type(width: u8) -> DataType {
    match width {
        2 => DataType::Int2,
        4 => DataType::Int4,
        _ => DataType::Int8,
    }
}

fn int_arith(op: BinaryOp, a: i64, b: i64, width: u8) -> Result<Value, DbError> {
    let oor = || errors::out_of_range(&width_type(width));
    let r = match op {
        BinaryOp::Plus => a.checked_add(b).ok_or_else(oor)?,
        BinaryOp::Minus => a.checked_sub(b).ok_or_else(oor)?,
        BinaryOp::Multiply => a.checked_mul(b).ok_or_else(oor)?,
        BinaryOp::Divide => {
            if b == 0 {
                return Err(errors::division_by_zero());
            }
            a.checked_div(b).ok_or_else(oor)?
        }
        BinaryOp::Modulo => {
            if b == 0 {
                return Err(errors::division_by_zero());
            }
            if b == -1 { 0 } else { a % b }
        }
        _ => return Err(DbError::internal("int_arith on a non-arithmetic operator")),
    };
    int_value(r, width)
}

fn f64_arith(op: BinaryOp, a: f64, b: f64) -> Result<f64, DbError> {
    let inf_in = a.is_infinite() || b.is_infinite();
    match op {
        BinaryOp::Plus => check_f64(a + b, inf_in, true),
        BinaryOp::Minus => check_f64(a - b, inf_in, true),
        BinaryOp::Multiply => check_f64(a * b, inf_in, a == 0.0 || b == 0.0),
        BinaryOp::Divide => {
            if b == 0.0 && !a.is_nan() {
                return Err(errors::division_by_zero());
            }
            check_f64(a / b, a.is_infinite(), a == 0.0 || b.is_infinite())
        }
        BinaryOp::Power => float_power(a, b),
        _ => Err(super::super::errors::undefined_operator(
            op.symbol(),
            Some(&DataType::Float8),
            &DataType::Float8,
        )),
    }
}

fn f32_arith(op: BinaryOp, a: f32, b: f32) -> Result<f32, DbError> {
    let inf_in = a.is_infinite() || b.is_infinite();
    match op {
        BinaryOp::Plus => check_f32(a + b, inf_in, true),
        BinaryOp::Minus => check_f32(a - b, inf_in, true),
        BinaryOp::Multiply => check_f32(a * b, inf_in, a == 0.0 || b == 0.0),
        BinaryOp::Divide => {
            if b == 0.0 && !a.is_nan() {
                return Err(errors::division_by_zero());
            }
            check_f32(a / b, a.is_infinite(), a == 0.0 || b.is_infinite())
        }
        _ => Err(errors::undefined_operator(
            op.symbol(),
            Some(&DataType::Float4),
            &DataType::Float4,
        )),
    }
}

/// `float8 ^ float8` with PostgreSQL's special cases.
pub(crate) fn float_power(a: f64, b: f64) -> Result<f64, DbError> {
    if a == 0.0 && b < 0.0 {
        return Err(errors::data(
            "2201F",
            "zero raised to a negative power is undefined",
        ));
    }
    if a < 0.0 && b.floor() != b && b.is_finite() {
        return Err(errors::data(
            "2201F",
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    if a.is_nan() {
        return Ok(if b == 0.0 { 1.0 } else { f64::NAN });
    }
    if b.is_nan() {
        return Ok(if a == 1.0 { 1.0 } else { f64::NAN });
    }
    let r = a.powf(b);
    let r = check_f64(r, a.is_infinite() || b.is_infinite(), true)?;
    if r == 0.0 && a != 0.0 && !b.is_infinite() && a.abs() != f64::INFINITY {
        return Err(errors::float_underflow());
    }
    Ok(r)
}

fn dec_arith(op: BinaryOp, a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    match op {
        BinaryOp::Plus => numeric::add(a, b),
        BinaryOp::Minus => numeric::sub(a, b),
        BinaryOp::Multiply => numeric::mul(a, b),
        BinaryOp::Divide => numeric::div(a, b),
        BinaryOp::Modulo => numeric::rem(a, b),
        BinaryOp::Power => numeric::power(a, b),
        _ => Err(DbError::internal("dec_arith on a non-arithmetic operator")),
    }
}

fn as_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Numeric(d) => Some(*d),
        other => as_int(other).map(|(i, _)| Decimal::from(i)),
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float4(f) => Some(f64::from(*f)),
        Value::Float8(f) => Some(*f),
        Value::Numeric(d) => Some(numeric::to_f64(d)),
        other => as_int(other).map(|(i, _)| i as f64),
    }
}

fn mismatch(op: BinaryOp, a: &Value, b: &Value) -> DbError {
    errors::undefined_operator(
        op.symbol(),
        Some(&crate::types::cast::value_type(a)),
        &crate::types::cast::value_type(b),
    )
}

/// `+ - * / % ^` on any operand pair PostgreSQL defines them for.
pub(super) fn eval(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, DbError> {
    use BinaryOp::*;
    use Value as V;
    // Numbers.
    if let (Some((x, wx)), Some((y, wy))) = (as_int(a), as_int(b)) {
        if op == Power {
            return Ok(V::Float8(float_power(x as f64, y as f64)?));
        }
        return int_arith(op, x, y, wx.max(wy));
    }
    let is_float = |v: &Value| matches!(v, V::Float4(_) | V::Float8(_));
    if is_float(a) || is_float(b) {
        if let (V::Float4(x), V::Float4(y), false) = (a, b, matches!(op, Power | Modulo)) {
            return Ok(V::Float4(f32_arith(op, *x, *y)?));
        }
        if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
            if op == Modulo {
                return Err(mismatch(op, a, b));
            }
            return Ok(V::Float8(f64_arith(op, x, y)?));
        }
    }
    if let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b)) {
        return Ok(V::Numeric(dec_arith(op, &x, &y)?));
    }
    // Interval scaling: interval * number, number * interval, interval / number.
    if let (V::Interval(iv), Some(f)) = (a, as_f64(b)) {
        return match op {
            Multiply => Ok(V::Interval(interval::mul(iv, f)?)),
            Divide => Ok(V::Interval(interval::div(iv, f)?)),
            _ => Err(mismatch(op, a, b)),
        };
    }
    if let (Some(f), V::Interval(iv), Multiply) = (as_f64(a), b, op) {
        return Ok(V::Interval(interval::mul(iv, f)?));
    }
    // Dates and times.
    Ok(match (op, a, b) {
        (Plus, V::Date(d), other) | (Plus, other, V::Date(d)) if as_int(other).is_some() => {
            V::Date(dt::date_add_days(*d, as_int(other).map_or(0, |(i, _)| i))?)
        }
        (Minus, V::Date(d), other) if as_int(other).is_some() => {
            V::Date(dt::date_add_days(*d, -as_int(other).map_or(0, |(i, _)| i))?)
        }
        (Minus, V::Date(x), V::Date(y)) => V::Int4(dt::date_diff(*x, *y)?),
        (Plus, V::Date(d), V::Interval(iv)) | (Plus, V::Interval(iv), V::Date(d)) => V::Timestamp(
            dt::timestamp_add_interval(crate::types::datetime::date_to_timestamp(*d)?, iv)?,
        ),
        (Minus, V::Date(d), V::Interval(iv)) => V::Timestamp(dt::timestamp_sub_interval(
            crate::types::datetime::date_to_timestamp(*d)?,
            iv,
        )?),
        (Plus, V::Date(d), V::Time(t)) | (Plus, V::Time(t), V::Date(d)) => {
            V::Timestamp(dt::date_add_time(*d, *t)?)
        }
        (Plus, V::Timestamp(t), V::Interval(iv)) | (Plus, V::Interval(iv), V::Timestamp(t)) => {
            V::Timestamp(dt::timestamp_add_interval(*t, iv)?)
        }
        (Plus, V::TimestampTz(t), V::Interval(iv)) | (Plus, V::Interval(iv), V::TimestampTz(t)) => {
            V::TimestampTz(dt::timestamp_add_interval(*t, iv)?)
        }
        (Minus, V::Timestamp(t), V::Interval(iv)) => {
            V::Timestamp(dt::timestamp_sub_interval(*t, iv)?)
        }
        (Minus, V::TimestampTz(t), V::Interval(iv)) => {
            V::TimestampTz(dt::timestamp_sub_interval(*t, iv)?)
        }
        (Minus, V::Timestamp(x) | V::TimestampTz(x), V::Timestamp(y) | V::TimestampTz(y)) => {
            V::Interval(dt::timestamp_diff(*x, *y)?)
        }
        (Minus, V::Date(d), V::Timestamp(y) | V::TimestampTz(y)) => V::Interval(
            dt::timestamp_diff(crate::types::datetime::date_to_timestamp(*d)?, *y)?,
        ),
        (Minus, V::Timestamp(x) | V::TimestampTz(x), V::Date(d)) => V::Interval(
            dt::timestamp_diff(*x, crate::types::datetime::date_to_timestamp(*d)?)?,
        ),
        (Plus, V::Time(t), V::Interval(iv)) | (Plus, V::Interval(iv), V::Time(t)) => {
            V::Time(dt::time_add_interval(*t, iv))
        }
        (Minus, V::Time(t), V::Interval(iv)) => V::Time(dt::time_sub_interval(*t, iv)),
        (Minus, V::Time(x), V::Time(y)) => V::Interval(dt::time_diff(*x, *y)),
        (Plus, V::Interval(x), V::Interval(y)) => V::Interval(interval::add(x, y)?),
        (Minus, V::Interval(x), V::Interval(y)) => V::Interval(interval::sub(x, y)?),
        _ => return Err(mismatch(op, a, b)),
    })
}

/// `& | # << >>` on integers.
pub(super) fn eval_bitwise(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, DbError> {
    let (Some((x, wx)), Some((y, wy))) = (as_int(a), as_int(b)) else {
        return Err(mismatch(op, a, b));
    };
    let shift = matches!(op, BinaryOp::ShiftLeft | BinaryOp::ShiftRight);
    // Shifts keep the left operand's width; the others use the wider one.
    let width = if shift { wx } else { wx.max(wy) };
    let r = match op {
        BinaryOp::BitAnd => x & y,
        BinaryOp::BitOr => x | y,
        BinaryOp::BitXor => x ^ y,
        _ => {
            // C shifts on x86: the count is masked to the promoted width (32 bits for
            // int2/int4, 64 for int8), and int2 results are truncated back.
            let count = y as u32;
            let left = op == BinaryOp::ShiftLeft;
            match width {
                8 => {
                    if left {
                        x.wrapping_shl(count)
                    } else {
                        x.wrapping_shr(count)
                    }
                }
                _ => {
                    let v = x as i32;
                    let r = if left {
                        v.wrapping_shl(count)
                    } else {
                        v.wrapping_shr(count)
                    };
                    if width == 2 {
                        i64::from(r as i16)
                    } else {
                        i64::from(r)
                    }
                }
            }
        }
    };
    int_value(r, width)
}

/// Unary minus.
pub(super) fn negate(v: &Value) -> Result<Value, DbError> {
    Ok(match v {
        Value::Int2(i) => Value::Int2(
            i.checked_neg()
                .ok_or_else(|| errors::out_of_range(&DataType::Int2))?,
        ),
        Value::Int4(i) => Value::Int4(
            i.checked_neg()
                .ok_or_else(|| errors::out_of_range(&DataType::Int4))?,
        ),
        Value::Int8(i) => Value::Int8(
            i.checked_neg()
                .ok_or_else(|| errors::out_of_range(&DataType::Int8))?,
        ),
        Value::Float4(f) => Value::Float4(-f),
        Value::Float8(f) => Value::Float8(-f),
        Value::Numeric(d) => {
            let mut n = -*d;
            if n.is_zero() {
                n.set_sign_positive(true);
            }
            Value::Numeric(n)
        }
        Value::Interval(iv) => Value::Interval(interval::neg(iv)?),
        other => {
            return Err(errors::undefined_operator(
                "-",
                None,
                &crate::types::cast::value_type(other),
            ));
        }
    })
}
