//! The lock manager: a sharded table of lock queues and the per-owner index of held
//! locks; granting, releasing and introspection. The wait loop is in `wait.rs`, the
//! deadlock check a waiter runs in `deadlock.rs`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Mutex, MutexGuard};

use super::error::LockError;
use super::mode::LockMode;
use super::queue::{LockQueue, Request};
use super::stats::{Counters, DeadlockEvent, History, LockStats, LockWait, bump, drop_one};
use super::tag::LockTag;
use super::wait::{LockOwner, WaitOptions, WaitState};

/// Partitions of the lock table (and of the owner index). Unrelated locks rarely share
/// a mutex; the deadlock check, which takes them all, stays cheap.
pub(super) const SHARDS: usize = 16;

/// PostgreSQL's default `deadlock_timeout`.
pub const DEFAULT_DEADLOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// The shortest `deadlock_timeout` accepted (PostgreSQL's minimum too): a waiter whose
/// check finds no cycle sleeps this long before the next, so zero would spin.
pub const MIN_DEADLOCK_TIMEOUT: Duration = Duration::from_millis(1);

/// How a successful request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acquired {
    /// The owner did not hold the resource and now does.
    Granted,
    /// The owner already held the mode asked for or a stronger one; nothing changed.
    AlreadyHeld,
    /// The owner held a weaker mode and now holds the join of both.
    Upgraded,
}

#[derive(Debug, Default)]
pub(super) struct Shard {
    pub(super) queues: HashMap<LockTag, LockQueue>,
}

/// Locks held by each owner: the index behind `release_all` and `held_by`. Updated
/// only under the shard lock of the resource, so it always agrees with the queues.
type OwnerIndex = HashMap<u64, HashMap<LockTag, LockMode>>;

/// What the table decided about a request on arrival.
enum Decision {
    Done(Acquired),
    Wait {
        held: Option<LockMode>,
        target: LockMode,
    },
}

/// The lock table. `Send + Sync`; share it with an `Arc`. See the module essay in
/// [`super`] for the rules it enforces.
pub struct LockManager {
    pub(super) shards: Box<[Mutex<Shard>]>,
    owners: Box<[Mutex<OwnerIndex>]>,
    deadlock_timeout_nanos: AtomicU64,
    pub(super) counters: Counters,
    pub(super) history: History,
}

impl Default for LockManager {
    fn default() -> LockManager {
        LockManager::new(DEFAULT_DEADLOCK_TIMEOUT)
    }
}

impl fmt::Debug for LockManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockManager")
            .field("shards", &self.shards.len())
            .field("deadlock_timeout", &self.deadlock_timeout())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl LockManager {
    /// An empty lock table whose waiters look for deadlocks after `deadlock_timeout`.
    pub fn new(deadlock_timeout: Duration) -> LockManager {
        let manager = LockManager {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            owners: (0..SHARDS).map(|_| Mutex::default()).collect(),
            deadlock_timeout_nanos: AtomicU64::new(0),
            counters: Counters::default(),
            history: History::default(),
        };
        manager.set_deadlock_timeout(deadlock_timeout);
        manager
    }

    /// Changes `deadlock_timeout` (at least [`MIN_DEADLOCK_TIMEOUT`]). Waits that have
    /// already begun keep the check time they scheduled, as in PostgreSQL.
    pub fn set_deadlock_timeout(&self, d: Duration) {
        let d = d.max(MIN_DEADLOCK_TIMEOUT);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.deadlock_timeout_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The current `deadlock_timeout`.
    pub fn deadlock_timeout(&self) -> Duration {
        Duration::from_nanos(self.deadlock_timeout_nanos.load(Ordering::Relaxed))
    }

    pub(super) fn shard(&self, tag: &LockTag) -> MutexGuard<'_, Shard> {
        self.shards[tag.shard(SHARDS)].lock()
    }

    fn owner_index(&self, owner: u64) -> MutexGuard<'_, OwnerIndex> {
        self.owners[(owner % SHARDS as u64) as usize].lock()
    }

    /// Locks `tag` in `mode` for `owner`, waiting as long as `opts` allow.
    ///
    /// Fails at once with [`LockError::Interrupted`] if the owner has a pending
    /// interrupt: a cancelled statement takes no further locks.
    pub fn acquire(
        &self,
        owner: &Arc<LockOwner>,
        tag: LockTag,
        mode: LockMode,
        opts: &WaitOptions,
    ) -> Result<Acquired, LockError> {
        self.check_interrupt(owner)?;
        let (since, upgrade) = {
            let mut shard = self.shard(&tag);
            let (held, target) = match self.decide(&mut shard, owner.id(), tag, mode) {
                Decision::Done(acquired) => return Ok(acquired),
                Decision::Wait { held, target } => (held, target),
            };
            let since = Instant::now();
            let queue = shard.queues.entry(tag).or_default();
            queue.enqueue(Request {
                owner: Arc::clone(owner),
                requested: mode,
                target,
                held,
                since,
            });
            // Set under the shard lock, before anyone can grant the request.
            owner.cell().state = WaitState::Waiting;
            bump(&self.counters.waits);
            bump(&self.counters.waiting);
            (since, held.is_some())
        };
        let granted = if upgrade {
            Acquired::Upgraded
        } else {
            Acquired::Granted
        };
        self.wait(owner, tag, mode, granted, since, opts)
    }

    /// `NOWAIT`: locks `tag` if that is possible without waiting, `Ok(None)` otherwise
    /// (nothing is queued). Fails only on a pending interrupt.
    pub fn try_acquire(
        &self,
        owner: &Arc<LockOwner>,
        tag: LockTag,
        mode: LockMode,
    ) -> Result<Option<Acquired>, LockError> {
        self.check_interrupt(owner)?;
        let mut shard = self.shard(&tag);
        match self.decide(&mut shard, owner.id(), tag, mode) {
            Decision::Done(acquired) => Ok(Some(acquired)),
            Decision::Wait { .. } => Ok(None),
        }
    }

    fn check_interrupt(&self, owner: &LockOwner) -> Result<(), LockError> {
        match owner.pending_interrupt() {
            Some(reason) => {
                bump(&self.counters.interrupts);
                Err(LockError::Interrupted(reason))
            }
            None => Ok(()),
        }
    }

    /// Grants the request at once if the rules allow; otherwise says what to queue.
    /// Never leaves an empty queue behind.
    fn decide(&self, shard: &mut Shard, owner: u64, tag: LockTag, mode: LockMode) -> Decision {
        let Some(queue) = shard.queues.get_mut(&tag) else {
            let mut queue = LockQueue::default();
            let acquired = self.record_grant(tag, &mut queue, owner, mode);
            shard.queues.insert(tag, queue);
            return Decision::Done(acquired);
        };
        let held = queue.held_by(owner);
        if held.is_some_and(|h| h.covers(mode)) {
            bump(&self.counters.already_held);
            return Decision::Done(Acquired::AlreadyHeld);
        }
        let target = held.map_or(mode, |h| h.join(mode));
        if queue.grantable_on_arrival(owner, target, held.is_some()) {
            Decision::Done(self.record_grant(tag, queue, owner, target))
        } else {
            Decision::Wait { held, target }
        }
    }

    /// Records a grant in the queue and the owner index. The caller holds the shard.
    fn record_grant(
        &self,
        tag: LockTag,
        queue: &mut LockQueue,
        owner: u64,
        mode: LockMode,
    ) -> Acquired {
        let upgrade = queue.grant(owner, mode);
        self.owner_index(owner)
            .entry(owner)
            .or_default()
            .insert(tag, mode);
        bump(&self.counters.acquisitions);
        if upgrade {
            Acquired::Upgraded
        } else {
            bump(&self.counters.held);
            Acquired::Granted
        }
    }

    /// Walks the queue from the head granting every request that fits, and stops at
    /// the first that does not. The caller holds the shard.
    pub(super) fn grant_waiters(&self, tag: LockTag, queue: &mut LockQueue) {
        while let Some(request) = queue.pop_grantable() {
            self.record_grant(tag, queue, request.owner_id(), request.target);
            request.owner.decide(WaitState::Granted);
        }
    }

    /// Removes `tag`'s queue if nothing is left in it.
    pub(super) fn drop_if_empty(shard: &mut Shard, tag: &LockTag) {
        if shard.queues.get(tag).is_some_and(LockQueue::is_empty) {
            shard.queues.remove(tag);
        }
    }

    /// Drops `owner`'s lock on `tag`, whatever its mode, and grants waiters it was
    /// holding back. `false` if the owner did not hold it. A waiting request of the
    /// owner is not touched.
    pub fn release(&self, owner_id: u64, tag: LockTag) -> bool {
        let mut shard = self.shard(&tag);
        let Some(queue) = shard.queues.get_mut(&tag) else {
            return false;
        };
        if queue.ungrant(owner_id).is_none() {
            return false;
        }
        self.forget(owner_id, &tag);
        drop_one(&self.counters.held);
        self.grant_waiters(tag, queue);
        Self::drop_if_empty(&mut shard, &tag);
        true
    }

    /// Releases every lock `owner_id` holds, at the end of its transaction, and
    /// returns how many there were. Call it from the owner's own thread once no
    /// request of it is waiting (a deadlock victim's request is already gone).
    pub fn release_all(&self, owner_id: u64) -> usize {
        let held: Vec<LockTag> = match self.owner_index(owner_id).get(&owner_id) {
            Some(held) => held.keys().copied().collect(),
            None => return 0,
        };
        // One visit per shard, in a fixed order. Each index entry goes away under the
        // shard of its resource, together with the grant, so `held_by` never disagrees
        // with the queues.
        let mut by_shard: BTreeMap<usize, Vec<LockTag>> = BTreeMap::new();
        for tag in held {
            by_shard.entry(tag.shard(SHARDS)).or_default().push(tag);
        }
        let mut released = 0;
        for (index, tags) in by_shard {
            let mut shard = self.shards[index].lock();
            for tag in tags {
                let Some(queue) = shard.queues.get_mut(&tag) else {
                    continue;
                };
                if queue.ungrant(owner_id).is_some() {
                    released += 1;
                    self.forget(owner_id, &tag);
                    drop_one(&self.counters.held);
                    self.grant_waiters(tag, queue);
                }
                Self::drop_if_empty(&mut shard, &tag);
            }
        }
        released
    }

    /// Removes `tag` from `owner`'s index entry. The caller holds `tag`'s shard.
    fn forget(&self, owner: u64, tag: &LockTag) {
        let mut index = self.owner_index(owner);
        if let Some(held) = index.get_mut(&owner) {
            held.remove(tag);
            if held.is_empty() {
                index.remove(&owner);
            }
        }
    }

    /// The locks `owner_id` holds, sorted by tag.
    pub fn held_by(&self, owner_id: u64) -> Vec<(LockTag, LockMode)> {
        let mut held: Vec<(LockTag, LockMode)> = self
            .owner_index(owner_id)
            .get(&owner_id)
            .map(|h| h.iter().map(|(t, m)| (*t, *m)).collect())
            .unwrap_or_default();
        held.sort_by_key(|(tag, _)| *tag);
        held
    }

    /// Every waiting request with the transactions it waits for, longest wait first.
    /// Shards are read one at a time, so this is not one instant's picture (the
    /// deadlock check takes its own, consistent one).
    pub fn waits(&self) -> Vec<LockWait> {
        let now = Instant::now();
        let wall = SystemTime::now();
        let mut out: Vec<(Instant, LockWait)> = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock();
            for (tag, queue) in &shard.queues {
                for (index, request) in queue.waiting.iter().enumerate() {
                    let waited = now.saturating_duration_since(request.since);
                    out.push((
                        request.since,
                        LockWait {
                            waiter: request.owner_id(),
                            tag: *tag,
                            mode: request.requested,
                            held: request.held,
                            blockers: queue.blockers_of(index),
                            since: wall.checked_sub(waited).unwrap_or(wall),
                            waited,
                        },
                    ));
                }
            }
        }
        out.sort_by_key(|(since, w)| (*since, w.waiter));
        out.into_iter().map(|(_, w)| w).collect()
    }

    /// Counters since creation.
    pub fn stats(&self) -> LockStats {
        self.counters.snapshot()
    }

    /// Up to `limit` of the last [`super::DEADLOCK_HISTORY`] deadlocks, newest first.
    pub fn deadlocks(&self, limit: usize) -> Vec<DeadlockEvent> {
        self.history.recent(limit)
    }

    /// Checks the table's internal agreement: grants of different owners on one
    /// resource are compatible, the owner index mirrors the queues, no queue is empty,
    /// and every waiter is marked waiting. Returns the number of queues.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) -> Result<usize, String> {
        let mut from_queues: HashMap<u64, HashMap<LockTag, LockMode>> = HashMap::new();
        let mut queues = 0;
        // All shards first, then the owner index: the order the table itself uses, and
        // one consistent instant even while other threads work.
        let shards: Vec<MutexGuard<'_, Shard>> = self.shards.iter().map(|s| s.lock()).collect();
        for shard in &shards {
            for (tag, queue) in &shard.queues {
                queues += 1;
                if queue.is_empty() {
                    return Err(format!("empty queue left for {tag}"));
                }
                for (i, a) in queue.granted.iter().enumerate() {
                    for b in &queue.granted[i + 1..] {
                        if a.owner == b.owner || !a.mode.compatible_with(b.mode) {
                            return Err(format!("{tag}: conflicting grants {a:?} {b:?}"));
                        }
                    }
                    from_queues.entry(a.owner).or_default().insert(*tag, a.mode);
                }
                for w in &queue.waiting {
                    if !matches!(w.owner.cell().state, WaitState::Waiting) {
                        return Err(format!("{tag}: waiter {} not marked waiting", w.owner_id()));
                    }
                }
            }
        }
        let mut from_index: HashMap<u64, HashMap<LockTag, LockMode>> = HashMap::new();
        for index in self.owners.iter() {
            for (owner, held) in index.lock().iter() {
                from_index.insert(*owner, held.clone());
            }
        }
        if from_queues != from_index {
            return Err(format!(
                "owner index {from_index:?} != queues {from_queues:?}"
            ));
        }
        Ok(queues)
    }
}
