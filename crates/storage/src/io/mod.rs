//! The file-system seam: every byte the engine reads or writes goes through [`Vfs`] and
//! [`VFile`].
//!
//! Implementations:
//! * [`StdVfs`]: `pread`/`pwrite`/`fdatasync` through `std::os::unix::fs::FileExt`;
//! * `uring::UringVfs` (cargo feature `io_uring`, Linux): the same operations submitted
//!   through an io_uring, with page batches written in one submission;
//! * [`fault::FaultVfs`]: wraps another `Vfs` to inject write and sync failures, a full
//!   disk, and power loss (unsynced writes dropped or torn) for tests.
//!
//! # Durability contract
//! A write is durable only after [`VFile::sync_data`] on its file returns `Ok`; a new or
//! renamed file's name is durable only after [`Vfs::sync_dir`] on its directory. The engine
//! relies on nothing else: it fsyncs WAL segments before acknowledging commits, data files
//! at checkpoints, and directories after creating, renaming or removing files that
//! recovery needs. After a failed `sync_data` the file's contents are unknown (the kernel
//! may have dropped the dirty pages), so the WAL treats a failed sync as fatal until
//! restart rather than retrying it.

#[cfg(test)]
mod conformance;
pub mod fault;
mod std_io;
#[cfg(all(feature = "io_uring", target_os = "linux"))]
pub mod uring;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use std_io::StdVfs;

/// An open file.
pub trait VFile: Send + Sync + fmt::Debug {
    /// Reads up to `buf.len()` bytes at `offset`; fewer only at end of file.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    /// Writes all of `buf` at `offset`, extending the file if needed.
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;

    /// Writes several buffers at their offsets. Backends that can submit them together
    /// (io_uring) override this; the default writes them one after another.
    fn write_batch(&self, writes: &[(u64, &[u8])]) -> io::Result<()> {
        for (offset, buf) in writes {
            self.write_all_at(buf, *offset)?;
        }
        Ok(())
    }

    /// Makes every completed write to this file durable (`fdatasync`).
    fn sync_data(&self) -> io::Result<()>;

    /// The file's length in bytes.
    fn len(&self) -> io::Result<u64>;

    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Truncates or extends (with zeroes) the file.
    fn set_len(&self, len: u64) -> io::Result<()>;
}

/// A file system.
pub trait Vfs: Send + Sync + fmt::Debug {
    /// Opens `path` for reading and writing; creates it if `create` is set.
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>>;

    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;

    /// Renames a file, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;

    /// Creates a directory and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;

    /// Makes the directory's entries (created, renamed, removed files) durable.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;

    /// The names of the entries of a directory.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;

    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> bool;
}

/// Reads exactly `buf.len()` bytes at `offset`, or reports how many were available.
pub fn read_exact_at(file: &dyn VFile, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// The backend named by the `RUSTYDB_TEST_IO_BACKEND` environment variable (`pread`, the
/// default, or `io_uring`), so that one test suite runs against each backend:
/// `scripts/test.sh` runs the storage tests once per backend.
pub fn backend_from_env() -> Arc<dyn Vfs> {
    let uring = std::env::var("RUSTYDB_TEST_IO_BACKEND").is_ok_and(|v| v == "io_uring");
    match vfs_for_backend(uring) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "RUSTYDB_TEST_IO_BACKEND=io_uring is unavailable; using pread");
            Arc::new(StdVfs)
        }
    }
}

/// The backend named in the configuration.
pub fn vfs_for_backend(uring: bool) -> io::Result<Arc<dyn Vfs>> {
    if !uring {
        return Ok(Arc::new(StdVfs));
    }
    #[cfg(all(feature = "io_uring", target_os = "linux"))]
    {
        Ok(Arc::new(uring::UringVfs::new()?))
    }
    #[cfg(not(all(feature = "io_uring", target_os = "linux")))]
    {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "io_backend = \"io_uring\" needs a Linux build with the `io_uring` cargo feature \
             (cargo build --release --features io_uring)",
        ))
    }
}
