//! Indexes and table storage: CREATE INDEX (built over the rows already stored), REINDEX
//! (rebuilt into a new relation), TRUNCATE (new empty relations swapped in).
//!
//! An index build takes the table's S lock, so no other transaction is writing it: every
//! version in the heap is committed, aborted, or this transaction's own. It indexes every
//! version whose insert did not abort — dead versions too, as PostgreSQL's build does,
//! since a snapshot older than the build may still see them through the index — and
//! checks uniqueness among the versions the transaction sees (23505).

use std::collections::HashSet;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::{BTree, HeapFile, RecordMeta, RelId};
use rustydb_txn::clog::XidStatus;
use rustydb_txn::lock::LockMode;
use rustydb_txn::tuple::{TupleHeader, row_of};
use sqlparser::ast::{CreateIndex, Expr};

use super::ddl::{DdlRun, IndexSpec};
use super::errors;
use super::names;
use super::query::find_relation;
use crate::catalog::{ConstraintKind, Entry, IndexColumn, IndexDef, IndexMeta, Oid, TableRef};
use crate::types::Value;

/// The CREATE INDEX statement, checked for what RustyDB supports.
pub(crate) fn index_spec(ci: &CreateIndex) -> Result<IndexSpec, DbError> {
    if ci.concurrently {
        return Err(errors::unsupported("CREATE INDEX CONCURRENTLY"));
    }
    if ci.predicate.is_some() {
        return Err(errors::unsupported("partial indexes"));
    }
    if !ci.include.is_empty()
        || !ci.with.is_empty()
        || ci.nulls_distinct == Some(false)
        || !ci.index_options.is_empty()
    {
        return Err(errors::unsupported("index options"));
    }
    if let Some(u) = &ci.using
        && !u.to_string().eq_ignore_ascii_case("btree")
    {
        return Err(errors::unsupported(format!("index access method \"{u}\"")));
    }
    let mut columns = Vec::with_capacity(ci.columns.len());
    for c in &ci.columns {
        let Expr::Identifier(id) = &c.column.expr else {
            return Err(errors::unsupported("indexes on expressions"));
        };
        if c.operator_class.is_some() {
            return Err(errors::unsupported("operator classes"));
        }
        let desc = matches!(
            c.column.options.sort,
            Some(sqlparser::ast::OrderBySort::Desc)
        );
        columns.push((
            names::ident(id),
            desc,
            c.column.options.nulls_first.unwrap_or(desc),
        ));
    }
    Ok(IndexSpec {
        name: ci
            .name
            .as_ref()
            .map(|n| names::object_name(n).map(|p| p.last().cloned().unwrap_or_default()))
            .transpose()?,
        table: names::object_name(&ci.table_name)?,
        columns,
        unique: ci.unique,
        if_not_exists: ci.if_not_exists,
    })
}

impl DdlRun<'_> {
    /// The table a DDL statement names, locked in `mode`.
    pub(crate) fn locked_table(
        &mut self,
        parts: &[String],
        mode: LockMode,
    ) -> Result<TableRef, DbError> {
        let state = self.state()?;
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        let (_, entry) = find_relation(&state, self.ctx, schema.as_deref(), &name)?;
        let Entry::Table(def) = entry else {
            return Err(errors::wrong_object_type(format!(
                "\"{name}\" is not a table"
            )));
        };
        self.txn.lock_table(RelId(def.heap), mode)?;
        let oid = def.oid;
        // Re-read: a concurrent change committed while we waited for the lock.
        self.table(oid).map_err(|_| errors::undefined_table(&name))
    }

    /// Executes CREATE INDEX.
    pub(crate) fn create_index(&mut self, spec: &IndexSpec) -> Result<String, DbError> {
        let tag = "CREATE INDEX".to_string();
        let table = self.locked_table(&spec.table, LockMode::S)?;
        let mut columns = Vec::with_capacity(spec.columns.len());
        for (c, desc, nulls_first) in &spec.columns {
            let column = table.column_position(c).ok_or_else(|| {
                DbError::new(
                    ErrorCode::UndefinedObject,
                    format!("column \"{c}\" does not exist"),
                )
                .with_sqlstate("42703")
            })?;
            columns.push(IndexColumn {
                column,
                desc: *desc,
                nulls_first: *nulls_first,
            });
        }
        let schema = table.def.schema.clone();
        let name = match &spec.name {
            Some(n) => {
                if !self.claim_name(&schema, n)? {
                    if spec.if_not_exists {
                        return Ok(tag);
                    }
                    return Err(errors::duplicate_relation(n));
                }
                n.clone()
            }
            None => {
                let cols: Vec<&str> = spec.columns.iter().map(|(c, _, _)| c.as_str()).collect();
                let base = format!("{}_{}_idx", table.def.name, cols.join("_"));
                self.unique_relation_name(&schema, &base, &[])?
            }
        };
        self.new_index(&table, &name, columns, spec.unique, false)?;
        Ok(tag)
    }

    /// Creates index `name` on `table`, builds it over the stored rows and records it in
    /// the catalog. Returns its oid.
    pub(crate) fn new_index(
        &mut self,
        table: &TableRef,
        name: &str,
        columns: Vec<IndexColumn>,
        unique: bool,
        primary: bool,
    ) -> Result<Oid, DbError> {
        let oid = self.catalog.new_oid();
        let def = IndexDef {
            oid,
            schema: table.def.schema.clone(),
            name: name.to_string(),
            table: table.def.oid,
            rel: 0,
            columns,
            unique,
            primary,
        };
        let def = self.build_index(table, def)?;
        self.create_entry(Entry::Index(def))?;
        Ok(oid)
    }

    /// Creates a new B+tree for `def`, fills it from `table`'s heap, and returns `def`
    /// pointing at it.
    pub(crate) fn build_index(
        &mut self,
        table: &TableRef,
        mut def: IndexDef,
    ) -> Result<IndexDef, DbError> {
        let btree = BTree::create(self.catalog.storage())?;
        self.cat_txn.created_relation(btree.rel());
        def.rel = btree.rel().0;
        let key_types = def
            .columns
            .iter()
            .map(|c| table.types[c.column].clone())
            .collect();
        let meta = IndexMeta {
            def,
            btree,
            key_types,
        };
        if meta.def.unique {
            self.check_unique(table, &meta)?;
        }
        let own = self.txn.xid();
        let mgr = self.txn.manager().clone();
        let mut scan = table.heap.scan();
        let record = RecordMeta::xid(own);
        while let Some((tid, tuple)) = scan.next_tuple()? {
            let Some(h) = TupleHeader::decode(&tuple) else {
                continue;
            };
            if h.xmin_invalid() {
                continue;
            }
            let alive = h.xmin == own
                || match mgr.clog().status(h.xmin)? {
                    XidStatus::Committed => true,
                    XidStatus::Aborted => false,
                    XidStatus::InProgress => mgr.is_running(h.xmin),
                };
            if !alive {
                continue;
            }
            let stored = crate::row::decode_row(row_of(&tuple), &table.types)?;
            let entry = crate::exec::index_entry_key(&meta, &stored, tid);
            meta.btree.insert(&entry, &[], record)?;
        }
        Ok(meta.def)
    }

    /// 23505 if two rows the transaction sees share a key without NULLs.
    fn check_unique(&mut self, table: &TableRef, index: &IndexMeta) -> Result<(), DbError> {
        let desc: Vec<bool> = index.def.columns.iter().map(|c| c.desc).collect();
        let mut seen = HashSet::new();
        self.txn.next_command();
        let mut scan = self.txn.scan(&table.heap)?;
        while let Some((_, row)) = scan.next_row(self.txn)? {
            let stored = crate::row::decode_row(&row, &table.types)?;
            let values: Vec<Value> = index
                .def
                .columns
                .iter()
                .map(|c| stored[c.column].clone())
                .collect();
            if values.iter().any(Value::is_null) {
                continue;
            }
            let mut key = Vec::new();
            crate::keys::encode_key(&values, &desc, &mut key);
            if !seen.insert(key) {
                let names: Vec<&str> = index
                    .def
                    .columns
                    .iter()
                    .map(|c| table.def.columns[c.column].name.as_str())
                    .collect();
                let shown: Vec<String> = values
                    .iter()
                    .map(crate::types::text::format_value)
                    .collect();
                return Err(DbError::new(
                    ErrorCode::ConstraintViolation,
                    format!("could not create unique index \"{}\"", index.def.name),
                )
                .with_sqlstate("23505")
                .with_detail(format!(
                    "Key ({})=({}) is duplicated.",
                    names.join(", "),
                    shown.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Executes REINDEX INDEX / TABLE: each index is rebuilt into a new relation and the
    /// old one removed at commit.
    pub(crate) fn reindex(
        &mut self,
        table_kind: bool,
        parts: &[String],
    ) -> Result<String, DbError> {
        let (table, indexes) = if table_kind {
            let t = self.locked_table(parts, LockMode::X)?;
            let idx: Vec<IndexDef> = t.indexes.iter().map(|i| i.def.clone()).collect();
            (t, idx)
        } else {
            let state = self.state()?;
            let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
            let (_, entry) = find_relation(&state, self.ctx, schema.as_deref(), &name)?;
            let Entry::Index(def) = entry else {
                return Err(errors::wrong_object_type(format!(
                    "\"{name}\" is not an index"
                )));
            };
            let def = def.clone();
            let t = state
                .table_by_oid(def.table)
                .ok_or_else(|| DbError::internal("index without table"))?;
            self.txn.lock_table(RelId(t.def.heap), LockMode::X)?;
            (self.table(t.def.oid)?, vec![def])
        };
        for def in indexes {
            self.replace_index_storage(&table, def, true)?;
        }
        Ok("REINDEX".into())
    }

    /// Points index `def` at a new relation (built from the heap when `build`), the old
    /// one dropped at commit.
    fn replace_index_storage(
        &mut self,
        table: &TableRef,
        def: IndexDef,
        build: bool,
    ) -> Result<(), DbError> {
        let old = RelId(def.rel);
        let new_def = if build {
            self.build_index(table, def)?
        } else {
            let btree = BTree::create(self.catalog.storage())?;
            self.cat_txn.created_relation(btree.rel());
            IndexDef {
                rel: btree.rel().0,
                ..def
            }
        };
        self.replace_entry(Entry::Index(new_def), old)
    }

    /// Replaces a catalog object whose relation file changes: the old file is removed
    /// once the transaction commits (it is the object's "drop" as far as files go).
    pub(crate) fn replace_entry(&mut self, e: Entry, old_rel: RelId) -> Result<(), DbError> {
        self.catalog
            .drop_object(self.txn, self.cat_txn, e.oid(), Some(old_rel))?;
        self.create_entry(e)
    }

    /// Executes TRUNCATE: new empty heap and index relations.
    pub(crate) fn truncate(
        &mut self,
        names_: &[Vec<String>],
        restart_identity: bool,
        cascade: bool,
    ) -> Result<String, DbError> {
        let mut tables: Vec<TableRef> = Vec::new();
        for parts in names_ {
            let t = self.locked_table(parts, LockMode::X)?;
            if !tables.iter().any(|x| x.def.oid == t.def.oid) {
                tables.push(t);
            }
        }
        // Tables referencing a truncated one must be truncated too (CASCADE) or be
        // truncated in the same statement.
        let mut i = 0;
        while i < tables.len() {
            let state = self.state()?;
            for (referencing, _) in state.referencing(tables[i].def.oid) {
                if tables.iter().any(|t| t.def.oid == referencing.def.oid) {
                    continue;
                }
                if !cascade {
                    // PostgreSQL's wording: a rule it shares, not a missing feature.
                    return Err(errors::feature(
                        "cannot truncate a table referenced in a foreign key constraint",
                    )
                    .with_detail(format!(
                        "Table \"{}\" references \"{}\".",
                        referencing.def.name, tables[i].def.name
                    ))
                    .with_hint(format!(
                        "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                        referencing.def.name
                    )));
                }
                self.txn
                    .lock_table(RelId(referencing.def.heap), LockMode::X)?;
                tables.push(self.table(referencing.def.oid)?);
            }
            i += 1;
        }
        for t in &tables {
            let heap = HeapFile::create(self.catalog.storage())?;
            self.cat_txn.created_relation(heap.rel());
            let mut def = t.def.clone();
            def.heap = heap.rel().0;
            self.replace_entry(Entry::Table(def), RelId(t.def.heap))?;
            for idx in &t.indexes {
                self.replace_index_storage(t, idx.def.clone(), false)?;
            }
            if restart_identity {
                for seq in self.owned_sequences(t.def.oid)? {
                    self.restart_sequence(&seq)?;
                }
            }
        }
        Ok("TRUNCATE TABLE".into())
    }

    /// Whether index `oid` backs a constraint: (constraint name).
    pub(crate) fn index_constraint(table: &TableRef, oid: Oid) -> Option<String> {
        table.constraints.iter().find_map(|c| match c.kind {
            ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index }
                if index == oid =>
            {
                Some(c.name.clone())
            }
            _ => None,
        })
    }
}
