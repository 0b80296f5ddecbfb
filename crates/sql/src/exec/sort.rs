//! `Sort`: ORDER BY, in memory while the rows fit in `work_mem`, as an external merge
//! sort beyond; and top-N when the plan knows how many rows are needed.
//!
//! Each row's sort keys are evaluated once, then rows are compared key by key with the
//! types' sort order, `DESC` reversing it and NULLs placed by `NULLS FIRST/LAST`. The
//! sort is stable, so rows with equal keys keep their input order.
//!
//! * **Top-N** (`limit` set, from `ORDER BY .. LIMIT n`): a bounded max-heap keeps the
//!   `n` smallest rows seen, so memory is `n` rows whatever the input size.
//! * **External merge**: rows accumulate until their estimated size passes `work_mem`;
//!   that run is sorted and written to a temporary file ([`super::spill`]). At the end
//!   the runs are merged with a heap of their heads, at most [`MAX_FANIN`] at a time
//!   (earlier passes merge groups of runs into longer runs). The files are deleted when
//!   the operator is dropped, including when the statement fails.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use rustydb_common::DbError;

use super::eval::eval_all;
use super::instrument::add_detail;
use super::spill::{Run, RunReader, RunWriter};
use super::{BATCH_SIZE, Batch, BoxOp, Exec, NodeKey, Operator, Row, row_size};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::SortKey;
use crate::types::{DataType, Value, compare};

/// Most runs merged at once.
const MAX_FANIN: usize = 64;

/// Direction flags of one key: (DESC, NULLS FIRST).
pub(crate) type KeyOrder = (bool, bool);

/// Compares two key tuples under `order`.
pub(crate) fn compare_keys(a: &[Value], b: &[Value], order: &[KeyOrder]) -> Ordering {
    for ((x, y), &(desc, nulls_first)) in a.iter().zip(b).zip(order) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let o = compare::sort_cmp(x, y);
                if desc { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The order flags of sort keys.
pub(crate) fn orders(keys: &[SortKey]) -> Vec<KeyOrder> {
    keys.iter().map(|k| (k.desc, k.nulls_first)).collect()
}

/// A row with its keys and input position (for stability), ordered by keys.
#[derive(Debug)]
struct Entry {
    keys: Vec<Value>,
    seq: u64,
    row: Row,
    order: Arc<[KeyOrder]>,
    /// The run it came from, while merging.
    run: usize,
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        compare_keys(&self.keys, &other.keys, &self.order).then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// Where sorted rows come from once the input is consumed.
#[derive(Debug)]
enum Output {
    Memory(std::vec::IntoIter<Row>),
    Merge(Merger),
}

/// `Sort`.
#[derive(Debug)]
pub(crate) struct SortOp {
    input: BoxOp,
    exprs: Vec<ScalarExpr>,
    order: Arc<[KeyOrder]>,
    limit: Option<u64>,
    width: usize,
    key: NodeKey,
    output: Option<Output>,
}

impl SortOp {
    pub(crate) fn new(
        input: BoxOp,
        keys: Vec<SortKey>,
        limit: Option<u64>,
        types: Vec<DataType>,
        key: NodeKey,
    ) -> SortOp {
        SortOp {
            input,
            order: orders(&keys).into(),
            exprs: keys.into_iter().map(|k| k.expr).collect(),
            limit,
            width: types.len(),
            key,
            output: None,
        }
    }

    fn entry(&self, row: Row, seq: u64, ex: &mut Exec<'_, '_>) -> Result<Entry, DbError> {
        Ok(Entry {
            keys: eval_all(&self.exprs, &row, ex)?,
            seq,
            row,
            order: self.order.clone(),
            run: 0,
        })
    }

    fn top_n(&mut self, n: u64, ex: &mut Exec<'_, '_>) -> Result<Output, DbError> {
        let mut heap: BinaryHeap<Entry> = BinaryHeap::new();
        let mut seq = 0;
        while let Some(batch) = self.input.next_batch(ex)? {
            for row in batch {
                let e = self.entry(row, seq, ex)?;
                seq += 1;
                if (heap.len() as u64) < n {
                    heap.push(e);
                } else if heap.peek().is_some_and(|top| e < *top) {
                    heap.pop();
                    heap.push(e);
                }
            }
        }
        let bytes: usize = heap
            .iter()
            .map(|e| row_size(&e.row) + row_size(&e.keys))
            .sum();
        add_detail(
            ex,
            self.key,
            format!(
                "Sort Method: top-N heapsort  Memory: {}kB",
                bytes.div_ceil(1024).max(1)
            ),
        );
        Ok(Output::Memory(
            heap.into_sorted_vec()
                .into_iter()
                .map(|e| e.row)
                .collect::<Vec<_>>()
                .into_iter(),
        ))
    }

    fn full(&mut self, ex: &mut Exec<'_, '_>) -> Result<Output, DbError> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut bytes = 0usize;
        let mut peak = 0usize;
        let mut runs: Vec<Run> = Vec::new();
        let mut seq = 0;
        while let Some(batch) = self.input.next_batch(ex)? {
            for row in batch {
                let e = self.entry(row, seq, ex)?;
                seq += 1;
                bytes += row_size(&e.row) + row_size(&e.keys);
                entries.push(e);
                if bytes > ex.cx.work_mem {
                    runs.push(write_run(std::mem::take(&mut entries), ex)?);
                    peak = peak.max(bytes);
                    bytes = 0;
                }
            }
        }
        if runs.is_empty() {
            entries.sort();
            add_detail(
                ex,
                self.key,
                format!(
                    "Sort Method: quicksort  Memory: {}kB",
                    bytes.div_ceil(1024).max(1)
                ),
            );
            return Ok(Output::Memory(
                entries
                    .into_iter()
                    .map(|e| e.row)
                    .collect::<Vec<_>>()
                    .into_iter(),
            ));
        }
        if !entries.is_empty() {
            runs.push(write_run(entries, ex)?);
        }
        let disk: u64 = runs.iter().map(|r| r.bytes).sum();
        add_detail(
            ex,
            self.key,
            format!(
                "Sort Method: external merge  Disk: {}kB",
                disk.div_ceil(1024)
            ),
        );
        let width = (self.exprs.len(), self.width);
        while runs.len() > MAX_FANIN {
            let rest = runs.split_off(MAX_FANIN);
            let mut merger = Merger::new(runs, width, self.order.clone())?;
            let mut w = RunWriter::create()?;
            while let Some(e) = merger.next(ex)? {
                let mut rec = e.keys;
                rec.extend(e.row);
                w.write(&rec)?;
            }
            runs = rest;
            runs.push(w.finish()?);
        }
        let _ = peak;
        Ok(Output::Merge(Merger::new(runs, width, self.order.clone())?))
    }
}

/// Sorts `entries` and writes them as a run of `keys ++ row` records.
fn write_run(mut entries: Vec<Entry>, ex: &Exec<'_, '_>) -> Result<Run, DbError> {
    ex.check_interrupts()?;
    entries.sort();
    let mut w = RunWriter::create()?;
    for e in entries {
        let mut rec = e.keys;
        rec.extend(e.row);
        w.write(&rec)?;
    }
    w.finish()
}

/// Merges sorted runs.
#[derive(Debug)]
struct Merger {
    runs: Vec<Run>,
    readers: Vec<RunReader>,
    heads: BinaryHeap<std::cmp::Reverse<Entry>>,
    width: (usize, usize),
    order: Arc<[KeyOrder]>,
    seq: u64,
}

impl Merger {
    fn new(
        runs: Vec<Run>,
        width: (usize, usize),
        order: Arc<[KeyOrder]>,
    ) -> Result<Merger, DbError> {
        let readers = runs
            .iter()
            .map(Run::reader)
            .collect::<Result<Vec<_>, _>>()?;
        let mut m = Merger {
            runs,
            readers,
            heads: BinaryHeap::new(),
            width,
            order,
            seq: 0,
        };
        for i in 0..m.readers.len() {
            m.refill(i)?;
        }
        Ok(m)
    }

    /// Reads run `i`'s next record into the heap. Runs are numbered in input order
    /// and each is stable, so ordering ties by (run, position) keeps the sort stable.
    fn refill(&mut self, i: usize) -> Result<(), DbError> {
        if let Some(mut rec) = self.readers[i].next(self.width.0 + self.width.1)? {
            let row = rec.split_off(self.width.0);
            self.seq += 1;
            let seq = ((i as u64) << 40) | self.seq;
            self.heads.push(std::cmp::Reverse(Entry {
                keys: rec,
                seq,
                row,
                order: self.order.clone(),
                run: i,
            }));
        }
        Ok(())
    }

    fn next(&mut self, ex: &Exec<'_, '_>) -> Result<Option<Entry>, DbError> {
        let Some(std::cmp::Reverse(e)) = self.heads.pop() else {
            self.runs.clear();
            return Ok(None);
        };
        if e.seq & 0x3FF == 0 {
            ex.check_interrupts()?;
        }
        self.refill(e.run)?;
        Ok(Some(e))
    }
}

impl Operator for SortOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.output.is_none() {
            let out = match self.limit {
                Some(n) => self.top_n(n, ex)?,
                None => self.full(ex)?,
            };
            self.output = Some(out);
        }
        let mut out = Vec::new();
        match self.output.as_mut().expect("set above") {
            Output::Memory(rows) => out.extend(rows.by_ref().take(BATCH_SIZE)),
            Output::Merge(m) => {
                while out.len() < BATCH_SIZE {
                    match m.next(ex)? {
                        Some(e) => out.push(e.row),
                        None => break,
                    }
                }
            }
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}
