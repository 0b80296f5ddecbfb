//! Snapshots and the visibility rules.
//!
//! A snapshot records which transactions had finished when it was taken: every id below
//! `xmin` had finished, every id from `xmax` on had not started, and `active` lists those
//! in between still running. A version is visible to a snapshot when its inserter
//! committed before the snapshot (or is the snapshot's own transaction, in an earlier
//! command) and its deleter, if any, did not. These are PostgreSQL's rules
//! (`HeapTupleSatisfiesMVCC`), and like PostgreSQL the commit log is consulted only for
//! transactions the snapshot considers finished: one that committed after the snapshot
//! was taken stays invisible because it is in `active` or at or past `xmax`.

use std::sync::Arc;

use crate::clog::{Clog, XidStatus};
use crate::error::Result;
use crate::tuple::TupleHeader;
use crate::xid::{INVALID_XID, Xid};

/// A snapshot. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Every transaction below this had finished.
    pub xmin: Xid,
    /// Every transaction from this on had not started.
    pub xmax: Xid,
    /// Transactions in `[xmin, xmax)` still running, sorted.
    pub active: Arc<[Xid]>,
    /// The transaction the snapshot belongs to.
    pub xid: Xid,
    /// Commands of that transaction before this one are visible.
    pub cid: u32,
}

impl Snapshot {
    /// Whether `x` was running (or not yet started) when the snapshot was taken.
    pub fn in_progress(&self, x: Xid) -> bool {
        x >= self.xmax || (x >= self.xmin && self.active.binary_search(&x).is_ok())
    }

    /// Whether `x` committed before the snapshot was taken.
    pub fn sees_committed(&self, x: Xid, clog: &Clog) -> Result<bool> {
        Ok(!self.in_progress(x) && clog.status(x)? == XidStatus::Committed)
    }

    /// Whether the version with header `h` is visible to this snapshot.
    pub fn is_visible(&self, h: &TupleHeader, clog: &Clog) -> Result<bool> {
        if h.xmin_invalid() {
            return Ok(false);
        }
        if h.xmin == self.xid {
            if h.cmin >= self.cid {
                return Ok(false);
            }
            return Ok(h.xmax != self.xid || h.cmax >= self.cid);
        }
        if !self.sees_committed(h.xmin, clog)? {
            return Ok(false);
        }
        if h.xmax == INVALID_XID {
            return Ok(true);
        }
        if h.xmax == self.xid {
            return Ok(h.cmax >= self.cid);
        }
        Ok(!self.sees_committed(h.xmax, clog)?)
    }
}

/// What vacuum may do with a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VacuumStatus {
    /// Visible to someone now or later.
    Live,
    /// Deleted, but a running snapshot may still see it.
    RecentlyDead,
    /// Invisible to every current and future snapshot: can be removed.
    Dead,
    /// Its inserter is still running.
    InsertInProgress,
    /// Its deleter is still running.
    DeleteInProgress,
}

/// Classifies a version for vacuum. `horizon` is the oldest transaction id any running
/// snapshot could still consider running; `running(x)` says whether `x` is running now.
pub fn vacuum_status(
    h: &TupleHeader,
    horizon: Xid,
    clog: &Clog,
    running: &dyn Fn(Xid) -> bool,
) -> Result<VacuumStatus> {
    if h.xmin_invalid() {
        return Ok(VacuumStatus::Dead);
    }
    if running(h.xmin) {
        return Ok(VacuumStatus::InsertInProgress);
    }
    if clog.status(h.xmin)? != XidStatus::Committed {
        // Aborted, or crashed while running.
        return Ok(VacuumStatus::Dead);
    }
    if h.xmax == INVALID_XID {
        return Ok(VacuumStatus::Live);
    }
    if running(h.xmax) {
        return Ok(VacuumStatus::DeleteInProgress);
    }
    if clog.status(h.xmax)? != XidStatus::Committed {
        return Ok(VacuumStatus::Live);
    }
    Ok(if h.xmax < horizon {
        VacuumStatus::Dead
    } else {
        VacuumStatus::RecentlyDead
    })
}

/// Whether a version counts against a unique key, as PostgreSQL's "dirty" check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueStatus {
    /// It exists for good (or was inserted by the asking transaction): a duplicate.
    Live,
    /// It does not exist for anyone any more, or never did.
    Gone,
    /// Its fate depends on a running transaction: wait for it and check again.
    Wait(Xid),
}

/// Classifies a version for a uniqueness check by transaction `me`.
pub fn unique_status(
    h: &TupleHeader,
    me: Xid,
    clog: &Clog,
    running: &dyn Fn(Xid) -> bool,
) -> Result<UniqueStatus> {
    if h.xmin_invalid() {
        return Ok(UniqueStatus::Gone);
    }
    if h.xmin != me {
        if running(h.xmin) {
            return Ok(UniqueStatus::Wait(h.xmin));
        }
        if clog.status(h.xmin)? != XidStatus::Committed {
            return Ok(UniqueStatus::Gone);
        }
    }
    if h.xmax == INVALID_XID {
        return Ok(UniqueStatus::Live);
    }
    if h.xmax == me {
        return Ok(UniqueStatus::Gone);
    }
    if running(h.xmax) {
        return Ok(UniqueStatus::Wait(h.xmax));
    }
    Ok(if clog.status(h.xmax)? == XidStatus::Committed {
        UniqueStatus::Gone
    } else {
        UniqueStatus::Live
    })
}
