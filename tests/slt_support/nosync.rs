//! A file system that never syncs, for the throwaway databases of the test files: what
//! PostgreSQL's test suites get from `fsync = off`. Files there create and drop tables by
//! the thousand, and each would otherwise cost a few `fsync`s of files and directories.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustydb_storage::io::{StdVfs, VFile, Vfs};

/// [`StdVfs`] with `sync_data` and `sync_dir` that return at once.
#[derive(Debug, Default)]
pub(crate) struct NoSyncVfs;

#[derive(Debug)]
struct NoSyncFile(Arc<dyn VFile>);

impl VFile for NoSyncFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.0.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.0.write_all_at(buf, offset)
    }

    fn write_batch(&self, writes: &[(u64, &[u8])]) -> io::Result<()> {
        self.0.write_batch(writes)
    }

    fn sync_data(&self) -> io::Result<()> {
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        self.0.len()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }
}

impl Vfs for NoSyncVfs {
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>> {
        Ok(Arc::new(NoSyncFile(StdVfs.open(path, create)?)))
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        StdVfs.remove_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        StdVfs.rename(from, to)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        StdVfs.create_dir_all(path)
    }

    fn sync_dir(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        StdVfs.list_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        StdVfs.exists(path)
    }
}
