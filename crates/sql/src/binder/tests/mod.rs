//! Binder tests: statements bound against a catalog in a temporary database, DDL run
//! through `execute_ddl` and queries through the executor, in real transactions.

#![allow(clippy::unwrap_used)]

mod ddl;
mod ddl_alter;
mod dml;
mod errors;
mod expr;
mod select;
mod utility;

use std::sync::Arc;
use std::time::Duration;

use rustydb_common::DbError;
use rustydb_storage::{Storage, StorageOptions};
use rustydb_txn::{IsolationLevel, Transaction, TxnConfig, TxnManager};

use super::{BindContext, BoundStatement, CatalogTableExprs, bind, execute_ddl, parse};
use crate::catalog::{Catalog, CatalogTxn};
use crate::exec::{ExecContext, QueryResult, SessionSequences, execute};
use crate::functions::EvalContext;
use crate::plan::logical::{Column, LogicalPlan};
use crate::types::{DataType, Value};

/// What running a statement gave.
#[derive(Debug)]
pub(super) enum Outcome {
    /// A DDL command tag.
    Tag(String),
    /// A query's result.
    Rows(QueryResult),
}

/// A database in a temporary directory.
pub(super) struct Db {
    _dir: tempfile::TempDir,
    pub(super) storage: Arc<Storage>,
    pub(super) mgr: Arc<TxnManager>,
    pub(super) catalog: Catalog,
    pub(super) ctx: BindContext,
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
            ctx: BindContext::default(),
        }
    }

    /// A database with the tables most tests use:
    /// `t(a int, b int, c text)`, `u(a int, d int)`, `pk(id int primary key, name text)`.
    pub(super) fn with_tables() -> Db {
        let db = Db::new();
        db.exec("CREATE TABLE t (a int, b int, c text)").unwrap();
        db.exec("CREATE TABLE u (a int, d int)").unwrap();
        db.exec("CREATE TABLE pk (id int PRIMARY KEY, name text)")
            .unwrap();
        db
    }

    /// Runs every statement of `sql` in one transaction, committed if all succeed and
    /// rolled back otherwise. Returns the last statement's outcome.
    pub(super) fn exec(&self, sql: &str) -> Result<Outcome, DbError> {
        let mut txn = self.mgr.begin(IsolationLevel::ReadCommitted)?;
        let mut cat = CatalogTxn::default();
        let r = self.exec_in(&mut txn, &mut cat, sql);
        match r {
            Ok(o) => {
                txn.commit()?;
                self.catalog.after_commit(&self.mgr, cat)?;
                Ok(o)
            }
            Err(e) => {
                txn.rollback();
                self.catalog.after_rollback(&self.mgr, cat);
                Err(e)
            }
        }
    }

    /// Runs every statement of `sql` in `txn`.
    pub(super) fn exec_in(
        &self,
        txn: &mut Transaction,
        cat: &mut CatalogTxn,
        sql: &str,
    ) -> Result<Outcome, DbError> {
        let mut last = Outcome::Tag(String::new());
        for stmt in parse(sql)? {
            txn.begin_statement(Some(sql))?;
            let r = self.exec_stmt(txn, cat, &stmt);
            txn.end_statement();
            last = r?;
        }
        Ok(last)
    }

    fn exec_stmt(
        &self,
        txn: &mut Transaction,
        cat: &mut CatalogTxn,
        stmt: &sqlparser::ast::Statement,
    ) -> Result<Outcome, DbError> {
        let state = self.catalog.view(cat)?;
        match bind(stmt, &state, &self.ctx)? {
            BoundStatement::Query { plan, .. } => {
                Ok(Outcome::Rows(self.run_plan(txn, state, &plan)?))
            }
            BoundStatement::Ddl(d) => {
                let catalog = &self.catalog;
                let ctx = &self.ctx;
                let mut exec =
                    |plan: &LogicalPlan, txn: &mut Transaction| -> Result<QueryResult, DbError> {
                        run_plan_with(catalog, ctx, txn, state.clone(), plan)
                    };
                Ok(Outcome::Tag(execute_ddl(
                    &d,
                    &self.catalog,
                    cat,
                    txn,
                    &self.ctx,
                    &mut exec,
                )?))
            }
            other => Ok(Outcome::Tag(format!("{other:?}"))),
        }
    }

    fn run_plan(
        &self,
        txn: &mut Transaction,
        state: Arc<crate::catalog::CatalogState>,
        plan: &LogicalPlan,
    ) -> Result<QueryResult, DbError> {
        run_plan_with(&self.catalog, &self.ctx, txn, state, plan)
    }

    /// Binds `sql` (one statement) against the committed catalog.
    pub(super) fn bind(&self, sql: &str) -> Result<BoundStatement, DbError> {
        let stmts = parse(sql)?;
        assert_eq!(stmts.len(), 1, "{sql}");
        bind(&stmts[0], &self.catalog.committed(), &self.ctx)
    }

    /// The plan of a query or DML statement.
    pub(super) fn plan(&self, sql: &str) -> LogicalPlan {
        match self.bind(sql).unwrap_or_else(|e| panic!("{sql}: {e}")) {
            BoundStatement::Query { plan, .. } => plan,
            other => panic!("{sql}: bound to {other:?}"),
        }
    }

    /// The output columns of a query as (name, type).
    pub(super) fn columns(&self, sql: &str) -> Vec<(String, DataType)> {
        self.plan(sql)
            .schema()
            .into_iter()
            .map(|c: Column| (c.name, c.ty))
            .collect()
    }

    /// The error binding `sql` gives.
    pub(super) fn bind_err(&self, sql: &str) -> DbError {
        match self.bind(sql) {
            Ok(b) => panic!("{sql}: expected an error, bound to {b:?}"),
            Err(e) => e,
        }
    }

    /// The error running `sql` gives.
    pub(super) fn exec_err(&self, sql: &str) -> DbError {
        match self.exec(sql) {
            Ok(o) => panic!("{sql}: expected an error, got {o:?}"),
            Err(e) => e,
        }
    }

    /// The rows of a query, run in its own transaction.
    pub(super) fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        match self.exec(sql).unwrap_or_else(|e| panic!("{sql}: {e}")) {
            Outcome::Rows(r) => r.rows,
            Outcome::Tag(t) => panic!("{sql}: got tag {t}"),
        }
    }

    /// The command tag of a DDL statement.
    pub(super) fn tag(&self, sql: &str) -> String {
        match self.exec(sql).unwrap_or_else(|e| panic!("{sql}: {e}")) {
            Outcome::Tag(t) => t,
            Outcome::Rows(r) => panic!("{sql}: got rows {r:?}"),
        }
    }

    /// Whether a relation of that name exists (committed).
    pub(super) fn exists(&self, name: &str) -> bool {
        self.catalog.committed().relation("public", name).is_some()
    }
}

fn run_plan_with(
    catalog: &Catalog,
    ctx: &BindContext,
    txn: &mut Transaction,
    state: Arc<crate::catalog::CatalogState>,
    plan: &LogicalPlan,
) -> Result<QueryResult, DbError> {
    let mut seqs = SessionSequences::default();
    let exprs = CatalogTableExprs::new(state.clone(), ctx.clone());
    let mut ectx = ExecContext {
        txn,
        catalog,
        state,
        params: &[],
        eval: EvalContext::now(),
        work_mem: 4 << 20,
        analyze: false,
        session: &mut seqs,
        table_exprs: &exprs,
    };
    execute(plan, &mut ectx)
}

/// Asserts an error's SQLSTATE and message.
#[track_caller]
pub(super) fn assert_err(e: &DbError, sqlstate: &str, message: &str) {
    assert_eq!((e.sqlstate(), e.message()), (sqlstate, message), "{e:?}");
}

/// Int4 value.
pub(super) fn i(v: i32) -> Value {
    Value::Int4(v)
}

/// Text value.
pub(super) fn s(v: &str) -> Value {
    Value::Text(v.to_string())
}
