//! Nested-loop joins: every left row against every right row, keeping the pairs the
//! join condition accepts. Works for every join kind and any condition.
//!
//! The right side is either read once and kept in memory ([`Inner::Materialized`]: the
//! plan IR has no LATERAL, so it cannot depend on the left row), or re-executed for every
//! left row with that row pushed on the outer-row stack ([`Inner::Parameterized`]: an
//! index nested loop, whose right side probes an index with the left row's values).
//!
//! Outer joins pad with NULLs: a LEFT/FULL join emits a left row without matches once,
//! followed by NULLs; RIGHT/FULL joins remember which right rows matched and emit the
//! others after the left side is exhausted. Semi joins emit a left row at its first
//! match; anti joins emit it when it has none.
//!
//! The operator is resumable at any pair, so a large cross product streams in batches
//! instead of being built in memory.

use std::sync::Arc;

use rustydb_common::DbError;

use super::eval::eval_predicate;
use super::{BATCH_SIZE, Batch, BoxOp, Exec, NodeKey, Operator, Row, build, drain};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{JoinKind, LogicalPlan};
use crate::types::Value;

/// What a left row contributes once its matches are known, beyond the joined pairs:
/// SEMI emits it if it matched, ANTI if it did not, LEFT and FULL pad it with
/// `right_width` NULLs if it did not. Shared by every join algorithm.
pub(crate) fn left_row_done(
    kind: JoinKind,
    matched: bool,
    left: Row,
    right_width: usize,
    out: &mut Batch,
) {
    match kind {
        JoinKind::Semi if matched => out.push(left),
        JoinKind::Anti if !matched => out.push(left),
        JoinKind::Left | JoinKind::Full if !matched => {
            let mut r = left;
            r.extend(std::iter::repeat_n(Value::Null, right_width));
            out.push(r);
        }
        _ => {}
    }
}

/// Where the right rows come from.
#[derive(Debug)]
pub(crate) enum Inner {
    /// Read once and kept.
    Materialized(BoxOp),
    /// Re-executed for each left row, which it reads as its outer row.
    Parameterized {
        /// The right side's plan.
        plan: Arc<LogicalPlan>,
        /// Its root's number in the statement's plan.
        key: NodeKey,
        /// Instrument the rebuilt operators.
        analyze: bool,
    },
}

/// `Nested Loop`.
#[derive(Debug)]
pub(crate) struct NestedLoop {
    left: BoxOp,
    inner: Inner,
    kind: JoinKind,
    on: Option<ScalarExpr>,
    widths: (usize, usize),
    /// The right rows (all of them, or the current left row's when parameterized).
    right: Option<Vec<Row>>,
    /// Which right rows matched some left row (RIGHT / FULL).
    right_matched: Vec<bool>,
    batch: Vec<Row>,
    /// Position: left row in `batch`, next right row, whether the left row matched.
    li: usize,
    ri: usize,
    matched: bool,
    /// The right rows of the current left row are loaded (parameterized).
    loaded: bool,
    left_done: bool,
    /// Next unmatched right row to emit after the left side ended.
    tail: usize,
}

impl NestedLoop {
    pub(crate) fn new(
        left: BoxOp,
        inner: Inner,
        kind: JoinKind,
        on: Option<ScalarExpr>,
        widths: (usize, usize),
    ) -> NestedLoop {
        NestedLoop {
            left,
            inner,
            kind,
            on,
            widths,
            right: None,
            right_matched: Vec::new(),
            batch: Vec::new(),
            li: 0,
            ri: 0,
            matched: false,
            loaded: false,
            left_done: false,
            tail: 0,
        }
    }

    fn load_right(&mut self, ex: &mut Exec<'_, '_>) -> Result<(), DbError> {
        match &mut self.inner {
            Inner::Materialized(op) => {
                if self.right.is_none() {
                    let rows = drain(op, ex)?;
                    self.right_matched = vec![false; rows.len()];
                    self.right = Some(rows);
                }
            }
            Inner::Parameterized { plan, key, analyze } => {
                if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                    return Err(DbError::internal(
                        "a parameterized nested loop cannot be a RIGHT or FULL join",
                    ));
                }
                let left_row = self.batch[self.li].clone();
                let (plan, key, analyze) = (plan.clone(), *key, *analyze);
                let rows = ex.with_outer(left_row, |ex| {
                    let mut op = build(&plan, key.0, key.1, analyze)?;
                    drain(&mut op, ex)
                })?;
                self.right = Some(rows);
            }
        }
        self.loaded = true;
        Ok(())
    }

    /// Finishes the current left row and moves on.
    fn end_left_row(&mut self, out: &mut Batch) {
        if self.kind != JoinKind::Inner && self.kind != JoinKind::Right {
            left_row_done(
                self.kind,
                self.matched,
                self.batch[self.li].clone(),
                self.widths.1,
                out,
            );
        }
        self.li += 1;
        self.ri = 0;
        self.matched = false;
        if matches!(self.inner, Inner::Parameterized { .. }) {
            self.loaded = false;
        }
    }

    /// Emits the right rows no left row matched (RIGHT / FULL), after the left side.
    fn emit_unmatched_right(&mut self, out: &mut Batch) {
        let Some(right) = &self.right else { return };
        while self.tail < right.len() && out.len() < BATCH_SIZE {
            if !self.right_matched[self.tail] {
                let mut r: Row = vec![Value::Null; self.widths.0];
                r.extend(right[self.tail].iter().cloned());
                out.push(r);
            }
            self.tail += 1;
        }
    }
}

impl Operator for NestedLoop {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        let mut out = Vec::new();
        let mut steps = 0usize;
        while out.len() < BATCH_SIZE {
            if self.li >= self.batch.len() {
                if self.left_done {
                    break;
                }
                match self.left.next_batch(ex)? {
                    Some(b) => {
                        self.batch = b;
                        self.li = 0;
                        self.ri = 0;
                        self.matched = false;
                        self.loaded = false;
                    }
                    None => {
                        self.left_done = true;
                        if matches!(self.kind, JoinKind::Right | JoinKind::Full)
                            && self.right.is_none()
                        {
                            self.load_right(ex)?;
                        }
                        break;
                    }
                }
                continue;
            }
            if !self.loaded || self.right.is_none() {
                self.load_right(ex)?;
            }
            let right_len = self.right.as_ref().map_or(0, Vec::len);
            if self.ri >= right_len {
                self.end_left_row(&mut out);
                continue;
            }
            steps += 1;
            if steps.is_multiple_of(BATCH_SIZE) {
                ex.check_interrupts()?;
            }
            let right_row = &self.right.as_ref().expect("loaded")[self.ri];
            let mut joined = self.batch[self.li].clone();
            joined.extend(right_row.iter().cloned());
            let ok = match &self.on {
                Some(on) => eval_predicate(on, &joined, ex)?,
                None => true,
            };
            if ok {
                self.matched = true;
                if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                    self.right_matched[self.ri] = true;
                }
                if matches!(self.kind, JoinKind::Semi | JoinKind::Anti) {
                    // Decided by the first match: skip the remaining right rows.
                    self.ri = right_len;
                    continue;
                }
                out.push(joined);
            }
            self.ri += 1;
        }
        if self.left_done
            && matches!(self.kind, JoinKind::Right | JoinKind::Full)
            && out.len() < BATCH_SIZE
        {
            self.emit_unmatched_right(&mut out);
        }
        let exhausted = self.left_done
            && self.li >= self.batch.len()
            && (!matches!(self.kind, JoinKind::Right | JoinKind::Full)
                || self.right.as_ref().is_none_or(|r| self.tail >= r.len()));
        Ok(if out.is_empty() && exhausted {
            None
        } else {
            Some(out)
        })
    }
}
