//! B+tree indexes: an ordered map from byte-string keys to byte-string values, on pages of
//! the buffer pool, logged in the WAL, safe for concurrent readers and writers.
//!
//! # What it is
//! Keys are unique within a tree and compared with plain `memcmp`; the SQL layer encodes
//! its keys so that byte order is the order it wants, and a non-unique index appends the
//! 6-byte tuple id to make its keys unique. A key plus its value may take at most
//! [`BTree::max_entry_size`] bytes (2,032: a quarter of a page minus overheads), so a node
//! always holds at least four entries and a split always succeeds. Values are opaque.
//!
//! ```text
//!                       page 0: meta (root = 7, level 2, free list -> 12 -> 3)
//!                                        |
//!                               [7: -inf | g | p]                     level 2 (root)
//!                       _______/         |      \_______
//!              [2: -inf | c]      [9: -inf | k]      [4: -inf | t]      level 1
//!              /        |         /        |          /        |
//!          [1: a b] [5: c e] [6: g h] [8: k m] [10: p r] [11: t x]  level 0 (leaves)
//!              ----->   ----->   ----->   ----->    ----->          right links
//! ```
//!
//! Layouts are in `node.rs` and `meta.rs`: slotted pages whose slots are kept sorted;
//! internal items are `child | separator`, with an empty separator ("minus infinity") in
//! slot 0; every node knows its level and its right neighbour; the root carries a flag in
//! its page header. Separators between leaves are suffix-truncated: the shortest prefix of
//! the right leaf's first key that still sorts above the left leaf's last key.
//!
//! # Operations
//! * **Lookups** descend from the root, binary-searching each node.
//! * **Inserts** put the entry into its leaf. A full leaf *splits*: its entries plus the
//!   new one are divided by bytes between it and a new right sibling, and a separator is
//!   inserted into the parent, which may split in turn; a split root makes a new root one
//!   level up (the only way the tree grows). A split of the rightmost leaf at its end
//!   (ascending inserts) leaves the left page 90% full instead of half, as PostgreSQL does.
//! * **Deletes** remove the entry. A non-root node left with fewer than a quarter of its
//!   bytes in use is rebalanced with a sibling under the same parent: *merged* into one
//!   node if both fit in a page (the right one is freed and its separator removed from the
//!   parent, which may underflow in turn), otherwise *redistributed* evenly with a new
//!   separator. A root left with a single child is removed and the child becomes the root
//!   (the only way the tree shrinks).
//! * **Free pages** go on a list threaded through the pages themselves, headed in the
//!   meta page; splits take pages from it before extending the file, so a tree under
//!   insert/delete churn stops growing.
//!
//! Every change is one mini-transaction ([`crate::mtr::log_pages`]): a split, a merge or
//! a root change, with all the pages it touches (nodes, parent, new page, meta page), is
//! one WAL record logged while all of them are write-latched. Redo therefore replays it
//! entirely or not at all, and recovery needs nothing B+tree specific. If anything fails
//! before the record is logged (a full disk extending the file, an exhausted buffer pool)
//! the operation returns the error and dropping its guards puts every page back.
//!
//! # Concurrency: latch crabbing with optimistic leaf writes
//! Page latches are the buffer pool's reader-writer latches ([`crate::buffer`]); nothing
//! else is shared between threads, so two [`BTree`] handles on one index cooperate.
//!
//! **Readers** read-latch the meta page to learn the root, release it, read-latch the
//! root, and *crab* down: latch the child, then release the parent. The leaf is copied out
//! and released; nothing is held between calls.
//!
//! **Writers first try optimistically**: they crab down with read latches, write-latch
//! only the leaf (the root itself, if it is a leaf), and change it if that needs no
//! structural change: the insert fits, or the delete leaves the leaf at least a quarter
//! full. That is almost always the case, and then writers in different leaves never wait
//! for each other.
//!
//! **Otherwise they restart pessimistically**: write latches from the root down, keeping
//! the latches of every node the change may reach. A node is *safe* when the change below
//! cannot propagate through it: for an insert, it has room for one more maximal item;
//! for a delete, it stays above the fill threshold after losing one. On reaching a safe
//! node all latches above it are released. A delete also latches, with each node on the
//! path, the sibling it would be rebalanced with, left before right. With the path
//! latched, the writer then write-latches the meta page, takes or returns free pages,
//! makes the change, logs it as one record, and releases everything.
//!
//! **The meta page is latched last, not first.** Structural changes need it (the free
//! list, the root pointer) only after their tree pages are latched, and readers hold it
//! only while reading the root pointer, waiting for nothing else meanwhile. A reader that
//! latches the page the meta page named may find it is no longer the root (a concurrent
//! root split or collapse); the root flag in the page header, changed in the same record
//! as the meta page, tells it so, and it looks again. If the meta page's LSN did not move
//! in between, no change can explain the mismatch, and it reports corruption instead of
//! spinning.
//!
//! **Why this cannot deadlock.** Order the tree's pages by level from the root down, and
//! left to right within a level. Every latch is waited for while holding only pages
//! before it in that order: a child while holding its ancestors, a delete's sibling pair
//! left before right under their latched parent, a forward scan's right neighbour while
//! holding the leaf, a verify's next child after releasing the previous one's subtree.
//! A cycle of waits would need one wait that goes backwards. The meta page comes after
//! every tree page: its holder waits only for a page on the free list, and the only
//! other thread that may latch such a page is a reader that read a stale root pointer,
//! which holds nothing else and lets go at once. Pages are checked against the ones
//! already held before latching, so even a corrupt pointer back to a held page is an
//! error, not a self-deadlock.
//!
//! **Scans** ([`Cursor`]) hold no latch between calls to [`Cursor::next`]. Each refill
//! copies the qualifying entries of one leaf under its read latch; when the batch runs
//! out, the cursor descends again from the root to the first key after the last one it
//! returned (backwards: the last key before it). So a concurrent scan returns keys in
//! strictly increasing (decreasing) order, never one twice, each as it was at the moment
//! its leaf was read; a key present for the whole scan is returned; keys inserted or
//! deleted during the scan may or may not be seen. Backward scans re-descend for every
//! leaf, as there are no left links.
//!
//! **Verify** ([`BTree::verify`]) holds the root's read latch for its whole walk, so no
//! structural change can start (each starts by write-latching the root), and it enters a
//! subtree only after any change already under way there released it. Optimistic leaf
//! changes go on during the walk; they cannot break the invariants checked.
//!
//! # Corruption
//! Nothing here panics on bad bytes: every accessor bounds-checks, and problems are
//! [`crate::StorageError::IndexCorrupt`] naming the page and the reason. Each step of a
//! descent checks, in constant time, what it relies on: the page type and level, the
//! child's first and last keys against the parent's separators around it, and the keys
//! around each binary search's answer. [`BTree::verify`] checks everything.
//!
//! # What it leaves out
//! * No left links, no prefix compression, no suffix truncation of internal separators.
//! * Rebalancing is best effort: when neither a merge nor a redistribution fits (a long
//!   new separator in a full parent), the node stays underfull, which is legal.
//! * The file never shrinks; freed pages are reused. A page added to the file by an
//!   operation that then failed before logging stays zeroed and unused;
//!   [`VerifyReport::unused_pages`] counts them.
//! * Keys are unique per tree, not per transaction: visibility, uniqueness checks across
//!   concurrent transactions and the cleanup of dead index entries belong to the layers
//!   above.

mod cursor;
mod delete;
mod insert;
mod latch;
mod meta;
mod node;
mod split;
mod verify;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::ops::Bound;
use std::sync::Arc;

pub use cursor::{Cursor, Direction};
pub use verify::VerifyReport;

use crate::Storage;
use crate::error::{Result, StorageError};
use crate::ids::{PageId, RelId};
use crate::mtr::log_pages;
use crate::wal::RecordMeta;
use meta::Meta;
use node::{Node, Seek, corrupt};

/// A B+tree index. Cheap to clone; clones and other handles opened on the same relation
/// share the tree safely (see the module documentation).
#[derive(Debug, Clone)]
pub struct BTree {
    rel: RelId,
    storage: Arc<Storage>,
}

/// The meta page's number.
const META_PAGE: u32 = 0;

impl BTree {
    /// Creates a new index relation: the meta page and an empty root leaf.
    pub fn create(storage: &Arc<Storage>) -> Result<BTree> {
        let rel = storage.create_relation()?;
        Self::format(storage, rel)
    }

    /// Creates an index relation with a fixed id (system catalogs).
    pub fn create_with_id(storage: &Arc<Storage>, rel: RelId) -> Result<BTree> {
        storage.create_relation_with_id(rel)?;
        Self::format(storage, rel)
    }

    fn format(storage: &Arc<Storage>, rel: RelId) -> Result<BTree> {
        let pool = storage.pool();
        let mut meta = pool.new_page(rel)?;
        let mut root = pool.new_page(rel)?;
        if (meta.id().page, root.id().page) != (META_PAGE, 1) {
            return Err(StorageError::Internal(format!(
                "new index relation base/{rel} is not empty"
            )));
        }
        let m = Meta {
            root: 1,
            level: 0,
            free_head: 0,
            free_count: 0,
        };
        m.init(meta.page_mut());
        node::write_node(root.page_mut(), 0, 0, true, &[]);
        log_pages(
            storage.wal(),
            RecordMeta::NONE,
            &mut [&mut meta, &mut root],
            &[],
        )?;
        Ok(BTree {
            rel,
            storage: storage.clone(),
        })
    }

    /// Opens an existing index, checking its meta page ([`StorageError::IndexCorrupt`] if
    /// the relation is not a B+tree).
    pub fn open(storage: &Arc<Storage>, rel: RelId) -> Result<BTree> {
        if !storage.relation_exists(rel) {
            return Err(StorageError::NoSuchRelation(rel));
        }
        let nblocks = storage.disk().nblocks(rel)?;
        if nblocks == 0 {
            return Err(corrupt(rel, "the file is empty: no meta page"));
        }
        let tree = BTree {
            rel,
            storage: storage.clone(),
        };
        let (meta, _) = tree.read_meta()?;
        if meta.root >= nblocks {
            return Err(corrupt(
                rel,
                format!(
                    "meta page 0: root page {} is beyond the end of the file ({nblocks} pages)",
                    meta.root
                ),
            ));
        }
        Ok(tree)
    }

    /// The index relation.
    pub fn rel(&self) -> RelId {
        self.rel
    }

    /// The storage engine.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// The largest `key.len() + value.len()` an entry may have.
    pub const fn max_entry_size() -> usize {
        node::MAX_ENTRY
    }

    fn page(&self, page: u32) -> PageId {
        PageId::new(self.rel, page)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let (leaf, _) = self.descend_read(Seek::Key(key), false)?;
        let node = Node::open(leaf.id(), &leaf)?;
        match node.search(key)? {
            Ok(i) => Ok(Some(node.entry(i)?.1.to_vec())),
            Err(_) => Ok(None),
        }
    }

    /// A cursor over the entries between `lower` and `upper`, in `dir` order. It holds no
    /// latch between calls; see the module documentation for what a scan sees while
    /// others write.
    pub fn range(&self, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>, dir: Direction) -> Cursor {
        Cursor::new(self.clone(), lower, upper, dir)
    }
}
