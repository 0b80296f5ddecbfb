//! Golden tests against PostgreSQL 15: `testdata/*.golden` hold cases with the output a
//! real server gave (`testdata/regen_goldens.py` refills them from a running server).
//! Each line is `kind, inputs..., "=>", expected`; see the script for the kinds.
//!
//! Known, documented deviations are listed in [`DEVIATIONS`] with what RustyDB answers
//! instead.

use rustydb_common::DbError;

use super::cast::{cast_from, value_type};
use super::ops::{BinaryOp, UnaryOp, eval_binary, eval_unary, resolve_binary, resolve_unary};
use super::text::{format_value, parse_value};
use super::{DataType, Value};

/// Inputs whose PostgreSQL answer RustyDB deliberately differs from, with its answer.
pub(crate) const DEVIATIONS: &[(&str, &str)] = &[
    // numeric has no NaN.
    (
        "cast\tfloat8\tNaN\tnumeric",
        "ERROR 0A000 numeric NaN and infinity are not supported",
    ),
    // 28! has 30 digits, more than numeric's 28.
    (
        "fn\tfactorial\tint8\t28",
        "ERROR 22003 value overflows numeric format",
    ),
    // Rust's cbrt is exact here; the C library PostgreSQL was built with is one ulp off.
    ("fn\tcbrt\tfloat8\t27", "3"),
];

/// A type as the golden files name it (`int4`, `varchar(3)`, `numeric(5,2)`).
pub(crate) fn type_named(name: &str) -> DataType {
    let (base, args) = match name.split_once('(') {
        Some((b, rest)) => (b, Some(rest.trim_end_matches(')'))),
        None => (name, None),
    };
    let nums: Vec<u32> = args
        .map(|a| a.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_default();
    match base {
        "bool" => DataType::Bool,
        "int2" => DataType::Int2,
        "int4" => DataType::Int4,
        "int8" => DataType::Int8,
        "float4" => DataType::Float4,
        "float8" => DataType::Float8,
        "numeric" => DataType::Numeric {
            precision: nums.first().copied(),
            scale: nums.get(1).copied(),
        },
        "text" => DataType::Text,
        "varchar" => DataType::Varchar(nums.first().copied()),
        "char" => DataType::Char(nums.first().copied()),
        "bytea" => DataType::Bytea,
        "date" => DataType::Date,
        "time" => DataType::Time,
        "timestamp" => DataType::Timestamp,
        "timestamptz" => DataType::TimestampTz,
        "interval" => DataType::Interval,
        "uuid" => DataType::Uuid,
        "jsonb" => DataType::Jsonb,
        "unknown" => DataType::Unknown,
        other => panic!("unknown type name {other}"),
    }
}

/// A literal of a type: NULL, or the type's input function applied.
pub(crate) fn literal(ty: &DataType, text: &str) -> Result<Value, DbError> {
    if text == "NULL" {
        return Ok(Value::Null);
    }
    if *ty == DataType::Unknown {
        return Ok(Value::Text(text.to_string()));
    }
    parse_value(text, ty)
}

/// How the golden files show a result.
pub(crate) fn show(r: Result<Value, DbError>) -> String {
    match r {
        Ok(Value::Null) => "<NULL>".into(),
        Ok(v) => format_value(&v).replace('\n', "\\n"),
        Err(e) => format!("ERROR {} {}", e.sqlstate(), e.message()),
    }
}

/// Compares, relaxing messages where PostgreSQL's wording comes from a library we do not
/// share (regular-expression syntax errors).
pub(crate) fn same(have: &str, want: &str) -> bool {
    if want.starts_with("ERROR 2201B") {
        return have.starts_with("ERROR 2201B");
    }
    have == want
}

/// Splits golden lines into (inputs, expected), skipping comments.
pub(crate) fn cases(file: &str) -> Vec<(Vec<&str>, &str)> {
    file.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let at = cols
                .iter()
                .position(|c| *c == "=>")
                .expect("golden line without =>");
            (cols[..at].to_vec(), cols.get(at + 1).copied().unwrap_or(""))
        })
        .collect()
}

/// Runs all cases of a file through `run`, reporting every mismatch at once.
pub(crate) fn check_file(file: &str, run: impl Fn(&[&str]) -> String) {
    let mut failures = Vec::new();
    for (inputs, want) in cases(file) {
        let key = inputs.join("\t");
        let want = DEVIATIONS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(want, |(_, w)| *w);
        let have = run(&inputs);
        if !same(&have, want) {
            failures.push(format!("{key}\n   want: {want}\n   have: {have}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn binary_op(sql: &str) -> BinaryOp {
    use BinaryOp::*;
    match sql {
        "+" => Plus,
        "-" => Minus,
        "*" => Multiply,
        "/" => Divide,
        "%" => Modulo,
        "^" => Power,
        "||" => Concat,
        "=" => Eq,
        "<>" => NotEq,
        "<" => Lt,
        "<=" => LtEq,
        ">" => Gt,
        ">=" => GtEq,
        "LIKE" => Like,
        "NOT LIKE" => NotLike,
        "ILIKE" => ILike,
        "NOT ILIKE" => NotILike,
        "~" => RegexMatch,
        "~*" => RegexIMatch,
        "!~" => NotRegexMatch,
        "!~*" => NotRegexIMatch,
        "&" => BitAnd,
        "|" => BitOr,
        "#" => BitXor,
        "<<" => ShiftLeft,
        ">>" => ShiftRight,
        "->" => JsonGet,
        "->>" => JsonGetText,
        "@>" => JsonContains,
        "<@" => JsonContainedBy,
        "?" => JsonHasKey,
        other => panic!("unknown operator {other}"),
    }
}

fn run_op(c: &[&str]) -> Result<Value, DbError> {
    let (op, lt, ll, rt, rl) = (c[1], c[2], c[3], c[4], c[5]);
    let rty = type_named(rt);
    let right = literal(&rty, rl)?;
    if lt == "-" {
        let op = match op {
            "-" => UnaryOp::Minus,
            "+" => UnaryOp::Plus,
            "~" => UnaryOp::BitNot,
            "NOT" => UnaryOp::Not,
            other => panic!("unknown prefix operator {other}"),
        };
        let r = resolve_unary(op, &rty)?;
        return eval_unary(op, &cast_from(&right, &rty, &r.operand)?);
    }
    let lty = type_named(lt);
    let left = literal(&lty, ll)?;
    let op = binary_op(op);
    let r = resolve_binary(op, &lty, &rty)?;
    let l = cast_from(&left, &lty, &r.left)?;
    let rv = cast_from(&right, &rty, &r.right)?;
    let v = eval_binary(op, &l, &rv)?;
    assert!(
        v.is_null() || value_type(&v) == value_type(&cast_from(&v, &r.result, &r.result)?),
        "{c:?}: value {v:?} does not have the resolved type {:?}",
        r.result
    );
    Ok(v)
}

#[test]
fn text_io_goldens() {
    check_file(include_str!("testdata/text_io.golden"), |c| {
        show(literal(&type_named(c[1]), c[2]))
    });
}

#[test]
fn cast_goldens() {
    check_file(include_str!("testdata/casts.golden"), |c| {
        let from = type_named(c[1]);
        show(literal(&from, c[2]).and_then(|v| cast_from(&v, &from, &type_named(c[3]))))
    });
}

#[test]
fn operator_goldens() {
    check_file(include_str!("testdata/ops.golden"), |c| show(run_op(c)));
}
