//! Merge joins over two inputs sorted ascending on their join keys (NULLs last, the
//! default order): both sides are walked once, in step. The right rows sharing one key
//! (a *group*) are buffered, so every left row with that key joins all of them; a group
//! is dropped when the left side passes its key.
//!
//! ```text
//!   left:  1 2 2 4          right: 1 1 2 3 NULL
//!          │ └─┴── join group [2]   │ │ │ └── 3 never matched (RIGHT/FULL emit it)
//!          └────── join group [1 1] └─┴─┴──── NULL keys never match
//! ```
//!
//! Every join kind is supported; the rest of the join condition is checked on each pair
//! with equal keys.

use std::cmp::Ordering;
use std::collections::VecDeque;

use rustydb_common::DbError;

use super::eval::{eval_all, eval_predicate};
use super::nested_loop::left_row_done;
use super::{BATCH_SIZE, Batch, BoxOp, Exec, Operator, Row};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::JoinKind;
use crate::types::{Value, compare};

/// One side's rows with their keys, a row at a time.
#[derive(Debug)]
struct Side {
    input: BoxOp,
    keys: Vec<ScalarExpr>,
    buf: VecDeque<Row>,
    done: bool,
}

impl Side {
    fn peek(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<&Row>, DbError> {
        while self.buf.is_empty() && !self.done {
            match self.input.next_batch(ex)? {
                Some(b) => self.buf.extend(b),
                None => self.done = true,
            }
        }
        Ok(self.buf.front())
    }

    fn next(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<(Row, Vec<Value>)>, DbError> {
        if self.peek(ex)?.is_none() {
            return Ok(None);
        }
        let row = self.buf.pop_front().expect("peeked");
        let key = eval_all(&self.keys, &row, ex)?;
        Ok(Some((row, key)))
    }
}

fn key_cmp(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare::sort_cmp(x, y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// `Merge Join`.
#[derive(Debug)]
pub(crate) struct MergeJoin {
    left: Side,
    right: Side,
    kind: JoinKind,
    on: Option<ScalarExpr>,
    widths: (usize, usize),
    /// The buffered right group: its key, rows and whether each matched.
    group: Option<(Vec<Value>, Vec<Row>, Vec<bool>)>,
    /// A right row read past the group.
    right_next: Option<(Row, Vec<Value>)>,
    finished: bool,
}

impl MergeJoin {
    pub(crate) fn new(
        left: BoxOp,
        right: BoxOp,
        kind: JoinKind,
        on: Option<ScalarExpr>,
        (left_keys, right_keys): (Vec<ScalarExpr>, Vec<ScalarExpr>),
        widths: (usize, usize),
    ) -> Result<MergeJoin, DbError> {
        if left_keys.len() != right_keys.len() || left_keys.is_empty() {
            return Err(DbError::internal(
                "merge join needs as many left keys as right keys",
            ));
        }
        let side = |input, keys| Side {
            input,
            keys,
            buf: VecDeque::new(),
            done: false,
        };
        Ok(MergeJoin {
            left: side(left, left_keys),
            right: side(right, right_keys),
            kind,
            on,
            widths,
            group: None,
            right_next: None,
            finished: false,
        })
    }

    fn emits_unmatched_right(&self) -> bool {
        matches!(self.kind, JoinKind::Right | JoinKind::Full)
    }

    fn pad_right(&self, row: &Row) -> Row {
        let mut r: Row = vec![Value::Null; self.widths.0];
        r.extend(row.iter().cloned());
        r
    }

    /// Drops the current group, emitting its unmatched rows for RIGHT / FULL joins.
    fn drop_group(&mut self, out: &mut Batch) {
        if let Some((_, rows, matched)) = self.group.take()
            && self.emits_unmatched_right()
        {
            for (r, m) in rows.iter().zip(&matched) {
                if !m {
                    out.push(self.pad_right(r));
                }
            }
        }
    }

    fn next_right(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<(Row, Vec<Value>)>, DbError> {
        match self.right_next.take() {
            Some(r) => Ok(Some(r)),
            None => self.right.next(ex),
        }
    }

    /// Makes the group the right rows with key `key`, if any; right rows with smaller
    /// (or NULL) keys met on the way are unmatched.
    fn seek_group(
        &mut self,
        key: &[Value],
        out: &mut Batch,
        ex: &mut Exec<'_, '_>,
    ) -> Result<(), DbError> {
        if let Some((gk, _, _)) = &self.group {
            if key_cmp(gk, key) != Ordering::Less {
                return Ok(());
            }
            self.drop_group(out);
        }
        while let Some((row, rk)) = self.next_right(ex)? {
            let has_null = rk.iter().any(Value::is_null);
            match key_cmp(&rk, key) {
                Ordering::Less => {
                    if self.emits_unmatched_right() {
                        out.push(self.pad_right(&row));
                    }
                }
                _ if has_null => {
                    self.right_next = Some((row, rk));
                    return Ok(());
                }
                Ordering::Equal | Ordering::Greater => {
                    // Collect every right row with this key into the group.
                    let mut rows = vec![row];
                    loop {
                        match self.right.next(ex)? {
                            Some((r, k)) if key_cmp(&k, &rk) == Ordering::Equal => rows.push(r),
                            other => {
                                self.right_next = other;
                                break;
                            }
                        }
                    }
                    let n = rows.len();
                    self.group = Some((rk, rows, vec![false; n]));
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn join_left(
        &mut self,
        left: Row,
        key: Vec<Value>,
        out: &mut Batch,
        ex: &mut Exec<'_, '_>,
    ) -> Result<(), DbError> {
        let mut matched = false;
        if !key.iter().any(Value::is_null) {
            self.seek_group(&key, out, ex)?;
            if let Some((gk, rows, flags)) = &mut self.group
                && key_cmp(gk, &key) == Ordering::Equal
            {
                for (r, flag) in rows.iter().zip(flags.iter_mut()) {
                    let mut joined = left.clone();
                    joined.extend(r.iter().cloned());
                    if let Some(on) = &self.on
                        && !eval_predicate(on, &joined, ex)?
                    {
                        continue;
                    }
                    matched = true;
                    *flag = true;
                    match self.kind {
                        JoinKind::Semi | JoinKind::Anti => break,
                        _ => out.push(joined),
                    }
                }
            }
        }
        left_row_done(self.kind, matched, left, self.widths.1, out);
        Ok(())
    }
}

impl Operator for MergeJoin {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.finished {
            return Ok(None);
        }
        let mut out = Vec::new();
        while out.len() < BATCH_SIZE {
            match self.left.next(ex)? {
                Some((row, key)) => self.join_left(row, key, &mut out, ex)?,
                None => {
                    self.drop_group(&mut out);
                    if self.emits_unmatched_right() {
                        while let Some((r, _)) = self.next_right(ex)? {
                            out.push(self.pad_right(&r));
                        }
                    }
                    self.finished = true;
                    break;
                }
            }
        }
        ex.check_interrupts()?;
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}
