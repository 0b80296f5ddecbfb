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
