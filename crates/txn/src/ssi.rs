//! SERIALIZABLE: snapshot isolation plus commit-time validation of what was read.
//!
//! # Design
//! PostgreSQL's SSI tracks read/write anti-dependencies between concurrent transactions
//! and aborts one when two consecutive ones form a "dangerous structure". RustyDB uses a
//! simpler rule that is at least as strict:
//!
//! > A SERIALIZABLE transaction that wrote anything may commit only if no concurrent
//! > SERIALIZABLE transaction that committed before it wrote something it read.
//!
//! "Concurrent" means invisible to its snapshot. Under that rule the writing transactions
//! are equivalent to running one after another in commit order: each one's reads are
//! unchanged between its snapshot and its commit, so it could have run at its commit
//! point. A read-only transaction reads a snapshot, which holds exactly the writers that
//! committed before it, a prefix of that order, so it fits in the order at its snapshot
//! and never needs validating or aborting (PostgreSQL's safe-snapshot property, for free).
//! Fekete's read-only anomaly is prevented because the writer that would close the cycle
//! fails validation.
//!
//! The price is false positives PostgreSQL avoids: a transaction that read a row which a
//! concurrent transaction then changed fails even when no cycle exists. Both are allowed
//! to abort serializable transactions with 40001 at will; none commits an anomaly.
//!
//! # What is recorded
//! * reads: whole relations (sequential scans: a predicate on everything), index key
//!   ranges (index scans: a predicate on the range), and single versions (fetches);
//! * writes: versions inserted, updated or deleted, and index keys added or removed.
//!
//! A read set that grows past [`MAX_TUPLE_READS`] versions of one relation is promoted to
//! the whole relation, as PostgreSQL promotes predicate locks, to bound memory.
//!
//! Committed writers' write sets are kept while some running SERIALIZABLE transaction
//! might be concurrent with them. Only SERIALIZABLE transactions take part, as in
//! PostgreSQL: the guarantee is among them.
//!
//! # Visibility follows validation order
//! The argument above needs the order in which writers *become visible* to be the order
//! in which they were *validated*; otherwise a later-validated writer W2 could become
//! visible while an earlier one W1 is still writing its commit record, and a read-only
//! snapshot taken then would see W2 without W1, which no serial order explains. So
//! validation hands out a ticket, and after its commit record is durable a writer waits
//! until every earlier ticket is visible before it becomes visible itself
//! (`Ssi::make_visible_in_order`). The commit records themselves are still written and
//! fsynced concurrently (group commit is unaffected); only the last, in-memory step is
//! ordered.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use parking_lot::{Condvar, Mutex};
use rustydb_storage::{RelId, Tid};

use crate::error::{Result, TxnError};
use crate::manager::TxnManager;
use crate::snapshot::Snapshot;
use crate::xid::Xid;

/// Tuple reads of one relation beyond which the relation as a whole is recorded.
pub const MAX_TUPLE_READS: usize = 10_000;

/// A key range read from an index: the index and the bounds.
type KeyRange = (RelId, Bound<Vec<u8>>, Bound<Vec<u8>>);

/// What one SERIALIZABLE transaction read and wrote.
#[derive(Debug, Default)]
pub struct SsiTxn {
    read_rels: HashSet<RelId>,
    read_tuples: HashMap<RelId, HashSet<Tid>>,
    read_ranges: Vec<KeyRange>,
    writes: WriteSet,
}

#[derive(Debug, Default, Clone)]
struct WriteSet {
    rels: HashSet<RelId>,
    tuples: HashSet<(RelId, Tid)>,
    keys: Vec<(RelId, Vec<u8>)>,
}

impl SsiTxn {
    pub(crate) fn read_relation(&mut self, rel: RelId) {
        self.read_rels.insert(rel);
        self.read_tuples.remove(&rel);
    }

    pub(crate) fn read_tuple(&mut self, rel: RelId, tid: Tid) {
        if self.read_rels.contains(&rel) {
            return;
        }
        let set = self.read_tuples.entry(rel).or_default();
        set.insert(tid);
        if set.len() > MAX_TUPLE_READS {
            self.read_relation(rel);
        }
    }

    pub(crate) fn read_range(
        &mut self,
        index: RelId,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    ) {
        if !self.read_rels.contains(&index) {
            self.read_ranges.push((index, lower, upper));
        }
    }

    pub(crate) fn wrote_tuple(&mut self, rel: RelId, tid: Tid) {
        self.writes.rels.insert(rel);
        self.writes.tuples.insert((rel, tid));
    }

    pub(crate) fn wrote_key(&mut self, index: RelId, key: &[u8]) {
        self.writes.rels.insert(index);
        self.writes.keys.push((index, key.to_vec()));
    }

    fn conflicts_with(&self, w: &WriteSet) -> Option<String> {
        if let Some(rel) = self.read_rels.iter().find(|r| w.rels.contains(r)) {
            return Some(format!("relation {rel} was read and concurrently changed"));
        }
        for (rel, tid) in &w.tuples {
            if self.read_tuples.get(rel).is_some_and(|s| s.contains(tid)) {
                return Some(format!(
                    "row {tid} of relation {rel} was read and concurrently changed"
                ));
            }
        }
        for (index, key) in &w.keys {
            for (i, lo, hi) in &self.read_ranges {
                if i == index && in_range(key, lo, hi) {
                    return Some(format!(
                        "a key read in index {index} was concurrently inserted or removed"
                    ));
                }
            }
        }
        None
    }
}

fn in_range(key: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let above = match lo {
        Bound::Included(l) => key >= l.as_slice(),
        Bound::Excluded(l) => key > l.as_slice(),
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(h) => key <= h.as_slice(),
        Bound::Excluded(h) => key < h.as_slice(),
        Bound::Unbounded => true,
    };
    above && below
}

#[derive(Debug)]
struct Committed {
    xid: Xid,
    writes: WriteSet,
}

#[derive(Debug, Default)]
struct Published {
    writers: Vec<Committed>,
    /// The last ticket handed out.
    issued: u64,
}

/// The shared state: committed SERIALIZABLE writers still relevant, and the order in
/// which they become visible.
#[derive(Debug, Default)]
pub struct Ssi {
    published: Mutex<Published>,
    /// The last ticket whose writer became visible.
    visible: Mutex<u64>,
    turn: Condvar,
}

/// A validated writer's place in the visibility order. Dropping it without
/// [`Ssi::make_visible_in_order`] (an error path) still passes the turn on.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    ssi: &'a Ssi,
    n: u64,
    done: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.ssi.wait_turn(self.n);
            self.ssi.pass_turn(self.n);
        }
    }
}

impl Ssi {
    /// Validates transaction `xid` (see the module documentation) and, if it passes,
    /// publishes its writes for later validators. Validation and publication are one
    /// step under a mutex, so two validators always see each other in some order.
    pub(crate) fn validate_and_publish(
        &self,
        mgr: &TxnManager,
        xid: Xid,
        snapshot: &Snapshot,
        txn: SsiTxn,
    ) -> Result<Ticket<'_>> {
        let mut published = self.published.lock();
        // Drop writers every running transaction already sees.
        let horizon = mgr.horizon();
        published.writers.retain(|c| c.xid >= horizon);
        for c in published
            .writers
            .iter()
            .filter(|c| snapshot.in_progress(c.xid))
        {
            if let Some(why) = txn.conflicts_with(&c.writes) {
                tracing::debug!(target: "rustydb::txn", xid, other = c.xid, %why, "serialization failure");
                return Err(TxnError::Serialization(format!(
                    "read/write dependencies among transactions ({why}; transaction {} committed first)",
                    c.xid
                )));
            }
        }
        published.writers.push(Committed {
            xid,
            writes: txn.writes,
        });
        published.issued += 1;
        Ok(Ticket {
            ssi: self,
            n: published.issued,
            done: false,
        })
    }

    fn wait_turn(&self, n: u64) {
        let mut visible = self.visible.lock();
        while *visible + 1 < n {
            self.turn.wait(&mut visible);
        }
    }

    fn pass_turn(&self, n: u64) {
        let mut visible = self.visible.lock();
        *visible = (*visible).max(n);
        self.turn.notify_all();
    }

    /// Runs `make_visible` (removing the writer from the running set) once every writer
    /// validated before it has become visible, then lets the next one go.
    pub(crate) fn make_visible_in_order(
        &self,
        mut ticket: Ticket<'_>,
        make_visible: impl FnOnce(),
    ) {
        self.wait_turn(ticket.n);
        make_visible();
        self.pass_turn(ticket.n);
        ticket.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_promotion() {
        let mut t = SsiTxn::default();
        t.read_range(
            RelId(9),
            Bound::Included(b"b".to_vec()),
            Bound::Excluded(b"d".to_vec()),
        );
        let mut w = WriteSet::default();
        w.keys.push((RelId(9), b"d".to_vec()));
        assert!(t.conflicts_with(&w).is_none());
        w.keys.push((RelId(9), b"c".to_vec()));
        assert!(t.conflicts_with(&w).is_some());
        let mut t = SsiTxn::default();
        for i in 0..=MAX_TUPLE_READS as u32 {
            t.read_tuple(RelId(5), Tid::new(i, 0));
        }
        assert!(t.read_rels.contains(&RelId(5)), "promoted to the relation");
    }
}
