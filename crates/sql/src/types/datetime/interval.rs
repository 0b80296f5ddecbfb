//! Intervals: input (`1 day 2 hours`, `01:02:03`, `1-2`, `@ 1 day ago`, ISO 8601
//! `P1Y2M3DT4H` and `P0001-02-03T04:05:06`), output in `IntervalStyle = postgres`
//! (`1 year 2 mons 3 days 04:05:06.5`), arithmetic, comparison and justification, all as
//! PostgreSQL 15 does them (`DecodeInterval`, `EncodeInterval`, `interval_mul`, ...).
//!
//! An interval keeps months, days and microseconds apart; it compares as if a month were
//! 30 days and a day 24 hours (`interval_cmp_value`), so `'1 mon' = '30 days'`.

use std::cmp::Ordering;
use std::fmt::Write;

use rustydb_common::DbError;

use super::{USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC};
use crate::types::{Interval, errors};

const DAYS_PER_MONTH: i64 = 30;

/// Interval units, shared with `extract` / `date_trunc` unit names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `microseconds`, `us`, `usec`.
    Microsecond,
    /// `milliseconds`, `ms`, `msec`.
    Millisecond,
    /// `seconds`, `s`, `sec`.
    Second,
    /// `minutes`, `m`, `min`.
    Minute,
    /// `hours`, `h`, `hr`.
    Hour,
    /// `days`, `d`.
    Day,
    /// `weeks`, `w`.
    Week,
    /// `months`, `mon`.
    Month,
    /// `quarter`, `qtr`.
    Quarter,
    /// `years`, `y`, `yr`.
    Year,
    /// `decades`, `dec`.
    Decade,
    /// `century`, `c`, `cent`.
    Century,
    /// `millennium`, `mil`.
    Millennium,
    /// `timezone` (extract only).
    Timezone,
    /// `timezone_hour`.
    TimezoneHour,
    /// `timezone_minute`.
    TimezoneMinute,
}

/// Looks up a unit name as PostgreSQL's `deltatktbl` does (lower case, at most 10
/// characters significant, so `microseconds` is `microsecon`).
pub fn lookup_unit(name: &str) -> Option<Unit> {
    let lower = name.to_ascii_lowercase();
    let key: String = lower.chars().take(10).collect();
    use Unit::*;
    Some(match key.as_str() {
        "c" | "cent" | "centuries" | "century" => Century,
        "d" | "day" | "days" => Day,
        "dec" | "decade" | "decades" | "decs" => Decade,
        "h" | "hour" | "hours" | "hr" | "hrs" => Hour,
        "m" | "min" | "mins" | "minute" | "minutes" => Minute,
        "microsecon" | "us" | "usec" | "useconds" | "usecs" => Microsecond,
        "mil" | "millennia" | "millennium" | "mils" => Millennium,
        "millisecon" | "ms" | "msec" | "mseconds" | "msecs" => Millisecond,
        "mon" | "mons" | "month" | "months" => Month,
        "qtr" | "quarter" => Quarter,
        "s" | "sec" | "second" | "seconds" | "secs" => Second,
        "timezone" => Timezone,
        "timezone_h" => TimezoneHour,
        "timezone_m" => TimezoneMinute,
        "w" | "week" | "weeks" => Week,
        "y" | "year" | "years" | "yr" | "yrs" => Year,
        _ => return None,
    })
}

/// Accumulates the parts of an interval being read (PostgreSQL's `pg_itm_in`).
#[derive(Debug, Default)]
struct Acc {
    years: i32,
    months: i32,
    days: i32,
    micros: i64,
}

/// Why reading failed: a syntax error or a field overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Bad,
    Overflow,
}

impl Acc {
    fn add_micros(&mut self, val: i64, frac: f64, scale: i64) -> Result<(), Fail> {
        let whole = val.checked_mul(scale).ok_or(Fail::Overflow)?;
        self.micros = self.micros.checked_add(whole).ok_or(Fail::Overflow)?;
        self.add_fract_micros(frac, scale)
    }

    fn add_fract_micros(&mut self, frac: f64, scale: i64) -> Result<(), Fail> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * scale as f64;
        let mut us = f as i64;
        us += (f - us as f64).round_ties_even() as i64;
        self.micros = self.micros.checked_add(us).ok_or(Fail::Overflow)?;
        Ok(())
    }

    fn add_days(&mut self, val: i64, scale: i64) -> Result<(), Fail> {
        let d = i32::try_from(val.checked_mul(scale).ok_or(Fail::Overflow)?)
            .map_err(|_| Fail::Overflow)?;
        self.days = self.days.checked_add(d).ok_or(Fail::Overflow)?;
        Ok(())
    }

    fn add_fract_days(&mut self, frac: f64, scale: i64) -> Result<(), Fail> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * scale as f64;
        let extra = f as i32;
        self.days = self.days.checked_add(extra).ok_or(Fail::Overflow)?;
        self.add_fract_micros(f - f64::from(extra), USECS_PER_DAY)
    }

    fn add_months(&mut self, val: i64) -> Result<(), Fail> {
        let m = i32::try_from(val).map_err(|_| Fail::Overflow)?;
        self.months = self.months.checked_add(m).ok_or(Fail::Overflow)?;
        Ok(())
    }

    fn add_years(&mut self, val: i64, scale: i64) -> Result<(), Fail> {
        let y = i32::try_from(val.checked_mul(scale).ok_or(Fail::Overflow)?)
            .map_err(|_| Fail::Overflow)?;
        self.years = self.years.checked_add(y).ok_or(Fail::Overflow)?;
        Ok(())
    }

    fn add_fract_years(&mut self, frac: f64, scale: i64) -> Result<(), Fail> {
        if frac == 0.0 {
            return Ok(());
        }
        let extra = (frac * scale as f64 * 12.0).round_ties_even() as i32;
        self.months = self.months.checked_add(extra).ok_or(Fail::Overflow)?;
        Ok(())
    }

    /// Adds `val` + `frac` of `unit`.
    fn add_unit(&mut self, unit: Unit, val: i64, frac: f64) -> Result<(), Fail> {
        match unit {
            Unit::Microsecond => self.add_micros(val, frac, 1),
            Unit::Millisecond => self.add_micros(val, frac, 1000),
            Unit::Second => self.add_micros(val, frac, USECS_PER_SEC),
            Unit::Minute => self.add_micros(val, frac, USECS_PER_MINUTE),
            Unit::Hour => self.add_micros(val, frac, USECS_PER_HOUR),
            Unit::Day => {
                self.add_days(val, 1)?;
                self.add_fract_micros(frac, USECS_PER_DAY)
            }
            Unit::Week => {
                self.add_days(val, 7)?;
                self.add_fract_days(frac, 7)
            }
            Unit::Month => {
                self.add_months(val)?;
                self.add_fract_days(frac, DAYS_PER_MONTH)
            }
            Unit::Year => {
                self.add_years(val, 1)?;
                self.add_fract_years(frac, 1)
            }
            Unit::Decade => {
                self.add_years(val, 10)?;
                self.add_fract_years(frac, 10)
            }
            Unit::Century => {
                self.add_years(val, 100)?;
                self.add_fract_years(frac, 100)
            }
            Unit::Millennium => {
                self.add_years(val, 1000)?;
                self.add_fract_years(frac, 1000)
            }
            _ => Err(Fail::Bad),
        }
    }

    fn finish(self) -> Option<Interval> {
        let months = i64::from(self.years) * 12 + i64::from(self.months);
        Some(Interval {
            months: i32::try_from(months).ok()?,
            days: self.days,
            micros: self.micros,
        })
    }

    fn negate(&mut self) -> Result<(), Fail> {
        self.years = self.years.checked_neg().ok_or(Fail::Overflow)?;
        self.months = self.months.checked_neg().ok_or(Fail::Overflow)?;
        self.days = self.days.checked_neg().ok_or(Fail::Overflow)?;
        self.micros = self.micros.checked_neg().ok_or(Fail::Overflow)?;
        Ok(())
    }
}

/// Parses interval input.
pub fn parse_interval(input: &str) -> Result<Interval, DbError> {
    let trimmed = input.trim();
    let acc = if let Some(iso) = trimmed.strip_prefix('P') {
        parse_iso8601(iso)
    } else {
        parse_postgres(trimmed)
    };
    match acc {
        Ok(acc) => acc.finish().ok_or_else(errors::interval_out_of_range),
        Err(Fail::Bad) => Err(errors::invalid_datetime_syntax("interval", input)),
        Err(Fail::Overflow) => Err(errors::data(
            "22015",
            format!("interval field value out of range: \"{input}\""),
        )),
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    /// A number, possibly signed, possibly `y-m` or with a fraction.
    Num(String),
    /// `hh:mm[:ss[.f]]`, possibly signed.
    Time(String),
    /// A word.
    Word(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, Fail> {
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() || c == '@' || c == ',' {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || c == '.' || c == '+' || c == '-' {
            let mut t = String::new();
            if c == '+' || c == '-' {
                t.push(c);
                i += 1;
                while i < b.len() && b[i].is_whitespace() {
                    i += 1;
                }
                if !(i < b.len() && (b[i].is_ascii_digit() || b[i] == '.')) {
                    return Err(Fail::Bad);
                }
            }
            let mut is_time = false;
            while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], '.' | ':' | '-')) {
                if b[i] == ':' {
                    is_time = true;
                }
                t.push(b[i]);
                i += 1;
            }
            out.push(if is_time { Tok::Time(t) } else { Tok::Num(t) });
        } else if c.is_alphabetic() {
            let mut t = String::new();
            while i < b.len() && (b[i].is_alphabetic() || b[i] == '_') {
                t.push(b[i].to_ascii_lowercase());
                i += 1;
            }
            out.push(Tok::Word(t));
        } else {
            return Err(Fail::Bad);
        }
    }
    Ok(out)
}

/// Splits a signed decimal into whole part and fraction of the same sign.
fn split_number(s: &str) -> Result<(i64, f64), Fail> {
    let negative = s.starts_with('-');
    let body = s.trim_start_matches(['+', '-']);
    if body.is_empty() || body.starts_with(['+', '-']) {
        return Err(Fail::Bad);
    }
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if !int.bytes().all(|b| b.is_ascii_digit())
        || frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit()))
        || (int.is_empty() && frac.is_none_or(str::is_empty))
    {
        return Err(Fail::Bad);
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| Fail::Overflow)?
    };
    let f: f64 = match frac {
        Some(f) if !f.is_empty() => format!("0.{f}").parse().map_err(|_| Fail::Bad)?,
        _ => 0.0,
    };
    Ok(if negative { (-whole, -f) } else { (whole, f) })
}

/// `hh:mm[:ss[.f]]` (or `mm:ss.f`) in microseconds.
fn time_micros(s: &str) -> Result<i64, Fail> {
    let parts: Vec<&str> = s.split(':').collect();
    let num = |p: &str| -> Result<i64, Fail> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::Bad);
        }
        p.parse().map_err(|_| Fail::Overflow)
    };
    let frac = |p: &str| -> Result<(i64, i64), Fail> {
        match p.split_once('.') {
            Some((s, f)) => {
                let fr: f64 = if f.is_empty() {
                    0.0
                } else {
                    if !f.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(Fail::Bad);
                    }
                    format!("0.{f}").parse().map_err(|_| Fail::Bad)?
                };
                Ok((num(s)?, (fr * 1e6).round_ties_even() as i64))
            }
            None => Ok((num(p)?, 0)),
        }
    };
    let (h, m, sec, us) = match parts.as_slice() {
        [h, m] if m.contains('.') => {
            let (sec, us) = frac(m)?;
            (0, num(h)?, sec, us)
        }
        [h, m] => (num(h)?, num(m)?, 0, 0),
        [h, m, s] => {
            let (sec, us) = frac(s)?;
            (num(h)?, num(m)?, sec, us)
        }
        _ => return Err(Fail::Bad),
    };
    if m > 59 || sec > 60 || us > USECS_PER_SEC {
        return Err(Fail::Overflow);
    }
    h.checked_mul(USECS_PER_HOUR)
        .and_then(|v| v.checked_add(m * USECS_PER_MINUTE + sec * USECS_PER_SEC + us))
        .ok_or(Fail::Overflow)
}

/// PostgreSQL's `DecodeInterval` for the `postgres` style, right to left.
fn parse_postgres(s: &str) -> Result<Acc, Fail> {
    let toks = tokenize(s)?;
    let mut acc = Acc::default();
    let mut ago = false;
    let mut seen_any = false;
    let mut seen_time = false;
    let mut pending: Option<Unit> = None;
    // Each unit may appear once (PostgreSQL's `fmask`); a time field takes hours to seconds.
    let mut fmask: u32 = 0;
    let bit = |u: Unit| -> u32 { 1 << (u as u32) };
    let time_mask = bit(Unit::Hour)
        | bit(Unit::Minute)
        | bit(Unit::Second)
        | bit(Unit::Millisecond)
        | bit(Unit::Microsecond);
    for tok in toks.iter().rev() {
        match tok {
            Tok::Word(w) => {
                if w == "ago" {
                    if ago {
                        return Err(Fail::Bad);
                    }
                    ago = true;
                    continue;
                }
                let unit = lookup_unit(w).ok_or(Fail::Bad)?;
                if matches!(
                    unit,
                    Unit::Quarter | Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute
                ) {
                    return Err(Fail::Bad);
                }
                pending = Some(unit);
            }
            Tok::Time(t) => {
                if seen_time || fmask & time_mask != 0 {
                    return Err(Fail::Bad);
                }
                seen_time = true;
                fmask |= time_mask;
                let negative = t.starts_with('-');
                let mut us = time_micros(t.trim_start_matches(['+', '-']))?;
                if negative {
                    us = -us;
                }
                acc.micros = acc.micros.checked_add(us).ok_or(Fail::Overflow)?;
                seen_any = true;
                pending = Some(Unit::Day);
            }
            Tok::Num(n) => {
                let mut unit = pending.unwrap_or(Unit::Second);
                let body = n.trim_start_matches(['+', '-']);
                if let Some((y, m)) = body.split_once('-') {
                    // SQL "years-months".
                    let negative = n.starts_with('-');
                    let y: i64 = y.parse().map_err(|_| Fail::Bad)?;
                    let m: i64 = m.parse().map_err(|_| Fail::Bad)?;
                    if !(0..12).contains(&m) {
                        return Err(Fail::Overflow);
                    }
                    let total = y * 12 + m;
                    acc.add_months(if negative { -total } else { total })?;
                    unit = Unit::Month;
                } else {
                    let (val, frac) = split_number(n)?;
                    acc.add_unit(unit, val, frac)?;
                    if unit == Unit::Second && frac != 0.0 {
                        if fmask & (bit(Unit::Millisecond) | bit(Unit::Microsecond)) != 0 {
                            return Err(Fail::Bad);
                        }
                        fmask |= bit(Unit::Millisecond) | bit(Unit::Microsecond);
                    }
                }
                if fmask & bit(unit) != 0 {
                    return Err(Fail::Bad);
                }
                fmask |= bit(unit);
                seen_any = true;
                pending = Some(if unit == Unit::Hour { Unit::Day } else { unit });
            }
        }
    }
    if !seen_any {
        return Err(Fail::Bad);
    }
    if ago {
        acc.negate()?;
    }
    Ok(acc)
}

/// Reads a signed decimal at the start of `s`: (whole, fraction, rest).
fn iso_number(s: &str) -> Result<(i64, f64, &str), Fail> {
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '+' || c == '-'))))
        .map_or(s.len(), |(i, _)| i);
    let (num, rest) = s.split_at(end);
    let (whole, frac) = split_number(num)?;
    Ok((whole, frac, rest))
}

/// PostgreSQL's `DecodeISO8601Interval` (designators and the extended alternative format).
fn parse_iso8601(s: &str) -> Result<Acc, Fail> {
    let mut acc = Acc::default();
    let mut date_part = true;
    let mut have_field = false;
    let mut rest = s;
    if rest.is_empty() {
        return Err(Fail::Bad);
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            date_part = false;
            have_field = false;
            rest = r;
            continue;
        }
        let (val, frac, r) = iso_number(rest)?;
        let mut chars = r.chars();
        let unit = chars.next();
        rest = chars.as_str();
        if date_part {
            match unit {
                Some('Y') => acc.add_unit(Unit::Year, val, frac)?,
                Some('M') => acc.add_unit(Unit::Month, val, frac)?,
                Some('W') => acc.add_unit(Unit::Week, val, frac)?,
                Some('D') => acc.add_unit(Unit::Day, val, frac)?,
                Some('T') | Some('-') | None => {
                    if have_field {
                        return Err(Fail::Bad);
                    }
                    acc.add_unit(Unit::Year, val, frac)?;
                    match unit {
                        None => return Ok(acc),
                        Some('T') => {
                            date_part = false;
                            have_field = false;
                            continue;
                        }
                        _ => {}
                    }
                    let (val, frac, r) = iso_number(rest)?;
                    acc.add_unit(Unit::Month, val, frac)?;
                    rest = r;
                    if rest.is_empty() {
                        return Ok(acc);
                    }
                    if let Some(r) = rest.strip_prefix('T') {
                        rest = r;
                        date_part = false;
                        have_field = false;
                        continue;
                    }
                    rest = rest.strip_prefix('-').ok_or(Fail::Bad)?;
                    let (val, frac, r) = iso_number(rest)?;
                    acc.add_unit(Unit::Day, val, frac)?;
                    rest = r;
                    if rest.is_empty() {
                        return Ok(acc);
                    }
                    rest = rest.strip_prefix('T').ok_or(Fail::Bad)?;
                    date_part = false;
                    have_field = false;
                    continue;
                }
                _ => return Err(Fail::Bad),
            }
        } else {
            match unit {
                Some('H') => acc.add_unit(Unit::Hour, val, frac)?,
                Some('M') => acc.add_unit(Unit::Minute, val, frac)?,
                Some('S') => acc.add_unit(Unit::Second, val, frac)?,
                Some(':') | None => {
                    if have_field {
                        return Err(Fail::Bad);
                    }
                    acc.add_unit(Unit::Hour, val, frac)?;
                    if unit.is_none() {
                        return Ok(acc);
                    }
                    let (val, frac, r) = iso_number(rest)?;
                    acc.add_unit(Unit::Minute, val, frac)?;
                    rest = r;
                    if rest.is_empty() {
                        return Ok(acc);
                    }
                    rest = rest.strip_prefix(':').ok_or(Fail::Bad)?;
                    let (val, frac, r) = iso_number(rest)?;
                    acc.add_unit(Unit::Second, val, frac)?;
                    if !r.is_empty() {
                        return Err(Fail::Bad);
                    }
                    return Ok(acc);
                }
                _ => return Err(Fail::Bad),
            }
        }
        have_field = true;
    }
    Ok(acc)
}

/// `1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:03:00`, `00:00:00`.
pub fn format_interval(iv: &Interval) -> String {
    let year = iv.months / 12;
    let mon = iv.months % 12;
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    for (value, unit) in [
        (i64::from(year), "year"),
        (i64::from(mon), "mon"),
        (i64::from(iv.days), "day"),
    ] {
        if value == 0 {
            continue;
        }
        let _ = write!(
            out,
            "{}{}{} {}{}",
            if is_zero { "" } else { " " },
            if is_before && value > 0 { "+" } else { "" },
            value,
            unit,
            if value != 1 { "s" } else { "" }
        );
        is_before = value < 0;
        is_zero = false;
    }
    let t = iv.micros;
    if is_zero || t != 0 {
        let minus = t < 0;
        let a = t.unsigned_abs();
        let hours = a / USECS_PER_HOUR as u64;
        let mins = a / USECS_PER_MINUTE as u64 % 60;
        let secs = a / USECS_PER_SEC as u64 % 60;
        let frac = (a % USECS_PER_SEC as u64) as i32;
        let _ = write!(
            out,
            "{}{}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            hours,
            mins,
            secs
        );
        super::format::push_fraction(&mut out, frac);
    }
    out
}

/// The 128-bit span PostgreSQL compares intervals by.
pub fn interval_span(iv: &Interval) -> i128 {
    (i128::from(iv.months) * 30 + i128::from(iv.days)) * i128::from(USECS_PER_DAY)
        + i128::from(iv.micros)
}

/// Orders intervals as PostgreSQL does.
pub fn compare_intervals(a: &Interval, b: &Interval) -> Ordering {
    interval_span(a).cmp(&interval_span(b))
}

/// `a + b`, 22008 on overflow.
pub fn add(a: &Interval, b: &Interval) -> Result<Interval, DbError> {
    Ok(Interval {
        months: a
            .months
            .checked_add(b.months)
            .ok_or_else(errors::interval_out_of_range)?,
        days: a
            .days
            .checked_add(b.days)
            .ok_or_else(errors::interval_out_of_range)?,
        micros: a
            .micros
            .checked_add(b.micros)
            .ok_or_else(errors::interval_out_of_range)?,
    })
}

/// `-a`.
pub fn neg(a: &Interval) -> Result<Interval, DbError> {
    Ok(Interval {
        months: a
            .months
            .checked_neg()
            .ok_or_else(errors::interval_out_of_range)?,
        days: a
            .days
            .checked_neg()
            .ok_or_else(errors::interval_out_of_range)?,
        micros: a
            .micros
            .checked_neg()
            .ok_or_else(errors::interval_out_of_range)?,
    })
}

/// `a - b`.
pub fn sub(a: &Interval, b: &Interval) -> Result<Interval, DbError> {
    add(a, &neg(b)?)
}

fn tsround(x: f64) -> f64 {
    (x * 1e6).round_ties_even() / 1e6
}

fn to_i32(x: f64) -> Result<i32, DbError> {
    if x.is_nan() || x > f64::from(i32::MAX) || x < f64::from(i32::MIN) {
        return Err(errors::interval_out_of_range());
    }
    Ok(x as i32)
}

/// `interval * float8` (PostgreSQL's `interval_mul`, cascading fractions down).
pub fn mul(span: &Interval, factor: f64) -> Result<Interval, DbError> {
    scale(span, factor, |x| x * factor)
}

/// `interval / float8` (PostgreSQL's `interval_div`); 22012 for zero.
pub fn div(span: &Interval, factor: f64) -> Result<Interval, DbError> {
    if factor == 0.0 {
        return Err(errors::division_by_zero());
    }
    scale(span, factor, |x| x / factor)
}

fn scale(span: &Interval, factor: f64, op: impl Fn(f64) -> f64) -> Result<Interval, DbError> {
    if factor.is_nan() {
        return Err(errors::interval_out_of_range());
    }
    let months = to_i32(op(f64::from(span.months)))?;
    let mut days = to_i32(op(f64::from(span.days)))?;
    let month_remainder_days = tsround((op(f64::from(span.months)) - f64::from(months)) * 30.0);
    let mut sec_remainder = tsround(
        (op(f64::from(span.days)) - f64::from(days) + month_remainder_days
            - f64::from(month_remainder_days as i32))
            * 86400.0,
    );
    if sec_remainder.abs() >= 86400.0 {
        let extra = (sec_remainder / 86400.0) as i32;
        days = days
            .checked_add(extra)
            .ok_or_else(errors::interval_out_of_range)?;
        sec_remainder -= f64::from(extra) * 86400.0;
    }
    days = days
        .checked_add(month_remainder_days as i32)
        .ok_or_else(errors::interval_out_of_range)?;
    let micros = (op(span.micros as f64) + sec_remainder * 1e6).round_ties_even();
    if micros.is_nan() || !(i64::MIN as f64..-(i64::MIN as f64)).contains(&micros) {
        return Err(errors::interval_out_of_range());
    }
    Ok(Interval {
        months,
        days,
        micros: micros as i64,
    })
}

/// `justify_hours`: whole days out of the time part.
pub fn justify_hours(span: &Interval) -> Result<Interval, DbError> {
    let mut r = *span;
    let wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    r.days =
        i32::try_from(i64::from(r.days) + wholeday).map_err(|_| errors::interval_out_of_range())?;
    if r.days > 0 && r.micros < 0 {
        r.micros += USECS_PER_DAY;
        r.days -= 1;
    } else if r.days < 0 && r.micros > 0 {
        r.micros -= USECS_PER_DAY;
        r.days += 1;
    }
    Ok(r)
}

/// `justify_days`: whole 30-day months out of the days.
pub fn justify_days(span: &Interval) -> Result<Interval, DbError> {
    let mut r = *span;
    let wholemonth = r.days / 30;
    r.days -= wholemonth * 30;
    r.months = r
        .months
        .checked_add(wholemonth)
        .ok_or_else(errors::interval_out_of_range)?;
    if r.months > 0 && r.days < 0 {
        r.days += 30;
        r.months -= 1;
    } else if r.months < 0 && r.days > 0 {
        r.days -= 30;
        r.months += 1;
    }
    Ok(r)
}

/// `justify_interval`: both, with signs made consistent.
pub fn justify_interval(span: &Interval) -> Result<Interval, DbError> {
    let oor = errors::interval_out_of_range;
    let mut r = *span;
    if (r.days > 0 && r.micros > 0) || (r.days < 0 && r.micros < 0) {
        let wholemonth = r.days / 30;
        r.days -= wholemonth * 30;
        r.months = r.months.checked_add(wholemonth).ok_or_else(oor)?;
    }
    let wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    r.days = i32::try_from(i64::from(r.days) + wholeday).map_err(|_| oor())?;
    let wholemonth = r.days / 30;
    r.days -= wholemonth * 30;
    r.months = r.months.checked_add(wholemonth).ok_or_else(oor)?;
    if r.months > 0 && (r.days < 0 || (r.days == 0 && r.micros < 0)) {
        r.days += 30;
        r.months -= 1;
    } else if r.months < 0 && (r.days > 0 || (r.days == 0 && r.micros > 0)) {
        r.days -= 30;
        r.months += 1;
    }
    if r.days > 0 && r.micros < 0 {
        r.micros += USECS_PER_DAY;
        r.days -= 1;
    } else if r.days < 0 && r.micros > 0 {
        r.micros -= USECS_PER_DAY;
        r.days += 1;
    }
    Ok(r)
}
