//! Operators: their type resolution (for the binder) and evaluation (for the executor).
//!
//! [`resolve_binary`] / [`resolve_unary`] pick the operator PostgreSQL would pick for the
//! operand types (an exact match, else the candidates reachable by implicit casts, narrowed
//! by exact matches, preferred types and, for `unknown` literals, type categories; see
//! `resolve.rs`) and say what to cast each operand to and what the result type is.
//! [`eval_binary`] / [`eval_unary`] compute on values: NULL in gives NULL out, overflow is
//! 22003, division by zero 22012 (for floats too, as PostgreSQL does). The three-valued
//! [`and`], [`or`] and [`not`] are separate because they are not strict.
//!
//! The binder casts each operand with [`cast_from`](super::cast::cast_from) (which knows
//! the source type, so `char(n)` padding is stripped when comparing as `text`, as
//! PostgreSQL's `bpchar` comparisons do); evaluation then also accepts mixed numeric
//! widths directly.

mod arith;
pub mod like;
pub mod regex;
pub(crate) mod resolve;

use rustydb_common::DbError;

pub(crate) use arith::float_power;
pub use resolve::{ResolvedOp, ResolvedUnaryOp, resolve_binary, resolve_unary};

use super::compare::compare;
use super::{DataType, Value, errors};

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `+`.
    Plus,
    /// `-`.
    Minus,
    /// `*`.
    Multiply,
    /// `/` (integer division for integers).
    Divide,
    /// `%`.
    Modulo,
    /// `^` (power).
    Power,
    /// `||` (text, bytea and jsonb concatenation).
    Concat,
    /// `=`.
    Eq,
    /// `<>` / `!=`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
    /// `LIKE` (`~~`), escape character `\`.
    Like,
    /// `NOT LIKE` (`!~~`).
    NotLike,
    /// `ILIKE` (`~~*`).
    ILike,
    /// `NOT ILIKE` (`!~~*`).
    NotILike,
    /// `~`: POSIX regular expression match.
    RegexMatch,
    /// `~*`: case-insensitive regular expression match.
    RegexIMatch,
    /// `!~`.
    NotRegexMatch,
    /// `!~*`.
    NotRegexIMatch,
    /// `&` (integers).
    BitAnd,
    /// `|` (integers).
    BitOr,
    /// `#` (integers, exclusive or).
    BitXor,
    /// `<<` (integers).
    ShiftLeft,
    /// `>>` (integers).
    ShiftRight,
    /// jsonb `->`.
    JsonGet,
    /// jsonb `->>`.
    JsonGetText,
    /// jsonb `@>`.
    JsonContains,
    /// jsonb `<@`.
    JsonContainedBy,
    /// jsonb `?`.
    JsonHasKey,
}

impl BinaryOp {
    /// The operator as written in SQL (for messages).
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Plus => "+",
            Minus => "-",
            Multiply => "*",
            Divide => "/",
            Modulo => "%",
            Power => "^",
            Concat => "||",
            Eq => "=",
            NotEq => "<>",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            Like => "~~",
            NotLike => "!~~",
            ILike => "~~*",
            NotILike => "!~~*",
            RegexMatch => "~",
            RegexIMatch => "~*",
            NotRegexMatch => "!~",
            NotRegexIMatch => "!~*",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "#",
            ShiftLeft => "<<",
            ShiftRight => ">>",
            JsonGet => "->",
            JsonGetText => "->>",
            JsonContains => "@>",
            JsonContainedBy => "<@",
            JsonHasKey => "?",
        }
    }

    /// Whether this is one of the six comparisons.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | NotEq | Lt | LtEq | Gt | GtEq)
    }
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnaryOp {
    /// `-x`.
    Minus,
    /// `+x`.
    Plus,
    /// `NOT x` (three-valued; see [`not`]).
    Not,
    /// `~x` (integers).
    BitNot,
}

impl UnaryOp {
    /// The operator as written in SQL.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Minus => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "NOT",
            UnaryOp::BitNot => "~",
        }
    }
}

/// The result type of `left op right` (see [`resolve_binary`] for the operand casts).
pub fn result_type(op: BinaryOp, left: &DataType, right: &DataType) -> Result<DataType, DbError> {
    Ok(resolve_binary(op, left, right)?.result)
}

/// Evaluates `left op right`. Strict: a NULL operand gives NULL.
pub fn eval_binary(op: BinaryOp, left: &Value, right: &Value) -> Result<Value, DbError> {
    if left.is_null() || right.is_null() {
        return Ok(Value::Null);
    }
    use BinaryOp::*;
    match op {
        Minus if matches!(left, Value::Jsonb(_)) => match left {
            Value::Jsonb(j) => json_delete(j, right),
            _ => arith::eval(op, left, right),
        },
        Plus | Minus | Multiply | Divide | Modulo | Power => arith::eval(op, left, right),
        BitAnd | BitOr | BitXor | ShiftLeft | ShiftRight => arith::eval_bitwise(op, left, right),
        Eq | NotEq | Lt | LtEq | Gt | GtEq => {
            let Some(ord) = compare(left, right) else {
                return Err(errors::undefined_operator(
                    op.symbol(),
                    Some(&super::cast::value_type(left)),
                    &super::cast::value_type(right),
                ));
            };
            Ok(Value::Bool(match op {
                Eq => ord.is_eq(),
                NotEq => ord.is_ne(),
                Lt => ord.is_lt(),
                LtEq => ord.is_le(),
                Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        Concat => concat(left, right),
        Like | NotLike | ILike | NotILike => {
            let matched = match (left, right) {
                (Value::Bytea(s), Value::Bytea(p)) => {
                    like::like_bytes(s, p, Some(b'\\'), matches!(op, ILike | NotILike))?
                }
                _ => {
                    let s = text_of(left)?;
                    let p = text_of(right)?;
                    like::like(&s, &p, Some('\\'), matches!(op, ILike | NotILike))?
                }
            };
            Ok(Value::Bool(matched != matches!(op, NotLike | NotILike)))
        }
        RegexMatch | RegexIMatch | NotRegexMatch | NotRegexIMatch => {
            let s = text_of(left)?;
            let p = text_of(right)?;
            let re = regex::compile(&p, matches!(op, RegexIMatch | NotRegexIMatch), "")?;
            Ok(Value::Bool(
                re.is_match(&s) != matches!(op, NotRegexMatch | NotRegexIMatch),
            ))
        }
        JsonGet | JsonGetText | JsonContains | JsonContainedBy | JsonHasKey => {
            json_op(op, left, right)
        }
    }
}

/// The text of a string value (other types through their text output).
fn text_of(v: &Value) -> Result<String, DbError> {
    Ok(match v {
        Value::Text(s) => s.clone(),
        other => match super::cast::cast(other, &DataType::Text)? {
            Value::Text(s) => s,
            _ => String::new(),
        },
    })
}

fn concat(left: &Value, right: &Value) -> Result<Value, DbError> {
    Ok(match (left, right) {
        (Value::Bytea(a), Value::Bytea(b)) => {
            let mut out = Vec::with_capacity(a.len() + b.len());
            out.extend_from_slice(a);
            out.extend_from_slice(b);
            Value::Bytea(out)
        }
        (Value::Jsonb(a), Value::Jsonb(b)) => Value::Jsonb(Box::new(super::json::concat(a, b)?)),
        _ => {
            let mut s = text_of(left)?;
            s.push_str(&text_of(right)?);
            Value::Text(s)
        }
    })
}

fn json_op(op: BinaryOp, left: &Value, right: &Value) -> Result<Value, DbError> {
    use super::json;
    let Value::Jsonb(j) = left else {
        return Err(errors::undefined_operator(
            op.symbol(),
            Some(&super::cast::value_type(left)),
            &super::cast::value_type(right),
        ));
    };
    let target = match (op, right) {
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, Value::Text(k)) => json::get_field(j, k),
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, Value::Int2(i)) => {
            json::array_element(j, i64::from(*i))
        }
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, Value::Int4(i)) => {
            json::array_element(j, i64::from(*i))
        }
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, Value::Int8(i)) => json::array_element(j, *i),
        (BinaryOp::JsonContains, Value::Jsonb(b)) => return Ok(Value::Bool(json::contains(j, b))),
        (BinaryOp::JsonContainedBy, Value::Jsonb(b)) => {
            return Ok(Value::Bool(json::contains(b, j)));
        }
        (BinaryOp::JsonHasKey, Value::Text(k)) => return Ok(Value::Bool(json::has_key(j, k))),
        _ => {
            return Err(errors::undefined_operator(
                op.symbol(),
                Some(&DataType::Jsonb),
                &super::cast::value_type(right),
            ));
        }
    };
    Ok(match (op, target) {
        (_, None) => Value::Null,
        (BinaryOp::JsonGet, Some(v)) => Value::Jsonb(Box::new(v.clone())),
        (_, Some(v)) => json::as_text(v).map_or(Value::Null, Value::Text),
    })
}

/// jsonb `-` (delete a key or an element): `Minus` with a jsonb left operand.
fn json_delete(left: &serde_json::Value, right: &Value) -> Result<Value, DbError> {
    use super::json;
    Ok(Value::Jsonb(Box::new(match right {
        Value::Text(k) => json::delete_key(left, k)?,
        Value::Int2(i) => json::delete_index(left, i64::from(*i))?,
        Value::Int4(i) => json::delete_index(left, i64::from(*i))?,
        Value::Int8(i) => json::delete_index(left, *i)?,
        other => {
            return Err(errors::undefined_operator(
                "-",
                Some(&DataType::Jsonb),
                &super::cast::value_type(other),
            ));
        }
    })))
}

/// Evaluates a prefix operator. Strict; `NOT` here is the strict boolean negation (same
/// as [`not`]).
pub fn eval_unary(op: UnaryOp, v: &Value) -> Result<Value, DbError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match op {
        UnaryOp::Not => match v {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            other => Err(errors::undefined_operator(
                "NOT",
                None,
                &super::cast::value_type(other),
            )),
        },
        UnaryOp::Plus => match v {
            Value::Int2(_)
            | Value::Int4(_)
            | Value::Int8(_)
            | Value::Float4(_)
            | Value::Float8(_)
            | Value::Numeric(_)
            | Value::Interval(_) => Ok(v.clone()),
            other => Err(errors::undefined_operator(
                "+",
                None,
                &super::cast::value_type(other),
            )),
        },
        UnaryOp::Minus => arith::negate(v),
        UnaryOp::BitNot => match v {
            Value::Int2(i) => Ok(Value::Int2(!i)),
            Value::Int4(i) => Ok(Value::Int4(!i)),
            Value::Int8(i) => Ok(Value::Int8(!i)),
            other => Err(errors::undefined_operator(
                "~",
                None,
                &super::cast::value_type(other),
            )),
        },
    }
}

/// Three-valued `AND`: false wins over NULL.
pub fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Three-valued `OR`: true wins over NULL.
pub fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Three-valued `NOT`.
pub fn not(a: Option<bool>) -> Option<bool> {
    a.map(|b| !b)
}

/// A boolean value as three-valued logic (`None` for NULL); 42804 for non-booleans.
pub fn truth(v: &Value) -> Result<Option<bool>, DbError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(rustydb_common::DbError::new(
            rustydb_common::ErrorCode::DatatypeMismatch,
            format!(
                "argument of boolean expression must be type boolean, not type {}",
                super::cast::value_type(other).sql_name()
            ),
        )),
    }
}

/// [`and`] over values.
pub fn and_values(a: &Value, b: &Value) -> Result<Value, DbError> {
    Ok(and(truth(a)?, truth(b)?).map_or(Value::Null, Value::Bool))
}

/// [`or`] over values.
pub fn or_values(a: &Value, b: &Value) -> Result<Value, DbError> {
    Ok(or(truth(a)?, truth(b)?).map_or(Value::Null, Value::Bool))
}

#[cfg(test)]
mod tests;
