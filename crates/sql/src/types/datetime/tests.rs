//! Date/time goldens, taken from PostgreSQL 15 (`DateStyle = ISO, MDY`, `TimeZone = UTC`).

use super::fields::{
    FieldValue, extract_date, extract_interval, extract_time, extract_timestamp, trunc_interval,
    trunc_timestamp,
};
use super::format::{format_date, format_time, format_timestamp, format_timestamptz};
use super::interval::{
    format_interval, justify_days, justify_hours, justify_interval, parse_interval,
};
use super::parse::{Now, parse_date, parse_time, parse_timestamp};
use super::*;
use crate::types::Interval;

const NOW: Now = Now(Some(764_000_000_000_000)); // 2024-03-17 14:13:20+00

fn date(s: &str) -> String {
    parse_date(s, NOW).map_or_else(|e| format!("{} {}", e.sqlstate(), e.message()), format_date)
}

fn ts(s: &str) -> String {
    parse_timestamp(s, false, NOW).map_or_else(
        |e| format!("{} {}", e.sqlstate(), e.message()),
        format_timestamp,
    )
}

fn tstz(s: &str) -> String {
    parse_timestamp(s, true, NOW).map_or_else(
        |e| format!("{} {}", e.sqlstate(), e.message()),
        format_timestamptz,
    )
}

fn time(s: &str) -> String {
    parse_time(s, NOW).map_or_else(|e| format!("{} {}", e.sqlstate(), e.message()), format_time)
}

fn iv(s: &str) -> String {
    parse_interval(s).map_or_else(
        |e| format!("{} {}", e.sqlstate(), e.message()),
        |v| format_interval(&v),
    )
}

#[test]
fn calendar_round_trips() {
    for jd in [
        0,
        1,
        2_451_545,
        2_440_588,
        1_721_426,
        5_373_484,
        2_147_483_000,
    ] {
        let (y, m, d) = j2date(jd);
        assert_eq!(date2j(y, m, d), jd, "{jd} -> {y}-{m}-{d}");
    }
    assert_eq!(date2j(2000, 1, 1), POSTGRES_EPOCH_JDATE);
    assert_eq!(date2j(1970, 1, 1), UNIX_EPOCH_JDATE);
    assert_eq!(day_of_week(0), 6); // 2000-01-01 was a Saturday
    assert_eq!(iso_week(2024, 1, 1), (2024, 1));
    assert_eq!(iso_week(2021, 1, 3), (2020, 53));
    assert_eq!(iso_week(2024, 12, 30), (2025, 1));
}

#[test]
fn date_input_goldens() {
    let cases = [
        ("2024-03-05", "2024-03-05"),
        ("  2024-03-05  ", "2024-03-05"),
        ("03/05/24", "2024-03-05"),
        ("03/05/2024", "2024-03-05"),
        ("5 Mar 2024", "2024-03-05"),
        ("March 5, 2024", "2024-03-05"),
        ("2024-Mar-05", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("240305", "2024-03-05"),
        ("05.03.2024", "2024-05-03"),
        ("2024/03/05", "2024-03-05"),
        ("Tue Mar 05 2024", "2024-03-05"),
        ("J2451545", "2000-01-01"),
        ("2024-100", "2024-04-09"),
        ("0044-03-15 BC", "0044-03-15 BC"),
        ("4714-11-24 BC", "4714-11-24 BC"),
        ("5874897-12-31", "5874897-12-31"),
        ("2024-03-05 13:04", "2024-03-05"),
        ("epoch", "1970-01-01"),
        ("infinity", "infinity"),
        ("-infinity", "-infinity"),
        ("today", "2024-03-17"),
        ("tomorrow", "2024-03-18"),
        ("yesterday", "2024-03-16"),
        (
            "2020-13-01",
            "22008 date/time field value out of range: \"2020-13-01\"",
        ),
        (
            "2024-02-30",
            "22008 date/time field value out of range: \"2024-02-30\"",
        ),
        (
            "0000-01-01",
            "22008 date/time field value out of range: \"0000-01-01\"",
        ),
        (
            "4714-11-23 BC",
            "22008 date out of range: \"4714-11-23 BC\"",
        ),
        (
            "5874898-01-01",
            "22008 date out of range: \"5874898-01-01\"",
        ),
        ("x", "22007 invalid input syntax for type date: \"x\""),
        ("", "22007 invalid input syntax for type date: \"\""),
        ("1 BC", "22007 invalid input syntax for type date: \"1 BC\""),
    ];
    for (input, want) in cases {
        assert_eq!(date(input), want, "input {input:?}");
    }
}

#[test]
fn timestamp_input_goldens() {
    let cases = [
        ("2024-03-05 13:04:05", "2024-03-05 13:04:05"),
        ("2024-03-05T13:04:05.123", "2024-03-05 13:04:05.123"),
        ("2024-03-05 12:00:00.1234567", "2024-03-05 12:00:00.123457"),
        ("Mar 5 2024 13:04", "2024-03-05 13:04:00"),
        ("2024-03-05 1:04pm", "2024-03-05 13:04:00"),
        ("2024-03-05 01:04:05 am", "2024-03-05 01:04:05"),
        ("2024-03-05 12:04:05 am", "2024-03-05 00:04:05"),
        ("2024-03-05 12:04:05 pm", "2024-03-05 12:04:05"),
        ("2024-03-05 130405", "2024-03-05 13:04:05"),
        ("2024-01-01 24:00", "2024-01-02 00:00:00"),
        ("2024-01-01 23:59:60", "2024-01-02 00:00:00"),
        ("2024-03-05 13:04:05+02", "2024-03-05 13:04:05"),
        (
            "294276-12-31 23:59:59.999999",
            "294276-12-31 23:59:59.999999",
        ),
        ("1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999"),
        ("epoch", "1970-01-01 00:00:00"),
        ("today", "2024-03-17 00:00:00"),
        ("now", "2024-03-17 14:13:20"),
        (
            "2024-01-01 25:00",
            "22008 date/time field value out of range: \"2024-01-01 25:00\"",
        ),
        (
            "294277-01-01",
            "22008 timestamp out of range: \"294277-01-01\"",
        ),
        (
            "2024-03-05 foo",
            "22007 invalid input syntax for type timestamp: \"2024-03-05 foo\"",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(ts(input), want, "input {input:?}");
    }
    let cases = [
        (
            "2024-03-05T13:04:05.123+02:00",
            "2024-03-05 11:04:05.123+00",
        ),
        ("2024-03-05 13:04:05 PST", "2024-03-05 21:04:05+00"),
        ("2024-03-05 13:04:05 +05:30", "2024-03-05 07:34:05+00"),
        ("2024-03-05 13:04:05-0800", "2024-03-05 21:04:05+00"),
        ("2024-03-05T13:04:05Z", "2024-03-05 13:04:05+00"),
        ("0001-01-01 00:00:00 BC", "0001-01-01 00:00:00+00 BC"),
        ("-infinity", "-infinity"),
        (
            "2024-03-05 13:04:05+16",
            "22009 time zone displacement out of range: \"2024-03-05 13:04:05+16\"",
        ),
        (
            "2024-03-05 Europe/Paris",
            "22023 time zone \"Europe/Paris\" not recognized",
        ),
        (
            "2024-03-05 foo",
            "22007 invalid input syntax for type timestamp with time zone: \"2024-03-05 foo\"",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(tstz(input), want, "input {input:?}");
    }
}

#[test]
fn time_input_goldens() {
    let cases = [
        ("13:04:05.123456789", "13:04:05.123457"),
        ("1:2", "01:02:00"),
        ("12:30.5", "00:12:30.5"),
        ("01:02:03 pm", "13:02:03"),
        ("13:04+02", "13:04:00"),
        ("24:00:00", "24:00:00"),
        ("allballs", "00:00:00"),
        ("2024-03-05 13:04:05", "13:04:05"),
        (
            "24:00:01",
            "22008 date/time field value out of range: \"24:00:01\"",
        ),
        (
            "13:00 pm",
            "22008 date/time field value out of range: \"13:00 pm\"",
        ),
        (
            "x",
            "22007 invalid input syntax for type time without time zone: \"x\"",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(time(input), want, "input {input:?}");
    }
}

#[test]
fn interval_goldens() {
    let cases = [
        ("1 day 2 hours", "1 day 02:00:00"),
        ("01:02:03", "01:02:03"),
        ("1-2", "1 year 2 mons"),
        ("P1Y2M3DT4H", "1 year 2 mons 3 days 04:00:00"),
        ("-1 day +02:03", "-1 days +02:03:00"),
        ("1.5 days", "1 day 12:00:00"),
        ("1.5 months", "1 mon 15 days"),
        ("@ 1 day ago", "-1 days"),
        ("1 2:03:04", "1 day 02:03:04"),
        ("5", "00:00:05"),
        (
            "-1 year -2 mons +3 days -04:05:06.5",
            "-1 years -2 mons +3 days -04:05:06.5",
        ),
        ("1 week", "7 days"),
        ("1.5 years", "1 year 6 mons"),
        ("0.5 weeks", "3 days 12:00:00"),
        ("1 decade 2 centuries", "210 years"),
        ("-1.5 hours", "-01:30:00"),
        ("1 mon -1 day", "1 mon -1 days"),
        ("-00:00:01", "-00:00:01"),
        ("02:30.5", "00:02:30.5"),
        ("100000 hours", "100000:00:00"),
        ("1 microsecond 2 milliseconds", "00:00:00.002001"),
        ("P1W", "7 days"),
        ("PT1.5S", "00:00:01.5"),
        ("P0001-02-03T04:05:06", "1 year 2 mons 3 days 04:05:06"),
        ("P1Y-2M", "10 mons"),
        ("PT-1H30M", "-00:30:00"),
        ("0", "00:00:00"),
        (
            "1 day 2 days",
            "22007 invalid input syntax for type interval: \"1 day 2 days\"",
        ),
        ("1000000000 years", "22008 interval out of range"),
        (
            "abc",
            "22007 invalid input syntax for type interval: \"abc\"",
        ),
        (
            "99999999999999999999 days",
            "22015 interval field value out of range: \"99999999999999999999 days\"",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(iv(input), want, "input {input:?}");
    }
}

fn ivp(s: &str) -> Interval {
    parse_interval(s).unwrap()
}

#[test]
fn justify_goldens() {
    // select justify_hours('50 hours -1 min'), justify_days('-35 days'),
    //        justify_interval('1 mon -1 hour'), justify_interval('-1 mon 50 hours')
    assert_eq!(
        format_interval(&justify_hours(&ivp("50 hours -1 min")).unwrap()),
        "2 days 01:59:00"
    );
    assert_eq!(
        format_interval(&justify_days(&ivp("-35 days")).unwrap()),
        "-1 mons -5 days"
    );
    assert_eq!(
        format_interval(&justify_interval(&ivp("1 mon -1 hour")).unwrap()),
        "29 days 23:00:00"
    );
    assert_eq!(
        format_interval(&justify_interval(&ivp("-1 mon 50 hours")).unwrap()),
        "-27 days -22:00:00"
    );
}

#[test]
fn interval_arithmetic_goldens() {
    use super::interval::{div, mul};
    // select interval '1 mon 1 day' * 1.5, interval '1 day' / 3, interval '1 hour' * 2.5
    assert_eq!(
        format_interval(&mul(&ivp("1 mon 1 day"), 1.5).unwrap()),
        "1 mon 16 days 12:00:00"
    );
    assert_eq!(
        format_interval(&div(&ivp("1 day"), 3.0).unwrap()),
        "08:00:00"
    );
    assert_eq!(
        format_interval(&mul(&ivp("1 hour"), 2.5).unwrap()),
        "02:30:00"
    );
    assert_eq!(div(&ivp("1 day"), 0.0).unwrap_err().sqlstate(), "22012");
}

fn tsv(s: &str) -> i64 {
    parse_timestamp(s, false, NOW).unwrap()
}

#[test]
fn timestamp_arithmetic_goldens() {
    use super::arith::*;
    // Month ends clamp: select timestamp '2024-01-31' + interval '1 month'
    let r = timestamp_add_interval(tsv("2024-01-31"), &ivp("1 month")).unwrap();
    assert_eq!(format_timestamp(r), "2024-02-29 00:00:00");
    let r = timestamp_add_interval(tsv("2024-03-31 10:00"), &ivp("-1 mon -1 day 02:00")).unwrap();
    assert_eq!(format_timestamp(r), "2024-02-28 12:00:00");
    let d = timestamp_diff(tsv("2024-03-05 13:00"), tsv("2024-03-01 12:30")).unwrap();
    assert_eq!(format_interval(&d), "4 days 00:30:00");
    // select age(timestamp '2024-03-05', timestamp '2023-01-31 12:00')
    assert_eq!(
        format_interval(&age(tsv("2024-03-05"), tsv("2023-01-31 12:00")).unwrap()),
        "1 year 1 mon 4 days 12:00:00"
    );
    assert_eq!(
        format_interval(&age(tsv("2023-01-31 12:00"), tsv("2024-03-05")).unwrap()),
        "-1 years -1 mons -4 days -12:00:00"
    );
    assert_eq!(date_add_days(0, 31).unwrap(), 31);
    assert_eq!(
        date_diff(DATE_INFINITY, 0).unwrap_err().message(),
        "cannot subtract infinite dates"
    );
    assert_eq!(
        format_time(time_add_interval(23 * USECS_PER_HOUR, &ivp("2 hours"))),
        "01:00:00"
    );
    let inf = timestamp_add_interval(TS_INFINITY, &ivp("1 day")).unwrap();
    assert_eq!(inf, TS_INFINITY);
}

fn field(v: Option<FieldValue>) -> String {
    match v {
        None => "NULL".into(),
        Some(FieldValue::Number(d)) => d.to_string(),
        Some(FieldValue::Infinite(true)) => "Infinity".into(),
        Some(FieldValue::Infinite(false)) => "-Infinity".into(),
    }
}

#[test]
fn extract_goldens() {
    let t = tsv("2024-01-01 00:00:01.5");
    let cases = [
        ("second", "1.500000"),
        ("epoch", "1704067201.500000"),
        ("milliseconds", "1500.000"),
        ("microseconds", "1500000"),
        ("year", "2024"),
        ("dow", "1"),
        ("isodow", "1"),
        ("week", "1"),
        ("doy", "1"),
        ("quarter", "1"),
        ("century", "21"),
        ("millennium", "3"),
        ("decade", "202"),
        ("isoyear", "2024"),
    ];
    for (f, want) in cases {
        assert_eq!(field(extract_timestamp(f, t, false).unwrap()), want, "{f}");
    }
    let julian = extract_timestamp("julian", tsv("2024-01-01 12:00:01.5"), false).unwrap();
    assert_eq!(field(julian), "2460311.50001736111111111111");
    assert_eq!(
        field(extract_timestamp("decade", tsv("0001-01-01 BC"), false).unwrap()),
        "0"
    );
    assert_eq!(
        field(extract_timestamp("year", tsv("0001-01-01 BC"), false).unwrap()),
        "-1"
    );
    assert_eq!(
        field(extract_timestamp("century", tsv("2000-01-01"), false).unwrap()),
        "20"
    );
    assert_eq!(field(extract_timestamp("timezone", 0, true).unwrap()), "0");
    assert_eq!(
        field(extract_timestamp("year", TS_INFINITY, false).unwrap()),
        "Infinity"
    );
    assert_eq!(
        field(extract_timestamp("month", TS_INFINITY, false).unwrap()),
        "NULL"
    );
    let e = extract_timestamp("timezone_hour", 0, false).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "0A000",
            "unit \"timezone_hour\" not supported for type timestamp without time zone"
        )
    );
    let e = extract_timestamp("foo", 0, false).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        (
            "22023",
            "unit \"foo\" not recognized for type timestamp without time zone"
        )
    );

    let d = parse_date("2024-03-01", NOW).unwrap();
    assert_eq!(
        field(extract_date("epoch", parse_date("2024-01-01", NOW).unwrap()).unwrap()),
        "1704067200"
    );
    assert_eq!(
        field(extract_date("julian", parse_date("2024-01-01", NOW).unwrap()).unwrap()),
        "2460311"
    );
    assert_eq!(field(extract_date("doy", d).unwrap()), "61");
    let e = extract_date("hour", d).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.message()),
        ("0A000", "unit \"hour\" not supported for type date")
    );

    assert_eq!(
        field(extract_interval("epoch", &ivp("1 year 2 days 03:00:00.5")).unwrap()),
        "31741200.500000"
    );
    assert_eq!(
        field(extract_interval("month", &ivp("14 months")).unwrap()),
        "2"
    );
    assert_eq!(
        field(extract_interval("second", &ivp("1.5 seconds")).unwrap()),
        "1.500000"
    );
    assert_eq!(
        field(extract_interval("millennium", &ivp("2500 years")).unwrap()),
        "2"
    );
    assert_eq!(
        field(extract_interval("quarter", &ivp("5 months")).unwrap()),
        "2"
    );
    assert_eq!(
        extract_interval("dow", &ivp("1 day"))
            .unwrap_err()
            .sqlstate(),
        "0A000"
    );

    let t = parse_time("01:00:00.5", NOW).unwrap();
    assert_eq!(field(extract_time("epoch", t).unwrap()), "3600.500000");
    assert_eq!(
        field(extract_time("second", parse_time("13:04:05.25", NOW).unwrap()).unwrap()),
        "5.250000"
    );
}

#[test]
fn date_trunc_goldens() {
    let t = tsv("2024-05-17 13:04:05.123456");
    let cases = [
        ("microseconds", "2024-05-17 13:04:05.123456"),
        ("milliseconds", "2024-05-17 13:04:05.123"),
        ("second", "2024-05-17 13:04:05"),
        ("minute", "2024-05-17 13:04:00"),
        ("hour", "2024-05-17 13:00:00"),
        ("day", "2024-05-17 00:00:00"),
        ("week", "2024-05-13 00:00:00"),
        ("month", "2024-05-01 00:00:00"),
        ("quarter", "2024-04-01 00:00:00"),
        ("year", "2024-01-01 00:00:00"),
        ("decade", "2020-01-01 00:00:00"),
        ("century", "2001-01-01 00:00:00"),
        ("millennium", "2001-01-01 00:00:00"),
    ];
    for (unit, want) in cases {
        assert_eq!(
            format_timestamp(trunc_timestamp(unit, t, false).unwrap()),
            want,
            "{unit}"
        );
    }
    assert_eq!(
        format_timestamp(trunc_timestamp("week", tsv("2021-01-03 10:00"), false).unwrap()),
        "2020-12-28 00:00:00"
    );
    assert_eq!(
        trunc_timestamp("foo", t, false).unwrap_err().sqlstate(),
        "22023"
    );
    let i = trunc_interval("hour", &ivp("1 year 2 mons 3 days 04:05:06")).unwrap();
    assert_eq!(format_interval(&i), "1 year 2 mons 3 days 04:00:00");
    let i = trunc_interval("quarter", &ivp("1 year 5 mons 3 days")).unwrap();
    assert_eq!(format_interval(&i), "1 year 3 mons");
    assert_eq!(
        trunc_interval("week", &ivp("1 day"))
            .unwrap_err()
            .sqlstate(),
        "0A000"
    );
}

#[test]
fn chrono_conversions() {
    let d = parse_date("2024-03-05", NOW).unwrap();
    let n = date_to_naive(d).unwrap();
    assert_eq!(n.to_string(), "2024-03-05");
    assert_eq!(naive_to_date(n), Some(d));
    let t = tsv("2024-03-05 13:04:05.25");
    let n = timestamp_to_naive(t).unwrap();
    assert_eq!(naive_to_timestamp(n), Some(t));
    assert_eq!(timestamp_to_naive(TS_INFINITY), None);
    assert_eq!(time_to_naive(USECS_PER_DAY), None);
}
