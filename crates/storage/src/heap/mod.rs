//! Heap files: a relation's tuples on slotted pages, addressed by stable tuple ids.
//!
//! A tuple lives at `(page, slot)` for its whole life: slots never move, compaction moves
//! only bytes, and a slot is reused only after vacuum has marked it `Unused`, which it
//! does only once no index points at it. The heap stores bytes; what they mean (the MVCC
//! header, the row's columns) belongs to the layers above, which change them in place
//! through [`HeapFile::update_in_place`], logged like every page change.
//!
//! Inserts find a page through the free-space map ([`fsm`]) and re-check the page under
//! its latch; when no page has room the file grows by a page, initialised in the same WAL
//! record as the first tuple put on it.
//!
//! Tuples larger than [`MAX_TUPLE`] (a page minus its header and one slot: 8,164 bytes)
//! are refused with ERR-STG-007 "row is too big: size N, maximum size 8164"; there are no
//! overflow pages.

pub mod fsm;

use std::collections::VecDeque;
use std::sync::Arc;

use crate::Storage;
use crate::buffer::{PageReadGuard, PageWriteGuard, ScanRing};
use crate::error::{Result, StorageError};
use crate::ids::{PageId, RelId, Tid};
use crate::mtr::log_pages;
use crate::page::slotted::{MAX_ITEM, SLOT_SIZE, SlotState, SlottedPage};
use crate::page::{self, PageType};
use crate::wal::RecordMeta;
use fsm::FreeSpaceMap;

/// The largest tuple a heap page holds.
pub const MAX_TUPLE: usize = MAX_ITEM;

/// A heap relation. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HeapFile {
    rel: RelId,
    storage: Arc<Storage>,
    fsm: Arc<FreeSpaceMap>,
}

fn corrupt(id: PageId, reason: String) -> StorageError {
    StorageError::Corrupt {
        what: id.to_string(),
        reason,
    }
}

/// Checks that a page read for the heap is a heap page with sane pointers.
fn check_heap_page(id: PageId, p: &[u8]) -> Result<()> {
    match page::page_type(p) {
        Some(PageType::Heap) => SlottedPage::new(p).validate().map_err(|r| corrupt(id, r)),
        Some(PageType::New) if page::is_zero_page(p) => Ok(()),
        other => Err(corrupt(
            id,
            format!("expected a heap page, found {other:?}"),
        )),
    }
}

impl HeapFile {
    /// Creates a new heap relation.
    pub fn create(storage: &Arc<Storage>) -> Result<HeapFile> {
        let rel = storage.create_relation()?;
        Self::open(storage, rel)
    }

    /// Creates a heap relation with a fixed id (system catalogs).
    pub fn create_with_id(storage: &Arc<Storage>, rel: RelId) -> Result<HeapFile> {
        storage.create_relation_with_id(rel)?;
        Self::open(storage, rel)
    }

    /// Opens an existing heap relation.
    pub fn open(storage: &Arc<Storage>, rel: RelId) -> Result<HeapFile> {
        if !storage.relation_exists(rel) {
            return Err(StorageError::NoSuchRelation(rel));
        }
        Ok(HeapFile {
            rel,
            storage: storage.clone(),
            fsm: storage.free_space_map(rel),
        })
    }

    /// The relation id.
    pub fn rel(&self) -> RelId {
        self.rel
    }

    /// The storage engine.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// Pages in the file.
    pub fn nblocks(&self) -> Result<u32> {
        self.storage.disk().nblocks(self.rel)
    }

    fn too_large(len: usize) -> StorageError {
        StorageError::TooLarge {
            what: "row",
            size: len,
            max: MAX_TUPLE,
        }
    }

    /// Inserts a tuple and returns its id.
    pub fn insert(&self, tuple: &[u8], meta: RecordMeta) -> Result<Tid> {
        Ok(self.insert_batch(&[tuple], meta)?[0])
    }

    /// Inserts tuples, filling each page with as many as fit and logging one record per
    /// page. Returns their ids in order.
    pub fn insert_batch(&self, tuples: &[&[u8]], meta: RecordMeta) -> Result<Vec<Tid>> {
        if let Some(t) = tuples.iter().find(|t| t.len() > MAX_TUPLE) {
            return Err(Self::too_large(t.len()));
        }
        let mut out = Vec::with_capacity(tuples.len());
        let mut rest = tuples;
        while let Some(first) = rest.first() {
            let mut g = self.page_for(first.len())?;
            let id = g.id();
            let placed = {
                let p = g.page_mut();
                if page::is_zero_page(p) {
                    SlottedPage::init(&mut *p, PageType::Heap, 0);
                }
                let mut sp = SlottedPage::new(p);
                let mut n = 0;
                for t in rest {
                    match sp.insert(t) {
                        Some(slot) => {
                            out.push(Tid::new(id.page, slot));
                            n += 1;
                        }
                        None => break,
                    }
                }
                n
            };
            if placed == 0 {
                // The map was optimistic; correct it and look again.
                self.fsm
                    .set(id.page, SlottedPage::new(g.page()).insert_capacity());
                drop(g);
                continue;
            }
            log_pages(self.storage.wal(), meta, &mut [&mut g], &[]).inspect_err(|_| {
                out.truncate(out.len() - placed);
            })?;
            self.fsm
                .set(id.page, SlottedPage::new(g.page()).insert_capacity());
            rest = &rest[placed..];
        }
        Ok(out)
    }

    /// A latched page with (probably) room for `len` bytes: from the map, or a new one.
    fn page_for(&self, len: usize) -> Result<PageWriteGuard<'_>> {
        let pool = self.storage.pool();
        for _ in 0..8 {
            let Some(page_no) = self.fsm.find(len + SLOT_SIZE) else {
                break;
            };
            let g = pool.write(PageId::new(self.rel, page_no))?;
            check_heap_page(g.id(), g.page())?;
            let cap = if page::is_zero_page(g.page()) {
                MAX_TUPLE
            } else {
                SlottedPage::new(g.page()).insert_capacity()
            };
            if cap >= len {
                return Ok(g);
            }
            self.fsm.set(page_no, cap);
        }
        pool.new_page(self.rel)
    }

    /// Calls `f` with the tuple's bytes under the page's read latch; `None` if the slot
    /// holds no tuple.
    pub fn with_tuple<R>(&self, tid: Tid, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let g = self.page_for_item(tid.page)?;
        Ok(SlottedPage::new(&g[..]).get(tid.slot).map(f))
    }

    /// A copy of the tuple.
    pub fn fetch(&self, tid: Tid) -> Result<Option<Vec<u8>>> {
        self.with_tuple(tid, <[u8]>::to_vec)
    }

    /// Changes a tuple in place (same length) and logs the change; `None` if the slot
    /// holds no tuple.
    pub fn update_in_place<R>(
        &self,
        tid: Tid,
        meta: RecordMeta,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<Option<R>> {
        let mut g = self.write_page(tid.page)?;
        let r = match SlottedPage::new(g.page_mut()).get_mut(tid.slot) {
            Some(bytes) => f(bytes),
            None => return Ok(None),
        };
        log_pages(self.storage.wal(), meta, &mut [&mut g], &[])?;
        Ok(Some(r))
    }

    /// A page for reading, checked to be a heap page.
    pub fn page(&self, page_no: u32) -> Result<PageReadGuard<'_>> {
        let g = self.storage.pool().read(PageId::new(self.rel, page_no))?;
        check_heap_page(g.id(), &g)?;
        Ok(g)
    }

    /// A page for reading one item through [`SlottedPage::get`] (bounds-checked), with
    /// only the constant-time structural checks: an index scan fetches one tuple per
    /// entry, and validating every slot of the page each time cost more than the rest of
    /// the fetch.
    fn page_for_item(&self, page_no: u32) -> Result<PageReadGuard<'_>> {
        let g = self.storage.pool().read(PageId::new(self.rel, page_no))?;
        let id = g.id();
        match page::page_type(&g) {
            Some(PageType::Heap) => SlottedPage::new(&g[..])
                .validate_pointers()
                .map_err(|r| corrupt(id, r))?,
            _ => check_heap_page(id, &g)?,
        }
        Ok(g)
    }

    /// A page for reading by a scan, through `ring`.
    pub fn page_in_ring(&self, page_no: u32, ring: &mut ScanRing) -> Result<PageReadGuard<'_>> {
        let g = self
            .storage
            .pool()
            .read_in_ring(PageId::new(self.rel, page_no), ring)?;
        check_heap_page(g.id(), &g)?;
        Ok(g)
    }

    /// A page for changing, checked to be a heap page (the caller logs its changes with
    /// [`crate::mtr::log_pages`]).
    pub fn write_page(&self, page_no: u32) -> Result<PageWriteGuard<'_>> {
        let g = self.storage.pool().write(PageId::new(self.rel, page_no))?;
        check_heap_page(g.id(), g.page())?;
        Ok(g)
    }

    /// The tuples of a heap page as `(slot, bytes)`.
    pub fn tuples(page: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
        let sp = SlottedPage::new(page);
        let n = if page::page_type(page) == Some(PageType::Heap) {
            sp.slot_count()
        } else {
            0
        };
        (0..n).filter_map(move |i| sp.item(i).map(|t| (i, t)))
    }

    /// Every tuple, page by page, through a scan ring.
    pub fn scan(&self) -> HeapScan {
        HeapScan {
            heap: self.clone(),
            ring: ScanRing::new(),
            next_page: 0,
            batch: VecDeque::new(),
        }
    }

    /// Vacuum's page step: marks `dead` slots dead (bytes freed, slot kept for indexes
    /// still pointing at it) and `unused` slots reusable, compacts, logs, and tells the
    /// free-space map. Returns the page's free bytes afterwards.
    pub fn vacuum_page(
        &self,
        page_no: u32,
        dead: &[u16],
        unused: &[u16],
        meta: RecordMeta,
    ) -> Result<usize> {
        let mut g = self.write_page(page_no)?;
        if page::is_zero_page(g.page()) {
            self.fsm.set(page_no, MAX_TUPLE);
            return Ok(MAX_TUPLE);
        }
        {
            let mut sp = SlottedPage::new(g.page_mut());
            for &s in dead {
                if matches!(sp.slot(s), Some(x) if x.state == SlotState::Normal) {
                    sp.set_dead(s);
                }
            }
            for &s in unused {
                sp.set_unused(s);
            }
            if !sp.compact() {
                return Err(corrupt(
                    g.id(),
                    "slot pointers outside the item area".into(),
                ));
            }
        }
        log_pages(self.storage.wal(), meta, &mut [&mut g], &[])?;
        let free = SlottedPage::new(g.page()).insert_capacity();
        self.fsm.set(page_no, free);
        Ok(free)
    }

    /// Slots of a page in each state: `(normal, dead, unused)`.
    pub fn slot_states(page: &[u8]) -> (Vec<u16>, Vec<u16>, Vec<u16>) {
        let sp = SlottedPage::new(page);
        let (mut n, mut d, mut u) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..sp.slot_count() {
            match sp.slot(i).map(|s| s.state) {
                Some(SlotState::Normal) => n.push(i),
                Some(SlotState::Dead) => d.push(i),
                _ => u.push(i),
            }
        }
        (n, d, u)
    }

    /// Free bytes the free-space map knows of.
    pub fn free_space(&self) -> u64 {
        self.fsm.total_free()
    }
}

/// An iterator over every tuple of a heap, as `(Tid, bytes)`. Each page is read once
/// under its latch; a tuple inserted into a page already passed is not seen.
#[derive(Debug)]
pub struct HeapScan {
    heap: HeapFile,
    ring: ScanRing,
    next_page: u32,
    batch: VecDeque<(Tid, Vec<u8>)>,
}

impl HeapScan {
    /// The next tuple.
    pub fn next_tuple(&mut self) -> Result<Option<(Tid, Vec<u8>)>> {
        loop {
            if let Some(item) = self.batch.pop_front() {
                return Ok(Some(item));
            }
            if self.next_page >= self.heap.nblocks()? {
                return Ok(None);
            }
            let page_no = self.next_page;
            self.next_page += 1;
            let g = self.heap.page_in_ring(page_no, &mut self.ring)?;
            self.batch
                .extend(HeapFile::tuples(&g).map(|(s, t)| (Tid::new(page_no, s), t.to_vec())));
        }
    }
}

#[cfg(test)]
mod tests;
