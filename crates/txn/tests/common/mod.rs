//! Shared fixtures for the transaction tests: a storage engine in a temporary directory, a
//! transaction manager on it, and a two-column test table `(id u32, value i64)`.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustydb_storage::{HeapFile, Storage, StorageOptions, Tid};
use rustydb_txn::{IsolationLevel, Transaction, TxnConfig, TxnManager, WriteResult};

pub struct Db {
    pub dir: tempfile::TempDir,
    pub storage: Arc<Storage>,
    pub mgr: Arc<TxnManager>,
}

pub fn options(path: &Path) -> StorageOptions {
    let mut o = StorageOptions::new(path);
    o.buffer_pool_pages = 256;
    o.background = false;
    o
}

pub fn config() -> TxnConfig {
    TxnConfig {
        deadlock_timeout: Duration::from_millis(50),
        autovacuum: false,
        ..TxnConfig::default()
    }
}

pub fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::open(options(dir.path())).unwrap();
    let mgr = TxnManager::open(&storage, config()).unwrap();
    Db { dir, storage, mgr }
}

pub fn encode(id: u32, value: i64) -> Vec<u8> {
    let mut r = id.to_le_bytes().to_vec();
    r.extend_from_slice(&value.to_le_bytes());
    r
}

pub fn decode(row: &[u8]) -> (u32, i64) {
    (
        u32::from_le_bytes(row[..4].try_into().unwrap()),
        i64::from_le_bytes(row[4..12].try_into().unwrap()),
    )
}

/// Runs `f` as one statement of `txn`.
pub fn stmt<R>(txn: &mut Transaction, f: impl FnOnce(&mut Transaction) -> R) -> R {
    txn.begin_statement(None).unwrap();
    let r = f(txn);
    txn.end_statement();
    r
}

/// Every visible row, sorted by id.
pub fn read_all(txn: &mut Transaction, heap: &HeapFile) -> Vec<(u32, i64)> {
    stmt(txn, |t| {
        let mut scan = t.scan(heap).unwrap();
        let mut out = Vec::new();
        while let Some((_, row)) = scan.next_row(t).unwrap() {
            out.push(decode(&row));
        }
        out.sort();
        out
    })
}

/// The visible version of row `id`.
pub fn find(txn: &mut Transaction, heap: &HeapFile, id: u32) -> Option<(Tid, i64)> {
    let mut scan = txn.scan(heap).unwrap();
    while let Some((tid, row)) = scan.next_row(txn).unwrap() {
        let (i, v) = decode(&row);
        if i == id {
            return Some((tid, v));
        }
    }
    None
}

/// `UPDATE t SET value = f(value) WHERE id = id` with READ COMMITTED's re-check: returns
/// the number of rows updated, or the error.
pub fn update_where_id(
    txn: &mut Transaction,
    heap: &HeapFile,
    id: u32,
    f: impl Fn(i64) -> i64,
) -> rustydb_txn::Result<usize> {
    txn.begin_statement(None)?;
    let r = (|| {
        let Some((mut tid, mut value)) = find(txn, heap, id) else {
            return Ok(0);
        };
        loop {
            match txn.update(heap, tid, &encode(id, f(value)))? {
                WriteResult::Done(_) => return Ok(1),
                WriteResult::Concurrent { newer: Some(n) } => match txn.latest_version(heap, n)? {
                    Some((t, row)) => {
                        let (i, v) = decode(&row);
                        if i != id {
                            return Ok(0);
                        }
                        tid = t;
                        value = v;
                    }
                    None => return Ok(0),
                },
                WriteResult::Concurrent { newer: None }
                | WriteResult::Gone
                | WriteResult::SelfModified => {
                    return Ok(0);
                }
            }
        }
    })();
    txn.end_statement();
    r
}

/// Creates the hermitage table: rows (1, 10) and (2, 20), committed.
pub fn hermitage_table(db: &Db) -> HeapFile {
    let heap = HeapFile::create(&db.storage).unwrap();
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    stmt(&mut t, |t| {
        t.insert(&heap, &encode(1, 10)).unwrap();
        t.insert(&heap, &encode(2, 20)).unwrap();
    });
    t.commit().unwrap();
    heap
}

// ---- SQL statements of the hermitage and bank tests ------------------------------------
//
// `WHERE id = n` goes through the primary key, emulated the way an index scan works: every
// version of the row is a candidate (found with a raw heap scan, which records nothing),
// and the transaction's `fetch` keeps the one its snapshot sees, so SERIALIZABLE records a
// read of that version only. Every other predicate is a sequential scan, recorded as a
// read of the whole table. Writers re-check the newest version of a row a concurrent
// transaction changed and committed (READ COMMITTED's EvalPlanQual): UPDATE applies its
// expression to that version if it still matches the predicate, DELETE deletes it if it
// still matches.

/// A row of the test table.
pub type Row = (u32, i64);

/// Runs `f` as one statement: a failed statement fails the transaction, as in
/// PostgreSQL.
pub fn statement<R>(
    txn: &mut Transaction,
    f: impl FnOnce(&mut Transaction) -> rustydb_txn::Result<R>,
) -> rustydb_txn::Result<R> {
    txn.begin_statement(None)?;
    let r = f(txn);
    txn.end_statement();
    if r.is_err() {
        txn.mark_failed();
    }
    r
}

/// Every version of row `id` in the heap, whoever wrote it: what a primary-key index
/// holds for the key.
pub fn versions_of(heap: &HeapFile, id: u32) -> Vec<Tid> {
    let mut scan = heap.scan();
    let mut out = Vec::new();
    while let Some((tid, tuple)) = scan.next_tuple().unwrap() {
        let row = rustydb_txn::tuple::row_of(&tuple);
        if row.len() >= 12 && decode(row).0 == id {
            out.push(tid);
        }
    }
    out
}

/// The version of row `id` the current statement sees, through the primary key.
fn lookup(
    txn: &mut Transaction,
    heap: &HeapFile,
    id: u32,
) -> rustydb_txn::Result<Option<(Tid, i64)>> {
    for tid in versions_of(heap, id) {
        if let Some(row) = txn.fetch(heap, tid)? {
            let (i, v) = decode(&row);
            if i == id {
                return Ok(Some((tid, v)));
            }
        }
    }
    Ok(None)
}

/// `SELECT value FROM test WHERE id = $id`.
pub fn select_by_id(
    txn: &mut Transaction,
    heap: &HeapFile,
    id: u32,
) -> rustydb_txn::Result<Option<i64>> {
    statement(txn, |t| Ok(lookup(t, heap, id)?.map(|(_, v)| v)))
}

fn scan_where(
    txn: &mut Transaction,
    heap: &HeapFile,
    pred: &dyn Fn(u32, i64) -> bool,
) -> rustydb_txn::Result<Vec<(Tid, Row)>> {
    let mut scan = txn.scan(heap)?;
    let mut out = Vec::new();
    while let Some((tid, row)) = scan.next_row(txn)? {
        let (id, v) = decode(&row);
        if pred(id, v) {
            out.push((tid, (id, v)));
        }
    }
    out.sort_by_key(|(_, r)| *r);
    Ok(out)
}

/// `SELECT * FROM test WHERE pred` (a sequential scan), sorted by id.
pub fn select_where(
    txn: &mut Transaction,
    heap: &HeapFile,
    pred: impl Fn(u32, i64) -> bool,
) -> rustydb_txn::Result<Vec<Row>> {
    statement(txn, |t| {
        Ok(scan_where(t, heap, &pred)?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    })
}

/// `SELECT * FROM test`, sorted by id.
pub fn select_all(txn: &mut Transaction, heap: &HeapFile) -> rustydb_txn::Result<Vec<Row>> {
    select_where(txn, heap, |_, _| true)
}

/// `INSERT INTO test VALUES (id, value)`.
pub fn insert_row(
    txn: &mut Transaction,
    heap: &HeapFile,
    id: u32,
    value: i64,
) -> rustydb_txn::Result<()> {
    statement(txn, |t| t.insert(heap, &encode(id, value)).map(|_| ()))
}

/// Changes one version (`Some(f)`: update with `f`; `None`: delete), following concurrent
/// committed updates while the newest version still satisfies `pred`. Returns whether a
/// row was changed.
fn write_row(
    txn: &mut Transaction,
    heap: &HeapFile,
    mut tid: Tid,
    (id, mut value): Row,
    pred: &dyn Fn(u32, i64) -> bool,
    f: Option<&dyn Fn(i64) -> i64>,
) -> rustydb_txn::Result<bool> {
    loop {
        let result = match f {
            Some(f) => txn.update(heap, tid, &encode(id, f(value)))?,
            None => txn.delete(heap, tid)?,
        };
        match result {
            WriteResult::Done(_) => return Ok(true),
            WriteResult::Concurrent { newer: Some(n) } => match txn.latest_version(heap, n)? {
                Some((t, row)) => {
                    let (i, v) = decode(&row);
                    if i != id || !pred(i, v) {
                        return Ok(false);
                    }
                    tid = t;
                    value = v;
                }
                None => return Ok(false),
            },
            WriteResult::Concurrent { newer: None }
            | WriteResult::Gone
            | WriteResult::SelfModified => {
                return Ok(false);
            }
        }
    }
}

/// `UPDATE test SET value = f(value) WHERE id = $id`, through the primary key. Returns
/// the number of rows updated.
pub fn update_by_id(
    txn: &mut Transaction,
    heap: &HeapFile,
    id: u32,
    f: impl Fn(i64) -> i64,
) -> rustydb_txn::Result<usize> {
    statement(txn, |t| {
        let Some((tid, v)) = lookup(t, heap, id)? else {
            return Ok(0);
        };
        let changed = write_row(t, heap, tid, (id, v), &|i, _| i == id, Some(&f))?;
        Ok(usize::from(changed))
    })
}

/// `UPDATE test SET value = f(value) WHERE pred` (a sequential scan). Returns the number
/// of rows updated.
pub fn update_where(
    txn: &mut Transaction,
    heap: &HeapFile,
    pred: impl Fn(u32, i64) -> bool,
    f: impl Fn(i64) -> i64,
) -> rustydb_txn::Result<usize> {
    statement(txn, |t| {
        let mut n = 0;
        for (tid, row) in scan_where(t, heap, &pred)? {
            n += usize::from(write_row(t, heap, tid, row, &pred, Some(&f))?);
        }
        Ok(n)
    })
}

/// `DELETE FROM test WHERE pred` (a sequential scan). Returns the number of rows deleted.
pub fn delete_where(
    txn: &mut Transaction,
    heap: &HeapFile,
    pred: impl Fn(u32, i64) -> bool,
) -> rustydb_txn::Result<usize> {
    statement(txn, |t| {
        let mut n = 0;
        for (tid, row) in scan_where(t, heap, &pred)? {
            n += usize::from(write_row(t, heap, tid, row, &pred, None)?);
        }
        Ok(n)
    })
}

/// The table as a new transaction sees it.
pub fn committed_rows(db: &Db, heap: &HeapFile) -> Vec<Row> {
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let rows = select_all(&mut t, heap).unwrap();
    t.commit().unwrap();
    rows
}

/// Waits until transaction `xid` waits for a lock, which the step running in `step` must
/// make it do. Panics if the step finishes instead (it did not block), or if nothing
/// happens for a minute (a hang, not a timing assertion).
pub fn wait_until_blocked<T>(
    mgr: &TxnManager,
    xid: rustydb_txn::Xid,
    step: &std::thread::ScopedJoinHandle<'_, T>,
) {
    let since = std::time::Instant::now();
    while !mgr.locks().waits().iter().any(|w| w.waiter == xid) {
        assert!(
            !step.is_finished(),
            "transaction {xid}: the step finished without blocking"
        );
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "transaction {xid} neither blocked nor finished in a minute"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Asserts `e` is a serialization failure (ERR-TXN-003 / 40001) whose message contains
/// `why`.
pub fn assert_serialization_failure(e: rustydb_txn::TxnError, why: &str) {
    assert!(e.is_retryable(), "{e}");
    let db: rustydb_common::DbError = e.into();
    assert_eq!(
        (db.code().id(), db.sqlstate()),
        ("ERR-TXN-003", "40001"),
        "{db}"
    );
    assert!(
        db.message()
            .starts_with("could not serialize access due to")
            && db.message().contains(why),
        "{db}"
    );
}
