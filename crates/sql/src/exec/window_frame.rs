//! Window functions over one sorted partition: ranking, offsets, and frames.
//!
//! **Peers** are rows with equal ORDER BY keys (all rows, without ORDER BY). `rank`
//! is one plus the number of rows before the first peer, `dense_rank` the peer group's
//! number, `percent_rank` `(rank - 1) / (rows - 1)`, `cume_dist` the fraction of rows up
//! to the last peer.
//!
//! **Frames** are `[start, end)` row ranges per row. ROWS counts rows; RANGE moves by
//! ORDER BY values: `CURRENT ROW` reaches the first (start) or last (end) peer, and
//! `n PRECEDING/FOLLOWING` the rows whose key is within `n` of the current row's (one
//! numeric ORDER BY key; DESC turns "preceding" into "larger"). Aggregates over a frame
//! starting at UNBOUNDED PRECEDING are accumulated incrementally (the frame only grows);
//! other frames are aggregated afresh for each row.

use std::cmp::Ordering;

use rustydb_common::{DbError, ErrorCode};

use super::accumulator::Accumulator;
use super::eval::{eval, eval_all};
use super::sort::{KeyOrder, compare_keys};
use super::{Exec, Row};
use crate::plan::logical::{FrameBound, FrameUnits, WindowCall, WindowFunction};
use crate::types::ops::{self, BinaryOp};
use crate::types::{DataType, Value, cast, compare};

/// One partition, sorted.
#[derive(Debug)]
pub(crate) struct Partition<'p> {
    pub(crate) rows: Vec<&'p Row>,
    /// ORDER BY key values of each row.
    pub(crate) keys: Vec<&'p [Value]>,
    pub(crate) order: &'p [KeyOrder],
    /// The rows whose first ORDER BY key is not NULL (NULLs sort first or last).
    pub(crate) non_null: (usize, usize),
}

impl Partition<'_> {
    fn peers(&self, a: usize, b: usize) -> bool {
        compare_keys(self.keys[a], self.keys[b], self.order) == Ordering::Equal
    }

    /// `(first, last + 1)` of each row's peer group.
    fn peer_groups(&self) -> Vec<(usize, usize)> {
        let n = self.rows.len();
        let mut out = vec![(0, 0); n];
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && self.peers(start, end) {
                end += 1;
            }
            for slot in &mut out[start..end] {
                *slot = (start, end);
            }
            start = end;
        }
        out
    }
}

fn positive_arg(v: &Value, what: &str, sqlstate: &'static str) -> Result<Option<i64>, DbError> {
    let n = match cast::cast(v, &DataType::Int8)? {
        Value::Int8(n) => n,
        _ => return Ok(None),
    };
    if n <= 0 {
        return Err(DbError::new(
            ErrorCode::DataException,
            format!("argument of {what} must be greater than zero"),
        )
        .with_sqlstate(sqlstate));
    }
    Ok(Some(n))
}

/// The values of `call` for every row of `part`, in partition order.
pub(crate) fn evaluate(
    call: &WindowCall,
    part: &Partition<'_>,
    ex: &mut Exec<'_, '_>,
) -> Result<Vec<Value>, DbError> {
    let n = part.rows.len();
    let peers = part.peer_groups();
    let arg = |i: usize, k: usize, ex: &mut Exec<'_, '_>| -> Result<Value, DbError> {
        match call.args.get(k) {
            Some(e) => eval(e, part.rows[i], ex),
            None => Ok(Value::Null),
        }
    };
    let mut out = Vec::with_capacity(n);
    match &call.func {
        WindowFunction::RowNumber => out.extend((1..=n as i64).map(Value::Int8)),
        WindowFunction::Rank => out.extend(peers.iter().map(|&(s, _)| Value::Int8(s as i64 + 1))),
        WindowFunction::DenseRank => {
            let mut rank = 0;
            for (i, &(s, _)) in peers.iter().enumerate() {
                if s == i {
                    rank += 1;
                }
                out.push(Value::Int8(rank));
            }
        }
        WindowFunction::PercentRank => out.extend(peers.iter().map(|&(s, _)| {
            Value::Float8(if n <= 1 {
                0.0
            } else {
                s as f64 / (n - 1) as f64
            })
        })),
        WindowFunction::CumeDist => out.extend(
            peers
                .iter()
                .map(|&(_, e)| Value::Float8(e as f64 / n as f64)),
        ),
        WindowFunction::Ntile => {
            for i in 0..n {
                let Some(buckets) = positive_arg(&arg(i, 0, ex)?, "ntile", "22014")? else {
                    out.push(Value::Null);
                    continue;
                };
                // The first `n % buckets` buckets hold one row more than the others.
                let (size, extra) = (n as i64 / buckets, n as i64 % buckets);
                let i = i as i64;
                let big = extra * (size + 1);
                let bucket = if i < big {
                    i / (size + 1)
                } else {
                    extra + (i - big) / size.max(1)
                };
                out.push(Value::Int4((bucket + 1) as i32));
            }
        }
        WindowFunction::Lag | WindowFunction::Lead => {
            let sign = if matches!(call.func, WindowFunction::Lag) {
                -1
            } else {
                1
            };
            for i in 0..n {
                let offset = match call.args.get(1) {
                    Some(_) => match cast::cast(&arg(i, 1, ex)?, &DataType::Int8)? {
                        Value::Int8(o) => o,
                        _ => {
                            out.push(Value::Null);
                            continue;
                        }
                    },
                    None => 1,
                };
                let target = i as i64 + sign * offset;
                if (0..n as i64).contains(&target) {
                    out.push(arg(target as usize, 0, ex)?);
                } else {
                    out.push(arg(i, 2, ex)?);
                }
            }
        }
        WindowFunction::FirstValue | WindowFunction::LastValue | WindowFunction::NthValue => {
            for i in 0..n {
                let (s, e) = frame(call, part, &peers, i)?;
                let pick = match call.func {
                    WindowFunction::FirstValue => (s < e).then_some(s),
                    WindowFunction::LastValue => (s < e).then(|| e - 1),
                    _ => match positive_arg(&arg(i, 1, ex)?, "nth_value", "22016")? {
                        Some(k) => (s as i64 + k - 1 < e as i64).then(|| s + k as usize - 1),
                        None => None,
                    },
                };
                out.push(match pick {
                    Some(j) => arg(j, 0, ex)?,
                    None => Value::Null,
                });
            }
        }
        WindowFunction::Aggregate(func) => {
            let args: Vec<Vec<Value>> = part
                .rows
                .iter()
                .map(|r| eval_all(&call.args, r, ex))
                .collect::<Result<_, _>>()?;
            let growing = matches!(call.frame.1, FrameBound::UnboundedPreceding);
            let mut acc = Accumulator::new(*func);
            let mut fed = 0;
            for i in 0..n {
                let (s, e) = frame(call, part, &peers, i)?;
                if growing && s == 0 && e >= fed {
                    for a in &args[fed..e] {
                        acc.update(a)?;
                    }
                    fed = e;
                    out.push(acc.finish()?);
                } else {
                    let mut fresh = Accumulator::new(*func);
                    for a in &args[s..e.max(s)] {
                        fresh.update(a)?;
                    }
                    out.push(fresh.finish()?);
                }
                if i % 1024 == 1023 {
                    ex.check_interrupts()?;
                }
            }
        }
    }
    Ok(out)
}

/// Row `i`'s frame as `[start, end)`.
fn frame(
    call: &WindowCall,
    part: &Partition<'_>,
    peers: &[(usize, usize)],
    i: usize,
) -> Result<(usize, usize), DbError> {
    let n = part.rows.len();
    let (units, start, end) = &call.frame;
    let s = edge(*units, start, part, peers, i, true)?;
    let e = edge(*units, end, part, peers, i, false)?;
    Ok((s.min(n), e.clamp(s.min(n), n)))
}

/// One frame edge: the first row in the frame (`is_start`) or one past the last.
fn edge(
    units: FrameUnits,
    bound: &FrameBound,
    part: &Partition<'_>,
    peers: &[(usize, usize)],
    i: usize,
    is_start: bool,
) -> Result<usize, DbError> {
    let n = part.rows.len();
    Ok(match (units, bound) {
        (_, FrameBound::UnboundedPreceding) => 0,
        (_, FrameBound::UnboundedFollowing) => n,
        (FrameUnits::Rows, FrameBound::CurrentRow) => i + usize::from(!is_start),
        (FrameUnits::Rows, FrameBound::Preceding(k)) => {
            let k = usize::try_from(*k).unwrap_or(usize::MAX);
            (i + usize::from(!is_start)).saturating_sub(k)
        }
        (FrameUnits::Rows, FrameBound::Following(k)) => {
            let k = usize::try_from(*k).unwrap_or(usize::MAX);
            i.saturating_add(k)
                .saturating_add(usize::from(!is_start))
                .min(n)
        }
        (FrameUnits::Range, FrameBound::CurrentRow) => {
            if is_start {
                peers[i].0
            } else {
                peers[i].1
            }
        }
        (FrameUnits::Range, FrameBound::Preceding(k)) => {
            range_edge(part, peers, i, *k, true, is_start)?
        }
        (FrameUnits::Range, FrameBound::Following(k)) => {
            range_edge(part, peers, i, *k, false, is_start)?
        }
    })
}

/// A RANGE edge `k` PRECEDING / FOLLOWING the current row's key.
fn range_edge(
    part: &Partition<'_>,
    peers: &[(usize, usize)],
    i: usize,
    k: u64,
    preceding: bool,
    is_start: bool,
) -> Result<usize, DbError> {
    let (Some(key), Some(&(desc, _))) = (part.keys[i].first(), part.order.first()) else {
        return Err(DbError::new(
            ErrorCode::DataException,
            "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
        )
        .with_sqlstate("42P20"));
    };
    if key.is_null() {
        // NULL keys: the frame is the NULL peers.
        return Ok(if is_start { peers[i].0 } else { peers[i].1 });
    }
    // Moving "back" in sort order lowers an ascending key and raises a descending one.
    let lower = preceding != desc;
    let offset = Value::Int8(i64::try_from(k).unwrap_or(i64::MAX));
    let op = if lower {
        BinaryOp::Minus
    } else {
        BinaryOp::Plus
    };
    let (lo, hi) = part.non_null;
    let numeric = matches!(
        key,
        Value::Int2(_)
            | Value::Int4(_)
            | Value::Int8(_)
            | Value::Float4(_)
            | Value::Float8(_)
            | Value::Numeric(_)
    );
    if !numeric {
        return Err(crate::types::errors::not_supported(
            "RANGE with offset PRECEDING/FOLLOWING and a non-numeric ORDER BY column",
        ));
    }
    let Ok(target) = ops::eval_binary(op, key, &offset) else {
        // The offset reaches past the type's range: every non-NULL row is within it.
        return Ok(if is_start { lo } else { hi });
    };
    // In sort order, the frame starts at the first row not before `target` and ends
    // after the last row not after it.
    let before = |v: &Value| -> bool {
        let o = compare::sort_cmp(v, &target);
        if desc {
            o == Ordering::Greater
        } else {
            o == Ordering::Less
        }
    };
    let after = |v: &Value| -> bool {
        let o = compare::sort_cmp(v, &target);
        if desc {
            o == Ordering::Less
        } else {
            o == Ordering::Greater
        }
    };
    // The non-NULL keys are sorted, so both edges are binary searches among them.
    let keys = &part.keys[lo..hi];
    Ok(if is_start {
        lo + keys.partition_point(|k| before(&k[0]))
    } else {
        lo + keys.partition_point(|k| !after(&k[0]))
    })
}
