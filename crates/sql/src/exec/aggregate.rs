//! `Aggregate`: GROUP BY and aggregate calls, three ways.
//!
//! * **Hash** (`HashAggregate`): a hash table from group key to the groups' states; rows
//!   come out after the input ends, in order of first appearance. Keys are grouped by
//!   value equality with NULLs together, as GROUP BY requires. The table must fit in
//!   `work_mem` (ERR-SQL-011 otherwise; hash aggregation does not spill).
//! * **Sorted** (`GroupAggregate`): the input arrives sorted on the keys; a group ends
//!   when the key changes, so only one group is in memory.
//! * **Plain** (`Aggregate`): no GROUP BY, one output row even over no input (`count`
//!   0, the others NULL).
//!
//! Each call's state applies its `FILTER (WHERE ..)` first, then `DISTINCT` (a set of
//! the argument tuples seen), then either feeds the accumulator directly or, with an
//! `ORDER BY` inside the call (`string_agg(x, ',' ORDER BY y)`), buffers the arguments
//! and feeds them in that order when the group ends.

use std::collections::{HashMap, HashSet};

use rustydb_common::DbError;

use super::accumulator::Accumulator;
use super::eval::{eval_all, eval_predicate};
use super::sort::{KeyOrder, compare_keys, orders};
use super::{BATCH_SIZE, Batch, BoxOp, Buffered, Exec, Operator, Row, row_size, work_mem_exceeded};
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{AggStrategy, AggregateCall};
use crate::types::Value;
use crate::types::compare::GroupKey;

/// The state of one aggregate call in one group.
#[derive(Debug, Clone)]
struct CallState {
    acc: Accumulator,
    seen: Option<HashSet<GroupKey>>,
    /// `(ORDER BY key values, arguments)` when the call orders its input.
    buffered: Option<Vec<(Vec<Value>, Vec<Value>)>>,
}

impl CallState {
    fn new(call: &AggregateCall) -> CallState {
        CallState {
            acc: Accumulator::new(call.func),
            seen: call.distinct.then(HashSet::new),
            buffered: (!call.order_by.is_empty()).then(Vec::new),
        }
    }

    /// Adds `row`; returns the bytes newly kept (for `work_mem`).
    fn update(
        &mut self,
        call: &Call,
        row: &[Value],
        ex: &mut Exec<'_, '_>,
    ) -> Result<usize, DbError> {
        let (call, order_exprs) = (&call.call, &call.order_exprs);
        if let Some(f) = &call.filter
            && !eval_predicate(f, row, ex)?
        {
            return Ok(0);
        }
        let args = eval_all(&call.args, row, ex)?;
        let mut kept = 0;
        if let Some(seen) = &mut self.seen {
            // DISTINCT aggregates are strict: NULL arguments are never counted. The
            // arguments of a `count(*)` are a row's fields (`count(DISTINCT (a, b))`):
            // the row is not NULL even when they are.
            if call.func != AggregateFunction::CountStar && args.first().is_some_and(Value::is_null)
            {
                return Ok(0);
            }
            let key = GroupKey(args.clone());
            kept += row_size(&key.0);
            if !seen.insert(key) {
                return Ok(0);
            }
        }
        if let Some(buf) = &mut self.buffered {
            let keys = eval_all(order_exprs, row, ex)?;
            kept += row_size(&keys) + row_size(&args);
            buf.push((keys, args));
            return Ok(kept);
        }
        self.acc.update(&args)?;
        Ok(kept)
    }

    fn finish(mut self, order: &[KeyOrder]) -> Result<Value, DbError> {
        if let Some(mut buf) = self.buffered.take() {
            buf.sort_by(|a, b| compare_keys(&a.0, &b.0, order));
            for (_, args) in &buf {
                self.acc.update(args)?;
            }
        }
        self.acc.finish()
    }
}

/// An aggregate call with its ORDER BY prepared.
#[derive(Debug)]
struct Call {
    call: AggregateCall,
    order_exprs: Vec<ScalarExpr>,
    order: Vec<KeyOrder>,
}

/// A group: its key and the states of its calls.
#[derive(Debug)]
struct Group {
    key: Vec<Value>,
    calls: Vec<CallState>,
}

/// `HashAggregate`, `GroupAggregate` or `Aggregate`.
#[derive(Debug)]
pub(crate) struct AggregateOp {
    input: BoxOp,
    group_by: Vec<ScalarExpr>,
    calls: Vec<Call>,
    strategy: AggStrategy,
    /// Finished groups waiting to be returned (hash), or the group being built (sorted).
    output: Buffered,
    current: Option<Group>,
    input_done: bool,
}

impl AggregateOp {
    pub(crate) fn new(
        input: BoxOp,
        group_by: Vec<ScalarExpr>,
        calls: Vec<AggregateCall>,
        strategy: AggStrategy,
    ) -> AggregateOp {
        let calls = calls
            .into_iter()
            .map(|call| Call {
                order_exprs: call.order_by.iter().map(|k| k.expr.clone()).collect(),
                order: orders(&call.order_by),
                call,
            })
            .collect();
        AggregateOp {
            input,
            group_by,
            calls,
            strategy,
            output: Buffered::default(),
            current: None,
            input_done: false,
        }
    }

    fn new_group(&self, key: Vec<Value>) -> Group {
        Group {
            key,
            calls: self.calls.iter().map(|c| CallState::new(&c.call)).collect(),
        }
    }

    fn update(
        &self,
        g: &mut Group,
        row: &[Value],
        ex: &mut Exec<'_, '_>,
    ) -> Result<usize, DbError> {
        let mut kept = 0;
        for (state, call) in g.calls.iter_mut().zip(&self.calls) {
            kept += state.update(call, row, ex)?;
        }
        Ok(kept)
    }

    fn finish(&self, g: Group) -> Result<Row, DbError> {
        let mut row = g.key;
        for (state, call) in g.calls.into_iter().zip(&self.calls) {
            row.push(state.finish(&call.order)?);
        }
        Ok(row)
    }

    /// Reads the whole input into a hash table of groups.
    fn hash_all(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let mut index: HashMap<GroupKey, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut bytes = 0usize;
        let per_group = self.calls.len() * std::mem::size_of::<CallState>() + 64;
        while let Some(batch) = self.input.next_batch(ex)? {
            for row in batch {
                let key = GroupKey(eval_all(&self.group_by, &row, ex)?);
                let i = match index.get(&key) {
                    Some(&i) => i,
                    None => {
                        bytes += 2 * row_size(&key.0) + per_group;
                        groups.push(self.new_group(key.0.clone()));
                        index.insert(key, groups.len() - 1);
                        groups.len() - 1
                    }
                };
                bytes += self.update(&mut groups[i], &row, ex)?;
                if bytes > ex.cx.work_mem {
                    return Err(work_mem_exceeded("hash aggregate", ex.cx.work_mem));
                }
            }
        }
        drop(index);
        groups.into_iter().map(|g| self.finish(g)).collect()
    }

    fn plain(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let mut g = self.new_group(Vec::new());
        while let Some(batch) = self.input.next_batch(ex)? {
            for row in batch {
                self.update(&mut g, &row, ex)?;
            }
        }
        Ok(vec![self.finish(g)?])
    }

    /// The next finished groups of sorted input.
    fn sorted_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        let mut out = Vec::new();
        while out.len() < BATCH_SIZE && !self.input_done {
            let Some(batch) = self.input.next_batch(ex)? else {
                self.input_done = true;
                break;
            };
            for row in batch {
                let key = eval_all(&self.group_by, &row, ex)?;
                let same = self
                    .current
                    .as_ref()
                    .is_some_and(|g| GroupKey(g.key.clone()) == GroupKey(key.clone()));
                if !same {
                    let next = self.new_group(key);
                    if let Some(done) = self.current.replace(next) {
                        out.push(self.finish(done)?);
                    }
                }
                let mut g = self.current.take().expect("set above");
                self.update(&mut g, &row, ex)?;
                self.current = Some(g);
            }
        }
        if self.input_done
            && let Some(g) = self.current.take()
        {
            out.push(self.finish(g)?);
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}

impl Operator for AggregateOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.strategy == AggStrategy::Sorted {
            return self.sorted_batch(ex);
        }
        if !self.output.is_filled() {
            let rows = match self.strategy {
                AggStrategy::Plain => self.plain(ex)?,
                _ => self.hash_all(ex)?,
            };
            self.output.fill(rows);
        }
        Ok(self.output.next_batch())
    }
}
