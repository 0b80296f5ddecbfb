//! A column default as PostgreSQL prints it (`pg_get_expr(adbin, adrelid)`, psql's `\d`).
//!
//! We keep a default as the SQL text the user wrote; PostgreSQL keeps the analysed
//! expression and prints it back, which makes a quoted literal carry its column's type
//! (`'x'::text`) and SQL-standard functions appear in capitals (`CURRENT_DATE`). This
//! renders the forms that differ that way; every other default prints as written.

use crate::types::DataType;

/// `default` (the stored SQL text of a default of a column of type `ty`) as PostgreSQL
/// prints it.
pub(crate) fn pg_default_text(default: &str, ty: &DataType) -> String {
    let d = default.trim();
    if is_string_literal(d)
        && let Some(name) = literal_type_name(ty)
    {
        return format!("{d}::{name}");
    }
    match d.to_ascii_lowercase().as_str() {
        "current_date" => "CURRENT_DATE".into(),
        "current_timestamp" => "CURRENT_TIMESTAMP".into(),
        "current_time" => "CURRENT_TIME".into(),
        "localtimestamp" => "LOCALTIMESTAMP".into(),
        "current_user" => "CURRENT_USER".into(),
        _ => d.to_string(),
    }
}

/// Whether `s` is exactly one single-quoted SQL string literal.
fn is_string_literal(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) else {
        return false;
    };
    // Inside, quotes come only doubled.
    !inner.replace("''", "").contains('\'')
}

/// The type name PostgreSQL appends to a literal default of a column of type `ty`; None
/// where it prints the bare value (numbers, booleans).
fn literal_type_name(ty: &DataType) -> Option<&'static str> {
    Some(match ty {
        DataType::Text => "text",
        DataType::Varchar(_) => "character varying",
        DataType::Char(_) => "bpchar",
        DataType::Bytea => "bytea",
        DataType::Date => "date",
        DataType::Time => "time without time zone",
        DataType::Timestamp => "timestamp without time zone",
        DataType::TimestampTz => "timestamp with time zone",
        DataType::Interval => "interval",
        DataType::Uuid => "uuid",
        DataType::Jsonb => "jsonb",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_print_as_postgresql_prints_them() {
        assert_eq!(pg_default_text("'x'", &DataType::Text), "'x'::text");
        assert_eq!(
            pg_default_text("'it''s'", &DataType::Varchar(Some(5))),
            "'it''s'::character varying"
        );
        assert_eq!(
            pg_default_text("current_date", &DataType::Date),
            "CURRENT_DATE"
        );
        assert_eq!(pg_default_text("0", &DataType::Int4), "0");
        assert_eq!(pg_default_text("'a' || 'b'", &DataType::Text), "'a' || 'b'");
        assert_eq!(
            pg_default_text("nextval('s'::regclass)", &DataType::Int4),
            "nextval('s'::regclass)"
        );
    }
}
