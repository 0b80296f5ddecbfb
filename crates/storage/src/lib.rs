//! RustyDB's storage engine: 8 KiB checksummed pages in relation files, a buffer pool,
//! a write-ahead log with group commit, checkpoints and crash recovery; on top of them the
//! heap (slotted pages of tuples) and B+tree indexes.
//!
//! Layers inside this crate, bottom up:
//! * [`io`]: the file-system seam (pread/pwrite, io_uring, fault injection);
//! * [`page`], [`disk`]: the page format and relation files;
//! * [`wal`], [`buffer`], [`mtr`]: the log, the cache and the atomic logging of page
//!   changes between them;
//! * [`heap`], [`btree`]: tables' tuples and indexes, on pages through the buffer pool;
//! * [`recovery`], [`checkpoint`], [`control`], [`datadir`]: durability across crashes;
//! * [`verify`]: integrity checking of every page on disk;
//! * [`Storage`]: one open data directory.
//!
//! The transaction layer above decides what tuples mean; this crate guarantees that page
//! changes are atomic per mini-transaction, durable once the log is flushed past them, and
//! never returned from a corrupt page.

pub mod btree;
pub mod buffer;
pub mod checkpoint;
pub mod control;
pub mod datadir;
pub mod disk;
mod engine;
pub mod error;
pub mod heap;
pub mod ids;
pub mod io;
pub mod mtr;
pub mod page;
pub mod recovery;
pub mod verify;
pub mod wal;

pub use btree::{BTree, Cursor, Direction, VerifyReport};
pub use buffer::{BufferPool, BufferPoolStats, PageReadGuard, PageWriteGuard};
pub use checkpoint::{CheckpointReason, CheckpointResult, CheckpointStats};
pub use engine::{FIRST_USER_REL, Storage, StorageOptions};
pub use error::{Result, StorageError};
pub use heap::HeapFile;
pub use ids::{Lsn, PAGE_SIZE, PageId, RelId, Tid};
pub use wal::{RecordMeta, SyncMode};
