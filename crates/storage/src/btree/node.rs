//! Page layouts of the B+tree's nodes: internal nodes and leaves (the meta page and free
//! pages are in [`super::meta`]).
//!
//! Every page is a slotted page ([`crate::page::slotted`]); nodes keep their slots sorted
//! by key and shift them with `insert_at`/`remove_at`, so slot `i` is the `i`-th entry.
//!
//! ```text
//! node              header | slots ... free ... items | special: level u16 | 0 u16 | right u32
//!   leaf item       key length u16 | key | value
//!   internal item   child u32 | separator key       (item 0's key is empty: "minus infinity")
//! ```
//!
//! * **Internal nodes** with `n` items have `n` children. Item 0 carries no key: its child
//!   holds every key below the separator of item 1. Child `i` (for `i >= 1`) holds the
//!   keys `k` with `sep(i) <= k < sep(i + 1)`. The leftmost child therefore lives in an
//!   ordinary item rather than in the special area, so splitting, merging and rebuilding
//!   an internal node is the same list operation as for a leaf.
//! * **Levels** count from the leaves (0) up; a node's level never changes, so a child's
//!   level is always its parent's minus one, which bounds every descent even through a
//!   corrupt page.
//! * **Right links** chain the nodes of each level left to right (0 ends the chain; page
//!   0 is the meta page and never a node). There are no left links: keeping them would
//!   mean latching the right neighbour's page, possibly under another parent, on every
//!   split; backward scans re-descend instead (see [`super::cursor`]).
//! * **The root** carries [`FLAG_ROOT`] in the page header's flag byte, set and cleared in
//!   the same record that changes the meta page's root pointer. A reader that latched a
//!   page it read from the meta page can thus tell whether it is still the root without
//!   holding the meta page's latch (see the protocol in [`super`]).
//!
//! Every accessor here bounds-checks and returns [`StorageError::IndexCorrupt`] naming the
//! page, never panics, whatever the bytes.

use crate::buffer::PageWriteGuard;
use crate::error::{Result, StorageError};
use crate::ids::{PAGE_SIZE, PageId, RelId};
use crate::page::slotted::{SLOT_SIZE, SlotState, SlottedPage};
use crate::page::{self, HEADER_SIZE, PageType};

/// Size of a node's special area.
pub(super) const NODE_SPECIAL: usize = 8;
/// Bytes of a node available to items and their slots.
pub(super) const USABLE: usize = PAGE_SIZE - HEADER_SIZE - NODE_SPECIAL;
/// The most one item (with its slot) may take: a quarter of a node, so a split of a full
/// node plus one item always yields two halves that fit, and a node holds at least four.
pub(super) const MAX_ITEM_COST: usize = USABLE / 4;
/// Bytes of an internal item before its key (the child pointer); a leaf item's key
/// length prefix is smaller, so this bounds both.
const CHILD_SIZE: usize = 4;
const KLEN_SIZE: usize = 2;
/// The largest `key.len() + value.len()` an entry may have.
pub(super) const MAX_ENTRY: usize = MAX_ITEM_COST - SLOT_SIZE - CHILD_SIZE;
/// A non-root node whose items and slots take fewer bytes than this is rebalanced with a
/// sibling. A quarter, not a half: a redistribution leaves both nodes with at least
/// `(USABLE - MAX_ITEM_COST) / 2` bytes, comfortably above it, so one delete can never
/// make them underfull again at once.
pub(super) const MIN_FILL: usize = USABLE / 4;
/// Header flag of the root node.
pub(super) const FLAG_ROOT: u8 = 1;

/// An [`StorageError::IndexCorrupt`] for index `rel`.
pub(super) fn corrupt(rel: RelId, reason: impl Into<String>) -> StorageError {
    StorageError::IndexCorrupt {
        index: rel,
        reason: reason.into(),
    }
}

pub(super) fn rd16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

pub(super) fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

pub(super) fn wr16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

pub(super) fn wr32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// A leaf item.
pub(super) fn leaf_item(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(KLEN_SIZE + key.len() + value.len());
    v.extend_from_slice(&(key.len() as u16).to_le_bytes());
    v.extend_from_slice(key);
    v.extend_from_slice(value);
    v
}

/// An internal item.
pub(super) fn internal_item(child: u32, key: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(CHILD_SIZE + key.len());
    v.extend_from_slice(&child.to_le_bytes());
    v.extend_from_slice(key);
    v
}

/// Splits a leaf item into key and value.
pub(super) fn split_leaf_item(item: &[u8]) -> Option<(&[u8], &[u8])> {
    let klen = u16::from_le_bytes([*item.first()?, *item.get(1)?]) as usize;
    let rest = &item[KLEN_SIZE..];
    (klen <= rest.len()).then(|| rest.split_at(klen))
}

/// Splits an internal item into child and key.
pub(super) fn split_internal_item(item: &[u8]) -> Option<(u32, &[u8])> {
    (item.len() >= CHILD_SIZE).then(|| (rd32(item, 0), &item[CHILD_SIZE..]))
}

/// The key of an item of a node of `level`.
pub(super) fn item_key(level: u16, item: &[u8]) -> Option<&[u8]> {
    if level == 0 {
        split_leaf_item(item).map(|(k, _)| k)
    } else {
        split_internal_item(item).map(|(_, k)| k)
    }
}

/// The shortest key `s` with `left < s <= right` (suffix truncation): a separator between
/// two leaves needs only to tell them apart, and shorter separators mean wider nodes.
pub(super) fn shortest_separator(left: &[u8], right: &[u8]) -> Vec<u8> {
    let common = left.iter().zip(right).take_while(|(a, b)| a == b).count();
    right[..(common + 1).min(right.len())].to_vec()
}

/// Formats `buf` as a node of `level` holding `items` in order; `false` if they do not
/// fit (a bug in the caller's size arithmetic).
pub(super) fn write_node(
    buf: &mut [u8],
    level: u16,
    right: u32,
    root: bool,
    items: &[Vec<u8>],
) -> bool {
    let t = if level == 0 {
        PageType::BTreeLeaf
    } else {
        PageType::BTreeInternal
    };
    let mut sp = SlottedPage::init(&mut *buf, t, NODE_SPECIAL);
    for (i, item) in items.iter().enumerate() {
        if !sp.insert_at(i as u16, item) {
            return false;
        }
    }
    let s = sp.special_mut();
    wr16(s, 0, level);
    wr32(s, 4, right);
    page::set_page_flags(buf, if root { FLAG_ROOT } else { 0 });
    true
}

/// Sets or clears a node's root flag.
pub(super) fn set_root(buf: &mut [u8], root: bool) {
    page::set_page_flags(buf, if root { FLAG_ROOT } else { 0 });
}

/// Checks the item pointers of a node about to take `need` more bytes, if that makes the
/// slotted page compact itself: compaction moves items where their slots say, trusting
/// them, so a corrupt slot must be caught here rather than panic there.
pub(super) fn check_for_compaction(g: &PageWriteGuard<'_>, need: usize) -> Result<()> {
    let sp = SlottedPage::new(g.page());
    if sp.contiguous_free() >= need {
        return Ok(());
    }
    sp.validate()
        .map_err(|why| corrupt(g.id().rel, format!("page {}: {why}", g.id().page)))
}

/// What a descent looks for in an internal node.
#[derive(Debug, Clone, Copy)]
pub(super) enum Seek<'k> {
    /// The leftmost child.
    First,
    /// The rightmost child.
    Last,
    /// The child whose range holds `k`.
    Key(&'k [u8]),
    /// The child whose range holds the greatest keys below `k`.
    Before(&'k [u8]),
}

/// A read-only view of a node with checked accessors.
#[derive(Debug)]
pub(super) struct Node<'a> {
    rel: RelId,
    id: PageId,
    bytes: &'a [u8],
    page: SlottedPage<&'a [u8]>,
    level: u16,
    right: u32,
    root: bool,
    count: usize,
}

impl<'a> Node<'a> {
    /// Views `bytes` (page `id`) as a node, checking what every access relies on: the page
    /// type, the special area, the free-space pointers, and the level agreeing with the
    /// type.
    pub(super) fn open(id: PageId, bytes: &'a [u8]) -> Result<Node<'a>> {
        let bad = |why: String| corrupt(id.rel, format!("page {}: {why}", id.page));
        let leaf = match page::page_type(bytes) {
            Some(PageType::BTreeLeaf) => true,
            Some(PageType::BTreeInternal) => false,
            other => {
                return Err(bad(format!("page type {other:?}, expected a B+tree node")));
            }
        };
        let sp = SlottedPage::new(bytes);
        let (lower, upper, special) = (sp.lower(), sp.upper(), sp.special_offset());
        if special != PAGE_SIZE - NODE_SPECIAL {
            return Err(bad(format!("special area at {special}")));
        }
        let ordered = HEADER_SIZE <= lower && lower <= upper && upper <= special;
        if !ordered || !(lower - HEADER_SIZE).is_multiple_of(SLOT_SIZE) {
            return Err(bad(format!(
                "free-space pointers out of order: lower {lower}, upper {upper}"
            )));
        }
        let s = sp.special();
        let (level, right) = (rd16(s, 0), rd32(s, 4));
        if leaf != (level == 0) {
            return Err(bad(format!(
                "level {level} in a {} page",
                if leaf { "leaf" } else { "internal" }
            )));
        }
        let count = sp.slot_count() as usize;
        if !leaf && count == 0 {
            return Err(bad("internal node without children".into()));
        }
        Ok(Node {
            rel: id.rel,
            id,
            bytes,
            page: sp,
            level,
            right,
            root: page::page_flags(bytes) & FLAG_ROOT != 0,
            count,
        })
    }

    /// An [`StorageError::IndexCorrupt`] about this page.
    pub(super) fn err(&self, why: impl std::fmt::Display) -> StorageError {
        corrupt(
            self.rel,
            format!(
                "page {} ({}, level {}): {why}",
                self.id.page,
                if self.is_leaf() { "leaf" } else { "internal" },
                self.level
            ),
        )
    }

    pub(super) fn id(&self) -> PageId {
        self.id
    }

    /// The whole page.
    pub(super) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(super) fn level(&self) -> u16 {
        self.level
    }

    pub(super) fn is_leaf(&self) -> bool {
        self.level == 0
    }

    pub(super) fn right(&self) -> u32 {
        self.right
    }

    pub(super) fn is_root(&self) -> bool {
        self.root
    }

    /// Entries (leaf) or children (internal).
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// Bytes of items and slots (fragmented free space does not count).
    pub(super) fn used(&self) -> usize {
        USABLE.saturating_sub(self.page.total_free())
    }

    /// Bytes free for items and slots, after compaction.
    pub(super) fn free(&self) -> usize {
        self.page.total_free()
    }

    /// Whether an item of `len` bytes fits without a split.
    pub(super) fn fits(&self, len: usize) -> bool {
        self.page.fits(len, true)
    }

    /// The raw item `i`.
    pub(super) fn item(&self, i: usize) -> Result<&'a [u8]> {
        // The same checks as `SlottedPage::get`, but the slice borrows the page, not this
        // view, so keys found in a descent can outlive it.
        let slot = self
            .page
            .slot(i as u16)
            .filter(|s| s.state == SlotState::Normal)
            .ok_or_else(|| self.err(format!("slot {i} holds no item")))?;
        let (start, end) = (
            slot.offset as usize,
            slot.offset as usize + slot.len as usize,
        );
        if start < self.page.upper() || end > self.page.special_offset() {
            return Err(self.err(format!("slot {i} points outside the item area")));
        }
        Ok(&self.bytes[start..end])
    }

    /// The key of entry `i` (leaf) or the separator of child `i` (internal; empty for 0).
    pub(super) fn key(&self, i: usize) -> Result<&'a [u8]> {
        let item = self.item(i)?;
        item_key(self.level, item).ok_or_else(|| self.err(format!("item {i} is malformed")))
    }

    /// Key and value of leaf entry `i`.
    pub(super) fn entry(&self, i: usize) -> Result<(&'a [u8], &'a [u8])> {
        let item = self.item(i)?;
        split_leaf_item(item).ok_or_else(|| self.err(format!("item {i} is malformed")))
    }

    /// Child `i` of an internal node.
    pub(super) fn child(&self, i: usize) -> Result<u32> {
        let item = self.item(i)?;
        let (child, _) =
            split_internal_item(item).ok_or_else(|| self.err(format!("item {i} is malformed")))?;
        if child == 0 || child == self.id.page {
            return Err(self.err(format!("child pointer {i} is {child}")));
        }
        Ok(child)
    }

    /// Copies of every item, for rebuilding the node. Each is checked to be no larger than
    /// a valid entry or separator makes it, which the split arithmetic relies on.
    pub(super) fn items(&self) -> Result<Vec<Vec<u8>>> {
        (0..self.count)
            .map(|i| {
                let item = self.item(i)?;
                let size = if self.is_leaf() {
                    split_leaf_item(item).map(|(k, v)| k.len() + v.len())
                } else {
                    split_internal_item(item).map(|(_, k)| k.len())
                };
                match size {
                    Some(n) if n <= MAX_ENTRY => Ok(item.to_vec()),
                    _ => Err(self.err(format!("item {i} is malformed or too large"))),
                }
            })
            .collect()
    }

    /// The first index in `lo..hi` whose key fails `pred`, for a `pred` that holds on a
    /// prefix of the sorted keys.
    fn partition(&self, lo: usize, hi: usize, pred: impl Fn(&[u8]) -> bool) -> Result<usize> {
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.key(mid)?) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// The position of `key` in a leaf: `Ok(i)` if entry `i` has it, `Err(i)` where it
    /// would go. Checks the keys around the answer, so a page whose keys are out of order
    /// there is reported rather than silently misread.
    pub(super) fn search(&self, key: &[u8]) -> Result<std::result::Result<usize, usize>> {
        let i = self.lower_bound(key)?;
        if i > 0 && self.key(i - 1)? >= key {
            return Err(self.err(format!("keys out of order around slot {i}")));
        }
        if i == self.count {
            return Ok(Err(i));
        }
        match self.key(i)? {
            k if k == key => Ok(Ok(i)),
            k if k > key => Ok(Err(i)),
            _ => Err(self.err(format!("keys out of order around slot {i}"))),
        }
    }

    /// The first leaf entry with a key `>= key`.
    pub(super) fn lower_bound(&self, key: &[u8]) -> Result<usize> {
        self.partition(0, self.count, |k| k < key)
    }

    /// The first leaf entry with a key `> key`.
    pub(super) fn upper_bound(&self, key: &[u8]) -> Result<usize> {
        self.partition(0, self.count, |k| k <= key)
    }

    /// The child of an internal node that a descent for `seek` takes. Checks that the
    /// separators around it are in order and bracket the target, as [`Node::search`].
    pub(super) fn child_index(&self, seek: Seek<'_>) -> Result<usize> {
        let n = self.count;
        let i = match seek {
            Seek::First => return Ok(0),
            Seek::Last => return Ok(n - 1),
            Seek::Key(k) => self.partition(1, n, |s| s <= k)? - 1,
            Seek::Before(k) => self.partition(1, n, |s| s < k)? - 1,
        };
        let lo = if i >= 1 { Some(self.key(i)?) } else { None };
        let hi = if i + 1 < n {
            Some(self.key(i + 1)?)
        } else {
            None
        };
        let bracketed = match seek {
            Seek::Key(k) => lo.is_none_or(|l| l <= k) && hi.is_none_or(|h| k < h),
            Seek::Before(k) => lo.is_none_or(|l| l < k) && hi.is_none_or(|h| k <= h),
            Seek::First | Seek::Last => true,
        };
        let ordered = match (lo, hi) {
            (Some(l), Some(h)) => l < h,
            _ => true,
        };
        if !bracketed || !ordered {
            return Err(self.err(format!("separators out of order around slot {i}")));
        }
        Ok(i)
    }

    /// Checks `child`, reached through slot `i` of this node, against it: one level down,
    /// not flagged root, and its first and last keys inside the separators around slot
    /// `i`. O(1), done on every step of every descent; [`super::BTree::verify`] checks
    /// every key.
    pub(super) fn check_child(&self, i: usize, child: &Node<'_>) -> Result<()> {
        if self.level.checked_sub(1) != Some(child.level) {
            return Err(self.err(format!(
                "child {i} (page {}) has level {}",
                child.id.page, child.level
            )));
        }
        if child.root {
            return Err(child.err("non-root node carries the root flag"));
        }
        // Internal nodes' first item has no key; their first separator is item 1.
        let first = if child.is_leaf() { 0 } else { 1 };
        if child.count <= first {
            return Ok(());
        }
        let (lo_key, hi_key) = (child.key(first)?, child.key(child.count - 1)?);
        if i >= 1 {
            let lo = self.key(i)?;
            if lo_key < lo || (!child.is_leaf() && lo_key == lo) {
                return Err(child.err(format!(
                    "first key is below the separator of slot {i} in parent page {}",
                    self.id.page
                )));
            }
        }
        if i + 1 < self.count && hi_key >= self.key(i + 1)? {
            return Err(child.err(format!(
                "last key is not below the separator of slot {} in parent page {}",
                i + 1,
                self.id.page
            )));
        }
        Ok(())
    }
}
