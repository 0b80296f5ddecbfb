//! Aggregate accumulators with PostgreSQL's result types and arithmetic.
//!
//! | aggregate | input | state | result |
//! |---|---|---|---|
//! | `sum` | int2, int4 | i64, checked | bigint (22003 `bigint out of range`) |
//! | `sum` | int8 | i128 | numeric |
//! | `sum` | numeric | decimal | numeric |
//! | `sum` | real / double | f32 / f64 | real / double (22003 on overflow) |
//! | `avg` | integers, numeric | exact sum and count | numeric, `sum / count` at PostgreSQL's division scale |
//! | `avg` | real, double | f64 | double |
//! | `var_*`, `stddev_*` | integers, numeric | exact N, Σx, Σx² | numeric |
//! | `var_*`, `stddev_*` | real, double | Youngs-Cramer N, Σx, Sxx | double |
//!
//! Every aggregate but `count(*)` ignores NULL inputs; over no (non-NULL) input `count`
//! is 0 and the others NULL. Results are computed without consuming the state, so a
//! window frame that only grows can be accumulated once and read at every row.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use rustydb_common::DbError;

use crate::plan::aggregate::AggregateFunction;
use crate::types::ops::{self, BinaryOp};
use crate::types::{DataType, Value, compare, errors, float, numeric};

/// The running state of one aggregate call.
#[derive(Debug, Clone)]
pub(crate) enum Accumulator {
    Count(i64),
    CountStar(i64),
    Sum(Option<SumState>),
    Avg(Option<SumState>, i64),
    Extreme {
        max: bool,
        best: Value,
    },
    StringAgg(Option<Value>),
    Bool {
        and: bool,
        state: Option<bool>,
    },
    Variance {
        func: AggregateFunction,
        state: Option<VarState>,
    },
}

/// An exact or floating sum, in the representation its first value chose.
#[derive(Debug, Clone)]
pub(crate) enum SumState {
    Small(i64),
    Wide(i128),
    Exact(Decimal),
    Real(f32),
    Double(f64),
    Interval(Value),
}

/// Variance state: exact for integers and numeric, Youngs-Cramer for floats.
#[derive(Debug, Clone)]
pub(crate) enum VarState {
    Exact {
        n: Decimal,
        sum: Decimal,
        sum_sq: Decimal,
    },
    Float {
        n: f64,
        sum: f64,
        sxx: f64,
    },
}

impl Accumulator {
    /// A fresh accumulator for `func`.
    pub(crate) fn new(func: AggregateFunction) -> Accumulator {
        use AggregateFunction as A;
        match func {
            A::CountStar => Accumulator::CountStar(0),
            A::Count => Accumulator::Count(0),
            A::Sum => Accumulator::Sum(None),
            A::Avg => Accumulator::Avg(None, 0),
            A::Min => Accumulator::Extreme {
                max: false,
                best: Value::Null,
            },
            A::Max => Accumulator::Extreme {
                max: true,
                best: Value::Null,
            },
            A::StringAgg => Accumulator::StringAgg(None),
            A::BoolAnd => Accumulator::Bool {
                and: true,
                state: None,
            },
            A::BoolOr => Accumulator::Bool {
                and: false,
                state: None,
            },
            A::StddevSamp | A::StddevPop | A::VarSamp | A::VarPop => {
                Accumulator::Variance { func, state: None }
            }
        }
    }

    /// Adds one input row's arguments.
    pub(crate) fn update(&mut self, args: &[Value]) -> Result<(), DbError> {
        if let Accumulator::CountStar(n) = self {
            *n += 1;
            return Ok(());
        }
        let Some(v) = args.first() else { return Ok(()) };
        if v.is_null() {
            return Ok(());
        }
        match self {
            Accumulator::CountStar(_) => {}
            Accumulator::Count(n) => *n += 1,
            Accumulator::Sum(s) => add_to_sum(s, v)?,
            Accumulator::Avg(s, n) => {
                add_to_sum(s, v)?;
                *n += 1;
            }
            Accumulator::Extreme { max, best } => {
                let replace = best.is_null() || {
                    let o = compare::sort_cmp(v, best);
                    if *max {
                        o == Ordering::Greater
                    } else {
                        o == Ordering::Less
                    }
                };
                if replace {
                    *best = v.clone();
                }
            }
            Accumulator::StringAgg(acc) => {
                let delim = args.get(1).unwrap_or(&Value::Null);
                *acc = Some(match (acc.take(), v) {
                    (None, v) => v.clone(),
                    (Some(Value::Text(mut s)), Value::Text(t)) => {
                        if let Value::Text(d) = delim {
                            s.push_str(d);
                        }
                        s.push_str(t);
                        Value::Text(s)
                    }
                    (Some(Value::Bytea(mut s)), Value::Bytea(t)) => {
                        if let Value::Bytea(d) = delim {
                            s.extend_from_slice(d);
                        }
                        s.extend_from_slice(t);
                        Value::Bytea(s)
                    }
                    (Some(_), other) => {
                        return Err(DbError::internal(format!("string_agg over {other:?}")));
                    }
                });
            }
            Accumulator::Bool { and, state } => {
                let b = matches!(v, Value::Bool(true));
                *state = Some(match *state {
                    None => b,
                    Some(s) if *and => s && b,
                    Some(s) => s || b,
                });
            }
            Accumulator::Variance { state, .. } => add_to_variance(state, v)?,
        }
        Ok(())
    }

    /// The aggregate's value for the input so far.
    pub(crate) fn finish(&self) -> Result<Value, DbError> {
        Ok(match self {
            Accumulator::Count(n) | Accumulator::CountStar(n) => Value::Int8(*n),
            Accumulator::Sum(None) | Accumulator::Avg(None, _) => Value::Null,
            Accumulator::Sum(Some(s)) => sum_value(s)?,
            Accumulator::Avg(Some(s), n) => avg_value(s, *n)?,
            Accumulator::Extreme { best, .. } => best.clone(),
            Accumulator::StringAgg(acc) => acc.clone().unwrap_or(Value::Null),
            Accumulator::Bool { state, .. } => state.map_or(Value::Null, Value::Bool),
            Accumulator::Variance { func, state } => variance_value(*func, state.as_ref())?,
        })
    }
}

fn add_to_sum(s: &mut Option<SumState>, v: &Value) -> Result<(), DbError> {
    let overflow8 = || errors::out_of_range(&DataType::Int8);
    match (s.as_mut(), v) {
        (None, Value::Int2(i)) => *s = Some(SumState::Small(i64::from(*i))),
        (None, Value::Int4(i)) => *s = Some(SumState::Small(i64::from(*i))),
        (None, Value::Int8(i)) => *s = Some(SumState::Wide(i128::from(*i))),
        (None, Value::Numeric(d)) => *s = Some(SumState::Exact(*d)),
        (None, Value::Float4(f)) => *s = Some(SumState::Real(*f)),
        (None, Value::Float8(f)) => *s = Some(SumState::Double(*f)),
        (None, Value::Interval(_)) => *s = Some(SumState::Interval(v.clone())),
        (Some(SumState::Small(acc)), Value::Int2(i)) => {
            *acc = acc.checked_add(i64::from(*i)).ok_or_else(overflow8)?
        }
        (Some(SumState::Small(acc)), Value::Int4(i)) => {
            *acc = acc.checked_add(i64::from(*i)).ok_or_else(overflow8)?
        }
        (Some(SumState::Wide(acc)), Value::Int8(i)) => *acc += i128::from(*i),
        (Some(SumState::Exact(acc)), Value::Numeric(d)) => *acc = numeric::add(acc, d)?,
        (Some(SumState::Real(acc)), Value::Float4(f)) => {
            *acc = float::check_f32(*acc + f, acc.is_infinite() || f.is_infinite(), true)?;
        }
        (Some(SumState::Double(acc)), Value::Float8(f)) => {
            *acc = float::check_f64(*acc + f, acc.is_infinite() || f.is_infinite(), true)?;
        }
        (Some(SumState::Interval(acc)), Value::Interval(_)) => {
            *acc = ops::eval_binary(BinaryOp::Plus, acc, v)?
        }
        (_, other) => {
            return Err(DbError::internal(format!(
                "sum/avg over mixed input {other:?}"
            )));
        }
    }
    Ok(())
}

fn wide_to_decimal(i: i128) -> Result<Decimal, DbError> {
    Decimal::try_from_i128_with_scale(i, 0).map_err(|_| errors::numeric_overflow())
}

fn sum_value(s: &SumState) -> Result<Value, DbError> {
    Ok(match s {
        SumState::Small(i) => Value::Int8(*i),
        SumState::Wide(i) => Value::Numeric(wide_to_decimal(*i)?),
        SumState::Exact(d) => Value::Numeric(*d),
        SumState::Real(f) => Value::Float4(*f),
        SumState::Double(f) => Value::Float8(*f),
        SumState::Interval(v) => v.clone(),
    })
}

fn avg_value(s: &SumState, n: i64) -> Result<Value, DbError> {
    let count = Decimal::from(n);
    Ok(match s {
        SumState::Small(i) => Value::Numeric(numeric::div(&Decimal::from(*i), &count)?),
        SumState::Wide(i) => Value::Numeric(numeric::div(&wide_to_decimal(*i)?, &count)?),
        SumState::Exact(d) => Value::Numeric(numeric::div(d, &count)?),
        SumState::Real(f) => Value::Float8(f64::from(*f) / n as f64),
        SumState::Double(f) => Value::Float8(*f / n as f64),
        SumState::Interval(v) => ops::eval_binary(BinaryOp::Divide, v, &Value::Float8(n as f64))?,
    })
}

fn add_to_variance(state: &mut Option<VarState>, v: &Value) -> Result<(), DbError> {
    let as_float = match v {
        Value::Float4(f) => Some(f64::from(*f)),
        Value::Float8(f) => Some(*f),
        _ => None,
    };
    if let Some(x) = as_float {
        let st = state.get_or_insert(VarState::Float {
            n: 0.0,
            sum: 0.0,
            sxx: 0.0,
        });
        let VarState::Float { n, sum, sxx } = st else {
            return Err(DbError::internal("variance over mixed input"));
        };
        // Youngs-Cramer, as PostgreSQL's float8_accum.
        *n += 1.0;
        *sum += x;
        if *n > 1.0 {
            let tmp = x * *n - *sum;
            *sxx += tmp * tmp / (*n * (*n - 1.0));
        }
        if sum.is_infinite() && !x.is_infinite() {
            return Err(errors::float_overflow());
        }
        return Ok(());
    }
    let x = match v {
        Value::Int2(i) => Decimal::from(*i),
        Value::Int4(i) => Decimal::from(*i),
        Value::Int8(i) => Decimal::from(*i),
        Value::Numeric(d) => *d,
        other => return Err(DbError::internal(format!("variance over {other:?}"))),
    };
    let st = state.get_or_insert(VarState::Exact {
        n: Decimal::ZERO,
        sum: Decimal::ZERO,
        sum_sq: Decimal::ZERO,
    });
    let VarState::Exact { n, sum, sum_sq } = st else {
        return Err(DbError::internal("variance over mixed input"));
    };
    *n += Decimal::ONE;
    *sum = numeric::add(sum, &x)?;
    *sum_sq = numeric::add(sum_sq, &numeric::mul(&x, &x)?)?;
    Ok(())
}

fn variance_value(func: AggregateFunction, state: Option<&VarState>) -> Result<Value, DbError> {
    use AggregateFunction as A;
    let sample = matches!(func, A::VarSamp | A::StddevSamp);
    let root = matches!(func, A::StddevSamp | A::StddevPop);
    Ok(match state {
        None => Value::Null,
        Some(VarState::Float { n, sxx, .. }) => {
            if *n == 0.0 || (sample && *n <= 1.0) {
                return Ok(Value::Null);
            }
            let var = if sample { sxx / (n - 1.0) } else { sxx / n };
            Value::Float8(if root { var.sqrt() } else { var })
        }
        Some(VarState::Exact { n, sum, sum_sq }) => {
            if n.is_zero() || (sample && *n <= Decimal::ONE) {
                return Ok(Value::Null);
            }
            // PostgreSQL's numeric_stddev_internal: (N·Σx² − (Σx)²) / (N·(N−1) or N²),
            // divided at its division scale, the square root taken at the same scale.
            let numer = numeric::sub(&numeric::mul(n, sum_sq)?, &numeric::mul(sum, sum)?)?;
            if numer <= Decimal::ZERO {
                return Ok(Value::Numeric(Decimal::ZERO));
            }
            let denom = if sample {
                numeric::mul(n, &(*n - Decimal::ONE))?
            } else {
                numeric::mul(n, n)?
            };
            let var = numeric::div(&numer, &denom)?;
            if root {
                use rust_decimal::MathematicalOps;
                let r = var.sqrt().ok_or_else(errors::numeric_overflow)?;
                Value::Numeric(numeric::round_to_scale(&r, var.scale()))
            } else {
                Value::Numeric(var)
            }
        }
    })
}
