//! `Delete`: DELETE FROM .. [USING ..] [WHERE ..] [RETURNING ..].
//!
//! Each input row carries the target's hidden tid; the version is deleted through
//! [`modify::delete`], which queues the actions of tables referencing the target. A row
//! changed concurrently is followed to its newest version at READ COMMITTED and deleted
//! there if the WHERE (`recheck`) still holds, as in [`super::update`]; a row already
//! deleted, by anyone, is skipped. RETURNING is evaluated over the input row holding
//! the deleted values. Foreign-key actions fire at the end of the whole statement.

use rustydb_common::DbError;

use super::modify::{self, Modify};
use super::update::Target;
use super::{Exec, Row};

/// `Delete on t`.
#[derive(Debug)]
pub(crate) struct DeleteOp {
    target: Target,
    affected: u64,
}

impl DeleteOp {
    pub(crate) fn new(target: Target) -> DeleteOp {
        DeleteOp {
            target,
            affected: 0,
        }
    }
}

impl Modify for DeleteOp {
    fn run(&mut self, ex: &mut Exec<'_, '_>) -> Result<Vec<Row>, DbError> {
        let first = self.target.first_column;
        let n = self.target.table.visible.len();
        self.target
            .write_all(ex, &mut self.affected, |ex, table, tid, row| {
                modify::delete(ex, table, tid, &row[first..first + n])
            })
    }

    fn affected(&self) -> u64 {
        self.affected
    }
}
