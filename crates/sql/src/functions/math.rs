//! Mathematical functions, with PostgreSQL's result types (`round(float8)` rounds half to
//! even like `rint`, `round(numeric)` half away from zero) and errors (2201E for bad
//! logarithms, 2201F for bad powers and square roots, 22003 for out-of-range inputs).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rustydb_common::DbError;

use super::args::{float, int, numeric};
use super::def::{NUM, f};
use super::{EvalContext, FuncDef};
use crate::types::float::check_f64;
use crate::types::{DataType as T, Value, errors, numeric as num};

type R = Result<Value, DbError>;

pub(crate) fn functions() -> Vec<FuncDef> {
    let mut v = vec![
        f("abs", &[T::Int2], T::Int2, abs_int),
        f("abs", &[T::Int4], T::Int4, abs_int),
        f("abs", &[T::Int8], T::Int8, abs_int),
        f("abs", &[T::Float4], T::Float4, abs_float4),
        f("abs", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.abs()))
        }),
        f("abs", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(numeric(&a[0])?.abs()))
        }),
        f("round", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.round_ties_even()))
        }),
        f("round", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::round_to_scale(&numeric(&a[0])?, 0)))
        }),
        f("round", &[NUM, T::Int4], NUM, |a, _| {
            Ok(Value::Numeric(num::round_signed(
                &numeric(&a[0])?,
                int(&a[1])? as i32,
                false,
            )?))
        }),
        f("trunc", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.trunc()))
        }),
        f("trunc", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::trunc_to_scale(&numeric(&a[0])?, 0)))
        }),
        f("trunc", &[NUM, T::Int4], NUM, |a, _| {
            Ok(Value::Numeric(num::round_signed(
                &numeric(&a[0])?,
                int(&a[1])? as i32,
                true,
            )?))
        }),
        f("sign", &[T::Float8], T::Float8, |a, _| {
            let x = float(&a[0])?;
            Ok(Value::Float8(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }))
        }),
        f("sign", &[NUM], NUM, |a, _| {
            let d = numeric(&a[0])?;
            Ok(Value::Numeric(Decimal::from(if d.is_zero() {
                0
            } else if d.is_sign_negative() {
                -1
            } else {
                1
            })))
        }),
        f("sqrt", &[T::Float8], T::Float8, |a, _| {
            let x = float(&a[0])?;
            if x < 0.0 {
                return Err(errors::data(
                    "2201F",
                    "cannot take square root of a negative number",
                ));
            }
            Ok(Value::Float8(x.sqrt()))
        }),
        f("sqrt", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::sqrt(&numeric(&a[0])?)?))
        }),
        f("cbrt", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.cbrt()))
        }),
        f("exp", &[T::Float8], T::Float8, |a, _| {
            let x = float(&a[0])?;
            let r = x.exp();
            Ok(Value::Float8(check_f64(
                r,
                x.is_infinite(),
                x == f64::NEG_INFINITY || x.is_nan(),
            )?))
        }),
        f("exp", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::exp(&numeric(&a[0])?)?))
        }),
        f("ln", &[T::Float8], T::Float8, |a, _| {
            float_log(float(&a[0])?, f64::ln)
        }),
        f("ln", &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::ln(&numeric(&a[0])?)?))
        }),
        f("log", &[T::Float8], T::Float8, |a, _| {
            float_log(float(&a[0])?, f64::log10)
        }),
        f("log10", &[T::Float8], T::Float8, |a, _| {
            float_log(float(&a[0])?, f64::log10)
        }),
        f("log", &[NUM], NUM, log10_numeric),
        f("log10", &[NUM], NUM, log10_numeric),
        f("log", &[NUM, NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::log(
                &numeric(&a[0])?,
                &numeric(&a[1])?,
            )?))
        }),
        f("mod", &[T::Int2, T::Int2], T::Int2, int_mod),
        f("mod", &[T::Int4, T::Int4], T::Int4, int_mod),
        f("mod", &[T::Int8, T::Int8], T::Int8, int_mod),
        f("mod", &[NUM, NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::rem(
                &numeric(&a[0])?,
                &numeric(&a[1])?,
            )?))
        }),
        f("div", &[NUM, NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::div_trunc(
                &numeric(&a[0])?,
                &numeric(&a[1])?,
            )?))
        }),
        f("gcd", &[T::Int4, T::Int4], T::Int4, gcd_int),
        f("gcd", &[T::Int8, T::Int8], T::Int8, gcd_int),
        f("gcd", &[NUM, NUM], NUM, gcd_numeric),
        f("lcm", &[T::Int4, T::Int4], T::Int4, lcm_int),
        f("lcm", &[T::Int8, T::Int8], T::Int8, lcm_int),
        f("lcm", &[NUM, NUM], NUM, lcm_numeric),
        f("factorial", &[T::Int8], NUM, factorial),
        f("pi", &[], T::Float8, |_, _| {
            Ok(Value::Float8(std::f64::consts::PI))
        }),
        f("random", &[], T::Float8, |_, _| {
            Ok(Value::Float8(rand::random::<f64>()))
        })
        .volatile(),
        f("degrees", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.to_degrees()))
        }),
        f("radians", &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.to_radians()))
        }),
        f("atan2", &[T::Float8, T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.atan2(float(&a[1])?)))
        }),
        f(
            "width_bucket",
            &[T::Float8, T::Float8, T::Float8, T::Int4],
            T::Int4,
            width_bucket_float,
        ),
        f(
            "width_bucket",
            &[NUM, NUM, NUM, T::Int4],
            T::Int4,
            width_bucket_numeric,
        ),
    ];
    for name in ["power", "pow"] {
        v.push(f(name, &[T::Float8, T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(crate::types::ops::float_power(
                float(&a[0])?,
                float(&a[1])?,
            )?))
        }));
        v.push(f(name, &[NUM, NUM], NUM, |a, _| {
            Ok(Value::Numeric(num::power(
                &numeric(&a[0])?,
                &numeric(&a[1])?,
            )?))
        }));
    }
    for name in ["ceil", "ceiling"] {
        v.push(f(name, &[T::Float8], T::Float8, |a, _| {
            Ok(Value::Float8(float(&a[0])?.ceil()))
        }));
        v.push(f(name, &[NUM], NUM, |a, _| {
            Ok(Value::Numeric(zero_scale(numeric(&a[0])?.ceil())))
        }));
    }
    v.push(f("floor", &[T::Float8], T::Float8, |a, _| {
        Ok(Value::Float8(float(&a[0])?.floor()))
    }));
    v.push(f("floor", &[NUM], NUM, |a, _| {
        Ok(Value::Numeric(zero_scale(numeric(&a[0])?.floor())))
    }));
    // Trigonometry: inputs outside the domain are 22003 "input is out of range".
    v.extend([
        f("sin", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::sin, f64::is_finite)
        }),
        f("cos", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::cos, f64::is_finite)
        }),
        f("tan", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::tan, f64::is_finite)
        }),
        f("cot", &[T::Float8], T::Float8, |a, _| {
            trig(a, |x| 1.0 / x.tan(), f64::is_finite)
        }),
        f("asin", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::asin, |x| (-1.0..=1.0).contains(&x))
        }),
        f("acos", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::acos, |x| (-1.0..=1.0).contains(&x))
        }),
        f("atan", &[T::Float8], T::Float8, |a, _| {
            trig(a, f64::atan, |_| true)
        }),
    ]);
    v
}

fn trig(a: &[Value], op: fn(f64) -> f64, domain: fn(f64) -> bool) -> R {
    let x = float(&a[0])?;
    if x.is_nan() {
        return Ok(Value::Float8(f64::NAN));
    }
    if !domain(x) {
        return Err(errors::data("22003", "input is out of range"));
    }
    Ok(Value::Float8(op(x)))
}

fn zero_scale(mut d: Decimal) -> Decimal {
    d.rescale(0);
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

fn abs_int(a: &[Value], _: &EvalContext) -> R {
    let oor = |t: T| errors::out_of_range(&t);
    Ok(match &a[0] {
        Value::Int2(i) => Value::Int2(i.checked_abs().ok_or_else(|| oor(T::Int2))?),
        Value::Int4(i) => Value::Int4(i.checked_abs().ok_or_else(|| oor(T::Int4))?),
        Value::Int8(i) => Value::Int8(i.checked_abs().ok_or_else(|| oor(T::Int8))?),
        other => return Err(DbError::internal(format!("abs of {other:?}"))),
    })
}

fn abs_float4(a: &[Value], _: &EvalContext) -> R {
    match &a[0] {
        Value::Float4(f) => Ok(Value::Float4(f.abs())),
        other => Err(DbError::internal(format!("abs of {other:?}"))),
    }
}

fn float_log(x: f64, op: fn(f64) -> f64) -> R {
    if x == 0.0 {
        return Err(errors::data("2201E", "cannot take logarithm of zero"));
    }
    if x < 0.0 {
        return Err(errors::data(
            "2201E",
            "cannot take logarithm of a negative number",
        ));
    }
    Ok(Value::Float8(op(x)))
}

fn log10_numeric(a: &[Value], _: &EvalContext) -> R {
    Ok(Value::Numeric(num::log(&Decimal::TEN, &numeric(&a[0])?)?))
}

fn same_width(v: &Value, n: i64) -> R {
    Ok(match v {
        Value::Int2(_) => {
            Value::Int2(i16::try_from(n).map_err(|_| errors::out_of_range(&T::Int2))?)
        }
        Value::Int4(_) => {
            Value::Int4(i32::try_from(n).map_err(|_| errors::out_of_range(&T::Int4))?)
        }
        _ => Value::Int8(n),
    })
}

fn int_mod(a: &[Value], _: &EvalContext) -> R {
    let (x, y) = (int(&a[0])?, int(&a[1])?);
    if y == 0 {
        return Err(errors::division_by_zero());
    }
    same_width(&a[0], if y == -1 { 0 } else { x % y })
}

fn gcd_u(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn gcd_int(a: &[Value], _: &EvalContext) -> R {
    let (x, y) = (int(&a[0])?, int(&a[1])?);
    let g = gcd_u(u128::from(x.unsigned_abs()), u128::from(y.unsigned_abs()));
    same_width(
        &a[0],
        i64::try_from(g).map_err(|_| errors::out_of_range(&T::Int8))?,
    )
}

fn lcm_int(a: &[Value], _: &EvalContext) -> R {
    let (x, y) = (int(&a[0])?, int(&a[1])?);
    if x == 0 || y == 0 {
        return same_width(&a[0], 0);
    }
    let (ux, uy) = (u128::from(x.unsigned_abs()), u128::from(y.unsigned_abs()));
    let l = ux / gcd_u(ux, uy) * uy;
    let width = if matches!(a[0], Value::Int8(_)) {
        T::Int8
    } else {
        T::Int4
    };
    same_width(
        &a[0],
        i64::try_from(l).map_err(|_| errors::out_of_range(&width))?,
    )
}

fn gcd_dec(x: Decimal, y: Decimal) -> Decimal {
    let (mut x, mut y) = (x.abs(), y.abs());
    while !y.is_zero() {
        let r = x % y;
        x = y;
        y = r;
    }
    x
}

fn gcd_numeric(a: &[Value], _: &EvalContext) -> R {
    let (x, y) = (numeric(&a[0])?, numeric(&a[1])?);
    let mut g = gcd_dec(x, y);
    g.rescale(x.scale().max(y.scale()));
    Ok(Value::Numeric(g))
}

fn lcm_numeric(a: &[Value], _: &EvalContext) -> R {
    let (x, y) = (numeric(&a[0])?, numeric(&a[1])?);
    let scale = x.scale().max(y.scale());
    if x.is_zero() || y.is_zero() {
        let mut z = Decimal::ZERO;
        z.rescale(scale);
        return Ok(Value::Numeric(z));
    }
    let g = gcd_dec(x, y);
    let mut l = (x.abs() / g)
        .checked_mul(y.abs())
        .ok_or_else(errors::numeric_overflow)?;
    l.rescale(scale);
    Ok(Value::Numeric(l))
}

/// `factorial(bigint)`, a numeric: 22003 for a negative argument, and (beyond 27!) for
/// a result wider than our numeric's 28 digits.
fn factorial(a: &[Value], _: &EvalContext) -> R {
    let n = int(&a[0])?;
    if n < 0 {
        return Err(errors::data(
            "22003",
            "factorial of a negative number is undefined",
        ));
    }
    let mut acc = Decimal::ONE;
    for k in 2..=n {
        acc = acc
            .checked_mul(Decimal::from(k))
            .ok_or_else(errors::numeric_overflow)?;
    }
    Ok(Value::Numeric(acc))
}

/// PostgreSQL's `width_bucket` on `(operand - low) / (high - low) * count`.
fn bucket(operand: f64, low: f64, high: f64, count: i64) -> R {
    if count <= 0 {
        return Err(errors::data("2201G", "count must be greater than zero"));
    }
    if low == high {
        return Err(errors::data(
            "2201G",
            "lower bound cannot equal upper bound",
        ));
    }
    if operand.is_nan() || low.is_nan() || high.is_nan() || !low.is_finite() || !high.is_finite() {
        return Err(errors::data(
            "2201G",
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    let result = if low < high {
        if operand < low {
            0
        } else if operand >= high {
            count + 1
        } else {
            ((count as f64) * (operand - low) / (high - low)) as i64 + 1
        }
    } else if operand > low {
        0
    } else if operand <= high {
        count + 1
    } else {
        ((count as f64) * (low - operand) / (low - high)) as i64 + 1
    };
    Ok(Value::Int4(
        i32::try_from(result).map_err(|_| errors::out_of_range(&T::Int4))?,
    ))
}

fn width_bucket_float(a: &[Value], _: &EvalContext) -> R {
    bucket(float(&a[0])?, float(&a[1])?, float(&a[2])?, int(&a[3])?)
}

fn width_bucket_numeric(a: &[Value], _: &EvalContext) -> R {
    let (op, low, high, count) = (
        numeric(&a[0])?,
        numeric(&a[1])?,
        numeric(&a[2])?,
        int(&a[3])?,
    );
    if count <= 0 {
        return Err(errors::data("2201G", "count must be greater than zero"));
    }
    if low == high {
        return Err(errors::data(
            "2201G",
            "lower bound cannot equal upper bound",
        ));
    }
    // Exact: floor(count * (op - low) / (high - low)) + 1 within range.
    let c = Decimal::from(count);
    let result = if low < high {
        if op < low {
            0
        } else if op >= high {
            count + 1
        } else {
            ((op - low) * c / (high - low))
                .floor()
                .to_i64()
                .unwrap_or(0)
                + 1
        }
    } else if op > low {
        0
    } else if op <= high {
        count + 1
    } else {
        ((low - op) * c / (low - high))
            .floor()
            .to_i64()
            .unwrap_or(0)
            + 1
    };
    Ok(Value::Int4(
        i32::try_from(result).map_err(|_| errors::out_of_range(&T::Int4))?,
    ))
}
