//! Common table expressions: materialised CTEs and `WITH RECURSIVE`.
//!
//! **Materialised CTEs** run once per statement: the first `CteScan` of an id to be read
//! runs the CTE's plan to completion and stores the rows in the runtime; every scan of
//! that id (in the query, in subqueries, on every loop of a correlated subquery) reads
//! the same rows. A data-modifying CTE (`WITH x AS (DELETE .. RETURNING ..)`) therefore
//! changes the table exactly once. A CTE whose plan reads an enclosing query's row (a
//! CTE written inside a correlated subquery) is not shared: it is run by each scan.
//!
//! **Recursive CTEs** run the anchor, then the recursive part over the previous
//! iteration's rows (the *working table*, read by `WorkTable` with the CTE's id), until
//! an iteration yields nothing:
//!
//! ```text
//!   anchor ──▶ W0 ──recursive(W0)──▶ W1 ──recursive(W1)──▶ W2 ... ──▶ ∅
//!   output: W0 ++ W1 ++ W2 ++ ...   (UNION: rows seen in any earlier iteration dropped)
//! ```
//!
//! Rows stream out as each iteration produces them, so `LIMIT` stops an unbounded
//! recursion, and every batch checks for interrupts, so `statement_timeout` does too.

use std::collections::HashSet;
use std::sync::Arc;

use rustydb_common::DbError;

use super::{BATCH_SIZE, Batch, BoxOp, Exec, NodeKey, Operator, Row, build, drain, tree_id};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::compare::GroupKey;

/// Whether any expression of `plan` reads an enclosing query's row.
fn reads_outer(plan: &LogicalPlan) -> bool {
    let outer = |e: &ScalarExpr| e.any(&|x| matches!(x, ScalarExpr::Outer { .. }));
    super::explain::node_exprs(plan).into_iter().any(outer)
        || plan.inputs().into_iter().any(reads_outer)
}

/// Runs every data-modifying WITH query of `plan` (a `CteScan` of an INSERT, UPDATE or
/// DELETE, in subqueries too) that no scan ran: as in PostgreSQL, they run when first
/// read, and those the query did not read run to completion after it.
pub(crate) fn run_modifying_ctes(plan: &LogicalPlan, ex: &mut Exec<'_, '_>) -> Result<(), DbError> {
    let mut found = Vec::new();
    modifying_ctes(plan, &mut found);
    let analyze = ex.rt.stats.is_some();
    for (id, cte) in found {
        if ex.rt.ctes.contains_key(&id) {
            continue;
        }
        let mut op = build(cte, tree_id(cte), 0, analyze)?;
        let rows = Arc::new(drain(&mut op, ex)?);
        ex.rt.ctes.insert(id, rows);
    }
    Ok(())
}

/// The ids of the data-modifying WITH queries `plan` reads, directly, through other WITH
/// queries or in subqueries: those the executor will run.
pub(crate) fn modifying_cte_ids(plan: &LogicalPlan) -> Vec<usize> {
    let mut found = Vec::new();
    modifying_ctes(plan, &mut found);
    found.into_iter().map(|(id, _)| id).collect()
}

fn modifying_ctes<'p>(plan: &'p LogicalPlan, out: &mut Vec<(usize, &'p Arc<LogicalPlan>)>) {
    fn in_expr<'p>(e: &'p ScalarExpr, out: &mut Vec<(usize, &'p Arc<LogicalPlan>)>) {
        if let ScalarExpr::Subquery(s) = e {
            modifying_ctes(&s.plan, out);
        }
        for c in e.children() {
            in_expr(c, out);
        }
    }
    if let LogicalPlan::CteScan { plan: cte, id, .. } = plan {
        if matches!(
            **cte,
            LogicalPlan::Insert { .. } | LogicalPlan::Update { .. } | LogicalPlan::Delete { .. }
        ) {
            out.push((*id, cte));
        }
        modifying_ctes(cte, out);
    }
    for e in super::explain::node_exprs(plan) {
        in_expr(e, out);
    }
    for c in plan.inputs() {
        modifying_ctes(c, out);
    }
}

/// Streams rows out of a shared, materialised list.
#[derive(Debug, Default)]
struct Stream {
    rows: Option<Arc<Vec<Row>>>,
    next: usize,
}

impl Stream {
    fn next_batch(&mut self) -> Option<Batch> {
        let rows = self.rows.as_ref()?;
        if self.next >= rows.len() {
            return None;
        }
        let end = (self.next + BATCH_SIZE).min(rows.len());
        let out = rows[self.next..end].to_vec();
        self.next = end;
        Some(out)
    }
}

/// `CTE Scan`.
#[derive(Debug)]
pub(crate) struct CteScanOp {
    plan: Arc<LogicalPlan>,
    id: usize,
    analyze: bool,
    stream: Stream,
}

impl CteScanOp {
    pub(crate) fn new(plan: Arc<LogicalPlan>, id: usize, analyze: bool) -> CteScanOp {
        CteScanOp {
            plan,
            id,
            analyze,
            stream: Stream::default(),
        }
    }
}

impl Operator for CteScanOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.stream.rows.is_none() {
            let shared = !reads_outer(&self.plan);
            let rows = match ex.rt.ctes.get(&self.id).filter(|_| shared) {
                Some(rows) => rows.clone(),
                None => {
                    let mut op = build(&self.plan, tree_id(&self.plan), 0, self.analyze)?;
                    let rows = Arc::new(drain(&mut op, ex)?);
                    if shared {
                        ex.rt.ctes.insert(self.id, rows.clone());
                    }
                    rows
                }
            };
            self.stream.rows = Some(rows);
        }
        ex.check_interrupts()?;
        Ok(self.stream.next_batch())
    }
}

/// `WorkTable Scan`: the previous iteration's rows of the recursive CTE `id`.
#[derive(Debug)]
pub(crate) struct WorkTableOp {
    id: usize,
    stream: Stream,
}

impl WorkTableOp {
    pub(crate) fn new(id: usize) -> WorkTableOp {
        WorkTableOp {
            id,
            stream: Stream::default(),
        }
    }
}

impl Operator for WorkTableOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.stream.rows.is_none() {
            let rows = ex.rt.work_tables.get(&self.id).cloned().ok_or_else(|| {
                DbError::internal(format!(
                    "working table {} read outside its recursive CTE",
                    self.id
                ))
            })?;
            self.stream.rows = Some(rows);
        }
        Ok(self.stream.next_batch())
    }
}

/// `Recursive Union`.
#[derive(Debug)]
pub(crate) struct RecursiveCteOp {
    anchor: Option<BoxOp>,
    recursive: Arc<LogicalPlan>,
    key: NodeKey,
    all: bool,
    id: usize,
    analyze: bool,
    /// The running iteration over the previous working table.
    running: Option<BoxOp>,
    /// Rows of the iteration in progress: the next working table.
    next: Vec<Row>,
    seen: HashSet<GroupKey>,
    done: bool,
}

impl RecursiveCteOp {
    pub(crate) fn new(
        anchor: BoxOp,
        recursive: Arc<LogicalPlan>,
        key: NodeKey,
        all: bool,
        id: usize,
        analyze: bool,
    ) -> RecursiveCteOp {
        RecursiveCteOp {
            anchor: Some(anchor),
            recursive,
            key,
            all,
            id,
            analyze,
            running: None,
            next: Vec::new(),
            seen: HashSet::new(),
            done: false,
        }
    }

    /// Keeps the new rows of `batch` (all of them with UNION ALL) for the output and the
    /// next working table.
    fn admit(&mut self, batch: Batch) -> Batch {
        let fresh: Batch = if self.all {
            batch
        } else {
            batch
                .into_iter()
                .filter(|r| self.seen.insert(GroupKey(r.clone())))
                .collect()
        };
        self.next.extend(fresh.iter().cloned());
        fresh
    }
}

impl Operator for RecursiveCteOp {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        while !self.done {
            ex.check_interrupts()?;
            if let Some(anchor) = &mut self.anchor {
                match anchor.next_batch(ex)? {
                    Some(b) => {
                        let fresh = self.admit(b);
                        if !fresh.is_empty() {
                            return Ok(Some(fresh));
                        }
                    }
                    None => self.anchor = None,
                }
                continue;
            }
            if let Some(op) = &mut self.running {
                match op.next_batch(ex)? {
                    Some(b) => {
                        let fresh = self.admit(b);
                        if !fresh.is_empty() {
                            return Ok(Some(fresh));
                        }
                    }
                    None => self.running = None,
                }
                continue;
            }
            // Start the next iteration over the rows of the last one.
            if self.next.is_empty() {
                self.done = true;
                ex.rt.work_tables.remove(&self.id);
                break;
            }
            let work = Arc::new(std::mem::take(&mut self.next));
            ex.rt.work_tables.insert(self.id, work);
            self.running = Some(build(
                &self.recursive,
                self.key.0,
                self.key.1,
                self.analyze,
            )?);
        }
        Ok(None)
    }
}
