//! `real` and `double precision` text I/O and checked arithmetic, as PostgreSQL 12+ does
//! them: output is the shortest string that reads back to the same float (Ryu, which Rust's
//! formatter also implements), in plain notation for decimal exponents in -4..15 (-4..6
//! for `real`) and `1e+15` notation outside; input accepts `Infinity`, `-inf`, `NaN` in any
//! case and refuses values that overflow or underflow to zero.

use rustydb_common::DbError;

use super::errors;
use super::numeric::is_pg_space;

/// Formats a `double precision`.
pub fn format_f64(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest(&format!("{f:e}"), 15)
}

/// Formats a `real`.
pub fn format_f32(f: f32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest(&format!("{f:e}"), 6)
}

/// Turns Rust's shortest `{:e}` output (`-1.2345e-5`) into PostgreSQL's layout.
fn shortest(sci: &str, max_fixed_exp: i32) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if (-4..max_fixed_exp).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    }
    out
}

/// Recognises the special spellings; `None` for ordinary numbers.
fn special(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Whether `s` is a plain decimal literal (`strtod`'s grammar without hex); Rust's parser
/// alone would also take things like `infinity` spelled oddly.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Whether the literal's mantissa has a nonzero digit (so a zero result is underflow).
fn has_nonzero_digit(s: &str) -> bool {
    s.split(['e', 'E'])
        .next()
        .is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)))
}

/// Parses `double precision` input.
pub fn parse_f64(input: &str) -> Result<f64, DbError> {
    let s = input.trim_matches(is_pg_space);
    if let Some(f) = special(s) {
        return Ok(f);
    }
    if !is_decimal_literal(s) {
        return Err(errors::invalid_syntax("double precision", input));
    }
    let f: f64 = s
        .parse()
        .map_err(|_| errors::invalid_syntax("double precision", input))?;
    if f.is_infinite() || (f == 0.0 && has_nonzero_digit(s)) {
        return Err(errors::data(
            "22003",
            format!("\"{s}\" is out of range for type double precision"),
        ));
    }
    Ok(f)
}

/// Parses `real` input.
pub fn parse_f32(input: &str) -> Result<f32, DbError> {
    let s = input.trim_matches(is_pg_space);
    if let Some(f) = special(s) {
        return Ok(f as f32);
    }
    if !is_decimal_literal(s) {
        return Err(errors::invalid_syntax("real", input));
    }
    let f: f32 = s
        .parse()
        .map_err(|_| errors::invalid_syntax("real", input))?;
    if f.is_infinite() || (f == 0.0 && has_nonzero_digit(s)) {
        return Err(errors::data(
            "22003",
            format!("\"{s}\" is out of range for type real"),
        ));
    }
    Ok(f)
}

/// Checks a `double precision` result: infinite from finite inputs is overflow, zero from
/// nonzero inputs (when `zero_ok` is false) is underflow.
pub fn check_f64(result: f64, inf_ok: bool, zero_ok: bool) -> Result<f64, DbError> {
    if result.is_infinite() && !inf_ok {
        return Err(errors::float_overflow());
    }
    if result == 0.0 && !zero_ok {
        return Err(errors::float_underflow());
    }
    Ok(result)
}

/// [`check_f64`] for `real`.
pub fn check_f32(result: f32, inf_ok: bool, zero_ok: bool) -> Result<f32, DbError> {
    if result.is_infinite() && !inf_ok {
        return Err(errors::float_overflow());
    }
    if result == 0.0 && !zero_ok {
        return Err(errors::float_underflow());
    }
    Ok(result)
}

/// Narrows a double to real as PostgreSQL's cast does: overflow and underflow are errors.
pub fn f64_to_f32(f: f64) -> Result<f32, DbError> {
    let r = f as f32;
    check_f32(r, f.is_infinite(), f == 0.0)
}

/// Rounds a float to an integer as `rint` does (half to even), the rule of PostgreSQL's
/// float -> integer casts.
pub fn rint(f: f64) -> f64 {
    f.round_ties_even()
}
