//! The free-space map: roughly how much room each heap page has, so an insert finds a
//! page without reading every page.
//!
//! One byte per page holds the page's free bytes divided by 32 (a "category"). The map is
//! a *hint*: it can be stale or lost without harm, because an insert re-checks the real
//! page under its latch and corrects the map when it was wrong. That is why it is not
//! WAL-logged; it is saved to `base/<rel>_fsm` (with a CRC) at each checkpoint and loaded
//! at open, and a missing or damaged file just means pages are rediscovered as inserts
//! and vacuum touch them, as with PostgreSQL's FSM after a crash.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::{Result, StorageError};
use crate::io::{Vfs, read_exact_at};

const MAGIC: u32 = 0x4653_4d31; // "FSM1"
/// Bytes per category step.
pub const STEP: usize = 32;

#[derive(Debug, Default)]
struct Inner {
    cats: Vec<u8>,
    /// Where the last search succeeded; searches start here so inserters fill one page
    /// before moving on.
    hint: u32,
    dirty: bool,
}

/// The free-space map of one heap relation.
#[derive(Debug)]
pub struct FreeSpaceMap {
    inner: Mutex<Inner>,
    path: PathBuf,
    vfs: Arc<dyn Vfs>,
}

fn category(free: usize) -> u8 {
    (free / STEP).min(255) as u8
}

impl FreeSpaceMap {
    /// Loads the map saved at `path`, or starts empty if it is missing or damaged.
    pub fn load(vfs: Arc<dyn Vfs>, path: PathBuf) -> FreeSpaceMap {
        let cats = Self::read_file(&*vfs, &path).unwrap_or_default();
        FreeSpaceMap {
            inner: Mutex::new(Inner {
                cats,
                hint: 0,
                dirty: false,
            }),
            path,
            vfs,
        }
    }

    fn read_file(vfs: &dyn Vfs, path: &std::path::Path) -> Option<Vec<u8>> {
        if !vfs.exists(path) {
            return None;
        }
        let f = vfs.open(path, false).ok()?;
        let len = f.len().ok()? as usize;
        let mut buf = vec![0u8; len];
        if read_exact_at(&*f, &mut buf, 0).ok()? != len || len < 12 {
            return None;
        }
        let magic = u32::from_le_bytes(buf[0..4].try_into().ok()?);
        let n = u32::from_le_bytes(buf[4..8].try_into().ok()?) as usize;
        let crc = u32::from_le_bytes(buf[8..12].try_into().ok()?);
        let body = buf.get(12..12 + n)?;
        (magic == MAGIC && crc32fast::hash(body) == crc).then(|| body.to_vec())
    }

    /// Records that page `page` has `free` bytes.
    pub fn set(&self, page: u32, free: usize) {
        let mut m = self.inner.lock();
        let i = page as usize;
        if m.cats.len() <= i {
            m.cats.resize(i + 1, 0);
        }
        let c = category(free);
        if m.cats[i] != c {
            m.cats[i] = c;
            m.dirty = true;
        }
    }

    /// A page that probably has `need` free bytes, searching from the last hit.
    pub fn find(&self, need: usize) -> Option<u32> {
        // Round up: a page in category c has at least c * STEP bytes.
        let want = need.div_ceil(STEP).min(255) as u8;
        let mut m = self.inner.lock();
        let n = m.cats.len();
        if n == 0 {
            return None;
        }
        let start = (m.hint as usize).min(n - 1);
        let found = (start..n).chain(0..start).find(|&i| m.cats[i] >= want)?;
        m.hint = found as u32;
        Some(found as u32)
    }

    /// Forgets pages at or past `nblocks` (after a truncation).
    pub fn truncate(&self, nblocks: u32) {
        let mut m = self.inner.lock();
        m.cats.truncate(nblocks as usize);
        m.hint = 0;
        m.dirty = true;
    }

    /// Total free bytes the map believes the relation has (a lower bound per page).
    pub fn total_free(&self) -> u64 {
        self.inner
            .lock()
            .cats
            .iter()
            .map(|&c| c as u64 * STEP as u64)
            .sum()
    }

    /// Saves the map if it changed since the last save.
    pub fn persist(&self) -> Result<()> {
        let body = {
            let mut m = self.inner.lock();
            if !m.dirty {
                return Ok(());
            }
            m.dirty = false;
            m.cats.clone()
        };
        let mut buf = Vec::with_capacity(body.len() + 12);
        buf.extend_from_slice(&MAGIC.to_le_bytes());
        buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
        buf.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        buf.extend_from_slice(&body);
        let tmp = self.path.with_extension("tmp");
        let result = (|| {
            let f = self.vfs.open(&tmp, true)?;
            f.set_len(0)?;
            f.write_all_at(&buf, 0)?;
            f.sync_data()?;
            self.vfs.rename(&tmp, &self.path)
        })();
        result.map_err(|source| {
            self.inner.lock().dirty = true;
            StorageError::Write {
                what: self.path.display().to_string(),
                source,
            }
        })
    }

    /// Removes the saved file (the relation is being dropped).
    pub fn remove_file(&self) -> Result<()> {
        if self.vfs.exists(&self.path) {
            self.vfs
                .remove_file(&self.path)
                .map_err(|source| StorageError::Write {
                    what: self.path.display().to_string(),
                    source,
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdVfs;

    #[test]
    fn finds_pages_with_room_and_survives_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1_fsm");
        let fsm = FreeSpaceMap::load(Arc::new(StdVfs), path.clone());
        assert_eq!(fsm.find(10), None);
        fsm.set(0, 20);
        fsm.set(3, 4000);
        assert_eq!(fsm.find(100), Some(3));
        assert_eq!(fsm.find(4000), Some(3));
        assert_eq!(
            fsm.find(4001),
            None,
            "4001 bytes needs a category the page lacks"
        );
        fsm.persist().unwrap();
        let back = FreeSpaceMap::load(Arc::new(StdVfs), path.clone());
        assert_eq!(back.find(100), Some(3));
        std::fs::write(&path, b"garbage that fails the crc").unwrap();
        assert_eq!(FreeSpaceMap::load(Arc::new(StdVfs), path).find(1), None);
    }
}
