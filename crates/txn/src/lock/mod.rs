//! The lock table and the deadlock detector.
//!
//! MVCC lets readers and writers of *different versions* pass each other; locks order
//! what MVCC cannot: two writers of one row, DDL against queries, a unique check against
//! a concurrent insert of the same key, and "wait until that transaction ends".
//!
//! # Resources
//!
//! A [`LockTag`] names what is locked:
//!
//! | tag              | who takes it                                                |
//! |------------------|-------------------------------------------------------------|
//! | `Relation(rel)`  | statements: `IS`/`IX` before row work, `S`/`X` for DDL      |
//! | `Row(rel, tid)`  | `SELECT .. FOR SHARE` (`S`), `FOR UPDATE` and writers (`X`) |
//! | `Xid(xid)`       | every transaction: `X` on its own id for its whole life     |
//! | `Key(rel, hash)` | unique checks: `X` on the hashed key, released right after  |
//!
//! Waiting for transaction 12 to finish is asking for `S` on `Xid(12)` (then releasing
//! it): the request is granted exactly when transaction 12 calls `release_all`. This is
//! PostgreSQL's `XactLockTableWait`, and it puts "waits for a transaction" edges into the
//! same waits-for graph as every other lock, so deadlocks through row updates are found
//! like any other.
//!
//! # Modes
//!
//! Five modes ([`LockMode`]), the classic multi-granularity set. Compatibility (`+`
//! means two *different* owners may hold both at once):
//!
//! ```text
//!            IS   IX   S    SIX  X
//!      IS    +    +    +    +    -
//!      IX    +    +    -    -    -
//!      S     +    -    +    -    -
//!      SIX   +    -    -    -    -
//!      X     -    -    -    -    -
//! ```
//!
//! An owner holds at most one mode per resource. Asking for another mode moves it up
//! the lattice to the *join* of the two; asking for one it already covers changes
//! nothing ([`Acquired::AlreadyHeld`]):
//!
//! ```text
//!                X              held \ asked  IS   IX   S    SIX  X
//!                |              IS            IS   IX   S    SIX  X
//!               SIX             IX            IX   IX   SIX  SIX  X
//!              /   \            S             S    SIX  S    SIX  X
//!            IX     S           SIX           SIX  SIX  SIX  SIX  X
//!              \   /            X             X    X    X    X    X
//!               IS
//! ```
//!
//! Keeping one joined mode instead of a set of modes (as PostgreSQL does) loses nothing
//! here: the join of two modes conflicts with exactly what either of them conflicts
//! with, which the tests check for every pair.
//!
//! # Queue discipline
//!
//! Each resource has a list of grants and a FIFO queue of waiting requests.
//!
//! * **Arrival.** A new request is granted at once only if it is compatible with every
//!   lock granted to other owners *and* with every request already waiting. Checking the
//!   waiters is what makes the queue fair: without it a steady stream of `S` requests,
//!   each compatible with the `S` locks already granted, would starve a waiting `X`
//!   forever.
//! * **Upgrades.** A request by a current holder is granted at once if the new mode fits
//!   the *other holders*; waiters are not considered. If it must wait, it is queued after
//!   the upgrades already waiting but before every non-holder. The reason is deadlock
//!   avoidance: a queued non-holder whose mode conflicts with what we already hold is
//!   waiting for us, so if our upgrade queued behind it each would wait for the other,
//!   a deadlock manufactured by the queue itself. (Two holders of `S` that both ask for
//!   `X` still deadlock; that one is real.)
//! * **Release.** Whenever a grant goes away (release, `release_all`) or a waiting
//!   request leaves the queue (timeout, interrupt, deadlock victim), the queue is walked
//!   from the head, granting each request compatible with the holders, and the walk stops
//!   at the first one that is not. Nobody overtakes a blocked waiter, so waiters are
//!   served in queue order.
//!
//! # Waiting
//!
//! A waiter parks on its own condition variable ([`LockOwner`]), holding no table lock.
//! Whoever decides its fate writes the outcome into the owner's cell and wakes it: a
//! releaser granting the request, the deadlock detector refusing it, a session
//! interrupting it. The waiter also wakes by itself for `lock_timeout`, for the
//! statement's deadline and for its deadlock check. A waiter that gives up withdraws its
//! own request under the shard lock; if a grant beat it there, the grant stands.
//!
//! An interrupt ([`Interrupt`]: cancel, statement timeout, idle timeout, termination)
//! stays pending on the owner until the session clears it, like PostgreSQL's
//! `QueryCancelPending`: it ends the current wait, and every later `acquire` of that
//! owner fails at once, so a cancelled statement takes no further locks. The
//! statement deadline and `lock_timeout` are per call ([`WaitOptions`]) and leave
//! nothing pending.
//!
//! # Deadlocks
//!
//! Like PostgreSQL, the lock manager does not look for deadlocks on every wait: most
//! waits are short, and a search costs a snapshot of the whole table. A waiter that has
//! waited `deadlock_timeout` (default 1 s) builds the **waits-for graph** and looks for a
//! cycle through itself; if there is none it looks again after another
//! `deadlock_timeout`. The graph has one node per waiting owner and an edge from a
//! waiter to
//!
//! * every *other* owner holding a lock on the resource in a mode incompatible with the
//!   one it asks for, and
//! * every other owner whose request is queued ahead of it in an incompatible mode,
//!   because FIFO makes it wait for those too.
//!
//! One case needs more: a waiter compatible with the holders and with every request
//! ahead can still be stuck, because the release walk does not overtake a blocked
//! request (it queued while a conflicting request was there, and that one has since
//! left). Such a waiter gets an edge to every request ahead of it, since it cannot move
//! before they do; without those edges a cycle through it would go unseen forever.
//!
//! The snapshot is taken holding every shard, in index order, so the edges all existed
//! at one instant and a cycle found is a real deadlock rather than an artefact of
//! reading shards at different times. The search is an iterative depth-first walk
//! (cycles of any length, no recursion), visiting blockers in ascending id order so the
//! same table always yields the same cycle.
//!
//! **Victim.** The youngest transaction in the cycle (highest owner id) loses: it has
//! done the least work, and choosing by a total order means that every detector looking
//! at the same cycle picks the same victim, so one deadlock never costs two
//! transactions. The detector removes the victim's waiting request while it still holds
//! the shards, and the victim's wait returns [`LockError::Deadlock`] with a
//! PostgreSQL-style DETAIL, one line per edge:
//!
//! ```text
//! Transaction 12 waits for ExclusiveLock on tuple (0,3) of relation 16384; blocked by transaction 13.
//! Transaction 13 waits for ShareLock on transaction 12; blocked by transaction 12.
//! ```
//!
//! The victim keeps its granted locks until its caller aborts and calls
//! [`LockManager::release_all`]; the other members of the cycle keep waiting and proceed
//! then. Each deadlock is counted in [`LockStats`] and recorded in a bounded history
//! ([`LockManager::deadlocks`]).
//!
//! # Sharding and lock order
//!
//! The table is split into 16 shards by tag hash, so unrelated locks do not contend. A
//! per-owner index (sharded by owner id) lists each owner's locks for `release_all` and
//! `held_by`; it is only changed under the shard of the resource concerned, so it agrees
//! with the queues. Mutexes are always taken in the order *shards (ascending) -> owner
//! index or an owner's wait cell or the deadlock history* (the last three are leaves,
//! never held together), and none is held while sleeping.
//!
//! # Not here
//!
//! Lock escalation, advisory locks, predicate (SSI) locks, and fast-path local locks are
//! left out. A lock owner is driven by one thread at a time: an owner never has two
//! requests waiting at once.

mod deadlock;
mod error;
mod mode;
mod queue;
mod stats;
mod table;
mod tag;
mod wait;

pub use error::LockError;
pub use mode::LockMode;
pub use stats::{DEADLOCK_HISTORY, DeadlockEvent, LockStats, LockWait};
pub use table::{Acquired, DEFAULT_DEADLOCK_TIMEOUT, LockManager, MIN_DEADLOCK_TIMEOUT};
pub use tag::LockTag;
pub use wait::{Interrupt, LockOwner, WaitOptions};

#[cfg(test)]
mod tests;
