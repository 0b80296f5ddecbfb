//! A fault-injecting file system for tests: failing writes and syncs, a full disk, and
//! power loss.
//!
//! [`FaultVfs`] wraps another [`Vfs`] and consults a shared [`Faults`] handle on every
//! operation, so a test can flip faults on and off while the engine runs.
//!
//! # Power loss
//! With [`Faults::track_unsynced`] on, every 512-byte sector written since the file's last
//! successful `sync_data` remembers the contents it had at that sync. [`Faults::power_loss`]
//! then, for every such sector, either keeps the new contents or puts the old ones back,
//! at random; a page made of sixteen sectors can therefore end up torn, half old and half
//! new, as on a real disk losing power mid-write. Files shrink back to their synced length
//! unless a kept sector lies beyond it. Directory operations (create, rename, remove) are
//! modelled as durable at once; the engine syncs directories anyway.
//!
//! While [`Faults::set_dead`] is on, every operation fails with `EIO`, so an engine that is
//! being dropped after a simulated crash cannot write anything more.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{VFile, Vfs, read_exact_at};

const SECTOR: u64 = 512;

/// A rule that fails operations on paths containing `pattern`.
#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    errno: i32,
    /// Operations to let through before failing (`0`: fail from now on).
    skip: u64,
}

impl Rule {
    fn check(&mut self, path: &Path) -> io::Result<()> {
        if !path.to_string_lossy().contains(&self.pattern) {
            return Ok(());
        }
        if self.skip > 0 {
            self.skip -= 1;
            return Ok(());
        }
        Err(io::Error::from_raw_os_error(self.errno))
    }
}

#[derive(Debug, Default)]
struct Unsynced {
    synced_len: u64,
    /// Sector number -> contents at the last sync (`None`: past the end then).
    old: BTreeMap<u64, Option<Vec<u8>>>,
}

#[derive(Debug, Default)]
struct State {
    write_rule: Option<Rule>,
    sync_rule: Option<Rule>,
    free_space: Option<u64>,
    dead: bool,
    track: bool,
    unsynced: HashMap<PathBuf, Unsynced>,
}

/// The shared switchboard of faults. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

impl Faults {
    /// New switchboard, everything off.
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Fails writes (and file extensions) to paths containing `pattern` with `errno`,
    /// after letting `skip` of them through.
    pub fn fail_writes(&self, pattern: &str, errno: i32, skip: u64) {
        self.state.lock().write_rule = Some(Rule {
            pattern: pattern.into(),
            errno,
            skip,
        });
    }

    /// Fails `sync_data` on paths containing `pattern` with `errno`, after `skip`.
    pub fn fail_syncs(&self, pattern: &str, errno: i32, skip: u64) {
        self.state.lock().sync_rule = Some(Rule {
            pattern: pattern.into(),
            errno,
            skip,
        });
    }

    /// Lets `bytes` more bytes of file growth succeed, then fails growth with `ENOSPC`
    /// (`None`: unlimited). Overwrites inside a file never need space.
    pub fn set_free_space(&self, bytes: Option<u64>) {
        self.state.lock().free_space = bytes;
    }

    /// Turns every fault off (free space unlimited, not dead); tracking stays as set.
    pub fn clear(&self) {
        let mut s = self.state.lock();
        s.write_rule = None;
        s.sync_rule = None;
        s.free_space = None;
        s.dead = false;
    }

    /// Makes every operation fail with `EIO` (a crashed machine) or lifts that.
    pub fn set_dead(&self, dead: bool) {
        self.state.lock().dead = dead;
    }

    /// Starts or stops remembering unsynced writes for [`Faults::power_loss`].
    pub fn track_unsynced(&self, on: bool) {
        let mut s = self.state.lock();
        s.track = on;
        if !on {
            s.unsynced.clear();
        }
    }

    /// Simulates power loss: every sector written since its file's last sync keeps its new
    /// contents with probability `keep` (decided by `rand01`), otherwise reverts. Works on
    /// the underlying files through `inner`.
    pub fn power_loss(
        &self,
        inner: &dyn Vfs,
        keep: f64,
        rand01: &mut dyn FnMut() -> f64,
    ) -> io::Result<()> {
        let unsynced = std::mem::take(&mut self.state.lock().unsynced);
        for (path, u) in unsynced {
            if !inner.exists(&path) {
                continue;
            }
            let file = inner.open(&path, false)?;
            let mut new_len = u.synced_len;
            let cur_len = file.len()?;
            for (sector, old) in &u.old {
                let start = sector * SECTOR;
                if rand01() < keep {
                    new_len = new_len.max((start + SECTOR).min(cur_len));
                    continue;
                }
                match old {
                    Some(bytes) => file.write_all_at(bytes, start)?,
                    None if start < cur_len => {
                        let n = SECTOR.min(cur_len - start) as usize;
                        file.write_all_at(&vec![0u8; n], start)?;
                    }
                    None => {}
                }
            }
            file.set_len(new_len.min(cur_len))?;
            file.sync_data()?;
        }
        Ok(())
    }

    fn before_write(&self, path: &Path, file: &dyn VFile, offset: u64, len: u64) -> io::Result<()> {
        let mut s = self.state.lock();
        if s.dead {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        if let Some(rule) = s.write_rule.as_mut() {
            rule.check(path)?;
        }
        let cur_len = file.len()?;
        let end = offset + len;
        if end > cur_len
            && let Some(free) = s.free_space.as_mut()
        {
            let grow = end - cur_len;
            if grow > *free {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            *free -= grow;
        }
        if s.track && len > 0 {
            let u = s
                .unsynced
                .entry(path.to_path_buf())
                .or_insert_with(|| Unsynced {
                    synced_len: cur_len,
                    old: BTreeMap::new(),
                });
            for sector in offset / SECTOR..=(end - 1) / SECTOR {
                if u.old.contains_key(&sector) {
                    continue;
                }
                let start = sector * SECTOR;
                let old = if start < cur_len {
                    let mut buf = vec![0u8; SECTOR as usize];
                    let n = read_exact_at(file, &mut buf, start)?;
                    buf.truncate(n);
                    Some(buf)
                } else {
                    None
                };
                u.old.insert(sector, old);
            }
        }
        Ok(())
    }

    fn before_sync(&self, path: &Path, file: &dyn VFile) -> io::Result<()> {
        let mut s = self.state.lock();
        if s.dead {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        if let Some(rule) = s.sync_rule.as_mut() {
            rule.check(path)?;
        }
        if s.track {
            let len = file.len()?;
            s.unsynced.insert(
                path.to_path_buf(),
                Unsynced {
                    synced_len: len,
                    old: BTreeMap::new(),
                },
            );
        }
        Ok(())
    }

    fn check_alive(&self) -> io::Result<()> {
        if self.state.lock().dead {
            Err(io::Error::from_raw_os_error(libc::EIO))
        } else {
            Ok(())
        }
    }
}

/// A [`Vfs`] that injects the faults of a [`Faults`] switchboard.
#[derive(Debug, Clone)]
pub struct FaultVfs {
    inner: Arc<dyn Vfs>,
    faults: Faults,
}

impl FaultVfs {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Vfs>, faults: Faults) -> FaultVfs {
        FaultVfs { inner, faults }
    }
}

#[derive(Debug)]
struct FaultFile {
    path: PathBuf,
    inner: Arc<dyn VFile>,
    faults: Faults,
}

impl VFile for FaultFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.faults.check_alive()?;
        self.inner.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.faults
            .before_write(&self.path, &*self.inner, offset, buf.len() as u64)?;
        self.inner.write_all_at(buf, offset)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.faults.before_sync(&self.path, &*self.inner)?;
        self.inner.sync_data()
    }

    fn len(&self) -> io::Result<u64> {
        self.faults.check_alive()?;
        self.inner.len()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let cur = self.inner.len()?;
        if len > cur {
            self.faults
                .before_write(&self.path, &*self.inner, cur, len - cur)?;
        } else {
            self.faults.check_alive()?;
        }
        self.inner.set_len(len)
    }
}

impl Vfs for FaultVfs {
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>> {
        self.faults.check_alive()?;
        let inner = self.inner.open(path, create)?;
        Ok(Arc::new(FaultFile {
            path: path.to_path_buf(),
            inner,
            faults: self.faults.clone(),
        }))
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.faults.check_alive()?;
        self.inner.remove_file(path)?;
        self.faults.state.lock().unsynced.remove(path);
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.faults.check_alive()?;
        self.inner.rename(from, to)?;
        let mut s = self.faults.state.lock();
        s.unsynced.remove(to);
        if let Some(u) = s.unsynced.remove(from) {
            s.unsynced.insert(to.to_path_buf(), u);
        }
        Ok(())
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.faults.check_alive()?;
        self.inner.create_dir_all(path)
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.faults.check_alive()?;
        self.inner.sync_dir(path)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.faults.check_alive()?;
        self.inner.list_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        self.inner.exists(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdVfs;

    fn setup() -> (tempfile::TempDir, FaultVfs, Faults) {
        let dir = tempfile::tempdir().unwrap();
        let faults = Faults::new();
        (dir, FaultVfs::new(Arc::new(StdVfs), faults.clone()), faults)
    }

    #[test]
    fn write_rule_fails_matching_paths_after_skip() {
        let (dir, vfs, faults) = setup();
        let f = vfs.open(&dir.path().join("wal-1"), true).unwrap();
        let g = vfs.open(&dir.path().join("data"), true).unwrap();
        faults.fail_writes("wal", libc::EIO, 1);
        f.write_all_at(b"ok", 0).unwrap();
        assert_eq!(
            f.write_all_at(b"no", 0).unwrap_err().raw_os_error(),
            Some(libc::EIO)
        );
        g.write_all_at(b"fine", 0).unwrap();
        faults.clear();
        f.write_all_at(b"ok", 0).unwrap();
    }

    #[test]
    fn free_space_limits_growth_not_overwrites() {
        let (dir, vfs, faults) = setup();
        let f = vfs.open(&dir.path().join("f"), true).unwrap();
        f.write_all_at(&[1u8; 100], 0).unwrap();
        faults.set_free_space(Some(50));
        f.write_all_at(&[2u8; 100], 0).unwrap();
        f.write_all_at(&[3u8; 40], 100).unwrap();
        let e = f.write_all_at(&[4u8; 40], 140).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC));
        faults.set_free_space(None);
        f.write_all_at(&[4u8; 40], 140).unwrap();
    }

    #[test]
    fn power_loss_reverts_unsynced_sectors_only() {
        let (dir, vfs, faults) = setup();
        faults.track_unsynced(true);
        let path = dir.path().join("f");
        let f = vfs.open(&path, true).unwrap();
        f.write_all_at(&[1u8; 1024], 0).unwrap();
        f.sync_data().unwrap();
        f.write_all_at(&[2u8; 1024], 512).unwrap();
        faults.set_dead(true);
        assert!(f.write_all_at(b"x", 0).is_err());
        faults.power_loss(&StdVfs, 0.0, &mut || 0.5).unwrap();
        let data = std::fs::read(&path).unwrap();
        assert_eq!(
            data,
            vec![1u8; 1024],
            "unsynced growth and overwrite both reverted"
        );
    }

    #[test]
    fn power_loss_can_tear_a_page() {
        let (dir, vfs, faults) = setup();
        faults.track_unsynced(true);
        let path = dir.path().join("f");
        let f = vfs.open(&path, true).unwrap();
        f.write_all_at(&[1u8; 8192], 0).unwrap();
        f.sync_data().unwrap();
        f.write_all_at(&[2u8; 8192], 0).unwrap();
        let mut flip = false;
        faults
            .power_loss(&StdVfs, 0.5, &mut || {
                flip = !flip;
                if flip { 0.0 } else { 1.0 }
            })
            .unwrap();
        let data = std::fs::read(&path).unwrap();
        assert_eq!(data.len(), 8192);
        assert!(data.contains(&1) && data.contains(&2), "half old, half new");
    }
}
