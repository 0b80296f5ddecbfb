//! One resource's lock queue: who holds it in which mode, who waits, and the rules
//! deciding who may go next. Pure bookkeeping; waking owners is the table's job.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use super::mode::LockMode;
use super::wait::LockOwner;

/// A granted lock: one per owner and resource, in the join of every mode it asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant {
    pub(crate) owner: u64,
    pub(crate) mode: LockMode,
}

/// A request waiting in a queue.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) owner: Arc<LockOwner>,
    /// The mode the caller asked for (shown in reports).
    pub(crate) requested: LockMode,
    /// What it will hold once granted: `requested` joined with what it already holds.
    /// Conflicts are judged on this.
    pub(crate) target: LockMode,
    /// The mode it already holds, for an upgrade.
    pub(crate) held: Option<LockMode>,
    pub(crate) since: Instant,
}

impl Request {
    pub(crate) fn owner_id(&self) -> u64 {
        self.owner.id()
    }

    pub(crate) fn is_upgrade(&self) -> bool {
        self.held.is_some()
    }
}

/// The queue of one resource. Holders are few, so vectors beat maps here.
#[derive(Debug, Default)]
pub(crate) struct LockQueue {
    pub(crate) granted: Vec<Grant>,
    pub(crate) waiting: VecDeque<Request>,
}

impl LockQueue {
    pub(crate) fn is_empty(&self) -> bool {
        self.granted.is_empty() && self.waiting.is_empty()
    }

    pub(crate) fn held_by(&self, owner: u64) -> Option<LockMode> {
        self.granted
            .iter()
            .find(|g| g.owner == owner)
            .map(|g| g.mode)
    }

    /// Whether `mode` is compatible with every lock granted to somebody else.
    pub(crate) fn compatible_with_holders(&self, owner: u64, mode: LockMode) -> bool {
        self.granted
            .iter()
            .all(|g| g.owner == owner || g.mode.compatible_with(mode))
    }

    /// Whether a request arriving now may be granted without queueing. A newcomer must
    /// also be compatible with everything already waiting (FIFO: it may not overtake a
    /// conflicting waiter, or a stream of readers would starve a writer). An upgrade
    /// by a holder need only fit the other holders: it would be queued ahead of every
    /// non-holder anyway, and making it wait behind a waiter that in turn waits for
    /// this holder's lock would be a deadlock of our own making.
    pub(crate) fn grantable_on_arrival(&self, owner: u64, target: LockMode, upgrade: bool) -> bool {
        self.compatible_with_holders(owner, target)
            && (upgrade
                || self
                    .waiting
                    .iter()
                    .all(|w| w.target.compatible_with(target)))
    }

    /// Where a new waiting request goes: an upgrade after the upgrades already waiting
    /// and before every non-holder, anything else at the tail.
    pub(crate) fn enqueue(&mut self, request: Request) {
        if request.is_upgrade() {
            let at = self
                .waiting
                .iter()
                .position(|w| !w.is_upgrade())
                .unwrap_or(self.waiting.len());
            self.waiting.insert(at, request);
        } else {
            self.waiting.push_back(request);
        }
    }

    /// Removes `owner`'s waiting request, if it has one.
    pub(crate) fn remove_waiter(&mut self, owner: u64) -> Option<Request> {
        let at = self.waiting.iter().position(|w| w.owner_id() == owner)?;
        self.waiting.remove(at)
    }

    /// Records a grant of `mode` (replacing a weaker grant of the same owner). Returns
    /// whether the owner already held something, i.e. whether this was an upgrade.
    pub(crate) fn grant(&mut self, owner: u64, mode: LockMode) -> bool {
        match self.granted.iter_mut().find(|g| g.owner == owner) {
            Some(g) => {
                g.mode = mode;
                true
            }
            None => {
                self.granted.push(Grant { owner, mode });
                false
            }
        }
    }

    /// Drops `owner`'s grant, returning its mode.
    pub(crate) fn ungrant(&mut self, owner: u64) -> Option<LockMode> {
        let at = self.granted.iter().position(|g| g.owner == owner)?;
        Some(self.granted.swap_remove(at).mode)
    }

    /// Pops the head of the queue if it can be granted now. Everything ahead of the
    /// head has been granted, so only the holders matter. Called in a loop by the
    /// releaser; the first refusal ends the walk, so nobody overtakes a waiter that is
    /// still blocked.
    pub(crate) fn pop_grantable(&mut self) -> Option<Request> {
        let head = self.waiting.front()?;
        if self.compatible_with_holders(head.owner_id(), head.target) {
            self.waiting.pop_front()
        } else {
            None
        }
    }

    /// The owners the waiter at `index` waits for: holders of conflicting locks, and
    /// conflicting requests queued ahead of it (FIFO makes it wait for those too). A
    /// waiter that conflicts with none of them is held back only by the no-overtaking
    /// rule, behind a blocked request ahead; it then waits for every request ahead of
    /// it. Sorted and without duplicates, so the deadlock search is deterministic.
    pub(crate) fn blockers_of(&self, index: usize) -> Vec<u64> {
        let Some(me) = self.waiting.get(index) else {
            return Vec::new();
        };
        let my_id = me.owner_id();
        let ahead = self
            .waiting
            .iter()
            .take(index)
            .filter(|w| w.owner_id() != my_id);
        let mut out: Vec<u64> = self
            .granted
            .iter()
            .filter(|g| g.owner != my_id && !g.mode.compatible_with(me.target))
            .map(|g| g.owner)
            .chain(
                ahead
                    .clone()
                    .filter(|w| !w.target.compatible_with(me.target))
                    .map(Request::owner_id),
            )
            .collect();
        if out.is_empty() {
            out = ahead.map(Request::owner_id).collect();
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
