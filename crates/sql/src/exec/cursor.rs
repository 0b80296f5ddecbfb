//! Cursors: a plan executed a batch at a time across calls, for large results and
//! protocol-level portals. The operator tree and the statement runtime live in the
//! cursor between fetches; each fetch runs inside a statement of the transaction that
//! opened it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rustydb_common::DbError;

use super::{BATCH_SIZE, BoxOp, Exec, ExecContext, ExecStats, Row, Runtime, build, fk};
use crate::plan::logical::{Column, LogicalPlan};
use crate::types::Value;

/// Opens `plan` as a cursor, to be fetched from in batches (large results, portals).
/// The cursor's operators keep their state between fetches; each fetch must run inside
/// a statement of the same transaction.
pub fn open_cursor(plan: Arc<LogicalPlan>, ctx: &ExecContext<'_>) -> Result<Cursor, DbError> {
    let root = build(&plan, 0, 0, ctx.analyze)?;
    let rt = Runtime {
        stats: ctx.analyze.then(HashMap::new),
        ..Runtime::default()
    };
    Ok(Cursor {
        schema: plan.schema(),
        plan,
        root,
        rt,
        pending: Vec::new(),
        returned: 0,
        done: false,
        fired: false,
    })
}

/// A plan being executed a batch at a time. See [`open_cursor`].
#[derive(Debug)]
pub struct Cursor {
    plan: Arc<LogicalPlan>,
    schema: Vec<Column>,
    root: BoxOp,
    rt: Runtime,
    /// Rows produced by the last batch beyond what the last fetch asked for.
    pending: Vec<Row>,
    returned: u64,
    done: bool,
    /// The statement's foreign-key work was done: after the first batch of a DML
    /// statement (which runs whole on its first batch, as PostgreSQL runs a portal's
    /// INSERT .. RETURNING), else once the rows are exhausted.
    fired: bool,
}

impl Cursor {
    /// Up to `n` more rows (fewer only at the end).
    pub fn fetch(
        &mut self,
        ctx: &mut ExecContext<'_>,
        n: usize,
    ) -> Result<Vec<Vec<Value>>, DbError> {
        let mut out = Vec::with_capacity(n.min(BATCH_SIZE));
        while out.len() < n {
            if self.pending.is_empty() {
                if self.done {
                    break;
                }
                let mut ex = Exec {
                    cx: &mut *ctx,
                    rt: &mut self.rt,
                };
                let batch = self.root.next_batch(&mut ex)?;
                if !self.fired && (batch.is_none() || self.root.rows_affected().is_some()) {
                    self.fired = true;
                    fk::fire(&mut ex)?;
                }
                match batch {
                    Some(b) => self.pending = b,
                    None => {
                        self.done = true;
                        break;
                    }
                }
                self.pending.reverse();
            }
            while out.len() < n {
                match self.pending.pop() {
                    Some(r) => out.push(r),
                    None => break,
                }
            }
        }
        self.returned += out.len() as u64;
        Ok(out)
    }

    /// Whether every row has been fetched.
    pub fn is_exhausted(&self) -> bool {
        self.done && self.pending.is_empty()
    }

    /// Output columns.
    pub fn schema(&self) -> &[Column] {
        &self.schema
    }

    /// The plan.
    pub fn plan(&self) -> &Arc<LogicalPlan> {
        &self.plan
    }

    /// Rows fetched so far (SELECT) or changed (DML), for the command tag.
    pub fn rows_affected(&self) -> u64 {
        self.root.rows_affected().unwrap_or(self.returned)
    }

    /// Statistics collected so far, if the cursor was opened with `analyze`.
    pub fn stats(&self, elapsed: Duration) -> Option<ExecStats> {
        self.rt.stats.clone().map(|s| ExecStats::new(s, elapsed))
    }
}
