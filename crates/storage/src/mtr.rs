//! Mini-transactions: logging a set of page changes as one atomic WAL record.
//!
//! An operation that changes pages (a heap insert, a B+tree split, a commit) latches the
//! pages with [`crate::buffer::PageWriteGuard`]s, changes them, and calls [`log_pages`]
//! while still holding every changed page's latch. That one call
//! 1. builds one record with a block per changed page: a delta against the page's image
//!    before the change, a delta against zeroes for a page allocated in this operation, or
//!    a full-page image if the page was last logged before the current checkpoint's redo
//!    point (torn-page protection);
//! 2. inserts it (if a checkpoint moved the redo point meanwhile, the blocks are rebuilt,
//!    since some may now need images);
//! 3. stamps each page with the record's end LSN and marks it dirty.
//!
//! Latches must be held until `log_pages` returns: if another operation could change a
//! page between our change and our record, its record might land first and redo would
//! apply the two in the wrong order. Pages read but not changed may be released earlier
//! (latch crabbing in the B+tree). If logging fails, the guards still hold unlogged
//! changes, and dropping them restores the pages: the operation simply did not happen.

use crate::buffer::PageWriteGuard;
use crate::buffer::guard::Change;
use crate::error::Result;
use crate::ids::{Lsn, PAGE_SIZE};
use crate::page;
use crate::wal::delta::{encode_delta, encode_image};
use crate::wal::record::{BLOCK_IMAGE, BLOCK_INIT, encode_block_header};
use crate::wal::{InsertError, RecordKind, RecordMeta, Wal};

static ZERO_PAGE: [u8; PAGE_SIZE] = [0u8; PAGE_SIZE];

/// Logs the changes of `pages` (unchanged guards are skipped) plus `extra` bytes for the
/// layer above as one record, and returns the record's end LSN. With `meta.flags` set
/// (a commit or abort) a record is written even if no page changed.
pub fn log_pages(
    wal: &Wal,
    meta: RecordMeta,
    pages: &mut [&mut PageWriteGuard<'_>],
    extra: &[u8],
) -> Result<Lsn> {
    let mut payload = Vec::with_capacity(256);
    loop {
        payload.clear();
        let redo = wal.redo_ptr();
        let mut nblocks: u16 = 0;
        let mut changed = Vec::with_capacity(pages.len());
        for (i, g) in pages.iter().enumerate() {
            let id = g.id();
            let header_at = payload.len();
            let flags = match g.change() {
                Change::None => continue,
                Change::Init => {
                    encode_block_header(&mut payload, id, BLOCK_INIT, 0);
                    encode_delta(&ZERO_PAGE, g.page(), &mut payload);
                    BLOCK_INIT
                }
                Change::Delta(before) if page::page_lsn(before) <= redo => {
                    encode_block_header(&mut payload, id, BLOCK_IMAGE, 0);
                    encode_image(g.page(), &mut payload);
                    BLOCK_IMAGE
                }
                Change::Delta(before) => {
                    encode_block_header(&mut payload, id, 0, 0);
                    if !encode_delta(before, g.page(), &mut payload) {
                        payload.truncate(header_at);
                        changed.push((i, false));
                        continue;
                    }
                    0
                }
            };
            let body_len = payload.len() - header_at - crate::wal::record::BLOCK_HEADER;
            payload[header_at + 10..header_at + 12]
                .copy_from_slice(&(body_len as u16).to_le_bytes());
            debug_assert_eq!(payload[header_at + 8], flags);
            nblocks += 1;
            changed.push((i, true));
        }
        for (i, did) in &changed {
            if !did {
                pages[*i].forget_unchanged();
            }
        }
        if nblocks == 0 && extra.is_empty() && meta.flags == 0 {
            return Ok(wal.insert_lsn());
        }
        payload.extend_from_slice(extra);
        match wal.insert(RecordKind::Pages, meta, nblocks, &payload, Some(redo)) {
            Ok((_, end)) => {
                for (i, did) in changed {
                    if did {
                        pages[i].mark_logged(end);
                    }
                }
                return Ok(end);
            }
            Err(InsertError::RedoMoved) => continue,
            Err(InsertError::Failed(e)) => return Err(e),
        }
    }
}
