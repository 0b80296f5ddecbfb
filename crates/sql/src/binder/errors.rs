//! The binder's errors, worded and coded as PostgreSQL's parser and analyser word them,
//! so clients matching on SQLSTATE or message see what they would see from PostgreSQL.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::parser::ParserError;

use crate::types::DataType;

/// Rewording an error while keeping its code and SQLSTATE.
pub(crate) trait WithMessage {
    /// The same error with `message` instead.
    fn with_message(self, message: String) -> DbError;
}

impl WithMessage for DbError {
    fn with_message(self, message: String) -> DbError {
        let sqlstate = self.sqlstate();
        let mut e = DbError::new(self.code(), message).with_sqlstate(sqlstate);
        if let Some(d) = self.detail() {
            e = e.with_detail(d.to_string());
        }
        if let Some(h) = self.hint() {
            e = e.with_hint(h.to_string());
        }
        e
    }
}

/// A 42601 syntax error with `message`.
pub(crate) fn syntax(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::SyntaxError, message)
}

/// Converts a parser error into PostgreSQL's `syntax error at or near "x"`.
///
/// sqlparser says `Expected: <what>, found: <token> at Line: l, Column: c`; PostgreSQL
/// names the offending token and reports the character position, which goes in DETAIL
/// with the parser's expectation.
pub(crate) fn parse_error(sql: &str, e: &ParserError) -> DbError {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
        ParserError::RecursionLimitExceeded => {
            return syntax("statement is too deeply nested").with_sqlstate("54001");
        }
    };
    let (body, position) = match text.rfind(" at Line: ") {
        Some(at) => (&text[..at], line_col_to_position(sql, &text[at + 10..])),
        None => (text, None),
    };
    let position = position.unwrap_or(sql.chars().count() + 1);
    if let ParserError::TokenizerError(_) = e {
        let near: String = sql
            .chars()
            .skip(position.saturating_sub(1))
            .take(20)
            .collect();
        let what = body.to_ascii_lowercase();
        let message = if what.contains("unterminated string") {
            format!("unterminated quoted string at or near \"{near}\"")
        } else {
            format!("syntax error at or near \"{near}\"")
        };
        return syntax(message).with_detail(format!("at character {position}: {body}"));
    }
    let (expected, found) = match body.find(", found: ") {
        Some(i) => (&body[..i], Some(body[i + 9..].trim())),
        None => (body, None),
    };
    let expected = expected
        .trim_start_matches("Expected: ")
        .trim_start_matches("Expected ");
    let message = match found {
        Some("EOF") => "syntax error at end of input".to_string(),
        Some(tok) => format!("syntax error at or near \"{tok}\""),
        None => format!("syntax error: {}", body.to_ascii_lowercase()),
    };
    syntax(message).with_detail(format!("at character {position}: expected {expected}"))
}

/// `Line: 1, Column: 23` -> 1-based character position in `sql`.
fn line_col_to_position(sql: &str, at: &str) -> Option<usize> {
    let (line, col) = at.split_once(", Column: ")?;
    let line: usize = line.trim().parse().ok()?;
    let col: usize = col.trim().parse().ok()?;
    let before: usize = sql
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum();
    Some(before + col)
}

/// 0A000 for something RustyDB does not do.
pub(crate) fn unsupported(feature: impl std::fmt::Display) -> DbError {
    super::unsupported(feature)
}

/// 0A000 with PostgreSQL's own wording (`DISTINCT is not implemented for window
/// functions`), for limits PostgreSQL shares.
pub(crate) fn feature(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::FeatureNotSupported, message)
}

/// 42P01 `relation "t" does not exist`.
pub(crate) fn undefined_table(name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::UndefinedObject,
        &[("kind", &"relation"), ("name", &name)],
    )
    .with_sqlstate("42P01")
}

/// 42P01 `missing FROM-clause entry for table "t"`.
pub(crate) fn missing_from(name: &str) -> DbError {
    DbError::new(
        ErrorCode::UndefinedObject,
        format!("missing FROM-clause entry for table \"{name}\""),
    )
    .with_sqlstate("42P01")
}

/// 42703 `column "x" does not exist` or `column t.x does not exist`.
pub(crate) fn undefined_column(qualifier: Option<&str>, name: &str) -> DbError {
    let message = match qualifier {
        Some(q) => format!("column {q}.{name} does not exist"),
        None => format!("column \"{name}\" does not exist"),
    };
    DbError::new(ErrorCode::UndefinedObject, message).with_sqlstate("42703")
}

/// 42703 `column "x" of relation "t" does not exist` (INSERT/UPDATE targets, DDL).
pub(crate) fn undefined_column_of(name: &str, table: &str) -> DbError {
    DbError::new(
        ErrorCode::UndefinedObject,
        format!("column \"{name}\" of relation \"{table}\" does not exist"),
    )
    .with_sqlstate("42703")
}

/// 42702 `column reference "a" is ambiguous`.
pub(crate) fn ambiguous_column(name: &str) -> DbError {
    DbError::new(
        ErrorCode::InvalidReference,
        format!("column reference \"{name}\" is ambiguous"),
    )
    .with_sqlstate("42702")
}

/// 42P07 `relation "t" already exists`.
pub(crate) fn duplicate_relation(name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::DuplicateObject,
        &[("kind", &"relation"), ("name", &name)],
    )
    .with_sqlstate("42P07")
}

/// 42701 `column "a" specified more than once`.
pub(crate) fn duplicate_column(name: &str) -> DbError {
    DbError::new(
        ErrorCode::DuplicateObject,
        format!("column \"{name}\" specified more than once"),
    )
    .with_sqlstate("42701")
}

/// 42803: grouping errors (ungrouped columns, misplaced aggregates).
pub(crate) fn grouping(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::InvalidReference, message).with_sqlstate("42803")
}

/// 42P20: misplaced window functions.
pub(crate) fn windowing(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::InvalidReference, message).with_sqlstate("42P20")
}

/// 42P10: invalid ORDER BY / GROUP BY / DISTINCT ON references.
pub(crate) fn invalid_column_reference(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::InvalidReference, message).with_sqlstate("42P10")
}

/// 42804 with `message`.
pub(crate) fn mismatch(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::DatatypeMismatch, message)
}

/// 42804 `argument of WHERE must be type boolean, not type integer`.
pub(crate) fn not_boolean(clause: &str, ty: &DataType) -> DbError {
    mismatch(format!(
        "argument of {clause} must be type boolean, not type {}",
        ty.sql_name()
    ))
}

/// 42804 `column "a" is of type integer but expression is of type text`.
pub(crate) fn assignment_mismatch(column: &str, to: &DataType, from: &DataType) -> DbError {
    mismatch(format!(
        "column \"{column}\" is of type {} but expression is of type {}",
        to.sql_name(),
        from.sql_name()
    ))
    .with_hint("You will need to rewrite or cast the expression.")
}

/// 2BP01 `cannot drop table t because other objects depend on it`.
pub(crate) fn dependents(what: &str, detail: impl Into<String>) -> DbError {
    DbError::from_template(ErrorCode::DependentObjectsExist, &[("what", &what)]).with_detail(detail)
}

/// 42704 `<kind> "name" does not exist` (index, schema, sequence, constraint, type).
pub(crate) fn undefined_object(kind: &str, name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::UndefinedObject,
        &[("kind", &kind), ("name", &name)],
    )
}

/// 42809 `"v" is not a table` and friends: an object of the wrong kind.
pub(crate) fn wrong_object_type(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::DatatypeMismatch, message).with_sqlstate("42809")
}

/// 42712 `table name "t" specified more than once`.
pub(crate) fn duplicate_alias(name: &str) -> DbError {
    DbError::new(
        ErrorCode::DuplicateObject,
        format!("table name \"{name}\" specified more than once"),
    )
    .with_sqlstate("42712")
}

/// A USING-clause problem (the caller sets the SQLSTATE).
pub(crate) fn using_column(message: String) -> DbError {
    DbError::new(ErrorCode::UndefinedObject, message)
}
