//! Range scans: a cursor that copies one leaf's entries at a time and holds no latch in
//! between (what a scan sees under concurrent writers is described in [`super`]).
//!
//! The cursor's bounds double as its position: after a batch runs out, the bound on the
//! side it came from is moved to just past the last key returned, and the next batch is
//! found by a fresh descent from the root. Forward, a leaf with nothing left in range is
//! followed by its right neighbour, latched before the leaf is released. Backward there is
//! no left link: the cursor descends again for the keys below the leaf's lower bound.

use std::collections::VecDeque;
use std::ops::Bound;

use super::BTree;
use super::node::{Node, Seek};
use crate::error::Result;

/// The order of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending keys.
    Forward,
    /// Descending keys.
    Backward,
}

/// A scan over a key range of a [`BTree`]; see [`BTree::range`].
#[derive(Debug)]
pub struct Cursor {
    tree: BTree,
    dir: Direction,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    batch: VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Set when the batch holds the last entries in range.
    exhausted: bool,
}

fn above(key: &[u8], upper: &Bound<Vec<u8>>) -> bool {
    match upper {
        Bound::Unbounded => false,
        Bound::Included(u) => key > u.as_slice(),
        Bound::Excluded(u) => key >= u.as_slice(),
    }
}

fn below(key: &[u8], lower: &Bound<Vec<u8>>) -> bool {
    match lower {
        Bound::Unbounded => false,
        Bound::Included(l) => key < l.as_slice(),
        Bound::Excluded(l) => key <= l.as_slice(),
    }
}

/// Whether no key below `key` is in range.
fn nothing_below(key: &[u8], lower: &Bound<Vec<u8>>) -> bool {
    match lower {
        Bound::Unbounded => false,
        Bound::Included(l) | Bound::Excluded(l) => key <= l.as_slice(),
    }
}

impl Cursor {
    pub(super) fn new(
        tree: BTree,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        dir: Direction,
    ) -> Cursor {
        Cursor {
            tree,
            dir,
            lower,
            upper,
            batch: VecDeque::new(),
            exhausted: false,
        }
    }

    /// The next entry in range, or `None` at the end. After an error the cursor may be
    /// called again; it resumes after the last entry it returned.
    #[allow(
        clippy::should_implement_trait,
        reason = "an `Iterator` could not return errors as `Result<Option<_>>`, which `?` needs"
    )]
    pub fn next(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        loop {
            if let Some(entry) = self.batch.pop_front() {
                if self.batch.is_empty() {
                    // Move the position past this entry before it is handed out.
                    let past = Bound::Excluded(entry.0.clone());
                    match self.dir {
                        Direction::Forward => self.lower = past,
                        Direction::Backward => self.upper = past,
                    }
                }
                return Ok(Some(entry));
            }
            if self.exhausted {
                return Ok(None);
            }
            match self.dir {
                Direction::Forward => self.fill_forward()?,
                Direction::Backward => self.fill_backward()?,
            }
        }
    }

    /// Fills the batch from the first leaf holding keys above the lower bound.
    fn fill_forward(&mut self) -> Result<()> {
        let tree = &self.tree;
        let seek = match &self.lower {
            Bound::Unbounded => Seek::First,
            Bound::Included(k) | Bound::Excluded(k) => Seek::Key(k),
        };
        let (mut leaf, _) = tree.descend_read(seek, false)?;
        let mut steps: u64 = 0;
        loop {
            let node = Node::open(leaf.id(), &leaf)?;
            let start = match &self.lower {
                Bound::Unbounded => 0,
                Bound::Included(k) => node.lower_bound(k)?,
                Bound::Excluded(k) => node.upper_bound(k)?,
            };
            let mut prev: Option<&[u8]> = None;
            for i in start..node.count() {
                let (k, v) = node.entry(i)?;
                if prev.is_some_and(|p| p >= k) {
                    return Err(node.err(format!("keys out of order at slot {i}")));
                }
                prev = Some(k);
                if above(k, &self.upper) {
                    self.exhausted = true;
                    break;
                }
                self.batch.push_back((k.to_vec(), v.to_vec()));
            }
            if node.right() == 0 {
                self.exhausted = true;
            }
            if self.exhausted || !self.batch.is_empty() {
                return Ok(());
            }
            // Nothing in range here: step right, latching the neighbour before letting go
            // of this leaf so nothing can move between them.
            steps += 1;
            if steps > u64::from(tree.storage.disk().nblocks(tree.rel)?) {
                return Err(node.err("the right links of the leaves form a cycle"));
            }
            if node.right() == leaf.id().page {
                return Err(node.err("the right link points at the page itself"));
            }
            let next = tree.latch_read(tree.page(node.right()))?;
            if !Node::open(next.id(), &next)?.is_leaf() {
                return Err(node.err(format!(
                    "right link {} does not lead to a leaf",
                    node.right()
                )));
            }
            leaf = next;
        }
    }

    /// Fills the batch, in descending order, from the last leaf holding keys below the
    /// upper bound.
    fn fill_backward(&mut self) -> Result<()> {
        let tree = &self.tree;
        // Keys at or above `before` were either returned or are out of range.
        let mut before: Option<Vec<u8>> = None;
        loop {
            let seek = match (&before, &self.upper) {
                (Some(b), _) => Seek::Before(b),
                (None, Bound::Unbounded) => Seek::Last,
                (None, Bound::Included(k)) => Seek::Key(k),
                (None, Bound::Excluded(k)) => Seek::Before(k),
            };
            let (leaf, low) = tree.descend_read(seek, true)?;
            let node = Node::open(leaf.id(), &leaf)?;
            let end = match (&before, &self.upper) {
                (Some(b), _) => node.lower_bound(b)?,
                (None, Bound::Unbounded) => node.count(),
                (None, Bound::Included(k)) => node.upper_bound(k)?,
                (None, Bound::Excluded(k)) => node.lower_bound(k)?,
            };
            let mut prev: Option<&[u8]> = None;
            for i in (0..end).rev() {
                let (k, v) = node.entry(i)?;
                if prev.is_some_and(|p| p <= k) {
                    return Err(node.err(format!("keys out of order at slot {i}")));
                }
                prev = Some(k);
                if below(k, &self.lower) {
                    self.exhausted = true;
                    break;
                }
                self.batch.push_back((k.to_vec(), v.to_vec()));
            }
            match low {
                // Everything left of this leaf is below `low`, hence out of range.
                Some(low) if nothing_below(&low, &self.lower) => {
                    self.exhausted = true;
                }
                Some(low) => before = Some(low),
                None => self.exhausted = true,
            }
            if self.exhausted || !self.batch.is_empty() {
                return Ok(());
            }
        }
    }
}
