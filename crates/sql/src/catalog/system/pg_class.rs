//! `pg_namespace`, `pg_class`, `pg_attribute`, `pg_index`, `pg_attrdef`, `pg_sequence`
//! and `pg_depend`: the relations and their columns.

use super::{
    BTREE_AM_OID, HEAP_AM_OID, Snapshot, SysColumn, SystemRelation, collation, nsp, owner_and_acl,
    relations, schemas, t, v,
};
use crate::catalog::{Entry, TableMeta};
use crate::types::{DataType, Value};

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![
        SystemRelation {
            oid: 2615,
            schema: "pg_catalog",
            name: "pg_namespace",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("nspname", t::TEXT),
                    ("nspowner", t::OID),
                    ("nspacl", t::array(t::TEXT)),
                ]
            },
            rows: |s| {
                schemas(s.state)
                    .into_iter()
                    .map(|(oid, name)| {
                        vec![
                            v::oid(oid),
                            v::text(name),
                            v::oid(super::BOOTSTRAP_ROLE_OID),
                            v::null(),
                        ]
                    })
                    .collect()
            },
        },
        SystemRelation {
            oid: 1259,
            schema: "pg_catalog",
            name: "pg_class",
            is_view: false,
            needs_views: true,
            columns: class_columns,
            rows: class_rows,
        },
        SystemRelation {
            oid: 1249,
            schema: "pg_catalog",
            name: "pg_attribute",
            is_view: false,
            needs_views: true,
            columns: || {
                vec![
                    ("attrelid", t::OID),
                    ("attname", t::TEXT),
                    ("atttypid", t::OID),
                    ("attstattarget", t::I4),
                    ("attlen", t::I2),
                    ("attnum", t::I2),
                    ("attndims", t::I4),
                    ("atttypmod", t::I4),
                    ("attnotnull", t::BOOL),
                    ("atthasdef", t::BOOL),
                    ("atthasmissing", t::BOOL),
                    ("attidentity", t::CHAR),
                    ("attgenerated", t::CHAR),
                    ("attisdropped", t::BOOL),
                    ("attislocal", t::BOOL),
                    ("attinhcount", t::I4),
                    ("attcollation", t::OID),
                    ("attacl", t::array(t::TEXT)),
                    ("attoptions", t::array(t::TEXT)),
                    ("attstorage", t::CHAR),
                    ("attcompression", t::CHAR),
                ]
            },
            rows: attribute_rows,
        },
        SystemRelation {
            oid: 2610,
            schema: "pg_catalog",
            name: "pg_index",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("indexrelid", t::OID),
                    ("indrelid", t::OID),
                    ("indnatts", t::I2),
                    ("indnkeyatts", t::I2),
                    ("indisunique", t::BOOL),
                    ("indnullsnotdistinct", t::BOOL),
                    ("indisprimary", t::BOOL),
                    ("indisexclusion", t::BOOL),
                    ("indimmediate", t::BOOL),
                    ("indisclustered", t::BOOL),
                    ("indisvalid", t::BOOL),
                    ("indcheckxmin", t::BOOL),
                    ("indisready", t::BOOL),
                    ("indislive", t::BOOL),
                    ("indisreplident", t::BOOL),
                    ("indkey", t::TEXT),
                    ("indoption", t::TEXT),
                    ("indexprs", t::TEXT),
                    ("indpred", t::TEXT),
                ]
            },
            rows: |s| {
                let mut out = Vec::new();
                for tab in sorted_tables(s) {
                    for i in &tab.indexes {
                        let d = &i.def;
                        let keys: Vec<String> = d
                            .columns
                            .iter()
                            .map(|c| attnum(tab, c.column).to_string())
                            .collect();
                        let opts: Vec<String> = d
                            .columns
                            .iter()
                            .map(|c| {
                                (u8::from(c.desc) | (u8::from(c.nulls_first) << 1)).to_string()
                            })
                            .collect();
                        out.push(vec![
                            v::oid(d.oid),
                            v::oid(d.table),
                            v::i2(d.columns.len()),
                            v::i2(d.columns.len()),
                            v::b(d.unique),
                            v::b(false),
                            v::b(d.primary),
                            v::b(false),
                            v::b(true),
                            v::b(false),
                            v::b(true),
                            v::b(false),
                            v::b(true),
                            v::b(true),
                            v::b(false),
                            v::text(keys.join(" ")),
                            v::text(opts.join(" ")),
                            v::null(),
                            v::null(),
                        ]);
                    }
                }
                out
            },
        },
        SystemRelation {
            oid: 2604,
            schema: "pg_catalog",
            name: "pg_attrdef",
            is_view: false,
            needs_views: false,
            columns: || vec![("adrelid", t::OID), ("adnum", t::I2), ("adbin", t::TEXT)],
            rows: |s| {
                let mut out = Vec::new();
                for tab in sorted_tables(s) {
                    for (pos, c, ty) in tab.columns() {
                        if let Some(d) = &c.default {
                            out.push(vec![
                                v::oid(tab.def.oid),
                                v::i2(attnum(tab, pos)),
                                v::text(super::default_expr::pg_default_text(d, ty)),
                            ]);
                        }
                    }
                }
                out
            },
        },
        SystemRelation {
            oid: 2224,
            schema: "pg_catalog",
            name: "pg_sequence",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("seqrelid", t::OID),
                    ("seqtypid", t::OID),
                    ("seqstart", t::I8),
                    ("seqincrement", t::I8),
                    ("seqmax", t::I8),
                    ("seqmin", t::I8),
                    ("seqcache", t::I8),
                    ("seqcycle", t::BOOL),
                ]
            },
            rows: |s| {
                let mut seqs: Vec<_> = s
                    .state
                    .entries()
                    .filter_map(|e| match e {
                        Entry::Sequence(q) => Some(q),
                        _ => None,
                    })
                    .collect();
                seqs.sort_by_key(|q| q.oid);
                seqs.into_iter()
                    .map(|q| {
                        vec![
                            v::oid(q.oid),
                            v::oid(DataType::Int8.oid()),
                            Value::Int8(q.start),
                            Value::Int8(q.increment),
                            Value::Int8(q.max),
                            Value::Int8(q.min),
                            Value::Int8(1),
                            v::b(q.cycle),
                        ]
                    })
                    .collect()
            },
        },
        SystemRelation {
            oid: 2608,
            schema: "pg_catalog",
            name: "pg_depend",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("classid", t::OID),
                    ("objid", t::OID),
                    ("objsubid", t::I4),
                    ("refclassid", t::OID),
                    ("refobjid", t::OID),
                    ("refobjsubid", t::I4),
                    ("deptype", t::CHAR),
                ]
            },
            rows: depend_rows,
        },
    ]
}

/// Tables in oid order.
pub(super) fn sorted_tables<'a>(s: &Snapshot<'a>) -> Vec<&'a TableMeta> {
    let mut v: Vec<&TableMeta> = s.state.tables().map(|t| &**t).collect();
    v.sort_by_key(|t| t.def.oid);
    v
}

/// PostgreSQL's `attnum` of storage position `pos` (dropped columns keep their number).
pub(super) fn attnum(_table: &TableMeta, pos: usize) -> usize {
    pos + 1
}

fn class_columns() -> Vec<SysColumn> {
    vec![
        ("oid", t::OID),
        ("relname", t::TEXT),
        ("relnamespace", t::OID),
        ("reltype", t::OID),
        ("reloftype", t::OID),
        ("relowner", t::OID),
        ("relam", t::OID),
        ("relfilenode", t::OID),
        ("reltablespace", t::OID),
        ("relpages", t::I4),
        ("reltuples", DataType::Float4),
        ("relallvisible", t::I4),
        ("reltoastrelid", t::OID),
        ("relhasindex", t::BOOL),
        ("relisshared", t::BOOL),
        ("relpersistence", t::CHAR),
        ("relkind", t::CHAR),
        ("relnatts", t::I2),
        ("relchecks", t::I2),
        ("relhasrules", t::BOOL),
        ("relhastriggers", t::BOOL),
        ("relhassubclass", t::BOOL),
        ("relrowsecurity", t::BOOL),
        ("relforcerowsecurity", t::BOOL),
        ("relispopulated", t::BOOL),
        ("relreplident", t::CHAR),
        ("relispartition", t::BOOL),
        ("relacl", t::array(t::TEXT)),
        ("reloptions", t::array(t::TEXT)),
        ("relpartbound", t::TEXT),
    ]
}

struct ClassRow {
    oid: u32,
    name: String,
    schema: String,
    am: u32,
    filenode: u32,
    pages: i32,
    tuples: f32,
    has_index: bool,
    /// PostgreSQL's `relhastriggers`: it enforces foreign keys with internal triggers
    /// on both tables, so a table that references or is referenced has them (psql
    /// looks for foreign keys only then).
    has_triggers: bool,
    kind: char,
    natts: usize,
    checks: usize,
    options: Option<String>,
    owner: u32,
    acl: Value,
}

fn class_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let pages = |rel: u32| i32::try_from(s.system.rel_size(rel) / 8192).unwrap_or(i32::MAX);
    let mut rows = Vec::new();
    let mut fk_tables = std::collections::HashSet::new();
    for t in s.state.tables() {
        for c in &t.constraints {
            if let crate::catalog::ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                fk_tables.insert(t.def.oid);
                fk_tables.insert(*ref_table);
            }
        }
    }
    for e in s.state.entries() {
        let (owner, acl) = owner_and_acl(s.state, e);
        let r = match e {
            Entry::Table(tab) => {
                let meta = s.state.table_by_oid(tab.oid);
                let (has_index, checks) = meta.as_ref().map_or((false, 0), |m| {
                    let checks = m
                        .constraints
                        .iter()
                        .filter(|c| matches!(c.kind, crate::catalog::ConstraintKind::Check { .. }))
                        .count();
                    (!m.indexes.is_empty(), checks)
                });
                ClassRow {
                    oid: tab.oid,
                    name: tab.name.clone(),
                    schema: tab.schema.clone(),
                    am: HEAP_AM_OID,
                    filenode: tab.heap,
                    pages: pages(tab.heap),
                    tuples: s.system.analyzed_rows(tab.oid).map_or(-1.0, |r| r as f32),
                    has_index,
                    has_triggers: fk_tables.contains(&tab.oid),
                    kind: 'r',
                    natts: tab.columns.len(),
                    checks,
                    options: tab.fillfactor.map(|f| format!("fillfactor={f}")),
                    owner,
                    acl: acl.clone(),
                }
            }
            Entry::Index(i) => ClassRow {
                oid: i.oid,
                name: i.name.clone(),
                schema: i.schema.clone(),
                am: BTREE_AM_OID,
                filenode: i.rel,
                pages: pages(i.rel),
                tuples: -1.0,
                has_index: false,
                has_triggers: false,
                kind: 'i',
                natts: i.columns.len(),
                checks: 0,
                options: None,
                owner,
                acl: acl.clone(),
            },
            Entry::View(w) => ClassRow {
                oid: w.oid,
                name: w.name.clone(),
                schema: w.schema.clone(),
                am: 0,
                filenode: 0,
                pages: 0,
                tuples: -1.0,
                has_index: false,
                has_triggers: false,
                kind: 'v',
                natts: w.columns.len(),
                checks: 0,
                options: None,
                owner,
                acl: acl.clone(),
            },
            Entry::Sequence(q) => ClassRow {
                oid: q.oid,
                name: q.name.clone(),
                schema: q.schema.clone(),
                am: 0,
                filenode: q.rel,
                pages: pages(q.rel),
                tuples: 1.0,
                has_index: false,
                has_triggers: false,
                kind: 'S',
                natts: 3,
                checks: 0,
                options: None,
                owner,
                acl: acl.clone(),
            },
            _ => continue,
        };
        rows.push(r);
    }
    for r in relations() {
        rows.push(ClassRow {
            oid: r.oid,
            name: r.name.into(),
            schema: r.schema.into(),
            am: if r.is_view { 0 } else { HEAP_AM_OID },
            filenode: 0,
            pages: 0,
            tuples: -1.0,
            has_index: false,
            has_triggers: false,
            kind: if r.is_view { 'v' } else { 'r' },
            natts: (r.columns)().len(),
            checks: 0,
            options: None,
            owner: super::BOOTSTRAP_ROLE_OID,
            acl: Value::Null,
        });
    }
    rows.sort_by_key(|r| r.oid);
    rows.into_iter()
        .map(|r| {
            let replident = if r.kind == 'r' && r.schema != "pg_catalog" {
                'd'
            } else {
                'n'
            };
            let replident = if r.kind == 'r' && r.schema == "pg_catalog" {
                'n'
            } else {
                replident
            };
            vec![
                v::oid(r.oid),
                v::text(r.name),
                v::oid(nsp(s.state, &r.schema)),
                v::oid(0),
                v::oid(0),
                v::oid(r.owner),
                v::oid(r.am),
                v::oid(r.filenode),
                v::oid(0),
                v::i4(r.pages),
                Value::Float4(r.tuples),
                v::i4(0),
                v::oid(0),
                v::b(r.has_index),
                v::b(false),
                v::ch('p'),
                v::ch(r.kind),
                v::i2(r.natts),
                v::i2(r.checks),
                v::b(false),
                v::b(r.has_triggers),
                v::b(false),
                v::b(false),
                v::b(false),
                v::b(true),
                v::ch(replident),
                v::b(false),
                r.acl,
                r.options
                    .map_or(Value::Null, |o| Value::Array(Box::new(vec![v::text(o)]))),
                v::null(),
            ]
        })
        .collect()
}

/// One `pg_attribute` row.
#[allow(clippy::too_many_arguments)]
fn attr_row(
    rel: u32,
    name: &str,
    ty: &DataType,
    num: usize,
    not_null: bool,
    has_def: bool,
    identity: char,
    dropped: bool,
) -> Vec<Value> {
    vec![
        v::oid(rel),
        v::text(name),
        v::oid(if dropped { 0 } else { ty.oid() }),
        v::i4(-1),
        Value::Int2(ty.type_len()),
        v::i2(num),
        v::i4(0),
        v::i4(ty.typmod()),
        v::b(not_null),
        v::b(has_def),
        v::b(false),
        v::ch(identity),
        v::ch('\0'),
        v::b(dropped),
        v::b(true),
        v::i4(0),
        v::oid(collation(ty)),
        v::null(),
        v::null(),
        // Every value is stored inline in its heap tuple, uncompressed (no TOAST).
        v::ch('p'),
        v::ch('\0'),
    ]
}

fn attribute_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut out: Vec<(u32, usize, Vec<Value>)> = Vec::new();
    for tab in sorted_tables(s) {
        let oid = tab.def.oid;
        for (pos, c) in tab.def.columns.iter().enumerate() {
            let identity = match &c.identity {
                Some((crate::catalog::Identity::Always, _)) => 'a',
                Some((crate::catalog::Identity::ByDefault, _)) if c.default.is_none() => 'd',
                _ => '\0',
            };
            let name = if c.dropped {
                format!("........pg.dropped.{}........", pos + 1)
            } else {
                c.name.clone()
            };
            let row = attr_row(
                oid,
                &name,
                &tab.types[pos],
                pos + 1,
                c.not_null,
                c.default.is_some(),
                identity,
                c.dropped,
            );
            out.push((oid, pos + 1, row));
        }
        for i in &tab.indexes {
            for (k, col) in i.def.columns.iter().enumerate() {
                let name = &tab.def.columns[col.column].name;
                let row = attr_row(
                    i.def.oid,
                    name,
                    &i.key_types[k],
                    k + 1,
                    false,
                    false,
                    '\0',
                    false,
                );
                out.push((i.def.oid, k + 1, row));
            }
        }
    }
    for e in s.state.entries() {
        match e {
            Entry::View(w) => {
                if let Some(cols) = s.view_columns.get(&w.oid) {
                    for (k, (n, ty)) in cols.iter().enumerate() {
                        out.push((
                            w.oid,
                            k + 1,
                            attr_row(w.oid, n, ty, k + 1, false, false, '\0', false),
                        ));
                    }
                }
            }
            Entry::Sequence(q) => {
                let cols = [
                    ("last_value", DataType::Int8),
                    ("log_cnt", DataType::Int8),
                    ("is_called", DataType::Bool),
                ];
                for (k, (n, ty)) in cols.iter().enumerate() {
                    out.push((
                        q.oid,
                        k + 1,
                        attr_row(q.oid, n, ty, k + 1, true, false, '\0', false),
                    ));
                }
            }
            _ => {}
        }
    }
    for r in relations() {
        for (k, (n, ty)) in (r.columns)().iter().enumerate() {
            out.push((
                r.oid,
                k + 1,
                attr_row(r.oid, n, ty, k + 1, false, false, '\0', false),
            ));
        }
    }
    out.sort_by_key(|(o, n, _)| (*o, *n));
    out.into_iter().map(|(_, _, r)| r).collect()
}

fn depend_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let class = 1259;
    for e in s.state.entries() {
        match e {
            Entry::Sequence(q) => {
                if let Some((table, pos)) = q.owned_by {
                    let deptype =
                        match s.state.table_by_oid(table) {
                            Some(tab)
                                if tab.def.columns.get(pos).is_some_and(|c| {
                                    c.identity.is_some() && c.default.is_none()
                                }) =>
                            {
                                'i'
                            }
                            _ => 'a',
                        };
                    out.push(vec![
                        v::oid(class),
                        v::oid(q.oid),
                        v::i4(0),
                        v::oid(class),
                        v::oid(table),
                        v::i4(i32::try_from(pos + 1).unwrap_or(0)),
                        v::ch(deptype),
                    ]);
                }
            }
            Entry::Index(i) => {
                out.push(vec![
                    v::oid(class),
                    v::oid(i.oid),
                    v::i4(0),
                    v::oid(class),
                    v::oid(i.table),
                    v::i4(0),
                    v::ch('a'),
                ]);
            }
            _ => {}
        }
    }
    out.sort_by_key(|r| match r.get(1) {
        Some(Value::Int8(o)) => *o,
        _ => 0,
    });
    out
}
