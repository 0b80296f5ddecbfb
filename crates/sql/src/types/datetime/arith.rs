//! Date and timestamp arithmetic as PostgreSQL does it: months are added on the calendar
//! (clamping to the month's last day), then days, then the time part; infinities absorb
//! additions; `timestamp - timestamp` is justified into days and hours.

use rustydb_common::DbError;

use super::interval::{justify_hours, neg};
use super::{
    DATE_INFINITY, DATE_NEG_INFINITY, Tm, USECS_PER_DAY, date_is_infinite, date2j, days_in_month,
    is_valid_date, is_valid_timestamp, j2date, ts_is_infinite,
};
use crate::types::{Interval, errors};

fn ts_range() -> DbError {
    errors::datetime_out_of_range("timestamp")
}

/// `date + integer` (and `date - integer` with a negated count).
pub fn date_add_days(date: i32, days: i64) -> Result<i32, DbError> {
    if date_is_infinite(date) {
        return Ok(date);
    }
    i64::from(date)
        .checked_add(days)
        .and_then(|d| i32::try_from(d).ok())
        .filter(|d| is_valid_date(*d))
        .ok_or_else(|| errors::datetime_out_of_range("date"))
}

/// `date - date`: days between.
pub fn date_diff(a: i32, b: i32) -> Result<i32, DbError> {
    if date_is_infinite(a) || date_is_infinite(b) {
        return Err(errors::data("22008", "cannot subtract infinite dates"));
    }
    a.checked_sub(b)
        .ok_or_else(|| errors::out_of_range(&crate::types::DataType::Int4))
}

/// `timestamp + interval` (also for `timestamptz`, the session zone being UTC).
pub fn timestamp_add_interval(ts: i64, span: &Interval) -> Result<i64, DbError> {
    if ts_is_infinite(ts) {
        return Ok(ts);
    }
    let mut ts = ts;
    if span.months != 0 {
        let mut tm = Tm::from_timestamp(ts);
        let total = i64::from(tm.month) - 1 + i64::from(span.months);
        let year = i64::from(tm.year) + total.div_euclid(12);
        tm.month = total.rem_euclid(12) as i32 + 1;
        tm.year = i32::try_from(year).map_err(|_| ts_range())?;
        tm.day = tm.day.min(days_in_month(tm.year, tm.month));
        ts = tm.to_timestamp().ok_or_else(ts_range)?;
    }
    if span.days != 0 {
        let mut tm = Tm::from_timestamp(ts);
        let jd = i64::from(date2j(tm.year, tm.month, tm.day)) + i64::from(span.days);
        let jd = i32::try_from(jd).map_err(|_| ts_range())?;
        if jd < 0 {
            return Err(ts_range());
        }
        let (y, m, d) = j2date(jd);
        tm.year = y;
        tm.month = m;
        tm.day = d;
        ts = tm.to_timestamp().ok_or_else(ts_range)?;
    }
    ts = ts.checked_add(span.micros).ok_or_else(ts_range)?;
    if !is_valid_timestamp(ts) {
        return Err(ts_range());
    }
    Ok(ts)
}

/// `timestamp - interval`.
pub fn timestamp_sub_interval(ts: i64, span: &Interval) -> Result<i64, DbError> {
    timestamp_add_interval(ts, &neg(span)?)
}

/// `timestamp - timestamp`: microseconds apart, justified into days (`justify_hours`).
pub fn timestamp_diff(a: i64, b: i64) -> Result<Interval, DbError> {
    if ts_is_infinite(a) || ts_is_infinite(b) {
        return Err(errors::data("22008", "cannot subtract infinite timestamps"));
    }
    let micros = a.checked_sub(b).ok_or_else(errors::interval_out_of_range)?;
    justify_hours(&Interval {
        months: 0,
        days: 0,
        micros,
    })
}

/// `time + interval`: wraps around midnight.
pub fn time_add_interval(t: i64, span: &Interval) -> i64 {
    (t + span.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

/// `time - interval`.
pub fn time_sub_interval(t: i64, span: &Interval) -> i64 {
    (t - span.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

/// `time - time`: an interval of microseconds.
pub fn time_diff(a: i64, b: i64) -> Interval {
    Interval {
        months: 0,
        days: 0,
        micros: a - b,
    }
}

/// `date + time`: a timestamp.
pub fn date_add_time(date: i32, time: i64) -> Result<i64, DbError> {
    match date {
        DATE_INFINITY => Ok(super::TS_INFINITY),
        DATE_NEG_INFINITY => Ok(super::TS_NEG_INFINITY),
        _ => {
            let ts = i64::from(date) * USECS_PER_DAY + time;
            if is_valid_timestamp(ts) {
                Ok(ts)
            } else {
                Err(ts_range())
            }
        }
    }
}

/// `age(a, b)`: the symbolic difference in years, months and days (PostgreSQL's
/// `timestamp_age`), borrowing days from the month before the later date.
pub fn age(a: i64, b: i64) -> Result<Interval, DbError> {
    if ts_is_infinite(a) || ts_is_infinite(b) {
        return Err(ts_range());
    }
    let t1 = Tm::from_timestamp(a);
    let t2 = Tm::from_timestamp(b);
    let mut usec = i64::from(t1.micros) - i64::from(t2.micros);
    let mut sec = t1.second - t2.second;
    let mut min = t1.minute - t2.minute;
    let mut hour = t1.hour - t2.hour;
    let mut mday = t1.day - t2.day;
    let mut mon = t1.month - t2.month;
    let mut year = t1.year - t2.year;
    let flip = a < b;
    if flip {
        usec = -usec;
        sec = -sec;
        min = -min;
        hour = -hour;
        mday = -mday;
        mon = -mon;
        year = -year;
    }
    while usec < 0 {
        usec += 1_000_000;
        sec -= 1;
    }
    while sec < 0 {
        sec += 60;
        min -= 1;
    }
    while min < 0 {
        min += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        mday -= 1;
    }
    while mday < 0 {
        let base = if flip { t1 } else { t2 };
        mday += days_in_month(base.year, base.month);
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    if flip {
        usec = -usec;
        sec = -sec;
        min = -min;
        hour = -hour;
        mday = -mday;
        mon = -mon;
        year = -year;
    }
    let months = i64::from(year) * 12 + i64::from(mon);
    Ok(Interval {
        months: i32::try_from(months).map_err(|_| errors::interval_out_of_range())?,
        days: mday,
        micros: ((i64::from(hour) * 60 + i64::from(min)) * 60 + i64::from(sec)) * 1_000_000 + usec,
    })
}
