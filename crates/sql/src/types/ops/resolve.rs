//! Operator type resolution, after PostgreSQL's `oper_select_candidate`.
//!
//! Each operator has a table of signatures. For operand types `(l, r)`: an exact match
//! wins; with one `unknown` operand, the signature taking the other operand's type on both
//! sides wins; otherwise the candidates whose parameters both operands reach by implicit
//! casts are narrowed, in order, to those with the most exact matches, then the most
//! preferred types where a conversion is needed, then (for `unknown` operands) to the
//! string category if any candidate takes a string there, else to the one category all
//! candidates share. One survivor is the answer; none is 42883, several 42725.
//!
//! Comparisons accept any two types with a common type (see
//! [`common_type`](crate::types::cast::common_type)); `||` is also polymorphic, as
//! PostgreSQL's `anynonarray || text`.

use rustydb_common::DbError;

use super::{BinaryOp, UnaryOp};
use crate::types::cast::{CastContext, can_cast, common_type, is_preferred, same_base};
use crate::types::{DataType, errors};

/// A resolved operator: cast the left operand to `left` and the right to `right` (always,
/// whatever the cast's context: the resolution chose it), and the result is `result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedOp {
    /// The left operand's type (for a prefix operator, [`DataType::Unknown`]).
    pub left: DataType,
    /// The right operand's type.
    pub right: DataType,
    /// The result type.
    pub result: DataType,
}

use DataType as T;

const I2: T = T::Int2;
const I4: T = T::Int4;
const I8: T = T::Int8;
const F4: T = T::Float4;
const F8: T = T::Float8;
const NUM: T = T::Numeric {
    precision: None,
    scale: None,
};
const TXT: T = T::Text;
const BOOL: T = T::Bool;

type Sig = (DataType, DataType, DataType);

const INT_TYPES: [DataType; 3] = [I2, I4, I8];

fn arith_sigs(op: BinaryOp) -> Vec<Sig> {
    let mut v: Vec<Sig> = Vec::new();
    let basic = matches!(
        op,
        BinaryOp::Plus | BinaryOp::Minus | BinaryOp::Multiply | BinaryOp::Divide
    );
    if basic {
        for (i, a) in INT_TYPES.iter().enumerate() {
            for (j, b) in INT_TYPES.iter().enumerate() {
                v.push((a.clone(), b.clone(), INT_TYPES[i.max(j)].clone()));
            }
        }
        v.extend([
            (F4, F4, F4),
            (F8, F8, F8),
            (F4, F8, F8),
            (F8, F4, F8),
            (NUM, NUM, NUM),
        ]);
    }
    match op {
        BinaryOp::Plus => v.extend([
            (T::Date, I4, T::Date),
            (I4, T::Date, T::Date),
            (T::Date, T::Interval, T::Timestamp),
            (T::Interval, T::Date, T::Timestamp),
            (T::Date, T::Time, T::Timestamp),
            (T::Time, T::Date, T::Timestamp),
            (T::Timestamp, T::Interval, T::Timestamp),
            (T::Interval, T::Timestamp, T::Timestamp),
            (T::TimestampTz, T::Interval, T::TimestampTz),
            (T::Interval, T::TimestampTz, T::TimestampTz),
            (T::Time, T::Interval, T::Time),
            (T::Interval, T::Time, T::Time),
            (T::Interval, T::Interval, T::Interval),
        ]),
        BinaryOp::Minus => v.extend([
            (T::Date, I4, T::Date),
            (T::Date, T::Date, I4),
            (T::Date, T::Interval, T::Timestamp),
            (T::Timestamp, T::Interval, T::Timestamp),
            (T::TimestampTz, T::Interval, T::TimestampTz),
            (T::Timestamp, T::Timestamp, T::Interval),
            (T::TimestampTz, T::TimestampTz, T::Interval),
            (T::Time, T::Interval, T::Time),
            (T::Time, T::Time, T::Interval),
            (T::Interval, T::Interval, T::Interval),
            (T::Jsonb, TXT, T::Jsonb),
            (T::Jsonb, I4, T::Jsonb),
        ]),
        BinaryOp::Multiply => v.extend([
            (T::Interval, F8, T::Interval),
            (F8, T::Interval, T::Interval),
        ]),
        BinaryOp::Divide => v.push((T::Interval, F8, T::Interval)),
        BinaryOp::Modulo => v.extend([(I2, I2, I2), (I4, I4, I4), (I8, I8, I8), (NUM, NUM, NUM)]),
        BinaryOp::Power => v.extend([(F8, F8, F8), (NUM, NUM, NUM)]),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
            v.extend([(I2, I2, I2), (I4, I4, I4), (I8, I8, I8)]);
        }
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            v.extend([(I2, I4, I2), (I4, I4, I4), (I8, I4, I8)]);
        }
        BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike => {
            v.extend([(TXT, TXT, BOOL), (T::Bytea, T::Bytea, BOOL)]);
        }
        BinaryOp::RegexMatch
        | BinaryOp::RegexIMatch
        | BinaryOp::NotRegexMatch
        | BinaryOp::NotRegexIMatch => v.push((TXT, TXT, BOOL)),
        BinaryOp::JsonGet => v.extend([(T::Jsonb, TXT, T::Jsonb), (T::Jsonb, I4, T::Jsonb)]),
        BinaryOp::JsonGetText => v.extend([(T::Jsonb, TXT, TXT), (T::Jsonb, I4, TXT)]),
        BinaryOp::JsonContains | BinaryOp::JsonContainedBy => v.push((T::Jsonb, T::Jsonb, BOOL)),
        BinaryOp::JsonHasKey => v.push((T::Jsonb, TXT, BOOL)),
        _ => {}
    }
    v
}

fn category(t: &DataType) -> char {
    match t {
        T::Bool => 'B',
        T::Int2 | T::Int4 | T::Int8 | T::Float4 | T::Float8 | T::Numeric { .. } => 'N',
        T::Text | T::Varchar(_) | T::Char(_) => 'S',
        T::Date | T::Time | T::Timestamp | T::TimestampTz => 'D',
        T::Interval => 'T',
        T::Bytea | T::Uuid | T::Jsonb => 'U',
        T::Unknown => 'X',
        T::Array(_) => 'A',
    }
}

fn coercible(input: &DataType, param: &DataType) -> bool {
    *input == T::Unknown || can_cast(input, param, CastContext::Implicit)
}

/// Picks one candidate among `sigs` (each a list of parameter types) for `inputs`.
/// `Ok(None)`: no candidate; `Err(())`: ambiguous.
/// A candidate: its parameter types and a payload (a result type, a function).
pub(crate) type Candidate<R> = (Vec<DataType>, R);

/// PostgreSQL's candidate selection (see the module documentation), shared with function
/// lookup. `sigs` pairs parameter lists with a payload.
pub(crate) fn select<'a, R>(
    inputs: &[&DataType],
    sigs: &'a [Candidate<R>],
) -> Result<Option<&'a Candidate<R>>, ()> {
    let exact = |s: &&Candidate<R>| s.0.iter().zip(inputs).all(|(p, i)| same_base(p, i));
    if let Some(s) = sigs.iter().find(exact) {
        return Ok(Some(s));
    }
    let unknowns = inputs.iter().filter(|t| ***t == T::Unknown).count();
    if unknowns > 0 && unknowns < inputs.len() {
        let known: Vec<&&DataType> = inputs.iter().filter(|t| ***t != T::Unknown).collect();
        if known.iter().all(|t| same_base(t, known[0])) {
            let k = *known[0];
            if let Some(s) = sigs.iter().find(|s| s.0.iter().all(|p| same_base(p, k))) {
                return Ok(Some(s));
            }
        }
    }
    let mut cands: Vec<&Candidate<R>> = sigs
        .iter()
        .filter(|s| s.0.iter().zip(inputs).all(|(p, i)| coercible(i, p)))
        .collect();
    if cands.len() <= 1 {
        return Ok(cands.first().copied());
    }
    let keep_max = |cands: Vec<&'a Candidate<R>>, score: &dyn Fn(&Candidate<R>) -> usize| {
        let best = cands.iter().map(|c| score(c)).max().unwrap_or(0);
        cands
            .into_iter()
            .filter(|c| score(c) == best)
            .collect::<Vec<_>>()
    };
    cands = keep_max(cands, &|c| {
        c.0.iter()
            .zip(inputs)
            .filter(|(p, i)| ***i != T::Unknown && same_base(p, i))
            .count()
    });
    if cands.len() == 1 {
        return Ok(Some(cands[0]));
    }
    cands = keep_max(cands, &|c| {
        c.0.iter()
            .zip(inputs)
            .filter(|(p, i)| {
                ***i != T::Unknown
                    && (same_base(p, i) || (is_preferred(p) && category(p) == category(i)))
            })
            .count()
    });
    if cands.len() == 1 {
        return Ok(Some(cands[0]));
    }
    if unknowns > 0 {
        for (pos, input) in inputs.iter().enumerate() {
            if **input != T::Unknown {
                continue;
            }
            let cats: Vec<char> = cands.iter().map(|c| category(&c.0[pos])).collect();
            let chosen = if cats.contains(&'S') {
                'S'
            } else if cats.iter().all(|c| *c == cats[0]) {
                cats[0]
            } else {
                return Err(());
            };
            cands.retain(|c| category(&c.0[pos]) == chosen);
            if cands.iter().any(|c| is_preferred(&c.0[pos])) {
                cands.retain(|c| is_preferred(&c.0[pos]));
            }
        }
        if cands.len() == 1 {
            return Ok(Some(cands[0]));
        }
    }
    Err(())
}

fn numeric_compare_target(l: &DataType, r: &DataType) -> (DataType, DataType) {
    let is_float = |t: &DataType| matches!(t, T::Float4 | T::Float8);
    if matches!(l, T::Int2 | T::Int4 | T::Int8) && matches!(r, T::Int2 | T::Int4 | T::Int8) {
        return (l.clone(), r.clone());
    }
    if is_float(l) || is_float(r) {
        if *l == F4 && *r == F4 {
            return (F4, F4);
        }
        return (F8, F8);
    }
    (NUM, NUM)
}

/// Resolves `left op right`.
pub fn resolve_binary(
    op: BinaryOp,
    left: &DataType,
    right: &DataType,
) -> Result<ResolvedOp, DbError> {
    if op.is_comparison() {
        let (l, r) = match (left, right) {
            (T::Unknown, T::Unknown) => (TXT, TXT),
            (T::Unknown, other) | (other, T::Unknown) => (other.clone(), other.clone()),
            (l, r) => (l.clone(), r.clone()),
        };
        if l.is_numeric() && r.is_numeric() {
            let (l, r) = numeric_compare_target(&l, &r);
            return Ok(ResolvedOp {
                left: l,
                right: r,
                result: BOOL,
            });
        }
        let common = common_type(&l, &r)
            .ok_or_else(|| errors::undefined_operator(op.symbol(), Some(left), right))?;
        let common = if category(&common) == 'S' {
            TXT
        } else {
            common
        };
        return Ok(ResolvedOp {
            left: common.clone(),
            right: common,
            result: BOOL,
        });
    }
    if op == BinaryOp::Concat {
        return resolve_concat(left, right);
    }
    let table: Vec<(Vec<DataType>, DataType)> = arith_sigs(op)
        .into_iter()
        .map(|(a, b, r)| (vec![a, b], r))
        .collect();
    match select(&[left, right], &table) {
        Ok(Some((params, result))) => {
            let mut l = params[0].clone();
            // LIKE on char(n) matches the padded value, as PostgreSQL's bpcharlike.
            if matches!(left, T::Char(_))
                && matches!(
                    op,
                    BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike
                )
            {
                l = left.clone();
            }
            Ok(ResolvedOp {
                left: l,
                right: params[1].clone(),
                result: result.clone(),
            })
        }
        Ok(None) => Err(errors::undefined_operator(op.symbol(), Some(left), right)),
        Err(()) => Err(errors::ambiguous_operator(op.symbol(), Some(left), right)),
    }
}

fn resolve_concat(left: &DataType, right: &DataType) -> Result<ResolvedOp, DbError> {
    let is_str = |t: &DataType| category(t) == 'S';
    let both = |t: DataType| ResolvedOp {
        left: t.clone(),
        right: t.clone(),
        result: t,
    };
    Ok(match (left, right) {
        (T::Bytea, T::Bytea | T::Unknown) | (T::Unknown, T::Bytea) => both(T::Bytea),
        (T::Jsonb, T::Jsonb | T::Unknown) | (T::Unknown, T::Jsonb) => both(T::Jsonb),
        (l, r) if is_str(l) || is_str(r) || *l == T::Unknown || *r == T::Unknown => both(TXT),
        _ => return Err(errors::undefined_operator("||", Some(left), right)),
    })
}

/// A resolved prefix operator: cast the operand to `operand`; the result is `result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUnaryOp {
    /// The operand's type.
    pub operand: DataType,
    /// The result type.
    pub result: DataType,
}

/// Resolves a prefix operator.
pub fn resolve_unary(op: UnaryOp, operand: &DataType) -> Result<ResolvedUnaryOp, DbError> {
    let types: Vec<DataType> = match op {
        UnaryOp::Minus | UnaryOp::Plus => vec![I2, I4, I8, F4, F8, NUM, T::Interval],
        UnaryOp::BitNot => vec![I2, I4, I8],
        UnaryOp::Not => vec![BOOL],
    };
    let table: Vec<(Vec<DataType>, DataType)> =
        types.into_iter().map(|t| (vec![t.clone()], t)).collect();
    match select(&[operand], &table) {
        Ok(Some((params, result))) => Ok(ResolvedUnaryOp {
            operand: params[0].clone(),
            result: result.clone(),
        }),
        Ok(None) => Err(errors::undefined_operator(op.symbol(), None, operand)),
        Err(()) => Err(errors::ambiguous_operator(op.symbol(), None, operand)),
    }
}
