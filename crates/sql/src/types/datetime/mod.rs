//! Dates, times, timestamps and intervals with PostgreSQL's semantics.
//!
//! Representations match PostgreSQL's so the wire protocol copies them: a date is days since
//! 2000-01-01 (`i32::MIN` / `i32::MAX` are `-infinity` / `infinity`), a time microseconds
//! since midnight, a timestamp microseconds since 2000-01-01 00:00 (`i64::MIN` / `i64::MAX`
//! are the infinities), a `timestamptz` the same instant in UTC. The calendar is the
//! proleptic Gregorian one, computed with PostgreSQL's own Julian-day arithmetic
//! (`date2j` / `j2date`), so the full range (4713 BC to 5874897 AD for dates, to 294276 AD
//! for timestamps) works without chrono; [`date_to_naive`] and friends convert to chrono
//! where its range allows.
//!
//! The session is fixed at `DateStyle = ISO, MDY`, `IntervalStyle = postgres` and
//! `TimeZone = UTC`: `timestamptz` prints with `+00`, input offsets (`+02:00`, `PST`) are
//! applied, and named zones from the tz database (`Europe/Paris`) are not known.
//!
//! Submodules: [`parse`] (input), [`format`](mod@format) (output), [`interval`] (interval I/O, arithmetic
//! and justification), [`fields`] (`extract`, `date_trunc`, `age`), [`arith`] (date and
//! timestamp arithmetic).

pub mod arith;
pub mod fields;
pub mod format;
pub mod interval;
pub mod parse;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Microseconds per second.
pub const USECS_PER_SEC: i64 = 1_000_000;
/// Microseconds per minute.
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
/// Microseconds per hour.
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
/// Microseconds per day.
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
/// Julian day of 2000-01-01, the epoch of dates and timestamps.
pub const POSTGRES_EPOCH_JDATE: i32 = 2_451_545;
/// Julian day of 1970-01-01.
pub const UNIX_EPOCH_JDATE: i32 = 2_440_588;
/// Days from 1970-01-01 to 2000-01-01.
pub const UNIX_TO_POSTGRES_DAYS: i64 = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) as i64;
/// `date '-infinity'`.
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
/// `date 'infinity'`.
pub const DATE_INFINITY: i32 = i32::MAX;
/// `timestamp '-infinity'`.
pub const TS_NEG_INFINITY: i64 = i64::MIN;
/// `timestamp 'infinity'`.
pub const TS_INFINITY: i64 = i64::MAX;
/// The first valid timestamp, 4714-11-24 00:00 BC.
pub const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
/// One past the last valid timestamp, 294277-01-01 00:00.
pub const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
/// Julian day one past the last valid date (5874898-01-01).
const DATE_END_JULIAN: i32 = 2_147_483_494;

/// PostgreSQL's `date2j`: the Julian day of a proleptic Gregorian date (year 0 = 1 BC).
pub fn date2j(year: i32, month: i32, day: i32) -> i32 {
    let (mut y, mut m) = (i64::from(year), i64::from(month));
    if m > 2 {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    let century = y.div_euclid(100);
    let mut julian = y * 365 - 32167;
    julian += y.div_euclid(4) - century + century.div_euclid(4);
    julian += 7834 * m / 256 + i64::from(day);
    julian as i32
}

/// PostgreSQL's `j2date`: (year, month, day) of a Julian day.
pub fn j2date(jd: i32) -> (i32, i32, i32) {
    let mut julian = jd as u32 as u64;
    julian += 32044;
    let mut quad = julian / 146_097;
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian / 1461;
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let year = y as i64 - 4800;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    (year as i32, month as i32, day as i32)
}

/// Whether `year` (astronomical) is a leap year.
pub fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Whether (year, month) is inside PostgreSQL's Julian range (`IS_VALID_JULIAN`).
pub fn is_valid_julian(year: i32, month: i32) -> bool {
    (year > -4713 || (year == -4713 && month >= 11))
        && (year < 5_874_898 || (year == 5_874_898 && month < 6))
}

/// Whether a finite date value is in range.
pub fn is_valid_date(days: i32) -> bool {
    (-POSTGRES_EPOCH_JDATE..DATE_END_JULIAN - POSTGRES_EPOCH_JDATE).contains(&days)
}

/// Whether a finite timestamp value is in range.
pub fn is_valid_timestamp(ts: i64) -> bool {
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&ts)
}

/// Whether a date is one of the infinities.
pub fn date_is_infinite(d: i32) -> bool {
    d == DATE_INFINITY || d == DATE_NEG_INFINITY
}

/// Whether a timestamp is one of the infinities.
pub fn ts_is_infinite(t: i64) -> bool {
    t == TS_INFINITY || t == TS_NEG_INFINITY
}

/// Days since 2000-01-01 of a calendar date (no range check).
pub fn ymd_to_days(year: i32, month: i32, day: i32) -> i32 {
    date2j(year, month, day) - POSTGRES_EPOCH_JDATE
}

/// Calendar date of days since 2000-01-01 (finite dates only).
pub fn days_to_ymd(days: i32) -> (i32, i32, i32) {
    j2date(days.wrapping_add(POSTGRES_EPOCH_JDATE))
}

/// Splits a finite timestamp into (days since 2000-01-01, microseconds into the day).
pub fn split_timestamp(ts: i64) -> (i64, i64) {
    (ts.div_euclid(USECS_PER_DAY), ts.rem_euclid(USECS_PER_DAY))
}

/// A broken-down timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tm {
    /// Astronomical year (0 = 1 BC).
    pub year: i32,
    /// 1..=12.
    pub month: i32,
    /// 1..=31.
    pub day: i32,
    /// 0..=23.
    pub hour: i32,
    /// 0..=59.
    pub minute: i32,
    /// 0..=59.
    pub second: i32,
    /// 0..=999_999.
    pub micros: i32,
}

impl Tm {
    /// Breaks a finite timestamp down.
    pub fn from_timestamp(ts: i64) -> Tm {
        let (days, time) = split_timestamp(ts);
        let (year, month, day) = j2date((days + i64::from(POSTGRES_EPOCH_JDATE)) as i32);
        let (hour, minute, second, micros) = split_time(time);
        Tm {
            year,
            month,
            day,
            hour,
            minute,
            second,
            micros,
        }
    }

    /// Builds the timestamp, `None` when out of range.
    pub fn to_timestamp(&self) -> Option<i64> {
        if !is_valid_julian(self.year, self.month) {
            return None;
        }
        let days = i64::from(ymd_to_days(self.year, self.month, self.day));
        let time = time_from_hms(self.hour, self.minute, self.second, self.micros);
        let ts = days.checked_mul(USECS_PER_DAY)?.checked_add(time)?;
        is_valid_timestamp(ts).then_some(ts)
    }
}

/// Splits microseconds since midnight into (hour, minute, second, microsecond).
pub fn split_time(t: i64) -> (i32, i32, i32, i32) {
    let hour = t / USECS_PER_HOUR;
    let rest = t - hour * USECS_PER_HOUR;
    let minute = rest / USECS_PER_MINUTE;
    let rest = rest - minute * USECS_PER_MINUTE;
    let second = rest / USECS_PER_SEC;
    let micros = rest - second * USECS_PER_SEC;
    (hour as i32, minute as i32, second as i32, micros as i32)
}

/// Microseconds of a time of day.
pub fn time_from_hms(hour: i32, minute: i32, second: i32, micros: i32) -> i64 {
    i64::from(hour) * USECS_PER_HOUR
        + i64::from(minute) * USECS_PER_MINUTE
        + i64::from(second) * USECS_PER_SEC
        + i64::from(micros)
}

/// Day of week, 0 = Sunday (PostgreSQL's `j2day`).
pub fn day_of_week(days: i32) -> i32 {
    (days.wrapping_add(POSTGRES_EPOCH_JDATE) as i64 + 1).rem_euclid(7) as i32
}

/// ISO 8601 (year, week) of a date.
pub fn iso_week(year: i32, month: i32, day: i32) -> (i32, i32) {
    let jd = date2j(year, month, day);
    let week_of = |y: i32| -> i32 {
        // Monday of ISO week 1 of year y: the week containing January 4th.
        let jan4 = date2j(y, 1, 4);
        jan4 - (jan4 + 1 - 1).rem_euclid(7)
    };
    let mut iso_year = year;
    let mut start = week_of(year);
    if jd < start {
        iso_year -= 1;
        start = week_of(iso_year);
    } else {
        let next = week_of(year + 1);
        if jd >= next {
            iso_year += 1;
            start = next;
        }
    }
    (iso_year, (jd - start) / 7 + 1)
}

/// Julian day of the Monday starting ISO week `week` of ISO year `iso_year`.
pub fn iso_week_start(iso_year: i32, week: i32) -> i32 {
    let jan4 = date2j(iso_year, 1, 4);
    jan4 - jan4.rem_euclid(7) + (week - 1) * 7
}

/// A date as a chrono date, `None` for infinities or dates chrono cannot hold.
pub fn date_to_naive(days: i32) -> Option<NaiveDate> {
    if date_is_infinite(days) {
        return None;
    }
    let (y, m, d) = days_to_ymd(days);
    NaiveDate::from_ymd_opt(y, m as u32, d as u32)
}

/// A chrono date as a date value, `None` when out of PostgreSQL's range.
pub fn naive_to_date(d: NaiveDate) -> Option<i32> {
    use chrono::Datelike;
    let days = ymd_to_days(d.year(), d.month() as i32, d.day() as i32);
    (is_valid_julian(d.year(), d.month() as i32) && is_valid_date(days)).then_some(days)
}

/// A time as a chrono time (`24:00:00` is not representable and gives `None`).
pub fn time_to_naive(t: i64) -> Option<NaiveTime> {
    let (h, m, s, us) = split_time(t);
    NaiveTime::from_hms_micro_opt(h as u32, m as u32, s as u32, us as u32)
}

/// A chrono time as a time value (leap seconds fold into the next second).
pub fn naive_to_time(t: NaiveTime) -> i64 {
    use chrono::Timelike;
    let micros = i64::from(t.nanosecond() / 1000).min(USECS_PER_SEC * 2 - 1);
    i64::from(t.num_seconds_from_midnight()) * USECS_PER_SEC + micros
}

/// A timestamp as a chrono date-time (`None` for infinities and outside chrono's range).
pub fn timestamp_to_naive(ts: i64) -> Option<NaiveDateTime> {
    if ts_is_infinite(ts) {
        return None;
    }
    let (days, time) = split_timestamp(ts);
    let date = date_to_naive(i32::try_from(days).ok()?)?;
    Some(date.and_time(time_to_naive(time)?))
}

/// A chrono date-time as a timestamp value, `None` when out of range.
pub fn naive_to_timestamp(dt: NaiveDateTime) -> Option<i64> {
    let days = i64::from(naive_to_date(dt.date())?);
    let ts = days * USECS_PER_DAY + naive_to_time(dt.time());
    is_valid_timestamp(ts).then_some(ts)
}

/// A `timestamptz` as a chrono UTC date-time.
pub fn timestamptz_to_utc(ts: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    timestamp_to_naive(ts).map(|n| n.and_utc())
}

/// A chrono UTC date-time as a `timestamptz` value.
pub fn utc_to_timestamptz(dt: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    naive_to_timestamp(dt.naive_utc())
}

/// Microseconds since the Unix epoch to a timestamp value.
pub fn from_unix_micros(us: i64) -> i64 {
    us - UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY
}

/// The wall clock as a `timestamptz` value.
pub fn now_timestamptz() -> i64 {
    let now = chrono::Utc::now();
    from_unix_micros(now.timestamp_micros())
}

/// The date of a timestamp (floor), keeping infinities.
pub fn timestamp_to_date(ts: i64) -> Result<i32, rustydb_common::DbError> {
    match ts {
        TS_INFINITY => Ok(DATE_INFINITY),
        TS_NEG_INFINITY => Ok(DATE_NEG_INFINITY),
        _ => {
            let days = ts.div_euclid(USECS_PER_DAY);
            i32::try_from(days)
                .ok()
                .filter(|d| is_valid_date(*d))
                .ok_or_else(|| super::errors::datetime_out_of_range("date"))
        }
    }
}

/// The timestamp at midnight of a date, keeping infinities; 22008 when the date is past the
/// timestamp range.
pub fn date_to_timestamp(d: i32) -> Result<i64, rustydb_common::DbError> {
    match d {
        DATE_INFINITY => Ok(TS_INFINITY),
        DATE_NEG_INFINITY => Ok(TS_NEG_INFINITY),
        _ => {
            let ts = i64::from(d) * USECS_PER_DAY;
            if is_valid_timestamp(ts) {
                Ok(ts)
            } else {
                Err(super::errors::data(
                    "22008",
                    "date out of range for timestamp",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests;
