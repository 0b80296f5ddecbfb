//! `pg_constraint`, and the definitions `pg_get_constraintdef` / `pg_get_indexdef` print.

use super::{Snapshot, SystemRelation, nsp, relation_display_name, t, v};
use crate::catalog::{CatalogState, ConstraintDef, ConstraintKind, FkAction, IndexDef, TableMeta};
use crate::functions::quoting::quote_ident;
use crate::types::Value;

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![SystemRelation {
        oid: 2606,
        schema: "pg_catalog",
        name: "pg_constraint",
        is_view: false,
        needs_views: false,
        columns: || {
            vec![
                ("oid", t::OID),
                ("conname", t::TEXT),
                ("connamespace", t::OID),
                ("contype", t::CHAR),
                ("condeferrable", t::BOOL),
                ("condeferred", t::BOOL),
                ("convalidated", t::BOOL),
                ("conrelid", t::OID),
                ("contypid", t::OID),
                ("conindid", t::OID),
                ("conparentid", t::OID),
                ("confrelid", t::OID),
                ("confupdtype", t::CHAR),
                ("confdeltype", t::CHAR),
                ("confmatchtype", t::CHAR),
                ("conislocal", t::BOOL),
                ("coninhcount", t::I4),
                ("connoinherit", t::BOOL),
                ("conkey", t::array(t::I2)),
                ("confkey", t::array(t::I2)),
                ("conbin", t::TEXT),
            ]
        },
        rows: constraint_rows,
    }]
}

/// Every constraint with its table, in oid order.
pub(crate) fn constraints<'a>(s: &Snapshot<'a>) -> Vec<(&'a TableMeta, &'a ConstraintDef)> {
    let mut out: Vec<(&TableMeta, &ConstraintDef)> = s
        .state
        .tables()
        .flat_map(|t| t.constraints.iter().map(move |c| (&**t, c)))
        .collect();
    out.sort_by_key(|(_, c)| c.oid);
    out
}

/// The table columns (1-based attnums) a constraint covers.
pub(crate) fn constraint_columns(table: &TableMeta, c: &ConstraintDef) -> Vec<usize> {
    match &c.kind {
        ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index } => table
            .indexes
            .iter()
            .find(|i| i.def.oid == *index)
            .map(|i| i.def.columns.iter().map(|k| k.column + 1).collect())
            .unwrap_or_default(),
        ConstraintKind::ForeignKey { columns, .. } => columns.iter().map(|c| c + 1).collect(),
        ConstraintKind::Check { .. } => Vec::new(),
    }
}

fn action_char(a: FkAction) -> char {
    match a {
        FkAction::NoAction => 'a',
        FkAction::Restrict => 'r',
        FkAction::Cascade => 'c',
        FkAction::SetNull => 'n',
        FkAction::SetDefault => 'd',
    }
}

/// An `int2[]` of column numbers.
fn int_array(v: &[usize]) -> Value {
    Value::Array(Box::new(v.iter().map(|&n| v::i2(n)).collect()))
}

fn constraint_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    constraints(s)
        .into_iter()
        .map(|(table, c)| {
            let (ty, index, fk) = match &c.kind {
                ConstraintKind::PrimaryKey { index } => ('p', *index, None),
                ConstraintKind::Unique { index } => ('u', *index, None),
                ConstraintKind::Check { .. } => ('c', 0, None),
                ConstraintKind::ForeignKey {
                    ref_table,
                    ref_columns,
                    on_delete,
                    on_update,
                    ..
                } => {
                    // PostgreSQL records the referenced table's unique index.
                    let idx = s.state.table_by_oid(*ref_table).and_then(|rt| {
                        rt.indexes
                            .iter()
                            .find(|i| {
                                i.def.unique
                                    && i.def.columns.iter().map(|k| k.column).collect::<Vec<_>>()
                                        == *ref_columns
                            })
                            .map(|i| i.def.oid)
                    });
                    (
                        'f',
                        idx.unwrap_or(0),
                        Some((*ref_table, ref_columns, *on_update, *on_delete)),
                    )
                }
            };
            let cols = constraint_columns(table, c);
            let conbin = match &c.kind {
                ConstraintKind::Check { expr } => v::text(expr.clone()),
                _ => v::null(),
            };
            vec![
                v::oid(c.oid),
                v::text(c.name.clone()),
                v::oid(nsp(s.state, &table.def.schema)),
                v::ch(ty),
                v::b(false),
                v::b(false),
                v::b(true),
                v::oid(table.def.oid),
                v::oid(0),
                v::oid(index),
                v::oid(0),
                v::oid(fk.map_or(0, |f| f.0)),
                v::ch(fk.map_or(' ', |f| action_char(f.2))),
                v::ch(fk.map_or(' ', |f| action_char(f.3))),
                v::ch(if fk.is_some() { 's' } else { ' ' }),
                v::b(true),
                v::i4(0),
                v::b(false),
                if cols.is_empty() {
                    v::null()
                } else {
                    int_array(&cols)
                },
                fk.map_or(Value::Null, |f| {
                    int_array(&f.1.iter().map(|c| c + 1).collect::<Vec<_>>())
                }),
                conbin,
            ]
        })
        .collect()
}

fn column_list(table: &TableMeta, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| quote_ident(&table.def.columns[c].name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn action_text(a: FkAction) -> Option<&'static str> {
    match a {
        FkAction::NoAction => None,
        FkAction::Restrict => Some("RESTRICT"),
        FkAction::Cascade => Some("CASCADE"),
        FkAction::SetNull => Some("SET NULL"),
        FkAction::SetDefault => Some("SET DEFAULT"),
    }
}

/// `pg_get_constraintdef(oid)`: the constraint as `ALTER TABLE ... ADD` would take it.
pub(crate) fn constraint_definition(
    state: &CatalogState,
    search_path: &[String],
    table: &TableMeta,
    c: &ConstraintDef,
) -> String {
    match &c.kind {
        ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => {
            let cols: Vec<usize> = constraint_columns(table, c).iter().map(|n| n - 1).collect();
            let what = if matches!(c.kind, ConstraintKind::PrimaryKey { .. }) {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            };
            format!("{what} ({})", column_list(table, &cols))
        }
        ConstraintKind::Check { expr } => format!("CHECK ({expr})"),
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        } => {
            let (rname, rcols) = match state.table_by_oid(*ref_table) {
                Some(rt) => (
                    relation_display_name(state, search_path, &rt.def.schema, &rt.def.name),
                    column_list(&rt, ref_columns),
                ),
                None => (ref_table.to_string(), String::new()),
            };
            let mut s = format!(
                "FOREIGN KEY ({}) REFERENCES {rname}({rcols})",
                column_list(table, columns)
            );
            if let Some(a) = action_text(*on_update) {
                s.push_str(&format!(" ON UPDATE {a}"));
            }
            if let Some(a) = action_text(*on_delete) {
                s.push_str(&format!(" ON DELETE {a}"));
            }
            s
        }
    }
}

/// `pg_get_indexdef(oid, column)`: the whole `CREATE INDEX` (column 0) or one key column.
pub fn index_definition(table: &TableMeta, i: &IndexDef, column: usize) -> Option<String> {
    if column > 0 {
        let k = i.columns.get(column - 1)?;
        return Some(quote_ident(&table.def.columns[k.column].name));
    }
    let keys: Vec<String> = i
        .columns
        .iter()
        .map(|k| {
            let mut s = quote_ident(&table.def.columns[k.column].name);
            if k.desc {
                s.push_str(" DESC");
                if !k.nulls_first {
                    s.push_str(" NULLS LAST");
                }
            } else if k.nulls_first {
                s.push_str(" NULLS FIRST");
            }
            s
        })
        .collect();
    Some(format!(
        "CREATE {}INDEX {} ON {}.{} USING btree ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote_ident(&i.name),
        quote_ident(&table.def.schema),
        quote_ident(&table.def.name),
        keys.join(", ")
    ))
}
