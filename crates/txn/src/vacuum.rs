//! VACUUM: reclaiming versions no snapshot can see any more.
//!
//! # Design
//! A version is dead when its inserter aborted (or crashed, or rolled back to a savepoint),
//! or when its deleter committed before the *horizon*: the oldest transaction id that a
//! running transaction's snapshot might still consider running
//! ([`crate::TxnManager::horizon`]). A long-running REPEATABLE READ transaction therefore
//! holds back vacuum for everything deleted since it started, which statistics show.
//!
//! Vacuuming a heap is three passes, as in PostgreSQL:
//! 1. scan the heap and collect the ids of dead versions;
//! 2. remove every index entry pointing at them (the caller's `cleanup`, since indexes
//!    belong to the SQL layer);
//! 3. mark those slots unused and compact each page, so inserts reuse the space; the
//!    free-space map learns about it. A slot is reused only after step 2, so no index
//!    entry can point at a new row by accident; callers of index scans still re-check the
//!    row against the key, because a scan may hold an entry it read before step 2.
//!
//! Autovacuum runs the same on every registered heap whose dead-version count (kept by
//! commits and rollbacks) passes `50 + 20%` of its live rows, PostgreSQL's default
//! threshold.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rustydb_storage::{HeapFile, RecordMeta, RelId, Tid};

use crate::error::Result;
use crate::manager::TxnManager;
use crate::snapshot::{VacuumStatus, vacuum_status};
use crate::tuple::TupleHeader;

/// Removes index entries pointing at the given heap versions.
pub type IndexCleanup = Arc<dyn Fn(&HashSet<Tid>) -> Result<()> + Send + Sync>;

/// What one vacuum of a heap did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VacuumReport {
    /// The heap.
    pub rel: Option<RelId>,
    /// Pages scanned.
    pub pages: u32,
    /// Dead versions removed.
    pub removed: u64,
    /// Live versions left.
    pub live: u64,
    /// Deleted versions kept because a running snapshot may still see them.
    pub recently_dead: u64,
    /// The horizon used.
    pub horizon: u64,
    /// Milliseconds taken.
    pub millis: u64,
}

impl TxnManager {
    /// Vacuums `heap`. `cleanup` removes index entries for the dead versions found.
    pub fn vacuum(
        &self,
        heap: &HeapFile,
        cleanup: &dyn Fn(&HashSet<Tid>) -> Result<()>,
    ) -> Result<VacuumReport> {
        let started = Instant::now();
        let horizon = self.horizon();
        let mut report = VacuumReport {
            rel: Some(heap.rel()),
            horizon,
            ..Default::default()
        };
        let mut dead: BTreeMap<u32, Vec<u16>> = BTreeMap::new();
        let mut ring = rustydb_storage::buffer::ScanRing::new();
        let nblocks = heap.nblocks()?;
        let running = |x| self.is_running(x);
        for page_no in 0..nblocks {
            let g = heap.page_in_ring(page_no, &mut ring)?;
            report.pages += 1;
            for (slot, t) in HeapFile::tuples(&g) {
                let Some(h) = TupleHeader::decode(t) else {
                    continue;
                };
                match vacuum_status(&h, horizon, self.clog(), &running)? {
                    VacuumStatus::Dead => dead.entry(page_no).or_default().push(slot),
                    VacuumStatus::RecentlyDead => report.recently_dead += 1,
                    _ => report.live += 1,
                }
            }
            // Slots left dead by an earlier, interrupted vacuum.
            let (_, already_dead, _) = HeapFile::slot_states(&g);
            if !already_dead.is_empty() {
                dead.entry(page_no).or_default().extend(already_dead);
            }
        }
        let tids: HashSet<Tid> = dead
            .iter()
            .flat_map(|(p, slots)| slots.iter().map(|s| Tid::new(*p, *s)))
            .collect();
        if !tids.is_empty() {
            cleanup(&tids)?;
        }
        for (page_no, slots) in &dead {
            heap.vacuum_page(*page_no, &[], slots, RecordMeta::NONE)?;
        }
        report.removed = tids.len() as u64;
        self.dead_tuples.lock().insert(heap.rel(), 0);
        report.millis = started.elapsed().as_millis() as u64;
        tracing::info!(
            rel = %heap.rel(),
            removed = report.removed,
            live = report.live,
            recently_dead = report.recently_dead,
            horizon,
            "VACUUM done"
        );
        Ok(report)
    }
}

#[derive(Default)]
struct Registered {
    heaps: HashMap<RelId, (HeapFile, IndexCleanup)>,
    last: HashMap<RelId, VacuumReport>,
    runs: u64,
}

/// The set of heaps autovacuum looks after.
#[derive(Default)]
pub struct Autovacuum {
    inner: Mutex<Registered>,
}

impl std::fmt::Debug for Autovacuum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.inner.lock();
        f.debug_struct("Autovacuum")
            .field("heaps", &r.heaps.len())
            .field("runs", &r.runs)
            .finish()
    }
}

impl Autovacuum {
    pub(crate) fn register(&self, heap: HeapFile, cleanup: IndexCleanup) {
        self.inner.lock().heaps.insert(heap.rel(), (heap, cleanup));
    }

    pub(crate) fn unregister(&self, rel: RelId) {
        let mut r = self.inner.lock();
        r.heaps.remove(&rel);
        r.last.remove(&rel);
    }

    /// Autovacuum runs so far.
    pub fn runs(&self) -> u64 {
        self.inner.lock().runs
    }

    /// The last autovacuum report per heap.
    pub fn last_reports(&self) -> Vec<VacuumReport> {
        self.inner.lock().last.values().cloned().collect()
    }
}

impl TxnManager {
    /// Runs one autovacuum round now: vacuums every registered heap over its threshold.
    pub fn autovacuum_round(&self) -> usize {
        let candidates: Vec<(HeapFile, IndexCleanup, u64)> = {
            let reg = self.autovacuum.inner.lock();
            let dead = self.dead_tuples.lock();
            reg.heaps
                .iter()
                .filter_map(|(rel, (heap, cleanup))| {
                    let d = dead.get(rel).copied().unwrap_or(0);
                    let live = reg.last.get(rel).map_or(0, |r| r.live);
                    (d > 50 + live / 5).then(|| (heap.clone(), cleanup.clone(), d))
                })
                .collect()
        };
        let mut done = 0;
        for (heap, cleanup, dead) in candidates {
            tracing::debug!(rel = %heap.rel(), dead, "autovacuum: vacuuming");
            match self.vacuum(&heap, &*cleanup) {
                Ok(report) => {
                    let mut reg = self.autovacuum.inner.lock();
                    reg.runs += 1;
                    reg.last.insert(heap.rel(), report);
                    done += 1;
                }
                Err(e) => tracing::warn!(rel = %heap.rel(), error = %e, "autovacuum failed"),
            }
        }
        done
    }
}

pub(crate) fn autovacuum_loop(weak: Weak<TxnManager>) {
    let mut last = Instant::now();
    loop {
        let Some(mgr) = weak.upgrade() else { return };
        if !mgr.nap(Duration::from_millis(200)) {
            return;
        }
        let cfg = mgr.config();
        if !cfg.autovacuum || last.elapsed() < cfg.autovacuum_naptime {
            continue;
        }
        last = Instant::now();
        mgr.autovacuum_round();
    }
}
