//! The storage crash loop's data: commit `k` is a heap row carrying `k` and a checksummed
//! payload, plus the B+tree entry `k` (big-endian) -> the row's tuple id, made durable by
//! one log flush. Fixed relation ids let every restart find both.
//!
//! Row layout: `k: u64 LE | len: u16 LE | payload: len bytes | crc32: u32 LE` over all
//! that precedes it. The payload is a pattern derived from `k`, so a row is checked
//! against what commit `k` wrote, not only against its own checksum.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use rustydb_storage::{BTree, Direction, HeapFile, RelId, Storage, StorageOptions};

/// The heap of commits.
pub const HEAP: RelId = RelId(1000);
/// The B+tree over commit numbers.
pub const INDEX: RelId = RelId(1001);

/// How the child and the checker open the data directory: no background thread, so the
/// child alone decides when the log is flushed and when checkpoints run.
pub fn options(dir: &Path) -> StorageOptions {
    let mut o = StorageOptions::new(dir);
    o.buffer_pool_pages = 2048;
    o.background = false;
    o
}

/// Creates the heap and the index in a new data directory and shuts it down cleanly.
pub fn init(dir: &Path) -> rustydb_storage::Result<()> {
    let storage = Storage::open(options(dir))?;
    HeapFile::create_with_id(&storage, HEAP)?;
    BTree::create_with_id(&storage, INDEX)?;
    storage.shutdown()
}

/// Opens the heap and the index.
pub fn open(storage: &Arc<Storage>) -> rustydb_storage::Result<(HeapFile, BTree)> {
    Ok((HeapFile::open(storage, HEAP)?, BTree::open(storage, INDEX)?))
}

/// The index key of commit `k`.
pub fn key(k: u64) -> [u8; 8] {
    k.to_be_bytes()
}

/// The commit number of an index key.
pub fn key_value(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

fn payload(k: u64) -> Vec<u8> {
    let len = 20 + (k.wrapping_mul(37) % 300) as usize;
    (0..len)
        .map(|i| (k as u8).wrapping_mul(31).wrapping_add(i as u8))
        .collect()
}

/// The heap row of commit `k`.
pub fn row(k: u64) -> Vec<u8> {
    let p = payload(k);
    let mut r = k.to_le_bytes().to_vec();
    r.extend_from_slice(&(p.len() as u16).to_le_bytes());
    r.extend_from_slice(&p);
    let crc = crc32fast::hash(&r);
    r.extend_from_slice(&crc.to_le_bytes());
    r
}

/// The commit number of a heap row, if the row is whole: right length, checksum and
/// payload.
pub fn parse_row(r: &[u8]) -> Result<u64, String> {
    if r.len() < 14 {
        return Err(format!("row of {} bytes is too short", r.len()));
    }
    let k = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
    let len = u16::from_le_bytes([r[8], r[9]]) as usize;
    if r.len() != 10 + len + 4 {
        return Err(format!(
            "row of commit {k}: {} bytes, expected {}",
            r.len(),
            14 + len
        ));
    }
    let stored = u32::from_le_bytes(r[10 + len..].try_into().expect("4 bytes"));
    if crc32fast::hash(&r[..10 + len]) != stored {
        return Err(format!("row of commit {k}: checksum mismatch (torn)"));
    }
    if r[10..10 + len] != payload(k) {
        return Err(format!(
            "row of commit {k}: payload differs from what commit {k} wrote"
        ));
    }
    Ok(k)
}

/// The highest commit number in the index, 0 if none.
pub fn last_key(tree: &BTree) -> rustydb_storage::Result<u64> {
    let mut cursor = tree.range(Bound::Unbounded, Bound::Unbounded, Direction::Backward);
    Ok(cursor.next()?.and_then(|(k, _)| key_value(&k)).unwrap_or(0))
}
