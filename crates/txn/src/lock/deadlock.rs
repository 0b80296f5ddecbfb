//! The waits-for graph, the search for a cycle through a waiter, and breaking it.
//!
//! The graph is built from a consistent snapshot of the whole lock table (the caller
//! holds every shard), so every edge existed at the same instant and a cycle found is
//! a real deadlock, never an artefact of reading one shard before and another after a
//! release.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::{Instant, SystemTime};

use parking_lot::MutexGuard;

use super::mode::LockMode;
use super::queue::LockQueue;
use super::stats::{DeadlockEvent, bump};
use super::table::{LockManager, SHARDS, Shard};
use super::tag::LockTag;
use super::wait::WaitState;

/// What one waiting owner waits for.
#[derive(Debug)]
struct WaitNode {
    tag: LockTag,
    requested: LockMode,
    blockers: Vec<u64>,
}

/// Waiting owners and whom each waits for. Owners that hold locks but do not wait
/// have no node: they are sinks.
#[derive(Debug, Default)]
pub(crate) struct WaitsFor {
    nodes: HashMap<u64, WaitNode>,
}

impl WaitsFor {
    pub(crate) fn build<'a>(
        queues: impl Iterator<Item = (&'a LockTag, &'a LockQueue)>,
    ) -> WaitsFor {
        let mut nodes = HashMap::new();
        for (tag, queue) in queues {
            for (index, request) in queue.waiting.iter().enumerate() {
                nodes.entry(request.owner_id()).or_insert_with(|| WaitNode {
                    tag: *tag,
                    requested: request.requested,
                    blockers: queue.blockers_of(index),
                });
            }
        }
        WaitsFor { nodes }
    }

    /// What `owner` waits for, if it waits.
    pub(crate) fn waits_for(&self, owner: u64) -> Option<(LockTag, LockMode)> {
        self.nodes.get(&owner).map(|n| (n.tag, n.requested))
    }

    fn blockers(&self, owner: u64) -> &[u64] {
        self.nodes.get(&owner).map_or(&[], |n| &n.blockers)
    }

    /// A cycle through `start`, as the list of owners along it beginning with `start`
    /// (each waits for the next, the last for `start`), or `None`.
    ///
    /// Depth-first and iterative, so a long chain of waiters cannot overflow the stack.
    /// A node explored without finding `start` is never explored again: whatever it
    /// reaches was already searched. Blockers are visited in ascending id order, so the
    /// same table always yields the same cycle.
    pub(crate) fn cycle_through(&self, start: u64) -> Option<Vec<u64>> {
        self.nodes.get(&start)?;
        let mut seen = HashSet::from([start]);
        let mut path = vec![start];
        let mut next_edge = vec![0usize];
        while let (Some(&node), Some(edge)) = (path.last(), next_edge.last_mut()) {
            let Some(&next) = self.blockers(node).get(*edge) else {
                path.pop();
                next_edge.pop();
                continue;
            };
            *edge += 1;
            if next == start {
                return Some(path);
            }
            if self.nodes.contains_key(&next) && seen.insert(next) {
                path.push(next);
                next_edge.push(0);
            }
        }
        None
    }

    /// PostgreSQL's deadlock DETAIL: one line per edge of `cycle`.
    pub(crate) fn describe(&self, cycle: &[u64]) -> String {
        let mut out = String::new();
        for (i, &waiter) in cycle.iter().enumerate() {
            let blocker = cycle[(i + 1) % cycle.len()];
            if let Some((tag, mode)) = self.waits_for(waiter) {
                if !out.is_empty() {
                    out.push('\n');
                }
                // Writing to a String cannot fail.
                let _ = write!(
                    out,
                    "Transaction {waiter} waits for {mode} on {tag}; blocked by transaction {blocker}."
                );
            }
        }
        out
    }
}

impl LockManager {
    /// Looks for a cycle of waits through `me` and, if there is one, refuses the
    /// request of its youngest member. Holds every shard (in index order, the only
    /// order in which more than one is ever taken) so the graph is one consistent
    /// snapshot and the verdict cannot race with a grant.
    pub(super) fn check_deadlock(&self, me: u64) {
        let started = Instant::now();
        let mut shards: Vec<MutexGuard<'_, Shard>> = self.shards.iter().map(|s| s.lock()).collect();
        let graph = WaitsFor::build(shards.iter().flat_map(|s| s.queues.iter()));
        let Some(cycle) = graph.cycle_through(me) else {
            return;
        };
        let victim = cycle.iter().copied().max().unwrap_or(me);
        let detail = graph.describe(&cycle);
        let resources: Vec<(LockTag, LockMode)> =
            cycle.iter().filter_map(|&o| graph.waits_for(o)).collect();
        let Some((victim_tag, _)) = graph.waits_for(victim) else {
            return;
        };
        let shard = &mut shards[victim_tag.shard(SHARDS)];
        // The graph was built under these very locks, so the request is there.
        let Some(queue) = shard.queues.get_mut(&victim_tag) else {
            return;
        };
        let Some(request) = queue.remove_waiter(victim) else {
            return;
        };
        tracing::debug!(victim, cycle = ?cycle, "deadlock detected");
        // Recorded before the victim is woken, so its caller finds the event there.
        bump(&self.counters.deadlocks);
        self.history.record(DeadlockEvent {
            at: SystemTime::now(),
            detected_by: me,
            cycle,
            resources,
            victim,
            detection_time: started.elapsed(),
            detail: detail.clone(),
        });
        request.owner.decide(WaitState::Deadlock(detail));
        // The victim's request may have been what held later requests back.
        self.grant_waiters(victim_tag, queue);
        Self::drop_if_empty(shard, &victim_tag);
    }
}
