//! The write-ahead log.
//!
//! # Design
//! RustyDB logs *physical* page changes, redo-only, as PostgreSQL does. Every change to a
//! page goes through a mini-transaction ([`crate::mtr`]): the pages it touched are
//! latched, changed in the buffer pool, and then one WAL record carries all of their
//! changes, as byte deltas ([`delta`]) or, for the first change to a page after a
//! checkpoint started, as a full-page image. The record is atomic (one CRC), so a B+tree
//! split that touches three pages is replayed entirely or not at all. Each page's LSN is
//! set to the end of the record that last changed it.
//!
//! Three rules make this crash-safe:
//! 1. **WAL before data**: the buffer pool writes a dirty page only after the log is
//!    durable up to the page's LSN.
//! 2. **Commit after flush**: a transaction is acknowledged only after the record that
//!    commits it is durable ([`Wal::flush`], with group commit).
//! 3. **Full-page images after each checkpoint's redo point**: a page torn by a crash
//!    mid-write is rebuilt from its image, which recovery reaches before any delta.
//!
//! Recovery ([`crate::recovery`]) replays records from the last checkpoint's redo point.
//! It applies a record to a page only if the page's LSN is older than the record, so
//! replaying twice (a crash during recovery) gives the same pages. Work of transactions
//! that never committed is replayed too and stays invisible, because visibility is decided
//! by the commit status of the writing transaction, not by undoing its changes; the
//! transaction layer describes that side.
//!
//! # Layout
//! Segments of 16 MiB under `wal/` ([`segment`]); records are 8-byte aligned with a
//! 32-byte header ([`record`]). LSNs are byte positions in the endless log, so the file and
//! offset of any LSN are arithmetic. The log can be read as a stream from any retained LSN
//! ([`reader`]); replication will ship it from there.

pub mod delta;
pub mod reader;
pub mod record;
pub mod segment;
mod writer;

pub use reader::{RecordRef, WalReader};
pub use record::{FLAG_ABORT, FLAG_COMMIT, RecordKind, RecordMeta};
pub use writer::{InsertError, SyncMode, Wal, WalStats};

#[cfg(test)]
mod tests;
