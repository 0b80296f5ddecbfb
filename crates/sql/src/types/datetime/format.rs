//! Date/time output in `DateStyle = ISO` with `TimeZone = UTC`.

use std::fmt::Write;

use super::{
    DATE_INFINITY, DATE_NEG_INFINITY, TS_INFINITY, TS_NEG_INFINITY, Tm, days_to_ymd, split_time,
};

/// `2024-03-05`, `0044-03-15 BC`, `infinity`.
pub fn format_date(d: i32) -> String {
    match d {
        DATE_INFINITY => "infinity".into(),
        DATE_NEG_INFINITY => "-infinity".into(),
        _ => {
            let (y, m, day) = days_to_ymd(d);
            let mut out = String::with_capacity(13);
            push_ymd(&mut out, y, m, day);
            if y <= 0 {
                out.push_str(" BC");
            }
            out
        }
    }
}

fn push_ymd(out: &mut String, y: i32, m: i32, d: i32) {
    let shown = if y > 0 { y } else { 1 - y };
    let _ = write!(out, "{shown:04}-{m:02}-{d:02}");
}

/// Appends `:SS` with the fraction trimmed of trailing zeros (`05.123`).
fn push_seconds(out: &mut String, sec: i32, micros: i32) {
    let _ = write!(out, "{sec:02}");
    push_fraction(out, micros);
}

/// Appends `.ffffff` without trailing zeros, nothing for zero.
pub(crate) fn push_fraction(out: &mut String, micros: i32) {
    if micros != 0 {
        let mut frac = format!("{:06}", micros.unsigned_abs());
        while frac.ends_with('0') {
            frac.pop();
        }
        out.push('.');
        out.push_str(&frac);
    }
}

/// `13:04:05.123` (and `24:00:00`).
pub fn format_time(t: i64) -> String {
    let (h, m, s, us) = split_time(t);
    let mut out = String::with_capacity(15);
    let _ = write!(out, "{h:02}:{m:02}:");
    push_seconds(&mut out, s, us);
    out
}

/// `2024-03-05 13:04:05`.
pub fn format_timestamp(ts: i64) -> String {
    format_ts(ts, false)
}

/// `2024-03-05 13:04:05+00`.
pub fn format_timestamptz(ts: i64) -> String {
    format_ts(ts, true)
}

fn format_ts(ts: i64, tz: bool) -> String {
    match ts {
        TS_INFINITY => return "infinity".into(),
        TS_NEG_INFINITY => return "-infinity".into(),
        _ => {}
    }
    let tm = Tm::from_timestamp(ts);
    let mut out = String::with_capacity(32);
    push_ymd(&mut out, tm.year, tm.month, tm.day);
    let _ = write!(out, " {:02}:{:02}:", tm.hour, tm.minute);
    push_seconds(&mut out, tm.second, tm.micros);
    if tz {
        out.push_str("+00");
    }
    if tm.year <= 0 {
        out.push_str(" BC");
    }
    out
}
