//! Relation files: one file per relation under `base/`, addressed by page number.
//!
//! Pages are read and written whole with positioned I/O. Every page read from disk has
//! its checksum verified here, before any other layer can see its bytes.
//!
//! # fsync discipline
//! Page writes are not synced when they happen: until the next checkpoint, the WAL can
//! rebuild them. Each file remembers that it was written since its last sync, and the
//! checkpoint syncs exactly those files before it writes its WAL record; only then may
//! WAL before the checkpoint's redo point be recycled. Files are extended one zeroed page
//! at a time under a per-file extension lock, so a full disk shows up as a clean error at
//! the moment a page is allocated, not later when a dirty page must be written back.
//! Creating and removing a file syncs the `base/` directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::error::{Result, StorageError};
use crate::ids::{PAGE_SIZE, PageId, RelId};
use crate::io::{VFile, Vfs, read_exact_at};
use crate::page;

#[derive(Debug)]
struct RelFile {
    file: Arc<dyn VFile>,
    nblocks: AtomicU32,
    dirty: AtomicBool,
    extend_lock: Mutex<()>,
}

/// The relation files of one data directory.
#[derive(Debug)]
pub struct DiskManager {
    vfs: Arc<dyn Vfs>,
    base: PathBuf,
    files: RwLock<HashMap<RelId, Arc<RelFile>>>,
}

/// How a page read treats its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Verify the checksum (every normal read).
    Checksum,
    /// Skip it: the caller is about to overwrite the whole page (redo of a full-page
    /// image) or is an integrity checker that reports mismatches itself.
    No,
}

impl DiskManager {
    /// The relation files under `base`.
    pub fn new(vfs: Arc<dyn Vfs>, base: PathBuf) -> DiskManager {
        DiskManager {
            vfs,
            base,
            files: RwLock::new(HashMap::new()),
        }
    }

    /// The path of a relation's file.
    pub fn path(&self, rel: RelId) -> PathBuf {
        self.base.join(rel.0.to_string())
    }

    /// A relation's file as users see it, relative to the data directory.
    pub fn display_name(rel: RelId) -> String {
        format!("base/{rel}")
    }

    fn rel_file(&self, rel: RelId) -> Result<Arc<RelFile>> {
        if let Some(f) = self.files.read().get(&rel) {
            return Ok(f.clone());
        }
        let path = self.path(rel);
        if !self.vfs.exists(&path) {
            return Err(StorageError::NoSuchRelation(rel));
        }
        let file = self
            .vfs
            .open(&path, false)
            .map_err(|source| StorageError::Read {
                what: Self::display_name(rel),
                source,
            })?;
        let len = file.len().map_err(|source| StorageError::Read {
            what: Self::display_name(rel),
            source,
        })?;
        let rf = Arc::new(RelFile {
            file,
            nblocks: AtomicU32::new(len.div_ceil(PAGE_SIZE as u64) as u32),
            dirty: AtomicBool::new(false),
            extend_lock: Mutex::new(()),
        });
        Ok(self.files.write().entry(rel).or_insert(rf).clone())
    }

    /// Whether the relation's file exists.
    pub fn exists(&self, rel: RelId) -> bool {
        self.files.read().contains_key(&rel) || self.vfs.exists(&self.path(rel))
    }

    /// Creates an empty relation file (no-op if it exists) and syncs `base/`.
    pub fn create(&self, rel: RelId) -> Result<()> {
        let path = self.path(rel);
        let err = |source| StorageError::Write {
            what: Self::display_name(rel),
            source,
        };
        self.vfs.open(&path, true).map_err(err)?;
        self.vfs.sync_dir(&self.base).map_err(err)?;
        Ok(())
    }

    /// Removes a relation's file (no-op if it is gone) and syncs `base/`.
    pub fn remove(&self, rel: RelId) -> Result<()> {
        self.files.write().remove(&rel);
        let path = self.path(rel);
        let err = |source| StorageError::Write {
            what: Self::display_name(rel),
            source,
        };
        if self.vfs.exists(&path) {
            self.vfs.remove_file(&path).map_err(err)?;
            self.vfs.sync_dir(&self.base).map_err(err)?;
        }
        Ok(())
    }

    /// The number of pages in the relation.
    pub fn nblocks(&self, rel: RelId) -> Result<u32> {
        Ok(self.rel_file(rel)?.nblocks.load(Ordering::Acquire))
    }

    /// Reads page `id` into `buf`. A page past the end of the file is
    /// [`StorageError::PageBeyondEof`]; a short last page (a torn extension) reads as its
    /// bytes followed by zeroes and is then checked like any other.
    pub fn read_page(&self, id: PageId, buf: &mut [u8], verify: Verify) -> Result<()> {
        let rf = self.rel_file(id.rel)?;
        if id.page >= rf.nblocks.load(Ordering::Acquire) {
            return Err(StorageError::PageBeyondEof(id));
        }
        let n =
            read_exact_at(&*rf.file, buf, id.page as u64 * PAGE_SIZE as u64).map_err(|source| {
                StorageError::Read {
                    what: format!("{id}"),
                    source,
                }
            })?;
        buf[n..].fill(0);
        if verify == Verify::Checksum
            && let Err((stored, computed)) = page::verify_checksum(id, buf)
        {
            return Err(StorageError::ChecksumMismatch {
                file: Self::display_name(id.rel),
                page: id.page,
                stored,
                computed,
            });
        }
        Ok(())
    }

    /// Writes page `id` from `buf`, whose checksum the caller has stamped.
    pub fn write_page(&self, id: PageId, buf: &[u8]) -> Result<()> {
        let rf = self.rel_file(id.rel)?;
        rf.file
            .write_all_at(buf, id.page as u64 * PAGE_SIZE as u64)
            .map_err(|source| StorageError::Write {
                what: format!("{id}"),
                source,
            })?;
        rf.dirty.store(true, Ordering::Release);
        if id.page >= rf.nblocks.load(Ordering::Acquire) {
            rf.nblocks.fetch_max(id.page + 1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Appends one zeroed page and returns its number.
    pub fn extend(&self, rel: RelId) -> Result<u32> {
        let rf = self.rel_file(rel)?;
        let _x = rf.extend_lock.lock();
        let page = rf.nblocks.load(Ordering::Acquire);
        let id = PageId::new(rel, page);
        rf.file
            .write_all_at(&[0u8; PAGE_SIZE], page as u64 * PAGE_SIZE as u64)
            .map_err(|source| StorageError::Write {
                what: format!("{id} (extending)"),
                source,
            })?;
        rf.dirty.store(true, Ordering::Release);
        rf.nblocks.store(page + 1, Ordering::Release);
        Ok(page)
    }

    /// Makes page `id` exist for recovery, growing the file with `set_len` (a hole reads
    /// as zero pages). Unlike [`DiskManager::extend`] it writes no data: recovery replays
    /// pages that are written back in full soon after, and the space they need was
    /// already taken before the crash.
    pub fn ensure_page(&self, id: PageId) -> Result<()> {
        let rf = self.rel_file(id.rel)?;
        if id.page < rf.nblocks.load(Ordering::Acquire) {
            return Ok(());
        }
        let _x = rf.extend_lock.lock();
        if id.page < rf.nblocks.load(Ordering::Acquire) {
            return Ok(());
        }
        rf.file
            .set_len((id.page as u64 + 1) * PAGE_SIZE as u64)
            .map_err(|source| StorageError::Write {
                what: format!("{id} (extending)"),
                source,
            })?;
        rf.dirty.store(true, Ordering::Release);
        rf.nblocks.store(id.page + 1, Ordering::Release);
        Ok(())
    }

    /// Shrinks the relation to `nblocks` pages (vacuum's truncation of empty tail pages).
    pub fn truncate(&self, rel: RelId, nblocks: u32) -> Result<()> {
        let rf = self.rel_file(rel)?;
        let _x = rf.extend_lock.lock();
        rf.file
            .set_len(nblocks as u64 * PAGE_SIZE as u64)
            .map_err(|source| StorageError::Write {
                what: Self::display_name(rel),
                source,
            })?;
        rf.nblocks.store(nblocks, Ordering::Release);
        rf.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// Syncs one relation file.
    pub fn sync_rel(&self, rel: RelId) -> Result<()> {
        let rf = self.rel_file(rel)?;
        rf.dirty.store(false, Ordering::Release);
        rf.file.sync_data().map_err(|source| {
            rf.dirty.store(true, Ordering::Release);
            StorageError::Write {
                what: format!("{} (fsync)", Self::display_name(rel)),
                source,
            }
        })
    }

    /// Syncs every relation file written since its last sync.
    pub fn sync_dirty(&self) -> Result<usize> {
        let files: Vec<(RelId, Arc<RelFile>)> = self
            .files
            .read()
            .iter()
            .map(|(r, f)| (*r, f.clone()))
            .collect();
        let mut synced = 0;
        for (rel, rf) in files {
            if rf.dirty.swap(false, Ordering::AcqRel) {
                if let Err(source) = rf.file.sync_data() {
                    rf.dirty.store(true, Ordering::Release);
                    return Err(StorageError::Write {
                        what: format!("{} (fsync)", Self::display_name(rel)),
                        source,
                    });
                }
                synced += 1;
            }
        }
        Ok(synced)
    }

    /// Lists the relation files present on disk.
    pub fn list(&self) -> Result<Vec<RelId>> {
        let names = self
            .vfs
            .list_dir(&self.base)
            .map_err(|source| StorageError::Read {
                what: "base/".into(),
                source,
            })?;
        Ok(names
            .iter()
            .filter_map(|n| n.to_str()?.parse::<u32>().ok())
            .map(RelId)
            .collect())
    }

    /// The directory holding relation files.
    pub fn base(&self) -> &Path {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdVfs;
    use crate::page::{PageType, set_page_type, stamp_checksum};

    fn setup() -> (tempfile::TempDir, DiskManager) {
        let dir = tempfile::tempdir().unwrap();
        let dm = DiskManager::new(Arc::new(StdVfs), dir.path().to_path_buf());
        (dir, dm)
    }

    #[test]
    fn extend_write_read_round_trip() {
        let (_d, dm) = setup();
        let rel = RelId(20000);
        dm.create(rel).unwrap();
        assert_eq!(dm.extend(rel).unwrap(), 0);
        assert_eq!(dm.extend(rel).unwrap(), 1);
        let id = PageId::new(rel, 1);
        let mut page = [0u8; PAGE_SIZE];
        set_page_type(&mut page, PageType::Heap);
        page[100] = 9;
        stamp_checksum(id, &mut page);
        dm.write_page(id, &page).unwrap();
        let mut back = [0u8; PAGE_SIZE];
        dm.read_page(id, &mut back, Verify::Checksum).unwrap();
        assert_eq!(back, page);
        dm.read_page(PageId::new(rel, 0), &mut back, Verify::Checksum)
            .unwrap();
        assert!(matches!(
            dm.read_page(PageId::new(rel, 2), &mut back, Verify::Checksum),
            Err(StorageError::PageBeyondEof(_))
        ));
        assert_eq!(dm.sync_dirty().unwrap(), 1);
        assert_eq!(dm.sync_dirty().unwrap(), 0);
    }

    #[test]
    fn flipped_byte_is_reported_with_file_and_page() {
        let (dir, dm) = setup();
        let rel = RelId(20001);
        dm.create(rel).unwrap();
        dm.extend(rel).unwrap();
        let id = PageId::new(rel, 0);
        let mut page = [0u8; PAGE_SIZE];
        set_page_type(&mut page, PageType::Heap);
        stamp_checksum(id, &mut page);
        dm.write_page(id, &page).unwrap();
        let path = dir.path().join("20001");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[4000] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
        let mut back = [0u8; PAGE_SIZE];
        match dm.read_page(id, &mut back, Verify::Checksum) {
            Err(StorageError::ChecksumMismatch { file, page, .. }) => {
                assert_eq!((file.as_str(), page), ("base/20001", 0));
            }
            other => panic!("expected checksum mismatch, got {other:?}"),
        }
    }

    #[test]
    fn missing_relation_is_a_clear_error() {
        let (_d, dm) = setup();
        assert!(matches!(
            dm.nblocks(RelId(5)),
            Err(StorageError::NoSuchRelation(RelId(5)))
        ));
    }
}
