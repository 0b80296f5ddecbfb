//! Deletes: an optimistic attempt on the leaf alone, then, if the leaf would underflow, a
//! pessimistic descent that merges or redistributes nodes and collapses the root (see the
//! protocol in [`super`]).

use super::BTree;
use super::meta::Meta;
use super::node::{
    MAX_ITEM_COST, MIN_FILL, Node, Seek, check_for_compaction, internal_item, set_root, write_node,
};
use super::split::{divide, join, total_cost};
use crate::buffer::PageWriteGuard;
use crate::error::{Result, StorageError};
use crate::ids::PageId;
use crate::mtr::log_pages;
use crate::page::slotted::{SLOT_SIZE, SlottedPage};
use crate::wal::RecordMeta;

/// A node on a delete's path with the sibling it would be rebalanced with.
struct Level<'a> {
    node: PageWriteGuard<'a>,
    /// The sibling under the same parent, and whether it is the left one.
    sibling: Option<(PageWriteGuard<'a>, bool)>,
}

/// What rebalancing a pair did.
enum Rebalanced {
    /// The right node was merged into the left one and freed; the parent lost an item.
    Merged,
    /// Items moved between the two; the parent's separator changed.
    Redistributed,
    /// Neither fits; the node stays underfull.
    Skipped,
}

impl BTree {
    /// Deletes `key`. Returns `false` if it was not present. `meta` is the transaction the
    /// WAL records are written for.
    pub fn delete(&self, key: &[u8], meta: RecordMeta) -> Result<bool> {
        match self.delete_optimistic(key, meta)? {
            Some(done) => Ok(done),
            None => self.delete_pessimistic(key, meta),
        }
    }

    /// The common case: the leaf stays at least a quarter full. `None` if it would not.
    fn delete_optimistic(&self, key: &[u8], meta: RecordMeta) -> Result<Option<bool>> {
        let mut leaf = self.descend_leaf_write(key)?;
        let i = {
            let node = Node::open(leaf.id(), leaf.page())?;
            match node.search(key)? {
                Err(_) => return Ok(Some(false)),
                Ok(i) if node.is_root() || stays_full(&node, i)? => i,
                Ok(_) => return Ok(None),
            }
        };
        SlottedPage::new(leaf.page_mut()).remove_at(i as u16);
        log_pages(self.storage.wal(), meta, &mut [&mut leaf], &[])?;
        Ok(Some(true))
    }

    /// Write-latches the path from the root with each node's sibling, keeping it from the
    /// lowest node that cannot underflow down; then deletes and rebalances bottom-up.
    fn delete_pessimistic(&self, key: &[u8], meta: RecordMeta) -> Result<bool> {
        let mut path = vec![Level {
            node: self.root_write()?,
            sibling: None,
        }];
        // slots[j]: the slot in path[j] of the child path[j + 1].
        let mut slots: Vec<usize> = Vec::new();
        loop {
            let top = &path[path.len() - 1].node;
            let (i, child, left, right) = {
                let node = Node::open(top.id(), top.page())?;
                if node.is_leaf() {
                    break;
                }
                let i = node.child_index(Seek::Key(key))?;
                let n = node.count();
                let left = if i > 0 {
                    Some(node.child(i - 1)?)
                } else {
                    None
                };
                let right = if i + 1 < n {
                    Some(node.child(i + 1)?)
                } else {
                    None
                };
                (i, node.child(i)?, left, right)
            };
            // Siblings are latched left to right; a lone child has none.
            let held: Vec<PageId> = held_ids(&path);
            let (child, sibling) = match (left, right) {
                (Some(l), _) => {
                    let s = self.latch_write_unheld(l, held.iter().copied())?;
                    let c = self.latch_write_unheld(child, held.iter().copied().chain([s.id()]))?;
                    (c, Some((s, true)))
                }
                (None, Some(r)) => {
                    let c = self.latch_write_unheld(child, held.iter().copied())?;
                    let s = self.latch_write_unheld(r, held.iter().copied().chain([c.id()]))?;
                    (c, Some((s, false)))
                }
                (None, None) => (self.latch_write_unheld(child, held.iter().copied())?, None),
            };
            let safe = {
                let top = &path[path.len() - 1].node;
                let parent = Node::open(top.id(), top.page())?;
                let c = Node::open(child.id(), child.page())?;
                parent.check_child(i, &c)?;
                if let Some((s, is_left)) = &sibling {
                    let at = if *is_left { i - 1 } else { i + 1 };
                    parent.check_child(at, &Node::open(s.id(), s.page())?)?;
                }
                if c.is_leaf() {
                    match c.search(key)? {
                        Err(_) => return Ok(false),
                        Ok(e) => stays_full(&c, e)?,
                    }
                } else {
                    c.used() >= MIN_FILL + MAX_ITEM_COST
                }
            };
            if safe {
                path.clear();
                slots.clear();
                path.push(Level {
                    node: child,
                    sibling: None,
                });
            } else {
                slots.push(i);
                path.push(Level {
                    node: child,
                    sibling,
                });
            }
        }

        let leaf_at = path.len() - 1;
        let i = {
            let g = &path[leaf_at].node;
            match Node::open(g.id(), g.page())?.search(key)? {
                Ok(i) => i,
                Err(_) => return Ok(false),
            }
        };
        SlottedPage::new(path[leaf_at].node.page_mut()).remove_at(i as u16);

        let mut meta_page: Option<(PageWriteGuard<'_>, Meta)> = None;
        for j in (1..path.len()).rev() {
            let (above, below) = path.split_at_mut(j);
            let parent = &mut above[j - 1].node;
            let level = &mut below[0];
            if Node::open(level.node.id(), level.node.page())?.used() >= MIN_FILL {
                break;
            }
            let Some((sibling, sibling_is_left)) = level.sibling.as_mut() else {
                break;
            };
            let (left, right, right_slot) = if *sibling_is_left {
                (sibling, &mut level.node, slots[j - 1])
            } else {
                (&mut level.node, sibling, slots[j - 1] + 1)
            };
            match self.rebalance(parent, right_slot, left, right, &mut meta_page)? {
                Rebalanced::Merged => continue,
                Rebalanced::Redistributed | Rebalanced::Skipped => break,
            }
        }
        self.collapse_root(&mut path, &mut meta_page)?;

        let mut all: Vec<&mut PageWriteGuard<'_>> = Vec::with_capacity(path.len() * 2 + 1);
        for level in path.iter_mut() {
            all.push(&mut level.node);
            if let Some((s, _)) = level.sibling.as_mut() {
                all.push(s);
            }
        }
        if let Some((g, m)) = meta_page.as_mut() {
            m.store(g.page_mut());
            all.push(g);
        }
        log_pages(self.storage.wal(), meta, &mut all, &[])?;
        Ok(true)
    }

    /// Rebalances the underfull one of `left` and `right`, children of `parent` with the
    /// right one at `right_slot`: merges them if one node holds both, otherwise evens them
    /// out, unless the parent has no room for the new separator.
    fn rebalance<'a>(
        &'a self,
        parent: &mut PageWriteGuard<'a>,
        right_slot: usize,
        left: &mut PageWriteGuard<'a>,
        right: &mut PageWriteGuard<'a>,
        meta_page: &mut Option<(PageWriteGuard<'a>, Meta)>,
    ) -> Result<Rebalanced> {
        let (separator, level, right_link, litems, ritems) = {
            let p = Node::open(parent.id(), parent.page())?;
            if p.child(right_slot)? != right.id().page {
                return Err(p.err(format!(
                    "slot {right_slot} does not point at page {}",
                    right.id().page
                )));
            }
            let l = Node::open(left.id(), left.page())?;
            let r = Node::open(right.id(), right.page())?;
            let separator = p.key(right_slot)?.to_vec();
            (separator, l.level(), r.right(), l.items()?, r.items()?)
        };
        let (left_page, right_page) = (left.id().page, right.id().page);
        let bug = |what: &str| {
            StorageError::Internal(format!(
                "index {}: {what} of pages {left_page} and {right_page}",
                self.rel
            ))
        };
        let joined = join(level, litems, ritems, &separator).ok_or_else(|| bug("joining"))?;
        if total_cost(&joined) <= super::node::USABLE {
            if !write_node(left.page_mut(), level, right_link, false, &joined) {
                return Err(bug("merging"));
            }
            if meta_page.is_none() {
                *meta_page = Some(self.write_meta()?);
            }
            if let Some((_, m)) = meta_page.as_mut() {
                Self::release(right, m);
            }
            SlottedPage::new(parent.page_mut()).remove_at(right_slot as u16);
            return Ok(Rebalanced::Merged);
        }
        let halves = divide(level, joined, 0.5).ok_or_else(|| bug("redistributing"))?;
        let new_item = internal_item(right.id().page, &halves.separator);
        check_for_compaction(parent, new_item.len())?;
        if !SlottedPage::new(parent.page_mut()).replace(right_slot as u16, &new_item) {
            return Ok(Rebalanced::Skipped);
        }
        if !write_node(left.page_mut(), level, right_page, false, &halves.left)
            || !write_node(right.page_mut(), level, right_link, false, &halves.right)
        {
            return Err(bug("redistributing"));
        }
        Ok(Rebalanced::Redistributed)
    }

    /// If the top of the path is the root and a merge left it with one child, that child
    /// becomes the root and the old root is freed.
    fn collapse_root<'a>(
        &'a self,
        path: &mut [Level<'a>],
        meta_page: &mut Option<(PageWriteGuard<'a>, Meta)>,
    ) -> Result<()> {
        let (child, level) = {
            let top = &path[0].node;
            let n = Node::open(top.id(), top.page())?;
            if !n.is_root() || n.is_leaf() || n.count() != 1 {
                return Ok(());
            }
            (n.child(0)?, n.level())
        };
        let (top, rest) = path.split_at_mut(1);
        let Some(next) = rest.first_mut() else {
            return Err(StorageError::Internal(format!(
                "index {}: root page {} has one child that is not latched",
                self.rel,
                top[0].node.id().page
            )));
        };
        let survivor = if next.node.id().page == child {
            &mut next.node
        } else {
            match next.sibling.as_mut() {
                Some((s, _)) if s.id().page == child => s,
                _ => {
                    return Err(StorageError::Internal(format!(
                        "index {}: the only child {child} of root page {} is not latched",
                        self.rel,
                        top[0].node.id().page
                    )));
                }
            }
        };
        set_root(survivor.page_mut(), true);
        if meta_page.is_none() {
            *meta_page = Some(self.write_meta()?);
        }
        if let Some((_, m)) = meta_page.as_mut() {
            m.root = child;
            m.level = level - 1;
            Self::release(&mut top[0].node, m);
        }
        Ok(())
    }
}

/// Whether leaf `node` stays at or above the fill threshold without entry `i`.
fn stays_full(node: &Node<'_>, i: usize) -> Result<bool> {
    let cost = node.item(i)?.len() + SLOT_SIZE;
    Ok(node.used().saturating_sub(cost) >= MIN_FILL)
}

fn held_ids(path: &[Level<'_>]) -> Vec<PageId> {
    path.iter()
        .flat_map(|l| std::iter::once(l.node.id()).chain(l.sibling.as_ref().map(|(s, _)| s.id())))
        .collect()
}
