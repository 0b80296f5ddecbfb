//! Foreign keys: checks that referenced keys exist, and the referential actions of
//! referencing tables, fired at the end of the statement as PostgreSQL fires its
//! (non-deferrable) RI triggers. A statement may therefore insert a child before its
//! parent (data-modifying CTEs), or delete a parent and re-insert its key.
//!
//! Writing a row queues events in the runtime:
//!
//! * a row inserted, or updated with changed FK columns, none of them NULL (MATCH
//!   SIMPLE): **check** that the referenced table has the key;
//! * a row deleted, or updated with changed referenced columns: for every foreign key
//!   referencing the table, its **action**: NO ACTION and RESTRICT fail (23503) while a
//!   referencing row exists (NO ACTION not if the key exists again by then); CASCADE
//!   deletes the referencing rows or updates their columns to the new key; SET NULL and
//!   SET DEFAULT update them.
//!
//! Actions write through the same path as statements ([`super::modify`]), so they check
//! the referencing table's constraints and queue their own events; the queue is drained
//! until empty, which walks cascades to any depth.
//!
//! **Which rows count.** Existence is judged on live versions, not on the statement's
//! snapshot, as PostgreSQL's RI queries use the newest data: rows are found through an
//! index whose leading columns are the key columns when there is one (else by reading
//! the heap), and each candidate is confirmed with `conflicts_with_unique`, which waits
//! for a transaction still deciding the row's fate. A referenced row that satisfies a
//! check is locked FOR SHARE, so it cannot be deleted before this transaction ends.

use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::{Direction, Tid};
use rustydb_txn::{RowLockMode, WriteResult};

use super::Exec;
use super::constraints::key_text;
use super::eval::eval;
use super::index_scan::{encodes_like, entry_tid};
use super::modify::{self, Changed};
use super::scan::to_visible;
use crate::catalog::{ConstraintDef, ConstraintKind, FkAction, Oid, TableMeta, TableRef};
use crate::keys::{encode_key_prefix, prefix_successor};
use crate::row::decode_row;
use crate::types::compare::GroupKey;
use crate::types::{Value, cast};

/// Work queued by writes, done at the end of the statement.
#[derive(Debug)]
pub(crate) enum FkEvent {
    /// `table` has a row referencing `key` through `con`.
    Check {
        table: TableRef,
        con: ConstraintDef,
        key: Vec<Value>,
    },
    /// `parent` lost the key `old` (deleted: `new` is `None`; updated to `new`), which
    /// `child` references through `con`.
    Parent {
        parent: TableRef,
        child: TableRef,
        con: ConstraintDef,
        old: Vec<Value>,
        new: Option<Vec<Value>>,
    },
}

/// The statement's queue, and the referencing foreign keys of each table.
#[derive(Debug, Default)]
pub(crate) struct FkState {
    queue: VecDeque<FkEvent>,
    referencing: std::collections::HashMap<Oid, Arc<Vec<(TableRef, ConstraintDef)>>>,
}

/// The parts of a foreign key.
struct Fk<'c> {
    cols: &'c [usize],
    parent: Oid,
    ref_cols: &'c [usize],
    on_delete: FkAction,
    on_update: FkAction,
}

fn fk_parts(con: &ConstraintDef) -> Option<Fk<'_>> {
    match &con.kind {
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        } => Some(Fk {
            cols: columns,
            parent: *ref_table,
            ref_cols: ref_columns,
            on_delete: *on_delete,
            on_update: *on_update,
        }),
        _ => None,
    }
}

fn pick(stored: &[Value], cols: &[usize]) -> Vec<Value> {
    cols.iter()
        .map(|&c| stored.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

fn same(a: &[Value], b: &[Value]) -> bool {
    GroupKey(a.to_vec()) == GroupKey(b.to_vec())
}

/// Queues the checks of a new row.
pub(crate) fn row_inserted(ex: &mut Exec<'_, '_>, table: &TableRef, stored: &[Value]) {
    for con in &table.constraints {
        if let Some(fk) = fk_parts(con) {
            let key = pick(stored, fk.cols);
            if !key.iter().any(Value::is_null) {
                ex.rt.fk.queue.push_back(FkEvent::Check {
                    table: table.clone(),
                    con: con.clone(),
                    key,
                });
            }
        }
    }
}

/// Queues the checks and actions an update calls for.
pub(crate) fn row_updated(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    old: &[Value],
    new: &[Value],
) -> Result<(), DbError> {
    for con in &table.constraints {
        if let Some(fk) = fk_parts(con) {
            let key = pick(new, fk.cols);
            if !key.iter().any(Value::is_null) && !same(&key, &pick(old, fk.cols)) {
                ex.rt.fk.queue.push_back(FkEvent::Check {
                    table: table.clone(),
                    con: con.clone(),
                    key,
                });
            }
        }
    }
    queue_parent(ex, table, old, Some(new))
}

/// Queues the actions a delete calls for.
pub(crate) fn row_deleted(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    old: &[Value],
) -> Result<(), DbError> {
    queue_parent(ex, table, old, None)
}

fn queue_parent(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    old: &[Value],
    new: Option<&[Value]>,
) -> Result<(), DbError> {
    let oid = table.def.oid;
    let refs = match ex.rt.fk.referencing.get(&oid) {
        Some(r) => r.clone(),
        None => {
            let r = Arc::new(ex.cx.state.referencing(oid));
            ex.rt.fk.referencing.insert(oid, r.clone());
            r
        }
    };
    for (child, con) in refs.iter() {
        let Some(fk) = fk_parts(con) else { continue };
        let old_key = pick(old, fk.ref_cols);
        if old_key.iter().any(Value::is_null) {
            continue;
        }
        let new_key = new.map(|n| pick(n, fk.ref_cols));
        if new_key.as_ref().is_some_and(|k| same(k, &old_key)) {
            continue;
        }
        ex.rt.fk.queue.push_back(FkEvent::Parent {
            parent: table.clone(),
            child: child.clone(),
            con: con.clone(),
            old: old_key,
            new: new_key,
        });
    }
    Ok(())
}

/// Does the queued work, including what it queues in turn.
pub(crate) fn fire(ex: &mut Exec<'_, '_>) -> Result<(), DbError> {
    while let Some(ev) = ex.rt.fk.queue.pop_front() {
        ex.check_interrupts()?;
        match ev {
            FkEvent::Check { table, con, key } => check(ex, &table, &con, &key)?,
            FkEvent::Parent {
                parent,
                child,
                con,
                old,
                new,
            } => act(ex, &parent, &child, &con, &old, new)?,
        }
    }
    Ok(())
}

fn fk_error(message: String, detail: String) -> DbError {
    DbError::new(ErrorCode::ConstraintViolation, message)
        .with_sqlstate("23503")
        .with_detail(detail)
}

/// The referenced key `key` must exist: find it and lock it FOR SHARE.
fn check(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    con: &ConstraintDef,
    key: &[Value],
) -> Result<(), DbError> {
    let Some(Fk {
        cols,
        parent: ref_oid,
        ref_cols,
        ..
    }) = fk_parts(con)
    else {
        return Ok(());
    };
    let parent = ex.cx.state.table_by_oid(ref_oid).ok_or_else(|| {
        DbError::internal(format!(
            "foreign key {} references a missing table",
            con.name
        ))
    })?;
    for (mut tid, _) in live_rows(ex, &parent, ref_cols, key)? {
        loop {
            match ex.txn().lock_row(&parent.heap, tid, RowLockMode::Share)? {
                WriteResult::Done(_) => return Ok(()),
                WriteResult::Concurrent { newer: Some(n) } => {
                    match ex.txn().latest_version(&parent.heap, n)? {
                        Some((t, bytes))
                            if same(&pick(&decode_row(&bytes, &parent.types)?, ref_cols), key) =>
                        {
                            tid = t
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
        }
    }
    Err(fk_error(
        format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            table.def.name, con.name
        ),
        format!(
            "{} is not present in table \"{}\".",
            key_text(table, cols, key),
            parent.def.name
        ),
    ))
}

/// The action of `con` for the key `old` of `parent` going away.
fn act(
    ex: &mut Exec<'_, '_>,
    parent: &TableRef,
    child: &TableRef,
    con: &ConstraintDef,
    old: &[Value],
    new: Option<Vec<Value>>,
) -> Result<(), DbError> {
    let Some(Fk {
        cols,
        ref_cols,
        on_delete,
        on_update,
        ..
    }) = fk_parts(con)
    else {
        return Ok(());
    };
    let action = if new.is_some() { on_update } else { on_delete };
    if action == FkAction::NoAction && !live_rows(ex, parent, ref_cols, old)?.is_empty() {
        return Ok(());
    }
    let rows = live_rows(ex, child, cols, old)?;
    if rows.is_empty() {
        return Ok(());
    }
    let replacement: Option<Vec<Value>> = match action {
        FkAction::NoAction | FkAction::Restrict => {
            return Err(fk_error(
                format!(
                    "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                    parent.def.name, con.name, child.def.name
                ),
                format!(
                    "{} is still referenced from table \"{}\".",
                    key_text(parent, ref_cols, old),
                    child.def.name
                ),
            ));
        }
        FkAction::Cascade => new,
        FkAction::SetNull => Some(vec![Value::Null; cols.len()]),
        FkAction::SetDefault => Some(defaults(ex, child, cols)?),
    };
    for (tid, stored) in rows {
        match &replacement {
            None => apply(ex, child, tid, stored, cols, old, None)?,
            Some(values) => apply(ex, child, tid, stored, cols, old, Some(values))?,
        }
    }
    Ok(())
}

fn defaults(
    ex: &mut Exec<'_, '_>,
    table: &TableMeta,
    cols: &[usize],
) -> Result<Vec<Value>, DbError> {
    let mut out = Vec::with_capacity(cols.len());
    for &c in cols {
        let v = match ex.cx.table_exprs.column_default(table, c)? {
            Some(e) => eval(&e, &[], ex)?,
            None => Value::Null,
        };
        out.push(if v.is_null() {
            v
        } else {
            crate::types::cast::cast_assign(&v, &table.types[c])?
        });
    }
    Ok(out)
}

/// Deletes a referencing row (`set` = `None`) or sets its FK columns to `set`,
/// following concurrent updates while the row still references `key`.
fn apply(
    ex: &mut Exec<'_, '_>,
    child: &TableRef,
    mut tid: Tid,
    mut stored: Vec<Value>,
    cols: &[usize],
    key: &[Value],
    set: Option<&[Value]>,
) -> Result<(), DbError> {
    loop {
        let old = to_visible(child, stored.clone());
        let outcome = match set {
            None => modify::delete(ex, child, tid, &old)?,
            Some(values) => {
                let mut new_stored = stored.clone();
                for (&c, v) in cols.iter().zip(values) {
                    // The parent's key type may be wider than the referencing column's.
                    new_stored[c] = if v.is_null() {
                        Value::Null
                    } else {
                        cast::cast_assign(v, &child.types[c])?
                    };
                }
                modify::update(ex, child, tid, &old, &to_visible(child, new_stored))?
            }
        };
        match outcome {
            Changed::Concurrent(Some(n)) => match ex.txn().latest_version(&child.heap, n)? {
                Some((t, bytes)) => {
                    let row = decode_row(&bytes, &child.types)?;
                    if !same(&pick(&row, cols), key) {
                        return Ok(());
                    }
                    tid = t;
                    stored = row;
                }
                None => return Ok(()),
            },
            Changed::Done(_) | Changed::Concurrent(None) | Changed::Skipped => return Ok(()),
        }
    }
}

/// Live versions of `table` whose columns `cols` (storage positions) equal `key`.
fn live_rows(
    ex: &mut Exec<'_, '_>,
    table: &TableRef,
    cols: &[usize],
    key: &[Value],
) -> Result<Vec<(Tid, Vec<Value>)>, DbError> {
    ex.lock_relation(table.heap.rel(), false)?;
    let mut candidates: Vec<Tid> = Vec::new();
    let index = table.indexes.iter().find(|i| {
        i.def.columns.len() >= cols.len() && {
            let mut lead: Vec<usize> = i.def.columns[..cols.len()]
                .iter()
                .map(|c| c.column)
                .collect();
            let mut want = cols.to_vec();
            lead.sort_unstable();
            want.sort_unstable();
            lead == want
        }
    });
    // The key in the index's column order, if it encodes like the index's values (a
    // referencing int4 column may point at an int8 key: widen it first).
    let probe = index.and_then(|index| {
        let lead = &index.def.columns[..cols.len()];
        let values: Option<Vec<Value>> = lead
            .iter()
            .zip(&index.key_types)
            .map(|(c, ty)| {
                let v = cols.iter().position(|&k| k == c.column).map(|p| &key[p])?;
                let v = if encodes_like(v, ty) {
                    v.clone()
                } else {
                    cast::cast(v, ty).ok()?
                };
                encodes_like(&v, ty).then_some(v)
            })
            .collect();
        values.map(|v| (index, v))
    });
    match probe {
        Some((index, values)) => {
            let desc: Vec<bool> = index.def.columns[..cols.len()]
                .iter()
                .map(|c| c.desc)
                .collect();
            let mut prefix = Vec::new();
            encode_key_prefix(&values, &desc, &mut prefix);
            let upper = prefix_successor(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
            let mut cursor = index
                .btree
                .range(Bound::Included(prefix), upper, Direction::Forward);
            while let Some((k, _)) = cursor.next()? {
                candidates.push(entry_tid(&k)?);
            }
        }
        None => {
            let mut scan = table.heap.scan();
            let mut seen = 0usize;
            while let Some((tid, tuple)) = scan.next_tuple()? {
                seen += 1;
                if seen.is_multiple_of(1024) {
                    ex.check_interrupts()?;
                }
                // Every version, dead ones included: liveness is decided below.
                let Ok(row) = decode_row(rustydb_txn::tuple::row_of(&tuple), &table.types) else {
                    continue;
                };
                if same(&pick(&row, cols), key) {
                    candidates.push(tid);
                }
            }
        }
    }
    let mut out = Vec::new();
    for tid in candidates {
        let bytes = table
            .heap
            .with_tuple(tid, |t| rustydb_txn::tuple::row_of(t).to_vec())?;
        let Some(bytes) = bytes else { continue };
        let Ok(row) = decode_row(&bytes, &table.types) else {
            continue;
        };
        if same(&pick(&row, cols), key) && ex.txn().conflicts_with_unique(&table.heap, tid)? {
            out.push((tid, row));
        }
    }
    Ok(out)
}
