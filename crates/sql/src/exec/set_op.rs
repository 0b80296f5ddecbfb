//! UNION, INTERSECT and EXCEPT, with and without ALL.
//!
//! * `UNION ALL` concatenates.
//! * `UNION` streams both inputs, dropping rows already seen.
//! * `INTERSECT [ALL]` / `EXCEPT [ALL]` count each distinct row's occurrences on the
//!   right, then stream the left: INTERSECT ALL emits a row as many times as it occurs
//!   on both sides (the smaller count), EXCEPT ALL as many times as its left count
//!   exceeds its right count; without ALL, each qualifying row once.
//!
//! Rows compare as "not distinct" (NULLs equal), as set operations require. The hash
//! tables are bounded by `work_mem` (ERR-SQL-011 beyond it).

use std::collections::HashMap;

use rustydb_common::DbError;

use super::{Batch, BoxOp, Exec, Operator, row_size, work_mem_exceeded};
use crate::plan::logical::SetOpKind;
use crate::types::compare::GroupKey;

/// A set operation.
#[derive(Debug)]
pub(crate) struct SetOpOp {
    kind: SetOpKind,
    all: bool,
    left: BoxOp,
    right: BoxOp,
    /// For UNION: rows seen. For INTERSECT / EXCEPT: the right side's counts, then
    /// (without ALL) decremented to zero once a row was emitted.
    counts: Option<HashMap<GroupKey, u64>>,
    bytes: usize,
    left_done: bool,
}

impl SetOpOp {
    pub(crate) fn new(kind: SetOpKind, all: bool, left: BoxOp, right: BoxOp) -> SetOpOp {
        SetOpOp {
            kind,
            all,
            left,
            right,
            counts: None,
            bytes: 0,
            left_done: false,
        }
    }

    fn remember(&mut self, key: GroupKey, work_mem: usize) -> Result<bool, DbError> {
        let counts = self.counts.get_or_insert_with(HashMap::new);
        let size = row_size(&key.0) + 24;
        let c = counts.entry(key).or_insert(0);
        *c += 1;
        if *c == 1 {
            self.bytes += size;
            if self.bytes > work_mem {
                return Err(work_mem_exceeded("set operation", work_mem));
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn union(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        loop {
            let batch = if !self.left_done {
                match self.left.next_batch(ex)? {
                    Some(b) => b,
                    None => {
                        self.left_done = true;
                        continue;
                    }
                }
            } else {
                match self.right.next_batch(ex)? {
                    Some(b) => b,
                    None => return Ok(None),
                }
            };
            if self.all {
                return Ok(Some(batch));
            }
            let mut out = Vec::new();
            for row in batch {
                if self.remember(GroupKey(row.clone()), ex.cx.work_mem)? {
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }

    fn intersect_except(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.counts.is_none() {
            self.counts = Some(HashMap::new());
            while let Some(batch) = self.right.next_batch(ex)? {
                for row in batch {
                    self.remember(GroupKey(row), ex.cx.work_mem)?;
                }
            }
        }
        let intersect = self.kind == SetOpKind::Intersect;
        while let Some(batch) = self.left.next_batch(ex)? {
            let mut out = Vec::new();
            let counts = self.counts.as_mut().expect("built above");
            for row in batch {
                let key = GroupKey(row.clone());
                // Without ALL each distinct row is emitted once: INTERSECT zeroes the
                // row's count when it emits it, EXCEPT records it with a zero count.
                let c = counts.get_mut(&key);
                let keep = match (intersect, self.all, c) {
                    (true, true, Some(c)) if *c > 0 => {
                        *c -= 1;
                        true
                    }
                    (true, false, Some(c)) if *c > 0 => {
                        *c = 0;
                        true
                    }
                    (true, _, _) => false,
                    (false, true, Some(c)) if *c > 0 => {
                        *c -= 1;
                        false
                    }
                    (false, true, _) => true,
                    (false, false, Some(_)) => false,
                    (false, false, None) => {
                        counts.insert(key, 0);
                        true
                    }
                };
                if keep {
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

impl Operator for SetOpOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        match self.kind {
            SetOpKind::Union => self.union(ex),
            SetOpKind::Intersect | SetOpKind::Except => self.intersect_except(ex),
        }
    }
}
