//! Constructors for the errors of value semantics, with PostgreSQL's SQLSTATEs and message
//! texts, so every module words the same failure the same way.
//!
//! Class 22 (data exception) errors use [`ErrorCode::DataException`] with the precise
//! SQLSTATE; type-resolution errors use [`ErrorCode::DatatypeMismatch`] (42804, 42846,
//! 42725) or [`ErrorCode::UndefinedObject`] (42883).

use rustydb_common::{DbError, ErrorCode};

use super::DataType;

/// A class-22 error with `sqlstate` and PostgreSQL's `message`.
pub fn data(sqlstate: &'static str, message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::DataException, message).with_sqlstate(sqlstate)
}

/// `division by zero` (22012).
pub fn division_by_zero() -> DbError {
    data("22012", "division by zero")
}

/// `integer out of range` and friends (22003), named by the type's SQL name.
pub fn out_of_range(ty: &DataType) -> DbError {
    let name = match ty {
        DataType::Int2 => "smallint",
        DataType::Int4 => "integer",
        DataType::Int8 => "bigint",
        _ => return data("22003", format!("{} out of range", ty.sql_name())),
    };
    data("22003", format!("{name} out of range"))
}

/// `value overflows numeric format` (22003).
pub fn numeric_overflow() -> DbError {
    data("22003", "value overflows numeric format")
}

/// `value out of range: overflow` (22003), a float result too large.
pub fn float_overflow() -> DbError {
    data("22003", "value out of range: overflow")
}

/// `value out of range: underflow` (22003), a float result too small.
pub fn float_underflow() -> DbError {
    data("22003", "value out of range: underflow")
}

/// `invalid input syntax for type integer: "abc"` (22P02).
pub fn invalid_syntax(type_name: &str, input: &str) -> DbError {
    data(
        "22P02",
        format!("invalid input syntax for type {type_name}: \"{input}\""),
    )
}

/// `invalid input syntax for type date: "x"` (22007), date/time flavour.
pub fn invalid_datetime_syntax(type_name: &str, input: &str) -> DbError {
    data(
        "22007",
        format!("invalid input syntax for type {type_name}: \"{input}\""),
    )
}

/// `date/time field value out of range: "2020-13-01"` (22008).
pub fn datetime_field_out_of_range(input: &str) -> DbError {
    data(
        "22008",
        format!("date/time field value out of range: \"{input}\""),
    )
}

/// `date out of range` / `timestamp out of range` (22008).
pub fn datetime_out_of_range(what: &str) -> DbError {
    data("22008", format!("{what} out of range"))
}

/// `interval out of range` (22008).
pub fn interval_out_of_range() -> DbError {
    data("22008", "interval out of range")
}

/// `value "99999999999" is out of range for type integer` (22003).
pub fn input_out_of_range(input: &str, type_name: &str) -> DbError {
    data(
        "22003",
        format!("value \"{input}\" is out of range for type {type_name}"),
    )
}

/// `cannot cast type integer to boolean` (42846).
pub fn cannot_cast(from: &DataType, to: &DataType) -> DbError {
    DbError::new(
        ErrorCode::DatatypeMismatch,
        format!("cannot cast type {} to {}", from.sql_name(), to.sql_name()),
    )
    .with_sqlstate("42846")
}

/// `operator does not exist: integer || integer` (42883).
pub fn undefined_operator(op: &str, left: Option<&DataType>, right: &DataType) -> DbError {
    let sig = match left {
        Some(l) => format!("{} {op} {}", l.sql_name(), right.sql_name()),
        None => format!("{op} {}", right.sql_name()),
    };
    DbError::new(
        ErrorCode::UndefinedObject,
        format!("operator does not exist: {sig}"),
    )
    .with_sqlstate("42883")
    .with_hint(
        "No operator matches the given name and argument types. You might need to add \
         explicit type casts.",
    )
}

/// `operator is not unique: unknown + unknown` (42725).
pub fn ambiguous_operator(op: &str, left: Option<&DataType>, right: &DataType) -> DbError {
    let sig = match left {
        Some(l) => format!("{} {op} {}", l.sql_name(), right.sql_name()),
        None => format!("{op} {}", right.sql_name()),
    };
    DbError::new(
        ErrorCode::DatatypeMismatch,
        format!("operator is not unique: {sig}"),
    )
    .with_sqlstate("42725")
    .with_hint(
        "Could not choose a best candidate operator. You might need to add explicit type \
         casts.",
    )
}

/// A `22023` invalid-parameter error (bad function argument, bad unit, bad format).
pub fn invalid_parameter(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::InvalidParameter, message).with_sqlstate("22023")
}

/// A feature RustyDB leaves out (0A000), with PostgreSQL-like wording.
pub fn not_supported(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::FeatureNotSupported, message).with_sqlstate("0A000")
}
