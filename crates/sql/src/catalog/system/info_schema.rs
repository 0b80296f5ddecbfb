//! `information_schema`: the SQL standard's view of the catalog (schemata, tables,
//! columns, constraints and their key columns, referential constraints, views,
//! sequences), as PostgreSQL shows it.

use super::pg_class::sorted_tables;
use super::pg_constraint::{constraint_columns, constraints};
use super::{Snapshot, SystemRelation, nsp, relations, schemas, t};
use crate::catalog::{ConstraintKind, Entry, FkAction, TableMeta};
use crate::types::{DataType, Value};

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn yes_no(b: bool) -> Value {
    text(if b { "YES" } else { "NO" })
}

fn int(n: impl TryInto<i32>) -> Value {
    n.try_into().map_or(Value::Null, Value::Int4)
}

fn info(
    name: &'static str,
    oid: u32,
    columns: fn() -> Vec<super::SysColumn>,
    rows: fn(&Snapshot<'_>) -> Vec<Vec<Value>>,
) -> SystemRelation {
    SystemRelation {
        oid,
        schema: "information_schema",
        name,
        is_view: true,
        needs_views: name == "columns",
        columns,
        rows,
    }
}

fn cols(names: &[&'static str]) -> Vec<super::SysColumn> {
    names.iter().map(|n| (*n, t::TEXT)).collect()
}

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![
        info(
            "schemata",
            13_001,
            || {
                cols(&[
                    "catalog_name",
                    "schema_name",
                    "schema_owner",
                    "default_character_set_catalog",
                    "default_character_set_schema",
                    "default_character_set_name",
                    "sql_path",
                ])
            },
            |s| {
                schemas(s.state)
                    .into_iter()
                    .map(|(_, name)| {
                        vec![
                            text(s.database),
                            text(name),
                            text(owner_name(s)),
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Null,
                        ]
                    })
                    .collect()
            },
        ),
        info(
            "tables",
            13_002,
            || {
                cols(&[
                    "table_catalog",
                    "table_schema",
                    "table_name",
                    "table_type",
                    "self_referencing_column_name",
                    "reference_generation",
                    "user_defined_type_catalog",
                    "user_defined_type_schema",
                    "user_defined_type_name",
                    "is_insertable_into",
                    "is_typed",
                    "commit_action",
                ])
            },
            |s| {
                let mut rows: Vec<(String, String, bool)> = Vec::new();
                for e in s.state.entries() {
                    match e {
                        Entry::Table(x) => rows.push((x.schema.clone(), x.name.clone(), false)),
                        Entry::View(x) => rows.push((x.schema.clone(), x.name.clone(), true)),
                        _ => {}
                    }
                }
                for r in relations() {
                    rows.push((r.schema.into(), r.name.into(), r.is_view));
                }
                rows.sort();
                rows.into_iter()
                    .map(|(schema, name, view)| {
                        vec![
                            text(s.database),
                            text(schema),
                            text(name),
                            text(if view { "VIEW" } else { "BASE TABLE" }),
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            yes_no(!view),
                            yes_no(false),
                            Value::Null,
                        ]
                    })
                    .collect()
            },
        ),
        info("columns", 13_003, column_columns, column_rows),
        info(
            "table_constraints",
            13_004,
            || {
                cols(&[
                    "constraint_catalog",
                    "constraint_schema",
                    "constraint_name",
                    "table_catalog",
                    "table_schema",
                    "table_name",
                    "constraint_type",
                    "is_deferrable",
                    "initially_deferred",
                    "enforced",
                    "nulls_distinct",
                ])
            },
            table_constraint_rows,
        ),
        info(
            "key_column_usage",
            13_005,
            || {
                let mut c = cols(&[
                    "constraint_catalog",
                    "constraint_schema",
                    "constraint_name",
                    "table_catalog",
                    "table_schema",
                    "table_name",
                    "column_name",
                ]);
                c.push(("ordinal_position", t::I4));
                c.push(("position_in_unique_constraint", t::I4));
                c
            },
            key_column_rows,
        ),
        info(
            "referential_constraints",
            13_006,
            || {
                cols(&[
                    "constraint_catalog",
                    "constraint_schema",
                    "constraint_name",
                    "unique_constraint_catalog",
                    "unique_constraint_schema",
                    "unique_constraint_name",
                    "match_option",
                    "update_rule",
                    "delete_rule",
                ])
            },
            referential_rows,
        ),
        info(
            "views",
            13_007,
            || {
                cols(&[
                    "table_catalog",
                    "table_schema",
                    "table_name",
                    "view_definition",
                    "check_option",
                    "is_updatable",
                    "is_insertable_into",
                    "is_trigger_updatable",
                    "is_trigger_deletable",
                    "is_trigger_insertable_into",
                ])
            },
            |s| {
                let mut views: Vec<_> = s
                    .state
                    .entries()
                    .filter_map(|e| match e {
                        Entry::View(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                views.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
                views
                    .into_iter()
                    .map(|v| {
                        vec![
                            text(s.database),
                            text(v.schema.clone()),
                            text(v.name.clone()),
                            text(v.query.clone()),
                            text("NONE"),
                            yes_no(false),
                            yes_no(false),
                            yes_no(false),
                            yes_no(false),
                            yes_no(false),
                        ]
                    })
                    .collect()
            },
        ),
        info(
            "sequences",
            13_008,
            || {
                vec![
                    ("sequence_catalog", t::TEXT),
                    ("sequence_schema", t::TEXT),
                    ("sequence_name", t::TEXT),
                    ("data_type", t::TEXT),
                    ("numeric_precision", t::I4),
                    ("numeric_precision_radix", t::I4),
                    ("numeric_scale", t::I4),
                    ("start_value", t::TEXT),
                    ("minimum_value", t::TEXT),
                    ("maximum_value", t::TEXT),
                    ("increment", t::TEXT),
                    ("cycle_option", t::TEXT),
                ]
            },
            |s| {
                let mut seqs: Vec<_> = s
                    .state
                    .entries()
                    .filter_map(|e| match e {
                        Entry::Sequence(q) => Some(q),
                        _ => None,
                    })
                    .collect();
                seqs.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
                seqs.into_iter()
                    .map(|q| {
                        vec![
                            text(s.database),
                            text(q.schema.clone()),
                            text(q.name.clone()),
                            text("bigint"),
                            int(64),
                            int(2),
                            int(0),
                            text(q.start.to_string()),
                            text(q.min.to_string()),
                            text(q.max.to_string()),
                            text(q.increment.to_string()),
                            yes_no(q.cycle),
                        ]
                    })
                    .collect()
            },
        ),
    ]
}

fn owner_name(s: &Snapshot<'_>) -> String {
    s.state
        .role_by_oid(super::BOOTSTRAP_ROLE_OID)
        .map_or_else(|| super::BOOTSTRAP_ROLE_OID.to_string(), |r| r.name.clone())
}

fn column_columns() -> Vec<super::SysColumn> {
    let mut c = cols(&["table_catalog", "table_schema", "table_name", "column_name"]);
    c.push(("ordinal_position", t::I4));
    c.extend(cols(&["column_default", "is_nullable", "data_type"]));
    for n in [
        "character_maximum_length",
        "character_octet_length",
        "numeric_precision",
        "numeric_precision_radix",
        "numeric_scale",
        "datetime_precision",
    ] {
        c.push((n, t::I4));
    }
    c.extend(cols(&[
        "udt_catalog",
        "udt_schema",
        "udt_name",
        "is_identity",
        "identity_generation",
        "is_generated",
        "is_updatable",
    ]));
    c
}

/// The standard's type name (no modifiers) and the numeric facts of a type.
fn type_facts(ty: &DataType) -> (String, [Value; 6]) {
    let n = Value::Null;
    let name = match ty {
        DataType::Varchar(_) => "character varying".to_string(),
        DataType::Char(_) => "character".to_string(),
        DataType::Numeric { .. } => "numeric".to_string(),
        other => other.sql_name(),
    };
    let chars = |len: Option<u32>| match len {
        Some(l) => [
            int(l),
            int(l.saturating_mul(4)),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
        ],
        None => [
            n.clone(),
            int(1_073_741_824),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
        ],
    };
    let num = |p: i32, radix: i32, scale: Option<i32>| {
        [
            n.clone(),
            n.clone(),
            int(p),
            int(radix),
            scale.map_or(Value::Null, Value::Int4),
            n.clone(),
        ]
    };
    let facts = match ty {
        DataType::Varchar(l) => chars(*l),
        DataType::Char(l) => chars(Some(l.unwrap_or(1))),
        DataType::Text => chars(None),
        DataType::Int2 => num(16, 2, Some(0)),
        DataType::Int4 => num(32, 2, Some(0)),
        DataType::Int8 => num(64, 2, Some(0)),
        DataType::Float4 => num(24, 2, None),
        DataType::Float8 => num(53, 2, None),
        DataType::Numeric {
            precision: Some(p),
            scale,
        } => num(
            i32::try_from(*p).unwrap_or(0),
            10,
            Some(i32::try_from(scale.unwrap_or(0)).unwrap_or(0)),
        ),
        DataType::Numeric { .. } => [
            n.clone(),
            n.clone(),
            n.clone(),
            int(10),
            n.clone(),
            n.clone(),
        ],
        DataType::Date => [
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            int(0),
        ],
        DataType::Time | DataType::Timestamp | DataType::TimestampTz | DataType::Interval => [
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            int(6),
        ],
        DataType::Bool
        | DataType::Bytea
        | DataType::Uuid
        | DataType::Jsonb
        | DataType::Unknown
        | DataType::Array(_) => [
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
            n.clone(),
        ],
    };
    (name, facts)
}

fn udt_name(ty: &DataType) -> &'static str {
    super::pg_type::types()
        .into_iter()
        .find(|(x, _, _)| x.oid() == ty.oid())
        .map_or("unknown", |(_, n, _)| n)
}

#[allow(clippy::too_many_arguments)]
fn column_row(
    s: &Snapshot<'_>,
    schema: &str,
    table: &str,
    name: &str,
    pos: usize,
    default: Option<&str>,
    nullable: bool,
    ty: &DataType,
    identity: Option<&str>,
    updatable: bool,
) -> Vec<Value> {
    let (tname, facts) = type_facts(ty);
    let mut row = vec![
        text(s.database),
        text(schema),
        text(table),
        text(name),
        int(pos),
        default.map_or(Value::Null, text),
        yes_no(nullable),
        text(tname),
    ];
    row.extend(facts);
    row.extend([
        text(s.database),
        text("pg_catalog"),
        text(udt_name(ty)),
        yes_no(identity.is_some()),
        identity.map_or(Value::Null, text),
        text("NEVER"),
        yes_no(updatable),
    ]);
    row
}

fn column_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut out: Vec<((String, String, usize), Vec<Value>)> = Vec::new();
    for tab in sorted_tables(s) {
        for (pos, c, ty) in tab.columns() {
            let default = c
                .default
                .as_deref()
                .map(|d| super::default_expr::pg_default_text(d, ty));
            let identity = match &c.identity {
                Some((crate::catalog::Identity::Always, _)) if c.default.is_none() => {
                    Some("ALWAYS")
                }
                Some((crate::catalog::Identity::ByDefault, _)) if c.default.is_none() => {
                    Some("BY DEFAULT")
                }
                _ => None,
            };
            let row = column_row(
                s,
                &tab.def.schema,
                &tab.def.name,
                &c.name,
                pos + 1,
                default.as_deref(),
                !c.not_null,
                ty,
                identity,
                true,
            );
            out.push(((tab.def.schema.clone(), tab.def.name.clone(), pos + 1), row));
        }
    }
    for e in s.state.entries() {
        if let Entry::View(w) = e
            && let Some(cols) = s.view_columns.get(&w.oid)
        {
            for (k, (n, ty)) in cols.iter().enumerate() {
                let row = column_row(s, &w.schema, &w.name, n, k + 1, None, true, ty, None, false);
                out.push(((w.schema.clone(), w.name.clone(), k + 1), row));
            }
        }
    }
    for r in relations() {
        for (k, (n, ty)) in (r.columns)().iter().enumerate() {
            let row = column_row(s, r.schema, r.name, n, k + 1, None, true, ty, None, false);
            out.push(((r.schema.into(), r.name.into(), k + 1), row));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, r)| r).collect()
}

fn constraint_type(kind: &ConstraintKind) -> &'static str {
    match kind {
        ConstraintKind::PrimaryKey { .. } => "PRIMARY KEY",
        ConstraintKind::Unique { .. } => "UNIQUE",
        ConstraintKind::Check { .. } => "CHECK",
        ConstraintKind::ForeignKey { .. } => "FOREIGN KEY",
    }
}

fn table_constraint_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let row = |tab: &TableMeta, name: String, ty: &str, nulls: Value| {
        vec![
            text(s.database),
            text(tab.def.schema.clone()),
            text(name),
            text(s.database),
            text(tab.def.schema.clone()),
            text(tab.def.name.clone()),
            text(ty),
            yes_no(false),
            yes_no(false),
            yes_no(true),
            nulls,
        ]
    };
    let mut out = Vec::new();
    for (tab, c) in constraints(s) {
        let nulls = match c.kind {
            ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => yes_no(true),
            _ => Value::Null,
        };
        out.push(row(tab, c.name.clone(), constraint_type(&c.kind), nulls));
    }
    // NOT NULL columns are CHECK constraints here, named as PostgreSQL names them.
    for tab in sorted_tables(s) {
        for (pos, c, _) in tab.columns() {
            if c.not_null {
                let name = format!(
                    "{}_{}_{}_not_null",
                    nsp(s.state, &tab.def.schema),
                    tab.def.oid,
                    pos + 1
                );
                out.push(row(tab, name, "CHECK", Value::Null));
            }
        }
    }
    out
}

fn key_column_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for (tab, c) in constraints(s) {
        if matches!(c.kind, ConstraintKind::Check { .. }) {
            continue;
        }
        let cols = constraint_columns(tab, c);
        for (k, attnum) in cols.iter().enumerate() {
            let pos_in_unique = match &c.kind {
                ConstraintKind::ForeignKey { .. } => int(k + 1),
                _ => Value::Null,
            };
            out.push(vec![
                text(s.database),
                text(tab.def.schema.clone()),
                text(c.name.clone()),
                text(s.database),
                text(tab.def.schema.clone()),
                text(tab.def.name.clone()),
                text(tab.def.columns[attnum - 1].name.clone()),
                int(k + 1),
                pos_in_unique,
            ]);
        }
    }
    out
}

fn rule(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
    }
}

fn referential_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for (tab, c) in constraints(s) {
        let ConstraintKind::ForeignKey {
            ref_table,
            ref_columns,
            on_delete,
            on_update,
            ..
        } = &c.kind
        else {
            continue;
        };
        // The referenced table's unique constraint over exactly the referenced columns.
        let unique = s.state.table_by_oid(*ref_table).and_then(|rt| {
            rt.constraints.iter().find_map(|uc| match &uc.kind {
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
                    if constraint_columns(&rt, uc)
                        .iter()
                        .map(|n| n - 1)
                        .collect::<Vec<_>>()
                        == *ref_columns =>
                {
                    Some((rt.def.schema.clone(), uc.name.clone()))
                }
                _ => None,
            })
        });
        let (us, un) = unique.map_or((Value::Null, Value::Null), |(a, b)| (text(a), text(b)));
        out.push(vec![
            text(s.database),
            text(tab.def.schema.clone()),
            text(c.name.clone()),
            text(s.database),
            us,
            un,
            text("NONE"),
            text(rule(*on_update)),
            text(rule(*on_delete)),
        ]);
    }
    out
}
