//! `extract` / `date_part` fields and `date_trunc` units, as PostgreSQL 15 computes them.
//!
//! `extract` returns numeric (seconds keep six decimals, milliseconds three, `julian` and
//! `epoch` their exact fractions); `date_part` is the same value as double precision. For an
//! infinite timestamp the monotonic fields (`year`, `epoch`, ...) are infinite and the others
//! NULL; numeric cannot hold infinity, so `extract` refuses those with 0A000 while
//! `date_part` returns `Infinity`.

use rust_decimal::Decimal;
use rustydb_common::DbError;

use super::interval::{Unit, lookup_unit};
use super::{
    DATE_INFINITY, TS_INFINITY, Tm, UNIX_TO_POSTGRES_DAYS, USECS_PER_DAY, USECS_PER_HOUR,
    USECS_PER_MINUTE, USECS_PER_SEC, date_is_infinite, date2j, day_of_week, iso_week,
    iso_week_start, j2date, ts_is_infinite,
};
use crate::types::numeric::div_to_scale;
use crate::types::{Interval, errors};

/// A field `extract` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A plain unit (`year`, `second`, ...).
    Unit(Unit),
    /// `epoch`.
    Epoch,
    /// `dow`, 0 = Sunday.
    Dow,
    /// `isodow`, 7 = Sunday.
    IsoDow,
    /// `doy`.
    Doy,
    /// `isoyear`.
    IsoYear,
    /// `julian`.
    Julian,
}

/// Parses a field name (case-insensitive).
pub fn lookup_field(name: &str) -> Option<Field> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "epoch" => Field::Epoch,
        "dow" => Field::Dow,
        "isodow" => Field::IsoDow,
        "doy" => Field::Doy,
        "isoyear" => Field::IsoYear,
        "julian" | "j" => Field::Julian,
        _ => Field::Unit(lookup_unit(&lower)?),
    })
}

/// A field's value: a number or, for infinite inputs, a signed infinity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue {
    /// A finite value.
    Number(Decimal),
    /// `Infinity` (`true`) or `-Infinity`.
    Infinite(bool),
}

fn not_recognized(name: &str, type_name: &str) -> DbError {
    errors::invalid_parameter(format!(
        "unit \"{}\" not recognized for type {type_name}",
        name.to_ascii_lowercase()
    ))
}

fn not_supported(name: &str, type_name: &str) -> DbError {
    errors::not_supported(format!(
        "unit \"{}\" not supported for type {type_name}",
        name.to_ascii_lowercase()
    ))
}

fn int(v: i64) -> FieldValue {
    FieldValue::Number(Decimal::from(v))
}

/// `value / 10^scale` as a decimal of that scale.
fn scaled(value: i64, scale: u32) -> FieldValue {
    FieldValue::Number(Decimal::from_i128_with_scale(i128::from(value), scale))
}

fn year_field(year: i32) -> i64 {
    if year > 0 {
        i64::from(year)
    } else {
        i64::from(year) - 1
    }
}

fn decade(year: i32) -> i64 {
    let y = i64::from(year);
    if y >= 0 {
        y / 10
    } else {
        -((8 - (y - 1)) / 10)
    }
}

fn century(year: i32) -> i64 {
    let y = i64::from(year);
    if y > 0 {
        (y + 99) / 100
    } else {
        -((99 - (y - 1)) / 100)
    }
}

fn millennium(year: i32) -> i64 {
    let y = i64::from(year);
    if y > 0 {
        (y + 999) / 1000
    } else {
        -((999 - (y - 1)) / 1000)
    }
}

/// The calendar fields shared by dates and timestamps; `None` for time-of-day fields.
fn date_field(field: Field, y: i32, m: i32, d: i32) -> Option<i64> {
    Some(match field {
        Field::Unit(Unit::Day) => i64::from(d),
        Field::Unit(Unit::Month) => i64::from(m),
        Field::Unit(Unit::Quarter) => i64::from((m - 1) / 3 + 1),
        Field::Unit(Unit::Week) => i64::from(iso_week(y, m, d).1),
        Field::Unit(Unit::Year) => year_field(y),
        Field::Unit(Unit::Decade) => decade(y),
        Field::Unit(Unit::Century) => century(y),
        Field::Unit(Unit::Millennium) => millennium(y),
        Field::IsoYear => {
            let iy = i64::from(iso_week(y, m, d).0);
            if iy <= 0 { iy - 1 } else { iy }
        }
        Field::Dow => i64::from(day_of_week(date2j(y, m, d) - super::POSTGRES_EPOCH_JDATE)),
        Field::IsoDow => {
            let dow = day_of_week(date2j(y, m, d) - super::POSTGRES_EPOCH_JDATE);
            i64::from(if dow == 0 { 7 } else { dow })
        }
        Field::Doy => i64::from(date2j(y, m, d) - date2j(y, 1, 1) + 1),
        _ => return None,
    })
}

fn is_monotonic(field: Field) -> bool {
    matches!(
        field,
        Field::Unit(Unit::Year | Unit::Decade | Unit::Century | Unit::Millennium)
            | Field::Julian
            | Field::IsoYear
            | Field::Epoch
    )
}

/// `extract(field from timestamp)` (`tz`: for `timestamptz`); `None` is SQL NULL.
pub fn extract_timestamp(name: &str, ts: i64, tz: bool) -> Result<Option<FieldValue>, DbError> {
    let type_name = if tz {
        "timestamp with time zone"
    } else {
        "timestamp without time zone"
    };
    let field = lookup_field(name).ok_or_else(|| not_recognized(name, type_name))?;
    if matches!(
        field,
        Field::Unit(Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute)
    ) {
        return if tz {
            Ok(Some(int(0)))
        } else {
            Err(not_supported(name, type_name))
        };
    }
    if ts_is_infinite(ts) {
        return Ok(is_monotonic(field).then_some(FieldValue::Infinite(ts == TS_INFINITY)));
    }
    let tm = Tm::from_timestamp(ts);
    let sec_us = i64::from(tm.second) * USECS_PER_SEC + i64::from(tm.micros);
    if let Some(v) = date_field(field, tm.year, tm.month, tm.day) {
        return Ok(Some(int(v)));
    }
    Ok(Some(match field {
        Field::Unit(Unit::Microsecond) => int(sec_us),
        Field::Unit(Unit::Millisecond) => scaled(sec_us, 3),
        Field::Unit(Unit::Second) => scaled(sec_us, 6),
        Field::Unit(Unit::Minute) => int(i64::from(tm.minute)),
        Field::Unit(Unit::Hour) => int(i64::from(tm.hour)),
        Field::Julian => {
            let day_us = ts.rem_euclid(USECS_PER_DAY);
            let frac = div_to_scale_pg(day_us, USECS_PER_DAY);
            let jd = Decimal::from(date2j(tm.year, tm.month, tm.day));
            FieldValue::Number(jd + frac)
        }
        Field::Epoch => {
            let us = i128::from(ts) + i128::from(UNIX_TO_POSTGRES_DAYS) * i128::from(USECS_PER_DAY);
            FieldValue::Number(Decimal::from_i128_with_scale(us, 6))
        }
        _ => return Err(not_supported(name, type_name)),
    }))
}

/// `a / b` as PostgreSQL's numeric division would scale it.
fn div_to_scale_pg(a: i64, b: i64) -> Decimal {
    crate::types::numeric::div(&Decimal::from(a), &Decimal::from(b))
        .or_else(|_| div_to_scale(&Decimal::from(a), &Decimal::from(b), 20).ok_or(()))
        .unwrap_or_default()
}

/// `extract(field from date)`.
pub fn extract_date(name: &str, date: i32) -> Result<Option<FieldValue>, DbError> {
    let field = lookup_field(name).ok_or_else(|| not_recognized(name, "date"))?;
    if date_is_infinite(date) {
        return match field {
            Field::Unit(
                Unit::Microsecond
                | Unit::Millisecond
                | Unit::Second
                | Unit::Minute
                | Unit::Hour
                | Unit::Timezone
                | Unit::TimezoneHour
                | Unit::TimezoneMinute,
            ) => Err(not_supported(name, "date")),
            f if is_monotonic(f) => Ok(Some(FieldValue::Infinite(date == DATE_INFINITY))),
            _ => Ok(None),
        };
    }
    let (y, m, d) = super::days_to_ymd(date);
    if let Some(v) = date_field(field, y, m, d) {
        return Ok(Some(int(v)));
    }
    Ok(Some(match field {
        Field::Julian => int(i64::from(date2j(y, m, d))),
        Field::Epoch => int((i64::from(date) + UNIX_TO_POSTGRES_DAYS) * 86_400),
        _ => return Err(not_supported(name, "date")),
    }))
}

/// `extract(field from time)`.
pub fn extract_time(name: &str, t: i64) -> Result<Option<FieldValue>, DbError> {
    let type_name = "time without time zone";
    let field = lookup_field(name).ok_or_else(|| not_recognized(name, type_name))?;
    let sec_us = t % USECS_PER_MINUTE;
    Ok(Some(match field {
        Field::Unit(Unit::Microsecond) => int(sec_us),
        Field::Unit(Unit::Millisecond) => scaled(sec_us, 3),
        Field::Unit(Unit::Second) => scaled(sec_us, 6),
        Field::Unit(Unit::Minute) => int(t / USECS_PER_MINUTE % 60),
        Field::Unit(Unit::Hour) => int(t / USECS_PER_HOUR),
        Field::Epoch => scaled(t, 6),
        _ => return Err(not_supported(name, type_name)),
    }))
}

/// `extract(field from interval)`.
pub fn extract_interval(name: &str, iv: &Interval) -> Result<Option<FieldValue>, DbError> {
    let field = lookup_field(name).ok_or_else(|| not_recognized(name, "interval"))?;
    let years = i64::from(iv.months / 12);
    let months = i64::from(iv.months % 12);
    let sec_us = iv.micros % USECS_PER_MINUTE;
    Ok(Some(match field {
        Field::Unit(Unit::Microsecond) => int(sec_us),
        Field::Unit(Unit::Millisecond) => scaled(sec_us, 3),
        Field::Unit(Unit::Second) => scaled(sec_us, 6),
        Field::Unit(Unit::Minute) => int(iv.micros / USECS_PER_MINUTE % 60),
        Field::Unit(Unit::Hour) => int(iv.micros / USECS_PER_HOUR),
        Field::Unit(Unit::Day) => int(i64::from(iv.days)),
        Field::Unit(Unit::Month) => int(months),
        Field::Unit(Unit::Quarter) => int(months / 3 + 1),
        Field::Unit(Unit::Year) => int(years),
        Field::Unit(Unit::Decade) => int(years / 10),
        Field::Unit(Unit::Century) => int(years / 100),
        Field::Unit(Unit::Millennium) => int(years / 1000),
        Field::Epoch => {
            let secs = 31_557_600 * years + 2_592_000 * months + 86_400 * i64::from(iv.days);
            let us = i128::from(secs) * 1_000_000 + i128::from(iv.micros);
            FieldValue::Number(Decimal::from_i128_with_scale(us, 6))
        }
        _ => return Err(not_supported(name, "interval")),
    }))
}

/// `date_trunc(unit, timestamp)` (also `timestamptz`, in UTC).
pub fn trunc_timestamp(name: &str, ts: i64, tz: bool) -> Result<i64, DbError> {
    let type_name = if tz {
        "timestamp with time zone"
    } else {
        "timestamp without time zone"
    };
    let unit = match lookup_field(name) {
        Some(Field::Unit(u)) => u,
        Some(_) => return Err(not_supported(name, type_name)),
        None => return Err(not_recognized(name, type_name)),
    };
    if ts_is_infinite(ts) {
        return Ok(ts);
    }
    let mut tm = Tm::from_timestamp(ts);
    let range = || errors::datetime_out_of_range("timestamp");
    if unit == Unit::Week {
        let (iso_year, week) = iso_week(tm.year, tm.month, tm.day);
        let (y, m, d) = j2date(iso_week_start(iso_year, week));
        return Tm {
            year: y,
            month: m,
            day: d,
            hour: 0,
            minute: 0,
            second: 0,
            micros: 0,
        }
        .to_timestamp()
        .ok_or_else(range);
    }
    let level = match unit {
        Unit::Millennium => 9,
        Unit::Century => 8,
        Unit::Decade => 7,
        Unit::Year => 6,
        Unit::Quarter => 5,
        Unit::Month => 4,
        Unit::Day => 3,
        Unit::Hour => 2,
        Unit::Minute => 1,
        Unit::Second => 0,
        Unit::Millisecond => {
            tm.micros = tm.micros / 1000 * 1000;
            return tm.to_timestamp().ok_or_else(range);
        }
        Unit::Microsecond => return Ok(ts),
        _ => return Err(not_supported(name, type_name)),
    };
    let y = tm.year;
    match unit {
        Unit::Millennium => {
            tm.year = if y > 0 {
                (y + 999) / 1000 * 1000 - 999
            } else {
                -((999 - (y - 1)) / 1000) * 1000 + 1
            };
        }
        Unit::Century => {
            tm.year = if y > 0 {
                (y + 99) / 100 * 100 - 99
            } else {
                -((99 - (y - 1)) / 100) * 100 + 1
            };
        }
        Unit::Decade => {
            tm.year = if y > 0 {
                y / 10 * 10
            } else {
                -((8 - (y - 1)) / 10) * 10
            };
        }
        _ => {}
    }
    if level >= 6 {
        tm.month = 1;
    }
    if level >= 5 {
        tm.month = 3 * ((tm.month - 1) / 3) + 1;
    }
    if level >= 4 {
        tm.day = 1;
    }
    if level >= 3 {
        tm.hour = 0;
    }
    if level >= 2 {
        tm.minute = 0;
    }
    if level >= 1 {
        tm.second = 0;
    }
    tm.micros = 0;
    tm.to_timestamp().ok_or_else(range)
}

/// `date_trunc(unit, interval)`.
pub fn trunc_interval(name: &str, iv: &Interval) -> Result<Interval, DbError> {
    let unit = match lookup_field(name) {
        Some(Field::Unit(u)) => u,
        Some(_) => return Err(not_supported(name, "interval")),
        None => return Err(not_recognized(name, "interval")),
    };
    let mut years = iv.months / 12;
    let mut months = iv.months % 12;
    let mut days = iv.days;
    let mut hours = iv.micros / USECS_PER_HOUR;
    let mut minutes = iv.micros / USECS_PER_MINUTE % 60;
    let mut secs = iv.micros / USECS_PER_SEC % 60;
    let mut us = iv.micros % USECS_PER_SEC;
    let level = match unit {
        Unit::Millennium => {
            years = years / 1000 * 1000;
            6
        }
        Unit::Century => {
            years = years / 100 * 100;
            6
        }
        Unit::Decade => {
            years = years / 10 * 10;
            6
        }
        Unit::Year => 6,
        Unit::Quarter => {
            months = 3 * (months / 3);
            4
        }
        Unit::Month => 4,
        Unit::Day => 3,
        Unit::Hour => 2,
        Unit::Minute => 1,
        Unit::Second => 0,
        Unit::Millisecond => {
            us = us / 1000 * 1000;
            -1
        }
        Unit::Microsecond => -1,
        Unit::Week => {
            return Err(not_supported(name, "interval")
                .with_detail("Months usually have fractional weeks."));
        }
        _ => return Err(not_supported(name, "interval")),
    };
    if level >= 6 {
        months = 0;
    }
    if level >= 4 {
        days = 0;
    }
    if level >= 3 {
        hours = 0;
    }
    if level >= 2 {
        minutes = 0;
    }
    if level >= 1 {
        secs = 0;
    }
    if level >= 0 {
        us = 0;
    }
    Ok(Interval {
        months: years * 12 + months,
        days,
        micros: hours * USECS_PER_HOUR + minutes * USECS_PER_MINUTE + secs * USECS_PER_SEC + us,
    })
}
