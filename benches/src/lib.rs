//! Helpers shared by the benchmarks: throwaway data directories and the machine's own
//! fsync rate, measured in the same run so every figure has its baseline beside it.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustydb_storage::{Storage, StorageOptions, SyncMode};

/// Opens a storage engine in `dir` for benchmarking: no background thread, `frames`
/// buffer pages, the given sync mode.
pub fn open_storage(dir: &Path, frames: usize, sync: SyncMode) -> Arc<Storage> {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = frames;
    o.sync_mode = sync;
    o.background = false;
    o.max_wal_size = u64::MAX;
    o.checkpoint_interval = Duration::from_secs(86_400);
    Storage::open(o).expect("open storage")
}

/// Writes and `fdatasync`s 8 KiB `n` times in a file under `dir`, as `pg_test_fsync`'s
/// "one 8kB write + fdatasync" line does, and returns syncs per second.
pub fn fdatasync_rate(dir: &Path, n: u32) -> f64 {
    let path = dir.join("fsync-probe");
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .expect("probe file");
    let block = [0u8; 8192];
    f.write_all(&block).expect("write");
    f.sync_all().expect("sync");
    let start = Instant::now();
    for _ in 0..n {
        use std::os::unix::fs::FileExt;
        f.write_all_at(&block, 0).expect("write");
        f.sync_data().expect("fdatasync");
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    rate
}
