//! `to_date` / `to_timestamp`: reading text against a template.

use rustydb_common::DbError;

use super::template::{DAY_NAMES, MONTH_NAMES, Node, parse_template};
use crate::types::datetime::{self as dt, Tm, USECS_PER_SEC, date2j};
use crate::types::errors;

/// The fields `to_date` / `to_timestamp` read.
#[derive(Debug, Default)]
struct Read {
    year: Option<i32>,
    month: Option<i32>,
    day: Option<i32>,
    doy: Option<i32>,
    hour: Option<i32>,
    minute: i32,
    second: i32,
    micros: i32,
    pm: Option<bool>,
    bc: bool,
    hour12: bool,
    julian: Option<i32>,
}

/// Parses `input` against `pattern` into a `timestamptz` value.
pub(super) fn parse_datetime(input: &str, pattern: &str) -> Result<i64, DbError> {
    let nodes = parse_template(pattern);
    let mut r = Read::default();
    let mut rest = input;
    for (i, node) in nodes.iter().enumerate() {
        let (key, fm) = match node {
            Node::Literal(lit) => {
                for lc in lit.chars() {
                    let mut chars = rest.chars();
                    match chars.next() {
                        Some(c) if c == lc || (lc == ' ' && c.is_whitespace()) => {
                            rest = chars.as_str()
                        }
                        Some(c) if !c.is_alphanumeric() && !lc.is_alphanumeric() => {
                            rest = chars.as_str();
                        }
                        _ => {}
                    }
                }
                continue;
            }
            Node::Field { key, fill_mode, .. } => (*key, *fill_mode),
        };
        // Numeric fields skip leading spaces.
        let lower = key.to_ascii_lowercase();
        let next_is_digits = matches!(nodes.get(i + 1), Some(Node::Field { .. }));
        let invalid = |got: &str| {
            errors::data("22007", format!("invalid value \"{got}\" for \"{key}\""))
                .with_detail("Value must be an integer.")
        };
        let read_num = |width: usize, rest: &mut &str| -> Result<i64, DbError> {
            let trimmed = rest.trim_start();
            let limit = if fm || !next_is_digits {
                usize::MAX
            } else {
                width
            };
            let (neg, body) = match trimmed.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, trimmed),
            };
            let len = body
                .char_indices()
                .take_while(|(i, c)| c.is_ascii_digit() && *i < limit)
                .count();
            if len == 0 {
                let shown: String = trimmed.chars().take(width.max(1)).collect();
                return Err(invalid(&shown));
            }
            let v: i64 = body[..len].parse().map_err(|_| invalid(&body[..len]))?;
            *rest = &body[len..];
            Ok(if neg { -v } else { v })
        };
        let name_match =
            |names: &[&str], len: Option<usize>, rest: &mut &str| -> Result<i32, DbError> {
                let t = rest.trim_start();
                for (idx, n) in names.iter().enumerate() {
                    let cand = match len {
                        Some(l) => &n[..l],
                        None => n,
                    };
                    if t.len() >= cand.len() && t[..cand.len()].eq_ignore_ascii_case(cand) {
                        *rest = &t[cand.len()..];
                        return Ok(idx as i32);
                    }
                }
                let shown: String = t.chars().take(3).collect();
                Err(
                errors::data("22007", format!("invalid value \"{shown}\" for \"{key}\""))
                    .with_detail(
                        "The given value did not match any of the allowed values for this field.",
                    ),
            )
            };
        let to_i32 =
            |v: i64| i32::try_from(v).map_err(|_| errors::datetime_field_out_of_range(input));
        match lower.as_str() {
            "yyyy" | "iyyy" => r.year = Some(to_i32(read_num(4, &mut rest)?)?),
            "yyy" | "iyy" => r.year = Some(2000 + to_i32(read_num(3, &mut rest)?)? % 1000),
            "yy" | "iy" => {
                let y = to_i32(read_num(2, &mut rest)?)?;
                r.year = Some(if y < 70 { 2000 + y } else { 1900 + y });
            }
            "y" | "i" => r.year = Some(2000 + to_i32(read_num(1, &mut rest)?)?),
            "mm" => r.month = Some(to_i32(read_num(2, &mut rest)?)?),
            "dd" => r.day = Some(to_i32(read_num(2, &mut rest)?)?),
            "ddd" => r.doy = Some(to_i32(read_num(3, &mut rest)?)?),
            "hh" | "hh12" => {
                r.hour = Some(to_i32(read_num(2, &mut rest)?)?);
                r.hour12 = true;
            }
            "hh24" => r.hour = Some(to_i32(read_num(2, &mut rest)?)?),
            "mi" => r.minute = to_i32(read_num(2, &mut rest)?)?,
            "ss" => r.second = to_i32(read_num(2, &mut rest)?)?,
            "ms" => {
                let before = rest.trim_start().len();
                let v = read_num(3, &mut rest)?;
                let digits = before - rest.len();
                r.micros = to_i32(v * 10i64.pow(3u32.saturating_sub(digits as u32)) * 1000)?;
            }
            "us" | "ff1" | "ff2" | "ff3" | "ff4" | "ff5" | "ff6" => {
                let before = rest.trim_start().len();
                let v = read_num(6, &mut rest)?;
                let digits = before - rest.len();
                r.micros = to_i32(v * 10i64.pow(6u32.saturating_sub(digits as u32)))?;
            }
            "sssss" | "ssss" => {
                let v = read_num(5, &mut rest)?;
                r.hour = Some(to_i32(v / 3600)?);
                r.minute = to_i32(v / 60 % 60)?;
                r.second = to_i32(v % 60)?;
            }
            "am" | "pm" | "a.m." | "p.m." => {
                let t = rest.trim_start();
                let upper = t.to_ascii_uppercase();
                let (pm, len) = if upper.starts_with("A.M.") {
                    (false, 4)
                } else if upper.starts_with("P.M.") {
                    (true, 4)
                } else if upper.starts_with("AM") {
                    (false, 2)
                } else if upper.starts_with("PM") {
                    (true, 2)
                } else {
                    return Err(errors::data(
                        "22007",
                        format!(
                            "invalid value \"{}\" for \"{key}\"",
                            t.chars().take(2).collect::<String>()
                        ),
                    ));
                };
                r.pm = Some(pm);
                rest = &t[len..];
            }
            "bc" | "ad" | "b.c." | "a.d." => {
                let t = rest.trim_start();
                let upper = t.to_ascii_uppercase();
                for (word, is_bc) in [("B.C.", true), ("A.D.", false), ("BC", true), ("AD", false)]
                {
                    if upper.starts_with(word) {
                        r.bc = is_bc;
                        rest = &t[word.len()..];
                        break;
                    }
                }
            }
            "month" => r.month = Some(name_match(&MONTH_NAMES, None, &mut rest)? + 1),
            "mon" => r.month = Some(name_match(&MONTH_NAMES, Some(3), &mut rest)? + 1),
            "day" => {
                name_match(&DAY_NAMES, None, &mut rest)?;
            }
            "dy" => {
                name_match(&DAY_NAMES, Some(3), &mut rest)?;
            }
            "d" | "id" | "w" | "ww" | "iw" | "q" | "cc" => {
                read_num(2, &mut rest)?;
            }
            "j" => r.julian = Some(to_i32(read_num(7, &mut rest)?)?),
            "rm" => {
                r.month = Some(
                    name_match(
                        &[
                            "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II",
                            "I",
                        ],
                        None,
                        &mut rest,
                    )
                    .map(|i| 12 - i)?,
                )
            }
            "tz" | "of" => {
                return Err(errors::not_supported(format!(
                    "formatting field \"{key}\" is only supported in to_char"
                )));
            }
            _ => {
                return Err(errors::not_supported(format!(
                    "formatting field \"{key}\" is not supported in to_date/to_timestamp"
                )));
            }
        }
    }
    build_timestamp(&r, input)
}

fn build_timestamp(r: &Read, input: &str) -> Result<i64, DbError> {
    let range = || errors::datetime_field_out_of_range(input);
    let (mut year, mut month, mut day) = (
        r.year.unwrap_or(1),
        r.month.unwrap_or(1),
        r.day.unwrap_or(1),
    );
    if r.bc {
        year = -(year - 1);
    }
    if let Some(jd) = r.julian {
        (year, month, day) = dt::j2date(jd);
    } else if let Some(doy) = r.doy {
        (year, month, day) = dt::j2date(date2j(year, 1, 1) + doy - 1);
    }
    if !(1..=12).contains(&month) || day < 1 || day > dt::days_in_month(year, month) {
        return Err(range());
    }
    let mut hour = r.hour.unwrap_or(0);
    if r.hour12 || r.pm.is_some() {
        if !(1..=12).contains(&hour) {
            return Err(errors::data(
                "22008",
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            )
            .with_hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
        if r.pm == Some(true) && hour < 12 {
            hour += 12;
        } else if r.pm != Some(true) && hour == 12 {
            hour = 0;
        }
    }
    if hour > 24 || r.minute > 59 || r.second > 60 {
        return Err(range());
    }
    let tm = Tm {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };
    let base = tm
        .to_timestamp()
        .ok_or_else(|| errors::datetime_out_of_range("timestamp"))?;
    let t = (i64::from(hour) * 60 + i64::from(r.minute)) * 60 * USECS_PER_SEC
        + i64::from(r.second) * USECS_PER_SEC
        + i64::from(r.micros);
    let ts = base + t;
    if !dt::is_valid_timestamp(ts) {
        return Err(errors::datetime_out_of_range("timestamp"));
    }
    Ok(ts)
}
