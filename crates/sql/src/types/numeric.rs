//! NUMERIC semantics on top of `rust_decimal`: input, output, typmods, and the result
//! scales PostgreSQL chooses for division and the transcendental functions.
//!
//! PostgreSQL's numeric is arbitrary precision; ours holds 28 significant digits (a
//! 96-bit mantissa, scale 0..=28). Inside that range results match PostgreSQL digit for
//! digit: the result scale of `/`, `sqrt`, `exp`, `ln`, `log` and `^` is computed by the
//! same rules (`select_div_scale` and friends, which count in base-10000 "weights"), and
//! rounding is half away from zero. A value that needs more integer digits is refused with
//! 22003 `value overflows numeric format`; a result whose PostgreSQL scale would need more
//! than the mantissa holds keeps as many fractional digits as fit.
//!
//! `NaN` and `Infinity` (which PostgreSQL's numeric has) cannot be represented and are
//! refused with 0A000.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use rustydb_common::DbError;

use super::errors;

/// The largest scale a [`Decimal`] holds.
pub const MAX_SCALE: u32 = 28;
/// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`: results of division and the transcendental
/// functions carry at least this many significant digits.
const MIN_SIG_DIGITS: i32 = 16;
/// The largest mantissa (2^96 - 1).
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// Parses PostgreSQL numeric input: optional surrounding whitespace, sign, digits with an
/// optional point, optional exponent (`1e3`, `.5`, `5.`).
pub fn parse_numeric(input: &str) -> Result<Decimal, DbError> {
    let s = input.trim_matches(is_pg_space);
    let bad = || errors::invalid_syntax("numeric", input);
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "nan" | "infinity" | "inf") && lower.len() - unsigned.len() <= 1 {
        return Err(not_finite());
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut frac_len: i64 = 0;
    let mut seen_point = false;
    let mut any_digit = false;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => {
                any_digit = true;
                digits.push(bytes[i] - b'0');
                if seen_point {
                    frac_len += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !any_digit {
        return Err(bad());
    }
    let mut exponent: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            exp_negative = bytes[i] == b'-';
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(bytes[i] - b'0'));
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return Err(bad());
    }
    if exponent.abs() > 100_000 {
        return Err(errors::numeric_overflow());
    }
    decimal_from_digits(negative, &digits, frac_len - exponent).ok_or_else(errors::numeric_overflow)
}

/// Builds `±digits × 10^-scale` (scale may be negative), dropping leading zeros and, when
/// the mantissa would not fit, trailing fractional zeros. `None` if it still does not fit.
pub fn decimal_from_digits(negative: bool, digits: &[u8], scale: i64) -> Option<Decimal> {
    let mut digits = digits;
    while digits.len() > 1 && digits[0] == 0 {
        digits = &digits[1..];
    }
    let mut scale = scale;
    while scale > 0 && digits.len() > 1 && digits[digits.len() - 1] == 0 && {
        scale > i64::from(MAX_SCALE) || digits.len() > 28
    } {
        digits = &digits[..digits.len() - 1];
        scale -= 1;
    }
    if scale > i64::from(MAX_SCALE) {
        return None;
    }
    let mut mantissa: u128 = 0;
    for &d in digits {
        mantissa = mantissa.checked_mul(10)?.checked_add(u128::from(d))?;
        if mantissa > MAX_MANTISSA {
            return None;
        }
    }
    while scale < 0 {
        mantissa = mantissa.checked_mul(10)?;
        if mantissa > MAX_MANTISSA {
            return None;
        }
        scale += 1;
    }
    let signed = if negative {
        -(mantissa as i128)
    } else {
        mantissa as i128
    };
    let mut d = Decimal::try_from_i128_with_scale(signed, scale as u32).ok()?;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Some(d)
}

/// PostgreSQL's numeric output: plain digits, keeping the scale (`1.50`), never `-0`.
pub fn format_numeric(d: &Decimal) -> String {
    let mut d = *d;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d.to_string()
}

/// The error for NaN / Infinity, which our numeric cannot hold.
pub fn not_finite() -> DbError {
    errors::not_supported("numeric NaN and infinity are not supported").with_hint(
        "numeric holds finite values of up to 28 significant digits; double precision has \
         NaN and infinities.",
    )
}

/// Rounds half away from zero to `scale` digits after the point (PostgreSQL's `round_var`),
/// padding with zeros when `scale` exceeds the value's scale (as far as the mantissa
/// allows).
pub fn round_to_scale(d: &Decimal, scale: u32) -> Decimal {
    let scale = scale.min(MAX_SCALE);
    let mut out = if d.scale() > scale {
        d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero)
    } else {
        *d
    };
    if out.scale() < scale {
        out.rescale(scale);
    }
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    out
}

/// Truncates toward zero to `scale` digits (padding like [`round_to_scale`]).
pub fn trunc_to_scale(d: &Decimal, scale: u32) -> Decimal {
    let scale = scale.min(MAX_SCALE);
    let mut out = if d.scale() > scale {
        d.round_dp_with_strategy(scale, RoundingStrategy::ToZero)
    } else {
        *d
    };
    if out.scale() < scale {
        out.rescale(scale);
    }
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    out
}

/// `round(x, s)` / `trunc(x, s)` for any `s`, negative meaning digits left of the point
/// (`round(1234.5, -2)` = 1200).
pub fn round_signed(d: &Decimal, s: i32, truncate: bool) -> Result<Decimal, DbError> {
    if s >= 0 {
        let s = s.unsigned_abs();
        return Ok(if truncate {
            trunc_to_scale(d, s)
        } else {
            round_to_scale(d, s)
        });
    }
    let k = s.unsigned_abs();
    if k > 28 {
        return Ok(Decimal::ZERO);
    }
    let factor = Decimal::from_i128_with_scale(10i128.pow(k), 0);
    let shifted = d.checked_div(factor).ok_or_else(errors::numeric_overflow)?;
    let whole = if truncate {
        trunc_to_scale(&shifted, 0)
    } else {
        round_to_scale(&shifted, 0)
    };
    let mut out = whole
        .checked_mul(factor)
        .ok_or_else(errors::numeric_overflow)?;
    out.rescale(0);
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    Ok(out)
}

/// Applies a `numeric(precision, scale)` modifier: rounds to the scale and fails with
/// 22003 `numeric field overflow` when the integer digits exceed `precision - scale`.
pub fn apply_typmod(
    d: &Decimal,
    precision: Option<u32>,
    scale: Option<u32>,
) -> Result<Decimal, DbError> {
    let Some(precision) = precision else {
        return Ok(*d);
    };
    let scale = scale.unwrap_or(0);
    let rounded = round_to_scale(d, scale);
    let max_int_digits = precision.saturating_sub(scale);
    let int_digits = integer_digits(&rounded);
    if int_digits > max_int_digits {
        let bound = if max_int_digits == 0 {
            "1".to_string()
        } else {
            format!("10^{max_int_digits}")
        };
        return Err(
            errors::data("22003", "numeric field overflow").with_detail(format!(
                "A field with precision {precision}, scale {scale} must round to an absolute \
             value less than {bound}."
            )),
        );
    }
    Ok(rounded)
}

/// Digits left of the point, not counting leading zeros (0 for |d| < 1).
fn integer_digits(d: &Decimal) -> u32 {
    let int_part = d.trunc().mantissa().unsigned_abs();
    if int_part == 0 {
        0
    } else {
        int_part.ilog10() + 1
    }
}

/// The base-10000 weight and first base-10000 digit of `d` as PostgreSQL stores it
/// (`(0, 0)` for zero). These drive PostgreSQL's result-scale choices.
fn nbase_weight_first(d: &Decimal) -> (i32, u32) {
    let m = d.mantissa().unsigned_abs();
    if m == 0 {
        return (0, 0);
    }
    let exp10 = m.ilog10() as i32 - d.scale() as i32;
    let weight = exp10.div_euclid(4);
    let shift = d.scale() as i32 + 4 * weight;
    let first = if shift >= 0 {
        m / 10u128.pow(shift as u32)
    } else {
        m * 10u128.pow((-shift) as u32)
    };
    (weight, first as u32)
}

/// PostgreSQL's `select_div_scale`: the scale of `a / b`.
fn div_scale(a: &Decimal, b: &Decimal) -> u32 {
    let (w1, f1) = nbase_weight_first(a);
    let (w2, f2) = nbase_weight_first(b);
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    let rscale = (MIN_SIG_DIGITS - qweight * 4)
        .max(a.scale() as i32)
        .max(b.scale() as i32)
        .max(0);
    rscale as u32
}

/// `a / b` with PostgreSQL's result scale, rounded half away from zero; 22012 for a zero
/// divisor, 22003 if the quotient has too many integer digits.
pub fn div(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    if b.is_zero() {
        return Err(errors::division_by_zero());
    }
    let rscale = div_scale(a, b);
    div_to_scale(a, b, rscale).ok_or_else(errors::numeric_overflow)
}

/// `a / b` rounded half away from zero to `rscale` digits (fewer if the mantissa cannot
/// hold them). Exact long division: each digit is computed, none estimated.
pub fn div_to_scale(a: &Decimal, b: &Decimal, rscale: u32) -> Option<Decimal> {
    let m1 = a.mantissa().unsigned_abs();
    let m2 = b.mantissa().unsigned_abs();
    if m2 == 0 {
        return None;
    }
    let negative = a.is_sign_negative() != b.is_sign_negative();
    // a / b = (m1 / m2) * 10^(s2 - s1); we need `frac` digits of m1 / m2 for rscale.
    let shift = b.scale() as i64 - a.scale() as i64;
    let mut rscale = i64::from(rscale.min(MAX_SCALE));
    loop {
        let frac = rscale + shift;
        if let Some(d) = long_div(m1, m2, frac, rscale, negative) {
            return Some(d);
        }
        if rscale == 0 {
            return None;
        }
        rscale -= 1;
    }
}

/// `m1 / m2` with `frac` fractional digits (negative: drop integer digits), rounded half
/// away from zero, as a decimal of scale `rscale`.
fn long_div(m1: u128, m2: u128, frac: i64, rscale: i64, negative: bool) -> Option<Decimal> {
    let mut q = m1 / m2;
    let mut r = m1 % m2;
    let round_up;
    if frac >= 0 {
        for _ in 0..frac {
            r *= 10;
            q = q.checked_mul(10)?.checked_add(r / m2)?;
            if q > MAX_MANTISSA * 10 {
                return None;
            }
            r %= m2;
        }
        // Round on the next digit: the remainder is exact, so >= half means up.
        round_up = r * 2 >= m2;
    } else {
        let p = 10u128.checked_pow(u32::try_from(-frac).ok()?);
        match p {
            Some(p) => {
                let rem = q % p;
                q /= p;
                // Compare (rem + r/m2) with p/2: rem*2 >= p, or rem*2 + 1 == p with r > 0
                // would be a tie broken by the exact remainder, which rounds up anyway.
                round_up = rem * 2 >= p || (rem * 2 + 1 == p && r > 0);
            }
            None => {
                q = 0;
                round_up = false;
            }
        }
    }
    if round_up {
        q += 1;
    }
    if q > MAX_MANTISSA {
        return None;
    }
    let signed = if negative { -(q as i128) } else { q as i128 };
    let mut d = Decimal::try_from_i128_with_scale(signed, rscale as u32).ok()?;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Some(d)
}

/// Integer division truncating toward zero (`div(a, b)`), scale 0.
pub fn div_trunc(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    if b.is_zero() {
        return Err(errors::division_by_zero());
    }
    let q = a.checked_div(*b).ok_or_else(errors::numeric_overflow)?;
    // checked_div rounds at 28 digits; an integer part is exact unless the quotient is huge.
    let mut t = q.trunc();
    // Guard against rounding up across an integer boundary: t * b must not pass a.
    let back = t.checked_mul(*b).ok_or_else(errors::numeric_overflow)?;
    if back.abs() > a.abs() {
        t = if t.is_sign_negative() {
            t + Decimal::ONE
        } else {
            t - Decimal::ONE
        };
    }
    t.rescale(0);
    if t.is_zero() {
        t.set_sign_positive(true);
    }
    Ok(t)
}

/// `a % b`: the remainder with the dividend's sign, scale max(s1, s2).
pub fn rem(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    if b.is_zero() {
        return Err(errors::division_by_zero());
    }
    let q = div_trunc(a, b)?;
    let prod = q.checked_mul(*b).ok_or_else(errors::numeric_overflow)?;
    let mut r = a.checked_sub(prod).ok_or_else(errors::numeric_overflow)?;
    let scale = a.scale().max(b.scale());
    if r.scale() < scale {
        r.rescale(scale);
    }
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    Ok(r)
}

/// Checked `+`, 22003 on overflow.
pub fn add(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    a.checked_add(*b)
        .map(normalize_zero)
        .ok_or_else(errors::numeric_overflow)
}

/// Checked `-`, 22003 on overflow.
pub fn sub(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    a.checked_sub(*b)
        .map(normalize_zero)
        .ok_or_else(errors::numeric_overflow)
}

/// Checked `*` (scale s1 + s2 as far as 28 digits allow), 22003 on overflow.
pub fn mul(a: &Decimal, b: &Decimal) -> Result<Decimal, DbError> {
    let p = a.checked_mul(*b).ok_or_else(errors::numeric_overflow)?;
    let want = (a.scale() + b.scale()).min(MAX_SCALE);
    let mut p = p;
    if p.scale() < want {
        p.rescale(want);
    }
    Ok(normalize_zero(p))
}

fn normalize_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// Converts to `i64`, rounding half away from zero (PostgreSQL's numeric -> integer cast);
/// `None` when out of range.
pub fn to_i64_rounded(d: &Decimal) -> Option<i64> {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// Converts to `f64` (nearest).
pub fn to_f64(d: &Decimal) -> f64 {
    // Through the decimal text: `to_f64` of rust_decimal can be off by an ulp.
    format_numeric(d).parse::<f64>().unwrap_or(0.0)
}

/// PostgreSQL's float -> numeric cast: the float printed with `digits` significant digits
/// (15 for double, 6 for real, as `%.*g`), then read as numeric.
pub fn from_float(f: f64, digits: usize) -> Result<Decimal, DbError> {
    if !f.is_finite() {
        return Err(not_finite());
    }
    if f == 0.0 {
        return Ok(Decimal::ZERO);
    }
    let s = format!("{:.*e}", digits - 1, f);
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let mut ds: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    while ds.len() > 1 && ds[ds.len() - 1] == 0 {
        ds.pop();
    }
    // value = d.ddd × 10^exp = digits × 10^(exp - (len - 1))
    let scale = (ds.len() as i64 - 1) - exp;
    decimal_from_digits(negative, &ds, scale.max(i64::MIN / 2)).ok_or_else(errors::numeric_overflow)
}

/// The decimal exponent of the leading digit (floor(log10 |d|)), for nonzero `d`.
fn leading_exponent(d: &Decimal) -> i32 {
    let m = d.mantissa().unsigned_abs();
    m.ilog10() as i32 - d.scale() as i32
}

/// PostgreSQL's `estimate_ln_dweight`: the decimal weight of ln(d).
fn estimate_ln_dweight(d: &Decimal) -> i32 {
    if d.is_sign_negative() || d.is_zero() {
        return 0;
    }
    let lo = Decimal::new(9, 1);
    let hi = Decimal::new(11, 1);
    if *d >= lo && *d <= hi {
        let x = *d - Decimal::ONE;
        if x.is_zero() { 0 } else { leading_exponent(&x) }
    } else {
        let (w, first) = nbase_weight_first(d);
        let mut digits = f64::from(first);
        let mut dweight = w * 4;
        // The second base-10000 digit, as PostgreSQL uses when present.
        if let Some(g) = second_group(&d.abs(), i64::from(dweight - 4)) {
            digits = digits * 10000.0 + f64::from(g);
            dweight -= 4;
        }
        let ln_var = digits.ln() + f64::from(dweight) * std::f64::consts::LN_10;
        ln_var.abs().log10() as i32
    }
}

/// The base-10000 digit at 10^shift (the second group PostgreSQL stores), if nonzero
/// digits remain from there on.
fn second_group(d: &Decimal, shift: i64) -> Option<u32> {
    let m = d.mantissa().unsigned_abs();
    let s = d.scale() as i64 + shift;
    // value of digits from 10^shift upward: floor(|d| / 10^shift) mod 10000, and whether any
    // digit at or below that position is nonzero (PostgreSQL strips trailing zero groups).
    let (upper, lower_nonzero) = if s >= 0 {
        let p = 10u128.checked_pow(s as u32)?;
        (m / p, !m.is_multiple_of(p))
    } else {
        (m.checked_mul(10u128.checked_pow((-s) as u32)?)?, false)
    };
    let g = (upper % 10000) as u32;
    if g != 0 || lower_nonzero {
        Some(g)
    } else {
        None
    }
}

fn clamp_rscale(r: i32) -> u32 {
    r.clamp(0, 1000) as u32
}

/// `sqrt(numeric)`: 2201F for negative input, PostgreSQL's result scale.
pub fn sqrt(d: &Decimal) -> Result<Decimal, DbError> {
    use rust_decimal::MathematicalOps;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(errors::data(
            "2201F",
            "cannot take square root of a negative number",
        ));
    }
    let (w, _) = nbase_weight_first(d);
    let sweight = (w + 1) * 4 / 2 - 1;
    let rscale = clamp_rscale((MIN_SIG_DIGITS - sweight).max(d.scale() as i32));
    let r = d.sqrt().ok_or_else(errors::numeric_overflow)?;
    Ok(round_to_scale(&r, rscale))
}

/// `exp(numeric)`.
pub fn exp(d: &Decimal) -> Result<Decimal, DbError> {
    use rust_decimal::MathematicalOps;
    let val = (to_f64(d) * std::f64::consts::LOG10_E).clamp(-2000.0, 2000.0);
    let rscale = clamp_rscale((MIN_SIG_DIGITS - val as i32).max(d.scale() as i32));
    let r = d.checked_exp().ok_or_else(errors::numeric_overflow)?;
    Ok(round_to_scale(&r, rscale))
}

/// `ln(numeric)`: 2201E for zero and negative input.
pub fn ln(d: &Decimal) -> Result<Decimal, DbError> {
    use rust_decimal::MathematicalOps;
    check_log_arg(d)?;
    let rscale = clamp_rscale((MIN_SIG_DIGITS - estimate_ln_dweight(d)).max(d.scale() as i32));
    let r = d.checked_ln().ok_or_else(errors::numeric_overflow)?;
    Ok(round_to_scale(&r, rscale))
}

fn check_log_arg(d: &Decimal) -> Result<(), DbError> {
    if d.is_zero() {
        return Err(errors::data("2201E", "cannot take logarithm of zero"));
    }
    if d.is_sign_negative() {
        return Err(errors::data(
            "2201E",
            "cannot take logarithm of a negative number",
        ));
    }
    Ok(())
}

/// `log(base, num)` for numerics (and `log(num)` = `log(10, num)`).
pub fn log(base: &Decimal, num: &Decimal) -> Result<Decimal, DbError> {
    use rust_decimal::MathematicalOps;
    check_log_arg(base)?;
    check_log_arg(num)?;
    let result_dweight = estimate_ln_dweight(num) - estimate_ln_dweight(base);
    let rscale = clamp_rscale(
        (MIN_SIG_DIGITS - result_dweight)
            .max(base.scale() as i32)
            .max(num.scale() as i32),
    );
    let ln_base = base.checked_ln().ok_or_else(errors::numeric_overflow)?;
    if ln_base.is_zero() {
        return Err(errors::division_by_zero());
    }
    let ln_num = num.checked_ln().ok_or_else(errors::numeric_overflow)?;
    let r = ln_num
        .checked_div(ln_base)
        .ok_or_else(errors::numeric_overflow)?;
    Ok(round_to_scale(&r, rscale))
}

/// `base ^ exp` for numerics with PostgreSQL's result scale and errors (2201F for a
/// negative base with a fractional exponent, 2201F for zero to a negative power).
pub fn power(base: &Decimal, exp: &Decimal) -> Result<Decimal, DbError> {
    use rust_decimal::MathematicalOps;
    if base.is_zero() && exp.is_sign_negative() && !exp.is_zero() {
        return Err(errors::data(
            "2201F",
            "zero raised to a negative power is undefined",
        ));
    }
    if base.is_sign_negative() && !base.is_zero() && !exp.is_integer() {
        return Err(errors::data(
            "2201F",
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    if exp.is_integer() {
        let Some(e) = exp.to_i64() else {
            return Err(errors::numeric_overflow());
        };
        let rscale = clamp_rscale(MIN_SIG_DIGITS.max(base.scale() as i32));
        if e >= 0 {
            let r = base
                .checked_powu(e as u64)
                .ok_or_else(errors::numeric_overflow)?;
            return Ok(round_to_scale(&r, rscale));
        }
        let p = base
            .checked_powu(e.unsigned_abs())
            .ok_or_else(errors::numeric_overflow)?;
        return div_to_scale(&Decimal::ONE, &p, rscale).ok_or_else(errors::numeric_overflow);
    }
    // Non-integer exponent: scale from the estimated result weight.
    let val = to_f64(exp) * to_f64(base).ln() * std::f64::consts::LOG10_E;
    let rscale = clamp_rscale(
        (MIN_SIG_DIGITS - val as i32)
            .max(base.scale() as i32)
            .max(exp.scale() as i32),
    );
    if base.is_zero() {
        return Ok(round_to_scale(&Decimal::ZERO, rscale));
    }
    let r = base
        .checked_powd(*exp)
        .ok_or_else(errors::numeric_overflow)?;
    Ok(round_to_scale(&r, rscale))
}

/// Whether `c` is whitespace as PostgreSQL's `isspace` sees it in numeric input.
pub fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}
