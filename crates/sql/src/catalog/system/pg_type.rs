//! `pg_type`, `pg_am` and `pg_collation`, and PostgreSQL's `format_type`.

use super::{
    BTREE_AM_OID, DEFAULT_COLLATION_OID, HEAP_AM_OID, PG_CATALOG_OID, SystemRelation, collation, t,
    v,
};
use crate::types::array::array_type_oid;
use crate::types::{DataType, Value};

/// Every type RustyDB has: one representative `DataType`, PostgreSQL's internal name
/// and type category.
pub(crate) fn types() -> Vec<(DataType, &'static str, char)> {
    vec![
        (DataType::Bool, "bool", 'B'),
        (DataType::Bytea, "bytea", 'U'),
        (DataType::Int8, "int8", 'N'),
        (DataType::Int2, "int2", 'N'),
        (DataType::Int4, "int4", 'N'),
        (DataType::Text, "text", 'S'),
        (DataType::Float4, "float4", 'N'),
        (DataType::Float8, "float8", 'N'),
        (DataType::Unknown, "unknown", 'X'),
        (DataType::Char(None), "bpchar", 'S'),
        (DataType::Varchar(None), "varchar", 'S'),
        (DataType::Date, "date", 'D'),
        (DataType::Time, "time", 'D'),
        (DataType::Timestamp, "timestamp", 'D'),
        (DataType::TimestampTz, "timestamptz", 'D'),
        (DataType::Interval, "interval", 'T'),
        (
            DataType::Numeric {
                precision: None,
                scale: None,
            },
            "numeric",
            'N',
        ),
        (DataType::Uuid, "uuid", 'U'),
        (DataType::Jsonb, "jsonb", 'U'),
    ]
}

/// The type with PostgreSQL type oid `oid` and modifier `typmod` (-1: none).
pub(crate) fn type_by_oid(oid: i64, typmod: i32) -> Option<DataType> {
    let Some((base, _, _)) = types()
        .into_iter()
        .find(|(t, _, _)| i64::from(t.oid()) == oid)
    else {
        // An array type: its element's modifier is the array's (`varchar(10)[]`).
        let elem = types()
            .into_iter()
            .find(|(t, _, _)| *t != DataType::Unknown && i64::from(array_type_oid(t)) == oid)?
            .0;
        return Some(DataType::Array(Box::new(type_by_oid(
            i64::from(elem.oid()),
            typmod,
        )?)));
    };
    let m = u32::try_from(typmod).ok().and_then(|m| m.checked_sub(4));
    Some(match (base, m) {
        (DataType::Varchar(_), Some(n)) => DataType::Varchar(Some(n)),
        (DataType::Char(_), Some(n)) => DataType::Char(Some(n)),
        (DataType::Numeric { .. }, Some(m)) => DataType::Numeric {
            precision: Some(m >> 16),
            scale: Some(m & 0xffff),
        },
        (b, _) => b,
    })
}

/// `format_type(oid, typmod)`: the SQL name, or `???` for an oid that is no type.
pub fn format_type(oid: i64, typmod: Option<i32>) -> String {
    match type_by_oid(oid, typmod.unwrap_or(-1)) {
        Some(DataType::Char(None)) if typmod.is_none() => "bpchar".into(),
        Some(DataType::Char(None)) => "character".into(),
        Some(DataType::Array(e)) if *e == DataType::Char(None) => "character[]".into(),
        Some(t) => t.sql_name(),
        None => "???".into(),
    }
}

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![
        SystemRelation {
            oid: 1247,
            schema: "pg_catalog",
            name: "pg_type",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("typname", t::TEXT),
                    ("typnamespace", t::OID),
                    ("typowner", t::OID),
                    ("typlen", t::I2),
                    ("typbyval", t::BOOL),
                    ("typtype", t::CHAR),
                    ("typcategory", t::CHAR),
                    ("typispreferred", t::BOOL),
                    ("typisdefined", t::BOOL),
                    ("typdelim", t::CHAR),
                    ("typrelid", t::OID),
                    ("typelem", t::OID),
                    ("typarray", t::OID),
                    ("typnotnull", t::BOOL),
                    ("typbasetype", t::OID),
                    ("typtypmod", t::I4),
                    ("typndims", t::I4),
                    ("typcollation", t::OID),
                    ("typdefault", t::TEXT),
                ]
            },
            rows: |_| {
                let mut rows: Vec<Vec<Value>> = types()
                    .into_iter()
                    .map(|(ty, name, cat)| {
                        let len = ty.type_len();
                        let preferred = matches!(
                            ty,
                            DataType::Text
                                | DataType::Float8
                                | DataType::Bool
                                | DataType::TimestampTz
                                | DataType::Interval
                        );
                        vec![
                            v::oid(ty.oid()),
                            v::text(name),
                            v::oid(PG_CATALOG_OID),
                            v::oid(super::BOOTSTRAP_ROLE_OID),
                            Value::Int2(len),
                            v::b((1..=8).contains(&len)),
                            v::ch(if ty == DataType::Unknown { 'p' } else { 'b' }),
                            v::ch(cat),
                            v::b(preferred),
                            v::b(true),
                            v::ch(','),
                            v::oid(0),
                            v::oid(0),
                            v::oid(if ty == DataType::Unknown {
                                0
                            } else {
                                array_type_oid(&ty)
                            }),
                            v::b(false),
                            v::oid(0),
                            v::i4(-1),
                            v::i4(0),
                            v::oid(collation(&ty)),
                            v::null(),
                        ]
                    })
                    .collect();
                // The array type of each base type (`_int4`, category 'A').
                for (ty, name, _) in types() {
                    if ty == DataType::Unknown {
                        continue;
                    }
                    rows.push(vec![
                        v::oid(array_type_oid(&ty)),
                        v::text(format!("_{name}")),
                        v::oid(PG_CATALOG_OID),
                        v::oid(super::BOOTSTRAP_ROLE_OID),
                        Value::Int2(-1),
                        v::b(false),
                        v::ch('b'),
                        v::ch('A'),
                        v::b(false),
                        v::b(true),
                        v::ch(','),
                        v::oid(0),
                        v::oid(ty.oid()),
                        v::oid(0),
                        v::b(false),
                        v::oid(0),
                        v::i4(-1),
                        v::i4(0),
                        v::oid(collation(&ty)),
                        v::null(),
                    ]);
                }
                rows.sort_by_key(|r| match r.first() {
                    Some(Value::Int8(o)) => *o,
                    _ => 0,
                });
                rows
            },
        },
        SystemRelation {
            oid: 2601,
            schema: "pg_catalog",
            name: "pg_am",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("amname", t::TEXT),
                    ("amhandler", t::TEXT),
                    ("amtype", t::CHAR),
                ]
            },
            rows: |_| {
                vec![
                    vec![
                        v::oid(HEAP_AM_OID),
                        v::text("heap"),
                        v::text("heap_tableam_handler"),
                        v::ch('t'),
                    ],
                    vec![
                        v::oid(BTREE_AM_OID),
                        v::text("btree"),
                        v::text("bthandler"),
                        v::ch('i'),
                    ],
                ]
            },
        },
        SystemRelation {
            oid: 3456,
            schema: "pg_catalog",
            name: "pg_collation",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("collname", t::TEXT),
                    ("collnamespace", t::OID),
                    ("collowner", t::OID),
                    ("collprovider", t::CHAR),
                    ("collisdeterministic", t::BOOL),
                    ("collencoding", t::I4),
                    ("collcollate", t::TEXT),
                    ("collctype", t::TEXT),
                ]
            },
            rows: |_| {
                // RustyDB compares strings by code point: the C collation, under its
                // three names.
                [
                    (DEFAULT_COLLATION_OID, "default", 'd'),
                    (950, "C", 'c'),
                    (951, "POSIX", 'c'),
                ]
                .into_iter()
                .map(|(oid, name, provider)| {
                    let locale = if provider == 'd' {
                        v::null()
                    } else {
                        v::text(name)
                    };
                    vec![
                        v::oid(oid),
                        v::text(name),
                        v::oid(PG_CATALOG_OID),
                        v::oid(super::BOOTSTRAP_ROLE_OID),
                        v::ch(provider),
                        v::b(true),
                        v::i4(-1),
                        locale.clone(),
                        locale,
                    ]
                })
                .collect()
            },
        },
    ]
}
