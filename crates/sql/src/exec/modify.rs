//! Writing one row version: the path every INSERT, UPDATE and DELETE takes, whether it
//! comes from a statement, an `ON CONFLICT DO UPDATE`, or a foreign-key action.
//!
//! * **insert**: NOT NULL and CHECK; for each unique index, lock the key and look for a
//!   live duplicate (reported back, so ON CONFLICT can decide); heap insert; one entry
//!   `key || tid` per index; queue the foreign-key checks of the new row.
//! * **update**: NOT NULL and CHECK on the new values; `Transaction::update`, which may
//!   report a concurrent change for the caller to re-check; then an entry for the new
//!   version in every index (versions are never updated in place, so every index needs
//!   one), checking uniqueness when the key changed; queue foreign-key work.
//! * **delete**: `Transaction::delete`; queue the actions of referencing tables.
//!
//! Index entries are never removed here: the old version's entries stay until vacuum
//! removes the version, and a scan that finds them fetches a version it cannot see.
//!
//! Rows are passed as the table's *visible* columns in order; the stored form adds
//! NULLs for dropped columns.

use rustydb_common::DbError;
use rustydb_storage::{RecordMeta, Tid};
use rustydb_txn::WriteResult;

use super::constraints::{check_row, duplicate_key, encode_index_key, find_duplicate, key_values};
use super::scan::to_stored;
use super::{Batch, BoxOp, Buffered, Exec, Operator, Row, fk};
use crate::catalog::{IndexMeta, IndexRef, TableRef};
use crate::row::encode_row;
use crate::types::Value;

/// The B+tree key of the entry for the stored row `stored` at `tid` in `index`:
/// `encode_key(key columns) || tid`. Building an index over existing rows must use the
/// same form.
pub fn index_entry_key(index: &IndexMeta, stored: &[Value], tid: Tid) -> Vec<u8> {
    let mut k = encode_index_key(index, stored);
    k.extend_from_slice(&tid.encode());
    k
}

/// INSERT, UPDATE and DELETE: run whole on the first batch (as PostgreSQL's
/// ModifyTable), returning the RETURNING rows.
pub(crate) trait Modify: std::fmt::Debug + Send {
    /// Does every write; the RETURNING rows.
    fn run(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError>;
    /// Rows written (the command tag's count).
    fn affected(&self) -> u64;
}

/// The operator of a [`Modify`].
#[derive(Debug)]
pub(crate) struct ModifyOp<M> {
    inner: M,
    output: Buffered,
}

impl<M: Modify> ModifyOp<M> {
    pub(crate) fn boxed(inner: M) -> BoxOp
    where
        M: 'static,
    {
        Box::new(ModifyOp {
            inner,
            output: Buffered::default(),
        })
    }
}

impl<M: Modify> Operator for ModifyOp<M> {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if !self.output.is_filled() {
            let rows = self.inner.run(ex)?;
            self.output.fill(rows);
        }
        Ok(self.output.next_batch())
    }

    fn rows_affected(&self) -> Option<u64> {
        Some(self.inner.affected())
    }
}

/// The outcome of changing an existing version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Changed {
    /// Done; for an update, the new version.
    Done(Option<Tid>),
    /// A concurrent transaction changed the row first (READ COMMITTED): its newer
    /// version, `None` if it deleted the row.
    Concurrent(Option<Tid>),
    /// Already changed by this transaction, or gone: skip the row.
    Skipped,
}

fn changed(r: WriteResult) -> Changed {
    match r {
        WriteResult::Done(t) => Changed::Done(t),
        WriteResult::Concurrent { newer } => Changed::Concurrent(newer),
        WriteResult::SelfModified | WriteResult::Gone => Changed::Skipped,
    }
}

fn encode(stored: &[Value]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64);
    encode_row(stored, &mut bytes);
    bytes
}

/// Adds the entries of the version `tid` to every index. With `old` (an update), the
/// uniqueness of a key is checked only if it changed: an unchanged key belongs to the
/// old version, which this transaction just replaced.
fn add_index_entries(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    stored: &[Value],
    tid: Tid,
    old: Option<&[Value]>,
) -> Result<(), DbError> {
    for index in &table.indexes {
        let key = encode_index_key(index, stored);
        let values = key_values(index, stored);
        // Inserts checked before writing the heap; updates check keys that changed.
        let recheck = old.is_some_and(|o| key_values(index, o) != values);
        if index.def.unique
            && recheck
            && !values.iter().any(Value::is_null)
            && find_duplicate(ex, table, index, &key, Some(tid))?.is_some()
        {
            return Err(duplicate_key(table, index, &values));
        }
        let mut entry = key;
        entry.extend_from_slice(&tid.encode());
        let meta = RecordMeta::xid(ex.cx.txn.xid());
        index.btree.insert(&entry, &[], meta)?;
        ex.txn().note_index_write(index.btree.rel(), &entry);
    }
    Ok(())
}

/// Inserts `row` (visible columns, already cast) into `table`. `Err`-free conflicts come
/// back as `Ok(Err((index, tid)))`: the unique index and the live version holding the
/// key, with nothing written.
pub(crate) fn insert(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    row: &[Value],
) -> Result<Result<Tid, (IndexRef, Tid)>, DbError> {
    ex.lock_relation(table.heap.rel(), true)?;
    check_row(ex, table, row)?;
    let stored = to_stored(table, row);
    for index in table.indexes.iter().filter(|i| i.def.unique) {
        let values = key_values(index, &stored);
        if values.iter().any(Value::is_null) {
            continue;
        }
        let key = encode_index_key(index, &stored);
        if let Some(tid) = find_duplicate(ex, table, index, &key, None)? {
            return Ok(Err((index.clone(), tid)));
        }
    }
    let tid = ex.txn().insert(&table.heap, &encode(&stored))?;
    add_index_entries(ex, table, &stored, tid, None)?;
    fk::row_inserted(ex, table, &stored);
    Ok(Ok(tid))
}

/// Replaces the version `tid` (whose values were `old`) with `new`.
pub(crate) fn update(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    tid: Tid,
    old: &[Value],
    new: &[Value],
) -> Result<Changed, DbError> {
    ex.lock_relation(table.heap.rel(), true)?;
    check_row(ex, table, new)?;
    let stored = to_stored(table, new);
    let result = changed(ex.txn().update(&table.heap, tid, &encode(&stored))?);
    if let Changed::Done(Some(nt)) = result {
        let old_stored = to_stored(table, old);
        add_index_entries(ex, table, &stored, nt, Some(&old_stored))?;
        fk::row_updated(ex, table, &old_stored, &stored)?;
    }
    Ok(result)
}

/// Deletes the version `tid` (whose values were `old`).
pub(crate) fn delete(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    tid: Tid,
    old: &[Value],
) -> Result<Changed, DbError> {
    ex.lock_relation(table.heap.rel(), true)?;
    let result = changed(ex.txn().delete(&table.heap, tid)?);
    if let Changed::Done(_) = result {
        fk::row_deleted(ex, table, &to_stored(table, old))?;
    }
    Ok(result)
}
