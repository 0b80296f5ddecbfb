//! Sequences: `nextval`, `setval` and the storage behind them.
//!
//! A sequence's state (`last_value`, `is_called`) is one raw record in its own heap
//! relation, written *outside* transactions as in PostgreSQL: a value handed out is
//! never given back, even if the transaction that took it rolls back, so concurrent
//! transactions never wait for each other on a sequence. Each change rewrites the record
//! in place under the page's write latch, which is the sequence's mutex (every sequence
//! has its own page, so they do not contend), and logs the page change in the WAL. A
//! committing transaction flushes the WAL past it, so after a crash a sequence never
//! returns a value a committed transaction already used.
//!
//! ```text
//!   record (9 bytes): last_value: i64 LE | is_called: u8
//!   nextval: is_called ? last_value + increment : last_value   (then is_called = true)
//! ```
//!
//! Errors are PostgreSQL's: 2200H when `nextval` passes MAXVALUE/MINVALUE of a sequence
//! without CYCLE, 22003 for a `setval` out of bounds, 55000 for `currval` before any
//! `nextval` in the session (the session's memory is `exec::SessionSequences`).

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::{HeapFile, RecordMeta, RelId, Tid};

use super::{Catalog, CatalogTxn, SequenceDef};

/// Where the state record lives in a sequence's relation.
const STATE_TID: Tid = Tid { page: 0, slot: 0 };
const STATE_LEN: usize = 9;

fn encode_state(last: i64, is_called: bool) -> [u8; STATE_LEN] {
    let mut b = [0u8; STATE_LEN];
    b[..8].copy_from_slice(&last.to_le_bytes());
    b[8] = u8::from(is_called);
    b
}

fn decode_state(b: &[u8]) -> Option<(i64, bool)> {
    let last = i64::from_le_bytes(b.get(..8)?.try_into().ok()?);
    Some((last, *b.get(8)? != 0))
}

fn corrupt(seq: &SequenceDef) -> DbError {
    DbError::from_template(
        ErrorCode::DataCorrupted,
        &[
            ("what", &format!("sequence \"{}\"", seq.name)),
            ("reason", &"its state record is missing or malformed"),
        ],
    )
}

/// 55000 `currval of sequence "s" is not yet defined in this session`.
pub fn currval_undefined(name: &str) -> DbError {
    DbError::new(
        ErrorCode::InvalidParameter,
        format!("currval of sequence \"{name}\" is not yet defined in this session"),
    )
    .with_sqlstate("55000")
}

/// The value after `last` for `seq`, or 2200H at a limit without CYCLE.
fn advance(seq: &SequenceDef, last: i64) -> Result<i64, DbError> {
    let next = last.checked_add(seq.increment);
    if seq.increment > 0 {
        match next {
            Some(n) if n <= seq.max => Ok(n),
            _ if seq.cycle => Ok(seq.min),
            _ => Err(limit("maximum", &seq.name, seq.max)),
        }
    } else {
        match next {
            Some(n) if n >= seq.min => Ok(n),
            _ if seq.cycle => Ok(seq.max),
            _ => Err(limit("minimum", &seq.name, seq.min)),
        }
    }
}

fn limit(which: &str, name: &str, value: i64) -> DbError {
    DbError::new(
        ErrorCode::DataException,
        format!("nextval: reached {which} value of sequence \"{name}\" ({value})"),
    )
    .with_sqlstate("2200H")
}

impl Catalog {
    fn sequence_heap(&self, seq: &SequenceDef) -> Result<HeapFile, DbError> {
        Ok(HeapFile::open(self.storage(), RelId(seq.rel))?)
    }

    /// Creates the relation of a new sequence holding `start` (not yet called), records
    /// it in `ctx` (removed if the transaction rolls back) and returns its id, the
    /// `rel` of the sequence's definition.
    pub fn create_sequence_storage(
        &self,
        ctx: &mut CatalogTxn,
        start: i64,
    ) -> Result<u32, DbError> {
        let heap = HeapFile::create(self.storage())?;
        ctx.created_relation(heap.rel());
        let tid = heap.insert(&encode_state(start, false), RecordMeta::NONE)?;
        if tid != STATE_TID {
            return Err(DbError::internal(format!(
                "a new sequence's state landed at {tid}"
            )));
        }
        Ok(heap.rel().0)
    }

    /// Rewrites the state of `seq` with `f` (old state -> new state and result) under
    /// the page latch.
    fn change_sequence<R>(
        &self,
        seq: &SequenceDef,
        f: impl FnOnce(i64, bool) -> Result<((i64, bool), R), DbError>,
    ) -> Result<R, DbError> {
        let heap = self.sequence_heap(seq)?;
        let out = heap.update_in_place(STATE_TID, RecordMeta::NONE, |bytes| {
            let (last, called) = decode_state(bytes).ok_or_else(|| corrupt(seq))?;
            let ((new_last, new_called), r) = f(last, called)?;
            if bytes.len() >= STATE_LEN {
                bytes[..STATE_LEN].copy_from_slice(&encode_state(new_last, new_called));
            }
            Ok(r)
        })?;
        out.ok_or_else(|| corrupt(seq))?
    }

    /// `nextval(seq)`: the next value, consumed whatever happens to the transaction.
    pub fn nextval(&self, seq: &SequenceDef) -> Result<i64, DbError> {
        self.change_sequence(seq, |last, called| {
            let v = if called { advance(seq, last)? } else { last };
            Ok(((v, true), v))
        })
    }

    /// `setval(seq, value, is_called)`: the next `nextval` returns `value` (if not
    /// called) or the value after it. 22003 outside MINVALUE..MAXVALUE.
    pub fn setval(&self, seq: &SequenceDef, value: i64, is_called: bool) -> Result<i64, DbError> {
        if value < seq.min || value > seq.max {
            return Err(DbError::new(
                ErrorCode::DataException,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    seq.name, seq.min, seq.max
                ),
            )
            .with_sqlstate("22003"));
        }
        self.change_sequence(seq, |_, _| Ok(((value, is_called), value)))
    }

    /// The sequence's `(last_value, is_called)`, as `SELECT * FROM seq` shows them.
    pub fn sequence_state(&self, seq: &SequenceDef) -> Result<(i64, bool), DbError> {
        let heap = self.sequence_heap(seq)?;
        let state = heap.with_tuple(STATE_TID, decode_state)?.flatten();
        state.ok_or_else(|| corrupt(seq))
    }
}
