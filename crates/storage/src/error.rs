//! The storage engine's errors, and how each maps into the catalogue.

use std::io;
use std::path::PathBuf;

use rustydb_common::{DbError, ErrorCode};

use crate::ids::{Lsn, PageId, RelId};

/// Result alias for the storage engine.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything that can go wrong below the transaction layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A page read from disk does not match its checksum.
    #[error(
        "page checksum mismatch in {file} page {page}: stored {stored:#010x}, computed {computed:#010x}"
    )]
    ChecksumMismatch {
        /// The relation file, relative to the data directory.
        file: String,
        /// The page number in that file.
        page: u32,
        /// The checksum stored in the page header.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// A page or file is structurally invalid.
    #[error("{what} is corrupt: {reason}")]
    Corrupt {
        /// What is corrupt, e.g. "base/16384 page 3".
        what: String,
        /// Why it is considered corrupt.
        reason: String,
    },
    /// An index is structurally invalid.
    #[error("index {index} is corrupt: {reason}")]
    IndexCorrupt {
        /// The index relation.
        index: RelId,
        /// What is wrong.
        reason: String,
    },
    /// Reading failed.
    #[error("could not read {what}: {source}")]
    Read {
        /// What was being read.
        what: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// Writing, extending or syncing a data file failed.
    #[error("could not write {what}: {source}")]
    Write {
        /// What was being written.
        what: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// Writing or syncing the write-ahead log failed.
    #[error("could not write to the write-ahead log {file}: {reason}")]
    WalWrite {
        /// The WAL segment or directory.
        file: String,
        /// The cause.
        reason: String,
        /// Whether the cause is a full disk.
        disk_full: bool,
    },
    /// A checkpoint could not complete.
    #[error("checkpoint failed: {0}")]
    Checkpoint(String),
    /// The buffer pool could not be allocated.
    #[error("buffer pool initialization failed: could not allocate {pages} pages: {reason}")]
    BufferPoolAlloc {
        /// Pages asked for.
        pages: usize,
        /// Why.
        reason: String,
    },
    /// Every buffer-pool frame is pinned.
    #[error("no unpinned buffer available: all {frames} frames of the buffer pool are pinned")]
    BufferPoolExhausted {
        /// The pool's size in frames.
        frames: usize,
    },
    /// A row, tuple or key exceeds the page-size limit.
    #[error("{what} is too big: size {size}, maximum size {max}")]
    TooLarge {
        /// "row", "index row", ...
        what: &'static str,
        /// The size asked for.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The relation does not exist.
    #[error("relation file base/{0} does not exist")]
    NoSuchRelation(RelId),
    /// A page number past the end of its relation.
    #[error("{0} is beyond the end of its file")]
    PageBeyondEof(PageId),
    /// Another process holds the data directory.
    #[error("data directory {path} is in use by another process (pid {pid})")]
    DataDirLocked {
        /// The data directory.
        path: PathBuf,
        /// The holder's process id as written in the lock file ("unknown" if unreadable).
        pid: String,
    },
    /// The data directory is unusable (missing, unreadable, foreign).
    #[error("database initialization failed: {reason} ({})", path.display())]
    DataDirInvalid {
        /// The offending path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The data directory's format version is not ours.
    #[error("data directory {} has format version {found}, this server reads version {expected}", path.display())]
    DataDirVersion {
        /// The data directory.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// Crash recovery failed.
    #[error("WAL recovery failed at {lsn}: {reason}")]
    Recovery {
        /// Where replay stopped.
        lsn: Lsn,
        /// Why.
        reason: String,
    },
    /// A bug: an invariant of the engine does not hold.
    #[error("internal storage error (this is a bug): {0}")]
    Internal(String),
}

impl StorageError {
    /// Whether this error comes from a full disk.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StorageError::Write { source, .. } | StorageError::Read { source, .. } => {
                is_enospc(source)
            }
            StorageError::WalWrite { disk_full, .. } => *disk_full,
            _ => false,
        }
    }
}

/// Whether an I/O error means "no space left on device" (or a quota).
pub(crate) fn is_enospc(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT))
        || e.kind() == io::ErrorKind::StorageFull
}

impl From<StorageError> for DbError {
    fn from(e: StorageError) -> DbError {
        use StorageError as E;
        let disk_full = e.is_disk_full();
        let db = match &e {
            E::ChecksumMismatch {
                file,
                page,
                stored,
                computed,
            } => DbError::from_template(
                ErrorCode::PageChecksumMismatch,
                &[
                    ("file", file),
                    ("page", page),
                    ("stored", &format!("{stored:#010x}")),
                    ("computed", &format!("{computed:#010x}")),
                ],
            ),
            E::Corrupt { what, reason } => DbError::from_template(
                ErrorCode::DataCorrupted,
                &[("what", what), ("reason", reason)],
            ),
            E::IndexCorrupt { index, reason } => DbError::from_template(
                ErrorCode::IndexCorrupted,
                &[("index", &format!("base/{index}")), ("reason", reason)],
            ),
            E::Read { what, source } => DbError::from_template(
                ErrorCode::DiskReadFailed,
                &[("what", what), ("reason", source)],
            ),
            E::Write { what, source } => DbError::from_template(
                ErrorCode::DiskWriteFailed,
                &[("what", what), ("reason", source)],
            ),
            E::WalWrite { file, reason, .. } => DbError::from_template(
                ErrorCode::WalWriteFailed,
                &[("file", file), ("reason", reason)],
            ),
            E::Checkpoint(reason) => {
                DbError::from_template(ErrorCode::CheckpointFailed, &[("reason", reason)])
            }
            E::BufferPoolAlloc { pages, reason } => DbError::from_template(
                ErrorCode::BufferPoolInitFailed,
                &[("pages", pages), ("reason", reason)],
            ),
            E::BufferPoolExhausted { frames } => {
                DbError::from_template(ErrorCode::BufferPoolExhausted, &[("frames", frames)])
            }
            E::TooLarge { what, size, max } => DbError::from_template(
                ErrorCode::ValueTooLarge,
                &[("what", what), ("size", size), ("max", max)],
            ),
            E::NoSuchRelation(_) => {
                DbError::new(ErrorCode::DiskReadFailed, e.to_string()).with_sqlstate("58P01")
            }
            E::PageBeyondEof(_) => {
                DbError::new(ErrorCode::DataCorrupted, e.to_string()).with_sqlstate("XX001")
            }
            E::DataDirLocked { path, pid } => DbError::from_template(
                ErrorCode::DataDirLocked,
                &[("path", &path.display()), ("pid", pid)],
            ),
            E::DataDirInvalid { path, reason } => DbError::from_template(
                ErrorCode::DbInitFailed,
                &[("reason", reason), ("path", &path.display())],
            ),
            E::DataDirVersion {
                path,
                found,
                expected,
            } => DbError::from_template(
                ErrorCode::DataDirVersion,
                &[
                    ("path", &path.display()),
                    ("found", found),
                    ("expected", expected),
                ],
            ),
            E::Recovery { lsn, reason } => DbError::from_template(
                ErrorCode::WalRecoveryFailed,
                &[("lsn", lsn), ("reason", reason)],
            ),
            E::Internal(reason) => DbError::internal(reason),
        };
        if disk_full {
            db.with_sqlstate("53100")
        } else {
            db
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disk_maps_to_disk_full_sqlstate() {
        let e = StorageError::Write {
            what: "base/5 page 9".into(),
            source: io::Error::from_raw_os_error(libc::ENOSPC),
        };
        assert!(e.is_disk_full());
        let db: DbError = e.into();
        assert_eq!(db.code(), ErrorCode::DiskWriteFailed);
        assert_eq!(db.sqlstate(), "53100");
        assert!(db.message().contains("base/5 page 9"));
    }

    #[test]
    fn checksum_error_names_file_and_page() {
        let db: DbError = StorageError::ChecksumMismatch {
            file: "base/16384".into(),
            page: 12,
            stored: 1,
            computed: 2,
        }
        .into();
        assert_eq!(db.code().id(), "ERR-STG-001");
        assert!(
            db.message().contains("base/16384 page 12"),
            "{}",
            db.message()
        );
    }
}
