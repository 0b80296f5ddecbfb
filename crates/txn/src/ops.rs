//! Reading and writing rows under MVCC.
//!
//! # Versions
//! An INSERT adds a version stamped `xmin = me`. A DELETE stamps the version's `xmax`. An
//! UPDATE does both: it stamps the old version's `xmax`, sets its `ctid` to the new
//! version and [`crate::tuple::FLAG_UPDATED`], and inserts the new version, on the same
//! page when it fits (then in one WAL record). Readers never wait: they pick the version
//! their snapshot sees.
//!
//! # Write conflicts
//! Changing or locking a version follows PostgreSQL:
//! 1. Take the row lock (`X`, or `S` for FOR SHARE) in the lock table. For UPDATE and
//!    DELETE it is held only while the version is being stamped; it queues concurrent
//!    writers fairly and makes them wait for FOR SHARE / FOR UPDATE holders. Explicit
//!    row locks are kept until the transaction ends.
//! 2. Look at the version's `xmax`:
//!    * none, or its transaction aborted or crashed: free, go ahead;
//!    * a running transaction: wait for it to end (a waits-for edge the deadlock detector
//!      sees), then look again;
//!    * a committed transaction the snapshot does not see: somebody changed the row
//!      concurrently. READ COMMITTED reports [`WriteResult::Concurrent`] with the newer
//!      version so the caller can re-check its condition on it and retry there
//!      (PostgreSQL's EvalPlanQual); REPEATABLE READ and SERIALIZABLE fail with 40001
//!      "could not serialize access due to concurrent update".
//!    * this transaction itself, in an earlier command: [`WriteResult::SelfModified`].

use std::collections::VecDeque;

use rustydb_storage::buffer::ScanRing;
use rustydb_storage::page::slotted::SlottedPage;
use rustydb_storage::{HeapFile, RecordMeta, Tid, mtr};

use crate::clog::XidStatus;
use crate::error::{Result, TxnError};
use crate::lock::{Acquired, LockMode, LockTag};
use crate::snapshot::{UniqueStatus, unique_status};
use crate::transaction::{Transaction, Undo};
use crate::tuple::{FLAG_UPDATED, HEADER_LEN, TupleHeader, row_of};
use crate::xid::INVALID_XID;

/// The outcome of changing or locking a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResult {
    /// Done. For an UPDATE, the new version's id.
    Done(Option<Tid>),
    /// (READ COMMITTED) a concurrent transaction committed a change to this row first:
    /// `newer` is its new version (`None`: it deleted the row). Re-check the statement's
    /// condition on the newer version and retry there.
    Concurrent {
        /// The newer version.
        newer: Option<Tid>,
    },
    /// This transaction already changed the row in an earlier command.
    SelfModified,
    /// The version no longer exists (vacuumed, or rolled back).
    Gone,
}

/// Row lock strength for SELECT ... FOR ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLockMode {
    /// FOR SHARE.
    Share,
    /// FOR UPDATE.
    Update,
}

enum Action<'a> {
    Delete,
    Update(&'a [u8]),
    Lock,
}

impl Transaction {
    fn meta(&self) -> RecordMeta {
        RecordMeta::xid(self.shared.xid)
    }

    /// Inserts a row and returns its version's id.
    pub fn insert(&mut self, heap: &HeapFile, row: &[u8]) -> Result<Tid> {
        self.ensure_active()?;
        let tuple = TupleHeader::new(self.shared.xid, self.cid).with_row(row);
        let tid = heap.insert(&tuple, self.meta())?;
        self.after_insert(heap, tid);
        Ok(tid)
    }

    /// Inserts many rows, page by page (bulk loads).
    pub fn insert_many(&mut self, heap: &HeapFile, rows: &[&[u8]]) -> Result<Vec<Tid>> {
        self.ensure_active()?;
        let header = TupleHeader::new(self.shared.xid, self.cid);
        let tuples: Vec<Vec<u8>> = rows.iter().map(|r| header.with_row(r)).collect();
        let refs: Vec<&[u8]> = tuples.iter().map(|t| &t[..]).collect();
        let tids = heap.insert_batch(&refs, self.meta())?;
        for &tid in &tids {
            self.after_insert(heap, tid);
        }
        Ok(tids)
    }

    fn after_insert(&mut self, heap: &HeapFile, tid: Tid) {
        self.changes.note(heap.rel(), true);
        if let Some(ssi) = self.ssi.as_mut() {
            ssi.wrote_tuple(heap.rel(), tid);
        }
        let undo = self.recording_undo().then(|| Undo::Inserted {
            heap: heap.clone(),
            tid,
        });
        self.note_write(undo);
    }

    /// The row at `tid` if the current statement's snapshot sees that version.
    pub fn fetch(&mut self, heap: &HeapFile, tid: Tid) -> Result<Option<Vec<u8>>> {
        self.ensure_active()?;
        let snap = self.snapshot()?.clone();
        let clog = self.mgr.clog();
        let row = heap
            .with_tuple(tid, |t| -> Result<Option<Vec<u8>>> {
                let Some(h) = TupleHeader::decode(t) else {
                    return Ok(None);
                };
                Ok(snap.is_visible(&h, clog)?.then(|| row_of(t).to_vec()))
            })?
            .transpose()?
            .flatten();
        if row.is_some()
            && let Some(ssi) = self.ssi.as_mut()
        {
            ssi.read_tuple(heap.rel(), tid);
        }
        Ok(row)
    }

    /// A scan of the rows of `heap` the current statement's snapshot sees.
    pub fn scan(&mut self, heap: &HeapFile) -> Result<VisibleScan> {
        self.ensure_active()?;
        if let Some(ssi) = self.ssi.as_mut() {
            ssi.read_relation(heap.rel());
        }
        Ok(VisibleScan {
            heap: heap.clone(),
            ring: ScanRing::new(),
            next_page: 0,
            batch: VecDeque::new(),
        })
    }

    /// Deletes the version at `tid`. See the module documentation.
    pub fn delete(&mut self, heap: &HeapFile, tid: Tid) -> Result<WriteResult> {
        self.modify(heap, tid, Action::Delete)
    }

    /// Replaces the version at `tid` with a new one holding `row`.
    pub fn update(&mut self, heap: &HeapFile, tid: Tid, row: &[u8]) -> Result<WriteResult> {
        self.modify(heap, tid, Action::Update(row))
    }

    /// SELECT ... FOR SHARE / FOR UPDATE of the version at `tid`.
    pub fn lock_row(
        &mut self,
        heap: &HeapFile,
        tid: Tid,
        mode: RowLockMode,
    ) -> Result<WriteResult> {
        let lock_mode = match mode {
            RowLockMode::Share => LockMode::S,
            RowLockMode::Update => LockMode::X,
        };
        self.lock(LockTag::Row(heap.rel(), tid), lock_mode)?;
        self.modify(heap, tid, Action::Lock)
    }

    fn modify(&mut self, heap: &HeapFile, tid: Tid, action: Action<'_>) -> Result<WriteResult> {
        self.ensure_active()?;
        self.check_interrupts()?;
        let tag = LockTag::Row(heap.rel(), tid);
        let transient = match action {
            Action::Lock => false,
            _ => {
                let got = self.mgr.locks().acquire(
                    &self.shared.owner,
                    tag,
                    LockMode::X,
                    &self.wait_options(),
                )?;
                got == Acquired::Granted
            }
        };
        let result = self.modify_locked(heap, tid, &action);
        if transient {
            self.mgr.locks().release(self.shared.xid, tag);
        }
        result
    }

    fn modify_locked(
        &mut self,
        heap: &HeapFile,
        tid: Tid,
        action: &Action<'_>,
    ) -> Result<WriteResult> {
        let me = self.shared.xid;
        loop {
            let mut g = heap.write_page(tid.page)?;
            let Some(h) = SlottedPage::new(g.page())
                .item(tid.slot)
                .and_then(TupleHeader::decode)
            else {
                return Ok(WriteResult::Gone);
            };
            if h.xmin_invalid() {
                return Ok(WriteResult::Gone);
            }
            if h.xmax == me {
                return Ok(WriteResult::SelfModified);
            }
            if h.xmax != INVALID_XID {
                if self.mgr.is_running(h.xmax) {
                    drop(g);
                    self.wait_for(h.xmax)?;
                    continue;
                }
                if self.mgr.clog().status(h.xmax)? == XidStatus::Committed {
                    drop(g);
                    return self.concurrent_change(&h);
                }
                // Aborted or crashed: the version is free again.
            }
            let mut new_h = TupleHeader {
                xmax: me,
                cmax: self.cid,
                ..h
            };
            new_h.flags &= !FLAG_UPDATED;
            let new_tid = match action {
                Action::Lock => return Ok(WriteResult::Done(None)),
                Action::Delete => {
                    self.stamp(heap, &mut g, tid, new_h)?;
                    None
                }
                Action::Update(row) => {
                    let tuple = TupleHeader::new(me, self.cid).with_row(row);
                    // Same page when it fits: one record, no second latch.
                    let placed = SlottedPage::new(g.page_mut()).insert(&tuple);
                    match placed {
                        Some(slot) => {
                            let nt = Tid::new(tid.page, slot);
                            new_h.flags |= FLAG_UPDATED;
                            new_h.ctid = nt;
                            self.stamp(heap, &mut g, tid, new_h)?;
                            Some(nt)
                        }
                        None => {
                            new_h.flags |= FLAG_UPDATED;
                            new_h.ctid = tid;
                            self.stamp(heap, &mut g, tid, new_h)?;
                            drop(g);
                            let nt = heap.insert(&tuple, self.meta())?;
                            heap.update_in_place(tid, self.meta(), |t| {
                                TupleHeader { ctid: nt, ..new_h }.encode_into(t);
                            })?;
                            Some(nt)
                        }
                    }
                }
            };
            if let Some(nt) = new_tid {
                self.after_insert(heap, nt);
            }
            return Ok(WriteResult::Done(new_tid));
        }
    }

    /// Writes `new_h` over the header of `tid` (latched in `g`, whose other unlogged
    /// changes, such as a new version on the same page, go into the same record).
    fn stamp(
        &mut self,
        heap: &HeapFile,
        g: &mut rustydb_storage::PageWriteGuard<'_>,
        tid: Tid,
        new_h: TupleHeader,
    ) -> Result<()> {
        let before = {
            let mut sp = SlottedPage::new(g.page_mut());
            let t = sp
                .get_mut(tid.slot)
                .filter(|t| t.len() >= HEADER_LEN)
                .ok_or_else(|| {
                    TxnError::Internal(format!("tuple {tid} vanished under its latch"))
                })?;
            let before = TupleHeader::decode(t).expect("length checked");
            new_h.encode_into(t);
            before
        };
        mtr::log_pages(self.mgr.storage().wal(), self.meta(), &mut [g], &[])?;
        self.changes.note(heap.rel(), false);
        if let Some(ssi) = self.ssi.as_mut() {
            ssi.wrote_tuple(heap.rel(), tid);
        }
        let undo = self.recording_undo().then(|| Undo::Header {
            heap: heap.clone(),
            tid,
            before,
        });
        self.note_write(undo);
        Ok(())
    }

    /// A committed concurrent change of a version this transaction wants to change.
    fn concurrent_change(&self, h: &TupleHeader) -> Result<WriteResult> {
        let snap = self.snapshot()?;
        if snap.sees_committed(h.xmax, self.mgr.clog())? {
            // Deleted before our snapshot: the caller should not have found it.
            return Ok(WriteResult::Gone);
        }
        if self.isolation.uses_transaction_snapshot() {
            let what = if h.is_updated() {
                "concurrent update"
            } else {
                "concurrent delete"
            };
            return Err(TxnError::Serialization(what.into()));
        }
        Ok(WriteResult::Concurrent {
            newer: h.is_updated().then_some(h.ctid),
        })
    }

    /// The newest version of the row whose version is at `tid`, following update links
    /// past committed updates (READ COMMITTED's re-check after [`WriteResult::Concurrent`]).
    /// Waits for a running updater. `None` if the row was deleted.
    pub fn latest_version(
        &mut self,
        heap: &HeapFile,
        mut tid: Tid,
    ) -> Result<Option<(Tid, Vec<u8>)>> {
        loop {
            let found = heap.with_tuple(tid, |t| {
                TupleHeader::decode(t).map(|h| (h, row_of(t).to_vec()))
            })?;
            let Some(Some((h, row))) = found else {
                return Ok(None);
            };
            if h.xmin_invalid() {
                return Ok(None);
            }
            if h.xmax == INVALID_XID || h.xmax == self.shared.xid {
                return Ok(Some((tid, row)));
            }
            if self.mgr.is_running(h.xmax) {
                self.wait_for(h.xmax)?;
                continue;
            }
            if self.mgr.clog().status(h.xmax)? != XidStatus::Committed {
                return Ok(Some((tid, row)));
            }
            if !h.is_updated() || h.ctid == tid {
                return Ok(None);
            }
            tid = h.ctid;
        }
    }

    /// Whether the version at `tid` blocks inserting the same unique key, waiting for
    /// running transactions it depends on. `true`: a duplicate.
    pub fn conflicts_with_unique(&mut self, heap: &HeapFile, tid: Tid) -> Result<bool> {
        loop {
            let h = heap.with_tuple(tid, TupleHeader::decode)?.flatten();
            let Some(h) = h else { return Ok(false) };
            let mgr = self.mgr.clone();
            let status = unique_status(&h, self.shared.xid, mgr.clog(), &|x| mgr.is_running(x))?;
            match status {
                UniqueStatus::Live => return Ok(true),
                UniqueStatus::Gone => return Ok(false),
                UniqueStatus::Wait(x) => self.wait_for(x)?,
            }
        }
    }

    /// Records (SERIALIZABLE only) that the statement read index `index` over a key range,
    /// so a concurrent insert into that range is detected at commit.
    pub fn note_index_read(
        &mut self,
        index: rustydb_storage::RelId,
        lower: std::ops::Bound<Vec<u8>>,
        upper: std::ops::Bound<Vec<u8>>,
    ) {
        if let Some(ssi) = self.ssi.as_mut() {
            ssi.read_range(index, lower, upper);
        }
    }

    /// Records (SERIALIZABLE only) that the transaction added or removed `key` in index
    /// `index`.
    pub fn note_index_write(&mut self, index: rustydb_storage::RelId, key: &[u8]) {
        if let Some(ssi) = self.ssi.as_mut() {
            ssi.wrote_key(index, key);
        }
    }
}

/// Rows of a heap visible to a snapshot, read a page at a time through a scan ring.
#[derive(Debug)]
pub struct VisibleScan {
    heap: HeapFile,
    ring: ScanRing,
    next_page: u32,
    batch: VecDeque<(Tid, Vec<u8>)>,
}

impl VisibleScan {
    /// The next visible row and its version id.
    pub fn next_row(&mut self, txn: &Transaction) -> Result<Option<(Tid, Vec<u8>)>> {
        loop {
            if let Some(r) = self.batch.pop_front() {
                return Ok(Some(r));
            }
            if self.next_page >= self.heap.nblocks()? {
                return Ok(None);
            }
            txn.check_interrupts()?;
            let snap = txn.snapshot()?;
            let clog = txn.mgr.clog();
            let page_no = self.next_page;
            self.next_page += 1;
            let g = self.heap.page_in_ring(page_no, &mut self.ring)?;
            for (slot, t) in HeapFile::tuples(&g) {
                let Some(h) = TupleHeader::decode(t) else {
                    continue;
                };
                if snap.is_visible(&h, clog)? {
                    self.batch
                        .push_back((Tid::new(page_no, slot), row_of(t).to_vec()));
                }
            }
        }
    }
}
