//! Date/time templates: parsing a template into nodes, and `to_char` of dates, times and
//! intervals.

use crate::types::datetime::{self as dt, Tm, date2j, iso_week};

/// The fields `to_char` prints.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parts {
    pub(super) year: i32,
    pub(super) month: i32,
    pub(super) day: i32,
    pub(super) hour: i64,
    pub(super) minute: i32,
    pub(super) second: i32,
    pub(super) micros: i32,
    /// Seconds east of UTC for `timestamptz`, `None` without a zone.
    pub(super) tz: Option<i32>,
    pub(super) interval: bool,
}

pub(super) fn parts_of_ts(ts: i64, tz: Option<i32>) -> Parts {
    let tm = Tm::from_timestamp(ts);
    Parts {
        year: tm.year,
        month: tm.month,
        day: tm.day,
        hour: i64::from(tm.hour),
        minute: tm.minute,
        second: tm.second,
        micros: tm.micros,
        tz,
        interval: false,
    }
}

pub(super) const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// Date/time template keywords, longest first so prefixes do not shadow them.
const KEYWORDS: &[&str] = &[
    "a.d.", "A.D.", "a.m.", "A.M.", "b.c.", "B.C.", "p.m.", "P.M.", "SSSSS", "Y,YYY", "y,yyy",
    "MONTH", "Month", "month", "HH24", "HH12", "IDDD", "iddd", "IYYY", "iyyy", "SSSS", "YYYY",
    "yyyy", "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6",
    "DAY", "Day", "day", "DDD", "ddd", "IYY", "iyy", "MON", "Mon", "mon", "YYY", "yyy", "AD", "ad",
    "AM", "am", "BC", "bc", "CC", "cc", "DD", "dd", "DY", "Dy", "dy", "HH", "hh", "ID", "id", "IW",
    "iw", "IY", "iy", "MI", "mi", "MM", "mm", "MS", "ms", "OF", "of", "PM", "pm", "RM", "rm", "SS",
    "ss", "TZ", "tz", "US", "us", "WW", "ww", "YY", "yy", "D", "d", "I", "i", "J", "j", "Q", "q",
    "W", "w", "Y", "y",
];

/// One parsed template element.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Literal(String),
    Field {
        key: &'static str,
        fill_mode: bool,
        suffix: Option<&'static str>,
    },
}

pub(super) fn parse_template(pattern: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut rest = pattern;
    let mut lit = String::new();
    while !rest.is_empty() {
        let mut fill_mode = false;
        let mut body = rest;
        if let Some(r) = body.strip_prefix("FM").or_else(|| body.strip_prefix("fm")) {
            fill_mode = true;
            body = r;
        }
        if let Some(key) = KEYWORDS.iter().find(|k| body.starts_with(**k)) {
            if !lit.is_empty() {
                nodes.push(Node::Literal(std::mem::take(&mut lit)));
            }
            body = &body[key.len()..];
            let suffix = if body.starts_with("TH") {
                body = &body[2..];
                Some("TH")
            } else if body.starts_with("th") {
                body = &body[2..];
                Some("th")
            } else {
                None
            };
            nodes.push(Node::Field {
                key,
                fill_mode,
                suffix,
            });
            rest = body;
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or_default();
        if c == '"' {
            // Quoted text is literal; inside it a backslash escapes the next character.
            let mut inner = chars.clone();
            let mut consumed = c.len_utf8();
            while let Some(q) = inner.next() {
                consumed += q.len_utf8();
                match q {
                    '"' => break,
                    '\\' => {
                        if let Some(n) = inner.next() {
                            consumed += n.len_utf8();
                            lit.push(n);
                        }
                    }
                    other => lit.push(other),
                }
            }
            rest = &rest[consumed..];
            continue;
        }
        lit.push(c);
        rest = chars.as_str();
    }
    if !lit.is_empty() {
        nodes.push(Node::Literal(lit));
    }
    nodes
}

fn ordinal(n: i64, upper: bool) -> &'static str {
    let s = if (11..=13).contains(&(n.abs() % 100)) {
        "th"
    } else {
        match n.abs() % 10 {
            1 => "st",
            2 => "nd",
            3 => "rd",
            _ => "th",
        }
    };
    if upper {
        match s {
            "st" => "ST",
            "nd" => "ND",
            "rd" => "RD",
            _ => "TH",
        }
    } else {
        s
    }
}

/// Applies a name's case pattern (`MONTH`, `Month`, `month`).
fn cased(name: &str, key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_uppercase()) {
        name.to_ascii_uppercase()
    } else if key.starts_with(|c: char| c.is_ascii_uppercase()) {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    }
}

pub(super) fn format_datetime(p: &Parts, pattern: &str) -> String {
    let mut out = String::new();
    let bc = p.year <= 0 && !p.interval;
    let year = if bc { 1 - p.year } else { p.year };
    let jd = if p.interval {
        0
    } else {
        date2j(p.year, p.month, p.day)
    };
    let (iso_year, iso_wk) = if p.interval {
        (0, 0)
    } else {
        iso_week(p.year, p.month, p.day)
    };
    let dow = (jd + 1).rem_euclid(7);
    let doy = if p.interval {
        0
    } else {
        jd - date2j(p.year, 1, 1) + 1
    };
    for node in parse_template(pattern) {
        let (key, fm, suffix) = match node {
            Node::Literal(s) => {
                out.push_str(&s);
                continue;
            }
            Node::Field {
                key,
                fill_mode,
                suffix,
            } => (key, fill_mode, suffix),
        };
        let num = |v: i64, width: usize| -> (i64, String) {
            let s = if fm {
                v.to_string()
            } else if v < 0 {
                format!("-{:0width$}", -v, width = width)
            } else {
                format!("{v:0width$}")
            };
            (v, s)
        };
        let name = |n: &str, pad: usize| -> String {
            let c = cased(n, key);
            if fm { c } else { format!("{c:<pad$}") }
        };
        let lower = key.to_ascii_lowercase();
        let (value, text): (Option<i64>, String) = match lower.as_str() {
            "hh" | "hh12" => {
                let h = p.hour % 12;
                let (v, s) = num(if h == 0 { 12 } else { h }, 2);
                (Some(v), s)
            }
            "hh24" => {
                let (v, s) = num(p.hour, 2);
                (Some(v), s)
            }
            "mi" => {
                let (v, s) = num(i64::from(p.minute), 2);
                (Some(v), s)
            }
            "ss" => {
                let (v, s) = num(i64::from(p.second), 2);
                (Some(v), s)
            }
            "ms" => {
                let (v, s) = num(i64::from(p.micros / 1000), 3);
                (Some(v), s)
            }
            "us" => {
                let (v, s) = num(i64::from(p.micros), 6);
                (Some(v), s)
            }
            "ff1" | "ff2" | "ff3" | "ff4" | "ff5" | "ff6" => {
                let digits = u32::from(lower.as_bytes()[2] - b'0');
                let v = i64::from(p.micros) / 10i64.pow(6 - digits);
                let (v, s) = num(v, digits as usize);
                (Some(v), s)
            }
            "ssss" | "sssss" => {
                let secs = p.hour * 3600 + i64::from(p.minute) * 60 + i64::from(p.second);
                (Some(secs), secs.to_string())
            }
            "am" | "pm" => {
                let pm = p.hour % 24 >= 12;
                let s = if pm { "PM" } else { "AM" };
                (
                    None,
                    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                        s.to_ascii_lowercase()
                    } else {
                        s.into()
                    },
                )
            }
            "a.m." | "p.m." => {
                let pm = p.hour % 24 >= 12;
                let s = if pm { "P.M." } else { "A.M." };
                (
                    None,
                    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                        s.to_ascii_lowercase()
                    } else {
                        s.into()
                    },
                )
            }
            "y,yyy" => {
                let s = format!("{},{:03}", year / 1000, year % 1000);
                (Some(i64::from(year)), s)
            }
            "yyyy" => {
                let (v, s) = num(i64::from(year), 4);
                (Some(v), s)
            }
            "yyy" => {
                let (v, s) = num(i64::from(year % 1000), 3);
                (Some(v), s)
            }
            "yy" => {
                let (v, s) = num(i64::from(year % 100), 2);
                (Some(v), s)
            }
            "y" => {
                let (v, s) = num(i64::from(year % 10), 1);
                (Some(v), s)
            }
            "iyyy" => {
                let (v, s) = num(i64::from(iso_year), 4);
                (Some(v), s)
            }
            "iyy" => {
                let (v, s) = num(i64::from(iso_year % 1000), 3);
                (Some(v), s)
            }
            "iy" => {
                let (v, s) = num(i64::from(iso_year % 100), 2);
                (Some(v), s)
            }
            "i" => {
                let (v, s) = num(i64::from(iso_year % 10), 1);
                (Some(v), s)
            }
            "bc" | "ad" => {
                let s = if bc { "BC" } else { "AD" };
                (
                    None,
                    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                        s.to_ascii_lowercase()
                    } else {
                        s.into()
                    },
                )
            }
            "b.c." | "a.d." => {
                let s = if bc { "B.C." } else { "A.D." };
                (
                    None,
                    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                        s.to_ascii_lowercase()
                    } else {
                        s.into()
                    },
                )
            }
            "month" => (
                None,
                if p.month >= 1 {
                    name(MONTH_NAMES[(p.month - 1) as usize], 9)
                } else {
                    String::new()
                },
            ),
            "mon" => (
                None,
                if p.month >= 1 {
                    cased(&MONTH_NAMES[(p.month - 1) as usize][..3], key)
                } else {
                    String::new()
                },
            ),
            "mm" => {
                let (v, s) = num(i64::from(p.month), 2);
                (Some(v), s)
            }
            "day" => (None, name(DAY_NAMES[dow as usize], 9)),
            "dy" => (None, cased(&DAY_NAMES[dow as usize][..3], key)),
            "ddd" => {
                let (v, s) = num(i64::from(doy), 3);
                (Some(v), s)
            }
            "iddd" => {
                let start = dt::iso_week_start(iso_year, 1);
                let (v, s) = num(i64::from(jd - start + 1), 3);
                (Some(v), s)
            }
            "dd" => {
                let (v, s) = num(i64::from(p.day), 2);
                (Some(v), s)
            }
            "d" => {
                let (v, s) = num(i64::from(dow + 1), 1);
                (Some(v), s)
            }
            "id" => {
                let (v, s) = num(i64::from(if dow == 0 { 7 } else { dow }), 1);
                (Some(v), s)
            }
            "w" => {
                let (v, s) = num(i64::from((p.day - 1) / 7 + 1), 1);
                (Some(v), s)
            }
            "ww" => {
                let (v, s) = num(i64::from((doy - 1) / 7 + 1), 2);
                (Some(v), s)
            }
            "iw" => {
                let (v, s) = num(i64::from(iso_wk), 2);
                (Some(v), s)
            }
            "cc" => {
                let cc = if p.interval {
                    p.year / 100
                } else if p.year > 0 {
                    (p.year + 99) / 100
                } else {
                    -((99 - (p.year - 1)) / 100)
                };
                let (v, s) = num(i64::from(cc), 2);
                (Some(v), s)
            }
            "j" => (Some(i64::from(jd)), jd.to_string()),
            "q" => {
                let (v, s) = num(i64::from((p.month - 1) / 3 + 1), 1);
                (Some(v), s)
            }
            "rm" => {
                let r = if p.month >= 1 {
                    ROMAN[(p.month - 1) as usize]
                } else {
                    ""
                };
                let r = if key == "rm" {
                    r.to_ascii_lowercase()
                } else {
                    r.to_string()
                };
                (None, if fm { r } else { format!("{r:<4}") })
            }
            "tz" => {
                let s = if p.tz.is_some() { "UTC" } else { "" };
                (
                    None,
                    if key == "tz" {
                        s.to_ascii_lowercase()
                    } else {
                        s.into()
                    },
                )
            }
            "of" => (
                None,
                match p.tz.or((!p.interval).then_some(0)) {
                    Some(off) => {
                        let sign = if off < 0 { '-' } else { '+' };
                        let a = off.unsigned_abs();
                        if a % 3600 == 0 {
                            format!("{sign}{:02}", a / 3600)
                        } else {
                            format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
                        }
                    }
                    None => String::new(),
                },
            ),
            _ => (None, key.to_string()),
        };
        out.push_str(&text);
        if let (Some(v), Some(sfx)) = (value, suffix) {
            out.push_str(ordinal(v, sfx == "TH"));
        }
    }
    out
}
