//! Identifiers shared by every storage module: relations, pages, tuple ids and log
//! sequence numbers.

use std::fmt;

/// The size of every page, in memory and on disk.
pub const PAGE_SIZE: usize = 8192;

/// A relation: one file of pages under `base/` (a table's heap, an index, the commit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelId(pub u32);

impl fmt::Display for RelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A page of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageId {
    /// The relation the page belongs to.
    pub rel: RelId,
    /// The page number inside the relation's file (offset / [`PAGE_SIZE`]).
    pub page: u32,
}

impl PageId {
    /// The page `page` of relation `rel`.
    pub fn new(rel: RelId, page: u32) -> PageId {
        PageId { rel, page }
    }
}

impl fmt::Display for PageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "base/{} page {}", self.rel.0, self.page)
    }
}

/// A tuple's stable address: the page and the slot in the page's line-pointer array.
/// Written like PostgreSQL's ctid, `(page,slot)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tid {
    /// The heap page.
    pub page: u32,
    /// The slot number (0-based) in that page.
    pub slot: u16,
}

impl Tid {
    /// The encoded size of a tid.
    pub const ENCODED_LEN: usize = 6;

    /// A tid.
    pub fn new(page: u32, slot: u16) -> Tid {
        Tid { page, slot }
    }

    /// Big-endian encoding, so encoded tids sort like tids (used as index key suffixes).
    pub fn encode(self) -> [u8; 6] {
        let mut out = [0u8; 6];
        out[..4].copy_from_slice(&self.page.to_be_bytes());
        out[4..].copy_from_slice(&self.slot.to_be_bytes());
        out
    }

    /// Decodes [`Tid::encode`]'s output; `None` if `bytes` is not 6 bytes long.
    pub fn decode(bytes: &[u8]) -> Option<Tid> {
        let b: &[u8; 6] = bytes.try_into().ok()?;
        Some(Tid {
            page: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            slot: u16::from_be_bytes([b[4], b[5]]),
        })
    }
}

impl fmt::Display for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{})", self.page, self.slot)
    }
}

/// A log sequence number: a byte position in the endless write-ahead log. `Lsn(0)` means
/// "none"; the log starts at the first segment boundary. Shown as PostgreSQL shows them,
/// `high/low` in hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Lsn(pub u64);

impl Lsn {
    /// The invalid LSN.
    pub const ZERO: Lsn = Lsn(0);
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tid_encoding_sorts_like_tids() {
        let a = Tid::new(1, 65535);
        let b = Tid::new(2, 0);
        assert!(a.encode() < b.encode());
        assert_eq!(Tid::decode(&a.encode()), Some(a));
        assert_eq!(Tid::decode(&[1, 2, 3]), None);
    }

    #[test]
    fn lsn_displays_like_postgres() {
        assert_eq!(Lsn(0x1_0000_00A0).to_string(), "1/A0");
    }
}
