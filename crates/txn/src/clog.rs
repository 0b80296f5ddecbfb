//! The commit-status log: two bits per transaction id, on pages of a fixed relation.
//!
//! A transaction's status starts as *in progress* (all pages begin zeroed) and changes
//! once, to *committed* or *aborted*, in the same WAL record that commits or aborts it
//! (see [`crate::Transaction::commit`]). Recovery replays that record like any page
//! change, so after a crash the log says exactly which transactions committed. A
//! transaction still "in progress" in the log but not running any more crashed: readers
//! treat it as aborted, which is why nothing has to be undone after a crash.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rustydb_storage::page::{self, HEADER_SIZE, PageType};
use rustydb_storage::{PAGE_SIZE, PageId, PageWriteGuard, RecordMeta, RelId, Storage, mtr};

use crate::error::Result;
use crate::xid::{FIRST_NORMAL_XID, Xid};

/// The relation holding the commit log.
pub const CLOG_REL: RelId = RelId(1);
/// Transaction ids per page.
pub const XIDS_PER_PAGE: u64 = ((PAGE_SIZE - HEADER_SIZE) * 4) as u64;

/// A transaction's status in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XidStatus {
    /// Running, or crashed before finishing.
    InProgress,
    /// Committed.
    Committed,
    /// Rolled back.
    Aborted,
}

impl XidStatus {
    fn bits(self) -> u8 {
        match self {
            XidStatus::InProgress => 0,
            XidStatus::Committed => 1,
            XidStatus::Aborted => 2,
        }
    }

    fn from_bits(b: u8) -> XidStatus {
        match b & 3 {
            1 => XidStatus::Committed,
            2 => XidStatus::Aborted,
            _ => XidStatus::InProgress,
        }
    }
}

fn locate(xid: Xid) -> (u32, usize, u32) {
    let page = (xid / XIDS_PER_PAGE) as u32;
    let within = xid % XIDS_PER_PAGE;
    (
        page,
        HEADER_SIZE + (within / 4) as usize,
        ((within % 4) * 2) as u32,
    )
}

/// Entries of the cache of final statuses.
const CACHE: usize = 4096;

/// The commit log. See the module documentation.
#[derive(Debug)]
pub struct Clog {
    storage: Arc<Storage>,
    extend: Mutex<()>,
    /// Direct-mapped cache of final statuses, `xid << 2 | bits`: a committed or aborted
    /// status never changes, so a hit needs no page access and no lock. Visibility checks
    /// ask about the same few recent transactions over and over.
    cache: Box<[AtomicU64]>,
}

impl Clog {
    /// Opens the commit log, creating its relation in a new database.
    pub fn open(storage: &Arc<Storage>) -> Result<Clog> {
        if !storage.relation_exists(CLOG_REL) {
            storage.create_relation_with_id(CLOG_REL)?;
        }
        let cache = (0..CACHE).map(|_| AtomicU64::new(0)).collect();
        Ok(Clog {
            storage: storage.clone(),
            extend: Mutex::new(()),
            cache,
        })
    }

    /// The status of `xid`. Ids below the first normal id (bootstrap) are committed.
    pub fn status(&self, xid: Xid) -> Result<XidStatus> {
        if xid < FIRST_NORMAL_XID {
            return Ok(XidStatus::Committed);
        }
        let slot = &self.cache[(xid as usize) % CACHE];
        let cached = slot.load(Ordering::Relaxed);
        if cached >> 2 == xid && cached & 3 != 0 {
            return Ok(XidStatus::from_bits(cached as u8));
        }
        let (page_no, byte, shift) = locate(xid);
        if page_no >= self.storage.disk().nblocks(CLOG_REL)? {
            return Ok(XidStatus::InProgress);
        }
        let g = self.storage.pool().read(PageId::new(CLOG_REL, page_no))?;
        let status = XidStatus::from_bits(g[byte] >> shift);
        if status != XidStatus::InProgress {
            slot.store((xid << 2) | status.bits() as u64, Ordering::Relaxed);
        }
        Ok(status)
    }

    /// The page holding `xid`'s status, latched for a change, creating pages up to it.
    pub fn page_for(&self, xid: Xid) -> Result<PageWriteGuard<'_>> {
        let (page_no, _, _) = locate(xid);
        let pool = self.storage.pool();
        if page_no >= self.storage.disk().nblocks(CLOG_REL)? {
            let _x = self.extend.lock();
            while page_no >= self.storage.disk().nblocks(CLOG_REL)? {
                let mut g = pool.new_page(CLOG_REL)?;
                page::set_page_type(g.page_mut(), PageType::Clog);
                mtr::log_pages(self.storage.wal(), RecordMeta::NONE, &mut [&mut g], &[])?;
            }
        }
        Ok(pool.write(PageId::new(CLOG_REL, page_no))?)
    }

    /// Sets `xid`'s status on its page (from [`Clog::page_for`]); the caller logs it.
    pub fn set(g: &mut PageWriteGuard<'_>, xid: Xid, status: XidStatus) {
        let (_, byte, shift) = locate(xid);
        let p = g.page_mut();
        p[byte] = (p[byte] & !(3 << shift)) | (status.bits() << shift);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustydb_storage::StorageOptions;

    #[test]
    fn statuses_survive_restart_and_pages_are_created_on_demand() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = StorageOptions::new(dir.path());
        o.background = false;
        o.buffer_pool_pages = 32;
        let xids = [5, 6, XIDS_PER_PAGE * 3 + 1];
        {
            let s = Storage::open(o.clone()).unwrap();
            let clog = Clog::open(&s).unwrap();
            for (i, &x) in xids.iter().enumerate() {
                assert_eq!(clog.status(x).unwrap(), XidStatus::InProgress);
                let mut g = clog.page_for(x).unwrap();
                let st = if i % 2 == 0 {
                    XidStatus::Committed
                } else {
                    XidStatus::Aborted
                };
                Clog::set(&mut g, x, st);
                let meta = RecordMeta {
                    xid: x,
                    flags: rustydb_storage::wal::FLAG_COMMIT,
                };
                let lsn = mtr::log_pages(s.wal(), meta, &mut [&mut g], &[]).unwrap();
                drop(g);
                s.wal().flush(lsn).unwrap();
            }
            assert_eq!(s.disk().nblocks(CLOG_REL).unwrap(), 4);
        }
        let s = Storage::open(o).unwrap();
        let clog = Clog::open(&s).unwrap();
        assert_eq!(clog.status(5).unwrap(), XidStatus::Committed);
        assert_eq!(clog.status(6).unwrap(), XidStatus::Aborted);
        assert_eq!(clog.status(7).unwrap(), XidStatus::InProgress);
        assert_eq!(
            clog.status(XIDS_PER_PAGE * 3 + 1).unwrap(),
            XidStatus::Committed
        );
        assert_eq!(clog.status(1).unwrap(), XidStatus::Committed, "bootstrap");
    }
}
