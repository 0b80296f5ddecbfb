//! Type names: parsing the names SQL users write (`int`, `varchar(20)`,
//! `timestamp with time zone`, `numeric(10, 2)`, ...) into [`DataType`]s. The catalog
//! stores each column's [`DataType::sql_name`] and reads it back with this.

use rustydb_common::{DbError, ErrorCode};

use crate::types::DataType;

fn modifiers(s: &str) -> Result<(String, Vec<u32>), DbError> {
    let s = s.trim();
    let Some(open) = s.find('(') else {
        return Ok((s.to_string(), vec![]));
    };
    let close = s.rfind(')').filter(|&c| c > open).ok_or_else(|| bad(s))?;
    let base = format!("{}{}", s[..open].trim_end(), &s[close + 1..]);
    let mods = s[open + 1..close]
        .split(',')
        .map(|m| m.trim().parse::<u32>().map_err(|_| bad(s)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((base, mods))
}

fn bad(name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::UndefinedObject,
        &[("kind", &"type"), ("name", &name)],
    )
}

/// Parses a type name. Unknown names are 42704 `type "x" does not exist`.
pub fn parse_type_name(name: &str) -> Result<DataType, DbError> {
    let (base, mods) = modifiers(name)?;
    let base = base
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let one = |mods: &[u32]| mods.first().copied();
    Ok(match base.as_str() {
        "bool" | "boolean" => DataType::Bool,
        "int2" | "smallint" | "smallserial" | "serial2" => DataType::Int2,
        "int" | "int4" | "integer" | "serial" | "serial4" => DataType::Int4,
        "int8" | "bigint" | "bigserial" | "serial8" => DataType::Int8,
        "float4" | "real" => DataType::Float4,
        "float8" | "double precision" => DataType::Float8,
        "float" => match one(&mods) {
            Some(p) if p <= 24 => DataType::Float4,
            _ => DataType::Float8,
        },
        "numeric" | "decimal" => DataType::Numeric {
            precision: mods.first().copied(),
            scale: mods.get(1).copied().or(mods.first().map(|_| 0)),
        },
        "text" => DataType::Text,
        "varchar" | "character varying" => DataType::Varchar(one(&mods)),
        "char" | "character" | "bpchar" => DataType::Char(Some(one(&mods).unwrap_or(1))),
        "bytea" => DataType::Bytea,
        "date" => DataType::Date,
        "time" | "time without time zone" => DataType::Time,
        "timestamp" | "timestamp without time zone" => DataType::Timestamp,
        "timestamptz" | "timestamp with time zone" => DataType::TimestampTz,
        "interval" => DataType::Interval,
        "uuid" => DataType::Uuid,
        "jsonb" | "json" => DataType::Jsonb,
        _ => return Err(bad(name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_sql_name() {
        for t in [
            DataType::Bool,
            DataType::Int2,
            DataType::Int4,
            DataType::Int8,
            DataType::Float4,
            DataType::Float8,
            DataType::Numeric {
                precision: None,
                scale: None,
            },
            DataType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            DataType::Text,
            DataType::Varchar(Some(20)),
            DataType::Varchar(None),
            DataType::Char(Some(3)),
            DataType::Bytea,
            DataType::Date,
            DataType::Time,
            DataType::Timestamp,
            DataType::TimestampTz,
            DataType::Interval,
            DataType::Uuid,
            DataType::Jsonb,
        ] {
            assert_eq!(parse_type_name(&t.sql_name()).unwrap(), t, "{t}");
        }
        assert_eq!(parse_type_name("INT").unwrap(), DataType::Int4);
        assert_eq!(
            parse_type_name("numeric(5)").unwrap(),
            DataType::Numeric {
                precision: Some(5),
                scale: Some(0)
            }
        );
        let e = parse_type_name("geometry").unwrap_err();
        assert_eq!(e.sqlstate(), "42704");
        assert_eq!(e.message(), "type \"geometry\" does not exist");
    }
}
