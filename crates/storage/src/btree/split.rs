//! Dividing items between two nodes (splits, redistributions) and joining two nodes'
//! items into one (merges). Pure functions over item lists; the callers rewrite the pages.
//!
//! For a leaf, the items divide at some `m`: `left = items[..m]`, `right = items[m..]`,
//! and the separator is the shortest key between the last left and the first right key.
//! For an internal node, item `m` moves *up*: its separator becomes the separator in the
//! parent and its child becomes the right node's leftmost child (an item with an empty
//! key). Joining is the inverse: the parent's separator comes back down onto the right
//! node's leftmost child.

use super::node::{
    MAX_ITEM_COST, USABLE, internal_item, shortest_separator, split_internal_item, split_leaf_item,
};
use crate::page::slotted::SLOT_SIZE;

/// Cost of an internal node's leftmost item (a child pointer without a key) with its slot.
const LEFTMOST_COST: usize = 4 + SLOT_SIZE;

/// Where a divided node's items went.
#[derive(Debug)]
pub(super) struct Halves {
    pub(super) left: Vec<Vec<u8>>,
    pub(super) right: Vec<Vec<u8>>,
    /// The separator for the parent: every key of `right` is at or above it, every key of
    /// `left` below.
    pub(super) separator: Vec<u8>,
}

/// Bytes `items` take in a node, slots included.
pub(super) fn total_cost(items: &[Vec<u8>]) -> usize {
    items.iter().map(|i| i.len() + SLOT_SIZE).sum()
}

/// Divides the sorted `items` of a node of `level` between a left and a right node so
/// that both fit and the left one gets as close as possible to `target` of the bytes.
/// `None` if no division fits, which item sizes capped at [`MAX_ITEM_COST`] rule out for
/// anything up to two nodes' worth; the callers treat it as a bug.
pub(super) fn divide(level: u16, mut items: Vec<Vec<u8>>, target: f64) -> Option<Halves> {
    if items.iter().any(|i| i.len() + SLOT_SIZE > MAX_ITEM_COST) {
        return None;
    }
    let n = items.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0usize);
    for item in &items {
        prefix.push(prefix.last().copied().unwrap_or(0) + item.len() + SLOT_SIZE);
    }
    let total = prefix[n];
    let mut best: Option<(usize, f64)> = None;
    for m in 1..n {
        let left = prefix[m];
        let right = if level == 0 {
            total - prefix[m]
        } else {
            LEFTMOST_COST + total - prefix[m + 1]
        };
        if left > USABLE || right > USABLE {
            continue;
        }
        let miss = (left as f64 - target * (left + right) as f64).abs();
        if best.is_none_or(|(_, b)| miss < b) {
            best = Some((m, miss));
        }
    }
    let (m, _) = best?;
    let mut right = items.split_off(m);
    let separator = if level == 0 {
        let (last, _) = split_leaf_item(items.last()?)?;
        let (first, _) = split_leaf_item(right.first()?)?;
        shortest_separator(last, first)
    } else {
        let (child, key) = split_internal_item(right.first()?)?;
        let separator = key.to_vec();
        right[0] = internal_item(child, b"");
        separator
    };
    Some(Halves {
        left: items,
        right,
        separator,
    })
}

/// The items of a left and a right node of `level` as one sorted list; `separator` is the
/// parent's separator between them. `None` if the right node's leftmost item is malformed.
pub(super) fn join(
    level: u16,
    mut left: Vec<Vec<u8>>,
    mut right: Vec<Vec<u8>>,
    separator: &[u8],
) -> Option<Vec<Vec<u8>>> {
    if level > 0 {
        let (child, _) = split_internal_item(right.first()?)?;
        right[0] = internal_item(child, separator);
    }
    left.append(&mut right);
    Some(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree::node::leaf_item;

    #[test]
    fn a_leaf_divides_by_bytes_with_a_short_separator() {
        let items: Vec<Vec<u8>> = (0..40u8)
            .map(|i| leaf_item(&[b'k', i, 7, 7, 7], &[0u8; 300]))
            .collect();
        let h = divide(0, items, 0.5).unwrap();
        assert_eq!(h.left.len() + h.right.len(), 40);
        assert!(h.left.len().abs_diff(h.right.len()) <= 1);
        assert_eq!(h.separator, vec![b'k', h.left.len() as u8]);
        let h = divide(0, h.left.into_iter().chain(h.right).collect(), 0.9).unwrap();
        assert!(total_cost(&h.left) <= USABLE && total_cost(&h.left) > total_cost(&h.right));
    }

    #[test]
    fn an_internal_node_moves_its_middle_separator_up_and_joins_back() {
        let mut items = vec![internal_item(100, b"")];
        items.extend((1..30u32).map(|i| internal_item(100 + i, format!("sep{i:03}").as_bytes())));
        let h = divide(1, items.clone(), 0.5).unwrap();
        let m = h.left.len();
        assert_eq!(h.separator, format!("sep{m:03}").into_bytes());
        assert_eq!(h.right[0], internal_item(100 + m as u32, b""));
        assert_eq!(h.left.len() + h.right.len(), 30);
        let back = join(1, h.left, h.right, &h.separator).unwrap();
        assert_eq!(back, items);
    }
}
