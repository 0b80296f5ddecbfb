//! The catalog: schemas, tables, indexes, constraints, sequences and views.
//!
//! # Design
//! Every object is a row of one system heap (relation 2), serialised as JSON
//! ([`defs::Entry`]), written through the transaction layer like user rows. DDL is
//! therefore transactional: a `CREATE TABLE` inside a transaction block is invisible to
//! other sessions until COMMIT and vanishes on ROLLBACK, and recovery restores exactly the
//! committed catalog, since catalog rows obey the same visibility rules as any row.
//!
//! In memory, [`Catalog`] keeps the committed state as an immutable [`CatalogState`]
//! behind an `Arc`, rebuilt when a transaction that changed the catalog commits. Each
//! transaction records its own changes in a [`CatalogTxn`] overlay; lookups inside it see
//! the committed state with the overlay applied ([`Catalog::view`]). Concurrent DDL on the
//! same object is serialised by the table's exclusive lock and, for new names, a lock on
//! the name, so two sessions cannot create the same table.
//!
//! Relation files created by a transaction that rolls back are removed at rollback;
//! files of dropped objects are removed after the commit is durable. A crash in between
//! leaves orphan files, which [`Catalog::open`] removes at start.

pub mod defs;
pub mod privileges;
pub mod roles;
pub mod sequence;
pub mod system;
pub mod typename;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use parking_lot::RwLock;
use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::{BTree, FIRST_USER_REL, HeapFile, RelId, Storage, Tid};
use rustydb_txn::lock::{LockMode, LockTag};
use rustydb_txn::{IsolationLevel, Transaction, TxnManager};

pub use defs::*;

use crate::types::DataType;

/// The relation holding the catalog heap.
pub const CATALOG_REL: RelId = RelId(2);
/// The oid of schema `public` (as in PostgreSQL).
pub const PUBLIC_SCHEMA_OID: Oid = 2200;
/// First oid for user objects.
pub const FIRST_USER_OID: Oid = 16384;

/// A table ready for use: its definition with parsed types and open storage handles.
#[derive(Debug)]
pub struct TableMeta {
    /// The stored definition.
    pub def: TableDef,
    /// Type of every stored column (dropped ones included).
    pub types: Vec<DataType>,
    /// Storage positions of the visible (not dropped) columns, in order.
    pub visible: Vec<usize>,
    /// The heap.
    pub heap: HeapFile,
    /// Its indexes.
    pub indexes: Vec<IndexRef>,
    /// Its constraints.
    pub constraints: Vec<ConstraintDef>,
}

impl TableMeta {
    /// Qualified name for messages.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.def.schema, self.def.name)
    }

    /// Visible column definitions in order.
    pub fn columns(&self) -> impl Iterator<Item = (usize, &ColumnDef, &DataType)> {
        self.visible
            .iter()
            .map(|&i| (i, &self.def.columns[i], &self.types[i]))
    }

    /// The storage position of visible column `name`.
    pub fn column_position(&self, name: &str) -> Option<usize> {
        self.visible
            .iter()
            .copied()
            .find(|&i| self.def.columns[i].name == name)
    }

    /// The primary key's index, if any.
    pub fn primary_key(&self) -> Option<&IndexRef> {
        self.indexes.iter().find(|i| i.def.primary)
    }
}

/// A table handle shared by plans.
pub type TableRef = Arc<TableMeta>;

/// An index ready for use.
#[derive(Debug)]
pub struct IndexMeta {
    /// The stored definition.
    pub def: IndexDef,
    /// The B+tree.
    pub btree: BTree,
    /// Types of the key columns.
    pub key_types: Vec<DataType>,
}

/// An index handle shared by plans.
pub type IndexRef = Arc<IndexMeta>;

/// A consistent set of catalog objects (committed, or committed plus one transaction's
/// own changes).
#[derive(Debug, Default)]
pub struct CatalogState {
    entries: HashMap<Oid, (Tid, Entry)>,
    /// `(schema, name)` -> oid of a relation-like object (table, view, sequence, index:
    /// they share one namespace per schema, as in PostgreSQL).
    relations: HashMap<(String, String), Oid>,
    schemas: HashMap<String, Oid>,
    tables: HashMap<Oid, TableRef>,
    /// Role name -> oid.
    roles: HashMap<String, Oid>,
    /// Incremented on every committed change (plan caches check it).
    pub version: u64,
}

fn internal(e: impl std::fmt::Display) -> DbError {
    DbError::internal(e)
}

impl CatalogState {
    fn build(
        entries: HashMap<Oid, (Tid, Entry)>,
        storage: &Arc<Storage>,
        version: u64,
    ) -> Result<CatalogState, DbError> {
        let mut relations = HashMap::new();
        let mut schemas = HashMap::new();
        let mut roles = HashMap::new();
        let mut indexes: HashMap<Oid, Vec<IndexDef>> = HashMap::new();
        let mut constraints: HashMap<Oid, Vec<ConstraintDef>> = HashMap::new();
        for (_, e) in entries.values() {
            match e {
                Entry::Schema(s) => {
                    schemas.insert(s.name.clone(), s.oid);
                }
                Entry::Table(t) => {
                    relations.insert((t.schema.clone(), t.name.clone()), t.oid);
                }
                Entry::View(v) => {
                    relations.insert((v.schema.clone(), v.name.clone()), v.oid);
                }
                Entry::Sequence(s) => {
                    relations.insert((s.schema.clone(), s.name.clone()), s.oid);
                }
                Entry::Index(i) => {
                    relations.insert((i.schema.clone(), i.name.clone()), i.oid);
                    indexes.entry(i.table).or_default().push(i.clone());
                }
                Entry::Constraint(c) => constraints.entry(c.table).or_default().push(c.clone()),
                Entry::Role(r) => {
                    roles.insert(r.name.clone(), r.oid);
                }
            }
        }
        let mut tables = HashMap::new();
        for (_, e) in entries.values() {
            let Entry::Table(t) = e else { continue };
            let types = t
                .columns
                .iter()
                .map(|c| typename::parse_type_name(&c.ty))
                .collect::<Result<Vec<_>, _>>()?;
            let visible = (0..t.columns.len())
                .filter(|&i| !t.columns[i].dropped)
                .collect();
            let heap = HeapFile::open(storage, RelId(t.heap))?;
            let mut idx: Vec<IndexRef> = Vec::new();
            let mut defs = indexes.remove(&t.oid).unwrap_or_default();
            defs.sort_by_key(|d| (!d.primary, d.oid));
            for d in defs {
                let key_types = d.columns.iter().map(|c| types[c.column].clone()).collect();
                let btree = BTree::open(storage, RelId(d.rel))?;
                idx.push(Arc::new(IndexMeta {
                    def: d,
                    btree,
                    key_types,
                }));
            }
            let mut cons = constraints.remove(&t.oid).unwrap_or_default();
            cons.sort_by_key(|c| c.oid);
            tables.insert(
                t.oid,
                Arc::new(TableMeta {
                    def: t.clone(),
                    types,
                    visible,
                    heap,
                    indexes: idx,
                    constraints: cons,
                }),
            );
        }
        Ok(CatalogState {
            entries,
            relations,
            schemas,
            tables,
            roles,
            version,
        })
    }

    /// The object with `oid`.
    pub fn entry(&self, oid: Oid) -> Option<&Entry> {
        self.entries.get(&oid).map(|(_, e)| e)
    }

    /// Every object.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().map(|(_, e)| e)
    }

    /// The relation-like object named `name` in `schema`.
    pub fn relation(&self, schema: &str, name: &str) -> Option<&Entry> {
        let oid = self
            .relations
            .get(&(schema.to_string(), name.to_string()))?;
        self.entry(*oid)
    }

    /// Whether a schema exists.
    pub fn schema_oid(&self, name: &str) -> Option<Oid> {
        self.schemas.get(name).copied()
    }

    /// The table with `oid`.
    pub fn table_by_oid(&self, oid: Oid) -> Option<TableRef> {
        self.tables.get(&oid).cloned()
    }

    /// The table named `name` in `schema`.
    pub fn table(&self, schema: &str, name: &str) -> Option<TableRef> {
        match self.relation(schema, name)? {
            Entry::Table(t) => self.table_by_oid(t.oid),
            _ => None,
        }
    }

    /// Every table.
    pub fn tables(&self) -> impl Iterator<Item = &TableRef> {
        self.tables.values()
    }

    /// Foreign keys that reference table `oid`: `(referencing table, constraint)`.
    pub fn referencing(&self, oid: Oid) -> Vec<(TableRef, ConstraintDef)> {
        let mut out = Vec::new();
        for t in self.tables.values() {
            for c in &t.constraints {
                if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind
                    && *ref_table == oid
                {
                    out.push((t.clone(), c.clone()));
                }
            }
        }
        out
    }
}

/// One transaction's uncommitted catalog changes.
#[derive(Debug, Default, Clone)]
pub struct CatalogTxn {
    /// Changed objects: new or changed (Some) or dropped (None), with their row.
    changes: BTreeMap<Oid, Option<(Tid, Entry)>>,
    /// Relation files this transaction created (removed if it rolls back).
    created_rels: Vec<RelId>,
    /// Relation files of objects it dropped (removed once it commits).
    dropped_rels: Vec<RelId>,
    /// The committed state with the changes applied, built on demand.
    effective: Option<Arc<CatalogState>>,
}

impl CatalogTxn {
    /// Takes over `later`'s list of created relation files (after ROLLBACK TO a
    /// savepoint restored this earlier copy, files created since must still be removed
    /// if the transaction rolls back).
    pub fn adopt_created(&mut self, later: &CatalogTxn) {
        self.created_rels = later.created_rels.clone();
    }

    /// Whether the transaction changed the catalog.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.created_rels.is_empty() && self.dropped_rels.is_empty()
    }

    /// Records a relation file created by this transaction.
    pub fn created_relation(&mut self, rel: RelId) {
        self.created_rels.push(rel);
    }
}

/// The catalog. See the module documentation.
#[derive(Debug)]
pub struct Catalog {
    storage: Arc<Storage>,
    heap: HeapFile,
    committed: RwLock<Arc<CatalogState>>,
    next_oid: AtomicU32,
    version: AtomicU64,
}

impl Catalog {
    /// Opens the catalog, creating it in a new database, and removes relation files no
    /// committed object uses (left by a crash between a commit and its cleanup).
    pub fn open(storage: &Arc<Storage>, txns: &Arc<TxnManager>) -> Result<Catalog, DbError> {
        let fresh = !storage.relation_exists(CATALOG_REL);
        let heap = if fresh {
            HeapFile::create_with_id(storage, CATALOG_REL)?
        } else {
            HeapFile::open(storage, CATALOG_REL)?
        };
        let catalog = Catalog {
            storage: storage.clone(),
            heap,
            committed: RwLock::new(Arc::new(CatalogState::default())),
            next_oid: AtomicU32::new(FIRST_USER_OID),
            version: AtomicU64::new(1),
        };
        if fresh {
            let mut txn = txns.begin(IsolationLevel::ReadCommitted)?;
            txn.begin_statement(Some("bootstrap"))?;
            let public = Entry::Schema(SchemaDef {
                oid: PUBLIC_SCHEMA_OID,
                name: "public".into(),
            });
            catalog.heap_insert(&mut txn, &public)?;
            txn.end_statement();
            txn.commit()?;
        }
        catalog.reload(txns)?;
        catalog.bootstrap_roles(txns)?;
        catalog.remove_orphans()?;
        Ok(catalog)
    }

    fn heap_insert(&self, txn: &mut Transaction, e: &Entry) -> Result<Tid, DbError> {
        let bytes = serde_json::to_vec(e).map_err(internal)?;
        Ok(txn.insert(&self.heap, &bytes)?)
    }

    /// Reads the committed catalog from its heap.
    fn reload(&self, txns: &Arc<TxnManager>) -> Result<(), DbError> {
        let mut txn = txns.begin(IsolationLevel::ReadCommitted)?;
        txn.begin_statement(Some("catalog load"))?;
        let mut scan = txn.scan(&self.heap)?;
        let mut entries = HashMap::new();
        while let Some((tid, row)) = scan.next_row(&txn)? {
            let e: Entry = serde_json::from_slice(&row).map_err(|err| {
                DbError::from_template(
                    ErrorCode::DataCorrupted,
                    &[("what", &format!("catalog row {tid}")), ("reason", &err)],
                )
            })?;
            entries.insert(e.oid(), (tid, e));
        }
        txn.end_statement();
        txn.commit()?;
        let max = entries.keys().copied().max().unwrap_or(0);
        self.next_oid
            .fetch_max((max + 1).max(FIRST_USER_OID), Ordering::AcqRel);
        let v = self.version.fetch_add(1, Ordering::AcqRel) + 1;
        *self.committed.write() = Arc::new(CatalogState::build(entries, &self.storage, v)?);
        Ok(())
    }

    fn remove_orphans(&self) -> Result<(), DbError> {
        let state = self.committed();
        let mut used: HashSet<u32> = HashSet::new();
        for e in state.entries() {
            match e {
                Entry::Table(t) => {
                    used.insert(t.heap);
                }
                Entry::Index(i) => {
                    used.insert(i.rel);
                }
                Entry::Sequence(s) => {
                    used.insert(s.rel);
                }
                _ => {}
            }
        }
        for rel in self.storage.disk().list()? {
            if rel.0 >= FIRST_USER_REL && !used.contains(&rel.0) {
                tracing::info!(rel = %rel, "removing orphan relation file left by an interrupted transaction");
                self.storage.drop_relation(rel)?;
            }
        }
        Ok(())
    }

    /// The committed state.
    pub fn committed(&self) -> Arc<CatalogState> {
        self.committed.read().clone()
    }

    /// The catalog as transaction `ctx` sees it: committed plus its own changes.
    pub fn view(&self, ctx: &mut CatalogTxn) -> Result<Arc<CatalogState>, DbError> {
        if ctx.changes.is_empty() {
            return Ok(self.committed());
        }
        if let Some(e) = &ctx.effective {
            return Ok(e.clone());
        }
        let base = self.committed();
        let mut entries = base.entries.clone();
        for (oid, change) in &ctx.changes {
            match change {
                Some(row) => {
                    entries.insert(*oid, row.clone());
                }
                None => {
                    entries.remove(oid);
                }
            }
        }
        let state = Arc::new(CatalogState::build(entries, &self.storage, base.version)?);
        ctx.effective = Some(state.clone());
        Ok(state)
    }

    /// A fresh oid.
    pub fn new_oid(&self) -> Oid {
        self.next_oid.fetch_add(1, Ordering::AcqRel)
    }

    /// Locks a name for creation until the transaction ends, so two sessions cannot
    /// create the same relation.
    pub fn lock_name(
        &self,
        txn: &mut Transaction,
        schema: &str,
        name: &str,
    ) -> Result<(), DbError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (schema, name).hash(&mut h);
        txn.lock(LockTag::Key(CATALOG_REL, h.finish()), LockMode::X)?;
        Ok(())
    }

    /// Adds a new object in transaction `txn`.
    pub fn create(
        &self,
        txn: &mut Transaction,
        ctx: &mut CatalogTxn,
        e: Entry,
    ) -> Result<(), DbError> {
        let tid = self.heap_insert(txn, &e)?;
        ctx.changes.insert(e.oid(), Some((tid, e)));
        ctx.effective = None;
        Ok(())
    }

    fn current_row(&self, ctx: &CatalogTxn, oid: Oid) -> Option<(Tid, Entry)> {
        match ctx.changes.get(&oid) {
            Some(Some(row)) => Some(row.clone()),
            Some(None) => None,
            None => self.committed().entries.get(&oid).cloned(),
        }
    }

    /// Replaces an object's definition in transaction `txn`.
    pub fn alter(
        &self,
        txn: &mut Transaction,
        ctx: &mut CatalogTxn,
        e: Entry,
    ) -> Result<(), DbError> {
        let oid = e.oid();
        let (tid, _) = self
            .current_row(ctx, oid)
            .ok_or_else(|| internal(format!("catalog object {oid} vanished")))?;
        let bytes = serde_json::to_vec(&e).map_err(internal)?;
        let new_tid = match txn.update(&self.heap, tid, &bytes)? {
            rustydb_txn::WriteResult::Done(Some(t)) => t,
            other => return Err(concurrent_ddl(oid, other)),
        };
        ctx.changes.insert(oid, Some((new_tid, e)));
        ctx.effective = None;
        Ok(())
    }

    /// Drops an object in transaction `txn`; `rel`, if given, is its relation file,
    /// removed once the transaction commits.
    pub fn drop_object(
        &self,
        txn: &mut Transaction,
        ctx: &mut CatalogTxn,
        oid: Oid,
        rel: Option<RelId>,
    ) -> Result<(), DbError> {
        let (tid, _) = self
            .current_row(ctx, oid)
            .ok_or_else(|| internal(format!("catalog object {oid} vanished")))?;
        match txn.delete(&self.heap, tid)? {
            rustydb_txn::WriteResult::Done(_) => {}
            other => return Err(concurrent_ddl(oid, other)),
        }
        ctx.changes.insert(oid, None);
        ctx.effective = None;
        if let Some(r) = rel {
            ctx.dropped_rels.push(r);
        }
        Ok(())
    }

    /// After the transaction committed: publishes its changes and removes the files of
    /// what it dropped.
    pub fn after_commit(&self, txns: &Arc<TxnManager>, ctx: CatalogTxn) -> Result<(), DbError> {
        if ctx.is_empty() {
            return Ok(());
        }
        {
            let base = self.committed();
            let mut entries = base.entries.clone();
            for (oid, change) in ctx.changes {
                match change {
                    Some(row) => {
                        entries.insert(oid, row);
                    }
                    None => {
                        entries.remove(&oid);
                    }
                }
            }
            let v = self.version.fetch_add(1, Ordering::AcqRel) + 1;
            let state = CatalogState::build(entries, &self.storage, v)?;
            *self.committed.write() = Arc::new(state);
        }
        for rel in ctx.dropped_rels {
            txns.unregister_for_autovacuum(rel);
            self.storage.drop_relation(rel)?;
        }
        Ok(())
    }

    /// After the transaction rolled back: removes the files it created.
    pub fn after_rollback(&self, txns: &Arc<TxnManager>, ctx: CatalogTxn) {
        for rel in ctx.created_rels {
            txns.unregister_for_autovacuum(rel);
            if let Err(e) = self.storage.drop_relation(rel) {
                tracing::warn!(rel = %rel, error = %e, "could not remove the file of a rolled-back relation");
            }
        }
    }

    /// The storage engine.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }
}

fn concurrent_ddl(oid: Oid, what: rustydb_txn::WriteResult) -> DbError {
    DbError::new(
        ErrorCode::SerializationFailure,
        format!("could not serialize access due to concurrent update of catalog object {oid}"),
    )
    .with_detail(format!("{what:?}"))
}
