//! Inserts: an optimistic attempt on the leaf alone, then, if the leaf is full, a
//! pessimistic descent that splits (see the protocol in [`super`]).

use super::BTree;
use super::meta::Meta;
use super::node::{
    MAX_ENTRY, MAX_ITEM_COST, Node, Seek, check_for_compaction, internal_item, leaf_item,
    write_node,
};
use super::split::divide;
use crate::buffer::PageWriteGuard;
use crate::error::{Result, StorageError};
use crate::ids::PageId;
use crate::mtr::log_pages;
use crate::page::slotted::{SLOT_SIZE, SlottedPage};
use crate::wal::RecordMeta;

/// Share of the bytes kept on the left when the rightmost node splits at its end:
/// ascending inserts then leave full pages behind instead of half-empty ones.
const APPEND_SPLIT: f64 = 0.9;
const EVEN_SPLIT: f64 = 0.5;

impl BTree {
    /// Inserts `key` with `value`. Returns `false`, changing nothing, if the key is
    /// already present; [`StorageError::TooLarge`] ("index row") if `key.len() +
    /// value.len()` exceeds [`BTree::max_entry_size`]. `meta` is the transaction the WAL
    /// records are written for.
    pub fn insert(&self, key: &[u8], value: &[u8], meta: RecordMeta) -> Result<bool> {
        let size = key.len() + value.len();
        if size > MAX_ENTRY {
            return Err(StorageError::TooLarge {
                what: "index row",
                size,
                max: MAX_ENTRY,
            });
        }
        let item = leaf_item(key, value);
        match self.insert_optimistic(key, &item, meta)? {
            Some(done) => Ok(done),
            None => self.insert_pessimistic(key, &item, meta),
        }
    }

    /// The common case: the leaf has room. `None` if it must split.
    fn insert_optimistic(&self, key: &[u8], item: &[u8], meta: RecordMeta) -> Result<Option<bool>> {
        let mut leaf = self.descend_leaf_write(key)?;
        let pos = {
            let node = Node::open(leaf.id(), leaf.page())?;
            match node.search(key)? {
                Ok(_) => return Ok(Some(false)),
                Err(_) if !node.fits(item.len()) => return Ok(None),
                Err(pos) => pos,
            }
        };
        put(&mut leaf, pos, item)?;
        log_pages(self.storage.wal(), meta, &mut [&mut leaf], &[])?;
        Ok(Some(true))
    }

    /// Write-latches the path from the root, keeping it from the lowest node with room for
    /// one more maximal item down, then splits the leaf and as many ancestors as needed.
    fn insert_pessimistic(&self, key: &[u8], item: &[u8], meta: RecordMeta) -> Result<bool> {
        let mut path: Vec<PageWriteGuard<'_>> = vec![self.root_write()?];
        // slots[j]: the slot in path[j] of the child path[j + 1].
        let mut slots: Vec<usize> = Vec::new();
        loop {
            let (i, child) = {
                let top = last(&path)?;
                let node = Node::open(top.id(), top.page())?;
                if node.is_leaf() {
                    break;
                }
                let i = node.child_index(Seek::Key(key))?;
                (i, node.child(i)?)
            };
            let child = self.latch_write_unheld(child, path.iter().map(|g| g.id()))?;
            let safe = {
                let top = last(&path)?;
                let parent = Node::open(top.id(), top.page())?;
                let c = Node::open(child.id(), child.page())?;
                parent.check_child(i, &c)?;
                let need = if c.is_leaf() {
                    item.len() + SLOT_SIZE
                } else {
                    MAX_ITEM_COST
                };
                c.free() >= need
            };
            if safe {
                path.clear();
                slots.clear();
            } else {
                slots.push(i);
            }
            path.push(child);
        }

        let leaf_at = path.len() - 1;
        let (pos, fits) = {
            let node = Node::open(path[leaf_at].id(), path[leaf_at].page())?;
            match node.search(key)? {
                Ok(_) => return Ok(false),
                Err(pos) => (pos, node.fits(item.len())),
            }
        };
        if fits {
            // Another writer made room since the optimistic attempt.
            put(&mut path[leaf_at], pos, item)?;
            log_pages(self.storage.wal(), meta, &mut [&mut path[leaf_at]], &[])?;
            return Ok(true);
        }

        let top_is_root = Node::open(path[0].id(), path[0].page())?.is_root();
        let (mut meta_page, mut m) = self.write_meta()?;
        let mut fresh: Vec<PageWriteGuard<'_>> = Vec::new();
        let split = self.split_with(&mut path, leaf_at, pos, item.to_vec(), &mut fresh, &mut m)?;
        let mut pending = Some(split);
        for j in (0..leaf_at).rev() {
            let Some((child, separator)) = pending.take() else {
                break;
            };
            let at = slots[j] + 1;
            let new_item = internal_item(child, &separator);
            if Node::open(path[j].id(), path[j].page())?.fits(new_item.len()) {
                put(&mut path[j], at, &new_item)?;
                break;
            }
            pending = Some(self.split_with(&mut path, j, at, new_item, &mut fresh, &mut m)?);
        }
        if let Some((child, separator)) = pending {
            // Only the root can split at the top of the path: any other top node was kept
            // because it had room for the separator.
            if !top_is_root {
                return Err(StorageError::Internal(format!(
                    "index {}: page {} split at the top of an insert path but is not the root",
                    self.rel,
                    path[0].id().page
                )));
            }
            let held = held_ids(&path, &fresh);
            let mut root = self.alloc(&mut m, &held)?;
            let top = Node::open(path[0].id(), path[0].page())?;
            let level = top
                .level()
                .checked_add(1)
                .ok_or_else(|| top.err("too many levels"))?;
            let items = [
                internal_item(path[0].id().page, b""),
                internal_item(child, &separator),
            ];
            if !write_node(root.page_mut(), level, 0, true, &items) {
                return Err(StorageError::Internal("a new root does not fit".into()));
            }
            m.root = root.id().page;
            m.level = level;
            fresh.push(root);
        }
        m.store(meta_page.page_mut());
        let mut all: Vec<&mut PageWriteGuard<'_>> =
            path.iter_mut().chain(fresh.iter_mut()).collect();
        all.push(&mut meta_page);
        log_pages(self.storage.wal(), meta, &mut all, &[])?;
        Ok(true)
    }

    /// Splits `path[j]` after inserting `item` as its slot `pos`: the node keeps the left
    /// part, a new page takes the right. Returns the new page and the separator for the
    /// parent.
    fn split_with<'a>(
        &'a self,
        path: &mut [PageWriteGuard<'a>],
        j: usize,
        pos: usize,
        item: Vec<u8>,
        fresh: &mut Vec<PageWriteGuard<'a>>,
        m: &mut Meta,
    ) -> Result<(u32, Vec<u8>)> {
        let (level, right, items, appending) = {
            let node = Node::open(path[j].id(), path[j].page())?;
            let mut items = node.items()?;
            let appending = pos == items.len() && node.right() == 0;
            items.insert(pos, item);
            (node.level(), node.right(), items, appending)
        };
        let target = if appending { APPEND_SPLIT } else { EVEN_SPLIT };
        let halves = divide(level, items, target).ok_or_else(|| {
            StorageError::Internal(format!(
                "index {}: no way to split page {}",
                self.rel,
                path[j].id().page
            ))
        })?;
        let held = held_ids(path, fresh);
        let mut new = self.alloc(m, &held)?;
        let new_page = new.id().page;
        if !write_node(path[j].page_mut(), level, new_page, false, &halves.left)
            || !write_node(new.page_mut(), level, right, false, &halves.right)
        {
            return Err(StorageError::Internal(format!(
                "index {}: a split half of page {} does not fit",
                self.rel,
                path[j].id().page
            )));
        }
        fresh.push(new);
        Ok((new_page, halves.separator))
    }
}

/// Inserts `item` as slot `pos` of a node known to have room.
fn put(g: &mut PageWriteGuard<'_>, pos: usize, item: &[u8]) -> Result<()> {
    check_for_compaction(g, item.len() + SLOT_SIZE)?;
    if SlottedPage::new(g.page_mut()).insert_at(pos as u16, item) {
        Ok(())
    } else {
        Err(StorageError::Internal(format!(
            "{}: an item that fits could not be inserted",
            g.id()
        )))
    }
}

fn last<'p, 'a>(path: &'p [PageWriteGuard<'a>]) -> Result<&'p PageWriteGuard<'a>> {
    path.last()
        .ok_or_else(|| StorageError::Internal("empty B+tree path".into()))
}

fn held_ids(path: &[PageWriteGuard<'_>], fresh: &[PageWriteGuard<'_>]) -> Vec<PageId> {
    path.iter().chain(fresh).map(|g| g.id()).collect()
}
