//! Executor tests: plans built by hand over tables created through the catalog in a
//! temporary directory, run in real transactions.

#![allow(clippy::unwrap_used)]

mod aggregate;
mod concurrency;
mod dml;
mod explain;
mod fk;
mod join;
mod plans;
mod query;
mod sequence;
mod subquery;
mod window;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rustydb_common::DbError;
use rustydb_storage::{BTree, HeapFile, Storage, StorageOptions};
use rustydb_txn::{IsolationLevel, Transaction, TxnConfig, TxnManager};

use super::{BoundCheck, ExecContext, QueryResult, SessionSequences, TableExprs, execute};
use crate::catalog::{
    Catalog, CatalogTxn, ColumnDef, ConstraintDef, ConstraintKind, Entry, FkAction, IndexColumn,
    IndexDef, IndexRef, Oid, TableDef, TableMeta, TableRef,
};
use crate::functions::EvalContext;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan, ScanAccess, SortKey};
use crate::types::ops::BinaryOp;
use crate::types::{DataType, Value};

use plans::*;

/// CHECK constraints and defaults for the tests, as the binder would bind them.
#[derive(Debug, Default)]
pub(super) struct TestExprs {
    checks: Mutex<HashMap<Oid, Vec<BoundCheck>>>,
    defaults: Mutex<HashMap<(Oid, usize), ScalarExpr>>,
}

impl TableExprs for TestExprs {
    fn checks(&self, table: &TableMeta) -> Result<Vec<BoundCheck>, DbError> {
        Ok(self
            .checks
            .lock()
            .get(&table.def.oid)
            .cloned()
            .unwrap_or_default())
    }

    fn column_default(
        &self,
        table: &TableMeta,
        column: usize,
    ) -> Result<Option<ScalarExpr>, DbError> {
        Ok(self.defaults.lock().get(&(table.def.oid, column)).cloned())
    }
}

/// A database in a temporary directory.
pub(super) struct Db {
    _dir: tempfile::TempDir,
    pub(super) storage: Arc<Storage>,
    pub(super) mgr: Arc<TxnManager>,
    pub(super) catalog: Catalog,
    pub(super) exprs: TestExprs,
    pub(super) work_mem: usize,
}

impl Db {
    pub(super) fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let mut o = StorageOptions::new(dir.path());
        o.buffer_pool_pages = 512;
        o.background = false;
        let storage = Storage::open(o).unwrap();
        let config = TxnConfig {
            deadlock_timeout: Duration::from_millis(50),
            autovacuum: false,
            ..TxnConfig::default()
        };
        let mgr = TxnManager::open(&storage, config).unwrap();
        let catalog = Catalog::open(&storage, &mgr).unwrap();
        Db {
            _dir: dir,
            storage,
            mgr,
            catalog,
            exprs: TestExprs::default(),
            work_mem: 4 << 20,
        }
    }

    /// Runs `f` as a committed DDL transaction.
    fn ddl(&self, f: impl FnOnce(&mut Transaction, &mut CatalogTxn)) {
        let mut txn = self.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        let mut ctx = CatalogTxn::default();
        txn.begin_statement(None).unwrap();
        f(&mut txn, &mut ctx);
        txn.end_statement();
        txn.commit().unwrap();
        self.catalog.after_commit(&self.mgr, ctx).unwrap();
    }

    /// `CREATE TABLE name (cols)`; `(name, type, not null)`.
    pub(super) fn create_table(&self, name: &str, cols: &[(&str, DataType, bool)]) -> TableRef {
        self.ddl(|txn, ctx| {
            let heap = HeapFile::create(&self.storage).unwrap();
            ctx.created_relation(heap.rel());
            let columns = cols
                .iter()
                .map(|(n, t, nn)| ColumnDef {
                    name: (*n).into(),
                    ty: t.sql_name(),
                    not_null: *nn,
                    default: None,
                    identity: None,
                    dropped: false,
                })
                .collect();
            let def = TableDef {
                oid: self.catalog.new_oid(),
                schema: "public".into(),
                name: name.into(),
                columns,
                heap: heap.rel().0,
                fillfactor: None,
                owner: crate::catalog::BOOTSTRAP_SUPERUSER.into(),
                acl: Vec::new(),
            };
            self.catalog.create(txn, ctx, Entry::Table(def)).unwrap();
        });
        self.table(name)
    }

    /// `CREATE [UNIQUE] INDEX name ON table (cols)` (storage positions); a primary key
    /// also gets its constraint.
    pub(super) fn create_index(
        &self,
        table: &str,
        name: &str,
        cols: &[usize],
        unique: bool,
        primary: bool,
    ) -> IndexRef {
        let t = self.table(table);
        self.ddl(|txn, ctx| {
            let btree = BTree::create(&self.storage).unwrap();
            ctx.created_relation(btree.rel());
            let oid = self.catalog.new_oid();
            let def = IndexDef {
                oid,
                schema: "public".into(),
                name: name.into(),
                table: t.def.oid,
                rel: btree.rel().0,
                columns: cols
                    .iter()
                    .map(|&c| IndexColumn {
                        column: c,
                        desc: false,
                        nulls_first: false,
                    })
                    .collect(),
                unique,
                primary,
            };
            // Entries for the rows already there, as CREATE INDEX builds them.
            let meta = crate::catalog::IndexMeta {
                def: def.clone(),
                btree,
                key_types: vec![],
            };
            let mut heap = t.heap.scan();
            while let Some((tid, tuple)) = heap.next_tuple().unwrap() {
                let stored =
                    crate::row::decode_row(rustydb_txn::tuple::row_of(&tuple), &t.types).unwrap();
                let key = super::index_entry_key(&meta, &stored, tid);
                meta.btree
                    .insert(&key, &[], rustydb_storage::RecordMeta::NONE)
                    .unwrap();
            }
            self.catalog.create(txn, ctx, Entry::Index(def)).unwrap();
            if unique {
                let kind = if primary {
                    ConstraintKind::PrimaryKey { index: oid }
                } else {
                    ConstraintKind::Unique { index: oid }
                };
                let c = ConstraintDef {
                    oid: self.catalog.new_oid(),
                    name: name.into(),
                    table: t.def.oid,
                    kind,
                };
                self.catalog.create(txn, ctx, Entry::Constraint(c)).unwrap();
            }
        });
        self.table(table)
            .indexes
            .iter()
            .find(|i| i.def.name == name)
            .unwrap()
            .clone()
    }

    /// A foreign key `name` from `child(cols)` to `parent(ref_cols)`.
    pub(super) fn add_fk(
        &self,
        child: &str,
        name: &str,
        cols: &[usize],
        parent: &str,
        ref_cols: &[usize],
        actions: (FkAction, FkAction),
    ) {
        let (c, p) = (self.table(child), self.table(parent));
        self.ddl(|txn, ctx| {
            let kind = ConstraintKind::ForeignKey {
                columns: cols.to_vec(),
                ref_table: p.def.oid,
                ref_columns: ref_cols.to_vec(),
                on_delete: actions.0,
                on_update: actions.1,
            };
            let con = ConstraintDef {
                oid: self.catalog.new_oid(),
                name: name.into(),
                table: c.def.oid,
                kind,
            };
            self.catalog
                .create(txn, ctx, Entry::Constraint(con))
                .unwrap();
        });
    }

    /// A CHECK constraint, bound by hand over the table's visible columns.
    pub(super) fn add_check(&self, table: &str, name: &str, expr: ScalarExpr) {
        let t = self.table(table);
        self.exprs
            .checks
            .lock()
            .entry(t.def.oid)
            .or_default()
            .push(BoundCheck {
                name: name.into(),
                expr,
            });
    }

    /// A column default.
    pub(super) fn set_default(&self, table: &str, column: usize, expr: ScalarExpr) {
        let t = self.table(table);
        self.exprs.defaults.lock().insert((t.def.oid, column), expr);
    }

    pub(super) fn table(&self, name: &str) -> TableRef {
        self.catalog.committed().table("public", name).unwrap()
    }

    pub(super) fn begin(&self) -> Transaction {
        self.mgr.begin(IsolationLevel::ReadCommitted).unwrap()
    }

    /// Runs `plan` as one statement of `txn`; a failed statement fails the transaction.
    pub(super) fn run_in(
        &self,
        txn: &mut Transaction,
        plan: &LogicalPlan,
    ) -> Result<QueryResult, DbError> {
        self.run_with(txn, plan, &[])
    }

    pub(super) fn run_with(
        &self,
        txn: &mut Transaction,
        plan: &LogicalPlan,
        params: &[Value],
    ) -> Result<QueryResult, DbError> {
        txn.begin_statement(None)?;
        let mut seqs = SessionSequences::default();
        let mut ctx = self.context(txn, params, &mut seqs);
        let r = execute(plan, &mut ctx);
        txn.end_statement();
        if r.is_err() {
            txn.mark_failed();
        }
        r
    }

    pub(super) fn context<'a>(
        &'a self,
        txn: &'a mut Transaction,
        params: &'a [Value],
        seqs: &'a mut SessionSequences,
    ) -> ExecContext<'a> {
        ExecContext {
            txn,
            catalog: &self.catalog,
            state: self.catalog.committed(),
            params,
            eval: EvalContext::now(),
            work_mem: self.work_mem,
            analyze: false,
            session: seqs,
            table_exprs: &self.exprs,
        }
    }

    /// Runs `plan` in its own committed transaction.
    pub(super) fn run(&self, plan: &LogicalPlan) -> Result<QueryResult, DbError> {
        let mut txn = self.begin();
        let r = self.run_in(&mut txn, plan);
        match &r {
            Ok(_) => txn.commit()?,
            Err(_) => txn.rollback(),
        }
        r
    }

    /// The rows of `plan`, which must succeed.
    pub(super) fn rows(&self, plan: &LogicalPlan) -> Vec<Vec<Value>> {
        self.run(plan).unwrap().rows
    }

    /// Every row of `table`, sorted.
    pub(super) fn contents(&self, table: &str) -> Vec<Vec<Value>> {
        let t = self.table(table);
        let mut rows = self.rows(&scan(&t));
        rows.sort_by(|a, b| super::sort::compare_keys(a, b, &vec![(false, false); a.len()]));
        rows
    }
}

/// Asserts a statement failed with `sqlstate` and `message`, returning the error.
#[track_caller]
pub(super) fn assert_err(
    r: Result<QueryResult, DbError>,
    sqlstate: &str,
    message: &str,
) -> DbError {
    let e = r.expect_err("the statement should fail");
    assert_eq!((e.sqlstate(), e.message()), (sqlstate, message), "{e:?}");
    e
}

/// A table `t (a int, b int)` with `n` rows `(i, i % 10)`.
pub(super) fn numbers(db: &Db, name: &str, n: i32) -> TableRef {
    let t = db.create_table(
        name,
        &[("a", DataType::Int4, false), ("b", DataType::Int4, false)],
    );
    if n > 0 {
        db.run(&insert(
            &t,
            (1..=n).map(|i| vec![i4(i), i4(i % 10)]).collect(),
        ))
        .unwrap();
    }
    t
}
