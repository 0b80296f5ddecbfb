//! `WindowAgg`: window functions. The output is each input row followed by one column
//! per window call.
//!
//! The input is read whole. Calls sharing a window (the same PARTITION BY and ORDER BY)
//! are evaluated together: the rows are sorted by the partition keys then the order
//! keys (a stable sort, so peers keep their input order), cut into partitions where the
//! partition key changes, and each partition is handed to [`super::window_frame`] once
//! per call. Rows come out in the order of the last window's sort, as PostgreSQL's
//! stacked WindowAgg nodes produce them.

use std::cmp::Ordering;

use rustydb_common::DbError;

use super::eval::eval_all;
use super::sort::{KeyOrder, compare_keys, orders};
use super::window_frame::{Partition, evaluate};
use super::{Batch, BoxOp, Buffered, Exec, Operator, Row};
use crate::plan::logical::WindowCall;
use crate::types::Value;

/// `WindowAgg`.
#[derive(Debug)]
pub(crate) struct WindowOp {
    input: BoxOp,
    calls: Vec<WindowCall>,
    output: Buffered,
}

impl WindowOp {
    pub(crate) fn new(input: BoxOp, calls: Vec<WindowCall>) -> WindowOp {
        WindowOp {
            input,
            calls,
            output: Buffered::default(),
        }
    }

    /// Groups calls by window: calls with equal PARTITION BY and ORDER BY (compared by
    /// their printed form, which identifies a bound expression) share one sort.
    fn windows(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, c) in self.calls.iter().enumerate() {
            let sig = format!("{:?}|{:?}", c.partition_by, c.order_by);
            match groups.iter_mut().find(|(s, _)| *s == sig) {
                Some((_, v)) => v.push(i),
                None => groups.push((sig, vec![i])),
            }
        }
        groups.into_iter().map(|(_, v)| v).collect()
    }

    fn compute(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let mut rows: Vec<Row> = Vec::new();
        while let Some(b) = self.input.next_batch(ex)? {
            rows.extend(b);
        }
        let mut results: Vec<Vec<Value>> = vec![Vec::new(); self.calls.len()];
        let mut order: Vec<usize> = (0..rows.len()).collect();
        for window in self.windows() {
            let spec = &self.calls[window[0]];
            let mut part_keys = Vec::with_capacity(rows.len());
            let mut sort_keys = Vec::with_capacity(rows.len());
            let order_exprs: Vec<_> = spec.order_by.iter().map(|k| k.expr.clone()).collect();
            for row in &rows {
                part_keys.push(eval_all(&spec.partition_by, row, ex)?);
                sort_keys.push(eval_all(&order_exprs, row, ex)?);
            }
            ex.check_interrupts()?;
            let key_order: Vec<KeyOrder> = orders(&spec.order_by);
            let part_order: Vec<KeyOrder> = vec![(false, false); spec.partition_by.len()];
            order = (0..rows.len()).collect();
            order.sort_by(|&a, &b| {
                compare_keys(&part_keys[a], &part_keys[b], &part_order)
                    .then_with(|| compare_keys(&sort_keys[a], &sort_keys[b], &key_order))
            });
            for &ci in &window {
                results[ci] = vec![Value::Null; rows.len()];
            }
            let mut start = 0;
            while start < order.len() {
                let mut end = start + 1;
                while end < order.len()
                    && compare_keys(
                        &part_keys[order[start]],
                        &part_keys[order[end]],
                        &part_order,
                    ) == Ordering::Equal
                {
                    end += 1;
                }
                let members = &order[start..end];
                let keys: Vec<&[Value]> =
                    members.iter().map(|&i| sort_keys[i].as_slice()).collect();
                let nulls = keys
                    .iter()
                    .filter(|k| k.first().is_some_and(Value::is_null))
                    .count();
                let nulls_first = key_order.first().is_some_and(|o| o.1);
                let non_null = if nulls_first {
                    (nulls, keys.len())
                } else {
                    (0, keys.len() - nulls)
                };
                let part = Partition {
                    rows: members.iter().map(|&i| &rows[i]).collect(),
                    keys,
                    order: &key_order,
                    non_null,
                };
                for &ci in &window {
                    let values = evaluate(&self.calls[ci], &part, ex)?;
                    for (&i, v) in members.iter().zip(values) {
                        results[ci][i] = v;
                    }
                }
                ex.check_interrupts()?;
                start = end;
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        for i in order {
            let mut row = rows[i].take().expect("each row once");
            for r in &mut results {
                row.push(std::mem::replace(&mut r[i], Value::Null));
            }
            out.push(row);
        }
        Ok(out)
    }
}

impl Operator for WindowOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if !self.output.is_filled() {
            let rows = self.compute(ex)?;
            self.output.fill(rows);
        }
        Ok(self.output.next_batch())
    }
}
