//! Frames, the page table and the clock sweep. See the module documentation of
//! [`crate::buffer`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};

use super::MAX_USAGE;
use super::guard::{PageReadGuard, PageWriteGuard};
use crate::disk::{DiskManager, Verify};
use crate::error::{Result, StorageError};
use crate::ids::{PAGE_SIZE, PageId, RelId};
use crate::page;
use crate::wal::Wal;

const NO_TAG: u64 = u64::MAX;

fn encode_tag(id: PageId) -> u64 {
    ((id.rel.0 as u64) << 32) | id.page as u64
}

fn decode_tag(tag: u64) -> Option<PageId> {
    (tag != NO_TAG).then(|| PageId::new(RelId((tag >> 32) as u32), tag as u32))
}

/// A frame's bytes and identity, guarded by the frame's latch.
#[derive(Debug)]
pub(crate) struct FrameData {
    pub(crate) page: Box<[u8]>,
    pub(crate) id: Option<PageId>,
    /// False while loading, and after a failed load.
    pub(crate) valid: bool,
}

#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) latch: RwLock<FrameData>,
    pin: AtomicU32,
    usage: AtomicU32,
    pub(crate) dirty: AtomicBool,
    /// Mirror of `FrameData::id`, changed only under the page-table mutex.
    tag: AtomicU64,
}

#[derive(Debug)]
struct Table {
    map: HashMap<PageId, usize>,
    free: Vec<usize>,
    hand: usize,
}

/// What to put in a frame that is not cached yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Read it from disk, verifying the checksum.
    Read,
    /// Zeroes: the caller initialises or overwrites the whole page.
    Zero,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    writes: AtomicU64,
}

/// Frames a [`ScanRing`] cycles through.
pub const RING_SIZE: usize = 32;

/// A small set of frames that one large scan reuses instead of sweeping the whole pool
/// (PostgreSQL's buffer access strategy): a sequential scan of a table bigger than the pool
/// evicts at most [`RING_SIZE`] frames' worth of other pages. A frame in the ring is reused
/// only if nobody else has started using it meanwhile (unpinned, usage count at most one).
#[derive(Debug, Default)]
pub struct ScanRing {
    frames: Vec<usize>,
    next: usize,
}

impl ScanRing {
    /// An empty ring.
    pub fn new() -> ScanRing {
        ScanRing::default()
    }
}

/// A snapshot of the pool's statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BufferPoolStats {
    /// Frames in the pool.
    pub size: usize,
    /// Frames holding a page.
    pub used: usize,
    /// Frames holding a changed page not yet written back.
    pub dirty: usize,
    /// Frames currently pinned.
    pub pinned: usize,
    /// Lookups served from memory.
    pub hits: u64,
    /// Lookups that read from disk (or initialised a new page).
    pub misses: u64,
    /// Pages evicted to make room.
    pub evictions: u64,
    /// Pages written back (eviction and checkpoints).
    pub writes: u64,
    /// `hits / (hits + misses)`, 1.0 before any lookup.
    pub hit_rate: f64,
}

/// The buffer pool. See [`crate::buffer`].
#[derive(Debug)]
pub struct BufferPool {
    frames: Box<[Frame]>,
    table: Mutex<Table>,
    disk: Arc<DiskManager>,
    /// Set once recovery is done. Until then every record being replayed has been read
    /// from a log that recovery synced first, so the WAL rule holds without flushing.
    wal: OnceLock<Arc<Wal>>,
    counters: Counters,
}

impl BufferPool {
    /// A pool of `frames` frames over `disk`. Fails with
    /// [`StorageError::Internal`]-free ERR-DB-004 semantics if memory cannot be had.
    pub fn new(frames: usize, disk: Arc<DiskManager>) -> Result<BufferPool, String> {
        if frames == 0 {
            return Err("the buffer pool needs at least one frame".into());
        }
        let mut v = Vec::new();
        v.try_reserve_exact(frames).map_err(|e| e.to_string())?;
        for _ in 0..frames {
            let mut bytes = Vec::new();
            bytes
                .try_reserve_exact(PAGE_SIZE)
                .map_err(|e| e.to_string())?;
            bytes.resize(PAGE_SIZE, 0);
            v.push(Frame {
                latch: RwLock::new(FrameData {
                    page: bytes.into_boxed_slice(),
                    id: None,
                    valid: false,
                }),
                pin: AtomicU32::new(0),
                usage: AtomicU32::new(0),
                dirty: AtomicBool::new(false),
                tag: AtomicU64::new(NO_TAG),
            });
        }
        Ok(BufferPool {
            frames: v.into_boxed_slice(),
            table: Mutex::new(Table {
                map: HashMap::with_capacity(frames),
                free: (0..frames).rev().collect(),
                hand: 0,
            }),
            disk,
            wal: OnceLock::new(),
            counters: Counters::default(),
        })
    }

    /// Attaches the log once recovery is over; from then on write-back obeys the WAL rule.
    pub fn attach_wal(&self, wal: Arc<Wal>) {
        let _ = self.wal.set(wal);
    }

    /// The relation files behind the pool.
    pub fn disk(&self) -> &Arc<DiskManager> {
        &self.disk
    }

    pub(crate) fn frame(&self, f: usize) -> &Frame {
        &self.frames[f]
    }

    pub(crate) fn unpin(&self, f: usize) {
        self.frames[f].pin.fetch_sub(1, Ordering::AcqRel);
    }

    /// A page for reading.
    pub fn read(&self, id: PageId) -> Result<PageReadGuard<'_>> {
        self.read_inner(id, None)
    }

    /// A page for reading by a large scan: a miss replaces a frame of `ring`, not one of
    /// the whole pool.
    pub fn read_in_ring(&self, id: PageId, ring: &mut ScanRing) -> Result<PageReadGuard<'_>> {
        self.read_inner(id, Some(ring))
    }

    fn read_inner(&self, id: PageId, mut ring: Option<&mut ScanRing>) -> Result<PageReadGuard<'_>> {
        loop {
            let f = self.pin(id, Load::Read, ring.as_deref_mut())?;
            let data = self.frames[f].latch.read();
            if data.valid && data.id == Some(id) {
                return Ok(PageReadGuard::new(self, f, data));
            }
            drop(data);
            self.unpin(f);
        }
    }

    /// A page for changing.
    pub fn write(&self, id: PageId) -> Result<PageWriteGuard<'_>> {
        self.write_with(id, Load::Read)
    }

    fn write_with(&self, id: PageId, load: Load) -> Result<PageWriteGuard<'_>> {
        loop {
            let f = self.pin(id, load, None)?;
            let data = self.frames[f].latch.write();
            if data.valid && data.id == Some(id) {
                return Ok(PageWriteGuard::new(self, f, data, false));
            }
            drop(data);
            self.unpin(f);
        }
    }

    /// Appends a page to `rel` and returns it zeroed, for initialising. Its changes are
    /// logged relative to an empty page, so redo needs nothing from disk.
    pub fn new_page(&self, rel: RelId) -> Result<PageWriteGuard<'_>> {
        let page = self.disk.extend(rel)?;
        let id = PageId::new(rel, page);
        let f = self.pin(id, Load::Zero, None)?;
        let mut data = self.frames[f].latch.write();
        if !(data.valid && data.id == Some(id)) {
            drop(data);
            self.unpin(f);
            return Err(StorageError::Internal(format!(
                "new page {id} vanished from the pool"
            )));
        }
        data.page.fill(0);
        Ok(PageWriteGuard::new(self, f, data, true))
    }

    /// A page for redo. With `fresh` the record overwrites the whole page (an image or an
    /// initialisation), so the page is not read from disk (it may be torn) and the file is
    /// extended if it is too short.
    pub(crate) fn redo_page(&self, id: PageId, fresh: bool) -> Result<PageWriteGuard<'_>> {
        if fresh {
            self.disk.ensure_page(id)?;
            self.write_with(id, Load::Zero)
        } else {
            self.write_with(id, Load::Read)
        }
    }

    /// Finds or loads `id` and returns its frame, pinned.
    fn pin(&self, id: PageId, load: Load, mut ring: Option<&mut ScanRing>) -> Result<usize> {
        loop {
            let mut t = self.table.lock();
            if let Some(&f) = t.map.get(&id) {
                let fr = &self.frames[f];
                fr.pin.fetch_add(1, Ordering::AcqRel);
                let u = fr.usage.load(Ordering::Relaxed);
                if u < MAX_USAGE {
                    fr.usage.store(u + 1, Ordering::Relaxed);
                }
                drop(t);
                self.counters.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(f);
            }
            let f = match ring.as_deref_mut() {
                Some(r) => self.ring_victim(&mut t, r)?,
                None => self.victim(&mut t)?,
            };
            let fr = &self.frames[f];
            if fr.dirty.load(Ordering::Acquire) {
                drop(t);
                if let Err(e) = self.write_back(f) {
                    self.unpin(f);
                    return Err(e);
                }
                t = self.table.lock();
                // Someone may have pinned the old page, re-dirtied it, or loaded ours.
                if fr.pin.load(Ordering::Acquire) != 1
                    || fr.dirty.load(Ordering::Acquire)
                    || t.map.contains_key(&id)
                {
                    fr.pin.fetch_sub(1, Ordering::AcqRel);
                    continue;
                }
            }
            if let Some(old) = decode_tag(fr.tag.load(Ordering::Acquire)) {
                t.map.remove(&old);
                self.counters.evictions.fetch_add(1, Ordering::Relaxed);
            }
            t.map.insert(id, f);
            fr.tag.store(encode_tag(id), Ordering::Release);
            // Nobody holds the latch of a frame pinned only by us.
            let Some(mut data) = fr.latch.try_write() else {
                t.map.remove(&id);
                fr.tag.store(NO_TAG, Ordering::Release);
                t.free.push(f);
                fr.pin.fetch_sub(1, Ordering::AcqRel);
                return Err(StorageError::Internal(format!(
                    "victim frame {f} is latched"
                )));
            };
            data.id = Some(id);
            data.valid = false;
            drop(t);
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            let loaded = match load {
                Load::Zero => {
                    data.page.fill(0);
                    Ok(())
                }
                Load::Read => self.disk.read_page(id, &mut data.page, Verify::Checksum),
            };
            match loaded {
                Ok(()) => {
                    data.valid = true;
                    fr.usage.store(1, Ordering::Relaxed);
                    return Ok(f);
                }
                Err(e) => {
                    data.id = None;
                    let mut t = self.table.lock();
                    if t.map.get(&id) == Some(&f) {
                        t.map.remove(&id);
                    }
                    fr.tag.store(NO_TAG, Ordering::Release);
                    t.free.push(f);
                    drop(data);
                    fr.pin.fetch_sub(1, Ordering::AcqRel);
                    return Err(e);
                }
            }
        }
    }

    /// Picks a frame to reuse and pins it; called with the table locked.
    fn victim(&self, t: &mut Table) -> Result<usize> {
        while let Some(f) = t.free.pop() {
            let fr = &self.frames[f];
            if fr.pin.load(Ordering::Acquire) == 0 && fr.tag.load(Ordering::Acquire) == NO_TAG {
                fr.pin.store(1, Ordering::Release);
                return Ok(f);
            }
        }
        let n = self.frames.len();
        for _ in 0..n * (MAX_USAGE as usize + 1) {
            let f = t.hand;
            t.hand = (t.hand + 1) % n;
            let fr = &self.frames[f];
            if fr.pin.load(Ordering::Acquire) != 0 {
                continue;
            }
            let u = fr.usage.load(Ordering::Relaxed);
            if u > 0 {
                fr.usage.store(u - 1, Ordering::Relaxed);
                continue;
            }
            fr.pin.store(1, Ordering::Release);
            return Ok(f);
        }
        Err(StorageError::BufferPoolExhausted { frames: n })
    }

    /// Picks a frame for a ring scan: the ring's next frame if nobody else uses it,
    /// otherwise a normal victim that joins the ring.
    fn ring_victim(&self, t: &mut Table, ring: &mut ScanRing) -> Result<usize> {
        if ring.frames.len() == RING_SIZE {
            let slot = ring.next;
            ring.next = (ring.next + 1) % RING_SIZE;
            let f = ring.frames[slot];
            let fr = &self.frames[f];
            if fr.pin.load(Ordering::Acquire) == 0 && fr.usage.load(Ordering::Relaxed) <= 1 {
                fr.pin.store(1, Ordering::Release);
                return Ok(f);
            }
            let f = self.victim(t)?;
            ring.frames[slot] = f;
            return Ok(f);
        }
        let f = self.victim(t)?;
        ring.frames.push(f);
        Ok(f)
    }

    /// Writes frame `f` (pinned by the caller) back to disk if dirty, obeying the WAL rule.
    fn write_back(&self, f: usize) -> Result<bool> {
        let fr = &self.frames[f];
        let mut copy = [0u8; PAGE_SIZE];
        let id = {
            let data = fr.latch.read();
            let Some(id) = data.id.filter(|_| data.valid) else {
                return Ok(false);
            };
            if !fr.dirty.swap(false, Ordering::AcqRel) {
                return Ok(false);
            }
            copy.copy_from_slice(&data.page);
            id
        };
        let result = (|| {
            if let Some(wal) = self.wal.get() {
                wal.flush_sync(page::page_lsn(&copy))?;
            }
            page::stamp_checksum(id, &mut copy);
            self.disk.write_page(id, &copy)
        })();
        if let Err(e) = result {
            fr.dirty.store(true, Ordering::Release);
            return Err(e);
        }
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Writes back every dirty page (a checkpoint). Returns how many were written.
    pub fn flush_all(&self) -> Result<usize> {
        let mut written = 0;
        for f in 0..self.frames.len() {
            let fr = &self.frames[f];
            if !fr.dirty.load(Ordering::Acquire) {
                continue;
            }
            {
                let _t = self.table.lock();
                if fr.tag.load(Ordering::Acquire) == NO_TAG {
                    continue;
                }
                fr.pin.fetch_add(1, Ordering::AcqRel);
            }
            let r = self.write_back(f);
            self.unpin(f);
            if r? {
                written += 1;
            }
        }
        Ok(written)
    }

    /// Forgets every cached page of `rel` without writing it (the relation is being
    /// removed). Fails if a page of it is still in use.
    pub fn discard_rel(&self, rel: RelId) -> Result<()> {
        let mut t = self.table.lock();
        let ids: Vec<(PageId, usize)> = t
            .map
            .iter()
            .filter(|(id, _)| id.rel == rel)
            .map(|(id, f)| (*id, *f))
            .collect();
        for (id, f) in ids {
            let fr = &self.frames[f];
            if fr.pin.load(Ordering::Acquire) != 0 {
                return Err(StorageError::Internal(format!(
                    "{id} is still pinned while dropping"
                )));
            }
            t.map.remove(&id);
            fr.tag.store(NO_TAG, Ordering::Release);
            fr.dirty.store(false, Ordering::Release);
            fr.usage.store(0, Ordering::Relaxed);
            if let Some(mut data) = fr.latch.try_write() {
                data.id = None;
                data.valid = false;
            }
            t.free.push(f);
        }
        Ok(())
    }

    /// Forgets cached pages of `rel` at or past page `from` (after a truncation).
    pub fn discard_from(&self, rel: RelId, from: u32) -> Result<()> {
        let mut t = self.table.lock();
        let ids: Vec<(PageId, usize)> = t
            .map
            .iter()
            .filter(|(id, _)| id.rel == rel && id.page >= from)
            .map(|(id, f)| (*id, *f))
            .collect();
        for (id, f) in ids {
            let fr = &self.frames[f];
            if fr.pin.load(Ordering::Acquire) != 0 {
                return Err(StorageError::Internal(format!(
                    "{id} is pinned while truncating"
                )));
            }
            t.map.remove(&id);
            fr.tag.store(NO_TAG, Ordering::Release);
            fr.dirty.store(false, Ordering::Release);
            if let Some(mut data) = fr.latch.try_write() {
                data.id = None;
                data.valid = false;
            }
            t.free.push(f);
        }
        Ok(())
    }

    /// Statistics.
    pub fn stats(&self) -> BufferPoolStats {
        let (mut used, mut dirty, mut pinned) = (0, 0, 0);
        for fr in self.frames.iter() {
            used += (fr.tag.load(Ordering::Relaxed) != NO_TAG) as usize;
            dirty += fr.dirty.load(Ordering::Relaxed) as usize;
            pinned += (fr.pin.load(Ordering::Relaxed) != 0) as usize;
        }
        let hits = self.counters.hits.load(Ordering::Relaxed);
        let misses = self.counters.misses.load(Ordering::Relaxed);
        BufferPoolStats {
            size: self.frames.len(),
            used,
            dirty,
            pinned,
            hits,
            misses,
            evictions: self.counters.evictions.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
            hit_rate: if hits + misses == 0 {
                1.0
            } else {
                hits as f64 / (hits + misses) as f64
            },
        }
    }
}
