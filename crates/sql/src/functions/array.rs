//! Array functions and the array forms the binder builds: `ARRAY[...]`, `a[i]` and
//! `x op ANY/ALL (array)`, plus `array_to_string`, `array_upper`, `array_lower`,
//! `array_length`, `cardinality`, and `array_cat`, `array_append`, `array_prepend`
//! (which `||` between an array and an array or an element becomes, as in PostgreSQL).
//!
//! These are polymorphic (PostgreSQL's `anyarray`/`anyelement`): the result type follows
//! the argument's element type, so they are resolved here rather than from the fixed
//! signatures of the registry. [`lookup`] answers for the named functions; the binder
//! calls [`constructor`], [`subscript`] and [`quantified`] for the syntax forms. Arrays
//! are one-dimensional with lower bound 1 (see [`crate::types::array`]), so the only
//! valid dimension argument is 1; others give NULL as PostgreSQL does for a missing
//! dimension.

use std::cmp::Ordering;

use rustydb_common::{DbError, ErrorCode};

use super::{EvalContext, ResolvedFunction, Volatility, args};
use crate::types::compare::compare;
use crate::types::ops::BinaryOp;
use crate::types::text::format_value;
use crate::types::{DataType, Value};

fn resolved(
    name: &'static str,
    arg_types: Vec<DataType>,
    return_type: DataType,
    strict: bool,
    eval: super::EvalFn,
) -> ResolvedFunction {
    ResolvedFunction {
        name,
        arg_types,
        return_type,
        strict,
        volatility: Volatility::Immutable,
        eval,
    }
}

fn items(v: &Value) -> Result<&[Value], DbError> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(DbError::internal(format!(
            "array function argument: expected an array, got {other:?}"
        ))),
    }
}

fn len_i32(items: &[Value]) -> i32 {
    i32::try_from(items.len()).unwrap_or(i32::MAX)
}

/// 42804 for a polymorphic call whose array argument is an untyped literal.
fn unknown_polymorphic(name: &str) -> DbError {
    DbError::new(
        ErrorCode::DatatypeMismatch,
        format!("could not determine polymorphic type because input has type unknown ({name})"),
    )
    .with_sqlstate("42804")
    .with_hint("Cast the array argument to an array type, for example '{1,2}'::integer[].")
}

/// Resolves the named array functions for argument types `args`; `None` when `name` is
/// not one of them or the first argument is not an array (the caller then reports the
/// function as undefined).
pub fn lookup(name: &str, args: &[DataType]) -> Option<Result<ResolvedFunction, DbError>> {
    if let Some(r) = concat_lookup(name, args) {
        return Some(r);
    }
    let arr = args.first()?;
    let known = matches!(
        name,
        "array_to_string" | "array_upper" | "array_lower" | "array_length" | "cardinality"
    );
    if !known {
        return None;
    }
    if *arr == DataType::Unknown {
        return Some(Err(unknown_polymorphic(name)));
    }
    if !matches!(arr, DataType::Array(_)) {
        return None;
    }
    let a = arr.clone();
    let i4 = DataType::Int4;
    Some(Ok(match (name, args.len()) {
        ("array_to_string", 2) => resolved(
            "array_to_string",
            vec![a, DataType::Text],
            DataType::Text,
            true,
            array_to_string,
        ),
        ("array_to_string", 3) => resolved(
            "array_to_string",
            vec![a, DataType::Text, DataType::Text],
            DataType::Text,
            false,
            array_to_string,
        ),
        ("array_upper", 2) => resolved("array_upper", vec![a, i4.clone()], i4, true, upper),
        ("array_lower", 2) => resolved("array_lower", vec![a, i4.clone()], i4, true, lower),
        ("array_length", 2) => resolved("array_length", vec![a, i4.clone()], i4, true, length),
        ("cardinality", 1) => resolved("cardinality", vec![a], i4, true, cardinality),
        _ => return None,
    }))
}

/// The function `left || right` stands for when either side is an array: `array_cat`
/// for two arrays (an untyped literal beside an array is taken as an array, as
/// PostgreSQL does), `array_append` / `array_prepend` for an array and an element.
/// `None` when neither side is an array (`||` is then string, bytea or jsonb concat).
pub fn concat_function(left: &DataType, right: &DataType) -> Option<&'static str> {
    let is_array = |t: &DataType| matches!(t, DataType::Array(_));
    Some(match (is_array(left), is_array(right)) {
        (true, true) => "array_cat",
        (true, false) if *right == DataType::Unknown => "array_cat",
        (false, true) if *left == DataType::Unknown => "array_cat",
        (true, false) => "array_append",
        (false, true) => "array_prepend",
        (false, false) => return None,
    })
}

/// Resolves `array_cat(a, b)`, `array_append(a, x)` and `array_prepend(x, a)`.
fn concat_lookup(name: &str, args: &[DataType]) -> Option<Result<ResolvedFunction, DbError>> {
    let elem_of = |t: &DataType| match t {
        DataType::Array(e) => Some((**e).clone()),
        _ => None,
    };
    // `None` for a shape that does not fit: the registry then reports 42883.
    let [a, b] = args else { return None };
    let elem = match name {
        "array_cat" => match (elem_of(a), elem_of(b)) {
            (Some(x), Some(y)) => crate::types::cast::common_type(&x, &y)?,
            (Some(x), None) | (None, Some(x))
                if *a == DataType::Unknown || *b == DataType::Unknown =>
            {
                x
            }
            // All inputs untyped: text, as PostgreSQL resolves anycompatible.
            (None, None) if *a == DataType::Unknown && *b == DataType::Unknown => DataType::Text,
            _ => return None,
        },
        // The element joins the array's element type at their common type
        // (PostgreSQL's anycompatiblearray / anycompatible).
        "array_append" | "array_prepend" => {
            let (arr, x) = if name == "array_append" {
                (a, b)
            } else {
                (b, a)
            };
            match elem_of(arr) {
                Some(e) if *x == DataType::Unknown => e,
                Some(e) => crate::types::cast::common_type(&e, x)?,
                // An untyped NULL array takes the element's type (text if it has none).
                None if *arr == DataType::Unknown && *x == DataType::Unknown => DataType::Text,
                None if *arr == DataType::Unknown => x.clone(),
                None => return None,
            }
        }
        _ => return None,
    };
    let arr = DataType::Array(Box::new(elem.clone()));
    Some(Ok(match name {
        "array_cat" => resolved("array_cat", vec![arr.clone(), arr.clone()], arr, false, cat),
        "array_append" => resolved("array_append", vec![arr.clone(), elem], arr, false, append),
        _ => resolved(
            "array_prepend",
            vec![elem, arr.clone()],
            arr,
            false,
            prepend,
        ),
    }))
}

/// `array_cat(a, b)`: the elements of both; a NULL array counts as empty (NULL only
/// when both are NULL), as in PostgreSQL.
fn cat(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    Ok(match (&a[0], &a[1]) {
        (Value::Null, Value::Null) => Value::Null,
        (Value::Null, x) | (x, Value::Null) => x.clone(),
        (x, y) => {
            let mut out = items(x)?.to_vec();
            out.extend_from_slice(items(y)?);
            Value::Array(Box::new(out))
        }
    })
}

/// `array_append(a, x)`: `a` with `x` (possibly NULL) added at the end.
fn append(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    let mut out = match &a[0] {
        Value::Null => Vec::new(),
        arr => items(arr)?.to_vec(),
    };
    out.push(a[1].clone());
    Ok(Value::Array(Box::new(out)))
}

/// `array_prepend(x, a)`: `a` with `x` (possibly NULL) added at the front.
fn prepend(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    let mut out = vec![a[0].clone()];
    if !a[1].is_null() {
        out.extend_from_slice(items(&a[1])?);
    }
    Ok(Value::Array(Box::new(out)))
}

/// `array_to_string(arr, sep [, null_string])`: the elements' text joined by `sep`;
/// NULL elements are skipped unless `null_string` is given (and not NULL).
fn array_to_string(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    if a[0].is_null() || a[1].is_null() {
        return Ok(Value::Null);
    }
    let sep = args::text(&a[1])?;
    let null_str = match a.get(2) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut parts: Vec<String> = Vec::new();
    for item in items(&a[0])? {
        if item.is_null() {
            if let Some(n) = null_str {
                parts.push(n.to_string());
            }
        } else {
            parts.push(format_value(item));
        }
    }
    Ok(Value::Text(parts.join(sep)))
}

/// The bound of dimension 1 of a non-empty array, NULL otherwise.
fn bound(a: &[Value], upper: bool) -> Result<Value, DbError> {
    let items = items(&a[0])?;
    if args::int(&a[1])? != 1 || items.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Int4(if upper { len_i32(items) } else { 1 }))
}

fn upper(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    bound(a, true)
}

fn lower(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    bound(a, false)
}

fn length(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    bound(a, true)
}

fn cardinality(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    Ok(Value::Int4(len_i32(items(&a[0])?)))
}

/// `ARRAY[e1, e2, ...]` with `n` elements of type `elem` (already unified).
pub fn constructor(elem: &DataType, n: usize) -> ResolvedFunction {
    resolved(
        "array",
        vec![elem.clone(); n],
        DataType::Array(Box::new(elem.clone())),
        false,
        construct,
    )
}

fn construct(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    Ok(Value::Array(Box::new(a.to_vec())))
}

/// `arr[i]` on an array of type `arr_ty`: the element, NULL when out of range.
pub fn subscript(arr_ty: &DataType) -> ResolvedFunction {
    let elem = match arr_ty {
        DataType::Array(e) => e.as_ref().clone(),
        other => other.clone(),
    };
    resolved(
        "array_subscript",
        vec![arr_ty.clone(), DataType::Int4],
        elem,
        true,
        element_at,
    )
}

fn element_at(a: &[Value], _: &EvalContext) -> Result<Value, DbError> {
    let items = items(&a[0])?;
    let i = args::int(&a[1])?;
    Ok(usize::try_from(i - 1)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .unwrap_or(Value::Null))
}

/// `x op ANY (arr)` (`all` false) or `x op ALL (arr)` over an array of `elem`s, `x`
/// already of type `elem`. `None` for an operator that is not a comparison.
pub fn quantified(op: BinaryOp, all: bool, elem: &DataType) -> Option<ResolvedFunction> {
    let eval: super::EvalFn = match (op, all) {
        (BinaryOp::Eq, false) => |a, _| quantify(a, false, |o| o == Ordering::Equal),
        (BinaryOp::NotEq, false) => |a, _| quantify(a, false, |o| o != Ordering::Equal),
        (BinaryOp::Lt, false) => |a, _| quantify(a, false, |o| o == Ordering::Less),
        (BinaryOp::LtEq, false) => |a, _| quantify(a, false, |o| o != Ordering::Greater),
        (BinaryOp::Gt, false) => |a, _| quantify(a, false, |o| o == Ordering::Greater),
        (BinaryOp::GtEq, false) => |a, _| quantify(a, false, |o| o != Ordering::Less),
        (BinaryOp::Eq, true) => |a, _| quantify(a, true, |o| o == Ordering::Equal),
        (BinaryOp::NotEq, true) => |a, _| quantify(a, true, |o| o != Ordering::Equal),
        (BinaryOp::Lt, true) => |a, _| quantify(a, true, |o| o == Ordering::Less),
        (BinaryOp::LtEq, true) => |a, _| quantify(a, true, |o| o != Ordering::Greater),
        (BinaryOp::Gt, true) => |a, _| quantify(a, true, |o| o == Ordering::Greater),
        (BinaryOp::GtEq, true) => |a, _| quantify(a, true, |o| o != Ordering::Less),
        _ => return None,
    };
    Some(resolved(
        if all { "all" } else { "any" },
        vec![elem.clone(), DataType::Array(Box::new(elem.clone()))],
        DataType::Bool,
        false,
        eval,
    ))
}

/// Three-valued ANY/ALL: for ANY, true if some comparison is true, else NULL if some
/// was NULL, else false; ALL dually. An empty array gives false (ANY) / true (ALL)
/// whatever `x` is.
fn quantify(a: &[Value], all: bool, test: fn(Ordering) -> bool) -> Result<Value, DbError> {
    if a[1].is_null() {
        return Ok(Value::Null);
    }
    let mut saw_null = false;
    for item in items(&a[1])? {
        match compare(&a[0], item) {
            None => saw_null = true,
            Some(o) if test(o) != all => return Ok(Value::Bool(!all)),
            Some(_) => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(all)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(v: &[Value]) -> Value {
        Value::Array(Box::new(v.to_vec()))
    }

    #[test]
    fn to_string_skips_or_replaces_nulls() {
        let ctx = EvalContext::new(0, 0);
        let a = arr(&[Value::Int4(1), Value::Null, Value::Int4(3)]);
        let sep = Value::Text(",".into());
        assert_eq!(
            array_to_string(&[a.clone(), sep.clone()], &ctx).unwrap(),
            Value::Text("1,3".into())
        );
        assert_eq!(
            array_to_string(&[a, sep, Value::Text("*".into())], &ctx).unwrap(),
            Value::Text("1,*,3".into())
        );
    }

    #[test]
    fn any_and_all_are_three_valued() {
        let f = |op, all, x: Value, items: &[Value]| {
            let r = quantified(op, all, &DataType::Int4).unwrap();
            r.call(&[x, arr(items)], &EvalContext::new(0, 0)).unwrap()
        };
        let one = Value::Int4(1);
        let two = Value::Int4(2);
        assert_eq!(
            f(
                BinaryOp::Eq,
                false,
                one.clone(),
                &[two.clone(), one.clone()]
            ),
            Value::Bool(true)
        );
        assert_eq!(
            f(
                BinaryOp::Eq,
                false,
                one.clone(),
                &[two.clone(), Value::Null]
            ),
            Value::Null
        );
        assert_eq!(f(BinaryOp::Eq, false, Value::Null, &[]), Value::Bool(false));
        assert_eq!(
            f(BinaryOp::Lt, true, one.clone(), std::slice::from_ref(&two)),
            Value::Bool(true)
        );
        assert_eq!(
            f(BinaryOp::Lt, true, two.clone(), &[one, two]),
            Value::Bool(false)
        );
    }
}
