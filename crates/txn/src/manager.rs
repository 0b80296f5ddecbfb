//! The transaction manager: hands out transaction ids, tracks which transactions run,
//! takes snapshots, and ends transactions, including from outside (an operator's abort,
//! an idle-in-transaction timeout).
//!
//! # Running transactions
//! One mutex guards the next id and the set of running transactions, so that a snapshot
//! (which copies the set) and a begin or end (which changes it) are atomic with respect
//! to each other. Everything else a transaction shares lives in its [`TxnShared`], which
//! other sessions may look at: its lock owner (to wake it), its activity, its counters.
//!
//! # Ending a transaction from outside
//! A session holds its transaction's `exec` mutex while it runs a statement. To end a
//! transaction from elsewhere, [`TxnManager::terminate`] interrupts it (which wakes a lock
//! wait at once) and, if no statement is running, rolls it back on the spot; otherwise the
//! running statement fails at its next interrupt check and the session rolls back. Either
//! way the owner sees a clear error naming why on its next statement.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Condvar, Mutex};
use rustydb_common::ErrorCode;
use rustydb_storage::wal::{FLAG_ABORT, FLAG_COMMIT};
use rustydb_storage::{HeapFile, RecordMeta, RelId, Storage, mtr};

use crate::clog::{Clog, XidStatus};
use crate::error::{Result, TxnError};
use crate::lock::{Interrupt, LockManager, LockMode, LockOwner, LockTag, WaitOptions};
use crate::snapshot::Snapshot;
use crate::ssi::Ssi;
use crate::stats::{RollbackReason, TxnActivity, TxnCounters, TxnInfo, TxnTotals};
use crate::transaction::Transaction;
use crate::vacuum::Autovacuum;
use crate::xid::{FIRST_NORMAL_XID, IsolationLevel, Xid};

/// Settings of the transaction layer (server-wide defaults; sessions may override the
/// timeouts for themselves).
#[derive(Debug, Clone, PartialEq)]
pub struct TxnConfig {
    /// How long a lock waiter waits before checking for a deadlock.
    pub deadlock_timeout: Duration,
    /// Default lock wait limit (`None`: wait forever).
    pub lock_timeout: Option<Duration>,
    /// Default statement time limit.
    pub statement_timeout: Option<Duration>,
    /// Default limit on idling inside an open transaction.
    pub idle_in_transaction_timeout: Option<Duration>,
    /// Isolation level of transactions that do not ask for one.
    pub default_isolation: IsolationLevel,
    /// Run autovacuum in the background.
    pub autovacuum: bool,
    /// How often autovacuum looks for work.
    pub autovacuum_naptime: Duration,
}

impl Default for TxnConfig {
    fn default() -> TxnConfig {
        TxnConfig {
            deadlock_timeout: Duration::from_secs(1),
            lock_timeout: None,
            statement_timeout: None,
            idle_in_transaction_timeout: None,
            default_isolation: IsolationLevel::ReadCommitted,
            autovacuum: true,
            autovacuum_naptime: Duration::from_secs(10),
        }
    }
}

pub(crate) const STATE_RUNNING: u8 = 0;
pub(crate) const STATE_DONE: u8 = 1;

/// Why a transaction was ended from outside, as its owner will be told.
#[derive(Debug, Clone)]
pub(crate) struct Termination {
    pub(crate) reason: String,
    pub(crate) code: ErrorCode,
    pub(crate) sqlstate: &'static str,
    pub(crate) rollback: RollbackReason,
}

/// The part of a transaction other sessions can see.
#[derive(Debug)]
pub struct TxnShared {
    pub(crate) xid: Xid,
    pub(crate) started_at: SystemTime,
    pub(crate) isolation: IsolationLevel,
    pub(crate) owner: Arc<LockOwner>,
    /// Held by the session while it runs a statement.
    pub(crate) exec: Arc<Mutex<()>>,
    pub(crate) state: AtomicU8,
    pub(crate) running_statement: AtomicBool,
    pub(crate) wrote: AtomicBool,
    pub(crate) ops: AtomicU64,
    pub(crate) statement: Mutex<Option<String>>,
    pub(crate) session: Mutex<Option<String>>,
    pub(crate) idle_since: Mutex<Option<Instant>>,
    pub(crate) idle_timeout: Mutex<Option<Duration>>,
    /// `xmin` of the snapshot the transaction currently holds (0: none); holds back
    /// vacuum's horizon.
    pub(crate) snapshot_xmin: AtomicU64,
    pub(crate) terminated: Mutex<Option<Termination>>,
}

impl TxnShared {
    /// The transaction id.
    pub fn xid(&self) -> Xid {
        self.xid
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state.load(Ordering::Acquire) == STATE_DONE
    }
}

#[derive(Debug)]
struct Active {
    next_xid: Xid,
    running: BTreeMap<Xid, Arc<TxnShared>>,
}

/// The transaction manager. See the module documentation.
#[derive(Debug)]
pub struct TxnManager {
    storage: Arc<Storage>,
    clog: Clog,
    locks: LockManager,
    active: Mutex<Active>,
    pub(crate) ssi: Ssi,
    counters: TxnCounters,
    config: Mutex<TxnConfig>,
    /// Dead versions per relation since its last vacuum (autovacuum's trigger).
    pub(crate) dead_tuples: Mutex<HashMap<RelId, u64>>,
    pub(crate) autovacuum: Autovacuum,
    stop: Mutex<bool>,
    stop_cv: Condvar,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl TxnManager {
    /// Starts the transaction layer on an open storage engine.
    pub fn open(storage: &Arc<Storage>, config: TxnConfig) -> Result<Arc<TxnManager>> {
        let clog = Clog::open(storage)?;
        let next_xid = storage.next_xid_floor().max(FIRST_NORMAL_XID);
        let mgr = Arc::new(TxnManager {
            storage: storage.clone(),
            clog,
            locks: LockManager::new(config.deadlock_timeout),
            active: Mutex::new(Active {
                next_xid,
                running: BTreeMap::new(),
            }),
            ssi: Ssi::default(),
            counters: TxnCounters::default(),
            config: Mutex::new(config),
            dead_tuples: Mutex::new(HashMap::new()),
            autovacuum: Autovacuum::default(),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
            workers: Mutex::new(Vec::new()),
        });
        Self::start_workers(&mgr);
        Ok(mgr)
    }

    fn start_workers(mgr: &Arc<TxnManager>) {
        let weak = Arc::downgrade(mgr);
        let watchdog = std::thread::Builder::new()
            .name("rustydb-txn-watchdog".into())
            .spawn(move || watchdog_loop(weak))
            .expect("spawning the transaction watchdog");
        let weak = Arc::downgrade(mgr);
        let autovac = std::thread::Builder::new()
            .name("rustydb-autovacuum".into())
            .spawn(move || crate::vacuum::autovacuum_loop(weak))
            .expect("spawning autovacuum");
        mgr.workers.lock().extend([watchdog, autovac]);
    }

    /// Stops the background threads (also done on drop).
    pub fn shutdown(&self) {
        *self.stop.lock() = true;
        self.stop_cv.notify_all();
        let me = std::thread::current().id();
        for h in self.workers.lock().drain(..) {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }

    /// Sleeps up to `d`; `false` once the manager is stopping.
    pub(crate) fn nap(&self, d: Duration) -> bool {
        let mut stop = self.stop.lock();
        if !*stop {
            self.stop_cv.wait_for(&mut stop, d);
        }
        !*stop
    }

    /// The storage engine.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// The commit log.
    pub fn clog(&self) -> &Clog {
        &self.clog
    }

    /// The lock table.
    pub fn locks(&self) -> &LockManager {
        &self.locks
    }

    /// The current settings.
    pub fn config(&self) -> TxnConfig {
        self.config.lock().clone()
    }

    /// Changes the server-wide settings (new transactions pick them up).
    pub fn set_config(&self, config: TxnConfig) {
        self.locks.set_deadlock_timeout(config.deadlock_timeout);
        *self.config.lock() = config;
    }

    /// Begins a transaction.
    pub fn begin(self: &Arc<Self>, isolation: IsolationLevel) -> Result<Transaction> {
        let config = self.config();
        let (xid, shared) = {
            let mut a = self.active.lock();
            let xid = a.next_xid;
            a.next_xid += 1;
            let shared = Arc::new(TxnShared {
                xid,
                started_at: SystemTime::now(),
                isolation,
                owner: LockOwner::new(xid),
                exec: Arc::new(Mutex::new(())),
                state: AtomicU8::new(STATE_RUNNING),
                running_statement: AtomicBool::new(false),
                wrote: AtomicBool::new(false),
                ops: AtomicU64::new(0),
                statement: Mutex::new(None),
                session: Mutex::new(None),
                idle_since: Mutex::new(Some(Instant::now())),
                idle_timeout: Mutex::new(config.idle_in_transaction_timeout),
                snapshot_xmin: AtomicU64::new(0),
                terminated: Mutex::new(None),
            });
            a.running.insert(xid, shared.clone());
            (xid, shared)
        };
        // Nobody else can hold our own id yet, so this never waits.
        self.locks.acquire(
            &shared.owner,
            LockTag::Xid(xid),
            LockMode::X,
            &WaitOptions::default(),
        )?;
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        Ok(Transaction::new(self.clone(), shared, isolation, &config))
    }

    /// Begins a transaction at the default isolation level.
    pub fn begin_default(self: &Arc<Self>) -> Result<Transaction> {
        let iso = self.config().default_isolation;
        self.begin(iso)
    }

    /// A snapshot for transaction `me` at command `cid`.
    pub(crate) fn take_snapshot(&self, me: Xid, cid: u32) -> Snapshot {
        let a = self.active.lock();
        let xmax = a.next_xid;
        let active: Vec<Xid> = a.running.keys().copied().filter(|&x| x != me).collect();
        let xmin = active.first().copied().unwrap_or(xmax);
        Snapshot {
            xmin,
            xmax,
            active: active.into(),
            xid: me,
            cid,
        }
    }

    /// Whether `xid` is running now.
    pub fn is_running(&self, xid: Xid) -> bool {
        self.active.lock().running.contains_key(&xid)
    }

    /// The oldest transaction id any running transaction might still consider running:
    /// versions deleted by transactions older than this are invisible to everybody.
    pub fn horizon(&self) -> Xid {
        let a = self.active.lock();
        a.running
            .values()
            .map(|t| {
                let s = t.snapshot_xmin.load(Ordering::Acquire);
                if s == 0 { t.xid } else { s.min(t.xid) }
            })
            .min()
            .unwrap_or(a.next_xid)
    }

    /// Writes the commit or abort record of `shared` (its clog status), and for a commit
    /// waits for it to be durable.
    pub(crate) fn log_end(&self, shared: &TxnShared, commit: bool) -> Result<()> {
        if !shared.wrote.load(Ordering::Acquire) {
            return Ok(());
        }
        let (status, flags) = if commit {
            (XidStatus::Committed, FLAG_COMMIT)
        } else {
            (XidStatus::Aborted, FLAG_ABORT)
        };
        let lsn = {
            let mut g = self.clog.page_for(shared.xid)?;
            Clog::set(&mut g, shared.xid, status);
            let time = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_micros() as u64)
                .unwrap_or(0);
            mtr::log_pages(
                self.storage.wal(),
                RecordMeta {
                    xid: shared.xid,
                    flags,
                },
                &mut [&mut g],
                &time.to_le_bytes(),
            )?
        };
        if commit {
            self.storage.wal().flush(lsn)?;
        }
        Ok(())
    }

    /// Removes a finished transaction from the running set and releases its locks.
    pub(crate) fn finish(&self, shared: &TxnShared, committed: bool, reason: RollbackReason) {
        if shared.state.swap(STATE_DONE, Ordering::AcqRel) == STATE_DONE {
            return;
        }
        self.active.lock().running.remove(&shared.xid);
        self.locks.release_all(shared.xid);
        if committed {
            self.counters.committed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counters.rollback(reason);
        }
        tracing::debug!(
            target: "rustydb::txn",
            xid = shared.xid,
            outcome = if committed { "COMMIT" } else { "ROLLBACK" },
            reason = reason.as_str(),
            "transaction ended"
        );
    }

    /// Ends transaction `xid` from outside: an operator's abort (`Terminate`) or an
    /// idle-in-transaction timeout (`IdleTimeout`). Returns false if it is not running.
    pub fn terminate(&self, xid: Xid, why: Interrupt) -> bool {
        let Some(shared) = self.active.lock().running.get(&xid).cloned() else {
            return false;
        };
        let term = match why {
            Interrupt::IdleTimeout => Termination {
                reason: "terminating connection due to idle-in-transaction timeout".into(),
                code: ErrorCode::TransactionTimeout,
                sqlstate: "25P03",
                rollback: RollbackReason::Timeout,
            },
            _ => Termination {
                reason: format!("terminating transaction {xid} at administrator request"),
                code: ErrorCode::TransactionTerminated,
                sqlstate: "57P01",
                rollback: RollbackReason::Terminated,
            },
        };
        *shared.terminated.lock() = Some(term.clone());
        shared.owner.interrupt(why);
        if let Some(_idle) = shared.exec.try_lock() {
            // No statement is running: roll it back here and now.
            if let Err(e) = self.log_end(&shared, false) {
                tracing::warn!(xid, error = %e, "could not log the abort of a terminated transaction");
            }
            self.finish(&shared, false, term.rollback);
        }
        tracing::info!(target: "rustydb::txn", xid, reason = %term.reason, "transaction terminated");
        true
    }

    /// Cancels the statement transaction `xid` is running (PostgreSQL's
    /// `pg_cancel_backend`): a lock wait or a long loop fails with ERR-TXN-004 / 57014
    /// "canceling statement due to user request"; the transaction survives, failed.
    /// Returns false if `xid` is not running a statement.
    pub fn cancel(&self, xid: Xid) -> bool {
        let Some(shared) = self.active.lock().running.get(&xid).cloned() else {
            return false;
        };
        if !shared.running_statement.load(Ordering::Acquire) {
            return false;
        }
        shared.owner.interrupt(Interrupt::Cancel);
        true
    }

    /// Every running transaction.
    pub fn active_transactions(&self) -> Vec<TxnInfo> {
        let running: Vec<Arc<TxnShared>> = self.active.lock().running.values().cloned().collect();
        let waiting: std::collections::HashSet<Xid> =
            self.locks.waits().into_iter().map(|w| w.waiter).collect();
        running
            .iter()
            .map(|t| TxnInfo {
                xid: t.xid,
                started_at: t.started_at,
                isolation: t.isolation,
                activity: if waiting.contains(&t.xid) {
                    TxnActivity::Waiting
                } else if t.running_statement.load(Ordering::Acquire) {
                    TxnActivity::Active
                } else {
                    TxnActivity::IdleInTransaction
                },
                operations: t.ops.load(Ordering::Relaxed),
                locks_held: self.locks.held_by(t.xid).len(),
                statement: t.statement.lock().clone(),
                session: t.session.lock().clone(),
            })
            .collect()
    }

    /// One running transaction.
    pub fn transaction_info(&self, xid: Xid) -> Option<TxnInfo> {
        self.active_transactions()
            .into_iter()
            .find(|t| t.xid == xid)
    }

    /// Totals since start.
    pub fn totals(&self) -> TxnTotals {
        self.counters.snapshot()
    }

    /// The next transaction id that will be assigned.
    pub fn next_xid(&self) -> Xid {
        self.active.lock().next_xid
    }

    /// Counts versions of `rel` that became dead (autovacuum's trigger).
    pub(crate) fn add_dead(&self, rel: RelId, n: u64) {
        if n > 0 {
            *self.dead_tuples.lock().entry(rel).or_insert(0) += n;
        }
    }

    /// Dead versions per relation since each one's last vacuum.
    pub fn dead_tuple_counts(&self) -> Vec<(RelId, u64)> {
        self.dead_tuples
            .lock()
            .iter()
            .map(|(r, n)| (*r, *n))
            .collect()
    }

    /// Registers a heap for autovacuum, with the function that removes index entries
    /// pointing at vacuumed tuples.
    pub fn register_for_autovacuum(&self, heap: HeapFile, cleanup: crate::vacuum::IndexCleanup) {
        self.autovacuum.register(heap, cleanup);
    }

    /// Stops autovacuuming a heap (it is being dropped).
    pub fn unregister_for_autovacuum(&self, rel: RelId) {
        self.autovacuum.unregister(rel);
        self.dead_tuples.lock().remove(&rel);
    }
}

impl Drop for TxnManager {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn watchdog_loop(weak: Weak<TxnManager>) {
    loop {
        let Some(mgr) = weak.upgrade() else { return };
        if !mgr.nap(Duration::from_millis(100)) {
            return;
        }
        let running: Vec<Arc<TxnShared>> = mgr.active.lock().running.values().cloned().collect();
        for t in running {
            let Some(limit) = *t.idle_timeout.lock() else {
                continue;
            };
            let idle_for = t.idle_since.lock().map(|s| s.elapsed());
            if idle_for.is_some_and(|d| d >= limit) && !t.running_statement.load(Ordering::Acquire)
            {
                mgr.terminate(t.xid, Interrupt::IdleTimeout);
            }
        }
    }
}

impl From<&TxnError> for Option<RollbackReason> {
    fn from(e: &TxnError) -> Option<RollbackReason> {
        use crate::lock::LockError;
        Some(match e {
            TxnError::Serialization(_) => RollbackReason::Serialization,
            TxnError::Lock(LockError::Deadlock { .. }) => RollbackReason::Deadlock,
            TxnError::Lock(LockError::Timeout { .. }) => RollbackReason::LockTimeout,
            TxnError::Lock(LockError::Interrupted(Interrupt::Terminate)) => {
                RollbackReason::Terminated
            }
            TxnError::Lock(LockError::Interrupted(_)) => RollbackReason::Timeout,
            TxnError::Terminated { .. } => RollbackReason::Terminated,
            _ => return None,
        })
    }
}
