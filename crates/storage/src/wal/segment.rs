//! WAL segment files: naming, preallocation, recycling and removal.
//!
//! The log is cut into 16 MiB segment files named by their number in 16 hex digits
//! (`wal/0000000000000003` holds LSNs `3 * 16 MiB .. 4 * 16 MiB`). A segment is
//! preallocated, zero-filled or recycled, before the first record is placed in it, so
//! writing the log never needs new disk space: a full disk surfaces as a clean error when
//! a record would start a new segment, before anything was changed in memory.
//!
//! Segments that no checkpoint needs any more are renamed to future segment numbers
//! (up to [`MAX_SPARES`] of them) instead of being deleted and zero-filled again. Their
//! stale records carry old LSNs, which readers reject.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::{Result, StorageError, is_enospc};
use crate::ids::Lsn;
use crate::io::{VFile, Vfs};

/// Size of one segment file.
pub const SEGMENT_SIZE: u64 = 16 << 20;
/// Spare (recycled) segments kept ready beyond the current one.
pub const MAX_SPARES: usize = 4;

/// The segment holding `lsn`.
pub fn segment_of(lsn: Lsn) -> u64 {
    lsn.0 / SEGMENT_SIZE
}

/// The file name of segment `n`.
pub fn segment_name(n: u64) -> String {
    format!("{n:016X}")
}

/// Parses a segment file name.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    if name.len() == 16 && name.chars().all(|c| c.is_ascii_hexdigit()) {
        u64::from_str_radix(name, 16).ok()
    } else {
        None
    }
}

/// The segment files of one WAL directory.
#[derive(Debug)]
pub struct Segments {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    open: Mutex<HashMap<u64, Arc<dyn VFile>>>,
}

impl Segments {
    /// The segments in `dir`.
    pub fn new(vfs: Arc<dyn Vfs>, dir: PathBuf) -> Segments {
        Segments {
            vfs,
            dir,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The WAL directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of segment `n`.
    pub fn path(&self, n: u64) -> PathBuf {
        self.dir.join(segment_name(n))
    }

    fn wal_err(&self, what: String, e: std::io::Error) -> StorageError {
        StorageError::WalWrite {
            file: what,
            reason: e.to_string(),
            disk_full: is_enospc(&e),
        }
    }

    /// The open file of segment `n` (which must exist).
    pub fn file(&self, n: u64) -> Result<Arc<dyn VFile>> {
        let mut open = self.open.lock();
        if let Some(f) = open.get(&n) {
            return Ok(f.clone());
        }
        let f = self
            .vfs
            .open(&self.path(n), false)
            .map_err(|e| self.wal_err(format!("wal/{}", segment_name(n)), e))?;
        open.insert(n, f.clone());
        Ok(f)
    }

    /// Every segment number present, ascending.
    pub fn list(&self) -> Result<Vec<u64>> {
        let names = self
            .vfs
            .list_dir(&self.dir)
            .map_err(|source| StorageError::Read {
                what: "wal/".into(),
                source,
            })?;
        let mut out: Vec<u64> = names
            .iter()
            .filter_map(|n| parse_segment_name(n.to_str()?))
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Makes sure segment `n` exists at full size, recycling a spare or zero-filling a
    /// new file. Nothing is left behind if it fails.
    pub fn allocate(&self, n: u64) -> Result<()> {
        let path = self.path(n);
        let name = format!("wal/{}", segment_name(n));
        if self.vfs.exists(&path) {
            let f = self.file(n)?;
            let len = f.len().map_err(|e| self.wal_err(name.clone(), e))?;
            if len >= SEGMENT_SIZE {
                return Ok(());
            }
            // A partially preallocated file (crash during allocation): finish it.
            self.open.lock().remove(&n);
            self.vfs
                .remove_file(&path)
                .map_err(|e| self.wal_err(name.clone(), e))?;
        }
        let tmp = self.dir.join(format!("{}.tmp", segment_name(n)));
        let result = (|| {
            let f = self.vfs.open(&tmp, true)?;
            f.set_len(0)?;
            let zeros = vec![0u8; 1 << 20];
            let mut off = 0;
            while off < SEGMENT_SIZE {
                f.write_all_at(&zeros, off)?;
                off += zeros.len() as u64;
            }
            f.sync_data()?;
            self.vfs.rename(&tmp, &path)?;
            self.vfs.sync_dir(&self.dir)
        })();
        if let Err(e) = result {
            let _ = self.vfs.remove_file(&tmp);
            return Err(self.wal_err(name, e));
        }
        Ok(())
    }

    /// Retires every segment below `keep_from`: renames up to [`MAX_SPARES`] of them to
    /// numbers after `newest` for reuse and removes the rest. Returns how many were
    /// retired.
    pub fn retire_before(&self, keep_from: u64, newest: u64) -> Result<usize> {
        let all = self.list()?;
        let spares = all.iter().filter(|&&n| n > newest).count();
        let mut next_spare = all.iter().copied().max().unwrap_or(newest).max(newest) + 1;
        let mut room = MAX_SPARES.saturating_sub(spares);
        let mut retired = 0;
        for n in all.into_iter().filter(|&n| n < keep_from) {
            self.open.lock().remove(&n);
            let name = format!("wal/{}", segment_name(n));
            if room > 0 {
                self.vfs
                    .rename(&self.path(n), &self.path(next_spare))
                    .map_err(|e| self.wal_err(name, e))?;
                next_spare += 1;
                room -= 1;
            } else {
                self.vfs
                    .remove_file(&self.path(n))
                    .map_err(|e| self.wal_err(name, e))?;
            }
            retired += 1;
        }
        if retired > 0 {
            self.vfs
                .sync_dir(&self.dir)
                .map_err(|e| self.wal_err("wal/".into(), e))?;
        }
        Ok(retired)
    }

    /// Removes every segment after `n` (end of recovery: anything there is from before
    /// the crash and must never be replayed).
    pub fn remove_after(&self, n: u64) -> Result<()> {
        for s in self.list()?.into_iter().filter(|&s| s > n) {
            self.open.lock().remove(&s);
            self.vfs
                .remove_file(&self.path(s))
                .map_err(|e| self.wal_err(format!("wal/{}", segment_name(s)), e))?;
        }
        self.vfs
            .sync_dir(&self.dir)
            .map_err(|e| self.wal_err("wal/".into(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdVfs;

    #[test]
    fn names_round_trip() {
        assert_eq!(segment_name(3), "0000000000000003");
        assert_eq!(parse_segment_name("00000000000000FF"), Some(255));
        assert_eq!(parse_segment_name("0000000000000003.tmp"), None);
        assert_eq!(segment_of(Lsn(3 * SEGMENT_SIZE + 5)), 3);
    }

    #[test]
    fn allocate_then_retire_recycles_into_spares() {
        let dir = tempfile::tempdir().unwrap();
        let segs = Segments::new(Arc::new(StdVfs), dir.path().to_path_buf());
        for n in 1..=3 {
            segs.allocate(n).unwrap();
        }
        assert_eq!(segs.list().unwrap(), vec![1, 2, 3]);
        assert_eq!(segs.retire_before(3, 3).unwrap(), 2);
        assert_eq!(segs.list().unwrap(), vec![3, 4, 5]);
        // A recycled spare is accepted as allocated.
        segs.allocate(4).unwrap();
        segs.remove_after(3).unwrap();
        assert_eq!(segs.list().unwrap(), vec![3]);
    }
}
