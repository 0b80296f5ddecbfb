//! The meta page (page 0) and the free-page list.
//!
//! ```text
//! meta (page 0)   header | (no slots) ............ | special: 32 bytes
//!                 special = magic u32 | version u32 | root u32 | root level u16 | 0 u16
//!                           | free-list head u32 | free pages u32 | 0 u64
//!
//! free page       header | (no slots) ............ | special: next free page u32 | 0 u32
//! ```
//!
//! Both are slotted pages without slots, so the generic page checks apply to them.
//!
//! Freed pages (merges, root collapses) form a list threaded through the pages themselves
//! (each names the next) and headed in the meta page, which also counts them; splits take
//! from it before extending the file. The list changes only under the meta page's write
//! latch, inside the record of the structural change that frees or takes the page, so it
//! is exactly as crash-safe as the tree.

use super::BTree;
use super::node::{corrupt, rd16, rd32, wr16, wr32};
use crate::buffer::PageWriteGuard;
use crate::error::Result;
use crate::ids::{PAGE_SIZE, PageId, RelId};
use crate::page::slotted::SlottedPage;
use crate::page::{self, PageType};

/// Size of the meta page's special area.
const META_SPECIAL: usize = 32;
/// Size of a free page's special area.
const FREE_SPECIAL: usize = 8;
const MAGIC: u32 = u32::from_le_bytes(*b"RBT+");
const VERSION: u32 = 1;

/// The meta page's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Meta {
    /// The root node's page.
    pub(super) root: u32,
    /// The root's level (0: the root is a leaf).
    pub(super) level: u16,
    /// The first page of the free list (0: empty).
    pub(super) free_head: u32,
    /// Pages on the free list.
    pub(super) free_count: u32,
}

impl Meta {
    /// Decodes and checks page 0 of index `rel`.
    pub(super) fn read(rel: RelId, bytes: &[u8]) -> Result<Meta> {
        let bad = |why: String| corrupt(rel, format!("meta page 0: {why}"));
        match page::page_type(bytes) {
            Some(PageType::BTreeMeta) => {}
            other => return Err(bad(format!("page type {other:?}, not a B+tree meta page"))),
        }
        let sp = SlottedPage::new(bytes);
        if sp.special_offset() != PAGE_SIZE - META_SPECIAL {
            return Err(bad(format!("special area at {}", sp.special_offset())));
        }
        let s = sp.special();
        if rd32(s, 0) != MAGIC {
            return Err(bad(format!("bad magic {:#010x}", rd32(s, 0))));
        }
        if rd32(s, 4) != VERSION {
            return Err(bad(format!(
                "format version {}, this build reads {VERSION}",
                rd32(s, 4)
            )));
        }
        let meta = Meta {
            root: rd32(s, 8),
            level: rd16(s, 12),
            free_head: rd32(s, 16),
            free_count: rd32(s, 20),
        };
        if meta.root == 0 {
            return Err(bad("root pointer is 0".into()));
        }
        Ok(meta)
    }

    /// Formats `buf` as a meta page holding `self`.
    pub(super) fn init(&self, buf: &mut [u8]) {
        SlottedPage::init(&mut *buf, PageType::BTreeMeta, META_SPECIAL);
        let s = &mut buf[PAGE_SIZE - META_SPECIAL..];
        wr32(s, 0, MAGIC);
        wr32(s, 4, VERSION);
        self.store(buf);
    }

    /// Stores `self` into an already formatted meta page.
    pub(super) fn store(&self, buf: &mut [u8]) {
        let s = &mut buf[PAGE_SIZE - META_SPECIAL..];
        wr32(s, 8, self.root);
        wr16(s, 12, self.level);
        wr32(s, 16, self.free_head);
        wr32(s, 20, self.free_count);
    }
}

/// Formats `buf` as a free page pointing at `next`.
fn init_free(buf: &mut [u8], next: u32) {
    SlottedPage::init(&mut *buf, PageType::Free, FREE_SPECIAL);
    wr32(&mut buf[PAGE_SIZE - FREE_SPECIAL..], 0, next);
}

/// The next pointer of a free page, or why the page is not one.
pub(super) fn free_next(bytes: &[u8]) -> std::result::Result<u32, String> {
    if page::page_type(bytes) != Some(PageType::Free) {
        return Err(format!(
            "page type {:?}, not a free page",
            page::page_type(bytes)
        ));
    }
    let sp = SlottedPage::new(bytes);
    if sp.special_offset() != PAGE_SIZE - FREE_SPECIAL {
        return Err(format!("special area at {}", sp.special_offset()));
    }
    Ok(rd32(sp.special(), 0))
}

impl BTree {
    /// A page for a new node: the head of the free list, or a new page at the end of the
    /// file. The caller holds the meta page's write latch, stores `meta` back into it and
    /// formats the page, all in the one record of its change. `held` are the pages the
    /// caller holds: a free list pointing at one of them is corrupt.
    pub(super) fn alloc(&self, meta: &mut Meta, held: &[PageId]) -> Result<PageWriteGuard<'_>> {
        if meta.free_head == 0 {
            return self.storage.pool().new_page(self.rel);
        }
        let head = meta.free_head;
        let g = self.latch_write_unheld(head, held.iter().copied())?;
        let next = free_next(g.page())
            .map_err(|why| corrupt(self.rel, format!("free-list page {head}: {why}")))?;
        meta.free_count = meta.free_count.checked_sub(1).ok_or_else(|| {
            corrupt(
                self.rel,
                "meta page 0: the free list is longer than its count",
            )
        })?;
        meta.free_head = next;
        Ok(g)
    }

    /// Turns the latched page `g`, no longer referenced by the tree, into the head of the
    /// free list.
    pub(super) fn release(g: &mut PageWriteGuard<'_>, meta: &mut Meta) {
        init_free(g.page_mut(), meta.free_head);
        meta.free_head = g.id().page;
        meta.free_count += 1;
    }
}
