//! RAII page guards: a pin plus the frame's latch. See [`crate::buffer`].

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::atomic::Ordering;

use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use super::pool::{BufferPool, FrameData};
use crate::ids::{Lsn, PAGE_SIZE, PageId};
use crate::page;

/// Shared access to a page. Derefs to the page's bytes.
#[derive(Debug)]
pub struct PageReadGuard<'a> {
    pool: &'a BufferPool,
    frame: usize,
    data: ManuallyDrop<RwLockReadGuard<'a, FrameData>>,
}

impl<'a> PageReadGuard<'a> {
    pub(super) fn new(
        pool: &'a BufferPool,
        frame: usize,
        data: RwLockReadGuard<'a, FrameData>,
    ) -> PageReadGuard<'a> {
        PageReadGuard {
            pool,
            frame,
            data: ManuallyDrop::new(data),
        }
    }

    /// The page's id.
    pub fn id(&self) -> PageId {
        self.data.id.expect("a guarded frame has an id")
    }

    /// The page's LSN.
    pub fn lsn(&self) -> Lsn {
        page::page_lsn(&self.data.page)
    }
}

impl Deref for PageReadGuard<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.data.page
    }
}

impl Drop for PageReadGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: `data` is not used again; it is dropped exactly once, here, so the latch
        // is released before the pin.
        unsafe { ManuallyDrop::drop(&mut self.data) };
        self.pool.unpin(self.frame);
    }
}

/// How a write guard's page changed since it was last logged.
#[derive(Debug)]
pub(crate) enum Change<'g> {
    /// Nothing changed.
    None,
    /// A new page: the change is relative to zeroes.
    Init,
    /// The page's image before the change.
    Delta(&'g [u8]),
}

/// Exclusive access to a page. Changes made through [`PageWriteGuard::page_mut`] become
/// permanent only when logged by [`crate::mtr::log_pages`]; dropping the guard before that
/// restores the page as it was.
#[derive(Debug)]
pub struct PageWriteGuard<'a> {
    pool: &'a BufferPool,
    frame: usize,
    data: ManuallyDrop<RwLockWriteGuard<'a, FrameData>>,
    /// The image before the first unlogged change.
    before: Option<Box<[u8]>>,
    /// The page was allocated by this guard and has never been logged.
    init: bool,
}

impl<'a> PageWriteGuard<'a> {
    pub(super) fn new(
        pool: &'a BufferPool,
        frame: usize,
        data: RwLockWriteGuard<'a, FrameData>,
        init: bool,
    ) -> PageWriteGuard<'a> {
        PageWriteGuard {
            pool,
            frame,
            data: ManuallyDrop::new(data),
            before: None,
            init,
        }
    }

    /// The page's id.
    pub fn id(&self) -> PageId {
        self.data.id.expect("a guarded frame has an id")
    }

    /// The page's LSN.
    pub fn lsn(&self) -> Lsn {
        page::page_lsn(&self.data.page)
    }

    /// The page's bytes.
    pub fn page(&self) -> &[u8] {
        &self.data.page
    }

    /// The page's bytes for changing. The first call after the last log snapshots the
    /// page so the change can be logged as a delta (or undone).
    pub fn page_mut(&mut self) -> &mut [u8] {
        if !self.init && self.before.is_none() {
            self.before = Some(self.data.page.clone());
        }
        &mut self.data.page
    }

    /// The page's bytes for recovery, which rewrites them from the log and stamps the
    /// LSN with [`PageWriteGuard::mark_logged`]; no image is kept for undo.
    pub(crate) fn redo_bytes(&mut self) -> &mut [u8] {
        &mut self.data.page
    }

    /// Whether there are unlogged changes.
    pub fn is_modified(&self) -> bool {
        self.init || self.before.is_some()
    }

    /// Whether this is a newly allocated page not yet logged.
    pub fn is_new(&self) -> bool {
        self.init
    }

    pub(crate) fn change(&self) -> Change<'_> {
        if self.init {
            Change::Init
        } else if let Some(b) = &self.before {
            Change::Delta(b)
        } else {
            Change::None
        }
    }

    /// Records that the changes are in the log up to `lsn`: stamps the LSN, marks the
    /// frame dirty and forgets the old image.
    pub(crate) fn mark_logged(&mut self, lsn: Lsn) {
        page::set_page_lsn(&mut self.data.page, lsn);
        self.pool
            .frame(self.frame)
            .dirty
            .store(true, Ordering::Release);
        self.before = None;
        self.init = false;
    }

    /// Drops pending changes' bookkeeping without restoring (the changes were identical
    /// to the old image, so there is nothing to log or undo).
    pub(crate) fn forget_unchanged(&mut self) {
        self.before = None;
        self.init = false;
    }
}

impl Drop for PageWriteGuard<'_> {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            self.data.page.copy_from_slice(&before);
        } else if self.init {
            self.data.page[..PAGE_SIZE].fill(0);
        }
        // SAFETY: `data` is not used again; it is dropped exactly once, here, so the latch
        // is released before the pin.
        unsafe { ManuallyDrop::drop(&mut self.data) };
        self.pool.unpin(self.frame);
    }
}
