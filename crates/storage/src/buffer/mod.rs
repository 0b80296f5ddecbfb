//! The buffer pool: a fixed set of in-memory frames caching pages of relation files.
//!
//! # Design
//! * **Frames** are allocated once at start-up (`buffer_pool_size` pages). Each has a
//!   reader-writer *latch* guarding its bytes, a *pin count* (how many guards use it), a
//!   *usage count* for replacement, and a *dirty* flag.
//! * **The page table** maps page ids to frames under one mutex, held only for lookups
//!   and remapping, never across I/O or while waiting for a latch. Pins are taken only
//!   under that mutex, so a frame with pin count zero seen under it cannot be pinned by
//!   anyone else meanwhile; this is what makes choosing a victim race-free.
//! * **Replacement is CLOCK-sweep** (as PostgreSQL): a hit raises the frame's usage count
//!   up to [`MAX_USAGE`]; the clock hand passes over frames decrementing their count and
//!   evicts the first unpinned frame at zero. A page touched once starts at one and is gone
//!   after a sweep or two, while pages used repeatedly survive several sweeps. When every
//!   frame is pinned the sweep gives up after six rounds with
//!   [`crate::StorageError::BufferPoolExhausted`] instead of waiting forever.
//! * **Large scans use a ring** ([`ScanRing`]): a sequential scan recycles a private set
//!   of 32 frames instead of sweeping the pool, so scanning a table larger than the pool
//!   leaves the working set cached. Usage counts alone would not: every sweep the scan
//!   forces also drains the hot pages' counts.
//! * **Guards are the only way to touch page bytes.** [`PageReadGuard`] and
//!   [`PageWriteGuard`] hold a pin and the latch, and release both on drop. A write guard
//!   remembers the page's image before its first change; [`crate::mtr::log_pages`] turns
//!   the difference into a WAL record, sets the page LSN and marks the frame dirty.
//!   Dropping a write guard whose changes were not logged puts the old image back, so an
//!   operation that fails half-way (a full disk while splitting a B+tree node) leaves
//!   pages exactly as they were.
//! * **The WAL rule**: a dirty page is written back only after the log is durable up to
//!   its LSN. Write-back copies the page under a read latch and does the I/O without it.
//! * **Loading** happens under the frame's write latch, taken before the page table
//!   mutex is released: a second reader of the same page blocks on the latch until the
//!   bytes are there, and if the read fails (a checksum mismatch) the mapping is removed
//!   and it retries, getting the same error itself.

pub(crate) mod guard;
mod pool;

pub use guard::{PageReadGuard, PageWriteGuard};
pub use pool::{BufferPool, BufferPoolStats, RING_SIZE, ScanRing};

/// Highest usage count a frame can accumulate.
pub const MAX_USAGE: u32 = 5;

#[cfg(test)]
mod tests;
