//! Row constraints checked as each row is written: assignment casts, NOT NULL, CHECK,
//! and unique indexes; with PostgreSQL's messages, SQLSTATEs and details.
//!
//! **Uniqueness** is checked against the index, not the snapshot: a key may be inserted
//! only if no *live* version holds it, whoever wrote it. The writer takes an exclusive
//! lock on the hashed key (held to the end of its transaction, so a concurrent inserter
//! of the same key queues behind it), then looks at every entry with that key:
//! `Transaction::conflicts_with_unique` says whether its version is live, waiting for a
//! transaction still deciding its fate, exactly as PostgreSQL waits on a conflicting
//! in-progress insert. A key with a NULL never conflicts (NULLs are distinct).
//!
//! ```text
//!   lock Key(index, hash(k)) X ──▶ entries k||tid* ──▶ live version? ── yes ─▶ 23505
//!                                                          │ no
//!                                                          ▼
//!                                    heap insert ──▶ add k||tid in every index
//! ```

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Bound;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::{Direction, Tid};
use rustydb_txn::lock::{LockMode, LockTag};

use super::eval::eval;
use super::index_scan::entry_tid;
use super::{Exec, Row};
use crate::catalog::{IndexMeta, TableMeta};
use crate::keys::prefix_successor;
use crate::types::text::format_value;
use crate::types::{Value, cast};

/// Casts each value to its column's type, as assignment does (`'abc'` into
/// `varchar(2)` is 22001).
pub(crate) fn assign_types(table: &TableMeta, row: Row) -> Result<Row, DbError> {
    row.into_iter()
        .zip(&table.visible)
        .map(|(v, &pos)| {
            if v.is_null() {
                Ok(v)
            } else {
                cast::cast_assign(&v, &table.types[pos])
            }
        })
        .collect()
}

/// Values as PostgreSQL's details print them: `1, null, abc`.
fn values_text(values: &[Value]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|v| {
            if v.is_null() {
                "null".into()
            } else {
                format_value(v)
            }
        })
        .collect();
    parts.join(", ")
}

/// `(1, null)`, as the "Failing row contains" detail prints a row.
pub(crate) fn row_text(row: &[Value]) -> String {
    format!("({})", values_text(row))
}

fn violation(sqlstate: &'static str, message: String) -> DbError {
    DbError::new(ErrorCode::ConstraintViolation, message).with_sqlstate(sqlstate)
}

/// NOT NULL and CHECK constraints of `table` on the visible `row`.
pub(crate) fn check_row(
    ex: &mut Exec<'_, '_>,
    table: &TableMeta,
    row: &[Value],
) -> Result<(), DbError> {
    for (v, &pos) in row.iter().zip(&table.visible) {
        let col = &table.def.columns[pos];
        if col.not_null && v.is_null() {
            return Err(violation(
                "23502",
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    col.name, table.def.name
                ),
            )
            .with_detail(format!("Failing row contains {}.", row_text(row))));
        }
    }
    let checks = ex.checks(table)?;
    for c in checks.iter() {
        // Only FALSE fails: a CHECK that is NULL passes.
        if eval(&c.expr, row, ex)? == Value::Bool(false) {
            return Err(violation(
                "23514",
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    table.def.name, c.name
                ),
            )
            .with_detail(format!("Failing row contains {}.", row_text(row))));
        }
    }
    Ok(())
}

/// `Key (a, b)=(1, 2)` for columns at storage positions `cols` with `values`.
pub(crate) fn key_text(table: &TableMeta, cols: &[usize], values: &[Value]) -> String {
    let names: Vec<&str> = cols
        .iter()
        .map(|&c| table.def.columns[c].name.as_str())
        .collect();
    format!("Key ({})=({})", names.join(", "), values_text(values))
}

/// The index's key columns of a stored row.
pub(crate) fn key_values(index: &IndexMeta, stored: &[Value]) -> Vec<Value> {
    index
        .def
        .columns
        .iter()
        .map(|c| stored.get(c.column).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The encoded key of a stored row in `index` (without the tuple id).
pub(crate) fn encode_index_key(index: &IndexMeta, stored: &[Value]) -> Vec<u8> {
    let desc: Vec<bool> = index.def.columns.iter().map(|c| c.desc).collect();
    let mut out = Vec::new();
    crate::keys::encode_key(&key_values(index, stored), &desc, &mut out);
    out
}

/// 23505 for a duplicate of `values` in unique index `index`.
pub(crate) fn duplicate_key(table: &TableMeta, index: &IndexMeta, values: &[Value]) -> DbError {
    let cols: Vec<usize> = index.def.columns.iter().map(|c| c.column).collect();
    violation(
        "23505",
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            index.def.name
        ),
    )
    .with_detail(format!(
        "{} already exists.",
        key_text(table, &cols, values)
    ))
}

/// Locks `key` of `index` for this transaction (serialising writers of one key).
pub(crate) fn lock_key(
    ex: &mut Exec<'_, '_>,
    index: &IndexMeta,
    key: &[u8],
) -> Result<(), DbError> {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    ex.txn()
        .lock(LockTag::Key(index.btree.rel(), h.finish()), LockMode::X)?;
    Ok(())
}

/// The tuple ids of every entry of `index` whose key is exactly `key`.
pub(crate) fn entries_with_key(index: &IndexMeta, key: &[u8]) -> Result<Vec<Tid>, DbError> {
    let upper = prefix_successor(key).map_or(Bound::Unbounded, Bound::Excluded);
    let mut cursor = index
        .btree
        .range(Bound::Included(key.to_vec()), upper, Direction::Forward);
    let mut out = Vec::new();
    while let Some((k, _)) = cursor.next()? {
        if k.len() == key.len() + Tid::ENCODED_LEN && k.starts_with(key) {
            out.push(entry_tid(&k)?);
        }
    }
    Ok(out)
}

/// A live version other than `skip` holding `key` in unique index `index`, after
/// locking the key. The caller checked that the key has no NULL.
pub(crate) fn find_duplicate(
    ex: &mut Exec<'_, '_>,
    table: &TableMeta,
    index: &IndexMeta,
    key: &[u8],
    skip: Option<Tid>,
) -> Result<Option<Tid>, DbError> {
    lock_key(ex, index, key)?;
    for tid in entries_with_key(index, key)? {
        if Some(tid) != skip && ex.txn().conflicts_with_unique(&table.heap, tid)? {
            return Ok(Some(tid));
        }
    }
    Ok(None)
}
