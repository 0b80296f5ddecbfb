//! UTC calendar dates for log file names, without a date-time dependency.
//!
//! Rotation only needs "which UTC day is this instant in" and `YYYY-MM-DD` both ways, so
//! a day is an `i64` count of days since 1970-01-01 and the conversion is the well-known
//! proleptic-Gregorian "days from civil" arithmetic (eras of 400 years).

use std::time::{SystemTime, UNIX_EPOCH};

const SECS_PER_DAY: i64 = 86_400;

/// The UTC day `time` falls in, as days since 1970-01-01.
pub(crate) fn day_of(time: SystemTime) -> i64 {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            // Round towards minus infinity: one nanosecond before the epoch is day -1.
            let d = before.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    secs.div_euclid(SECS_PER_DAY)
}

/// `YYYY-MM-DD` of a day.
pub(crate) fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day of a `YYYY-MM-DD` string, or `None` if it is not exactly that.
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return None;
    }
    let y: i64 = text[0..4].parse().ok()?;
    let m: u32 = text[5..7].parse().ok()?;
    let d: u32 = text[8..10].parse().ok()?;
    let day = days_from_civil(y, m, d);
    // Rejects 2026-02-30 and the like: they do not survive the round trip.
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(-1), "1969-12-31");
        assert_eq!(format_day(11_016), "2000-02-29");
        assert_eq!(parse_day("2026-11-24"), Some(20_781));
        assert_eq!(format_day(20_781), "2026-11-24");
    }

    #[test]
    fn every_day_round_trips() {
        // 1900-01-01 to 2199-12-31, then the ends of the four-digit years.
        let span = -25_567..84_006;
        for day in span.chain([-719_528, 2_932_896]) {
            assert_eq!(parse_day(&format_day(day)), Some(day), "{day}");
        }
        assert_eq!(format_day(-719_528), "0000-01-01");
        assert_eq!(format_day(2_932_896), "9999-12-31");
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "2026-01-01x",
            "20260101",
            "abcd-ef-gh",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_map_to_utc_days() {
        let midnight = UNIX_EPOCH + Duration::from_secs(20_781 * 86_400);
        assert_eq!(day_of(midnight), 20_781);
        assert_eq!(day_of(midnight - Duration::from_nanos(1)), 20_780);
        assert_eq!(day_of(UNIX_EPOCH - Duration::from_nanos(1)), -1);
        assert_eq!(day_of(UNIX_EPOCH - Duration::from_secs(86_400)), -1);
    }
}
