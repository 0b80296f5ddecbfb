//! The scalar function library and the registry the binder resolves calls against.
//!
//! [`lookup`] finds a function by name and argument types with PostgreSQL's overload
//! resolution (an exact match, else candidates reachable by implicit casts narrowed by
//! exact matches, preferred types and, for `unknown` literals, type categories; the same
//! algorithm as operators, see [`crate::types::ops`]). The answer says what to cast each
//! argument to, the return type, and the evaluator. Strict functions return NULL when any
//! argument is NULL without being called ([`ResolvedFunction::call`] does this).
//!
//! Functions see an [`EvalContext`]: the statement's and transaction's timestamps, so
//! `now()` is stable within a transaction as in PostgreSQL.
//!
//! `coalesce`, `nullif`, `greatest` and `least` are special forms the binder handles
//! (they are lazy or type-unify their arguments); [`greatest`] and [`least`] implement the
//! value part. Set-returning functions are not here; the polymorphic array functions
//! resolve in [`array`](mod@array).
//!
//! Files: [`array`](mod@array), [`string`], [`quoting`] (`quote_*`, `format()`), [`regexp`], [`encoding`],
//! [`math`], [`datetime`], [`format`](mod@format) (to_char and friends), [`json`], [`misc`].

pub mod array;
pub mod datetime;
pub mod encoding;
pub mod format;
pub mod json;
pub mod math;
pub mod misc;
pub mod quoting;
pub mod regexp;
pub mod string;
pub mod system;

use rustydb_common::{DbError, ErrorCode};

use crate::types::ops::resolve::select;
use crate::types::{DataType, Value};

pub use crate::types::cast::{greatest, least};

/// What a function evaluation can see besides its arguments. Others may add fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalContext {
    /// Start of the current transaction (`now()`, `current_timestamp`), a `timestamptz`
    /// value (microseconds since 2000-01-01 UTC).
    pub transaction_timestamp: i64,
    /// Start of the current statement (`statement_timestamp()`).
    pub statement_timestamp: i64,
}

impl EvalContext {
    /// A context with the given transaction and statement start times.
    pub fn new(transaction_timestamp: i64, statement_timestamp: i64) -> EvalContext {
        EvalContext {
            transaction_timestamp,
            statement_timestamp,
        }
    }

    /// A context whose transaction and statement start now (wall clock).
    pub fn now() -> EvalContext {
        let now = crate::types::datetime::now_timestamptz();
        EvalContext::new(now, now)
    }
}

/// An evaluator: the arguments, already cast to the resolved parameter types.
pub type EvalFn = fn(&[Value], &EvalContext) -> Result<Value, DbError>;

/// How a function's result may change (PostgreSQL's `provolatile`), for constant folding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    /// Same arguments, same result, always: foldable at plan time.
    Immutable,
    /// Same result within a statement (`now()`).
    Stable,
    /// May change on every call (`random()`).
    Volatile,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum P {
    /// Exactly this type (arguments are implicitly cast to it).
    T(DataType),
    /// Any type, taken as it comes (`unknown` becomes `text`).
    Any,
}

/// One overload.
#[derive(Debug)]
pub(crate) struct FuncDef {
    pub(crate) name: &'static str,
    pub(crate) params: Vec<P>,
    /// Further arguments of this kind may follow (`VARIADIC`).
    pub(crate) variadic: Option<P>,
    pub(crate) ret: DataType,
    pub(crate) strict: bool,
    pub(crate) volatility: Volatility,
    pub(crate) eval: EvalFn,
}

/// Shorthand constructors for the tables in each file.
pub(crate) mod def {
    use super::{EvalFn, FuncDef, P, Volatility};
    use crate::types::DataType;

    /// A strict, immutable function.
    pub(crate) fn f(
        name: &'static str,
        params: &[DataType],
        ret: DataType,
        eval: EvalFn,
    ) -> FuncDef {
        FuncDef {
            name,
            params: params.iter().cloned().map(P::T).collect(),
            variadic: None,
            ret,
            strict: true,
            volatility: Volatility::Immutable,
            eval,
        }
    }

    /// The numeric type without modifiers.
    pub(crate) const NUM: DataType = DataType::Numeric {
        precision: None,
        scale: None,
    };

    impl FuncDef {
        pub(crate) fn stable(mut self) -> FuncDef {
            self.volatility = Volatility::Stable;
            self
        }

        pub(crate) fn volatile(mut self) -> FuncDef {
            self.volatility = Volatility::Volatile;
            self
        }

        pub(crate) fn non_strict(mut self) -> FuncDef {
            self.strict = false;
            self
        }

        pub(crate) fn variadic(mut self, p: P) -> FuncDef {
            self.variadic = Some(p);
            self
        }

        pub(crate) fn any_params(mut self, n: usize) -> FuncDef {
            self.params = vec![P::Any; n];
            self
        }
    }
}

/// A function resolved for a call.
#[derive(Debug, Clone)]
pub struct ResolvedFunction {
    /// The function's name.
    pub name: &'static str,
    /// What to cast each argument to (always applied, whatever the cast's context).
    pub arg_types: Vec<DataType>,
    /// The result type.
    pub return_type: DataType,
    /// Whether a NULL argument makes the result NULL without a call.
    pub strict: bool,
    /// For constant folding.
    pub volatility: Volatility,
    /// The evaluator (prefer [`ResolvedFunction::call`], which handles strictness).
    pub eval: EvalFn,
}

impl ResolvedFunction {
    /// Calls the function on arguments already cast to [`ResolvedFunction::arg_types`].
    pub fn call(&self, args: &[Value], ctx: &EvalContext) -> Result<Value, DbError> {
        if self.strict && args.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        (self.eval)(args, ctx)
    }
}

fn registry() -> &'static [FuncDef] {
    static REGISTRY: std::sync::OnceLock<Vec<FuncDef>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut all = Vec::new();
        all.extend(string::functions());
        all.extend(quoting::functions());
        all.extend(regexp::functions());
        all.extend(encoding::functions());
        all.extend(math::functions());
        all.extend(datetime::functions());
        all.extend(format::functions());
        all.extend(json::functions());
        all.extend(misc::functions());
        all.extend(system::functions());
        all
    })
}

/// Whether any function has this name (case-insensitive).
pub fn exists(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    registry().iter().any(|d| d.name == name)
}

fn signature(name: &str, args: &[DataType]) -> String {
    let list: Vec<String> = args.iter().map(DataType::sql_name).collect();
    format!("{name}({})", list.join(", "))
}

/// Resolves a call of `name` with argument types `args` (`unknown` for untyped literals and
/// NULLs). 42883 when nothing matches, 42725 when several match equally well.
pub fn lookup(name: &str, args: &[DataType]) -> Result<ResolvedFunction, DbError> {
    let lname = name.to_ascii_lowercase();
    if let Some(r) = array::lookup(&lname, args) {
        return r;
    }
    let mut cands: Vec<(Vec<DataType>, &FuncDef)> = Vec::new();
    for d in registry().iter().filter(|d| d.name == lname) {
        let fits =
            args.len() == d.params.len() || (d.variadic.is_some() && args.len() > d.params.len());
        if !fits {
            continue;
        }
        let params: Vec<DataType> = args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let p = d.params.get(i).or(d.variadic.as_ref()).unwrap_or(&P::Any);
                match p {
                    // `bpchar` without a length takes any `char(n)` as it is (a cast to
                    // plain `char` would cut it to one character).
                    P::T(DataType::Char(None)) if matches!(a, DataType::Char(_)) => a.clone(),
                    P::T(t) => t.clone(),
                    P::Any if *a == DataType::Unknown => DataType::Text,
                    P::Any => a.clone(),
                }
            })
            .collect();
        cands.push((params, d));
    }
    let inputs: Vec<&DataType> = args.iter().collect();
    match select(&inputs, &cands) {
        Ok(Some((params, d))) => {
            let return_type = d.ret.clone();
            Ok(ResolvedFunction {
                name: d.name,
                arg_types: params.clone(),
                return_type,
                strict: d.strict,
                volatility: d.volatility,
                eval: d.eval,
            })
        }
        Ok(None) => Err(DbError::new(
            ErrorCode::UndefinedObject,
            format!("function {} does not exist", signature(&lname, args)),
        )
        .with_sqlstate("42883")
        .with_hint(
            "No function matches the given name and argument types. You might need to add \
             explicit type casts.",
        )),
        Err(()) => Err(DbError::new(
            ErrorCode::DatatypeMismatch,
            format!("function {} is not unique", signature(&lname, args)),
        )
        .with_sqlstate("42725")
        .with_hint(
            "Could not choose a best candidate function. You might need to add explicit \
             type casts.",
        )),
    }
}

/// Argument accessors for evaluators: the binder cast arguments to the parameter types, so a
/// mismatch is a bug.
pub(crate) mod args {
    use rust_decimal::Decimal;
    use rustydb_common::DbError;

    use crate::types::{Interval, Value};

    fn bug(what: &str, v: &Value) -> DbError {
        DbError::internal(format!("function argument: expected {what}, got {v:?}"))
    }

    pub(crate) fn text(v: &Value) -> Result<&str, DbError> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(bug("text", other)),
        }
    }

    pub(crate) fn int(v: &Value) -> Result<i64, DbError> {
        match v {
            Value::Int2(i) => Ok(i64::from(*i)),
            Value::Int4(i) => Ok(i64::from(*i)),
            Value::Int8(i) => Ok(*i),
            other => Err(bug("integer", other)),
        }
    }

    pub(crate) fn float(v: &Value) -> Result<f64, DbError> {
        match v {
            Value::Float8(f) => Ok(*f),
            Value::Float4(f) => Ok(f64::from(*f)),
            other => Err(bug("double precision", other)),
        }
    }

    pub(crate) fn numeric(v: &Value) -> Result<Decimal, DbError> {
        match v {
            Value::Numeric(d) => Ok(*d),
            other => Err(bug("numeric", other)),
        }
    }

    pub(crate) fn bytes(v: &Value) -> Result<&[u8], DbError> {
        match v {
            Value::Bytea(b) => Ok(b),
            other => Err(bug("bytea", other)),
        }
    }

    pub(crate) fn timestamp(v: &Value) -> Result<i64, DbError> {
        match v {
            Value::Timestamp(t) | Value::TimestampTz(t) => Ok(*t),
            other => Err(bug("timestamp", other)),
        }
    }

    pub(crate) fn interval(v: &Value) -> Result<Interval, DbError> {
        match v {
            Value::Interval(i) => Ok(*i),
            other => Err(bug("interval", other)),
        }
    }

    pub(crate) fn jsonb(v: &Value) -> Result<&serde_json::Value, DbError> {
        match v {
            Value::Jsonb(j) => Ok(j),
            other => Err(bug("jsonb", other)),
        }
    }
}

#[cfg(test)]
mod tests;
