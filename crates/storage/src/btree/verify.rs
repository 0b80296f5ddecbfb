//! The structural check of a whole tree ([`BTree::verify`]).
//!
//! A depth-first walk from the root, holding read latches on the current path (the root's
//! for the whole walk, which keeps structural changes out, see [`super`]), checks:
//! * every node: page type, special area, slotted-page pointers, level one below its
//!   parent's, the root flag on the root only;
//! * keys strictly increasing within each node and inside the bounds the separators above
//!   give it (a leaf's keys in `[low, high)`, an internal node's separators in
//!   `(low, high)`), the leftmost item of an internal node without a key;
//! * every node reached once (no shared or cyclic child pointers), all leaves at level 0;
//! * the right links: each node's is the next node at its level, the last one's is 0;
//! * the free list: free pages only, none in the tree, no cycle, as long as its count.
//!
//! The first problem ends the walk with [`StorageError::IndexCorrupt`] naming the page.

use std::collections::HashSet;

use super::meta::{Meta, free_next};
use super::node::{Node, corrupt};
use super::{BTree, META_PAGE};
use crate::error::{Result, StorageError};
use crate::page::slotted::SlottedPage;

/// What [`BTree::verify`] found in a sound tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Levels: 1 for a tree that is a single leaf.
    pub height: u32,
    /// Entries in the leaves.
    pub entries: u64,
    /// Leaf pages.
    pub leaf_pages: u64,
    /// Internal pages.
    pub internal_pages: u64,
    /// Pages on the free list.
    pub free_pages: u64,
    /// Pages of the file that are neither the meta page, nor in the tree, nor free: pages
    /// added by an operation that failed before it was logged (see [`super`]).
    pub unused_pages: u64,
    /// Pages in the file, the meta page included.
    pub file_pages: u64,
    /// Bytes of leaf items and their slots.
    pub leaf_bytes: u64,
}

impl VerifyReport {
    /// Average share of a leaf's item space in use, 0.0 to 1.0.
    pub fn leaf_fill(&self) -> f64 {
        if self.leaf_pages == 0 {
            return 0.0;
        }
        self.leaf_bytes as f64 / (self.leaf_pages as f64 * super::node::USABLE as f64)
    }
}

/// The walk's state.
struct Walk<'t> {
    tree: &'t BTree,
    visited: HashSet<u32>,
    /// Per level, the last node visited and its right link.
    last: Vec<Option<(u32, u32)>>,
    report: VerifyReport,
}

impl BTree {
    /// Checks the whole tree's structure (see [`super`] for what, and for what it
    /// guarantees while others write). Problems are [`StorageError::IndexCorrupt`] naming
    /// the page and the reason.
    pub fn verify(&self) -> Result<VerifyReport> {
        let root = self.root_read()?;
        let top = Node::open(root.id(), &root)?;
        let mut walk = Walk {
            tree: self,
            visited: HashSet::new(),
            last: vec![None; top.level() as usize + 1],
            report: VerifyReport {
                height: u32::from(top.level()) + 1,
                ..Default::default()
            },
        };
        walk.node(&top, None, None, true)?;
        for (level, last) in walk.last.iter().enumerate() {
            if let Some((page, right)) = last
                && *right != 0
            {
                return Err(corrupt(
                    self.rel,
                    format!("page {page}, the last at level {level}, has right link {right}"),
                ));
            }
        }
        // Still under the root's latch: no structural change is under way, so the free
        // list and the file's length agree with the tree just walked.
        let free = walk.free_list()?;
        let file_pages = self.storage.disk().nblocks(self.rel)?;
        let mut report = walk.report;
        report.free_pages = free;
        report.file_pages = u64::from(file_pages);
        let used = 1 + report.leaf_pages + report.internal_pages + free;
        report.unused_pages = report.file_pages.checked_sub(used).ok_or_else(|| {
            StorageError::Internal(format!(
                "index {}: {used} pages in use but the file has {file_pages}",
                self.rel
            ))
        })?;
        Ok(report)
    }
}

impl Walk<'_> {
    /// Checks `node` (reached between separators `lo` and `hi`) and, depth first, its
    /// subtree.
    fn node(
        &mut self,
        node: &Node<'_>,
        lo: Option<&[u8]>,
        hi: Option<&[u8]>,
        is_root: bool,
    ) -> Result<()> {
        let page = node.id().page;
        if !self.visited.insert(page) {
            return Err(node.err("reached twice"));
        }
        SlottedPage::new(node.bytes())
            .validate()
            .map_err(|why| node.err(why))?;
        if node.is_root() != is_root {
            return Err(node.err(if is_root {
                "the root is not flagged as the root"
            } else {
                "a non-root node is flagged as the root"
            }));
        }
        let level = node.level() as usize;
        if let Some((prev, right)) = self.last[level]
            && right != page
        {
            return Err(node.err(format!(
                "page {prev} before it at this level has right link {right}"
            )));
        }
        self.last[level] = Some((page, node.right()));
        if node.is_leaf() {
            self.report.leaf_pages += 1;
            self.report.leaf_bytes += node.used() as u64;
            self.report.entries += node.count() as u64;
            let mut prev: Option<&[u8]> = None;
            for i in 0..node.count() {
                let (k, _) = node.entry(i)?;
                check_key(node, i, k, prev, lo, hi, false)?;
                prev = Some(k);
            }
            return Ok(());
        }
        self.report.internal_pages += 1;
        if !node.key(0)?.is_empty() {
            return Err(node.err("the leftmost item has a key"));
        }
        let mut prev: Option<&[u8]> = None;
        for i in 1..node.count() {
            let k = node.key(i)?;
            check_key(node, i, k, prev, lo, hi, true)?;
            prev = Some(k);
        }
        for i in 0..node.count() {
            let child = node.child(i)?;
            if self.visited.contains(&child) {
                return Err(node.err(format!("child {i} (page {child}) is reached twice")));
            }
            let g = self.tree.latch_read(self.tree.page(child))?;
            let c = Node::open(g.id(), &g)?;
            if node.level().checked_sub(1) != Some(c.level()) {
                return Err(node.err(format!("child {i} (page {child}) has level {}", c.level())));
            }
            let clo = if i == 0 { lo } else { Some(node.key(i)?) };
            let chi = if i + 1 == node.count() {
                hi
            } else {
                Some(node.key(i + 1)?)
            };
            self.node(&c, clo, chi, false)?;
        }
        Ok(())
    }

    /// Walks the free list and returns its length.
    fn free_list(&mut self) -> Result<u64> {
        let tree = self.tree;
        let g = tree.latch_read(tree.page(META_PAGE))?;
        let meta = Meta::read(tree.rel, &g)?;
        let mut page = meta.free_head;
        let mut n: u64 = 0;
        while page != 0 {
            if !self.visited.insert(page) {
                return Err(corrupt(
                    tree.rel,
                    format!("free-list page {page} is in the tree or listed twice"),
                ));
            }
            let f = tree.latch_read(tree.page(page))?;
            page = free_next(&f)
                .map_err(|why| corrupt(tree.rel, format!("free-list page {page}: {why}")))?;
            n += 1;
        }
        if n != u64::from(meta.free_count) {
            return Err(corrupt(
                tree.rel,
                format!(
                    "meta page 0 counts {} free pages, the list has {n}",
                    meta.free_count
                ),
            ));
        }
        Ok(n)
    }
}

/// Checks key `k` of slot `i` against its predecessor and the node's bounds. Separators
/// (`strict_low`) must lie strictly above the lower bound: a separator equal to it would
/// leave the child to its left an empty range.
fn check_key(
    node: &Node<'_>,
    i: usize,
    k: &[u8],
    prev: Option<&[u8]>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    strict_low: bool,
) -> Result<()> {
    if prev.is_some_and(|p| p >= k) {
        return Err(node.err(format!("keys out of order at slot {i}")));
    }
    if let Some(lo) = lo
        && (k < lo || (strict_low && k == lo))
    {
        return Err(node.err(format!(
            "key of slot {i} is below the separator that leads to the page"
        )));
    }
    if let Some(hi) = hi
        && k >= hi
    {
        return Err(node.err(format!(
            "key of slot {i} is not below the separator after the page"
        )));
    }
    Ok(())
}
