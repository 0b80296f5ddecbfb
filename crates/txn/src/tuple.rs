//! The MVCC header every heap tuple starts with.
//!
//! ```text
//!  0        8        16     20     24          28         30      32
//!  +--------+--------+------+------+-----------+----------+-------+--------------
//!  | xmin   | xmax   | cmin | cmax | ctid page | ctid slot| flags | row bytes ...
//!  +--------+--------+------+------+-----------+----------+-------+--------------
//! ```
//!
//! * `xmin` created this version, `xmax` deleted or replaced it (0: nobody yet).
//! * `cmin`/`cmax` are the command numbers, within those transactions, of the insert and
//!   the delete: a transaction sees its own changes only from later commands on.
//! * `ctid` points at the newer version when [`FLAG_UPDATED`] is set, which is how READ
//!   COMMITTED writers find the row a concurrent update produced.
//! * [`FLAG_XMIN_INVALID`] marks a version whose insert was rolled back to a savepoint:
//!   its transaction may still commit, but this version never existed.

use rustydb_storage::Tid;

use crate::xid::{INVALID_XID, Xid};

/// Size of the header.
pub const HEADER_LEN: usize = 32;

/// `xmax` replaced this version by the one at `ctid` (an UPDATE, not a DELETE).
pub const FLAG_UPDATED: u16 = 1;
/// The insert of this version was rolled back to a savepoint.
pub const FLAG_XMIN_INVALID: u16 = 2;

/// A decoded tuple header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TupleHeader {
    /// Inserting transaction.
    pub xmin: Xid,
    /// Deleting or updating transaction, or 0.
    pub xmax: Xid,
    /// Command of the insert within `xmin`.
    pub cmin: u32,
    /// Command of the delete within `xmax`.
    pub cmax: u32,
    /// The newer version, when [`FLAG_UPDATED`] is set.
    pub ctid: Tid,
    /// `FLAG_*` bits.
    pub flags: u16,
}

impl TupleHeader {
    /// The header of a fresh version inserted by `xmin` in command `cmin`.
    pub fn new(xmin: Xid, cmin: u32) -> TupleHeader {
        TupleHeader {
            xmin,
            xmax: INVALID_XID,
            cmin,
            cmax: 0,
            ctid: Tid::new(0, 0),
            flags: 0,
        }
    }

    /// Decodes the header at the start of `t`; `None` if `t` is too short.
    pub fn decode(t: &[u8]) -> Option<TupleHeader> {
        let h = t.get(..HEADER_LEN)?;
        let u64_at = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().expect("8"));
        let u32_at = |o: usize| u32::from_le_bytes(h[o..o + 4].try_into().expect("4"));
        Some(TupleHeader {
            xmin: u64_at(0),
            xmax: u64_at(8),
            cmin: u32_at(16),
            cmax: u32_at(20),
            ctid: Tid::new(u32_at(24), u16::from_le_bytes([h[28], h[29]])),
            flags: u16::from_le_bytes([h[30], h[31]]),
        })
    }

    /// Writes the header into the first [`HEADER_LEN`] bytes of `t`.
    pub fn encode_into(&self, t: &mut [u8]) {
        t[0..8].copy_from_slice(&self.xmin.to_le_bytes());
        t[8..16].copy_from_slice(&self.xmax.to_le_bytes());
        t[16..20].copy_from_slice(&self.cmin.to_le_bytes());
        t[20..24].copy_from_slice(&self.cmax.to_le_bytes());
        t[24..28].copy_from_slice(&self.ctid.page.to_le_bytes());
        t[28..30].copy_from_slice(&self.ctid.slot.to_le_bytes());
        t[30..32].copy_from_slice(&self.flags.to_le_bytes());
    }

    /// Header followed by `row`.
    pub fn with_row(&self, row: &[u8]) -> Vec<u8> {
        let mut t = vec![0u8; HEADER_LEN + row.len()];
        self.encode_into(&mut t);
        t[HEADER_LEN..].copy_from_slice(row);
        t
    }

    /// Whether [`FLAG_UPDATED`] is set.
    pub fn is_updated(&self) -> bool {
        self.flags & FLAG_UPDATED != 0
    }

    /// Whether [`FLAG_XMIN_INVALID`] is set.
    pub fn xmin_invalid(&self) -> bool {
        self.flags & FLAG_XMIN_INVALID != 0
    }
}

/// The row bytes of a tuple (after the header).
pub fn row_of(t: &[u8]) -> &[u8] {
    t.get(HEADER_LEN..).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = TupleHeader {
            xmin: 7,
            xmax: 9,
            cmin: 1,
            cmax: 2,
            ctid: Tid::new(5, 6),
            flags: FLAG_UPDATED,
        };
        let t = h.with_row(b"abc");
        assert_eq!(TupleHeader::decode(&t), Some(h));
        assert_eq!(row_of(&t), b"abc");
        assert!(h.is_updated() && !h.xmin_invalid());
        assert_eq!(TupleHeader::decode(&t[..10]), None);
    }
}
