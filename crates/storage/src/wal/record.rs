//! The WAL record format.
//!
//! ```text
//!  0       4       8          16         24     25      26        28         32
//!  +-------+-------+----------+----------+------+-------+---------+----------+---------
//!  | len   | crc   | lsn      | xid      | kind | flags | nblocks | reserved | payload
//!  +-------+-------+----------+----------+------+-------+---------+----------+---------
//! ```
//!
//! * `len` counts header and payload; records start on 8-byte boundaries.
//! * `crc` is a CRC-32 of every byte after it (the rest of the header and the payload).
//! * `lsn` is the record's own position. A reader rejects a record whose stored position
//!   differs from where it was found, so stale bytes of a recycled segment can never pass
//!   for a record.
//! * `xid` is the transaction on whose behalf the record was written (0: none); recovery
//!   learns the highest transaction id in use from it.
//! * `flags` marks the record that commits or aborts `xid`, so replicas and tools can see
//!   transaction boundaries without understanding page contents.
//!
//! A [`RecordKind::Pages`] payload is `nblocks` blocks followed by opaque bytes for the
//! layer above (see [`PageBlock`]); the other kinds have fixed payloads.

use crate::ids::{Lsn, PageId, RelId};

/// Size of a record header.
pub const HEADER_SIZE: usize = 32;
/// Records start on multiples of this.
pub const ALIGN: usize = 8;
/// The largest record accepted (header included).
pub const MAX_RECORD: usize = 4 << 20;

/// The record marks the commit of its `xid`.
pub const FLAG_COMMIT: u8 = 1;
/// The record marks the abort of its `xid`.
pub const FLAG_ABORT: u8 = 2;

/// Block flag: the body is a full-page image.
pub const BLOCK_IMAGE: u8 = 1;
/// Block flag: the page starts from zeroes (newly allocated) before the delta applies.
pub const BLOCK_INIT: u8 = 2;

/// What a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordKind {
    /// Changes to one or more pages, applied atomically (a mini-transaction).
    Pages = 1,
    /// A completed checkpoint.
    Checkpoint = 2,
    /// Padding: the rest of the segment is unused, continue at the next one.
    Switch = 3,
    /// A relation file was created.
    CreateRel = 4,
    /// A relation file was removed.
    DropRel = 5,
    /// A relation was truncated to a number of pages.
    TruncateRel = 6,
}

impl RecordKind {
    /// Decodes a kind byte.
    pub fn from_u8(b: u8) -> Option<RecordKind> {
        Some(match b {
            1 => RecordKind::Pages,
            2 => RecordKind::Checkpoint,
            3 => RecordKind::Switch,
            4 => RecordKind::CreateRel,
            5 => RecordKind::DropRel,
            6 => RecordKind::TruncateRel,
            _ => return None,
        })
    }
}

/// Who a record is for and how it ends a transaction; carried in every header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordMeta {
    /// The transaction id (0: none).
    pub xid: u64,
    /// [`FLAG_COMMIT`], [`FLAG_ABORT`] or 0.
    pub flags: u8,
}

impl RecordMeta {
    /// No transaction.
    pub const NONE: RecordMeta = RecordMeta { xid: 0, flags: 0 };

    /// Work of transaction `xid`.
    pub fn xid(xid: u64) -> RecordMeta {
        RecordMeta { xid, flags: 0 }
    }
}

/// The decoded header of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Header plus payload length.
    pub len: u32,
    /// The stored CRC.
    pub crc: u32,
    /// The record's position.
    pub lsn: Lsn,
    /// Transaction and flags.
    pub meta: RecordMeta,
    /// Kind byte.
    pub kind: u8,
    /// Number of page blocks (Pages records).
    pub nblocks: u16,
}

impl RecordHeader {
    /// Decodes the first [`HEADER_SIZE`] bytes of `b`.
    pub fn decode(b: &[u8]) -> RecordHeader {
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4"));
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8"));
        RecordHeader {
            len: u32_at(0),
            crc: u32_at(4),
            lsn: Lsn(u64_at(8)),
            meta: RecordMeta {
                xid: u64_at(16),
                flags: b[25],
            },
            kind: b[24],
            nblocks: u16::from_le_bytes([b[26], b[27]]),
        }
    }
}

/// Writes a header with a zero CRC and LSN into `out[..HEADER_SIZE]`; the WAL fills in
/// both when it places the record.
pub fn encode_header(out: &mut [u8], len: usize, kind: RecordKind, meta: RecordMeta, nblocks: u16) {
    out[0..4].copy_from_slice(&(len as u32).to_le_bytes());
    out[4..16].fill(0);
    out[16..24].copy_from_slice(&meta.xid.to_le_bytes());
    out[24] = kind as u8;
    out[25] = meta.flags;
    out[26..28].copy_from_slice(&nblocks.to_le_bytes());
    out[28..32].fill(0);
}

/// Rounds a record length up to the alignment.
pub fn aligned(len: usize) -> usize {
    len.div_ceil(ALIGN) * ALIGN
}

/// One page block of a Pages record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBlock<'a> {
    /// The page.
    pub page: PageId,
    /// [`BLOCK_IMAGE`] / [`BLOCK_INIT`].
    pub flags: u8,
    /// A delta or an image.
    pub body: &'a [u8],
}

/// Size of a block header: rel u32, page u32, flags u8, pad u8, len u16.
pub const BLOCK_HEADER: usize = 12;

/// Appends a block header for `page` with a body of `body_len` bytes.
pub fn encode_block_header(out: &mut Vec<u8>, page: PageId, flags: u8, body_len: usize) {
    out.extend_from_slice(&page.rel.0.to_le_bytes());
    out.extend_from_slice(&page.page.to_le_bytes());
    out.push(flags);
    out.push(0);
    out.extend_from_slice(&(body_len as u16).to_le_bytes());
}

/// Splits a Pages payload into its blocks and the trailing opaque bytes.
pub fn decode_blocks(
    mut payload: &[u8],
    nblocks: u16,
) -> Result<(Vec<PageBlock<'_>>, &[u8]), String> {
    let mut blocks = Vec::with_capacity(nblocks as usize);
    for _ in 0..nblocks {
        if payload.len() < BLOCK_HEADER {
            return Err("truncated block header".into());
        }
        let rel = u32::from_le_bytes(payload[0..4].try_into().expect("4"));
        let page = u32::from_le_bytes(payload[4..8].try_into().expect("4"));
        let flags = payload[8];
        let len = u16::from_le_bytes([payload[10], payload[11]]) as usize;
        payload = &payload[BLOCK_HEADER..];
        if payload.len() < len {
            return Err(format!("block body of {len} bytes is truncated"));
        }
        blocks.push(PageBlock {
            page: PageId::new(RelId(rel), page),
            flags,
            body: &payload[..len],
        });
        payload = &payload[len..];
    }
    Ok((blocks, payload))
}

/// The payload of a checkpoint record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointPayload {
    /// Where redo must start to recover from this checkpoint.
    pub redo: Lsn,
    /// The next transaction id to assign.
    pub next_xid: u64,
    /// The next relation id to assign.
    pub next_rel: u32,
    /// Wall-clock time of the checkpoint, in seconds since the epoch.
    pub time: u64,
}

impl CheckpointPayload {
    /// Encoded size.
    pub const LEN: usize = 28;

    /// Encodes the payload.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0..8].copy_from_slice(&self.redo.0.to_le_bytes());
        b[8..16].copy_from_slice(&self.next_xid.to_le_bytes());
        b[16..20].copy_from_slice(&self.next_rel.to_le_bytes());
        b[20..28].copy_from_slice(&self.time.to_le_bytes());
        b
    }

    /// Decodes the payload.
    pub fn decode(b: &[u8]) -> Option<CheckpointPayload> {
        if b.len() < Self::LEN {
            return None;
        }
        Some(CheckpointPayload {
            redo: Lsn(u64::from_le_bytes(b[0..8].try_into().ok()?)),
            next_xid: u64::from_le_bytes(b[8..16].try_into().ok()?),
            next_rel: u32::from_le_bytes(b[16..20].try_into().ok()?),
            time: u64::from_le_bytes(b[20..28].try_into().ok()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let mut b = [0u8; HEADER_SIZE];
        encode_header(
            &mut b,
            100,
            RecordKind::Pages,
            RecordMeta {
                xid: 77,
                flags: FLAG_COMMIT,
            },
            3,
        );
        let h = RecordHeader::decode(&b);
        assert_eq!(h.len, 100);
        assert_eq!(h.kind, RecordKind::Pages as u8);
        assert_eq!(
            h.meta,
            RecordMeta {
                xid: 77,
                flags: FLAG_COMMIT
            }
        );
        assert_eq!(h.nblocks, 3);
    }

    #[test]
    fn blocks_round_trip_and_truncation_is_an_error() {
        let mut p = Vec::new();
        let id = PageId::new(RelId(9), 4);
        encode_block_header(&mut p, id, BLOCK_INIT, 3);
        p.extend_from_slice(b"abc");
        p.extend_from_slice(b"tail");
        let (blocks, rest) = decode_blocks(&p, 1).unwrap();
        assert_eq!(
            blocks,
            vec![PageBlock {
                page: id,
                flags: BLOCK_INIT,
                body: b"abc"
            }]
        );
        assert_eq!(rest, b"tail");
        assert!(decode_blocks(&p[..10], 1).is_err());
        assert!(decode_blocks(&p, 2).is_err());
    }

    #[test]
    fn checkpoint_payload_round_trips() {
        let c = CheckpointPayload {
            redo: Lsn(1 << 24),
            next_xid: 5,
            next_rel: 16390,
            time: 9,
        };
        assert_eq!(CheckpointPayload::decode(&c.encode()), Some(c));
    }
}
