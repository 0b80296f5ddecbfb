//! Lock tags: the names of lockable resources.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use rustydb_storage::{RelId, Tid};

/// A lockable resource. Tags of different kinds never conflict with each other: a row
/// lock does not imply a relation lock; callers take the intention lock on the
/// relation themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LockTag {
    /// A whole relation (table or index).
    Relation(RelId),
    /// One tuple: `FOR SHARE` takes `S`, `FOR UPDATE` takes `X`.
    Row(RelId, Tid),
    /// A transaction id. Every transaction holds `X` on its own id for its whole life,
    /// so waiting for a transaction to finish is asking for `S` on its id.
    Xid(u64),
    /// A hashed index key of a relation, locked briefly to serialise unique checks.
    Key(RelId, u64),
}

impl LockTag {
    /// Which of `shards` partitions of the lock table holds this tag. `DefaultHasher::new`
    /// has fixed keys, so the mapping is the same in every run, which keeps lock-table
    /// dumps and tests reproducible.
    pub(crate) fn shard(&self, shards: usize) -> usize {
        let mut h = DefaultHasher::new();
        self.hash(&mut h);
        (h.finish() % shards as u64) as usize
    }
}

/// Written as PostgreSQL writes the object of a lock in its deadlock reports.
impl fmt::Display for LockTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockTag::Relation(rel) => write!(f, "relation {rel}"),
            LockTag::Row(rel, tid) => write!(f, "tuple {tid} of relation {rel}"),
            LockTag::Xid(xid) => write!(f, "transaction {xid}"),
            LockTag::Key(rel, hash) => write!(f, "key {hash} of relation {rel}"),
        }
    }
}
