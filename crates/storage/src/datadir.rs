//! The data directory: layout, the lock file, and telling ours from someone else's.
//!
//! ```text
//! data/
//! ├── RUSTYDB_VERSION   format version, written at initialisation (like PG_VERSION)
//! ├── rustydb.pid       lock file: locked while a process uses the directory, holds its pid
//! ├── base/             one file per relation, named by relation id
//! ├── wal/              write-ahead log segments
//! ├── global/control    the control file
//! └── logs/             server logs
//! ```
//!
//! A missing directory is created. An existing one must either be ours (it has
//! `RUSTYDB_VERSION`) or hold nothing but entries a fresh checkout may have (`.gitignore`,
//! `logs/`, a README): anything else is somebody else's data and is refused rather than
//! mixed with ours. The lock is an advisory `flock` on `rustydb.pid`, so it disappears
//! with the process even after `kill -9`; a second process gets ERR-DB-006 naming the pid
//! written in the file.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::control::FORMAT_VERSION;
use crate::error::{Result, StorageError};

/// Entries a directory may have before initialisation.
const ALLOWED_BEFORE_INIT: &[&str] = &[
    ".gitignore",
    ".gitkeep",
    "README.md",
    "logs",
    "rustydb.pid",
    "initial-password",
];

/// An open, locked data directory.
#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    /// Holding the file keeps the lock.
    _lock: File,
    fresh: bool,
}

impl DataDir {
    /// Opens (creating and initialising if needed) and locks the data directory at `root`.
    pub fn open(root: &Path) -> Result<DataDir> {
        let invalid = |reason: String| StorageError::DataDirInvalid {
            path: root.to_path_buf(),
            reason,
        };
        if root.exists() && !root.is_dir() {
            return Err(invalid("not a directory".into()));
        }
        fs::create_dir_all(root).map_err(|e| invalid(format!("cannot create it: {e}")))?;
        let lock_path = root.join("rustydb.pid");
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| invalid(format!("cannot open the lock file rustydb.pid: {e}")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = lock.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(StorageError::DataDirLocked {
                    path: root.to_path_buf(),
                    pid: if pid.is_empty() {
                        "unknown".into()
                    } else {
                        pid.to_string()
                    },
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(invalid(format!("cannot lock rustydb.pid: {e}")));
            }
        }
        let write_pid = (|| {
            lock.set_len(0)?;
            lock.seek(SeekFrom::Start(0))?;
            writeln!(lock, "{}", std::process::id())?;
            lock.sync_data()
        })();
        write_pid.map_err(|e| invalid(format!("cannot write the lock file rustydb.pid: {e}")))?;

        let version_path = root.join("RUSTYDB_VERSION");
        let fresh = !version_path.exists();
        if fresh {
            let entries =
                fs::read_dir(root).map_err(|e| invalid(format!("cannot read it: {e}")))?;
            for entry in entries {
                let name = entry.map_err(|e| invalid(e.to_string()))?.file_name();
                let name = name.to_string_lossy();
                if !ALLOWED_BEFORE_INIT.contains(&name.as_ref()) {
                    return Err(invalid(format!(
                        "not a RustyDB data directory (it has no RUSTYDB_VERSION but contains \
                         \"{name}\"); choose an empty directory"
                    )));
                }
            }
            for sub in ["base", "wal", "global", "logs"] {
                fs::create_dir_all(root.join(sub))
                    .map_err(|e| invalid(format!("cannot create {sub}/: {e}")))?;
            }
        } else {
            let text = fs::read_to_string(&version_path)
                .map_err(|e| invalid(format!("cannot read RUSTYDB_VERSION: {e}")))?;
            let found: u32 = text.trim().parse().map_err(|_| {
                invalid(format!(
                    "RUSTYDB_VERSION holds {:?}, not a version number",
                    text.trim()
                ))
            })?;
            if found != FORMAT_VERSION {
                return Err(StorageError::DataDirVersion {
                    path: root.to_path_buf(),
                    found,
                    expected: FORMAT_VERSION,
                });
            }
            for sub in ["base", "wal", "global"] {
                if !root.join(sub).is_dir() {
                    return Err(invalid(format!("{sub}/ is missing")));
                }
            }
            fs::create_dir_all(root.join("logs"))
                .map_err(|e| invalid(format!("cannot create logs/: {e}")))?;
        }
        Ok(DataDir {
            root: root.to_path_buf(),
            _lock: lock,
            fresh,
        })
    }

    /// Marks the directory initialised; called once the control file exists, so a crash
    /// during initialisation leaves a directory that initialises again.
    pub fn mark_initialised(&mut self) -> Result<()> {
        let path = self.root.join("RUSTYDB_VERSION");
        let tmp = self.root.join("RUSTYDB_VERSION.tmp");
        let write = (|| {
            fs::write(&tmp, format!("{FORMAT_VERSION}\n"))?;
            File::open(&tmp)?.sync_all()?;
            fs::rename(&tmp, &path)?;
            File::open(&self.root)?.sync_all()
        })();
        write.map_err(|source| StorageError::Write {
            what: path.display().to_string(),
            source,
        })?;
        self.fresh = false;
        Ok(())
    }

    /// Whether the directory has not been initialised yet.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `base/`.
    pub fn base(&self) -> PathBuf {
        self.root.join("base")
    }

    /// `wal/`.
    pub fn wal(&self) -> PathBuf {
        self.root.join("wal")
    }

    /// `global/`.
    pub fn global(&self) -> PathBuf {
        self.root.join("global")
    }

    /// `logs/`.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_layout_and_locks_against_a_second_open() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let mut d = DataDir::open(&root).unwrap();
        assert!(d.is_fresh());
        for sub in ["base", "wal", "global", "logs"] {
            assert!(root.join(sub).is_dir());
        }
        d.mark_initialised().unwrap();
        match DataDir::open(&root) {
            Err(StorageError::DataDirLocked { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string());
            }
            other => panic!("expected the lock to hold, got {other:?}"),
        }
        drop(d);
        let d = DataDir::open(&root).unwrap();
        assert!(!d.is_fresh());
    }

    #[test]
    fn foreign_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("PG_VERSION"), "15").unwrap();
        let err = DataDir::open(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("not a RustyDB data directory") && err.contains("PG_VERSION"),
            "{err}"
        );
    }

    #[test]
    fn checkout_data_dir_with_gitignore_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "*\n").unwrap();
        assert!(DataDir::open(dir.path()).unwrap().is_fresh());
    }

    #[test]
    fn newer_format_is_refused_with_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = DataDir::open(dir.path()).unwrap();
        d.mark_initialised().unwrap();
        drop(d);
        std::fs::write(dir.path().join("RUSTYDB_VERSION"), "99\n").unwrap();
        let err = DataDir::open(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("99") && err.contains(&FORMAT_VERSION.to_string()),
            "{err}"
        );
    }

    #[test]
    fn a_file_where_the_directory_should_be_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        std::fs::write(&path, "x").unwrap();
        assert!(
            DataDir::open(&path)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }
}
