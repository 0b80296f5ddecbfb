//! Statistics for estimates: per table, the row count and per column the number of
//! distinct values, the fraction of NULLs and an equi-depth histogram, as ANALYZE
//! gathers them. Without ANALYZE, a table's row count is estimated from its pages.

use std::collections::HashMap;

use parking_lot::RwLock;

use crate::catalog::{Oid, TableMeta};
use crate::types::Value;

/// Statistics of one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnStats {
    /// Distinct non-NULL values.
    pub distinct: f64,
    /// Fraction of rows that are NULL.
    pub null_frac: f64,
    /// Equi-depth histogram bounds (sorted), at most 101 values.
    pub histogram: Vec<Value>,
}

/// Statistics of one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableStats {
    /// Live rows when analysed.
    pub rows: f64,
    /// Per visible column, in order.
    pub columns: Vec<ColumnStats>,
}

/// Every table's statistics.
#[derive(Debug, Default)]
pub struct Statistics {
    tables: RwLock<HashMap<Oid, TableStats>>,
}

/// Rows per 8 KiB page assumed before ANALYZE (PostgreSQL assumes a similar density
/// for never-analysed tables).
const ROWS_PER_PAGE: f64 = 60.0;

impl Statistics {
    /// Records the statistics ANALYZE gathered for a table.
    pub fn set(&self, table: Oid, stats: TableStats) {
        self.tables.write().insert(table, stats);
    }

    /// Forgets a dropped table.
    pub fn remove(&self, table: Oid) {
        self.tables.write().remove(&table);
    }

    /// A table's statistics, if analysed.
    pub fn get(&self, table: Oid) -> Option<TableStats> {
        self.tables.read().get(&table).cloned()
    }

    /// Estimated rows of a table.
    pub fn rows(&self, table: &TableMeta) -> f64 {
        if let Some(s) = self.tables.read().get(&table.def.oid) {
            return s.rows.max(1.0);
        }
        let pages = table.heap.nblocks().unwrap_or(1) as f64;
        (pages * ROWS_PER_PAGE).max(1.0)
    }

    /// Estimated distinct values of visible column `col` (position among the visible
    /// columns) of a table.
    pub fn distinct(&self, table: &TableMeta, col: usize) -> f64 {
        let rows = self.rows(table);
        match self
            .tables
            .read()
            .get(&table.def.oid)
            .and_then(|s| s.columns.get(col).cloned())
        {
            Some(c) if c.distinct > 0.0 => c.distinct,
            // PostgreSQL's default for an unknown column: 200 distinct values, or all
            // distinct in a small table.
            _ => rows.min(200.0),
        }
    }
}
