//! The bank that is killed mid-transfer: twenty accounts and one transfer counter per
//! worker in a heap with a fixed relation id. Each transfer moves an amount between two
//! accounts and adds one to its worker's counter, in one transaction; the child prints
//! `ACK <worker> <counter>` once the commit returned, so the parent knows a lower bound
//! for every counter, and the accounts must always add up to [`TOTAL`].
//!
//! Accounts are found through an in-memory index of every version of each row (built
//! by a raw scan at start, extended by every update), newest first; `fetch` keeps the
//! version the transaction's snapshot sees.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rustydb_storage::{HeapFile, RelId, Storage, StorageOptions, Tid};
use rustydb_txn::tuple::row_of;
use rustydb_txn::{IsolationLevel, Transaction, TxnConfig, TxnManager, WriteResult};

/// The accounts heap.
pub const ACCOUNTS_REL: RelId = RelId(1100);
/// Accounts `0..ACCOUNTS`.
pub const ACCOUNTS: u32 = 20;
/// Every account's opening balance.
pub const INITIAL_BALANCE: i64 = 1_000;
/// What the accounts always add up to.
pub const TOTAL: i64 = ACCOUNTS as i64 * INITIAL_BALANCE;
/// Transfer threads of the child.
pub const WORKERS: u32 = 4;
/// Row id of worker `w`'s counter: `COUNTER_BASE + w`.
pub const COUNTER_BASE: u32 = 100;

/// A row: id and value.
pub fn encode(id: u32, value: i64) -> Vec<u8> {
    let mut r = id.to_le_bytes().to_vec();
    r.extend_from_slice(&value.to_le_bytes());
    r
}

/// The id and value of a row.
pub fn decode(row: &[u8]) -> (u32, i64) {
    (
        u32::from_le_bytes(row[..4].try_into().expect("4 bytes")),
        i64::from_le_bytes(row[4..12].try_into().expect("8 bytes")),
    )
}

/// How the child and the checker open the data directory.
pub fn options(dir: &Path) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = 1024;
    o.background = false;
    o
}

/// Transaction settings: quick deadlock detection, no autovacuum (the index below is
/// not told about removed versions).
pub fn config() -> TxnConfig {
    TxnConfig {
        deadlock_timeout: Duration::from_millis(20),
        autovacuum: false,
        ..TxnConfig::default()
    }
}

/// Creates the accounts and counters in a new data directory and shuts it down cleanly.
pub fn init(dir: &Path) -> rustydb_txn::Result<()> {
    let storage = Storage::open(options(dir))?;
    let mgr = TxnManager::open(&storage, config())?;
    let heap = HeapFile::create_with_id(&storage, ACCOUNTS_REL)?;
    let mut t = mgr.begin(IsolationLevel::ReadCommitted)?;
    t.begin_statement(None)?;
    for id in 0..ACCOUNTS {
        t.insert(&heap, &encode(id, INITIAL_BALANCE))?;
    }
    for w in 0..WORKERS {
        t.insert(&heap, &encode(COUNTER_BASE + w, 0))?;
    }
    t.end_statement();
    t.commit()?;
    mgr.shutdown();
    drop(heap);
    storage.shutdown()?;
    Ok(())
}

/// Every committed row, sorted by id, as a new transaction sees them.
pub fn committed_rows(
    mgr: &Arc<TxnManager>,
    heap: &HeapFile,
) -> rustydb_txn::Result<Vec<(u32, i64)>> {
    let mut t = mgr.begin(IsolationLevel::ReadCommitted)?;
    t.begin_statement(None)?;
    let mut scan = t.scan(heap)?;
    let mut rows = Vec::new();
    while let Some((_, row)) = scan.next_row(&t)? {
        rows.push(decode(&row));
    }
    t.end_statement();
    t.commit()?;
    rows.sort_unstable();
    Ok(rows)
}

/// The bank as the child works on it.
#[derive(Debug)]
pub struct Bank {
    /// The transaction manager.
    pub mgr: Arc<TxnManager>,
    heap: HeapFile,
    versions: Mutex<HashMap<u32, Vec<Tid>>>,
}

impl Bank {
    /// Opens the bank, indexing every version of every row in the heap.
    pub fn open(mgr: Arc<TxnManager>) -> rustydb_txn::Result<Bank> {
        let heap = HeapFile::open(mgr.storage(), ACCOUNTS_REL)?;
        let mut versions: HashMap<u32, Vec<Tid>> = HashMap::new();
        let mut scan = heap.scan();
        while let Some((tid, tuple)) = scan.next_tuple()? {
            let row = row_of(&tuple);
            if row.len() >= 12 {
                versions.entry(decode(row).0).or_default().push(tid);
            }
        }
        Ok(Bank {
            mgr,
            heap,
            versions: Mutex::new(versions),
        })
    }

    fn lookup(&self, t: &mut Transaction, id: u32) -> rustydb_txn::Result<(Tid, i64)> {
        let candidates: Vec<Tid> = self
            .versions
            .lock()
            .get(&id)
            .into_iter()
            .flatten()
            .rev()
            .copied()
            .collect();
        for tid in candidates {
            if let Some(row) = t.fetch(&self.heap, tid)? {
                return Ok((tid, decode(&row).1));
            }
        }
        panic!("row {id} is not visible to transaction {}", t.xid());
    }

    /// `SELECT value WHERE id = $id`, as one statement.
    pub fn get(&self, t: &mut Transaction, id: u32) -> rustydb_txn::Result<i64> {
        t.begin_statement(None)?;
        let r = self.lookup(t, id);
        t.end_statement();
        Ok(r?.1)
    }

    /// `UPDATE SET value = value + delta WHERE id = $id` with READ COMMITTED's re-check,
    /// as one statement. Returns the new value.
    pub fn add(&self, t: &mut Transaction, id: u32, delta: i64) -> rustydb_txn::Result<i64> {
        t.begin_statement(None)?;
        let r = (|| {
            let (mut tid, mut value) = self.lookup(t, id)?;
            loop {
                match t.update(&self.heap, tid, &encode(id, value + delta))? {
                    WriteResult::Done(Some(new)) => {
                        self.versions.lock().entry(id).or_default().push(new);
                        return Ok(value + delta);
                    }
                    WriteResult::Concurrent { newer: Some(n) } => {
                        let (newest, row) = t
                            .latest_version(&self.heap, n)?
                            .expect("rows are never deleted");
                        tid = newest;
                        value = decode(&row).1;
                    }
                    other => panic!("row {id}: unexpected {other:?}"),
                }
            }
        })();
        t.end_statement();
        r
    }

    /// One transfer by worker `worker`, in `t`: reads both balances, moves `amount`, and
    /// counts the transfer. Returns the worker's new counter value.
    pub fn transfer(
        &self,
        t: &mut Transaction,
        worker: u32,
        from: u32,
        to: u32,
        amount: i64,
    ) -> rustydb_txn::Result<i64> {
        self.get(t, from)?;
        self.get(t, to)?;
        self.add(t, from, -amount)?;
        self.add(t, to, amount)?;
        self.add(t, COUNTER_BASE + worker, 1)
    }
}
