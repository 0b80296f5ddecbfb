//! The 8 KiB page and its header.
//!
//! Every page of every relation starts with the same 24-byte header:
//!
//! ```text
//!  0        8         12     13      14      16      18        20          24
//!  +--------+---------+------+-------+-------+-------+---------+-----------+------------
//!  | lsn u64| crc u32 | type | flags | lower | upper | special | reserved  | slots ...
//!  +--------+---------+------+-------+-------+-------+---------+-----------+------------
//! ```
//!
//! * `lsn` is the end of the WAL record that last changed the page. The buffer pool never
//!   writes the page before the WAL is durable up to it (the WAL rule), and recovery
//!   applies a record only to pages older than it, which makes redo idempotent.
//! * `crc` is a CRC-32 (crc32fast) of the relation id, the page number and every byte of
//!   the page except the crc field itself. Folding in the page's address catches a page
//!   written to the wrong place. It is computed when the page goes to disk and verified on
//!   every read from disk; it is not maintained in memory.
//! * `lower`/`upper`/`special` are the slotted-page free-space pointers (see [`slotted`]);
//!   pages that are not slotted (the commit log) leave them zero.
//!
//! A page that is all zeroes is a valid, never-initialised page: files are extended with
//! zero pages before anything is written to them, and a crash can leave such pages behind.

pub mod slotted;

use crate::ids::{Lsn, PAGE_SIZE, PageId};

/// One page's bytes.
pub type PageBuf = [u8; PAGE_SIZE];

/// Size of the common page header.
pub const HEADER_SIZE: usize = 24;

const LSN_OFF: usize = 0;
const CRC_OFF: usize = 8;
const TYPE_OFF: usize = 12;
const FLAGS_OFF: usize = 13;

/// Byte range of the header that WAL deltas never carry (lsn and crc are set by the
/// engine itself, not by page changes).
pub const UNLOGGED_PREFIX: usize = 12;

/// What a page holds. Stored in the header so tools and checks can tell pages apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PageType {
    /// Zeroed, never initialised.
    New = 0,
    /// A heap page of tuples.
    Heap = 1,
    /// The B+tree meta page (page 0 of an index).
    BTreeMeta = 2,
    /// A B+tree internal node.
    BTreeInternal = 3,
    /// A B+tree leaf.
    BTreeLeaf = 4,
    /// A page of the commit-status log.
    Clog = 5,
    /// An index page that was freed and awaits reuse.
    Free = 6,
    /// A page of the overflow area of a heap (reserved for large values).
    Overflow = 7,
}

impl PageType {
    /// Decodes a type byte.
    pub fn from_u8(b: u8) -> Option<PageType> {
        Some(match b {
            0 => PageType::New,
            1 => PageType::Heap,
            2 => PageType::BTreeMeta,
            3 => PageType::BTreeInternal,
            4 => PageType::BTreeLeaf,
            5 => PageType::Clog,
            6 => PageType::Free,
            7 => PageType::Overflow,
            _ => return None,
        })
    }
}

/// The LSN stored in a page.
pub fn page_lsn(page: &[u8]) -> Lsn {
    Lsn(u64::from_le_bytes(
        page[LSN_OFF..LSN_OFF + 8].try_into().expect("8 bytes"),
    ))
}

/// Stores the LSN of a page.
pub fn set_page_lsn(page: &mut [u8], lsn: Lsn) {
    page[LSN_OFF..LSN_OFF + 8].copy_from_slice(&lsn.0.to_le_bytes());
}

/// The page's type byte, decoded (`None` for an unknown type).
pub fn page_type(page: &[u8]) -> Option<PageType> {
    PageType::from_u8(page[TYPE_OFF])
}

/// Sets the page's type byte.
pub fn set_page_type(page: &mut [u8], t: PageType) {
    page[TYPE_OFF] = t as u8;
}

/// The page's flag byte (meaning depends on the page type).
pub fn page_flags(page: &[u8]) -> u8 {
    page[FLAGS_OFF]
}

/// Sets the page's flag byte.
pub fn set_page_flags(page: &mut [u8], flags: u8) {
    page[FLAGS_OFF] = flags;
}

/// Whether every byte of the page is zero (a never-initialised page).
pub fn is_zero_page(page: &[u8]) -> bool {
    // Compare in 8-byte words; this runs on every page read from disk.
    page.chunks_exact(8)
        .all(|w| u64::from_ne_bytes(w.try_into().expect("8 bytes")) == 0)
}

/// The checksum of `page` as it would be stored for page `id`.
pub fn compute_checksum(id: PageId, page: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&id.rel.0.to_le_bytes());
    h.update(&id.page.to_le_bytes());
    h.update(&page[..CRC_OFF]);
    h.update(&[0u8; 4]);
    h.update(&page[CRC_OFF + 4..]);
    h.finalize()
}

/// The checksum stored in the page header.
pub fn stored_checksum(page: &[u8]) -> u32 {
    u32::from_le_bytes(page[CRC_OFF..CRC_OFF + 4].try_into().expect("4 bytes"))
}

/// Computes and stores the checksum; called on the copy of a page about to be written.
pub fn stamp_checksum(id: PageId, page: &mut [u8]) {
    let crc = compute_checksum(id, page);
    page[CRC_OFF..CRC_OFF + 4].copy_from_slice(&crc.to_le_bytes());
}

/// Verifies a page read from disk: `Ok` for a valid or all-zero page, otherwise the
/// stored and computed checksums.
pub fn verify_checksum(id: PageId, page: &[u8]) -> Result<(), (u32, u32)> {
    let stored = stored_checksum(page);
    let computed = compute_checksum(id, page);
    if stored == computed || is_zero_page(page) {
        Ok(())
    } else {
        Err((stored, computed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RelId;

    #[test]
    fn checksum_detects_a_flipped_byte_and_a_misplaced_page() {
        let id = PageId::new(RelId(7), 3);
        let mut page = [0u8; PAGE_SIZE];
        assert!(verify_checksum(id, &page).is_ok(), "zero pages are valid");
        set_page_type(&mut page, PageType::Heap);
        page[5000] = 42;
        stamp_checksum(id, &mut page);
        assert!(verify_checksum(id, &page).is_ok());
        assert!(verify_checksum(PageId::new(RelId(7), 4), &page).is_err());
        page[6000] ^= 1;
        let (stored, computed) = verify_checksum(id, &page).unwrap_err();
        assert_ne!(stored, computed);
    }

    #[test]
    fn lsn_round_trips() {
        let mut page = [0u8; PAGE_SIZE];
        set_page_lsn(&mut page, Lsn(0xdead_beef_1234));
        assert_eq!(page_lsn(&page), Lsn(0xdead_beef_1234));
    }
}
