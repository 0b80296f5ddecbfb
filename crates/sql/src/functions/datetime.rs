//! Date/time functions: the clock (`now()` is the transaction's start, as PostgreSQL),
//! `date_trunc`, `date_part` / `extract`, `age`, `make_*`, `justify_*`, `isfinite`.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rustydb_common::DbError;

use super::args::{float, int, interval, text, timestamp};
use super::def::{NUM, f};
use super::{EvalContext, FuncDef};
use crate::types::datetime::fields::{self, FieldValue};
use crate::types::datetime::{
    self as dt, USECS_PER_DAY, USECS_PER_SEC, arith, date_is_infinite, days_in_month,
    interval as iv, ts_is_infinite,
};
use crate::types::{DataType as T, Interval, Value, errors, numeric};

type R = Result<Value, DbError>;

pub(crate) fn functions() -> Vec<FuncDef> {
    let mut v = vec![
        f("now", &[], T::TimestampTz, |_, c| {
            Ok(Value::TimestampTz(c.transaction_timestamp))
        })
        .stable(),
        f("current_timestamp", &[], T::TimestampTz, |_, c| {
            Ok(Value::TimestampTz(c.transaction_timestamp))
        })
        .stable(),
        f("transaction_timestamp", &[], T::TimestampTz, |_, c| {
            Ok(Value::TimestampTz(c.transaction_timestamp))
        })
        .stable(),
        f("statement_timestamp", &[], T::TimestampTz, |_, c| {
            Ok(Value::TimestampTz(c.statement_timestamp))
        })
        .stable(),
        f("clock_timestamp", &[], T::TimestampTz, |_, _| {
            Ok(Value::TimestampTz(dt::now_timestamptz()))
        })
        .volatile(),
        f("current_date", &[], T::Date, |_, c| {
            Ok(Value::Date(dt::timestamp_to_date(c.transaction_timestamp)?))
        })
        .stable(),
        f("localtimestamp", &[], T::Timestamp, |_, c| {
            Ok(Value::Timestamp(c.transaction_timestamp))
        })
        .stable(),
        f("localtime", &[], T::Time, |_, c| {
            Ok(Value::Time(
                c.transaction_timestamp.rem_euclid(USECS_PER_DAY),
            ))
        })
        .stable(),
        f(
            "date_trunc",
            &[T::Text, T::Timestamp],
            T::Timestamp,
            |a, _| {
                Ok(Value::Timestamp(fields::trunc_timestamp(
                    text(&a[0])?,
                    timestamp(&a[1])?,
                    false,
                )?))
            },
        ),
        f(
            "date_trunc",
            &[T::Text, T::TimestampTz],
            T::TimestampTz,
            |a, _| {
                Ok(Value::TimestampTz(fields::trunc_timestamp(
                    text(&a[0])?,
                    timestamp(&a[1])?,
                    true,
                )?))
            },
        ),
        f(
            "date_trunc",
            &[T::Text, T::Interval],
            T::Interval,
            |a, _| {
                Ok(Value::Interval(fields::trunc_interval(
                    text(&a[0])?,
                    &interval(&a[1])?,
                )?))
            },
        ),
        f("age", &[T::Timestamp, T::Timestamp], T::Interval, age2),
        f("age", &[T::TimestampTz, T::TimestampTz], T::Interval, age2),
        f("age", &[T::Timestamp], T::Interval, age1).stable(),
        f("age", &[T::TimestampTz], T::Interval, age1).stable(),
        f(
            "make_date",
            &[T::Int4, T::Int4, T::Int4],
            T::Date,
            make_date,
        ),
        f(
            "make_time",
            &[T::Int4, T::Int4, T::Float8],
            T::Time,
            make_time,
        ),
        f(
            "make_timestamp",
            &[T::Int4, T::Int4, T::Int4, T::Int4, T::Int4, T::Float8],
            T::Timestamp,
            |a, _| Ok(Value::Timestamp(make_ts(a)?)),
        ),
        f(
            "make_timestamptz",
            &[T::Int4, T::Int4, T::Int4, T::Int4, T::Int4, T::Float8],
            T::TimestampTz,
            |a, _| Ok(Value::TimestampTz(make_ts(a)?)),
        ),
        f("justify_days", &[T::Interval], T::Interval, |a, _| {
            Ok(Value::Interval(iv::justify_days(&interval(&a[0])?)?))
        }),
        f("justify_hours", &[T::Interval], T::Interval, |a, _| {
            Ok(Value::Interval(iv::justify_hours(&interval(&a[0])?)?))
        }),
        f("justify_interval", &[T::Interval], T::Interval, |a, _| {
            Ok(Value::Interval(iv::justify_interval(&interval(&a[0])?)?))
        }),
        f("isfinite", &[T::Date], T::Bool, |a, _| match &a[0] {
            Value::Date(d) => Ok(Value::Bool(!date_is_infinite(*d))),
            other => Err(DbError::internal(format!("isfinite of {other:?}"))),
        }),
        f("isfinite", &[T::Timestamp], T::Bool, |a, _| {
            Ok(Value::Bool(!ts_is_infinite(timestamp(&a[0])?)))
        }),
        f("isfinite", &[T::TimestampTz], T::Bool, |a, _| {
            Ok(Value::Bool(!ts_is_infinite(timestamp(&a[0])?)))
        }),
        f("isfinite", &[T::Interval], T::Bool, |_, _| {
            Ok(Value::Bool(true))
        }),
    ];
    // make_interval(years, months, weeks, days, hours, mins, secs), trailing ones optional.
    let all = [
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Float8,
    ];
    for n in 0..=all.len() {
        v.push(f("make_interval", &all[..n], T::Interval, make_interval));
    }
    for ty in [T::Timestamp, T::TimestampTz, T::Date, T::Time, T::Interval] {
        v.push(f("date_part", &[T::Text, ty.clone()], T::Float8, date_part));
        v.push(f("extract", &[T::Text, ty], NUM, extract));
    }
    v
}

fn field_of(a: &[Value]) -> Result<Option<FieldValue>, DbError> {
    let name = text(&a[0])?;
    match &a[1] {
        Value::Timestamp(t) => fields::extract_timestamp(name, *t, false),
        Value::TimestampTz(t) => fields::extract_timestamp(name, *t, true),
        Value::Date(d) => fields::extract_date(name, *d),
        Value::Time(t) => fields::extract_time(name, *t),
        Value::Interval(i) => fields::extract_interval(name, i),
        other => Err(DbError::internal(format!("extract from {other:?}"))),
    }
}

/// `extract(field from x)`: numeric (infinite results cannot be numeric: 0A000).
fn extract(a: &[Value], _: &EvalContext) -> R {
    Ok(match field_of(a)? {
        None => Value::Null,
        Some(FieldValue::Number(d)) => Value::Numeric(d),
        Some(FieldValue::Infinite(_)) => return Err(numeric::not_finite()),
    })
}

/// `date_part(field, x)`: the same as double precision.
fn date_part(a: &[Value], _: &EvalContext) -> R {
    Ok(match field_of(a)? {
        None => Value::Null,
        Some(FieldValue::Number(d)) => Value::Float8(numeric::to_f64(&d)),
        Some(FieldValue::Infinite(pos)) => Value::Float8(if pos {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }),
    })
}

fn age2(a: &[Value], _: &EvalContext) -> R {
    Ok(Value::Interval(arith::age(
        timestamp(&a[0])?,
        timestamp(&a[1])?,
    )?))
}

/// `age(t)`: from midnight of the current date.
fn age1(a: &[Value], c: &EvalContext) -> R {
    let today = c.transaction_timestamp.div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
    Ok(Value::Interval(arith::age(today, timestamp(&a[0])?)?))
}

fn i32_arg(v: &Value) -> Result<i32, DbError> {
    i32::try_from(int(v)?).map_err(|_| errors::out_of_range(&T::Int4))
}

fn make_date(a: &[Value], _: &EvalContext) -> R {
    let (y, m, d) = (i32_arg(&a[0])?, i32_arg(&a[1])?, i32_arg(&a[2])?);
    Ok(Value::Date(date_from_parts(y, m, d)?))
}

/// A date from year (negative for BC), month, day, with make_date's errors.
fn date_from_parts(y: i32, m: i32, d: i32) -> Result<i32, DbError> {
    let bad = || {
        errors::data(
            "22008",
            format!("date field value out of range: {y}-{m:02}-{d:02}"),
        )
    };
    if y == 0 {
        return Err(bad());
    }
    let year = if y < 0 { y + 1 } else { y };
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(year, m) {
        return Err(bad());
    }
    if !dt::is_valid_julian(year, m) {
        return Err(errors::data(
            "22008",
            format!("date out of range: {y}-{m:02}-{d:02}"),
        ));
    }
    let days = dt::ymd_to_days(year, m, d);
    if !dt::is_valid_date(days) {
        return Err(errors::data(
            "22008",
            format!("date out of range: {y}-{m:02}-{d:02}"),
        ));
    }
    Ok(days)
}

/// Microseconds of hour:min:sec with make_time's checks (`24:00:00` allowed).
fn time_from_parts(h: i32, m: i32, sec: f64) -> Result<i64, DbError> {
    let bad = || {
        errors::data(
            "22008",
            format!(
                "time field value out of range: {h}:{m:02}:{}",
                seconds_g(sec)
            ),
        )
    };
    if !(0..=24).contains(&h)
        || !(0..60).contains(&m)
        || !(0.0..=60.0).contains(&sec)
        || sec.is_nan()
    {
        return Err(bad());
    }
    let us = (sec * 1e6).round_ties_even() as i64;
    let t = (i64::from(h) * 60 + i64::from(m)) * 60 * USECS_PER_SEC + us;
    if t > USECS_PER_DAY {
        return Err(bad());
    }
    Ok(t)
}

/// C's `%02g` of seconds.
fn seconds_g(sec: f64) -> String {
    let s = crate::types::float::format_f64(sec);
    if sec.fract() == 0.0 && (0.0..10.0).contains(&sec) {
        format!("0{s}")
    } else {
        s
    }
}

fn make_time(a: &[Value], _: &EvalContext) -> R {
    Ok(Value::Time(time_from_parts(
        i32_arg(&a[0])?,
        i32_arg(&a[1])?,
        float(&a[2])?,
    )?))
}

fn make_ts(a: &[Value]) -> Result<i64, DbError> {
    let (y, mo, d) = (i32_arg(&a[0])?, i32_arg(&a[1])?, i32_arg(&a[2])?);
    let days = date_from_parts(y, mo, d)?;
    let t = time_from_parts(i32_arg(&a[3])?, i32_arg(&a[4])?, float(&a[5])?)?;
    let ts = i64::from(days) * USECS_PER_DAY + t;
    if !dt::is_valid_timestamp(ts) {
        return Err(errors::datetime_out_of_range("timestamp"));
    }
    Ok(ts)
}

fn make_interval(a: &[Value], _: &EvalContext) -> R {
    let get = |i: usize| -> Result<i64, DbError> { a.get(i).map_or(Ok(0), int) };
    let oor = errors::interval_out_of_range;
    let (years, mons, weeks, ndays) = (get(0)?, get(1)?, get(2)?, get(3)?);
    let months = years
        .checked_mul(12)
        .and_then(|y| y.checked_add(mons))
        .and_then(|m| i32::try_from(m).ok())
        .ok_or_else(oor)?;
    let days = weeks
        .checked_mul(7)
        .and_then(|w| w.checked_add(ndays))
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(oor)?;
    let secs = a.get(6).map_or(Ok(0.0), float)?;
    let micros = Decimal::from(get(4)?) * Decimal::from(3_600_000_000i64)
        + Decimal::from(get(5)?) * Decimal::from(60_000_000i64);
    let sec_us = (secs * 1e6).round_ties_even();
    if !sec_us.is_finite() {
        return Err(oor());
    }
    let total = micros
        .to_i64()
        .and_then(|m| m.checked_add(sec_us as i64))
        .ok_or_else(oor)?;
    Ok(Value::Interval(Interval {
        months,
        days,
        micros: total,
    }))
}
