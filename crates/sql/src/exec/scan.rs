//! Sequential scans, and what every scan shares ([`ScanPlan`]): decoding stored rows,
//! projecting them to the table's visible columns plus the hidden tuple id, and the
//! pushed-down filter.
//!
//! A sequential scan reads the heap page by page through the transaction, which keeps
//! only the versions the statement's snapshot sees (and checks for interrupts at every
//! page, so a long scan stops promptly on cancel or `statement_timeout`).

use rustydb_common::DbError;
use rustydb_storage::Tid;
use rustydb_txn::VisibleScan;

use super::eval::all_hold;
use super::{BATCH_SIZE, Batch, Exec, Operator, Row, tid_value};
use crate::catalog::{TableMeta, TableRef};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{LogicalPlan, ScanAccess};
use crate::row::{decode_columns, decode_row};
use crate::types::Value;

/// What a scan node asks for.
#[derive(Debug, Clone)]
pub(crate) struct ScanPlan {
    pub(crate) table: TableRef,
    pub(crate) filter: Vec<ScalarExpr>,
    pub(crate) access: ScanAccess,
    pub(crate) with_tid: bool,
}

impl ScanPlan {
    /// The scan described by a `Scan` node.
    pub(crate) fn from_plan(plan: &LogicalPlan) -> Option<ScanPlan> {
        match plan {
            LogicalPlan::Scan {
                table,
                filter,
                access,
                with_tid,
                ..
            } => Some(ScanPlan {
                table: table.clone(),
                filter: filter.clone(),
                access: access.clone(),
                with_tid: *with_tid,
            }),
            _ => None,
        }
    }

    /// Whether it reads through an index.
    pub(crate) fn is_index(&self) -> bool {
        matches!(self.access, ScanAccess::Index { .. })
    }

    /// The output row for the stored row `bytes` at `tid`, or `None` if the filter
    /// rejects it.
    pub(crate) fn produce(
        &self,
        bytes: &[u8],
        tid: Tid,
        ex: &mut Exec<'_, '_>,
    ) -> Result<Option<Row>, DbError> {
        let mut row = visible_row(&self.table, bytes)?;
        if self.with_tid {
            row.push(tid_value(tid));
        }
        Ok(if all_hold(&self.filter, &row, ex)? {
            Some(row)
        } else {
            None
        })
    }
}

/// The visible columns of the stored row `bytes` (dropped columns are skipped without
/// being decoded).
pub(crate) fn visible_row(table: &TableMeta, bytes: &[u8]) -> Result<Row, DbError> {
    if table.visible.len() == table.types.len() {
        return decode_row(bytes, &table.types);
    }
    let mut out = Vec::with_capacity(table.visible.len());
    decode_columns(bytes, &table.types, &table.visible, &mut out)?;
    Ok(out)
}

/// Keeps the visible columns of a full stored row.
pub(crate) fn to_visible(table: &TableMeta, stored: Vec<Value>) -> Row {
    if table.visible.len() == stored.len() {
        return stored;
    }
    let mut stored: Vec<Option<Value>> = stored.into_iter().map(Some).collect();
    table
        .visible
        .iter()
        .map(|&i| {
            stored
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or(Value::Null)
        })
        .collect()
}

/// A full stored row (dropped columns NULL) from the visible columns.
pub(crate) fn to_stored(table: &TableMeta, visible: &[Value]) -> Vec<Value> {
    let mut stored = vec![Value::Null; table.types.len()];
    for (v, &pos) in visible.iter().zip(&table.visible) {
        stored[pos] = v.clone();
    }
    stored
}

/// `Seq Scan`.
#[derive(Debug)]
pub(crate) struct SeqScan {
    plan: ScanPlan,
    scan: Option<VisibleScan>,
    done: bool,
}

impl SeqScan {
    pub(crate) fn new(plan: ScanPlan) -> SeqScan {
        SeqScan {
            plan,
            scan: None,
            done: false,
        }
    }
}

impl Operator for SeqScan {
    fn next_batch(&mut self, ex: &mut Exec<'_, '_>) -> Result<Option<Batch>, DbError> {
        if self.done {
            return Ok(None);
        }
        ex.check_interrupts()?;
        if self.scan.is_none() {
            ex.lock_relation(self.plan.table.heap.rel(), false)?;
            self.scan = Some(ex.txn().scan(&self.plan.table.heap)?);
        }
        let mut out = Vec::new();
        while out.len() < BATCH_SIZE {
            let scan = self.scan.as_mut().expect("opened above");
            let Some((tid, bytes)) = scan.next_row(ex.cx.txn)? else {
                self.done = true;
                self.scan = None;
                break;
            };
            if let Some(row) = self.plan.produce(&bytes, tid, ex)? {
                out.push(row);
            }
        }
        Ok(if out.is_empty() && self.done {
            None
        } else {
            Some(out)
        })
    }
}
