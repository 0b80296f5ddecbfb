//! Names: identifier case folding, qualified object names, type names, and the output
//! column names PostgreSQL gives unaliased select-list expressions (`?column?`, `count`,
//! `int4`).

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr, Ident, ObjectName, ObjectNamePart};

use super::errors;
use crate::catalog::typename::parse_type_name;
use crate::types::DataType;

/// An identifier as PostgreSQL folds it: unquoted names are lower-cased, quoted ones kept.
pub(crate) fn ident(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// The parts of a dotted name, folded.
pub(crate) fn object_name(name: &ObjectName) -> Result<Vec<String>, DbError> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => Ok(ident(id)),
            ObjectNamePart::Function(_) => Err(errors::unsupported("computed object names")),
        })
        .collect()
}

/// A relation name split into (schema, name); a three-part name's database must be ours.
pub(crate) fn split_relation_name(
    parts: &[String],
    database: &str,
) -> Result<(Option<String>, String), DbError> {
    match parts {
        [n] => Ok((None, n.clone())),
        [s, n] => Ok((Some(s.clone()), n.clone())),
        [d, s, n] if d == database => Ok((Some(s.clone()), n.clone())),
        [_, _, _] => Err(errors::unsupported("cross-database references")),
        _ => Err(errors::syntax(format!(
            "improper qualified name (too many dotted names): {}",
            parts.join(".")
        ))),
    }
}

/// A type as written in SQL. Serial pseudo-types are not types outside CREATE TABLE and
/// `pg_catalog.` qualification is accepted, as PostgreSQL does.
pub(crate) fn type_name(dt: &ast::DataType) -> Result<DataType, DbError> {
    let text = dt.to_string();
    let text = text.strip_prefix("pg_catalog.").unwrap_or(&text);
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
    ) {
        return Err(errors::undefined_object("type", &lower));
    }
    if lower.ends_with("[]") {
        let inner = text[..text.len() - 2].trim_end();
        if inner.ends_with(']') {
            return Err(errors::unsupported("multidimensional array types"));
        }
        let inner = inner.strip_prefix("pg_catalog.").unwrap_or(inner);
        return Ok(DataType::Array(Box::new(parse_type_name(inner)?)));
    }
    if lower.starts_with("array") || lower.ends_with(']') {
        return Err(errors::unsupported(
            "array types other than one-dimensional type[]",
        ));
    }
    parse_type_name(text)
}

/// PostgreSQL's internal name of a type, which names a cast's output column
/// (`SELECT 1::integer` is headed `int4`).
pub(crate) fn internal_type_name(ty: &DataType) -> &'static str {
    match ty {
        DataType::Bool => "bool",
        DataType::Int2 => "int2",
        DataType::Int4 => "int4",
        DataType::Int8 => "int8",
        DataType::Float4 => "float4",
        DataType::Float8 => "float8",
        DataType::Numeric { .. } => "numeric",
        DataType::Text => "text",
        DataType::Varchar(_) => "varchar",
        DataType::Char(_) => "bpchar",
        DataType::Bytea => "bytea",
        DataType::Date => "date",
        DataType::Time => "time",
        DataType::Timestamp => "timestamp",
        DataType::TimestampTz => "timestamptz",
        DataType::Interval => "interval",
        DataType::Uuid => "uuid",
        DataType::Jsonb => "jsonb",
        DataType::Unknown => "unknown",
        DataType::Array(elem) => match **elem {
            DataType::Bool => "_bool",
            DataType::Int2 => "_int2",
            DataType::Int4 => "_int4",
            DataType::Int8 => "_int8",
            DataType::Float4 => "_float4",
            DataType::Float8 => "_float8",
            DataType::Numeric { .. } => "_numeric",
            DataType::Varchar(_) => "_varchar",
            DataType::Char(_) => "_bpchar",
            DataType::Bytea => "_bytea",
            DataType::Date => "_date",
            DataType::Time => "_time",
            DataType::Timestamp => "_timestamp",
            DataType::TimestampTz => "_timestamptz",
            DataType::Interval => "_interval",
            DataType::Uuid => "_uuid",
            DataType::Jsonb => "_jsonb",
            _ => "_text",
        },
    }
}

/// The output column name of an unaliased select-list expression, following
/// PostgreSQL's `FigureColname`: a column's name, a function's name, `case`, a cast's
/// operand's name or else its type's name, `?column?` for anything else.
pub(crate) fn figure_colname(e: &Expr) -> String {
    figure(e)
        .map(|(n, _)| n)
        .unwrap_or_else(|| "?column?".into())
}

/// The name and its strength (2: a real name; 1: a type name, which a better name wins
/// over).
fn figure(e: &Expr) -> Option<(String, u8)> {
    match e {
        Expr::Identifier(id) => Some((ident(id), 2)),
        Expr::CompoundIdentifier(ids) => ids.last().map(|id| (ident(id), 2)),
        Expr::Nested(inner) => figure(inner),
        Expr::CompoundFieldAccess { root, access_chain }
            if access_chain
                .iter()
                .all(|a| matches!(a, ast::AccessExpr::Subscript(_))) =>
        {
            figure(root)
        }
        Expr::Cast {
            expr, data_type, ..
        } => match figure(expr) {
            Some((n, 2)) => Some((n, 2)),
            _ => type_name(data_type)
                .ok()
                .map(|t| (internal_type_name(&t).to_string(), 1)),
        },
        Expr::TypedString(ts) => type_name(&ts.data_type)
            .ok()
            .map(|t| (internal_type_name(&t).to_string(), 1)),
        Expr::Function(f) => {
            let last = f.name.0.last()?;
            let name = match last {
                ObjectNamePart::Identifier(id) => ident(id),
                ObjectNamePart::Function(_) => return None,
            };
            Some((name, 2))
        }
        Expr::Case { .. } => Some(("case".into(), 2)),
        Expr::Exists { .. } => Some(("exists".into(), 2)),
        Expr::Subquery(q) => match &*q.body {
            ast::SetExpr::Select(s) => match s.projection.first()? {
                ast::SelectItem::ExprWithAlias { alias, .. } => Some((ident(alias), 2)),
                ast::SelectItem::UnnamedExpr(e) => figure(e),
                _ => None,
            },
            _ => None,
        },
        Expr::Array(_) => Some(("array".into(), 2)),
        Expr::Tuple(_) => Some(("row".into(), 2)),
        Expr::Extract { .. } => Some(("extract".into(), 2)),
        Expr::Substring { .. } => Some(("substring".into(), 2)),
        Expr::Trim { .. } => Some(("btrim".into(), 2)),
        Expr::Position { .. } => Some(("position".into(), 2)),
        Expr::Overlay { .. } => Some(("overlay".into(), 2)),
        Expr::Ceil { .. } => Some(("ceil".into(), 2)),
        Expr::Floor { .. } => Some(("floor".into(), 2)),
        Expr::Interval(_) => Some(("interval".into(), 1)),
        Expr::Collate { expr, .. } => figure(expr),
        _ => None,
    }
}
