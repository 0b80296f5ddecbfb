//! `to_char`, `to_date`, `to_timestamp`: PostgreSQL's formatting templates.
//!
//! Date/time patterns: `HH HH12 HH24 MI SS MS US FF1..FF6 SSSS SSSSS AM PM A.M. P.M.`
//! (any case), `Y,YYY YYYY YYY YY Y IYYY IYY IY I BC AD B.C. A.D. MONTH Month month MON
//! Mon mon MM DAY Day day DY Dy dy DDD IDDD DD D ID W WW IW CC J Q RM rm TZ tz OF`, with
//! the `FM` prefix (no padding) and `TH`/`th` suffixes (ordinals); `"quoted text"` and
//! `\x` are literal. Number patterns: `9 0 . D , G S MI PL SG PR EEEE FM`.
//!
//! Left out: `FX` strictness, `TZH`/`TZM`, localized `TM` names, `V`, `L`, `RN` (roman
//! numerals of numbers) and parsing of `Y,YYY` and ISO week dates in `to_date`.
//!
//! Files: `template.rs` (date/time templates and `to_char` of dates, times and intervals),
//! `parse.rs` (`to_date` / `to_timestamp` reading a template), `number.rs` (`to_char` of
//! numbers).
mod number;
mod parse;
mod template;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use rustydb_common::DbError;

use super::args::{float, interval, text, timestamp};
use super::def::{NUM, f};
use super::{EvalContext, FuncDef};
use crate::types::datetime::{
    self as dt, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
};
use crate::types::{DataType as T, Value, errors};
use number::format_number;
use parse::parse_datetime;
use template::{Parts, format_datetime, parts_of_ts};

type R = Result<Value, DbError>;

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("to_char", &[T::Timestamp, T::Text], T::Text, |a, _| {
            let ts = timestamp(&a[0])?;
            if dt::ts_is_infinite(ts) {
                return Ok(Value::Null);
            }
            Ok(Value::Text(format_datetime(
                &parts_of_ts(ts, None),
                text(&a[1])?,
            )))
        }),
        f("to_char", &[T::TimestampTz, T::Text], T::Text, |a, _| {
            let ts = timestamp(&a[0])?;
            if dt::ts_is_infinite(ts) {
                return Ok(Value::Null);
            }
            Ok(Value::Text(format_datetime(
                &parts_of_ts(ts, Some(0)),
                text(&a[1])?,
            )))
        }),
        f("to_char", &[T::Interval, T::Text], T::Text, |a, _| {
            let i = interval(&a[0])?;
            let tm = Parts {
                year: i.months / 12,
                month: i.months % 12,
                day: i.days,
                hour: i.micros / USECS_PER_HOUR,
                minute: (i.micros / USECS_PER_MINUTE % 60) as i32,
                second: (i.micros / USECS_PER_SEC % 60) as i32,
                micros: (i.micros % USECS_PER_SEC) as i32,
                tz: None,
                interval: true,
            };
            Ok(Value::Text(format_datetime(&tm, text(&a[1])?)))
        }),
        f("to_char", &[NUM, T::Text], T::Text, |a, _| match &a[0] {
            Value::Numeric(d) => Ok(Value::Text(format_number(*d, text(&a[1])?)?)),
            other => Err(DbError::internal(format!("to_char of {other:?}"))),
        }),
        f("to_char", &[T::Int4, T::Text], T::Text, to_char_int),
        f("to_char", &[T::Int8, T::Text], T::Text, to_char_int),
        f("to_char", &[T::Float8, T::Text], T::Text, to_char_float),
        f("to_char", &[T::Float4, T::Text], T::Text, to_char_float),
        f("to_date", &[T::Text, T::Text], T::Date, |a, _| {
            let tm = parse_datetime(text(&a[0])?, text(&a[1])?)?;
            Ok(Value::Date(dt::timestamp_to_date(tm)?))
        }),
        f(
            "to_timestamp",
            &[T::Text, T::Text],
            T::TimestampTz,
            |a, _| {
                Ok(Value::TimestampTz(parse_datetime(
                    text(&a[0])?,
                    text(&a[1])?,
                )?))
            },
        ),
        f(
            "to_timestamp",
            &[T::Float8],
            T::TimestampTz,
            to_timestamp_epoch,
        ),
    ]
}

fn to_char_int(a: &[Value], _: &EvalContext) -> R {
    let v = super::args::int(&a[0])?;
    Ok(Value::Text(format_number(Decimal::from(v), text(&a[1])?)?))
}

fn to_char_float(a: &[Value], _: &EvalContext) -> R {
    let x = float(&a[0])?;
    let pattern = text(&a[1])?;
    if !x.is_finite() {
        // PostgreSQL fills the template with '#' for NaN and infinities.
        let width = pattern
            .chars()
            .filter(|c| matches!(c, '9' | '0' | '.' | 'D' | ','))
            .count();
        return Ok(Value::Text(format!(" {}", "#".repeat(width))));
    }
    let d = Decimal::from_f64(x).ok_or_else(errors::numeric_overflow)?;
    Ok(Value::Text(format_number(d, pattern)?))
}

/// `to_timestamp(double precision)`: seconds since the Unix epoch.
fn to_timestamp_epoch(a: &[Value], _: &EvalContext) -> R {
    let secs = float(&a[0])?;
    if secs.is_nan() {
        return Err(errors::data("22008", "timestamp cannot be NaN"));
    }
    if secs == f64::INFINITY {
        return Ok(Value::TimestampTz(dt::TS_INFINITY));
    }
    if secs == f64::NEG_INFINITY {
        return Ok(Value::TimestampTz(dt::TS_NEG_INFINITY));
    }
    let us = (secs * 1e6).round_ties_even() - (dt::UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY) as f64;
    if !(dt::MIN_TIMESTAMP as f64..dt::END_TIMESTAMP as f64).contains(&us) {
        return Err(errors::data(
            "22008",
            format!(
                "timestamp out of range: \"{}\"",
                crate::types::float::format_f64(secs)
            ),
        ));
    }
    Ok(Value::TimestampTz(us as i64))
}
