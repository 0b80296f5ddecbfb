//! A transaction as its session drives it: statements, snapshots, locks, savepoints,
//! commit and rollback. Reading and writing rows is in [`crate::ops`].
//!
//! # Statements
//! Every statement is bracketed by [`Transaction::begin_statement`] and
//! [`Transaction::end_statement`]. Beginning one takes the session's side of the `exec`
//! mutex, checks the transaction was not ended from outside, starts a new command number
//! (so the statement does not see its own changes), and takes the statement's snapshot:
//! a fresh one at READ COMMITTED, the transaction's first one at REPEATABLE READ and
//! SERIALIZABLE.
//!
//! # Savepoints
//! While a savepoint exists, every row change also goes into an undo list (the row's
//! header before the change, or the fact that it was inserted), and every newly granted
//! lock into a lock list. ROLLBACK TO walks both lists back to the savepoint's marks:
//! inserted versions are flagged as never having existed, changed headers are restored
//! (both logged like any page change), and the locks are released, as PostgreSQL releases
//! a subtransaction's locks. With no savepoint nothing is recorded, so transactions that
//! do not use savepoints pay nothing for them.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use parking_lot::RawMutex;
use parking_lot::lock_api::ArcMutexGuard;
use rustydb_storage::{HeapFile, RelId, Tid};

use crate::error::{Result, TxnError};
use crate::lock::{Acquired, Interrupt, LockError, LockMode, LockTag, WaitOptions};
use crate::manager::{TxnConfig, TxnManager, TxnShared};
use crate::snapshot::Snapshot;
use crate::ssi::SsiTxn;
use crate::stats::RollbackReason;
use crate::tuple::{FLAG_XMIN_INVALID, TupleHeader};
use crate::xid::{IsolationLevel, Xid};

/// A change to undo on ROLLBACK TO SAVEPOINT.
#[derive(Debug)]
pub(crate) enum Undo {
    /// A version this transaction inserted.
    Inserted { heap: HeapFile, tid: Tid },
    /// A version whose header this transaction changed; the header before.
    Header {
        heap: HeapFile,
        tid: Tid,
        before: TupleHeader,
    },
}

#[derive(Debug)]
struct Savepoint {
    name: String,
    undo_mark: usize,
    lock_mark: usize,
}

/// The session's hold on its transaction's `exec` mutex during a statement.
struct ExecGuard {
    _held: ArcMutexGuard<RawMutex, ()>,
}

impl std::fmt::Debug for ExecGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExecGuard")
    }
}

/// The transaction's state as the session sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    /// Accepting statements.
    Active,
    /// A statement failed: only ROLLBACK or ROLLBACK TO SAVEPOINT are accepted.
    Failed,
}

/// Per-row change counts, for autovacuum's dead-tuple estimate.
#[derive(Debug, Default)]
pub(crate) struct ChangeCounts {
    pub(crate) per_rel: std::collections::HashMap<RelId, (u64, u64)>,
}

impl ChangeCounts {
    /// Records an insert (`inserted`) or a delete/update of an old version.
    pub(crate) fn note(&mut self, rel: RelId, inserted: bool) {
        let e = self.per_rel.entry(rel).or_insert((0, 0));
        if inserted { e.0 += 1 } else { e.1 += 1 }
    }
}

/// A running transaction. Dropping it without [`Transaction::commit`] rolls it back.
#[derive(Debug)]
pub struct Transaction {
    pub(crate) mgr: Arc<TxnManager>,
    pub(crate) shared: Arc<TxnShared>,
    pub(crate) isolation: IsolationLevel,
    state: TxnState,
    /// The current statement's command number.
    pub(crate) cid: u32,
    pub(crate) snapshot: Option<Snapshot>,
    savepoints: Vec<Savepoint>,
    pub(crate) undo: Vec<Undo>,
    /// Locks granted (not upgraded or already held) while a savepoint exists.
    lock_log: Vec<LockTag>,
    pub(crate) ssi: Option<SsiTxn>,
    pub(crate) changes: ChangeCounts,
    lock_timeout: Option<Duration>,
    statement_timeout: Option<Duration>,
    deadline: Option<Instant>,
    /// Held while a statement runs, so nobody rolls the transaction back under it.
    exec: Option<ExecGuard>,
    ended: bool,
}

impl Transaction {
    pub(crate) fn new(
        mgr: Arc<TxnManager>,
        shared: Arc<TxnShared>,
        isolation: IsolationLevel,
        config: &TxnConfig,
    ) -> Transaction {
        Transaction {
            mgr,
            shared,
            isolation,
            state: TxnState::Active,
            cid: 0,
            snapshot: None,
            savepoints: Vec::new(),
            undo: Vec::new(),
            lock_log: Vec::new(),
            ssi: (isolation == IsolationLevel::Serializable).then(SsiTxn::default),
            changes: ChangeCounts::default(),
            lock_timeout: config.lock_timeout,
            statement_timeout: config.statement_timeout,
            deadline: None,
            exec: None,
            ended: false,
        }
    }

    /// The transaction id.
    pub fn xid(&self) -> Xid {
        self.shared.xid
    }

    /// The isolation level.
    pub fn isolation(&self) -> IsolationLevel {
        self.isolation
    }

    /// Whether statements are accepted.
    pub fn state(&self) -> TxnState {
        self.state
    }

    /// The manager.
    pub fn manager(&self) -> &Arc<TxnManager> {
        &self.mgr
    }

    /// Sets this transaction's lock wait limit (`SET lock_timeout`).
    pub fn set_lock_timeout(&mut self, t: Option<Duration>) {
        self.lock_timeout = t;
    }

    /// Sets this transaction's statement time limit (`SET statement_timeout`).
    pub fn set_statement_timeout(&mut self, t: Option<Duration>) {
        self.statement_timeout = t;
    }

    /// Sets this transaction's idle-in-transaction limit.
    pub fn set_idle_timeout(&mut self, t: Option<Duration>) {
        *self.shared.idle_timeout.lock() = t;
    }

    /// Labels the transaction with its session (shown by introspection).
    pub fn set_session_label(&self, label: impl Into<String>) {
        *self.shared.session.lock() = Some(label.into());
    }

    fn terminated_error(&self) -> Option<TxnError> {
        self.shared
            .terminated
            .lock()
            .as_ref()
            .map(|t| TxnError::Terminated {
                xid: self.shared.xid,
                reason: t.reason.clone(),
                code: t.code,
                sqlstate: t.sqlstate,
            })
    }

    /// Fails if the transaction cannot run statements: ended from outside, or failed.
    pub fn ensure_active(&self) -> Result<()> {
        if let Some(e) = self.terminated_error() {
            return Err(e);
        }
        if self.ended || self.shared.is_done() {
            return Err(TxnError::InvalidState(
                "the transaction has already ended".into(),
            ));
        }
        match self.state {
            TxnState::Active => Ok(()),
            TxnState::Failed => Err(TxnError::Aborted),
        }
    }

    /// Starts a statement: see the module documentation. `text` is shown by
    /// introspection.
    pub fn begin_statement(&mut self, text: Option<&str>) -> Result<()> {
        if self.exec.is_some() {
            self.end_statement();
        }
        let exec = self.shared.exec.lock_arc();
        if let Some(e) = self.terminated_error() {
            return Err(e);
        }
        if self.ended || self.shared.is_done() {
            return Err(TxnError::InvalidState(
                "the transaction has already ended".into(),
            ));
        }
        if self.state == TxnState::Failed {
            return Err(TxnError::Aborted);
        }
        self.exec = Some(ExecGuard { _held: exec });
        // An interrupt aimed at an earlier statement (a cancel that arrived while idle) does
        // not hit this one; a termination was reported just above.
        let _ = self.shared.owner.clear_interrupt();
        self.shared.running_statement.store(true, Ordering::Release);
        *self.shared.idle_since.lock() = None;
        if let Some(t) = text {
            *self.shared.statement.lock() = Some(t.to_string());
        }
        self.deadline = self.statement_timeout.map(|d| Instant::now() + d);
        self.cid += 1;
        if self.snapshot.is_none() || !self.isolation.uses_transaction_snapshot() {
            let snap = self.mgr.take_snapshot(self.shared.xid, self.cid);
            self.shared
                .snapshot_xmin
                .store(snap.xmin, Ordering::Release);
            self.snapshot = Some(snap);
        } else if let Some(s) = self.snapshot.as_mut() {
            s.cid = self.cid;
        }
        Ok(())
    }

    /// Ends the current statement: a READ COMMITTED transaction drops its snapshot, so it
    /// no longer holds back vacuum while idle.
    pub fn end_statement(&mut self) {
        if !self.isolation.uses_transaction_snapshot() {
            self.snapshot = None;
            self.shared.snapshot_xmin.store(0, Ordering::Release);
        }
        self.deadline = None;
        self.shared
            .running_statement
            .store(false, Ordering::Release);
        *self.shared.idle_since.lock() = Some(Instant::now());
        self.exec = None;
    }

    /// Starts a new command inside the running statement, so it sees the changes made
    /// by the previous ones (a data-modifying CTE, a cascading foreign key).
    pub fn next_command(&mut self) {
        self.cid += 1;
        if let Some(s) = self.snapshot.as_mut() {
            s.cid = self.cid;
        }
    }

    /// The current statement's snapshot.
    pub fn snapshot(&self) -> Result<&Snapshot> {
        self.snapshot.as_ref().ok_or_else(|| {
            TxnError::Internal("no statement is running (call begin_statement)".into())
        })
    }

    /// Marks the transaction failed after a statement error: later statements are refused
    /// until ROLLBACK or ROLLBACK TO SAVEPOINT.
    pub fn mark_failed(&mut self) {
        self.state = TxnState::Failed;
    }

    /// Fails if the statement was cancelled, timed out, or the transaction terminated.
    /// Long-running loops call this regularly.
    pub fn check_interrupts(&self) -> Result<()> {
        if let Some(e) = self.terminated_error() {
            return Err(e);
        }
        if let Some(i) = self.shared.owner.clear_interrupt() {
            return Err(TxnError::Lock(LockError::Interrupted(i)));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(TxnError::Lock(LockError::Interrupted(
                Interrupt::StatementTimeout,
            )));
        }
        Ok(())
    }

    pub(crate) fn wait_options(&self) -> WaitOptions {
        WaitOptions {
            lock_timeout: self.lock_timeout,
            deadline: self.deadline,
        }
    }

    /// Acquires a lock for the rest of the transaction (or until ROLLBACK TO a savepoint
    /// taken before it).
    pub fn lock(&mut self, tag: LockTag, mode: LockMode) -> Result<Acquired> {
        self.ensure_active()?;
        let got = self
            .mgr
            .locks()
            .acquire(&self.shared.owner, tag, mode, &self.wait_options())?;
        if got == Acquired::Granted && !self.savepoints.is_empty() {
            self.lock_log.push(tag);
        }
        Ok(got)
    }

    /// Locks a table in `mode` (SELECT: IS, writes: IX, DDL: X).
    pub fn lock_table(&mut self, rel: RelId, mode: LockMode) -> Result<Acquired> {
        self.lock(LockTag::Relation(rel), mode)
    }

    /// Waits until transaction `xid` has ended.
    pub fn wait_for(&mut self, xid: Xid) -> Result<()> {
        let locks = self.mgr.locks();
        let got = locks.acquire(
            &self.shared.owner,
            LockTag::Xid(xid),
            LockMode::S,
            &self.wait_options(),
        )?;
        if got == Acquired::Granted {
            locks.release(self.shared.xid, LockTag::Xid(xid));
        }
        Ok(())
    }

    /// Records that this transaction wrote to `rel` (for the commit record, savepoints and
    /// statistics).
    pub(crate) fn note_write(&mut self, undo: Option<Undo>) {
        self.shared.wrote.store(true, Ordering::Release);
        self.shared.ops.fetch_add(1, Ordering::Relaxed);
        if let Some(u) = undo
            && !self.savepoints.is_empty()
        {
            self.undo.push(u);
        }
    }

    /// Whether a savepoint is open (row changes must record undo).
    pub(crate) fn recording_undo(&self) -> bool {
        !self.savepoints.is_empty()
    }

    /// SAVEPOINT name.
    pub fn savepoint(&mut self, name: &str) -> Result<()> {
        self.ensure_active()?;
        self.savepoints.push(Savepoint {
            name: name.to_string(),
            undo_mark: self.undo.len(),
            lock_mark: self.lock_log.len(),
        });
        Ok(())
    }

    fn find_savepoint(&self, name: &str) -> Result<usize> {
        self.savepoints
            .iter()
            .rposition(|s| s.name == name)
            .ok_or_else(|| TxnError::NoSuchSavepoint(name.to_string()))
    }

    /// ROLLBACK TO SAVEPOINT name: undoes everything since, keeps the savepoint, and
    /// makes a failed transaction usable again.
    pub fn rollback_to(&mut self, name: &str) -> Result<()> {
        if let Some(e) = self.terminated_error() {
            return Err(e);
        }
        let i = self.find_savepoint(name)?;
        let (undo_mark, lock_mark) = (self.savepoints[i].undo_mark, self.savepoints[i].lock_mark);
        self.savepoints.truncate(i + 1);
        let meta = rustydb_storage::RecordMeta::xid(self.shared.xid);
        while self.undo.len() > undo_mark {
            let u = self.undo.pop().expect("len checked");
            match u {
                Undo::Inserted { heap, tid } => {
                    heap.update_in_place(tid, meta, |t| {
                        if let Some(mut h) = TupleHeader::decode(t) {
                            h.flags |= FLAG_XMIN_INVALID;
                            h.encode_into(t);
                        }
                    })?;
                }
                Undo::Header { heap, tid, before } => {
                    heap.update_in_place(tid, meta, |t| before.encode_into(t))?;
                }
            }
        }
        for tag in self.lock_log.drain(lock_mark..).rev().collect::<Vec<_>>() {
            self.mgr.locks().release(self.shared.xid, tag);
        }
        self.state = TxnState::Active;
        Ok(())
    }

    /// RELEASE SAVEPOINT name: forgets it and every later one; their changes stay.
    pub fn release_savepoint(&mut self, name: &str) -> Result<()> {
        self.ensure_active()?;
        let i = self.find_savepoint(name)?;
        self.savepoints.truncate(i);
        if self.savepoints.is_empty() {
            self.undo.clear();
            self.lock_log.clear();
        }
        Ok(())
    }

    /// COMMIT. A failed transaction cannot commit: it rolls back and reports why.
    pub fn commit(mut self) -> Result<()> {
        self.exec = None;
        if let Err(e) = self.ensure_active() {
            let reason = Option::<RollbackReason>::from(&e).unwrap_or(RollbackReason::User);
            self.end(false, reason);
            return Err(e);
        }
        let mgr = self.mgr.clone();
        let mut ticket = None;
        if let Some(ssi) = self.ssi.take()
            && self.shared.wrote.load(Ordering::Acquire)
            && let Some(snap) = self.snapshot.clone()
        {
            match mgr
                .ssi
                .validate_and_publish(&mgr, self.shared.xid, &snap, ssi)
            {
                Ok(t) => ticket = Some(t),
                Err(e) => {
                    self.end(false, RollbackReason::Serialization);
                    return Err(e);
                }
            }
        }
        let logged = mgr.log_end(&self.shared, true);
        self.ended = true;
        let shared = &self.shared;
        let finish = || mgr.finish(shared, logged.is_ok(), RollbackReason::User);
        match ticket {
            Some(t) => mgr.ssi.make_visible_in_order(t, finish),
            None => finish(),
        }
        self.settle_dead_counts(logged.is_ok());
        logged
    }

    /// ROLLBACK.
    pub fn rollback(mut self) {
        self.end(false, RollbackReason::User);
    }

    /// Rolls back, counting it under `reason`.
    pub fn rollback_because(mut self, reason: RollbackReason) {
        self.end(false, reason);
    }

    fn end(&mut self, commit: bool, reason: RollbackReason) {
        self.exec = None;
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(s) = self.ssi.take() {
            drop(s);
        }
        let reason = self
            .shared
            .terminated
            .lock()
            .as_ref()
            .map(|t| t.rollback)
            .unwrap_or(reason);
        if !self.shared.is_done()
            && let Err(e) = self.mgr.log_end(&self.shared, commit)
        {
            tracing::warn!(xid = self.shared.xid, error = %e, "could not log the end of a transaction");
        }
        let mgr = self.mgr.clone();
        mgr.finish(&self.shared, commit, reason);
        self.settle_dead_counts(commit);
    }

    /// Tells autovacuum how many versions this transaction left dead.
    fn settle_dead_counts(&mut self, committed: bool) {
        for (rel, (inserted, replaced)) in self.changes.per_rel.drain() {
            self.mgr
                .add_dead(rel, if committed { replaced } else { inserted });
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.ended {
            self.end(false, RollbackReason::Disconnected);
        }
    }
}
