//! [`Storage`]: one open data directory with its buffer pool, log and checkpointer.
//!
//! Opening runs, in order: lock and check the data directory, initialise it if new,
//! otherwise sync it and replay the log (see [`crate::recovery`]), clean the log's tail,
//! write an end-of-recovery checkpoint, and start the background thread that writes the
//! log (in `wal_sync = off` mode) and runs timed and WAL-size checkpoints.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use rustydb_common::config::{Config, IoBackend, WalSync};

use crate::buffer::BufferPool;
use crate::checkpoint::{CheckpointReason, CheckpointStats, now_secs};
use crate::control::{ClusterState, ControlData, ControlFile};
use crate::datadir::DataDir;
use crate::disk::DiskManager;
use crate::error::{Result, StorageError};
use crate::heap::fsm::FreeSpaceMap;
use crate::ids::{Lsn, RelId};
use crate::io::{Vfs, vfs_for_backend};
use crate::recovery::{self, RecoveryOutcome};
use crate::wal::record::CheckpointPayload;
use crate::wal::segment::{SEGMENT_SIZE, Segments};
use crate::wal::{RecordKind, RecordMeta, SyncMode, Wal};

/// Relation ids below this are reserved for objects created with fixed ids (the commit
/// log, system catalogs).
pub const FIRST_USER_REL: u32 = 16384;

/// How to open the storage engine.
#[derive(Debug, Clone)]
pub struct StorageOptions {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Buffer pool size in pages.
    pub buffer_pool_pages: usize,
    /// Whether commits wait for fsync.
    pub sync_mode: SyncMode,
    /// Time between timed checkpoints.
    pub checkpoint_interval: Duration,
    /// WAL bytes since the last checkpoint that trigger one.
    pub max_wal_size: u64,
    /// Use the io_uring backend.
    pub io_uring: bool,
    /// A file system to use instead of the backend's (fault injection in tests).
    pub vfs: Option<Arc<dyn Vfs>>,
    /// `--recovery-mode`: accept a log damaged in the middle, losing what follows.
    pub recovery_mode: bool,
    /// Run the background thread (checkpoints, WAL writer).
    pub background: bool,
}

impl StorageOptions {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> StorageOptions {
        StorageOptions {
            data_dir: data_dir.into(),
            buffer_pool_pages: 16384,
            sync_mode: SyncMode::Fsync,
            checkpoint_interval: Duration::from_secs(300),
            max_wal_size: 1 << 30,
            io_uring: false,
            vfs: None,
            recovery_mode: false,
            background: true,
        }
    }

    /// The storage settings of a validated configuration.
    pub fn from_config(config: &Config) -> StorageOptions {
        StorageOptions {
            data_dir: config.data_dir.clone(),
            buffer_pool_pages: config.storage.buffer_pool_size as usize,
            sync_mode: if config.wal.sync == WalSync::Off {
                SyncMode::Off
            } else {
                SyncMode::Fsync
            },
            checkpoint_interval: Duration::from_secs(config.checkpoint.interval_secs),
            max_wal_size: config.checkpoint.max_wal_size_mb << 20,
            io_uring: config.storage.io_backend == IoBackend::IoUring,
            vfs: None,
            recovery_mode: false,
            background: true,
        }
    }
}

#[derive(Debug, Default)]
struct Background {
    handle: Option<JoinHandle<()>>,
    thread: Option<std::thread::ThreadId>,
}

/// An open storage engine. See the module documentation.
#[derive(Debug)]
pub struct Storage {
    pub(crate) dir: DataDir,
    vfs: Arc<dyn Vfs>,
    pub(crate) disk: Arc<DiskManager>,
    pub(crate) pool: Arc<BufferPool>,
    pub(crate) wal: Arc<Wal>,
    pub(crate) control: ControlFile,
    pub(crate) control_data: Mutex<ControlData>,
    pub(crate) next_rel: AtomicU32,
    pub(crate) checkpoint_lock: Mutex<()>,
    pub(crate) checkpoint_stats: Mutex<CheckpointStats>,
    /// Free-space maps of heap relations opened so far.
    fsms: Mutex<HashMap<RelId, Arc<FreeSpaceMap>>>,
    /// Lowest LSN a consumer (a replication slot) still needs; 0: none.
    retention: AtomicU64,
    recovery: RecoveryOutcome,
    options: StorageOptions,
    closed: AtomicBool,
    stop: Mutex<bool>,
    stop_cv: Condvar,
    background: Mutex<Background>,
}

fn random_system_id() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ ((std::process::id() as u64) << 32)
}

impl Storage {
    /// Opens the data directory, initialising or recovering it. See the module docs.
    pub fn open(options: StorageOptions) -> Result<Arc<Storage>> {
        let mut dir = DataDir::open(&options.data_dir)?;
        let vfs = match &options.vfs {
            Some(v) => v.clone(),
            None => {
                vfs_for_backend(options.io_uring).map_err(|e| StorageError::DataDirInvalid {
                    path: options.data_dir.clone(),
                    reason: format!("cannot start the I/O backend: {e}"),
                })?
            }
        };
        let disk = Arc::new(DiskManager::new(vfs.clone(), dir.base()));
        let pool = BufferPool::new(options.buffer_pool_pages, disk.clone()).map_err(|reason| {
            StorageError::BufferPoolAlloc {
                pages: options.buffer_pool_pages,
                reason,
            }
        })?;
        let pool = Arc::new(pool);
        let segments = Arc::new(Segments::new(vfs.clone(), dir.wal()));
        let control = ControlFile::new(vfs.clone(), dir.global());

        let (control_data, outcome) = if dir.is_fresh() || !control.exists() {
            let (data, end) = Self::initialise(&segments, &control)?;
            dir.mark_initialised()?;
            tracing::info!(path = %options.data_dir.display(), "initialised a new data directory");
            let outcome = RecoveryOutcome {
                end,
                redo: data.redo,
                next_rel: data.next_rel,
                end_reason: "new data directory".into(),
                ..Default::default()
            };
            (data, outcome)
        } else {
            let data = control.read()?;
            if data.state != ClusterState::ShutDown {
                tracing::warn!(
                    state = data.state.as_str(),
                    "the database was not shut down cleanly; running crash recovery"
                );
            }
            recovery::sync_all(&segments, &disk)?;
            control.write(&ControlData {
                state: ClusterState::InRecovery,
                ..data
            })?;
            let outcome = recovery::recover(&segments, &pool, &data, options.recovery_mode)?;
            recovery::clean_tail(&segments, outcome.end)?;
            (data, outcome)
        };

        let wal = Arc::new(Wal::new(
            segments,
            options.sync_mode,
            outcome.end,
            outcome.redo,
            outcome.max_xid,
        ));
        pool.attach_wal(wal.clone());
        let storage = Arc::new(Storage {
            dir,
            vfs,
            disk,
            pool,
            wal,
            control,
            control_data: Mutex::new(control_data),
            next_rel: AtomicU32::new(outcome.next_rel.max(FIRST_USER_REL)),
            checkpoint_lock: Mutex::new(()),
            checkpoint_stats: Mutex::new(CheckpointStats::default()),
            fsms: Mutex::new(HashMap::new()),
            retention: AtomicU64::new(0),
            recovery: outcome,
            options: options.clone(),
            closed: AtomicBool::new(false),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
            background: Mutex::new(Background::default()),
        });
        storage.checkpoint(CheckpointReason::EndOfRecovery)?;
        if options.background {
            Self::start_background(&storage);
        }
        Ok(storage)
    }

    /// Writes the first segment, a checkpoint record and the control file; returns the
    /// control data and where the log continues.
    fn initialise(segments: &Arc<Segments>, control: &ControlFile) -> Result<(ControlData, Lsn)> {
        segments.allocate(1)?;
        let start = Lsn(SEGMENT_SIZE);
        let wal = Wal::new(segments.clone(), SyncMode::Fsync, start, start, 0);
        let payload = CheckpointPayload {
            redo: start,
            next_xid: 1,
            next_rel: FIRST_USER_REL,
            time: now_secs(),
        };
        let (lsn, end) =
            wal.insert_simple(RecordKind::Checkpoint, RecordMeta::NONE, &payload.encode())?;
        wal.flush_sync(end)?;
        let data = ControlData {
            system_id: random_system_id(),
            state: ClusterState::InProduction,
            checkpoint: lsn,
            redo: start,
            next_xid: 1,
            next_rel: FIRST_USER_REL,
            time: payload.time,
        };
        control.write(&data)?;
        Ok((data, end))
    }

    fn start_background(storage: &Arc<Storage>) {
        let weak: Weak<Storage> = Arc::downgrade(storage);
        let handle = std::thread::Builder::new()
            .name("rustydb-checkpointer".into())
            .spawn(move || background_loop(weak))
            .expect("spawning the checkpointer thread");
        let mut bg = storage.background.lock();
        bg.thread = Some(handle.thread().id());
        bg.handle = Some(handle);
    }

    /// The buffer pool.
    pub fn pool(&self) -> &Arc<BufferPool> {
        &self.pool
    }

    /// The write-ahead log.
    pub fn wal(&self) -> &Arc<Wal> {
        &self.wal
    }

    /// The relation files.
    pub fn disk(&self) -> &Arc<DiskManager> {
        &self.disk
    }

    /// The data directory's root.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.root()
    }

    /// What recovery did at open.
    pub fn recovery_outcome(&self) -> &RecoveryOutcome {
        &self.recovery
    }

    /// The options the engine was opened with.
    pub fn options(&self) -> &StorageOptions {
        &self.options
    }

    /// The control file's current contents.
    pub fn control_data(&self) -> ControlData {
        *self.control_data.lock()
    }

    /// The first transaction id that is certainly unused: one past the highest id in the
    /// log or the last checkpoint.
    pub fn next_xid_floor(&self) -> u64 {
        self.wal.max_xid() + 1
    }

    /// Sets the lowest LSN that must stay in the log for a consumer (a replication slot);
    /// `None` releases it.
    pub fn set_wal_retention(&self, lsn: Option<Lsn>) {
        self.retention
            .store(lsn.map_or(0, |l| l.0), Ordering::Release);
    }

    pub(crate) fn wal_retention_floor(&self, redo: Lsn) -> Lsn {
        match self.retention.load(Ordering::Acquire) {
            0 => redo,
            r => Lsn(r.min(redo.0)),
        }
    }

    /// The free-space map of heap relation `rel` (loaded on first use).
    pub(crate) fn free_space_map(&self, rel: RelId) -> Arc<FreeSpaceMap> {
        self.fsms
            .lock()
            .entry(rel)
            .or_insert_with(|| {
                let path = self.dir.base().join(format!("{rel}_fsm"));
                Arc::new(FreeSpaceMap::load(self.vfs.clone(), path))
            })
            .clone()
    }

    /// Saves every changed free-space map (each checkpoint).
    pub(crate) fn persist_free_space_maps(&self) -> Result<()> {
        let maps: Vec<Arc<FreeSpaceMap>> = self.fsms.lock().values().cloned().collect();
        for m in maps {
            m.persist()?;
        }
        Ok(())
    }

    /// Creates a new relation with a fresh id.
    pub fn create_relation(&self) -> Result<RelId> {
        let rel = RelId(self.next_rel.fetch_add(1, Ordering::AcqRel));
        self.create_relation_with_id(rel)?;
        Ok(rel)
    }

    /// Creates a relation with a chosen id (below [`FIRST_USER_REL`] for fixed system
    /// relations). Fails if it exists.
    pub fn create_relation_with_id(&self, rel: RelId) -> Result<()> {
        if self.disk.exists(rel) {
            return Err(StorageError::Internal(format!(
                "relation base/{rel} already exists"
            )));
        }
        self.wal.insert_simple(
            RecordKind::CreateRel,
            RecordMeta::NONE,
            &rel.0.to_le_bytes(),
        )?;
        self.next_rel.fetch_max(rel.0 + 1, Ordering::AcqRel);
        self.disk.create(rel)
    }

    /// Removes a relation: logged and made durable first, then its pages are forgotten
    /// and its file removed.
    pub fn drop_relation(&self, rel: RelId) -> Result<()> {
        let (_, end) =
            self.wal
                .insert_simple(RecordKind::DropRel, RecordMeta::NONE, &rel.0.to_le_bytes())?;
        self.wal.flush_sync(end)?;
        self.pool.discard_rel(rel)?;
        if let Some(fsm) = self.fsms.lock().remove(&rel) {
            fsm.remove_file()?;
        }
        self.disk.remove(rel)
    }

    /// Shrinks a relation to `nblocks` pages (its tail pages must be unused).
    pub fn truncate_relation(&self, rel: RelId, nblocks: u32) -> Result<()> {
        let mut payload = rel.0.to_le_bytes().to_vec();
        payload.extend_from_slice(&nblocks.to_le_bytes());
        let (_, end) =
            self.wal
                .insert_simple(RecordKind::TruncateRel, RecordMeta::NONE, &payload)?;
        self.wal.flush_sync(end)?;
        self.pool.discard_from(rel, nblocks)?;
        if let Some(fsm) = self.fsms.lock().get(&rel) {
            fsm.truncate(nblocks);
        }
        self.disk.truncate(rel, nblocks)
    }

    /// Whether a relation exists.
    pub fn relation_exists(&self, rel: RelId) -> bool {
        self.disk.exists(rel)
    }

    /// Stops the background thread, writes a shutdown checkpoint and marks the control
    /// file shut down. Idempotent; also run (ignoring errors) when the engine is dropped.
    pub fn shutdown(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.stop_background();
        if let Some(reason) = self.wal.failure() {
            return Err(StorageError::Checkpoint(format!(
                "skipping the shutdown checkpoint: the log failed earlier ({reason}); \
                 the next start recovers from the log"
            )));
        }
        self.checkpoint(CheckpointReason::Shutdown)?;
        tracing::info!(path = %self.dir.root().display(), "storage shut down cleanly");
        Ok(())
    }

    fn stop_background(&self) {
        *self.stop.lock() = true;
        self.stop_cv.notify_all();
        let mut bg = self.background.lock();
        if bg.thread == Some(std::thread::current().id()) {
            // The checkpointer itself dropped the last reference; it exits on its own.
            return;
        }
        if let Some(h) = bg.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "storage dropped without a clean shutdown");
        }
    }
}

/// How often the background thread wakes to write the log and check for checkpoints.
const TICK: Duration = Duration::from_millis(200);

fn background_loop(weak: Weak<Storage>) {
    let mut last_checkpoint = Instant::now();
    loop {
        let Some(s) = weak.upgrade() else { return };
        {
            let mut stop = s.stop.lock();
            if *stop {
                return;
            }
            s.stop_cv.wait_for(&mut stop, TICK);
            if *stop {
                return;
            }
        }
        if s.wal.sync_mode() == SyncMode::Off
            && let Err(e) = s.wal.write(s.wal.insert_lsn())
        {
            tracing::error!(error = %e, "background WAL write failed");
        }
        let wal_since = s.wal.insert_lsn().0.saturating_sub(s.wal.redo_ptr().0);
        let reason = if last_checkpoint.elapsed() >= s.options.checkpoint_interval {
            Some(CheckpointReason::Timed)
        } else if wal_since >= s.options.max_wal_size {
            Some(CheckpointReason::WalSize)
        } else {
            None
        };
        if let Some(reason) = reason {
            // Failures are logged by checkpoint() and retried next time.
            let _ = s.checkpoint(reason);
            last_checkpoint = Instant::now();
        }
    }
}
