//! The slotted page: variable-length items addressed by a stable slot number.
//!
//! ```text
//!  +--------+------------------------+-------------+---------------------+---------+
//!  | header | slot 0 | slot 1 | ...  |  free space | ... item 1 | item 0 | special |
//!  +--------+------------------------+-------------+---------------------+---------+
//!  0        24                     lower         upper              special    8192
//! ```
//!
//! The slot array grows up from the header, item bytes grow down from the special area.
//! A slot is 4 bytes: the item's offset (u16) and its length (14 bits) with a 2-bit state.
//! Heap pages never move a slot, so `(page, slot)` is a stable tuple id; compaction moves
//! item bytes but not slots. B+tree pages keep slots sorted by key and shift them on
//! insert and delete ([`SlottedPage::insert_at`], [`SlottedPage::remove_at`]).
//!
//! Slot states, as PostgreSQL's line pointers:
//! * `Unused`: free for reuse by the next insert;
//! * `Normal`: points at an item;
//! * `Dead`: the item was removed but indexes may still point at the slot, so it must not
//!   be reused until vacuum has cleaned the indexes and marks it `Unused`.
//!
//! The free gap between the slot array and the items is kept zeroed: whatever frees
//! bytes into it (removing a slot, compacting) clears them. A full-page image in the WAL
//! can then omit the gap and still restore the page byte for byte.
//!
//! Every accessor bounds-checks against the page, so a corrupt page yields `None` or a
//! [`SlottedPage::validate`] error, never a panic or out-of-page bytes.

use super::{HEADER_SIZE, PageType, set_page_type};
use crate::ids::PAGE_SIZE;

const LOWER_OFF: usize = 14;
const UPPER_OFF: usize = 16;
const SPECIAL_OFF: usize = 18;
/// Size of one slot in the slot array.
pub const SLOT_SIZE: usize = 4;
const LEN_MASK: u16 = 0x3fff;

/// The largest item a slotted page with no special area can hold.
pub const MAX_ITEM: usize = PAGE_SIZE - HEADER_SIZE - SLOT_SIZE;

/// The state of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// Free for reuse.
    Unused,
    /// Holds an item.
    Normal,
    /// Emptied, but still referenced from elsewhere (indexes).
    Dead,
}

/// A decoded slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Byte offset of the item in the page.
    pub offset: u16,
    /// Length of the item.
    pub len: u16,
    /// The slot's state.
    pub state: SlotState,
}

/// A view of a page as a slotted page; `B` is `&[u8]` for reading or `&mut [u8]` for
/// changing.
#[derive(Debug)]
pub struct SlottedPage<B> {
    buf: B,
}

fn rd16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn wr16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

impl<B: AsRef<[u8]>> SlottedPage<B> {
    /// Views `buf` (a whole page) as a slotted page.
    pub fn new(buf: B) -> SlottedPage<B> {
        debug_assert_eq!(buf.as_ref().len(), PAGE_SIZE);
        SlottedPage { buf }
    }

    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// End of the slot array.
    pub fn lower(&self) -> usize {
        rd16(self.b(), LOWER_OFF) as usize
    }

    /// Start of the item area.
    pub fn upper(&self) -> usize {
        rd16(self.b(), UPPER_OFF) as usize
    }

    /// Start of the special area.
    pub fn special_offset(&self) -> usize {
        rd16(self.b(), SPECIAL_OFF) as usize
    }

    /// The number of slots (of any state).
    pub fn slot_count(&self) -> u16 {
        (self.lower().saturating_sub(HEADER_SIZE) / SLOT_SIZE) as u16
    }

    /// The slot `i`, if it exists.
    pub fn slot(&self, i: u16) -> Option<Slot> {
        if i >= self.slot_count() {
            return None;
        }
        let off = HEADER_SIZE + i as usize * SLOT_SIZE;
        let offset = rd16(self.b(), off);
        let raw = rd16(self.b(), off + 2);
        let state = match raw >> 14 {
            0 => SlotState::Unused,
            1 => SlotState::Normal,
            _ => SlotState::Dead,
        };
        Some(Slot {
            offset,
            len: raw & LEN_MASK,
            state,
        })
    }

    /// The bytes of the item in slot `i`, if the slot is `Normal` and in bounds.
    pub fn get(&self, i: u16) -> Option<&[u8]> {
        let s = self.slot(i)?;
        if s.state != SlotState::Normal {
            return None;
        }
        let (start, end) = (s.offset as usize, s.offset as usize + s.len as usize);
        if start < self.upper() || end > self.special_offset() {
            return None;
        }
        self.b().get(start..end)
    }

    /// Contiguous free bytes between the slot array and the items.
    pub fn contiguous_free(&self) -> usize {
        self.upper().saturating_sub(self.lower())
    }

    /// Bytes of live items.
    fn live_bytes(&self) -> usize {
        (0..self.slot_count())
            .filter_map(|i| self.slot(i))
            .filter(|s| s.state == SlotState::Normal)
            .map(|s| s.len as usize)
            .sum()
    }

    /// Free bytes after a compaction (contiguous plus fragmented).
    pub fn total_free(&self) -> usize {
        (self.special_offset().saturating_sub(self.lower())).saturating_sub(self.live_bytes())
    }

    /// Whether an item of `len` bytes fits, possibly after compaction, when a new slot
    /// is needed (`new_slot`) or an unused one can be reused.
    pub fn fits(&self, len: usize, new_slot: bool) -> bool {
        let need = len + if new_slot { SLOT_SIZE } else { 0 };
        // Live items lie between `upper` and `special`, so contiguous free space is part
        // of the total: skip summing the items when it alone is enough (every append).
        self.contiguous_free() >= need || self.total_free() >= need
    }

    /// The first `Unused` slot, if any.
    fn first_unused(&self) -> Option<u16> {
        (0..self.slot_count())
            .find(|&i| matches!(self.slot(i), Some(s) if s.state == SlotState::Unused))
    }

    /// Free space an insert can use: reuse of an unused slot counts no slot overhead.
    pub fn insert_capacity(&self) -> usize {
        let slot_cost = if self.first_unused().is_some() {
            0
        } else {
            SLOT_SIZE
        };
        self.total_free().saturating_sub(slot_cost)
    }

    /// The special area.
    pub fn special(&self) -> &[u8] {
        let start = self.special_offset().min(PAGE_SIZE);
        &self.b()[start..]
    }

    /// The constant-time part of [`SlottedPage::validate`]: the free-space pointers in
    /// order and in bounds, the slot array slot-aligned. Enough before reading single
    /// items through [`SlottedPage::get`], which bounds-checks each one.
    pub fn validate_pointers(&self) -> Result<(), String> {
        let (lower, upper, special) = (self.lower(), self.upper(), self.special_offset());
        if !(HEADER_SIZE <= lower && lower <= upper && upper <= special && special <= PAGE_SIZE) {
            return Err(format!(
                "free-space pointers out of order: lower {lower}, upper {upper}, special {special}"
            ));
        }
        if !(lower - HEADER_SIZE).is_multiple_of(SLOT_SIZE) {
            return Err(format!("slot array end {lower} is not slot-aligned"));
        }
        Ok(())
    }

    /// Structural checks: pointers in order and in bounds, every item inside the item
    /// area, no two items overlapping. Used on every page read from disk, after its
    /// checksum, and by integrity checks.
    pub fn validate(&self) -> Result<(), String> {
        self.validate_pointers()?;
        let (upper, special) = (self.upper(), self.special_offset());
        let mut items: Vec<(usize, usize)> = Vec::new();
        for i in 0..self.slot_count() {
            let s = self.slot(i).expect("in range");
            match s.state {
                SlotState::Normal => {
                    let (a, b) = (s.offset as usize, s.offset as usize + s.len as usize);
                    if a < upper || b > special {
                        return Err(format!("slot {i} points outside the item area ({a}..{b})"));
                    }
                    items.push((a, b));
                }
                SlotState::Unused | SlotState::Dead => {
                    if s.len != 0 {
                        return Err(format!("empty slot {i} has length {}", s.len));
                    }
                }
            }
        }
        items.sort_unstable();
        for w in items.windows(2) {
            if w[0].1 > w[1].0 {
                return Err(format!("items overlap at offset {}", w[1].0));
            }
        }
        Ok(())
    }
}

impl<'a> SlottedPage<&'a [u8]> {
    /// Like [`SlottedPage::get`], but the bytes borrow the page rather than this view.
    pub fn item(&self, i: u16) -> Option<&'a [u8]> {
        let buf: &'a [u8] = self.buf;
        let s = self.slot(i)?;
        if s.state != SlotState::Normal {
            return None;
        }
        let (start, end) = (s.offset as usize, s.offset as usize + s.len as usize);
        if start < self.upper() || end > self.special_offset() {
            return None;
        }
        buf.get(start..end)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> SlottedPage<B> {
    fn bm(&mut self) -> &mut [u8] {
        self.buf.as_mut()
    }

    /// Formats `buf` as an empty slotted page of type `t` with `special_size` bytes of
    /// special area at the end.
    pub fn init(mut buf: B, t: PageType, special_size: usize) -> SlottedPage<B> {
        let b = buf.as_mut();
        b[super::UNLOGGED_PREFIX..].fill(0);
        set_page_type(b, t);
        let special = (PAGE_SIZE - special_size) as u16;
        wr16(b, LOWER_OFF, HEADER_SIZE as u16);
        wr16(b, UPPER_OFF, special);
        wr16(b, SPECIAL_OFF, special);
        SlottedPage { buf }
    }

    fn set_lower(&mut self, v: usize) {
        wr16(self.bm(), LOWER_OFF, v as u16);
    }

    fn set_upper(&mut self, v: usize) {
        wr16(self.bm(), UPPER_OFF, v as u16);
    }

    fn write_slot(&mut self, i: u16, s: Slot) {
        let off = HEADER_SIZE + i as usize * SLOT_SIZE;
        let state = match s.state {
            SlotState::Unused => 0u16,
            SlotState::Normal => 1,
            SlotState::Dead => 2,
        };
        wr16(self.bm(), off, s.offset);
        wr16(self.bm(), off + 2, (state << 14) | (s.len & LEN_MASK));
    }

    /// Places `data` in the item area (compacting first if needed) and returns its
    /// offset; `None` if it does not fit after all (a corrupt page).
    fn place(&mut self, data: &[u8], extra_slot: bool) -> Option<usize> {
        let need = data.len() + if extra_slot { SLOT_SIZE } else { 0 };
        if self.contiguous_free() < need && !self.compact() {
            return None;
        }
        if self.contiguous_free() < need {
            return None;
        }
        let upper = self.upper() - data.len();
        self.bm()[upper..upper + data.len()].copy_from_slice(data);
        self.set_upper(upper);
        Some(upper)
    }

    /// Inserts an item, reusing an `Unused` slot if there is one; `None` if it does not
    /// fit. Heap pages use this: existing slots never move.
    pub fn insert(&mut self, data: &[u8]) -> Option<u16> {
        let reuse = self.first_unused();
        if !self.fits(data.len(), reuse.is_none()) {
            return None;
        }
        let offset = self.place(data, reuse.is_none())?;
        let slot = match reuse {
            Some(i) => i,
            None => {
                let i = self.slot_count();
                let lower = self.lower() + SLOT_SIZE;
                self.set_lower(lower);
                i
            }
        };
        self.write_slot(
            slot,
            Slot {
                offset: offset as u16,
                len: data.len() as u16,
                state: SlotState::Normal,
            },
        );
        Some(slot)
    }

    /// Inserts an item as slot `index`, shifting later slots up by one; `false` if it
    /// does not fit or `index` is past the end. B+tree pages use this to stay sorted.
    pub fn insert_at(&mut self, index: u16, data: &[u8]) -> bool {
        let n = self.slot_count();
        if index > n || !self.fits(data.len(), true) {
            return false;
        }
        let Some(offset) = self.place(data, true) else {
            return false;
        };
        let start = HEADER_SIZE + index as usize * SLOT_SIZE;
        let end = HEADER_SIZE + n as usize * SLOT_SIZE;
        self.bm().copy_within(start..end, start + SLOT_SIZE);
        self.set_lower(end + SLOT_SIZE);
        self.write_slot(
            index,
            Slot {
                offset: offset as u16,
                len: data.len() as u16,
                state: SlotState::Normal,
            },
        );
        true
    }

    /// Removes slot `index`, shifting later slots down; its bytes become free space at
    /// the next compaction. B+tree pages use this.
    pub fn remove_at(&mut self, index: u16) {
        let n = self.slot_count();
        if index >= n {
            return;
        }
        let start = HEADER_SIZE + index as usize * SLOT_SIZE;
        let end = HEADER_SIZE + n as usize * SLOT_SIZE;
        self.bm().copy_within(start + SLOT_SIZE..end, start);
        self.bm()[end - SLOT_SIZE..end].fill(0);
        self.set_lower(end - SLOT_SIZE);
    }

    /// Removes every slot from `index` on (a B+tree split moved them elsewhere).
    pub fn truncate(&mut self, index: u16) {
        if index < self.slot_count() {
            let (new_lower, old_lower) = (HEADER_SIZE + index as usize * SLOT_SIZE, self.lower());
            self.bm()[new_lower..old_lower].fill(0);
            self.set_lower(new_lower);
        }
    }

    /// The bytes of item `i` for in-place changes of the same length.
    pub fn get_mut(&mut self, i: u16) -> Option<&mut [u8]> {
        let s = self.slot(i)?;
        if s.state != SlotState::Normal {
            return None;
        }
        let (start, end) = (s.offset as usize, s.offset as usize + s.len as usize);
        if start < self.upper() || end > self.special_offset() {
            return None;
        }
        self.bm().get_mut(start..end)
    }

    /// Replaces item `i` with `data` of any length, keeping its slot; `false` if it does
    /// not fit.
    pub fn replace(&mut self, i: u16, data: &[u8]) -> bool {
        let Some(s) = self.slot(i) else { return false };
        if s.state != SlotState::Normal {
            return false;
        }
        if data.len() <= s.len as usize {
            let off = s.offset as usize;
            self.bm()[off..off + data.len()].copy_from_slice(data);
            self.write_slot(
                i,
                Slot {
                    len: data.len() as u16,
                    ..s
                },
            );
            return true;
        }
        if self.total_free() + (s.len as usize) < data.len() {
            return false;
        }
        // Free the old bytes first so compaction can reclaim them.
        self.write_slot(
            i,
            Slot {
                offset: 0,
                len: 0,
                state: SlotState::Dead,
            },
        );
        let Some(offset) = self.place(data, false) else {
            self.write_slot(i, s);
            return false;
        };
        self.write_slot(
            i,
            Slot {
                offset: offset as u16,
                len: data.len() as u16,
                state: SlotState::Normal,
            },
        );
        true
    }

    /// Marks slot `i` `Dead`: its bytes are freed, the slot stays reserved.
    pub fn set_dead(&mut self, i: u16) {
        if self.slot(i).is_some() {
            self.write_slot(
                i,
                Slot {
                    offset: 0,
                    len: 0,
                    state: SlotState::Dead,
                },
            );
        }
    }

    /// Marks slot `i` `Unused`, free for reuse; trailing unused slots are trimmed off the
    /// slot array.
    pub fn set_unused(&mut self, i: u16) {
        if self.slot(i).is_none() {
            return;
        }
        self.write_slot(
            i,
            Slot {
                offset: 0,
                len: 0,
                state: SlotState::Unused,
            },
        );
        let mut n = self.slot_count();
        while n > 0 && matches!(self.slot(n - 1), Some(s) if s.state == SlotState::Unused) {
            n -= 1;
        }
        let (new_lower, old_lower) = (HEADER_SIZE + n as usize * SLOT_SIZE, self.lower());
        self.bm()[new_lower..old_lower].fill(0);
        self.set_lower(new_lower);
    }

    /// Packs every live item against the special area, leaving one contiguous free gap.
    /// Slots keep their numbers. Returns `false`, changing nothing, if the page's pointers
    /// are corrupt (an item outside the item area).
    pub fn compact(&mut self) -> bool {
        let special = self.special_offset();
        if special > PAGE_SIZE || self.upper() > special {
            return false;
        }
        let mut items: Vec<(u16, Slot)> = (0..self.slot_count())
            .filter_map(|i| self.slot(i).map(|s| (i, s)))
            .filter(|(_, s)| s.state == SlotState::Normal)
            .collect();
        // Move items in descending offset order so each copy goes to a place at or
        // above its source and never overwrites an item not yet moved.
        items.sort_unstable_by_key(|(_, s)| std::cmp::Reverse(s.offset));
        let old_upper = self.upper();
        let live: usize = items.iter().map(|(_, s)| s.len as usize).sum();
        let in_bounds = items.iter().all(|(_, s)| {
            s.offset as usize >= old_upper && s.offset as usize + s.len as usize <= special
        });
        if !in_bounds || live > special.saturating_sub(self.lower()) {
            return false;
        }
        let mut upper = special;
        for (i, s) in items {
            let len = s.len as usize;
            let src = s.offset as usize;
            upper -= len;
            self.bm().copy_within(src..src + len, upper);
            self.write_slot(
                i,
                Slot {
                    offset: upper as u16,
                    ..s
                },
            );
        }
        if old_upper < upper {
            self.bm()[old_upper..upper].fill(0);
        }
        self.set_upper(upper);
        true
    }

    /// The special area, for changes.
    pub fn special_mut(&mut self) -> &mut [u8] {
        let start = self.special_offset().min(PAGE_SIZE);
        &mut self.bm()[start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page() -> Vec<u8> {
        vec![0u8; PAGE_SIZE]
    }

    #[test]
    fn insert_get_and_reuse_unused_slots() {
        let mut buf = page();
        let mut p = SlottedPage::init(&mut buf[..], PageType::Heap, 0);
        let a = p.insert(b"alpha").unwrap();
        let b = p.insert(b"beta").unwrap();
        assert_eq!((a, b), (0, 1));
        assert_eq!(p.get(a), Some(&b"alpha"[..]));
        p.set_dead(a);
        assert_eq!(p.get(a), None);
        assert_eq!(p.insert(b"gamma"), Some(2), "dead slots are not reused");
        p.set_unused(a);
        assert_eq!(p.insert(b"delta"), Some(0), "unused slots are reused");
        assert!(p.validate().is_ok());
    }

    #[test]
    fn fills_up_then_compaction_reclaims_space() {
        let mut buf = page();
        let mut p = SlottedPage::init(&mut buf[..], PageType::Heap, 16);
        let item = [7u8; 100];
        let mut n = 0;
        while p.insert(&item).is_some() {
            n += 1;
        }
        assert_eq!(n, (PAGE_SIZE - HEADER_SIZE - 16) / 104);
        for i in (0..n).step_by(2) {
            p.set_dead(i as u16);
        }
        // Space of dead items is reclaimed by compaction on the next insert.
        assert!(p.insert(&[1u8; 150]).is_some());
        assert!(p.validate().is_ok());
        for i in (1..n).step_by(2) {
            assert_eq!(p.get(i as u16), Some(&item[..]));
        }
    }

    #[test]
    fn sorted_insert_and_remove_shift_slots() {
        let mut buf = page();
        let mut p = SlottedPage::init(&mut buf[..], PageType::BTreeLeaf, 8);
        assert!(p.insert_at(0, b"b"));
        assert!(p.insert_at(0, b"a"));
        assert!(p.insert_at(2, b"d"));
        assert!(p.insert_at(2, b"c"));
        let all: Vec<_> = (0..p.slot_count())
            .map(|i| p.get(i).unwrap().to_vec())
            .collect();
        assert_eq!(
            all,
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]
        );
        p.remove_at(1);
        let all: Vec<_> = (0..p.slot_count())
            .map(|i| p.get(i).unwrap().to_vec())
            .collect();
        assert_eq!(all, vec![b"a".to_vec(), b"c".to_vec(), b"d".to_vec()]);
        assert!(!p.insert_at(9, b"x"));
        p.truncate(1);
        assert_eq!(p.slot_count(), 1);
        assert!(p.validate().is_ok());
    }

    #[test]
    fn corrupt_pointers_fail_validation_without_panicking() {
        let mut buf = page();
        SlottedPage::init(&mut buf[..], PageType::Heap, 0)
            .insert(b"x")
            .unwrap();
        buf[HEADER_SIZE] = 0xff; // slot 0 offset now points far away
        buf[HEADER_SIZE + 1] = 0xff;
        let p = SlottedPage::new(&buf[..]);
        assert!(p.validate().is_err());
        assert_eq!(p.get(0), None);
    }

    #[test]
    fn out_of_order_pointers_fail_the_constant_time_check() {
        let mut buf = page();
        SlottedPage::init(&mut buf[..], PageType::Heap, 0)
            .insert(b"x")
            .unwrap();
        assert!(SlottedPage::new(&buf[..]).validate_pointers().is_ok());
        wr16(&mut buf, LOWER_OFF, (PAGE_SIZE + 4) as u16);
        let p = SlottedPage::new(&buf[..]);
        assert!(p.validate_pointers().is_err());
        assert!(p.validate().is_err());
    }

    #[test]
    fn corrupt_items_make_inserts_fail_not_panic() {
        let mut buf = page();
        let mut p = SlottedPage::init(&mut buf[..], PageType::Heap, 0);
        while p.insert(&[5u8; 700]).is_some() {}
        // Point slot 0 past the end of the page.
        buf[HEADER_SIZE..HEADER_SIZE + 2].copy_from_slice(&8000u16.to_le_bytes());
        let mut p = SlottedPage::new(&mut buf[..]);
        p.set_dead(1);
        assert!(!p.compact());
        assert_eq!(p.insert(&[1u8; 600]), None);
        assert!(!p.insert_at(0, &[1u8; 600]));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Vec<u8>),
        Kill(usize),
        Free(usize),
        Replace(usize, Vec<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..600).prop_map(Op::Insert),
            1 => any::<usize>().prop_map(Op::Kill),
            1 => any::<usize>().prop_map(Op::Free),
            2 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 0..900))
                .prop_map(|(i, d)| Op::Replace(i, d)),
        ]
    }

    proptest! {
        /// The slotted page behaves like a map from slot to bytes under any sequence of
        /// inserts, deletes and replacements, and always validates.
        #[test]
        fn behaves_like_a_slot_map(ops in proptest::collection::vec(op(), 1..200)) {
            let mut buf = page();
            let mut p = SlottedPage::init(&mut buf[..], PageType::Heap, 0);
            let mut model: std::collections::BTreeMap<u16, Vec<u8>> = Default::default();
            let mut dead: std::collections::BTreeSet<u16> = Default::default();
            for op in ops {
                match op {
                    Op::Insert(d) => {
                        if let Some(s) = p.insert(&d) {
                            prop_assert!(!model.contains_key(&s) && !dead.contains(&s));
                            model.insert(s, d);
                        } else {
                            prop_assert!(!p.fits(d.len(), p.first_unused().is_none()));
                        }
                    }
                    Op::Kill(i) if !model.is_empty() => {
                        let s = *model.keys().nth(i % model.len()).unwrap();
                        model.remove(&s);
                        p.set_dead(s);
                        dead.insert(s);
                    }
                    Op::Free(i) if !dead.is_empty() => {
                        let s = *dead.iter().nth(i % dead.len()).unwrap();
                        dead.remove(&s);
                        p.set_unused(s);
                    }
                    Op::Replace(i, d) if !model.is_empty() => {
                        let s = *model.keys().nth(i % model.len()).unwrap();
                        if p.replace(s, &d) {
                            model.insert(s, d);
                        }
                    }
                    _ => {}
                }
                prop_assert!(p.validate().is_ok(), "{:?}", p.validate());
                let (lower, upper) = (p.lower(), p.upper());
                prop_assert!(p.b()[lower..upper].iter().all(|&b| b == 0), "free gap not zeroed");
                for (s, d) in &model {
                    prop_assert_eq!(p.get(*s), Some(&d[..]));
                }
            }
        }
    }
}
