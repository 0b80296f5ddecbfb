//! The executor: turns a bound, optimized [`LogicalPlan`] into a tree of operators and
//! runs it inside the caller's transaction.
//!
//! # Design
//!
//! **Pull, a batch at a time.** Every plan node becomes one `Operator` (one file per
//! operator kind). The root is asked for its next batch, asks its inputs for theirs, and
//! so on down to the scans; a batch is up to [`BATCH_SIZE`] rows of [`Value`]s. Batches
//! amortise the per-call overhead of the virtual dispatch without the complexity of a
//! columnar engine, and keep memory bounded for streaming plans (a `LIMIT 10` over a big
//! scan reads about one batch). Operators own everything they need (cloned expressions,
//! `Arc`ed tables and subplans), so an operator tree outlives the call that built it: a
//! [`Cursor`] keeps one between fetches of a portal.
//!
//! **The context is passed, not held.** Each `next_batch` receives an `Exec`: the
//! caller's [`ExecContext`] (transaction, catalog, parameters, settings) and the
//! statement's `Runtime` (the outer-row stack, caches, CTE results, statistics).
//! Nothing in an operator borrows the transaction, which is what lets a cursor be
//! fetched from in several calls.
//!
//! ```text
//!   execute(plan) ──build──▶  Limit ──▶ Sort ──▶ HashJoin ─┬─▶ SeqScan t1
//!        │                                                 └─▶ SeqScan t2 (build side)
//!        └── root.next_batch(ex) until None; each scan batch calls check_interrupts
//! ```
//!
//! **Expressions** are evaluated row by row by `eval.rs` over the input row of the node
//! that holds them. A subquery inside an expression runs its own operator tree: the
//! current row is pushed on the runtime's outer-row stack first, so `Outer { depth: d }`
//! reads the `d`-th row from the top. Uncorrelated subqueries run once per statement and
//! are cached by the address of their (shared, immutable) plan; correlated ones are
//! rebuilt and rerun for every outer row. A parameterized nested-loop join uses the same
//! stack: the left row is pushed while the right side runs.
//!
//! **Locks.** Reading a table takes its intention-shared lock, writing or locking its
//! rows its intention-exclusive lock, for the rest of the transaction (once per
//! statement and table): DDL's exclusive lock waits for them, as PostgreSQL's
//! AccessExclusive waits for AccessShare and RowExclusive.
//!
//! **Interrupts.** Every scan batch, and every loop that can run long without reading
//! (nested-loop output, sorting and merging, window partitions, recursive iterations),
//! calls `Transaction::check_interrupts`, so `statement_timeout`, a cancel or a
//! termination stops a statement within one batch.
//!
//! **Memory.** `work_mem` bounds what one operator keeps in memory. A sort that would
//! exceed it writes sorted runs to temporary files in the OS temp directory and merges
//! them (`sort.rs`). Hash joins, hash aggregation, hash-based DISTINCT and set operations
//! do not spill: they fail with ERR-SQL-011 (53200) naming `work_mem` instead; spilling
//! hash tables is out of scope. Sizes are estimates of the values' heap footprint.
//!
//! **Writes** follow the module documentation of `rustydb_txn::ops`. INSERT, UPDATE and
//! DELETE run to completion on their first batch (as PostgreSQL's ModifyTable does),
//! buffering RETURNING rows. The foreign-key work their rows queue (`fk.rs`: checks that
//! referenced keys exist, and the actions of tables referencing the changed ones) fires
//! at the end of the whole statement, as PostgreSQL fires its RI triggers, so data-
//! modifying CTEs may insert a child before its parent.
//! Uniqueness is checked per row under a lock on the hashed key (`constraints.rs`).
//! Concurrent updates at READ COMMITTED are followed to the newest version, where the
//! statement's condition is re-checked and its assignments recomputed (PostgreSQL's
//! EvalPlanQual, `update.rs`).
//!
//! **What is left out.** Costs and row estimates are not modelled, so EXPLAIN prints
//! none (`explain`); hash tables do not spill; `RANGE` frames with an offset need a
//! numeric ORDER BY key (0A000 otherwise); merge joins expect inputs sorted ascending
//! with NULLs last; foreign keys are MATCH SIMPLE; `GROUPING SETS` and ordered-set
//! aggregates are not in the plan IR at all.

mod accumulator;
mod aggregate;
mod build;
mod constraints;
mod cte;
mod cursor;
mod delete;
mod distinct;
mod eval;
mod explain;
mod filter;
mod fk;
mod hash_join;
mod index_scan;
mod insert;
mod instrument;
mod limit;
mod lock_rows;
mod merge_join;
mod modify;
mod nested_loop;
mod project;
mod scan;
mod series;
mod set_op;
mod sort;
mod spill;
mod subquery;
mod unnest;
mod update;
mod values;
mod window;
mod window_frame;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::Tid;
use rustydb_txn::Transaction;
use rustydb_txn::lock::LockMode;

use crate::catalog::{Catalog, CatalogState, Oid, TableMeta};
use crate::functions::EvalContext;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan};
use crate::types::Value;
use crate::types::compare::GroupKey;

pub use cursor::{Cursor, open_cursor};
pub use explain::explain;
pub use instrument::{ExecStats, NodeStats};
pub use modify::index_entry_key;

pub(crate) use build::{NodeKey, build, tree_id, tree_size};
pub(crate) use cte::modifying_cte_ids;

/// Rows per batch.
pub const BATCH_SIZE: usize = 1024;

/// One row.
pub(crate) type Row = Vec<Value>;
/// A batch of rows.
pub(crate) type Batch = Vec<Row>;

/// A CHECK constraint bound over its table's visible columns.
#[derive(Debug, Clone)]
pub struct BoundCheck {
    /// The constraint's name (`t_b_check`).
    pub name: String,
    /// The condition, over the table's visible columns in order.
    pub expr: ScalarExpr,
}

/// What the executor needs bound from catalog text it cannot parse itself: CHECK
/// conditions and column defaults. It needs them for the statement's target table and
/// also for tables reached through foreign-key actions (a cascaded update must satisfy
/// the referencing table's CHECKs; SET DEFAULT needs its defaults), so they cannot all
/// travel in the plan. The binder implements it.
pub trait TableExprs: fmt::Debug {
    /// The CHECK constraints of `table`.
    fn checks(&self, table: &TableMeta) -> Result<Vec<BoundCheck>, DbError>;
    /// The default of the column at storage position `column`, bound as an expression
    /// over no row (`None`: no default, i.e. NULL).
    fn column_default(
        &self,
        table: &TableMeta,
        column: usize,
    ) -> Result<Option<ScalarExpr>, DbError>;
}

/// A session's memory of sequences: `currval` and `lastval` answer from it, as in
/// PostgreSQL, where they report the value this session's last `nextval` returned.
#[derive(Debug, Default, Clone)]
pub struct SessionSequences {
    values: HashMap<Oid, i64>,
    last: Option<Oid>,
}

impl SessionSequences {
    /// Records `value` as sequence `seq`'s current value for this session.
    pub fn record(&mut self, seq: Oid, value: i64) {
        self.values.insert(seq, value);
        self.last = Some(seq);
    }

    /// The value the session's last `nextval` of `seq` returned.
    pub fn currval(&self, seq: Oid) -> Option<i64> {
        self.values.get(&seq).copied()
    }

    /// The value of the session's most recent `nextval` of any sequence.
    pub fn lastval(&self) -> Option<i64> {
        self.last.and_then(|s| self.currval(s))
    }

    /// Forgets a dropped sequence.
    pub fn forget(&mut self, seq: Oid) {
        self.values.remove(&seq);
        if self.last == Some(seq) {
            self.last = None;
        }
    }
}

/// Everything a statement runs with. The caller brackets the execution with
/// `Transaction::begin_statement` / `end_statement`.
pub struct ExecContext<'a> {
    /// The transaction.
    pub txn: &'a mut Transaction,
    /// The catalog (sequences, storage).
    pub catalog: &'a Catalog,
    /// The catalog as the transaction sees it (foreign keys, referencing tables).
    pub state: Arc<CatalogState>,
    /// Values of `$1..$n`.
    pub params: &'a [Value],
    /// What functions need (statement timestamp, session settings).
    pub eval: EvalContext,
    /// `work_mem` in bytes.
    pub work_mem: usize,
    /// Collect per-operator statistics (EXPLAIN ANALYZE).
    pub analyze: bool,
    /// The session's sequence memory.
    pub session: &'a mut SessionSequences,
    /// Bound CHECK constraints and defaults.
    pub table_exprs: &'a dyn TableExprs,
}

impl fmt::Debug for ExecContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecContext")
            .field("xid", &self.txn.xid())
            .field("params", &self.params.len())
            .field("work_mem", &self.work_mem)
            .field("analyze", &self.analyze)
            .finish()
    }
}

/// The result of a statement run to completion.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    /// Output columns.
    pub schema: Vec<Column>,
    /// Output rows.
    pub rows: Vec<Vec<Value>>,
    /// Rows returned (SELECT) or changed (INSERT, UPDATE, DELETE), for the command tag.
    pub rows_affected: u64,
}

/// Per-statement state shared by all operators of one execution.
#[derive(Debug, Default)]
pub(crate) struct Runtime {
    /// Rows of enclosing queries (correlated subqueries, parameterized joins); the last
    /// is `Outer { depth: 1 }`.
    pub(crate) outer: Vec<Row>,
    /// Results of uncorrelated subqueries, by plan address.
    pub(crate) subqueries: HashMap<usize, Arc<subquery::Cached>>,
    /// Materialised CTEs, by id.
    pub(crate) ctes: HashMap<usize, Arc<Vec<Row>>>,
    /// Current working tables of running recursive CTEs, by id.
    pub(crate) work_tables: HashMap<usize, Arc<Vec<Row>>>,
    /// Bound CHECK constraints, by table oid.
    pub(crate) checks: HashMap<Oid, Arc<Vec<BoundCheck>>>,
    /// Relations this statement has locked, and how (so rebuilt operators do not ask
    /// the lock table again).
    pub(crate) locked: std::collections::HashSet<(rustydb_storage::RelId, bool)>,
    /// Foreign-key work queued by this statement's writes.
    pub(crate) fk: fk::FkState,
    /// Per-operator statistics, when analyzing.
    pub(crate) stats: Option<HashMap<NodeKey, NodeStats>>,
}

/// What an operator sees while it runs: the caller's context and the statement runtime.
pub(crate) struct Exec<'e, 'a> {
    pub(crate) cx: &'e mut ExecContext<'a>,
    pub(crate) rt: &'e mut Runtime,
}

impl Exec<'_, '_> {
    /// Fails if the statement was cancelled, timed out or its transaction terminated.
    pub(crate) fn check_interrupts(&self) -> Result<(), DbError> {
        Ok(self.cx.txn.check_interrupts()?)
    }

    /// The transaction.
    pub(crate) fn txn(&mut self) -> &mut Transaction {
        self.cx.txn
    }

    /// Runs `f` with `row` pushed on the outer-row stack.
    pub(crate) fn with_outer<R>(&mut self, row: Row, f: impl FnOnce(&mut Self) -> R) -> R {
        self.rt.outer.push(row);
        let r = f(self);
        self.rt.outer.pop();
        r
    }

    /// Locks the table whose heap is `rel` for the rest of the transaction: intention
    /// shared to read it, intention exclusive to change it. Both conflict with the
    /// exclusive lock of DDL (DROP, ALTER), and intention exclusive with the share lock
    /// of CREATE INDEX, as PostgreSQL's AccessShare and RowExclusive locks do.
    pub(crate) fn lock_relation(
        &mut self,
        rel: rustydb_storage::RelId,
        write: bool,
    ) -> Result<(), DbError> {
        if self.rt.locked.contains(&(rel, write)) {
            return Ok(());
        }
        let mode = if write { LockMode::IX } else { LockMode::IS };
        self.cx.txn.lock_table(rel, mode)?;
        self.rt.locked.insert((rel, write));
        Ok(())
    }

    /// The bound CHECK constraints of `table`, bound once per statement.
    pub(crate) fn checks(&mut self, table: &TableMeta) -> Result<Arc<Vec<BoundCheck>>, DbError> {
        if let Some(c) = self.rt.checks.get(&table.def.oid) {
            return Ok(c.clone());
        }
        let c = Arc::new(self.cx.table_exprs.checks(table)?);
        self.rt.checks.insert(table.def.oid, c.clone());
        Ok(c)
    }
}

/// A running plan node.
pub(crate) trait Operator: fmt::Debug + Send {
    /// The next rows, `None` once exhausted (and on every later call).
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError>;

    /// For INSERT / UPDATE / DELETE: the rows changed so far (the command tag's count).
    fn rows_affected(&self) -> Option<u64> {
        None
    }
}

/// An operator tree.
pub(crate) type BoxOp = Box<dyn Operator>;

/// Rows an operator computed whole (a sort, an aggregation, a DML statement's
/// RETURNING), handed out a batch at a time.
#[derive(Debug, Default)]
pub(crate) struct Buffered(Option<std::vec::IntoIter<Row>>);

impl Buffered {
    /// Whether the rows were computed.
    pub(crate) fn is_filled(&self) -> bool {
        self.0.is_some()
    }

    /// Stores the computed rows.
    pub(crate) fn fill(&mut self, rows: Vec<Row>) {
        self.0 = Some(rows.into_iter());
    }

    /// The next batch, `None` when all were handed out.
    pub(crate) fn next_batch(&mut self) -> Option<Batch> {
        let batch: Batch = self.0.as_mut()?.take(BATCH_SIZE).collect();
        (!batch.is_empty()).then_some(batch)
    }
}

/// Pulls every row out of `op`.
pub(crate) fn drain(op: &mut BoxOp, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
    let mut out = Vec::new();
    while let Some(b) = op.next_batch(ex)? {
        out.extend(b);
    }
    Ok(out)
}

/// Runs `plan` to completion.
pub fn execute(plan: &LogicalPlan, ctx: &mut ExecContext<'_>) -> Result<QueryResult, DbError> {
    let mut rt = Runtime {
        stats: ctx.analyze.then(HashMap::new),
        ..Runtime::default()
    };
    run(plan, ctx, &mut rt)
}

fn run(
    plan: &LogicalPlan,
    ctx: &mut ExecContext<'_>,
    rt: &mut Runtime,
) -> Result<QueryResult, DbError> {
    let mut root = build(plan, 0, 0, rt.stats.is_some())?;
    let mut ex = Exec { cx: ctx, rt };
    let rows = drain(&mut root, &mut ex)?;
    cte::run_modifying_ctes(plan, &mut ex)?;
    fk::fire(&mut ex)?;
    let rows_affected = root.rows_affected().unwrap_or(rows.len() as u64);
    Ok(QueryResult {
        schema: plan.schema(),
        rows,
        rows_affected,
    })
}

/// Runs `plan` to completion collecting per-operator statistics (EXPLAIN ANALYZE).
pub fn execute_analyze(
    plan: &LogicalPlan,
    ctx: &mut ExecContext<'_>,
) -> Result<(QueryResult, ExecStats), DbError> {
    let started = Instant::now();
    let mut rt = Runtime {
        stats: Some(HashMap::new()),
        ..Runtime::default()
    };
    let result = run(plan, ctx, &mut rt)?;
    let stats = ExecStats::new(rt.stats.take().unwrap_or_default(), started.elapsed());
    Ok((result, stats))
}

/// Encodes a tuple id as the hidden tid column's value: `(page << 16) | slot`.
pub fn tid_value(tid: Tid) -> Value {
    Value::Int8((i64::from(tid.page) << 16) | i64::from(tid.slot))
}

/// Decodes the hidden tid column's value.
pub(crate) fn value_tid(v: &Value) -> Result<Tid, DbError> {
    match v {
        Value::Int8(x) if *x >= 0 => Ok(Tid::new((*x >> 16) as u32, (*x & 0xFFFF) as u16)),
        other => Err(DbError::internal(format!(
            "hidden tid column holds {other:?}"
        ))),
    }
}

/// ERR-SQL-011 for an operator whose hash table outgrew `work_mem`.
pub(crate) fn work_mem_exceeded(what: &str, work_mem: usize) -> DbError {
    DbError::from_template(
        ErrorCode::WorkMemExceeded,
        &[("what", &what), ("limit", &format_memory(work_mem))],
    )
}

/// `work_mem` as PostgreSQL's SHOW prints memory sizes (`4MB`, `64kB`).
pub(crate) fn format_memory(bytes: usize) -> String {
    let kb = bytes / 1024;
    if kb >= 1024 && kb.is_multiple_of(1024) {
        format!("{}MB", kb / 1024)
    } else {
        format!("{kb}kB")
    }
}

/// Whether a key has a NULL (NULL keys never match in joins and IN).
pub(crate) fn has_null(key: &GroupKey) -> bool {
    key.0.iter().any(Value::is_null)
}

/// An estimate of the heap bytes a row occupies, for `work_mem` accounting.
pub(crate) fn row_size(row: &[Value]) -> usize {
    std::mem::size_of::<Row>() + row.iter().map(value_size).sum::<usize>()
}

fn value_size(v: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match v {
            Value::Text(s) => s.capacity(),
            Value::Bytea(b) => b.capacity(),
            Value::Jsonb(_) => 128,
            _ => 0,
        }
}
