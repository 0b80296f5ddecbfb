//! Index scans: walk a B+tree key range, fetch each entry's heap version, keep the ones
//! the snapshot sees and the filter accepts.
//!
//! Index entries are `encode_key(key columns) || 6-byte tid` with an empty value (see
//! [`super::modify`]); the memcomparable encoding makes byte order the key order, so
//! `a = 5 AND b > 3` on an index `(a, b)` is the byte range from just past every key
//! starting with `enc(5, 3)` to just before the first key greater than every key
//! starting with `enc(5)`:
//!
//! ```text
//!   eq prefix P = enc(5)     lower: b > 3  -> Included(succ(P ++ enc(3)))
//!                            upper: none   -> Excluded(succ(P))
//! ```
//!
//! where `succ(x)` is the smallest byte string greater than every string starting with
//! `x`. An index holds an entry for every version of a row (and, until vacuum, for dead
//! ones), so the entry only says where to look: the version is fetched through the
//! transaction, which returns it only if the snapshot sees it, and the whole filter is
//! evaluated again on the row, because a vacuumed slot may have been reused by an
//! unrelated row. A NULL key value never matches `=` or a range, so the scan is empty.

use std::ops::Bound;

use rustydb_common::DbError;
use rustydb_storage::{Cursor, Direction, Tid};

use super::eval::eval;
use super::scan::ScanPlan;
use super::{BATCH_SIZE, Batch, Exec, Operator};
use crate::catalog::IndexMeta;
use crate::keys::{encode_key_prefix, prefix_successor as successor};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::ScanAccess;
use crate::types::{DataType, Value, cast};

/// `Index Scan`.
#[derive(Debug)]
pub(crate) struct IndexScan {
    plan: ScanPlan,
    cursor: Option<Cursor>,
    done: bool,
}

impl IndexScan {
    pub(crate) fn new(plan: ScanPlan) -> IndexScan {
        IndexScan {
            plan,
            cursor: None,
            done: false,
        }
    }

    /// Evaluates the key bounds and opens the cursor; `None` if no key can match.
    fn open(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Cursor>, DbError> {
        let ScanAccess::Index {
            index,
            eq,
            lower,
            upper,
            reverse,
        } = &self.plan.access
        else {
            return Err(DbError::internal("index scan without an index"));
        };
        let dir = if *reverse {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let mut prefix_values = Vec::with_capacity(eq.len());
        let mut exact = true;
        for (i, e) in eq.iter().enumerate() {
            let v = eval(e, &[], ex)?;
            if v.is_null() {
                return Ok(None);
            }
            exact &= encodes_like(&v, &index.key_types[i]);
            prefix_values.push(v);
        }
        let mut bound = |b: &Option<(ScalarExpr, bool)>| -> Result<Option<(Value, bool)>, DbError> {
            b.as_ref()
                .map(|(e, incl)| eval(e, &[], ex).map(|v| (v, *incl)))
                .transpose()
        };
        let (lo, hi) = (bound(lower)?, bound(upper)?);
        if lo.as_ref().is_some_and(|(v, _)| v.is_null())
            || hi.as_ref().is_some_and(|(v, _)| v.is_null())
        {
            return Ok(None);
        }
        // A value that does not encode like the column's values (a parameter of another
        // type) cannot bound the byte range: scan more, and let the re-checked filter
        // decide.
        let range_ty = index.key_types.get(eq.len());
        let usable = |b: Option<(Value, bool)>| {
            b.filter(|(v, _)| range_ty.is_some_and(|t| encodes_like(v, t)))
        };
        let (lower, upper) = if exact {
            key_range(index, &prefix_values, usable(lo), usable(hi))
        } else {
            (Bound::Unbounded, Bound::Unbounded)
        };
        ex.txn()
            .note_index_read(index.btree.rel(), lower.clone(), upper.clone());
        Ok(Some(index.btree.range(lower, upper, dir)))
    }
}

/// Whether `v` is encoded in keys as the values of a column of type `ty` are.
pub(crate) fn encodes_like(v: &Value, ty: &DataType) -> bool {
    match (v, ty) {
        (Value::Text(_), DataType::Text | DataType::Varchar(_) | DataType::Char(_)) => true,
        _ => cast::same_base(&cast::value_type(v), ty),
    }
}

/// The byte range of entries whose key starts with `prefix` and whose next column lies
/// between `lo` and `hi` (value, inclusive).
pub(crate) fn key_range(
    index: &IndexMeta,
    prefix: &[Value],
    lo: Option<(Value, bool)>,
    hi: Option<(Value, bool)>,
) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let base = encode_prefix(index, prefix);
    if lo.is_none() && hi.is_none() {
        return if prefix.is_empty() {
            (Bound::Unbounded, Bound::Unbounded)
        } else {
            (
                Bound::Included(base.clone()),
                successor(&base).map_or(Bound::Unbounded, Bound::Excluded),
            )
        };
    }
    let with = |v: Value| {
        let mut vals = prefix.to_vec();
        vals.push(v);
        encode_prefix(index, &vals)
    };
    // In byte order: entries at or after `start`, and before `end`.
    let start_of = |v: Value, incl: bool| -> Bound<Vec<u8>> {
        let k = with(v);
        if incl {
            Bound::Included(k)
        } else {
            // All 0xFF cannot be exceeded; the re-checked filter drops the equal keys.
            successor(&k).map_or(Bound::Excluded(k), Bound::Included)
        }
    };
    let end_of = |v: Value, incl: bool| -> Bound<Vec<u8>> {
        let k = with(v);
        if incl {
            successor(&k).map_or(Bound::Unbounded, Bound::Excluded)
        } else {
            Bound::Excluded(k)
        }
    };
    let prefix_start = if prefix.is_empty() {
        Bound::Unbounded
    } else {
        Bound::Included(base.clone())
    };
    let prefix_end = if prefix.is_empty() {
        Bound::Unbounded
    } else {
        successor(&base).map_or(Bound::Unbounded, Bound::Excluded)
    };
    // A descending column stores larger values first: the value bounds swap ends.
    let desc = index.def.columns.get(prefix.len()).is_some_and(|c| c.desc);
    let (from_lo, from_hi) = if desc { (hi, lo) } else { (lo, hi) };
    let lower = match from_lo {
        Some((v, incl)) => start_of(v, incl),
        None => prefix_start,
    };
    let upper = match from_hi {
        Some((v, incl)) => end_of(v, incl),
        None => prefix_end,
    };
    (lower, upper)
}

/// The encoding of the leading key columns `values`.
pub(crate) fn encode_prefix(index: &IndexMeta, values: &[Value]) -> Vec<u8> {
    let cols = &index.def.columns[..values.len().min(index.def.columns.len())];
    let desc: Vec<bool> = cols.iter().map(|c| c.desc).collect();
    let mut out = Vec::new();
    encode_key_prefix(values, &desc, &mut out);
    out
}

/// The heap version an index entry points at.
pub(crate) fn entry_tid(key: &[u8]) -> Result<Tid, DbError> {
    key.len()
        .checked_sub(Tid::ENCODED_LEN)
        .and_then(|at| Tid::decode(&key[at..]))
        .ok_or_else(|| DbError::internal("index entry shorter than a tuple id"))
}

impl Operator for IndexScan {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.done {
            return Ok(None);
        }
        ex.check_interrupts()?;
        if self.cursor.is_none() {
            ex.lock_relation(self.plan.table.heap.rel(), false)?;
            match self.open(ex)? {
                Some(c) => self.cursor = Some(c),
                None => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let heap = self.plan.table.heap.clone();
        let mut out = Vec::new();
        let mut examined = 0usize;
        while out.len() < BATCH_SIZE {
            let Some((key, _)) = self.cursor.as_mut().expect("opened above").next()? else {
                self.done = true;
                self.cursor = None;
                break;
            };
            examined += 1;
            if examined.is_multiple_of(BATCH_SIZE) {
                ex.check_interrupts()?;
            }
            let tid = entry_tid(&key)?;
            let Some(bytes) = ex.txn().fetch(&heap, tid)? else {
                continue;
            };
            if let Some(row) = self.plan.produce(&bytes, tid, ex)? {
                out.push(row);
            }
        }
        Ok(if out.is_empty() && self.done {
            None
        } else {
            Some(out)
        })
    }
}
