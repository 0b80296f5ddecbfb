//! Date/time input: a port of the core of PostgreSQL's `ParseDateTime` /
//! `DecodeDateTime` for `DateStyle = MDY`.
//!
//! The input is first split into fields exactly as PostgreSQL does (digit runs, `hh:mm`
//! times, `y-m-d` dates with an embedded month name, words, signed zone offsets), then each
//! field is decoded by what it looks like and what is already known: `2024-03-05`,
//! `03/05/2024`, `5 Mar 2024`, `March 5, 2024`, `20240305`, `J2451545`, `2024-100` (day of
//! year), `2024-03-05T13:04:05.123+02:00`, `1:04pm`, `44-03-15 BC`, and the special words
//! `epoch`, `infinity`, `-infinity`, `now`, `today`, `tomorrow`, `yesterday`, `allballs`.
//! Zone abbreviations are a fixed table of common ones; tz-database names are refused.
//!
//! Left out: week-day-only ambiguity checks, `DateStyle` other than MDY, and full zone
//! names (`Europe/Paris`), which need the tz database.

use rustydb_common::DbError;

use super::{
    DATE_INFINITY, DATE_NEG_INFINITY, POSTGRES_EPOCH_JDATE, TS_INFINITY, TS_NEG_INFINITY,
    UNIX_TO_POSTGRES_DAYS, USECS_PER_DAY, USECS_PER_SEC, date2j, days_in_month, is_valid_date,
    is_valid_julian, j2date, now_timestamptz, time_from_hms,
};
use crate::types::errors;

/// What kind of value is being read (it changes defaults, checks and error texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `date`.
    Date,
    /// `time without time zone`.
    Time,
    /// `timestamp without time zone`.
    Timestamp,
    /// `timestamp with time zone`.
    TimestampTz,
}

impl Target {
    fn type_name(self) -> &'static str {
        match self {
            Target::Date => "date",
            Target::Time => "time without time zone",
            Target::Timestamp => "timestamp without time zone",
            Target::TimestampTz => "timestamp with time zone",
        }
    }

    /// The name in input-syntax errors: PostgreSQL says `timestamp` for timestamp input.
    fn syntax_name(self) -> &'static str {
        match self {
            Target::Timestamp => "timestamp",
            t => t.type_name(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Number,
    Date,
    Time,
    Tz,
    Str,
    Special,
}

#[derive(Debug)]
struct Field {
    kind: FieldKind,
    text: String,
}

/// Why decoding failed, mapped to PostgreSQL's messages by [`Decoder::error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    BadFormat,
    FieldOverflow,
    MdFieldOverflow,
    TzOverflow,
    UnknownZone,
}

/// Splits input into fields like PostgreSQL's `ParseDateTime`.
fn split_fields(input: &str) -> Result<Vec<Field>, Fail> {
    let b: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let lower = |c: char| c.to_ascii_lowercase();
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let mut text = String::new();
        let kind;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                text.push(b[i]);
                i += 1;
            }
            if i < b.len() && b[i] == ':' {
                kind = FieldKind::Time;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == ':' || b[i] == '.') {
                    text.push(b[i]);
                    i += 1;
                }
            } else if i < b.len() && matches!(b[i], '-' | '/' | '.') {
                let delim = b[i];
                text.push(delim);
                i += 1;
                if i < b.len() && b[i].is_ascii_digit() {
                    let mut k = if delim == '.' {
                        FieldKind::Number
                    } else {
                        FieldKind::Date
                    };
                    while i < b.len() && b[i].is_ascii_digit() {
                        text.push(b[i]);
                        i += 1;
                    }
                    if i < b.len() && b[i] == delim {
                        k = FieldKind::Date;
                        while i < b.len() && (b[i].is_ascii_digit() || b[i] == delim) {
                            text.push(b[i]);
                            i += 1;
                        }
                    }
                    kind = k;
                } else {
                    kind = FieldKind::Date;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == delim) {
                        text.push(lower(b[i]));
                        i += 1;
                    }
                }
            } else {
                kind = FieldKind::Number;
            }
        } else if c == '.' {
            text.push(c);
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                text.push(b[i]);
                i += 1;
            }
            kind = FieldKind::Number;
        } else if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                text.push(lower(b[i]));
                i += 1;
            }
            let mut is_date = false;
            if i < b.len() && matches!(b[i], '-' | '/' | '.') {
                is_date = true;
            } else if i < b.len() && (b[i] == '+' || b[i].is_ascii_digit()) {
                is_date = keyword(&text).is_none();
            }
            if is_date {
                loop {
                    text.push(lower(b[i]));
                    i += 1;
                    if !(i < b.len()
                        && (matches!(b[i], '+' | '-' | '/' | '_' | '.' | ':')
                            || b[i].is_ascii_alphanumeric()))
                    {
                        break;
                    }
                }
                kind = FieldKind::Date;
            } else {
                kind = FieldKind::Str;
            }
        } else if c == '+' || c == '-' {
            text.push(c);
            i += 1;
            while i < b.len() && b[i].is_whitespace() {
                i += 1;
            }
            if i < b.len() && b[i].is_ascii_digit() {
                kind = FieldKind::Tz;
                while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], ':' | '.' | '-')) {
                    text.push(b[i]);
                    i += 1;
                }
            } else if i < b.len() && b[i].is_ascii_alphabetic() {
                kind = FieldKind::Special;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    text.push(lower(b[i]));
                    i += 1;
                }
            } else {
                return Err(Fail::BadFormat);
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(Fail::BadFormat);
        }
        out.push(Field { kind, text });
    }
    Ok(out)
}

/// A recognised word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Month(i32),
    WeekDay,
    Am,
    Pm,
    Ad,
    Bc,
    Special(Special),
    IsoTime,
    Julian,
    /// A zone abbreviation: seconds east of UTC.
    Zone(i32),
    Ignore,
}

/// The special date/time words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Epoch,
    Infinity,
    NegInfinity,
    Now,
    Today,
    Tomorrow,
    Yesterday,
    Allballs,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// Common zone abbreviations (seconds east of UTC), as in PostgreSQL's `Default` set.
const ZONES: &[(&str, i32)] = &[
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("zulu", 0),
    ("ut", 0),
    ("wet", 0),
    ("west", 3600),
    ("bst", 3600),
    ("cet", 3600),
    ("cest", 7200),
    ("met", 3600),
    ("mest", 7200),
    ("eet", 7200),
    ("eest", 10800),
    ("msk", 10800),
    ("ist", 7200),
    ("est", -5 * 3600),
    ("edt", -4 * 3600),
    ("cst", -6 * 3600),
    ("cdt", -5 * 3600),
    ("mst", -7 * 3600),
    ("mdt", -6 * 3600),
    ("pst", -8 * 3600),
    ("pdt", -7 * 3600),
    ("akst", -9 * 3600),
    ("akdt", -8 * 3600),
    ("hst", -10 * 3600),
    ("jst", 9 * 3600),
    ("kst", 9 * 3600),
    ("awst", 8 * 3600),
    ("acst", 9 * 3600 + 1800),
    ("aest", 10 * 3600),
    ("aedt", 11 * 3600),
    ("nzst", 12 * 3600),
    ("nzdt", 13 * 3600),
];

fn keyword(word: &str) -> Option<Keyword> {
    let w = word;
    if let Some(m) = MONTHS
        .iter()
        .position(|m| *m == w || (w.len() == 3 && m.starts_with(w)))
    {
        return Some(Keyword::Month(m as i32 + 1));
    }
    if w == "sept" {
        return Some(Keyword::Month(9));
    }
    if DAYS
        .iter()
        .any(|d| *d == w || (w.len() == 3 && d.starts_with(w)))
        || matches!(w, "tues" | "wednes" | "thur" | "thurs")
    {
        return Some(Keyword::WeekDay);
    }
    let k = match w {
        "am" => Keyword::Am,
        "pm" => Keyword::Pm,
        "ad" => Keyword::Ad,
        "bc" => Keyword::Bc,
        "epoch" => Keyword::Special(Special::Epoch),
        "infinity" | "+infinity" => Keyword::Special(Special::Infinity),
        "-infinity" => Keyword::Special(Special::NegInfinity),
        "now" => Keyword::Special(Special::Now),
        "today" => Keyword::Special(Special::Today),
        "tomorrow" => Keyword::Special(Special::Tomorrow),
        "yesterday" => Keyword::Special(Special::Yesterday),
        "allballs" => Keyword::Special(Special::Allballs),
        "t" => Keyword::IsoTime,
        "j" | "julian" => Keyword::Julian,
        "at" | "on" => Keyword::Ignore,
        _ => {
            return ZONES
                .iter()
                .find(|(name, _)| *name == w)
                .map(|(_, off)| Keyword::Zone(*off));
        }
    };
    Some(k)
}

const YEAR: u32 = 1;
const MONTH: u32 = 2;
const DAY: u32 = 4;
const DATE_MASK: u32 = YEAR | MONTH | DAY;
const HOUR: u32 = 8;
const MINUTE: u32 = 16;
const SECOND: u32 = 32;
const TIME_MASK: u32 = HOUR | MINUTE | SECOND;
const DOY: u32 = 64;
const TZ: u32 = 128;

/// The fields decoded so far.
#[derive(Debug, Default)]
struct Decoded {
    fmask: u32,
    year: i64,
    month: i64,
    day: i64,
    doy: i64,
    hour: i64,
    minute: i64,
    second: i64,
    fsec: i64,
    is2digits: bool,
    bc: bool,
    meridian: Option<bool>,
    /// `J` seen, its number not yet.
    julian_pending: bool,
    /// The year came from a Julian day or "now" and is already astronomical.
    is_julian: bool,
    tz: Option<i32>,
    special: Option<Special>,
    have_text_month: bool,
}

impl Decoded {
    fn set(&mut self, mask: u32) -> Result<(), Fail> {
        if self.fmask & mask != 0 {
            return Err(Fail::BadFormat);
        }
        self.fmask |= mask;
        Ok(())
    }

    /// PostgreSQL's `DecodeNumber`: a lone number placed by what is already known.
    fn number(&mut self, text: &str) -> Result<(), Fail> {
        if text.contains('.') {
            return self.number_field(text);
        }
        let flen = text.len();
        let val: i64 = text.parse().map_err(|_| Fail::FieldOverflow)?;
        if flen == 3 && self.fmask & DATE_MASK == YEAR && (1..=366).contains(&val) {
            self.set(DOY)?;
            self.doy = val;
            return Ok(());
        }
        let placed = match self.fmask & DATE_MASK {
            0 => {
                if flen >= 3 {
                    YEAR
                } else {
                    MONTH
                }
            }
            YEAR => MONTH,
            MONTH => {
                if self.have_text_month {
                    if flen >= 3 { YEAR } else { DAY }
                } else {
                    DAY
                }
            }
            m if m == YEAR | MONTH => {
                if self.have_text_month && flen >= 3 && self.is2digits {
                    // The first number was the day, not a two-digit year.
                    self.fmask |= DAY;
                    self.day = self.year;
                    self.year = val;
                    self.is2digits = false;
                    return Ok(());
                }
                DAY
            }
            DAY => MONTH,
            m if m == MONTH | DAY => YEAR,
            DATE_MASK => return self.number_field(text),
            _ => return Err(Fail::BadFormat),
        };
        self.set(placed)?;
        match placed {
            YEAR => {
                self.year = val;
                self.is2digits = flen <= 2;
            }
            MONTH => self.month = val,
            _ => self.day = val,
        }
        Ok(())
    }

    /// PostgreSQL's `DecodeNumberField`: run-together `yyyymmdd`, `hhmmss`, `hhmm`.
    fn number_field(&mut self, text: &str) -> Result<(), Fail> {
        let (digits, frac) = match text.split_once('.') {
            Some((d, f)) => (d, Some(f)),
            None => (text, None),
        };
        let len = digits.len();
        let num = |s: &str| -> Result<i64, Fail> { s.parse().map_err(|_| Fail::BadFormat) };
        if let Some(f) = frac {
            self.fsec = parse_fraction(f)?;
        } else if self.fmask & DATE_MASK != DATE_MASK && len >= 6 {
            self.set(DATE_MASK)?;
            self.day = num(&digits[len - 2..])?;
            self.month = num(&digits[len - 4..len - 2])?;
            self.year = num(&digits[..len - 4])?;
            self.is2digits = len - 4 == 2;
            return Ok(());
        }
        if self.fmask & TIME_MASK != TIME_MASK {
            if len == 6 {
                self.set(TIME_MASK)?;
                self.hour = num(&digits[..2])?;
                self.minute = num(&digits[2..4])?;
                self.second = num(&digits[4..])?;
                return Ok(());
            } else if len == 4 {
                self.set(TIME_MASK)?;
                self.hour = num(&digits[..2])?;
                self.minute = num(&digits[2..])?;
                self.second = 0;
                return Ok(());
            }
        }
        Err(Fail::BadFormat)
    }

    /// PostgreSQL's `DecodeDate`: `y-m-d`, `m/d/y`, `2024-mar-05`.
    fn date(&mut self, text: &str) -> Result<(), Fail> {
        let parts: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect();
        // Month names first, so numbers know a text month is present.
        let mut numeric = Vec::new();
        for p in parts {
            if p.starts_with(|c: char| c.is_ascii_alphabetic()) {
                match keyword(p) {
                    Some(Keyword::Month(m)) => self.text_month(m)?,
                    Some(Keyword::Ad) => {}
                    Some(Keyword::Bc) => self.bc = true,
                    _ => return Err(Fail::BadFormat),
                }
            } else {
                numeric.push(p);
            }
        }
        for p in numeric {
            if p.len() > 9 {
                return Err(Fail::FieldOverflow);
            }
            self.number(p)?;
        }
        Ok(())
    }

    /// PostgreSQL's `DecodeTime`: `hh:mm`, `hh:mm:ss`, `hh:mm:ss.ffffff`.
    fn time(&mut self, text: &str) -> Result<(), Fail> {
        self.set(TIME_MASK)?;
        let parts: Vec<&str> = text.split(':').collect();
        let num = |s: &str| -> Result<i64, Fail> {
            if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fail::BadFormat);
            }
            s.parse().map_err(|_| Fail::BadFormat)
        };
        match parts.as_slice() {
            [h, m] => {
                match m.split_once('.') {
                    // "mm:ss.fff": PostgreSQL reads two fields with a fraction as minutes
                    // and seconds.
                    Some((sec, frac)) => {
                        self.hour = 0;
                        self.minute = num(h)?;
                        self.second = num(sec)?;
                        self.fsec = parse_fraction(frac)?;
                    }
                    None => {
                        self.hour = num(h)?;
                        self.minute = num(m)?;
                        self.second = 0;
                    }
                }
            }
            [h, m, s] => {
                self.hour = num(h)?;
                self.minute = num(m)?;
                let (s, f) = s.split_once('.').map_or((*s, None), |(a, b)| (a, Some(b)));
                self.second = num(s)?;
                if let Some(f) = f {
                    self.fsec = parse_fraction(f)?;
                }
            }
            _ => return Err(Fail::BadFormat),
        }
        if self.minute > 59 || self.second > 60 || self.fsec > USECS_PER_SEC {
            return Err(Fail::FieldOverflow);
        }
        Ok(())
    }

    /// PostgreSQL's `DecodeTimezone`: `+02`, `-0530`, `+05:30`.
    fn timezone(&mut self, text: &str) -> Result<(), Fail> {
        let negative = text.starts_with('-');
        let body = &text[1..];
        let (hr, min, sec): (i64, i64, i64);
        let num = |s: &str| -> Result<i64, Fail> {
            if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fail::BadFormat);
            }
            s.parse().map_err(|_| Fail::BadFormat)
        };
        let parts: Vec<&str> = body.split(':').collect();
        match parts.as_slice() {
            [h] if h.len() > 3 => {
                let v = num(h)?;
                hr = v / 100;
                min = v % 100;
                sec = 0;
            }
            [h] => {
                hr = num(h)?;
                min = 0;
                sec = 0;
            }
            [h, m] => {
                hr = num(h)?;
                min = num(m)?;
                sec = 0;
            }
            [h, m, s] => {
                hr = num(h)?;
                min = num(m)?;
                sec = num(s)?;
            }
            _ => return Err(Fail::BadFormat),
        }
        if hr > 15 || min >= 60 || sec >= 60 {
            return Err(Fail::TzOverflow);
        }
        let off = ((hr * 60 + min) * 60 + sec) as i32;
        self.set_tz(if negative { -off } else { off })
    }

    /// A month name; a number already taken as the month was the day (`5 Mar 2024`).
    fn text_month(&mut self, m: i32) -> Result<(), Fail> {
        if self.fmask & MONTH != 0
            && !self.have_text_month
            && self.fmask & DAY == 0
            && (1..=31).contains(&self.month)
        {
            self.day = self.month;
            self.fmask |= DAY;
        } else {
            self.set(MONTH)?;
        }
        self.month = i64::from(m);
        self.have_text_month = true;
        Ok(())
    }

    fn set_tz(&mut self, east: i32) -> Result<(), Fail> {
        self.set(TZ)?;
        self.tz = Some(east);
        Ok(())
    }
}

/// Reads the digits after a point as microseconds, rounding half up past six digits.
fn parse_fraction(f: &str) -> Result<i64, Fail> {
    if !f.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Fail::BadFormat);
    }
    let mut us: i64 = 0;
    for (i, b) in f.bytes().take(7).enumerate() {
        let d = i64::from(b - b'0');
        if i < 6 {
            us = us * 10 + d;
        } else if d >= 5 {
            us += 1;
        }
    }
    for _ in f.len()..6 {
        us *= 10;
    }
    Ok(us)
}

/// The statement's notion of "now" for `now` / `today`: a `timestamptz` value.
#[derive(Debug, Clone, Copy)]
pub struct Now(pub Option<i64>);

impl Now {
    fn get(self) -> i64 {
        self.0.unwrap_or_else(now_timestamptz)
    }
}

/// Decodes all fields; `Ok` carries the decoded parts before range checks.
fn decode(input: &str, now: Now) -> Result<Decoded, Fail> {
    let fields = split_fields(input)?;
    if fields.is_empty() {
        return Err(Fail::BadFormat);
    }
    let mut d = Decoded::default();
    let mut i = 0;
    while i < fields.len() {
        let f = &fields[i];
        match f.kind {
            FieldKind::Date => {
                if d.julian_pending {
                    return Err(Fail::BadFormat);
                }
                // A date field may be a zone name with '/' (Europe/Paris) once a date is known.
                if f.text.contains(|c: char| c.is_ascii_alphabetic())
                    && d.fmask & DATE_MASK == DATE_MASK
                {
                    return Err(Fail::UnknownZone);
                }
                d.date(&f.text)?;
            }
            FieldKind::Time => d.time(&f.text)?,
            FieldKind::Tz => {
                if d.fmask & TIME_MASK == 0 && d.fmask & DATE_MASK != DATE_MASK {
                    return Err(Fail::BadFormat);
                }
                d.timezone(&f.text)?;
            }
            FieldKind::Number => {
                if d.julian_pending {
                    d.julian_pending = false;
                    let v: i64 = f.text.parse().map_err(|_| Fail::BadFormat)?;
                    d.set(DATE_MASK)?;
                    let (y, m, dd) = j2date(i32::try_from(v).map_err(|_| Fail::FieldOverflow)?);
                    d.year = i64::from(y);
                    d.month = i64::from(m);
                    d.day = i64::from(dd);
                    d.is_julian = true;
                } else if f.text.starts_with('.') {
                    if d.fmask & SECOND == 0 {
                        return Err(Fail::BadFormat);
                    }
                    d.fsec = parse_fraction(&f.text[1..])?;
                } else {
                    let flen = f.text.len();
                    let has_dot = f.text.contains('.');
                    if has_dot && d.fmask & DATE_MASK == 0 {
                        d.date(&f.text)?;
                    } else if (has_dot && f.text.find('.').unwrap_or(0) > 2)
                        || (flen >= 6 && (d.fmask & DATE_MASK == 0 || d.fmask & TIME_MASK == 0))
                    {
                        d.number_field(&f.text)?;
                    } else {
                        d.number(&f.text)?;
                    }
                }
            }
            FieldKind::Str | FieldKind::Special => match keyword(&f.text) {
                Some(Keyword::Month(m)) => d.text_month(m)?,
                Some(Keyword::WeekDay | Keyword::Ignore | Keyword::Ad) => {}
                Some(Keyword::Am) => d.meridian = Some(false),
                Some(Keyword::Pm) => d.meridian = Some(true),
                Some(Keyword::Bc) => d.bc = true,
                Some(Keyword::IsoTime) => {
                    // "T" must be followed by a time (or run-together hhmmss).
                    match fields.get(i + 1) {
                        Some(next) if matches!(next.kind, FieldKind::Time | FieldKind::Number) => {}
                        _ => return Err(Fail::BadFormat),
                    }
                }
                Some(Keyword::Julian) => d.julian_pending = true,
                Some(Keyword::Zone(off)) => d.set_tz(off)?,
                Some(Keyword::Special(s)) => match s {
                    Special::Now => {
                        let (days, time) = super::split_timestamp(now.get());
                        d.set(DATE_MASK | TIME_MASK)?;
                        d.set_ymd_from_days(days);
                        d.hour = time / super::USECS_PER_HOUR;
                        d.minute = time / super::USECS_PER_MINUTE % 60;
                        d.second = time / USECS_PER_SEC % 60;
                        d.fsec = time % USECS_PER_SEC;
                        d.set_tz(0)?;
                    }
                    Special::Today | Special::Tomorrow | Special::Yesterday => {
                        let days = now.get().div_euclid(USECS_PER_DAY)
                            + match s {
                                Special::Tomorrow => 1,
                                Special::Yesterday => -1,
                                _ => 0,
                            };
                        d.set(DATE_MASK)?;
                        d.set_ymd_from_days(days);
                    }
                    _ => {
                        if fields.len() > 1 || d.special.is_some() {
                            return Err(Fail::BadFormat);
                        }
                        d.special = Some(s);
                    }
                },
                None => {
                    return Err(if f.text.contains('/') {
                        Fail::UnknownZone
                    } else {
                        Fail::BadFormat
                    });
                }
            },
        }
        i += 1;
    }
    if d.julian_pending {
        return Err(Fail::BadFormat);
    }
    Ok(d)
}

impl Decoded {
    fn set_ymd_from_days(&mut self, days: i64) {
        let (y, m, dd) = j2date((days + i64::from(POSTGRES_EPOCH_JDATE)) as i32);
        self.year = i64::from(y);
        self.month = i64::from(m);
        self.day = i64::from(dd);
        self.is_julian = true;
    }

    /// PostgreSQL's `ValidateDate`: year adjustments, BC, day of year, month/day ranges.
    fn validate_date(&mut self) -> Result<(), Fail> {
        if self.fmask & YEAR != 0 {
            if self.is_julian {
                // Already astronomical.
            } else if self.bc {
                if self.year <= 0 {
                    return Err(Fail::FieldOverflow);
                }
                self.year = -(self.year - 1);
            } else if self.is2digits {
                if self.year < 70 {
                    self.year += 2000;
                } else if self.year < 100 {
                    self.year += 1900;
                }
            } else if self.year <= 0 {
                return Err(Fail::FieldOverflow);
            }
        }
        if self.fmask & DOY != 0 {
            let jd = date2j(self.year as i32, 1, 1) as i64 + self.doy - 1;
            let (y, m, d) = j2date(jd as i32);
            self.year = i64::from(y);
            self.month = i64::from(m);
            self.day = i64::from(d);
            self.fmask |= MONTH | DAY;
        }
        if self.fmask & MONTH != 0 && !(1..=12).contains(&self.month) {
            return Err(Fail::MdFieldOverflow);
        }
        if self.fmask & DAY != 0 && !(1..=31).contains(&self.day) {
            return Err(Fail::MdFieldOverflow);
        }
        if self.fmask & DATE_MASK == DATE_MASK
            && (self.year.abs() > 10_000_000
                || self.day > i64::from(days_in_month(self.year as i32, self.month as i32)))
        {
            return Err(Fail::FieldOverflow);
        }
        Ok(())
    }

    /// AM/PM and the hour range.
    fn validate_time(&mut self, allow_24: bool) -> Result<(), Fail> {
        if let Some(pm) = self.meridian {
            if self.hour > 12 {
                return Err(Fail::FieldOverflow);
            }
            if !pm && self.hour == 12 {
                self.hour = 0;
            } else if pm && self.hour != 12 {
                self.hour += 12;
            }
        }
        let over_24 = self.hour > 24
            || (self.hour == 24 && (self.minute > 0 || self.second > 0 || self.fsec > 0));
        if over_24 || (!allow_24 && self.hour == 24) {
            return Err(Fail::FieldOverflow);
        }
        Ok(())
    }

    fn time_micros(&self) -> i64 {
        time_from_hms(self.hour as i32, self.minute as i32, 0, 0)
            + self.second * USECS_PER_SEC
            + self.fsec
    }
}

fn fail_error(fail: Fail, input: &str, target: Target) -> DbError {
    match fail {
        Fail::BadFormat => errors::invalid_datetime_syntax(target.syntax_name(), input),
        Fail::FieldOverflow => errors::datetime_field_out_of_range(input),
        Fail::MdFieldOverflow => errors::datetime_field_out_of_range(input)
            .with_hint("Perhaps you need a different \"datestyle\" setting."),
        Fail::TzOverflow => errors::data(
            "22009",
            format!("time zone displacement out of range: \"{input}\""),
        ),
        Fail::UnknownZone => {
            let zone = input
                .split_whitespace()
                .find(|w| w.contains('/') && w.contains(|c: char| c.is_ascii_alphabetic()))
                .unwrap_or(input);
            errors::invalid_parameter(format!("time zone \"{zone}\" not recognized"))
        }
    }
}

/// Parses `date` input.
pub fn parse_date(input: &str, now: Now) -> Result<i32, DbError> {
    let target = Target::Date;
    let err = |f| fail_error(f, input, target);
    let mut d = decode(input, now).map_err(err)?;
    if let Some(s) = d.special {
        return match s {
            Special::Epoch => Ok(-(UNIX_TO_POSTGRES_DAYS as i32)),
            Special::Infinity => Ok(DATE_INFINITY),
            Special::NegInfinity => Ok(DATE_NEG_INFINITY),
            _ => Err(err(Fail::BadFormat)),
        };
    }
    if d.fmask & DATE_MASK != DATE_MASK && d.fmask & DOY == 0 {
        return Err(err(Fail::BadFormat));
    }
    d.validate_date().map_err(err)?;
    d.validate_time(true).map_err(err)?;
    let (y, m) = (d.year as i32, d.month as i32);
    let out_of_range = || errors::data("22008", format!("date out of range: \"{input}\""));
    if !is_valid_julian(y, m) {
        return Err(out_of_range());
    }
    let days = date2j(y, m, d.day as i32) - POSTGRES_EPOCH_JDATE;
    if !is_valid_date(days) {
        return Err(out_of_range());
    }
    Ok(days)
}

/// Parses `time` input (a date part and a zone are accepted and ignored).
pub fn parse_time(input: &str, now: Now) -> Result<i64, DbError> {
    let target = Target::Time;
    let err = |f| fail_error(f, input, target);
    let mut d = decode(input, now).map_err(err)?;
    if let Some(s) = d.special {
        return match s {
            Special::Allballs => Ok(0),
            _ => Err(err(Fail::BadFormat)),
        };
    }
    if d.fmask & TIME_MASK == 0 {
        return Err(err(Fail::BadFormat));
    }
    if d.fmask & DATE_MASK != 0 {
        d.validate_date().map_err(err)?;
    }
    d.validate_time(true).map_err(err)?;
    let t = d.time_micros();
    if t > USECS_PER_DAY {
        return Err(err(Fail::FieldOverflow));
    }
    Ok(t)
}

/// Parses `timestamp` (`tz = false`) or `timestamptz` (`tz = true`) input.
pub fn parse_timestamp(input: &str, tz: bool, now: Now) -> Result<i64, DbError> {
    let target = if tz {
        Target::TimestampTz
    } else {
        Target::Timestamp
    };
    let err = |f| fail_error(f, input, target);
    let mut d = decode(input, now).map_err(err)?;
    if let Some(s) = d.special {
        return match s {
            Special::Epoch => Ok(-UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY),
            Special::Infinity => Ok(TS_INFINITY),
            Special::NegInfinity => Ok(TS_NEG_INFINITY),
            _ => Err(err(Fail::BadFormat)),
        };
    }
    if d.fmask & DATE_MASK != DATE_MASK && d.fmask & DOY == 0 {
        return Err(err(Fail::BadFormat));
    }
    d.validate_date().map_err(err)?;
    d.validate_time(true).map_err(err)?;
    let out_of_range = || errors::data("22008", format!("timestamp out of range: \"{input}\""));
    let (y, m) = (d.year as i32, d.month as i32);
    if !is_valid_julian(y, m) {
        return Err(out_of_range());
    }
    let days = i64::from(date2j(y, m, d.day as i32) - POSTGRES_EPOCH_JDATE);
    let mut ts = days
        .checked_mul(USECS_PER_DAY)
        .and_then(|v| v.checked_add(d.time_micros()))
        .ok_or_else(out_of_range)?;
    if let (true, Some(east)) = (tz, d.tz) {
        ts -= i64::from(east) * USECS_PER_SEC;
    }
    if !super::is_valid_timestamp(ts) {
        return Err(out_of_range());
    }
    Ok(ts)
}
