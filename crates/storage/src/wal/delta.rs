//! Page images and page deltas: how a changed page travels in the WAL.
//!
//! A *delta* lists the byte ranges of a page that differ between its image before and
//! after a change, as `(offset u16, len u16, bytes)` runs. Runs separated by fewer than
//! [`MERGE_GAP`] equal bytes are merged, since a run header costs four bytes. Because the
//! slotted page keeps slots at the front and items at the back, an insert changes a few
//! dozen bytes and its delta is about that size.
//!
//! A *full-page image* (FPI) is the whole page except its lsn/crc prefix. Slotted pages
//! keep the free gap between `lower` and `upper` zeroed (see [`crate::page::slotted`]), so
//! the image leaves the gap out and redo puts the zeroes back: the restored page is
//! byte-for-byte the page that was logged.
//!
//! Deltas never include the first [`crate::page::UNLOGGED_PREFIX`] bytes (lsn and
//! checksum): redo sets the LSN itself and the checksum is computed on write.

use crate::ids::PAGE_SIZE;
use crate::page::{self, PageType, UNLOGGED_PREFIX};

/// Equal bytes between two changed ranges that are cheaper to resend than to start a
/// new run for.
pub const MERGE_GAP: usize = 8;

/// Appends the delta from `old` to `new` to `out`; returns whether anything differs.
pub fn encode_delta(old: &[u8], new: &[u8], out: &mut Vec<u8>) -> bool {
    debug_assert_eq!(old.len(), PAGE_SIZE);
    debug_assert_eq!(new.len(), PAGE_SIZE);
    let start_len = out.len();
    let mut i = UNLOGGED_PREFIX;
    while i < PAGE_SIZE {
        // Skip equal bytes quickly, eight at a time where aligned.
        while i < PAGE_SIZE && old[i] == new[i] {
            if i.is_multiple_of(8) && i + 8 <= PAGE_SIZE && old[i..i + 8] == new[i..i + 8] {
                i += 8;
            } else {
                i += 1;
            }
        }
        if i >= PAGE_SIZE {
            break;
        }
        let start = i;
        let mut end = i + 1;
        // Extend the run while differences continue within MERGE_GAP bytes.
        let mut j = end;
        while j < PAGE_SIZE {
            if old[j] != new[j] {
                end = j + 1;
                j += 1;
            } else if j - end < MERGE_GAP {
                j += 1;
            } else {
                break;
            }
        }
        out.extend_from_slice(&(start as u16).to_le_bytes());
        out.extend_from_slice(&((end - start) as u16).to_le_bytes());
        out.extend_from_slice(&new[start..end]);
        i = end;
    }
    out.len() > start_len
}

/// Applies a delta produced by [`encode_delta`]; `Err` if it is malformed (never writes
/// outside the page).
pub fn apply_delta(page: &mut [u8], mut delta: &[u8]) -> Result<(), String> {
    while !delta.is_empty() {
        if delta.len() < 4 {
            return Err("truncated delta run header".into());
        }
        let off = u16::from_le_bytes([delta[0], delta[1]]) as usize;
        let len = u16::from_le_bytes([delta[2], delta[3]]) as usize;
        delta = &delta[4..];
        if off < UNLOGGED_PREFIX || off + len > PAGE_SIZE || len > delta.len() {
            return Err(format!("delta run {off}+{len} out of bounds"));
        }
        page[off..off + len].copy_from_slice(&delta[..len]);
        delta = &delta[len..];
    }
    Ok(())
}

/// The free gap of a slotted page that an image may leave out, if the header declares a
/// sane one.
fn hole(p: &[u8]) -> (usize, usize) {
    let slotted = matches!(
        page::page_type(p),
        Some(PageType::Heap | PageType::BTreeInternal | PageType::BTreeLeaf | PageType::BTreeMeta)
    );
    if !slotted {
        return (PAGE_SIZE, 0);
    }
    let sp = page::slotted::SlottedPage::new(p);
    let (lower, upper) = (sp.lower(), sp.upper());
    if page::HEADER_SIZE <= lower && lower <= upper && upper <= PAGE_SIZE {
        (lower, upper - lower)
    } else {
        (PAGE_SIZE, 0)
    }
}

/// Appends a full-page image of `p` to `out`: `hole_off u16, hole_len u16`, then the
/// bytes before and after the hole.
pub fn encode_image(p: &[u8], out: &mut Vec<u8>) {
    let (off, len) = hole(p);
    out.extend_from_slice(&(off as u16).to_le_bytes());
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.extend_from_slice(&p[UNLOGGED_PREFIX..off]);
    out.extend_from_slice(&p[off + len..]);
}

/// Restores a page from an image made by [`encode_image`] (the LSN is set by the caller).
pub fn apply_image(page: &mut [u8], image: &[u8]) -> Result<(), String> {
    if image.len() < 4 {
        return Err("truncated page image".into());
    }
    let off = u16::from_le_bytes([image[0], image[1]]) as usize;
    let len = u16::from_le_bytes([image[2], image[3]]) as usize;
    let body = &image[4..];
    if off < UNLOGGED_PREFIX
        || off + len > PAGE_SIZE
        || body.len() != PAGE_SIZE - UNLOGGED_PREFIX - len
    {
        return Err(format!(
            "page image with hole {off}+{len} and {} bytes is malformed",
            body.len()
        ));
    }
    let before = off - UNLOGGED_PREFIX;
    page[UNLOGGED_PREFIX..off].copy_from_slice(&body[..before]);
    page[off..off + len].fill(0);
    page[off + len..].copy_from_slice(&body[before..]);
    page[8..UNLOGGED_PREFIX].fill(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::slotted::SlottedPage;
    use proptest::prelude::*;

    #[test]
    fn small_change_small_delta() {
        let mut old = vec![0u8; PAGE_SIZE];
        SlottedPage::init(&mut old[..], PageType::Heap, 0);
        let mut new = old.clone();
        SlottedPage::new(&mut new[..]).insert(&[5u8; 40]).unwrap();
        let mut d = Vec::new();
        assert!(encode_delta(&old, &new, &mut d));
        assert!(
            d.len() <= 64,
            "delta of a 40-byte insert is {} bytes",
            d.len()
        );
        let mut redo = old.clone();
        apply_delta(&mut redo, &d).unwrap();
        assert_eq!(redo, new);
        let mut none = Vec::new();
        assert!(!encode_delta(&old, &old, &mut none));
    }

    #[test]
    fn image_elides_the_free_gap() {
        let mut p = vec![0u8; PAGE_SIZE];
        SlottedPage::init(&mut p[..], PageType::Heap, 0)
            .insert(&[3u8; 100])
            .unwrap();
        p[0..8].copy_from_slice(&[9; 8]);
        let mut img = Vec::new();
        encode_image(&p, &mut img);
        assert!(img.len() < 200);
        let mut back = vec![0xffu8; PAGE_SIZE];
        apply_image(&mut back, &img).unwrap();
        assert_eq!(&back[UNLOGGED_PREFIX..], &p[UNLOGGED_PREFIX..]);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let mut p = vec![0u8; PAGE_SIZE];
        assert!(apply_delta(&mut p, &[0xff, 0xff, 4, 0, 1, 2, 3, 4]).is_err());
        assert!(apply_delta(&mut p, &[20, 0, 9, 0, 1]).is_err());
        assert!(apply_image(&mut p, &[1, 2]).is_err());
    }

    proptest! {
        #[test]
        fn delta_round_trips(
            base in proptest::collection::vec(any::<u8>(), PAGE_SIZE),
            edits in proptest::collection::vec((12usize..PAGE_SIZE, any::<u8>()), 0..300),
        ) {
            let mut new = base.clone();
            for (i, b) in edits { new[i] = b; }
            let mut d = Vec::new();
            encode_delta(&base, &new, &mut d);
            let mut redo = base.clone();
            apply_delta(&mut redo, &d).unwrap();
            prop_assert_eq!(&redo[UNLOGGED_PREFIX..], &new[UNLOGGED_PREFIX..]);
        }
    }
}
