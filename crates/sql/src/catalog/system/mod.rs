//! System relations: `pg_catalog` and `information_schema`, computed from the catalog.
//!
//! # Design
//! PostgreSQL keeps its catalogs as ordinary heaps; RustyDB keeps one catalog heap of
//! JSON entries ([`super::Entry`]) and derives PostgreSQL's relations from it when a
//! statement reads them. Each [`SystemRelation`] names its schema, its columns and a
//! function that builds every row from a [`Snapshot`]: the catalog as the reading
//! transaction sees it, plus the engine's live state (sessions, settings, file sizes).
//! The binder turns a reference into a `Values` plan of those rows, so a system relation
//! joins, filters and sorts like any other; statements that read one are never served
//! from a cached plan (their rows would go stale).
//!
//! Representation choices, documented in `docs/sql.md`: columns PostgreSQL types `oid`
//! (and `regproc`, `xid`) are `bigint`; `name` is `text`; `"char"` is `character(1)`;
//! array-valued columns are real arrays (`conkey` `smallint[]`, `oid[]` as `bigint[]`,
//! `aclitem[]` as `text[]` of the items' text), except `int2vector`/`oidvector` columns
//! (`indkey`, `indclass`), which are `text` in PostgreSQL's output form (`1 2`); expression columns (`pg_node_tree`) hold the
//! SQL text, which is what `pg_get_expr` returns. Relations for features RustyDB does
//! not have (triggers, policies, inheritance, publications, comments) exist and are
//! empty, which is the truth.

mod default_expr;
mod empty;
mod info_schema;
mod pg_class;
mod pg_constraint;
mod pg_server;
mod pg_type;

pub use pg_constraint::index_definition;
pub use pg_server::timestamptz;
pub use pg_type::format_type;

/// Every type as `regtype` prints it: (oid, name).
pub fn pg_type_names() -> Vec<(Oid, String)> {
    pg_type::types()
        .into_iter()
        .map(|(t, _, _)| (t.oid(), format_type(i64::from(t.oid()), None)))
        .collect()
}

/// Every constraint's definition as `pg_get_constraintdef` prints it: (oid, text).
pub fn pg_constraint_defs(state: &CatalogState, search_path: &[String]) -> Vec<(Oid, String)> {
    let mut out = Vec::new();
    for t in state.tables() {
        for c in &t.constraints {
            out.push((
                c.oid,
                pg_constraint::constraint_definition(state, search_path, t, c),
            ));
        }
    }
    out
}

use std::collections::HashMap;
use std::sync::Arc;

use super::{CatalogState, Entry, Oid, PUBLIC_SCHEMA_OID};
use crate::session::SessionInfo;
use crate::types::{DataType, Value};

/// The oid of schema `pg_catalog` (as in PostgreSQL).
pub const PG_CATALOG_OID: Oid = 11;
/// The oid of schema `information_schema`.
pub const INFORMATION_SCHEMA_OID: Oid = 13_000;
/// The oid of the bootstrap superuser (as in PostgreSQL).
pub const BOOTSTRAP_ROLE_OID: Oid = 10;
/// The oid of the one database.
pub const DATABASE_OID: Oid = 16_384 - 1;
/// The oid of access method `heap`.
pub const HEAP_AM_OID: Oid = 2;
/// The oid of access method `btree`.
pub const BTREE_AM_OID: Oid = 403;
/// The oid of the default collation.
pub const DEFAULT_COLLATION_OID: Oid = 100;

/// What the engine knows beyond the catalog: supplied by the session for each statement.
#[derive(Clone)]
pub struct SystemContext {
    /// The engine.
    pub engine: Arc<crate::engine::Engine>,
    /// This session's id.
    pub backend_pid: u32,
    /// The session's settings: (name, value).
    pub settings: Vec<(String, String)>,
}

impl SystemContext {
    /// The open sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.engine.sessions().list()
    }

    /// Size in bytes of relation file `rel` (0 if it has none).
    pub fn rel_size(&self, rel: u32) -> i64 {
        self.engine
            .storage()
            .disk()
            .nblocks(rustydb_storage::RelId(rel))
            .map_or(0, |n| i64::from(n) * 8192)
    }

    /// Size in bytes of every relation file of the database (`pg_database_size`):
    /// tables, indexes, sequences and the catalog's own relations.
    /// An unreadable directory or file is an error, not a smaller size; a relation
    /// dropped since the listing counts as nothing.
    pub fn database_size(&self) -> Result<i64, rustydb_common::DbError> {
        let disk = self.engine.storage().disk();
        let mut total = 0i64;
        for rel in disk.list()? {
            if disk.exists(rel) {
                total += i64::from(disk.nblocks(rel)?) * 8192;
            }
        }
        Ok(total)
    }

    /// Live rows of table `oid` when it was last analysed.
    pub fn analyzed_rows(&self, oid: Oid) -> Option<f64> {
        self.engine.stats().get(oid).map(|s| s.rows)
    }

    /// When the engine started (`pg_postmaster_start_time()`).
    pub fn started_at(&self) -> std::time::SystemTime {
        self.engine.started_at()
    }
}

impl std::fmt::Debug for SystemContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemContext")
            .field("backend_pid", &self.backend_pid)
            .finish_non_exhaustive()
    }
}

/// Everything a system relation's rows are computed from.
#[derive(Debug)]
pub struct Snapshot<'a> {
    /// The catalog as the reading transaction sees it.
    pub state: &'a CatalogState,
    /// The engine's live state.
    pub system: &'a SystemContext,
    /// The session's search path.
    pub search_path: &'a [String],
    /// The session user.
    pub user: &'a str,
    /// The database name.
    pub database: &'a str,
    /// Output columns of each view (bound by the binder), by view oid.
    pub view_columns: &'a HashMap<Oid, Vec<(String, DataType)>>,
}

/// A column of a system relation.
pub type SysColumn = (&'static str, DataType);

/// One system relation.
pub struct SystemRelation {
    /// Its oid (PostgreSQL's for the catalogs it has fixed oids for).
    pub oid: Oid,
    /// `pg_catalog` or `information_schema`.
    pub schema: &'static str,
    /// Its name.
    pub name: &'static str,
    /// A view in PostgreSQL (`v`) or a table (`r`).
    pub is_view: bool,
    /// Whether rows need the views' output columns.
    pub needs_views: bool,
    /// Its columns.
    pub columns: fn() -> Vec<SysColumn>,
    /// Its rows.
    pub rows: fn(&Snapshot<'_>) -> Vec<Vec<Value>>,
}

impl std::fmt::Debug for SystemRelation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Every system relation.
pub fn relations() -> &'static [SystemRelation] {
    static ALL: std::sync::OnceLock<Vec<SystemRelation>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        v.extend(pg_class::defs());
        v.extend(pg_constraint::defs());
        v.extend(pg_type::defs());
        v.extend(pg_server::defs());
        v.extend(empty::defs());
        v.extend(info_schema::defs());
        v
    })
}

/// The system relation `schema.name`; unqualified names find `pg_catalog`'s (it is
/// implicitly searched first, as in PostgreSQL).
pub fn lookup(schema: Option<&str>, name: &str) -> Option<&'static SystemRelation> {
    let schema = schema.unwrap_or("pg_catalog");
    relations()
        .iter()
        .find(|r| r.schema == schema && r.name == name)
}

/// The system relation with `oid`.
pub fn by_oid(oid: Oid) -> Option<&'static SystemRelation> {
    relations().iter().find(|r| r.oid == oid)
}

/// Whether `name` is a system schema.
pub fn is_system_schema(name: &str) -> bool {
    matches!(name, "pg_catalog" | "information_schema")
}

/// The oid of a schema by name, system schemas included.
pub fn schema_oid(state: &CatalogState, name: &str) -> Option<Oid> {
    match name {
        "pg_catalog" => Some(PG_CATALOG_OID),
        "information_schema" => Some(INFORMATION_SCHEMA_OID),
        _ => state.schema_oid(name),
    }
}

/// Every schema: (oid, name), system schemas first.
pub fn schemas(state: &CatalogState) -> Vec<(Oid, String)> {
    let mut out = vec![
        (PG_CATALOG_OID, "pg_catalog".to_string()),
        (INFORMATION_SCHEMA_OID, "information_schema".to_string()),
    ];
    let mut user: Vec<(Oid, String)> = state
        .entries()
        .filter_map(|e| match e {
            Entry::Schema(s) => Some((s.oid, s.name.clone())),
            _ => None,
        })
        .collect();
    user.sort();
    out.extend(user);
    out
}

/// A relation-like catalog object: (oid, schema, name, relkind).
pub fn relation_entries(state: &CatalogState) -> Vec<(Oid, String, String, char)> {
    let mut out: Vec<(Oid, String, String, char)> = state
        .entries()
        .filter_map(|e| match e {
            Entry::Table(t) => Some((t.oid, t.schema.clone(), t.name.clone(), 'r')),
            Entry::View(v) => Some((v.oid, v.schema.clone(), v.name.clone(), 'v')),
            Entry::Sequence(s) => Some((s.oid, s.schema.clone(), s.name.clone(), 'S')),
            Entry::Index(i) => Some((i.oid, i.schema.clone(), i.name.clone(), 'i')),
            _ => None,
        })
        .collect();
    for r in relations() {
        let kind = if r.is_view { 'v' } else { 'r' };
        out.push((r.oid, r.schema.into(), r.name.into(), kind));
    }
    out.sort();
    out
}

/// Whether relation `(schema, name)` is visible: found first by an unqualified name on
/// the search path (pg_catalog is searched first).
pub fn relation_visible(
    state: &CatalogState,
    search_path: &[String],
    schema: &str,
    name: &str,
) -> bool {
    if lookup(Some("pg_catalog"), name).is_some() {
        return schema == "pg_catalog";
    }
    if schema == "pg_catalog" {
        return true;
    }
    for s in search_path {
        if state.relation(s, name).is_some()
            || (s == "information_schema" && lookup(Some(s), name).is_some())
        {
            return s == schema;
        }
    }
    false
}

/// The name a relation prints as (`regclass` output): qualified unless visible.
pub fn relation_display_name(
    state: &CatalogState,
    search_path: &[String],
    schema: &str,
    name: &str,
) -> String {
    if relation_visible(state, search_path, schema, name) {
        crate::functions::quoting::quote_ident(name)
    } else {
        format!(
            "{}.{}",
            crate::functions::quoting::quote_ident(schema),
            crate::functions::quoting::quote_ident(name)
        )
    }
}

/// The collation of a type's values: the default collation for strings, none otherwise.
pub fn collation(ty: &DataType) -> Oid {
    if matches!(
        ty,
        DataType::Text | DataType::Varchar(_) | DataType::Char(_)
    ) {
        DEFAULT_COLLATION_OID
    } else {
        0
    }
}

/// Value helpers for row building.
pub(crate) mod v {
    use super::Oid;
    use crate::types::Value;

    /// An oid (shown as `bigint`).
    pub(crate) fn oid(o: Oid) -> Value {
        Value::Int8(i64::from(o))
    }
    /// A text value.
    pub(crate) fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }
    /// A `"char"` value.
    /// `'\0'` is the empty `"char"` (PostgreSQL prints it as an empty string).
    pub(crate) fn ch(c: char) -> Value {
        if c == '\0' {
            return Value::Text(String::new());
        }
        Value::Text(c.to_string())
    }
    /// A boolean.
    pub(crate) fn b(x: bool) -> Value {
        Value::Bool(x)
    }
    /// A smallint.
    pub(crate) fn i2(x: usize) -> Value {
        Value::Int2(i16::try_from(x).unwrap_or(i16::MAX))
    }
    /// An integer.
    pub(crate) fn i4(x: i32) -> Value {
        Value::Int4(x)
    }
    /// NULL.
    pub(crate) fn null() -> Value {
        Value::Null
    }
}

/// Column-type shorthands for the relation definitions.
pub(crate) mod t {
    use crate::types::DataType;

    /// `oid` (as bigint).
    pub(crate) const OID: DataType = DataType::Int8;
    /// `name` / `text`.
    pub(crate) const TEXT: DataType = DataType::Text;
    /// `"char"`.
    pub(crate) const CHAR: DataType = DataType::Char(Some(1));
    /// `boolean`.
    pub(crate) const BOOL: DataType = DataType::Bool;
    /// `smallint`.
    pub(crate) const I2: DataType = DataType::Int2;
    /// `integer`.
    pub(crate) const I4: DataType = DataType::Int4;
    /// `bigint`.
    pub(crate) const I8: DataType = DataType::Int8;

    /// A one-dimensional array of `elem` (`int2[]`, `oid[]` as `bigint[]`, `aclitem[]`
    /// as `text[]`).
    pub(crate) fn array(elem: DataType) -> DataType {
        DataType::Array(Box::new(elem))
    }
}

/// The oid of role `name` (the bootstrap role's if it vanished).
pub(crate) fn role_oid(state: &CatalogState, name: &str) -> Oid {
    state.role(name).map_or(BOOTSTRAP_ROLE_OID, |r| r.oid)
}

/// The owner of a relation-like entry, and its ACL as a `text[]` of aclitems (NULL when
/// nothing was granted: the owner's default privileges).
pub(crate) fn owner_and_acl(state: &CatalogState, e: &Entry) -> (Oid, Value) {
    match super::privileges::relation_acl(state, e) {
        Some((_, owner, acl)) => {
            let acl = if acl.is_empty() {
                Value::Null
            } else {
                let items: Vec<Value> = acl.iter().map(|a| Value::Text(a.to_pg_string())).collect();
                Value::Array(Box::new(items))
            };
            (role_oid(state, owner), acl)
        }
        None => (BOOTSTRAP_ROLE_OID, Value::Null),
    }
}

/// A schema's oid by name for rows (0 if the schema vanished).
pub(crate) fn nsp(state: &CatalogState, schema: &str) -> Oid {
    schema_oid(state, schema).unwrap_or(if schema == "public" {
        PUBLIC_SCHEMA_OID
    } else {
        0
    })
}
