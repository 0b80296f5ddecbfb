//! Plan nodes. The binder builds a tree of these from a statement; optimizer rules
//! rewrite it (pushing predicates down, choosing indexes, join algorithms and order);
//! the executor turns the final tree into operators. One enum serves both the logical
//! and the physical stage: the physical choices are fields the rules fill in
//! ([`ScanAccess`], [`JoinStrategy`], [`AggStrategy`]), so EXPLAIN can print any stage.
//!
//! Every node has an output schema ([`Column`]s); expressions in a node refer to its
//! input's columns by position.

use std::sync::Arc;

use crate::catalog::{IndexRef, TableRef};
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::ScalarExpr;
use crate::types::DataType;

/// One output column of a plan node.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name (for `*` expansion and result headers).
    pub name: String,
    /// Its type.
    pub ty: DataType,
    /// The table alias it can be qualified with (`t.a`), if any.
    pub qualifier: Option<String>,
    /// Hidden columns (a row's tuple id for UPDATE/DELETE) are not expanded by `*`.
    pub hidden: bool,
}

impl Column {
    /// A visible column.
    pub fn new(name: impl Into<String>, ty: DataType) -> Column {
        Column {
            name: name.into(),
            ty,
            qualifier: None,
            hidden: false,
        }
    }
}

/// An ORDER BY key.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// The expression (over the input row).
    pub expr: ScalarExpr,
    /// DESC.
    pub desc: bool,
    /// NULLS FIRST (PostgreSQL's default is NULLS LAST for ASC, FIRST for DESC).
    pub nulls_first: bool,
}

/// How a scan reads its table.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per scan node; boxing the index variant would buy nothing"
)]
pub enum ScanAccess {
    /// Every page of the heap.
    Sequential,
    /// Through a B+tree index: equality on a key prefix and/or a range on the next column.
    Index {
        /// The index.
        index: IndexRef,
        /// Values of the leading key columns compared with `=`.
        eq: Vec<ScalarExpr>,
        /// Bound on the next key column: (expr, inclusive).
        lower: Option<(ScalarExpr, bool)>,
        /// Upper bound on the next key column: (expr, inclusive).
        upper: Option<(ScalarExpr, bool)>,
        /// Walk the index backwards (ORDER BY ... DESC satisfied by the index).
        reverse: bool,
    },
}

/// Join kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// INNER / CROSS / comma join.
    Inner,
    /// LEFT OUTER.
    Left,
    /// RIGHT OUTER.
    Right,
    /// FULL OUTER.
    Full,
    /// Semi join (EXISTS / IN decorrelated): left rows with a match, once.
    Semi,
    /// Anti join (NOT EXISTS decorrelated): left rows without a match.
    Anti,
}

/// The join algorithm the optimizer chose.
#[derive(Debug, Clone)]
pub enum JoinStrategy {
    /// For each left row, scan the right side (always applicable).
    NestedLoop,
    /// Build a hash table on the right side's keys, probe with the left's.
    Hash {
        /// Left key expressions (over the left input).
        left_keys: Vec<ScalarExpr>,
        /// Right key expressions (over the right input), pairwise `=` with the left ones.
        right_keys: Vec<ScalarExpr>,
    },
    /// Parameterized nested loop: the right side is re-executed for every left row with
    /// that row pushed on the outer-row stack, so expressions inside the right subtree
    /// (typically an index scan's `eq` keys) read it as `ScalarExpr::Outer { depth: 1 }`
    /// exactly as a correlated subquery reads its enclosing row. This is how an index
    /// nested-loop join probes the right table's index once per left row.
    Parameterized,
    /// Merge two inputs sorted on the keys.
    Merge {
        /// Left keys.
        left_keys: Vec<ScalarExpr>,
        /// Right keys.
        right_keys: Vec<ScalarExpr>,
    },
}

/// The aggregation algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggStrategy {
    /// Hash table of groups.
    Hash,
    /// Input sorted on the group keys; one group at a time.
    Sorted,
    /// No GROUP BY: one output row.
    Plain,
}

/// One aggregate call.
#[derive(Debug, Clone)]
pub struct AggregateCall {
    /// The aggregate.
    pub func: AggregateFunction,
    /// Arguments (over the input row); empty for `count(*)`.
    pub args: Vec<ScalarExpr>,
    /// `DISTINCT` inside the call.
    pub distinct: bool,
    /// `FILTER (WHERE ..)`.
    pub filter: Option<ScalarExpr>,
    /// `ORDER BY` inside the call (string_agg, array_agg).
    pub order_by: Vec<SortKey>,
    /// Result type.
    pub ty: DataType,
}

/// Window frame units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    /// ROWS.
    Rows,
    /// RANGE (peers share a frame edge).
    Range,
}

/// A window frame edge.
#[derive(Debug, Clone)]
pub enum FrameBound {
    /// UNBOUNDED PRECEDING.
    UnboundedPreceding,
    /// n PRECEDING.
    Preceding(u64),
    /// CURRENT ROW.
    CurrentRow,
    /// n FOLLOWING.
    Following(u64),
    /// UNBOUNDED FOLLOWING.
    UnboundedFollowing,
}

/// A window function call.
#[derive(Debug, Clone)]
pub struct WindowCall {
    /// The function: an aggregate over the frame, or a ranking/offset function.
    pub func: WindowFunction,
    /// Arguments.
    pub args: Vec<ScalarExpr>,
    /// PARTITION BY.
    pub partition_by: Vec<ScalarExpr>,
    /// ORDER BY.
    pub order_by: Vec<SortKey>,
    /// The frame (PostgreSQL's default: RANGE UNBOUNDED PRECEDING to CURRENT ROW).
    pub frame: (FrameUnits, FrameBound, FrameBound),
    /// Result type.
    pub ty: DataType,
}

/// Window functions.
#[derive(Debug, Clone)]
pub enum WindowFunction {
    /// row_number().
    RowNumber,
    /// rank().
    Rank,
    /// dense_rank().
    DenseRank,
    /// percent_rank().
    PercentRank,
    /// cume_dist().
    CumeDist,
    /// ntile(n).
    Ntile,
    /// lag(expr [, offset [, default]]).
    Lag,
    /// lead(expr [, offset [, default]]).
    Lead,
    /// first_value(expr).
    FirstValue,
    /// last_value(expr).
    LastValue,
    /// nth_value(expr, n).
    NthValue,
    /// An aggregate over the frame (sum, avg, count, min, max, ...).
    Aggregate(AggregateFunction),
}

/// Set operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    /// UNION.
    Union,
    /// INTERSECT.
    Intersect,
    /// EXCEPT.
    Except,
}

/// `ON CONFLICT` of an INSERT.
#[derive(Debug, Clone)]
pub enum OnConflict {
    /// DO NOTHING (on any unique index, or the one named by the target).
    DoNothing {
        /// The arbiter index, if a target was given.
        index: Option<IndexRef>,
    },
    /// DO UPDATE SET ... [WHERE ...]: expressions over the existing row followed by the
    /// proposed row (`EXCLUDED`).
    DoUpdate {
        /// The arbiter index.
        index: IndexRef,
        /// `(column position, expression)` assignments.
        assignments: Vec<(usize, ScalarExpr)>,
        /// The WHERE of DO UPDATE.
        predicate: Option<ScalarExpr>,
    },
}

/// A plan node. See the module documentation.
#[derive(Debug, Clone)]
pub enum LogicalPlan {
    /// Reads a table. Output: the table's columns, then its hidden tuple id when
    /// `with_tid` (for UPDATE / DELETE / FOR UPDATE).
    Scan {
        /// The table.
        table: TableRef,
        /// The alias the columns are qualified with.
        alias: String,
        /// Predicates evaluated during the scan (pushed down).
        filter: Vec<ScalarExpr>,
        /// How to read it.
        access: ScanAccess,
        /// Append the hidden tuple-id column.
        with_tid: bool,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// `generate_series(start, stop [, step])` in FROM: one column, from `start` to
    /// `stop` inclusive by `step` (integers, numeric, or timestamps by an interval).
    Series {
        /// First value.
        start: ScalarExpr,
        /// Last value (inclusive).
        stop: ScalarExpr,
        /// Increment (1 when not given; an interval for timestamps).
        step: ScalarExpr,
        /// Output schema (one column).
        schema: Vec<Column>,
    },
    /// `unnest(array)` in FROM: one row per element, in order; with `ordinality`, a
    /// second column numbering them from 1.
    Unnest {
        /// The array (evaluated when the scan starts; may refer to an outer row).
        array: ScalarExpr,
        /// Append the element's position.
        ordinality: bool,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// Literal rows (`VALUES`, and `SELECT` without FROM as one empty row).
    Values {
        /// The rows.
        rows: Vec<Vec<ScalarExpr>>,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// Keeps rows for which `predicate` is true.
    Filter {
        /// Input.
        input: Box<LogicalPlan>,
        /// The predicate.
        predicate: ScalarExpr,
    },
    /// Computes expressions.
    Project {
        /// Input.
        input: Box<LogicalPlan>,
        /// One expression per output column.
        exprs: Vec<ScalarExpr>,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// Joins two inputs; output is the left row followed by the right row (for Semi/Anti
    /// only the left row).
    Join {
        /// Left input.
        left: Box<LogicalPlan>,
        /// Right input.
        right: Box<LogicalPlan>,
        /// Join kind.
        kind: JoinKind,
        /// The join condition over the concatenated row (residual when hash/merge).
        on: Option<ScalarExpr>,
        /// Algorithm.
        strategy: JoinStrategy,
    },
    /// GROUP BY + aggregates; output is the group keys then the aggregates.
    Aggregate {
        /// Input.
        input: Box<LogicalPlan>,
        /// Group keys.
        group_by: Vec<ScalarExpr>,
        /// Aggregate calls.
        aggregates: Vec<AggregateCall>,
        /// Algorithm.
        strategy: AggStrategy,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// Window functions; output is the input row followed by one column per call.
    Window {
        /// Input.
        input: Box<LogicalPlan>,
        /// Calls.
        calls: Vec<WindowCall>,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// ORDER BY; with `limit`, a top-N sort keeping only that many rows.
    Sort {
        /// Input.
        input: Box<LogicalPlan>,
        /// Keys.
        keys: Vec<SortKey>,
        /// Rows needed (LIMIT + OFFSET), if known when planning.
        limit: Option<u64>,
    },
    /// LIMIT / OFFSET.
    Limit {
        /// Input.
        input: Box<LogicalPlan>,
        /// LIMIT (a constant or parameter expression); None: all.
        limit: Option<ScalarExpr>,
        /// OFFSET.
        offset: Option<ScalarExpr>,
    },
    /// DISTINCT, or DISTINCT ON (keys) keeping the first row of each key.
    Distinct {
        /// Input.
        input: Box<LogicalPlan>,
        /// DISTINCT ON keys; None: whole rows.
        on: Option<Vec<ScalarExpr>>,
    },
    /// UNION / INTERSECT / EXCEPT \[ALL\].
    SetOp {
        /// Which.
        kind: SetOpKind,
        /// ALL.
        all: bool,
        /// Left.
        left: Box<LogicalPlan>,
        /// Right.
        right: Box<LogicalPlan>,
        /// Output schema (left's names, common types).
        schema: Vec<Column>,
    },
    /// `WITH RECURSIVE`: the anchor once, then the recursive part over the previous
    /// iteration's rows until it yields none (UNION drops duplicates).
    RecursiveCte {
        /// Anchor part.
        anchor: Box<LogicalPlan>,
        /// Recursive part; reads the working table through `WorkTable` with `id`.
        recursive: Box<LogicalPlan>,
        /// UNION (false) or UNION ALL (true).
        all: bool,
        /// Working-table id.
        id: usize,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// The working table of the enclosing recursive CTE with `id`.
    WorkTable {
        /// Id of the RecursiveCte.
        id: usize,
        /// Schema.
        schema: Vec<Column>,
    },
    /// Materialised common table expression (evaluated once, read by several scans).
    CteScan {
        /// The CTE's plan, shared by every reference.
        plan: Arc<LogicalPlan>,
        /// Id shared by the references (the executor materialises once per id).
        id: usize,
        /// Schema (with the reference's alias).
        schema: Vec<Column>,
    },
    /// SELECT ... FOR UPDATE / FOR SHARE: locks the rows of the named scans.
    LockRows {
        /// Input.
        input: Box<LogicalPlan>,
        /// `(table, position of its hidden tid column)` to lock.
        targets: Vec<(TableRef, usize)>,
        /// FOR UPDATE (true) or FOR SHARE.
        exclusive: bool,
        /// The query's conditions over the input row, re-checked at READ COMMITTED when
        /// a target row was changed concurrently (PostgreSQL's EvalPlanQual): the newer
        /// version's values replace the target's columns in the row, which must be the
        /// `table.visible.len()` positions just before its tid column (as a scan with its
        /// tid outputs them, so LockRows belongs below the select-list projection), and
        /// the row is dropped unless this still holds. `None`: nothing to re-check. If
        /// the row does not carry the target's columns, a concurrent update is a 40001
        /// serialization failure instead.
        recheck: Option<ScalarExpr>,
    },
    /// INSERT.
    Insert {
        /// Target.
        table: TableRef,
        /// Rows to insert, one column per table column (defaults already filled in).
        source: Box<LogicalPlan>,
        /// ON CONFLICT.
        on_conflict: Option<OnConflict>,
        /// RETURNING expressions over the inserted row.
        returning: Vec<ScalarExpr>,
        /// Output schema (RETURNING; empty otherwise).
        schema: Vec<Column>,
    },
    /// UPDATE: input rows carry the target's columns and its hidden tid at `tid_column`.
    Update {
        /// Target.
        table: TableRef,
        /// Rows to update (from a scan or join with the target).
        input: Box<LogicalPlan>,
        /// Position of the target's hidden tid in the input row.
        tid_column: usize,
        /// Position of the target's first column in the input row.
        first_column: usize,
        /// `(column position, expression over the input row)`.
        assignments: Vec<(usize, ScalarExpr)>,
        /// The WHERE predicate, re-checked on a newer version after a concurrent update
        /// (READ COMMITTED), over the target's columns.
        recheck: Option<ScalarExpr>,
        /// RETURNING over the input row with the target's columns holding the new
        /// values (FROM items can be returned too).
        returning: Vec<ScalarExpr>,
        /// Output schema.
        schema: Vec<Column>,
    },
    /// DELETE.
    Delete {
        /// Target.
        table: TableRef,
        /// Rows to delete.
        input: Box<LogicalPlan>,
        /// Position of the hidden tid.
        tid_column: usize,
        /// Position of the target's first column in the input row.
        first_column: usize,
        /// Re-check predicate over the target's columns (see Update).
        recheck: Option<ScalarExpr>,
        /// RETURNING over the input row (the deleted values and the USING items).
        returning: Vec<ScalarExpr>,
        /// Output schema.
        schema: Vec<Column>,
    },
}

impl LogicalPlan {
    /// The node's output schema.
    pub fn schema(&self) -> Vec<Column> {
        match self {
            LogicalPlan::Scan { schema, .. }
            | LogicalPlan::Series { schema, .. }
            | LogicalPlan::Unnest { schema, .. }
            | LogicalPlan::Values { schema, .. }
            | LogicalPlan::Project { schema, .. }
            | LogicalPlan::Aggregate { schema, .. }
            | LogicalPlan::Window { schema, .. }
            | LogicalPlan::SetOp { schema, .. }
            | LogicalPlan::RecursiveCte { schema, .. }
            | LogicalPlan::WorkTable { schema, .. }
            | LogicalPlan::CteScan { schema, .. }
            | LogicalPlan::Insert { schema, .. }
            | LogicalPlan::Update { schema, .. }
            | LogicalPlan::Delete { schema, .. } => schema.clone(),
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. }
            | LogicalPlan::LockRows { input, .. } => input.schema(),
            LogicalPlan::Join {
                left, right, kind, ..
            } => {
                let mut s = left.schema();
                if !matches!(kind, JoinKind::Semi | JoinKind::Anti) {
                    s.extend(right.schema());
                }
                s
            }
        }
    }

    /// The number of output columns.
    pub fn width(&self) -> usize {
        self.schema().len()
    }

    /// The direct inputs.
    pub fn inputs(&self) -> Vec<&LogicalPlan> {
        match self {
            LogicalPlan::Scan { .. }
            | LogicalPlan::Series { .. }
            | LogicalPlan::Unnest { .. }
            | LogicalPlan::Values { .. }
            | LogicalPlan::WorkTable { .. }
            | LogicalPlan::CteScan { .. } => vec![],
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Window { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. }
            | LogicalPlan::LockRows { input, .. }
            | LogicalPlan::Update { input, .. }
            | LogicalPlan::Delete { input, .. } => vec![input],
            LogicalPlan::Insert { source, .. } => vec![source],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left, right]
            }
            LogicalPlan::RecursiveCte {
                anchor, recursive, ..
            } => vec![anchor, recursive],
        }
    }
}

impl LogicalPlan {
    /// The direct inputs, for rewriting in place.
    pub fn inputs_mut(&mut self) -> Vec<&mut Box<LogicalPlan>> {
        match self {
            LogicalPlan::Scan { .. }
            | LogicalPlan::Series { .. }
            | LogicalPlan::Unnest { .. }
            | LogicalPlan::Values { .. }
            | LogicalPlan::WorkTable { .. }
            | LogicalPlan::CteScan { .. } => vec![],
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Window { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. }
            | LogicalPlan::LockRows { input, .. }
            | LogicalPlan::Update { input, .. }
            | LogicalPlan::Delete { input, .. } => vec![input],
            LogicalPlan::Insert { source, .. } => vec![source],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left, right]
            }
            LogicalPlan::RecursiveCte {
                anchor, recursive, ..
            } => vec![anchor, recursive],
        }
    }

    /// An empty placeholder used while a node is being rebuilt.
    pub fn empty() -> LogicalPlan {
        LogicalPlan::Values {
            rows: Vec::new(),
            schema: Vec::new(),
        }
    }
}
