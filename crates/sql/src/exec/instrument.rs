//! EXPLAIN ANALYZE's measurements: a wrapper around every operator that counts the rows
//! it returns, how many times it was started, and the time spent inside it.
//!
//! Statistics are keyed by [`NodeKey`] (tree and pre-order number of the plan node the
//! operator was built from), which EXPLAIN computes again while walking the plan; a node
//! rebuilt for every outer row (inside a correlated subquery or a parameterized join)
//! accumulates, one loop per build, as PostgreSQL's `loops=` counts rescans. Times are inclusive of the inputs, as
//! PostgreSQL's are, and reported per loop.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rustydb_common::DbError;

use super::{Batch, BoxOp, Exec, NodeKey, Operator};

/// What one plan node did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeStats {
    /// Rows returned over all loops.
    pub rows: u64,
    /// Times the node was started.
    pub loops: u64,
    /// Time until the first row, summed over loops.
    pub startup: Duration,
    /// Time inside the node, summed over loops.
    pub total: Duration,
    /// Extra lines EXPLAIN ANALYZE prints (`Sort Method: quicksort  Memory: 25kB`).
    pub details: Vec<String>,
}

/// The statistics of one execution, for EXPLAIN ANALYZE.
#[derive(Debug, Clone, Default)]
pub struct ExecStats {
    nodes: HashMap<NodeKey, NodeStats>,
    /// Wall time of the whole execution.
    pub execution_time: Duration,
}

impl ExecStats {
    pub(crate) fn new(nodes: HashMap<NodeKey, NodeStats>, execution_time: Duration) -> ExecStats {
        ExecStats {
            nodes,
            execution_time,
        }
    }

    /// The statistics of a node, `None` if it never ran.
    pub(crate) fn get(&self, key: NodeKey) -> Option<&NodeStats> {
        self.nodes.get(&key)
    }
}

/// Adds `line` to the EXPLAIN ANALYZE details of the node being built as `key`.
pub(crate) fn add_detail(ex: &mut Exec<'_, '_>, key: NodeKey, line: String) {
    if let Some(stats) = ex.rt.stats.as_mut() {
        let s = stats.entry(key).or_default();
        if !s.details.contains(&line) {
            s.details.push(line);
        }
    }
}

/// An operator measured for EXPLAIN ANALYZE.
#[derive(Debug)]
pub(crate) struct Instrumented {
    key: NodeKey,
    inner: BoxOp,
    started: bool,
    first_row: bool,
}

impl Instrumented {
    /// Wraps `op`, built from the node `key`.
    pub(crate) fn wrap(key: NodeKey, op: BoxOp) -> BoxOp {
        Box::new(Instrumented {
            key,
            inner: op,
            started: false,
            first_row: false,
        })
    }
}

impl Operator for Instrumented {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        let t0 = Instant::now();
        let out = self.inner.next_batch(ex);
        let spent = t0.elapsed();
        if let Some(stats) = ex.rt.stats.as_mut() {
            let s = stats.entry(self.key).or_default();
            if !self.started {
                self.started = true;
                s.loops += 1;
            }
            s.total += spent;
            if !self.first_row {
                s.startup += spent;
            }
            if let Ok(Some(b)) = &out {
                s.rows += b.len() as u64;
                if !b.is_empty() {
                    self.first_row = true;
                }
            }
        }
        out
    }

    fn rows_affected(&self) -> Option<u64> {
        self.inner.rows_affected()
    }
}
