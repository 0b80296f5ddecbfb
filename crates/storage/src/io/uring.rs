//! The io_uring backend (cargo feature `io_uring`, Linux).
//!
//! Reads, writes and `fdatasync` are submitted as io_uring operations. Rings are kept in a
//! small pool: an operation borrows a ring, submits, waits for its completions and returns
//! the ring, so concurrent threads use different rings and never share a submission queue.
//! [`VFile::write_batch`] (a checkpoint writing many pages of one file) submits up to a
//! ring's depth of writes at once and waits for them together, which is where io_uring
//! beats one `pwrite` system call per page. Directory operations (create, rename, remove)
//! are rare and go through `std`.
//!
//! Short transfers are completed by resubmitting the remainder, as `write_all_at` does.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use io_uring::{IoUring, opcode, types};
use parking_lot::Mutex;

use super::{StdVfs, VFile, Vfs};

const DEPTH: u32 = 64;

#[derive(Default)]
struct RingPool {
    rings: Mutex<Vec<IoUring>>,
}

impl std::fmt::Debug for RingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingPool")
            .field("idle", &self.rings.lock().len())
            .finish()
    }
}

impl RingPool {
    fn with<T>(&self, op: impl FnOnce(&mut IoUring) -> io::Result<T>) -> io::Result<T> {
        let ring = self.rings.lock().pop();
        let mut ring = match ring {
            Some(r) => r,
            None => IoUring::new(DEPTH)?,
        };
        let result = op(&mut ring);
        let mut idle = self.rings.lock();
        if idle.len() < 8 {
            idle.push(ring);
        }
        result
    }
}

/// One operation of a batch: its entry and the completion's byte count.
fn run(ring: &mut IoUring, entries: &[io_uring::squeue::Entry]) -> io::Result<Vec<i32>> {
    let mut results = vec![0i32; entries.len()];
    for (chunk_no, chunk) in entries.chunks(DEPTH as usize).enumerate() {
        for (i, e) in chunk.iter().enumerate() {
            let e = e.clone().user_data((chunk_no * DEPTH as usize + i) as u64);
            // SAFETY: the buffers the entries point to are borrowed by the caller for the
            // whole call, and we wait for every completion before returning.
            unsafe {
                ring.submission()
                    .push(&e)
                    .map_err(|_| io::Error::other("io_uring submission queue full"))?;
            }
        }
        let mut pending = chunk.len();
        while pending > 0 {
            match ring.submit_and_wait(pending) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for cqe in ring.completion() {
                results[cqe.user_data() as usize] = cqe.result();
                pending -= 1;
            }
        }
    }
    Ok(results)
}

fn check(res: i32) -> io::Result<usize> {
    if res < 0 {
        Err(io::Error::from_raw_os_error(-res))
    } else {
        Ok(res as usize)
    }
}

/// An io_uring-backed file system.
#[derive(Debug)]
pub struct UringVfs {
    pool: Arc<RingPool>,
}

impl UringVfs {
    /// Creates the backend; fails if the kernel refuses io_uring.
    pub fn new() -> io::Result<UringVfs> {
        let pool = Arc::new(RingPool::default());
        // Prove io_uring works here now, not at the first page read.
        pool.with(|_| Ok(()))?;
        Ok(UringVfs { pool })
    }
}

#[derive(Debug)]
struct UringFile {
    file: File,
    pool: Arc<RingPool>,
}

impl UringFile {
    fn fd(&self) -> types::Fd {
        types::Fd(self.file.as_raw_fd())
    }
}

impl VFile for UringFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let e = opcode::Read::new(self.fd(), buf.as_mut_ptr(), buf.len() as u32)
            .offset(offset)
            .build();
        let res = self.pool.with(|ring| run(ring, &[e]))?;
        check(res[0])
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.write_batch(&[(offset, buf)])
    }

    fn write_batch(&self, writes: &[(u64, &[u8])]) -> io::Result<()> {
        let mut todo: Vec<(u64, &[u8])> = writes
            .iter()
            .filter(|(_, b)| !b.is_empty())
            .copied()
            .collect();
        while !todo.is_empty() {
            let entries: Vec<_> = todo
                .iter()
                .map(|(off, b)| {
                    opcode::Write::new(self.fd(), b.as_ptr(), b.len() as u32)
                        .offset(*off)
                        .build()
                })
                .collect();
            let results = self.pool.with(|ring| run(ring, &entries))?;
            let mut rest = Vec::new();
            for ((off, b), res) in todo.iter().zip(results) {
                let n = check(res)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "io_uring wrote 0 bytes",
                    ));
                }
                if n < b.len() {
                    rest.push((off + n as u64, &b[n..]));
                }
            }
            todo = rest;
        }
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let e = opcode::Fsync::new(self.fd())
            .flags(types::FsyncFlags::DATASYNC)
            .build();
        let res = self.pool.with(|ring| run(ring, &[e]))?;
        check(res[0]).map(|_| ())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

impl Vfs for UringVfs {
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .open(path)?;
        Ok(Arc::new(UringFile {
            file,
            pool: self.pool.clone(),
        }))
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

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        StdVfs.sync_dir(path)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        StdVfs.list_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}
