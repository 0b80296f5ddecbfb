//! The control file, `global/control`: where recovery starts.
//!
//! A 512-byte block (one sector, as PostgreSQL's `pg_control`) holding the format
//! version, the cluster state, the last checkpoint's location and redo point, and the
//! next ids to hand out, protected by a CRC-32. It is replaced atomically: written to
//! `control.tmp`, synced, renamed over `control`, and the directory synced. A file that
//! fails its CRC or has a foreign magic number stops start-up with ERR-DB-001 naming it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Result, StorageError};
use crate::ids::Lsn;
use crate::io::{Vfs, read_exact_at};

/// The data-directory format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: u32 = 0x5255_5354; // "RUST"
const SIZE: usize = 512;

/// What the server was doing when the control file was last written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ClusterState {
    /// Shut down cleanly.
    ShutDown = 1,
    /// Running (or crashed while running).
    InProduction = 2,
    /// Replaying the log (or crashed while replaying).
    InRecovery = 3,
}

impl ClusterState {
    fn from_u32(v: u32) -> Option<ClusterState> {
        Some(match v {
            1 => ClusterState::ShutDown,
            2 => ClusterState::InProduction,
            3 => ClusterState::InRecovery,
            _ => return None,
        })
    }

    /// Lower-case name for logs and tools.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterState::ShutDown => "shut down",
            ClusterState::InProduction => "in production",
            ClusterState::InRecovery => "in recovery",
        }
    }
}

/// The control file's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlData {
    /// Random id of this database cluster, chosen at initialisation.
    pub system_id: u64,
    /// The cluster state.
    pub state: ClusterState,
    /// Location of the last checkpoint record.
    pub checkpoint: Lsn,
    /// Its redo point: recovery replays from here.
    pub redo: Lsn,
    /// The next transaction id as of that checkpoint.
    pub next_xid: u64,
    /// The next relation id as of that checkpoint.
    pub next_rel: u32,
    /// Seconds since the epoch of the last update.
    pub time: u64,
}

impl ControlData {
    fn encode(&self) -> [u8; SIZE] {
        let mut b = [0u8; SIZE];
        b[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        b[4..8].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[8..16].copy_from_slice(&self.system_id.to_le_bytes());
        b[16..20].copy_from_slice(&(self.state as u32).to_le_bytes());
        b[20..24].copy_from_slice(&self.next_rel.to_le_bytes());
        b[24..32].copy_from_slice(&self.checkpoint.0.to_le_bytes());
        b[32..40].copy_from_slice(&self.redo.0.to_le_bytes());
        b[40..48].copy_from_slice(&self.next_xid.to_le_bytes());
        b[48..56].copy_from_slice(&self.time.to_le_bytes());
        let crc = crc32fast::hash(&b[..SIZE - 4]);
        b[SIZE - 4..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8], path: &Path) -> Result<ControlData> {
        let corrupt = |reason: String| StorageError::DataDirInvalid {
            path: path.to_path_buf(),
            reason: format!("corrupt control file: {reason}"),
        };
        if b.len() < SIZE {
            return Err(corrupt(format!("{} bytes, expected {SIZE}", b.len())));
        }
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4"));
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8"));
        if u32_at(0) != MAGIC {
            return Err(corrupt(
                "not a RustyDB control file (bad magic number)".into(),
            ));
        }
        let stored = u32_at(SIZE - 4);
        let computed = crc32fast::hash(&b[..SIZE - 4]);
        if stored != computed {
            return Err(corrupt(format!(
                "checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
            )));
        }
        let version = u32_at(4);
        if version != FORMAT_VERSION {
            return Err(StorageError::DataDirVersion {
                path: path
                    .parent()
                    .and_then(Path::parent)
                    .unwrap_or(path)
                    .to_path_buf(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let state = ClusterState::from_u32(u32_at(16))
            .ok_or_else(|| corrupt(format!("unknown cluster state {}", u32_at(16))))?;
        Ok(ControlData {
            system_id: u64_at(8),
            state,
            next_rel: u32_at(20),
            checkpoint: Lsn(u64_at(24)),
            redo: Lsn(u64_at(32)),
            next_xid: u64_at(40),
            time: u64_at(48),
        })
    }
}

/// Reads and writes `global/control`.
#[derive(Debug)]
pub struct ControlFile {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
}

impl ControlFile {
    /// The control file in `global_dir`.
    pub fn new(vfs: Arc<dyn Vfs>, global_dir: PathBuf) -> ControlFile {
        ControlFile {
            vfs,
            dir: global_dir,
        }
    }

    /// The control file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join("control")
    }

    /// Whether it exists.
    pub fn exists(&self) -> bool {
        self.vfs.exists(&self.path())
    }

    /// Reads and verifies it.
    pub fn read(&self) -> Result<ControlData> {
        let path = self.path();
        let file = self
            .vfs
            .open(&path, false)
            .map_err(|source| StorageError::Read {
                what: path.display().to_string(),
                source,
            })?;
        let mut b = [0u8; SIZE];
        let n = read_exact_at(&*file, &mut b, 0).map_err(|source| StorageError::Read {
            what: path.display().to_string(),
            source,
        })?;
        ControlData::decode(&b[..n], &path)
    }

    /// Replaces it atomically and durably.
    pub fn write(&self, data: &ControlData) -> Result<()> {
        let tmp = self.dir.join("control.tmp");
        let path = self.path();
        let result = (|| {
            let f = self.vfs.open(&tmp, true)?;
            f.set_len(0)?;
            f.write_all_at(&data.encode(), 0)?;
            f.sync_data()?;
            self.vfs.rename(&tmp, &path)?;
            self.vfs.sync_dir(&self.dir)
        })();
        result.map_err(|source| StorageError::Write {
            what: path.display().to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdVfs;

    fn sample() -> ControlData {
        ControlData {
            system_id: 42,
            state: ClusterState::InProduction,
            checkpoint: Lsn(1 << 24),
            redo: Lsn(1 << 24),
            next_xid: 10,
            next_rel: 16384,
            time: 1,
        }
    }

    #[test]
    fn round_trip_and_corruption_detection() {
        let dir = tempfile::tempdir().unwrap();
        let cf = ControlFile::new(Arc::new(StdVfs), dir.path().to_path_buf());
        cf.write(&sample()).unwrap();
        assert_eq!(cf.read().unwrap(), sample());
        let mut bytes = std::fs::read(cf.path()).unwrap();
        bytes[30] ^= 1;
        std::fs::write(cf.path(), &bytes).unwrap();
        let err = cf.read().unwrap_err().to_string();
        assert!(
            err.contains("corrupt control file") && err.contains("control"),
            "{err}"
        );
        std::fs::write(cf.path(), b"hello").unwrap();
        assert!(
            cf.read()
                .unwrap_err()
                .to_string()
                .contains("corrupt control file")
        );
    }
}
