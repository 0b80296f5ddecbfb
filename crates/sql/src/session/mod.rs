//! A [`Session`]: one client's conversation with an [`Engine`]: statements run in
//! transactions, session settings, prepared statements, COPY.
//!
//! # Design
//!
//! **Transaction blocks.** A session is either idle, in an explicit block (after
//! BEGIN), or running statements in an *implicit* block: a statement outside BEGIN, or
//! the statements of one multi-statement query string, run in one transaction that
//! commits when they all succeed and rolls back at the first error, as PostgreSQL's
//! simple query protocol does. A block's [`Transaction`] starts at its first statement
//! that needs one, not at BEGIN, so `BEGIN; SET TRANSACTION ISOLATION LEVEL ...` works
//! and the snapshot is taken when PostgreSQL takes it. An error inside an explicit block
//! marks it failed: later statements get 25P02 until ROLLBACK (or ROLLBACK TO a
//! savepoint); COMMIT of a failed block rolls back and says `ROLLBACK`.
//!
//! **Pipelines.** In PostgreSQL's extended query protocol the implicit transaction
//! lasts until Sync, not until the end of each Execute: a client may send several
//! Executes before one Sync and they commit, or roll back at the first error, together.
//! A front end that speaks that protocol turns on [`Session::set_pipeline_mode`]:
//! single-statement calls then leave their implicit block open, and
//! [`Session::sync`] commits it. Callers that never turn it on (the embedded library,
//! HTTP) commit each call as before.
//!
//! **One statement** goes: parse (sqlparser), bind against the catalog as this
//! transaction sees it (committed state plus its own DDL), optimize, execute, all
//! between `begin_statement` and `end_statement` of the transaction, which takes the
//! snapshot (per statement at READ COMMITTED) and arms `statement_timeout`. DDL runs
//! through [`crate::binder::execute_ddl`] into the block's [`CatalogTxn`], published to
//! other sessions when the block commits.
//!
//! **Settings** (`SET`, `SHOW`, `RESET`) live in [`Settings`]; a SET inside a block that
//! rolls back is undone, and SET LOCAL lasts until the block ends, as in PostgreSQL.
//!
//! **Prepared statements** keep their parsed text and, once bound, their optimized plan
//! together with the catalog version it was bound against; a later execution reuses the
//! plan while the catalog has not changed (and the transaction has no DDL of its own),
//! and binds again otherwise.

mod copy;
mod observe;
mod registry;
mod result;
mod utility;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rustydb_common::{DbError, ErrorCode};
use rustydb_txn::{IsolationLevel, Transaction, TxnManager};
use sqlparser::ast::Statement;

use crate::binder::{
    self, BindContext, BoundStatement, CatalogTableExprs, TxnModes, UtilityStatement,
};
use crate::catalog::{CatalogState, CatalogTxn};
use crate::engine::Engine;
use crate::exec::{self, ExecContext, QueryResult, SessionSequences};
use crate::functions::EvalContext;
use crate::optimizer::{Hints, OptContext};
use crate::plan::logical::{Column, LogicalPlan};
use crate::settings::Settings;
use crate::types::{DataType, Value};

pub use registry::{SessionEntry, SessionInfo, SessionRegistry, SessionState};
pub use result::{Notice, StatementResult};

use result::{plan_returns_rows, plan_tag, plan_writes};

/// A prepared statement's optimized plan and the catalog version it was bound against.
type PlanCache = Mutex<Option<(u64, Arc<LogicalPlan>)>>;

/// A statement parsed once, to run many times with different `$n` values.
#[derive(Debug)]
pub struct Prepared {
    sql: String,
    statement: Option<Statement>,
    param_types: Vec<DataType>,
    columns: Vec<Column>,
    /// The optimized plan and the catalog version it was bound against.
    cached: PlanCache,
}

impl Prepared {
    /// The statement text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The type of each `$n` (declared, or inferred from its use).
    pub fn param_types(&self) -> &[DataType] {
        &self.param_types
    }

    /// The columns the statement returns (empty if it returns none).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Whether the query string held no statement at all.
    pub fn is_empty(&self) -> bool {
        self.statement.is_none()
    }
}

/// Cancels the statement a session is running, from another thread (PostgreSQL's
/// CancelRequest and `pg_cancel_backend`).
#[derive(Debug, Clone)]
pub struct CancelHandle {
    txns: Arc<TxnManager>,
    running: Arc<AtomicU64>,
}

impl CancelHandle {
    /// Cancels the running statement; false if none is running.
    pub fn cancel(&self) -> bool {
        match self.running.load(Ordering::Acquire) {
            0 => false,
            xid => self.txns.cancel(xid),
        }
    }

    /// The id of the transaction the session has open, if any.
    pub fn transaction_id(&self) -> Option<u64> {
        match self.running.load(Ordering::Acquire) {
            0 => None,
            xid => Some(xid),
        }
    }
}

/// Where a session stands, as the wire protocol's ReadyForQuery reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Not in a transaction block (`I`).
    Idle,
    /// In a transaction block (`T`).
    InBlock,
    /// In a failed transaction block (`E`).
    Failed,
}

/// An open transaction block: explicit (BEGIN) or implicit (one query string).
struct Block {
    txn: Option<Transaction>,
    cat: CatalogTxn,
    modes: TxnModes,
    explicit: bool,
    failed: bool,
    /// `transaction_timestamp()`, fixed at the start of the block.
    started: i64,
    /// The settings as they were before the block's first SET (restored on rollback).
    saved_settings: Option<Settings>,
    /// Names set with SET LOCAL (restored at the end of the block).
    local_settings: Vec<String>,
    /// Catalog changes at each savepoint, to undo DDL on ROLLBACK TO.
    savepoints: Vec<(String, CatalogTxn)>,
    /// DML noted for the change feed, published when the block commits.
    changes: Vec<crate::observe::PendingChange>,
    /// The number of `changes` at each savepoint (cut back to on ROLLBACK TO).
    change_marks: Vec<(String, usize)>,
}

/// One client's session. See the module documentation.
pub struct Session {
    engine: Arc<Engine>,
    settings: Settings,
    block: Option<Block>,
    sequences: SessionSequences,
    prepared: HashMap<String, Arc<Prepared>>,
    session_modes: TxnModes,
    user: String,
    database: String,
    running: Arc<AtomicU64>,
    /// Why the last implicit commit failed.
    commit_error: Option<DbError>,
    /// This session in the engine's registry.
    entry: Arc<SessionEntry>,
    /// The plan of the statement running now, for the slow query log.
    last_plan: Option<Arc<LogicalPlan>>,
    /// Implicit blocks stay open until [`Session::sync`] (see "Pipelines" above).
    pipeline: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("status", &self.transaction_status())
            .finish()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.end_block(false);
        self.engine.sessions().unregister(self.entry.pid());
    }
}

impl Session {
    /// A session as the bootstrap user `rustydb` on database `rustydb`.
    pub(crate) fn new(engine: Arc<Engine>) -> Session {
        let o = engine.options();
        let settings = Settings::with_server_defaults(&o.txn, o.max_connections);
        let running = Arc::new(AtomicU64::new(0));
        let entry = engine.sessions().register(CancelHandle {
            txns: engine.txns().clone(),
            running: running.clone(),
        });
        entry.set_identity("rustydb", "rustydb");
        Session {
            settings,
            block: None,
            sequences: SessionSequences::default(),
            prepared: HashMap::new(),
            session_modes: TxnModes::default(),
            user: "rustydb".into(),
            database: "rustydb".into(),
            running,
            commit_error: None,
            entry,
            last_plan: None,
            pipeline: false,
            engine,
        }
    }

    /// Turns pipeline mode on or off: while on, a statement run outside BEGIN leaves
    /// its implicit transaction open until [`Session::sync`] (PostgreSQL's extended
    /// query protocol), instead of committing at the end of the call.
    pub fn set_pipeline_mode(&mut self, on: bool) {
        self.pipeline = on;
    }

    /// Ends the implicit transaction of a pipeline (the protocol's Sync): commits it
    /// if its statements all succeeded (one that failed has rolled it back already).
    /// An explicit block stays open. The error is the commit's, if it failed.
    pub fn sync(&mut self) -> Result<(), DbError> {
        self.finish_implicit()
    }

    /// Sets the user and database names (`current_user`, `current_database()`).
    pub fn set_identity(&mut self, user: impl Into<String>, database: impl Into<String>) {
        self.user = user.into();
        self.database = database.into();
        self.entry.set_identity(&self.user, &self.database);
    }

    /// This session's entry in the engine's registry (its id, activity, terminate hook).
    pub fn entry(&self) -> &Arc<SessionEntry> {
        &self.entry
    }

    /// This session's id (`pg_backend_pid()`).
    pub fn backend_pid(&self) -> u32 {
        self.entry.pid()
    }

    /// The user the session runs as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database the session is connected to.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Marks the session active running `sql` (pg_stat_activity).
    fn activity_begin(&self, sql: &str) {
        self.entry.begin_query(sql);
    }

    /// Marks the session waiting again, in the state its block leaves it.
    fn activity_end(&self) {
        self.entry.end_query(match self.transaction_status() {
            TransactionStatus::Idle => SessionState::Idle,
            TransactionStatus::InBlock => SessionState::IdleInTransaction,
            TransactionStatus::Failed => SessionState::IdleInTransactionAborted,
        });
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The session's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A handle that cancels this session's running statement from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            txns: self.engine.txns().clone(),
            running: self.running.clone(),
        }
    }

    /// Idle, in a block, or in a failed block.
    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.block {
            Some(b) if b.explicit && b.failed => TransactionStatus::Failed,
            Some(b) if b.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    /// Runs every statement of `sql` (PostgreSQL's simple query protocol) and returns
    /// their results. Statements outside BEGIN .. COMMIT run in one implicit
    /// transaction; the first error stops the string and rolls that transaction back.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<StatementResult>, DbError> {
        let mut out = Vec::new();
        self.execute_each(sql, &mut |r| out.push(r))?;
        Ok(out)
    }

    /// As [`Session::execute`], handing each statement's result to `on_result` as soon
    /// as it is complete.
    pub fn execute_each(
        &mut self,
        sql: &str,
        on_result: &mut dyn FnMut(StatementResult),
    ) -> Result<(), DbError> {
        self.activity_begin(sql);
        let r = self.execute_each_inner(sql, on_result);
        self.activity_end();
        r
    }

    fn execute_each_inner(
        &mut self,
        sql: &str,
        on_result: &mut dyn FnMut(StatementResult),
    ) -> Result<(), DbError> {
        let statements = match binder::parse(sql) {
            Ok(s) => s,
            Err(e) => {
                crate::observe::statement::record_error(&e);
                self.fail_statement();
                return Err(e);
            }
        };
        let n = statements.len();
        for (i, stmt) in statements.iter().enumerate() {
            let text = if n == 1 {
                sql.to_string()
            } else {
                stmt.to_string()
            };
            self.last_plan = None;
            let started = std::time::Instant::now();
            match self.run_statement(stmt, &text, &[], None) {
                Ok(r) => {
                    let ran = started.elapsed();
                    let kind = crate::observe::statement::kind_of_tag(&r.tag);
                    on_result(r);
                    let committing = std::time::Instant::now();
                    let done = if i + 1 == n {
                        self.finish_implicit()
                    } else {
                        Ok(())
                    };
                    let elapsed = ran + committing.elapsed();
                    self.observe_statement(&text, kind, elapsed, done.as_ref().err());
                    done?;
                }
                Err(e) => {
                    let kind = crate::observe::statement::kind_of_sql(&text);
                    self.observe_statement(&text, kind, started.elapsed(), Some(&e));
                    self.fail_statement();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Parses and binds one statement with `$n` parameters, without running it.
    /// `param_types` may declare some parameter types (`Unknown` = infer).
    pub fn prepare(&mut self, sql: &str, param_types: &[DataType]) -> Result<Prepared, DbError> {
        let r = self.prepare_unobserved(sql, param_types);
        if let Err(e) = &r {
            crate::observe::statement::record_error(e);
        }
        r
    }

    fn prepare_unobserved(
        &mut self,
        sql: &str,
        param_types: &[DataType],
    ) -> Result<Prepared, DbError> {
        let mut statements = binder::parse(sql)?;
        if statements.len() > 1 {
            return Err(DbError::new(
                ErrorCode::SyntaxError,
                "cannot insert multiple commands into a prepared statement",
            )
            .with_sqlstate("42601"));
        }
        let Some(stmt) = statements.pop() else {
            return Ok(Prepared {
                sql: sql.to_string(),
                statement: None,
                param_types: Vec::new(),
                columns: Vec::new(),
                cached: Mutex::new(None),
            });
        };
        self.prepare_statement(sql, stmt, param_types)
    }

    fn prepare_statement(
        &mut self,
        sql: &str,
        stmt: Statement,
        declared: &[DataType],
    ) -> Result<Prepared, DbError> {
        let state = self.catalog_view()?;
        let mut ctx = self.bind_context(sql);
        ctx.param_types = declared.to_vec();
        let (bound, reads) = binder::bind_with_reads(&stmt, &state, &ctx)?;
        // Privileges are checked when the statement runs (as PostgreSQL does); a plan
        // the user may not run yet is not cached, so execution binds and checks again.
        let allowed = binder::check_access(&state, &self.user, &stmt, &bound, &reads).is_ok();
        let (param_types, columns, cached) = match &bound {
            BoundStatement::Query { plan, param_types } => {
                let columns = if plan_returns_rows(plan) {
                    visible(plan.schema())
                } else {
                    Vec::new()
                };
                let plan = self.optimize(plan.clone(), &state, sql)?;
                // A plan over system relations holds their rows as of binding.
                let cache = (allowed && !self.in_uncommitted_ddl() && !ctx.reads_system.get())
                    .then(|| (state.version, Arc::new(plan)));
                (param_types.clone(), columns, cache)
            }
            BoundStatement::Explain { .. } => (
                declared.to_vec(),
                vec![Column::new("QUERY PLAN", DataType::Text)],
                None,
            ),
            BoundStatement::Utility(UtilityStatement::Show(name)) => (
                Vec::new(),
                vec![Column::new(self.show_column_name(name), DataType::Text)],
                None,
            ),
            BoundStatement::Utility(UtilityStatement::ShowAll) => {
                (Vec::new(), utility::show_all_columns(), None)
            }
            _ => (declared.to_vec(), Vec::new(), None),
        };
        Ok(Prepared {
            sql: sql.to_string(),
            statement: Some(stmt),
            param_types,
            columns,
            cached: Mutex::new(cached),
        })
    }

    /// Runs a prepared statement with parameter values (cast to the parameter types;
    /// pass `Value::Text` for text-format input and it is parsed as the type).
    pub fn execute_prepared(
        &mut self,
        prepared: &Prepared,
        params: &[Value],
    ) -> Result<StatementResult, DbError> {
        self.activity_begin(&prepared.sql);
        self.last_plan = None;
        let started = std::time::Instant::now();
        let r = coerce_params(params, &prepared.param_types).and_then(|params| {
            match &prepared.statement {
                Some(stmt) => self.run_statement(stmt, &prepared.sql, &params, Some(prepared)),
                None => Ok(StatementResult::command("")),
            }
        });
        let r = self.conclude(r);
        if !prepared.is_empty() {
            let kind = match &r {
                Ok(r) => crate::observe::statement::kind_of_tag(&r.tag),
                Err(_) => crate::observe::statement::kind_of_sql(&prepared.sql),
            };
            self.observe_statement(&prepared.sql, kind, started.elapsed(), r.as_ref().err());
        }
        self.activity_end();
        r
    }

    /// Parses, binds and runs one statement with `$n` parameters.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<StatementResult, DbError> {
        let types = vec![DataType::Unknown; params.len()];
        match self.prepare(sql, &types) {
            Ok(prepared) => self.execute_prepared(&prepared, params),
            Err(e) => self.conclude(Err(e)),
        }
    }

    /// Runs one parsed statement inside the current (or a new implicit) block.
    fn run_statement(
        &mut self,
        stmt: &Statement,
        sql: &str,
        params: &[Value],
        prepared: Option<&Prepared>,
    ) -> Result<StatementResult, DbError> {
        if self.block.is_none() {
            self.open_block(false, self.session_modes.clone());
        }
        if self.block.as_ref().is_some_and(|b| b.failed) && !utility::allowed_when_failed(stmt) {
            return Err(DbError::new(
                ErrorCode::TransactionAborted,
                "current transaction is aborted, commands ignored until end of transaction block",
            )
            .with_sqlstate("25P02"));
        }
        if let Some(r) = self.run_cached(prepared, sql, params)? {
            return Ok(r);
        }
        let state = self.catalog_view()?;
        let mut ctx = self.bind_context(sql);
        if let Some(p) = prepared {
            ctx.param_types = p.param_types.clone();
        }
        match self.bind_checked(stmt, &state, &ctx)? {
            BoundStatement::Utility(u) => self.run_utility_observed(u, sql, params),
            other => {
                let plan_cache = prepared.map(|p| &p.cached);
                self.run_bound(other, state, &ctx, sql, params, plan_cache)
            }
        }
    }

    /// Binds `stmt` and checks that the session's user may run it (42501 otherwise).
    /// A cached plan is reused only while the catalog, grants included, is unchanged.
    fn bind_checked(
        &self,
        stmt: &Statement,
        state: &CatalogState,
        ctx: &BindContext,
    ) -> Result<BoundStatement, DbError> {
        let (bound, reads) = binder::bind_with_reads(stmt, state, ctx)?;
        binder::check_access(state, &self.user, stmt, &bound, &reads)?;
        Ok(bound)
    }

    /// Runs a prepared statement's cached plan if the catalog has not changed.
    fn run_cached(
        &mut self,
        prepared: Option<&Prepared>,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<StatementResult>, DbError> {
        let Some(p) = prepared else { return Ok(None) };
        if self.in_uncommitted_ddl() {
            return Ok(None);
        }
        let version = self.engine.catalog().committed().version;
        let plan = match &*p.cached.lock() {
            Some((v, plan)) if *v == version => plan.clone(),
            _ => return Ok(None),
        };
        let state = self.engine.catalog().committed();
        let ctx = self.bind_context(sql);
        self.run_plan(&plan, state, &ctx, sql, params, false)
            .map(Some)
    }

    fn run_bound(
        &mut self,
        bound: BoundStatement,
        state: Arc<CatalogState>,
        ctx: &BindContext,
        sql: &str,
        params: &[Value],
        plan_cache: Option<&PlanCache>,
    ) -> Result<StatementResult, DbError> {
        match bound {
            BoundStatement::Query { plan, .. } => {
                let plan = Arc::new(self.optimize(plan, &state, sql)?);
                if let Some(cache) = plan_cache
                    && !self.in_uncommitted_ddl()
                    && !ctx.reads_system.get()
                {
                    *cache.lock() = Some((state.version, plan.clone()));
                }
                self.run_plan(&plan, state, ctx, sql, params, false)
            }
            BoundStatement::Explain {
                analyze,
                verbose,
                inner,
            } => {
                let BoundStatement::Query { plan, .. } = *inner else {
                    return Err(binder_unsupported("EXPLAIN of this statement"));
                };
                let plan = Arc::new(self.optimize(plan, &state, sql)?);
                let lines = if analyze {
                    let (ran, lines) = self.run_analyze(&plan, state, ctx, sql, params, verbose)?;
                    self.note_change(&plan, ran.rows_affected);
                    lines
                } else {
                    exec::explain(&plan, None, verbose)
                };
                let rows = lines.into_iter().map(|l| vec![Value::Text(l)]).collect();
                let mut r =
                    StatementResult::rows(vec![Column::new("QUERY PLAN", DataType::Text)], rows);
                r.tag = "EXPLAIN".into();
                Ok(r)
            }
            BoundStatement::Ddl(ddl) => self.run_ddl(&ddl, state, ctx, sql),
            BoundStatement::Utility(u) => self.run_utility_observed(u, sql, params),
        }
    }

    /// Runs a query or DML plan as one statement of the block.
    fn run_plan(
        &mut self,
        plan: &Arc<LogicalPlan>,
        state: Arc<CatalogState>,
        ctx: &BindContext,
        sql: &str,
        params: &[Value],
        analyze: bool,
    ) -> Result<StatementResult, DbError> {
        if plan_writes(plan) {
            self.check_writable(plan_command(plan))?;
        }
        self.last_plan = Some(plan.clone());
        let result = self.in_statement(sql, |s, txn, _| {
            let exprs = CatalogTableExprs::new(state.clone(), ctx.clone());
            let mut ectx = s.exec_context(txn, state.clone(), params, &exprs, analyze);
            exec::execute(plan, &mut ectx)
        })?;
        self.note_change(plan, result.rows_affected);
        Ok(query_result(plan, result))
    }

    fn run_analyze(
        &mut self,
        plan: &Arc<LogicalPlan>,
        state: Arc<CatalogState>,
        ctx: &BindContext,
        sql: &str,
        params: &[Value],
        verbose: bool,
    ) -> Result<(QueryResult, Vec<String>), DbError> {
        if plan_writes(plan) {
            self.check_writable(plan_command(plan))?;
        }
        self.in_statement(sql, |s, txn, _| {
            let exprs = CatalogTableExprs::new(state.clone(), ctx.clone());
            let mut ectx = s.exec_context(txn, state.clone(), params, &exprs, true);
            let (result, stats) = exec::execute_analyze(plan, &mut ectx)?;
            let lines = exec::explain(plan, Some(&stats), verbose);
            Ok((result, lines))
        })
    }

    fn run_ddl(
        &mut self,
        ddl: &binder::DdlStatement,
        state: Arc<CatalogState>,
        ctx: &BindContext,
        sql: &str,
    ) -> Result<StatementResult, DbError> {
        self.check_writable(&ddl_command(sql))?;
        let engine = self.engine.clone();
        let tag = self.in_statement(sql, |s, txn, cat| {
            let mut seqs = std::mem::take(&mut s.sequences);
            let eval = s.eval_context();
            let work_mem = s.settings.work_mem();
            let mut run = |plan: &LogicalPlan, txn: &mut Transaction| {
                let exprs = CatalogTableExprs::new(state.clone(), ctx.clone());
                let mut ectx = ExecContext {
                    txn,
                    catalog: engine.catalog(),
                    state: state.clone(),
                    params: &[],
                    eval,
                    work_mem,
                    analyze: false,
                    session: &mut seqs,
                    table_exprs: &exprs,
                };
                exec::execute(plan, &mut ectx)
            };
            let r = binder::execute_ddl(ddl, engine.catalog(), cat, txn, ctx, &mut run);
            s.sequences = seqs;
            r
        })?;
        Ok(StatementResult::command(tag))
    }

    /// Runs `f` as one statement of the block's transaction (begun if needed).
    fn in_statement<R>(
        &mut self,
        sql: &str,
        f: impl FnOnce(&mut Session, &mut Transaction, &mut CatalogTxn) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        self.ensure_transaction()?;
        let statement_timeout = self.settings.duration("statement_timeout");
        let lock_timeout = self.settings.duration("lock_timeout");
        let idle_timeout = self
            .settings
            .duration("idle_in_transaction_session_timeout");
        let Some(block) = self.block.as_mut() else {
            return Err(DbError::internal("no transaction block"));
        };
        let (Some(mut txn), mut cat) = (block.txn.take(), std::mem::take(&mut block.cat)) else {
            return Err(DbError::internal("the block has no transaction"));
        };
        txn.set_statement_timeout(statement_timeout);
        txn.set_lock_timeout(lock_timeout);
        txn.set_idle_timeout(idle_timeout);
        let r = match txn.begin_statement(Some(sql)) {
            Ok(()) => {
                let r = f(self, &mut txn, &mut cat);
                txn.end_statement();
                r
            }
            Err(e) => Err(e.into()),
        };
        if let Some(block) = self.block.as_mut() {
            block.txn = Some(txn);
            block.cat = cat;
        }
        r
    }

    /// Begins the block's transaction if it has none yet.
    fn ensure_transaction(&mut self) -> Result<(), DbError> {
        let default = self.default_isolation();
        let Some(block) = self.block.as_mut() else {
            return Err(DbError::internal("no transaction block"));
        };
        if block.txn.is_none() {
            let level = block.modes.isolation.unwrap_or(default);
            let txn = self.engine.txns().begin(level)?;
            txn.set_session_label(format!("{}@{}", self.user, self.database));
            self.running.store(txn.xid(), Ordering::Release);
            block.txn = Some(txn);
        }
        Ok(())
    }

    fn exec_context<'a>(
        &'a mut self,
        txn: &'a mut Transaction,
        state: Arc<CatalogState>,
        params: &'a [Value],
        exprs: &'a CatalogTableExprs,
        analyze: bool,
    ) -> ExecContext<'a> {
        let eval = self.eval_context();
        ExecContext {
            txn,
            catalog: self.engine.catalog(),
            state,
            params,
            eval,
            work_mem: self.settings.work_mem(),
            analyze,
            session: &mut self.sequences,
            table_exprs: exprs,
        }
    }

    fn eval_context(&self) -> EvalContext {
        let now = crate::types::datetime::now_timestamptz();
        let started = self.block.as_ref().map_or(now, |b| b.started);
        EvalContext::new(started, now)
    }

    fn optimize(
        &self,
        plan: LogicalPlan,
        state: &CatalogState,
        sql: &str,
    ) -> Result<LogicalPlan, DbError> {
        let hints = Hints::parse(&Hints::texts_in(sql));
        let ctx = OptContext {
            catalog: state,
            stats: self.engine.stats(),
            hints: &hints,
        };
        self.engine.optimizer().optimize(plan, &ctx)
    }

    fn bind_context(&self, sql: &str) -> BindContext {
        BindContext {
            search_path: self.settings.search_path(),
            user: self.user.clone(),
            database: self.database.clone(),
            param_types: Vec::new(),
            hints: Hints::texts_in(sql),
            system: Some(crate::catalog::system::SystemContext {
                engine: self.engine.clone(),
                backend_pid: self.entry.pid(),
                settings: self.settings.all(),
            }),
            reads_system: std::cell::Cell::new(false),
        }
    }

    /// The catalog as the block's transaction sees it.
    fn catalog_view(&mut self) -> Result<Arc<CatalogState>, DbError> {
        match self.block.as_mut() {
            Some(b) => self.engine.catalog().view(&mut b.cat),
            None => Ok(self.engine.catalog().committed()),
        }
    }

    fn in_uncommitted_ddl(&self) -> bool {
        self.block.as_ref().is_some_and(|b| !b.cat.is_empty())
    }

    fn default_isolation(&self) -> IsolationLevel {
        self.settings
            .get("default_transaction_isolation")
            .ok()
            .and_then(|s| IsolationLevel::parse(&s))
            .unwrap_or(IsolationLevel::ReadCommitted)
    }

    /// 25006 if the block is READ ONLY.
    fn check_writable(&self, command: &str) -> Result<(), DbError> {
        let read_only = match &self.block {
            Some(b) => b.modes.read_only,
            None => self.session_modes.read_only,
        };
        if read_only == Some(true) {
            return Err(DbError::new(
                ErrorCode::InvalidTransactionState,
                format!("cannot execute {command} in a read-only transaction"),
            )
            .with_sqlstate("25006"));
        }
        Ok(())
    }

    fn open_block(&mut self, explicit: bool, modes: TxnModes) {
        self.block = Some(Block {
            txn: None,
            cat: CatalogTxn::default(),
            modes,
            explicit,
            failed: false,
            started: crate::types::datetime::now_timestamptz(),
            saved_settings: None,
            local_settings: Vec::new(),
            savepoints: Vec::new(),
            changes: Vec::new(),
            change_marks: Vec::new(),
        });
    }

    /// After a statement failed: an implicit block rolls back; an explicit one is
    /// marked failed.
    fn fail_statement(&mut self) {
        match self.block.as_mut() {
            Some(b) if b.explicit => {
                b.failed = true;
                if let Some(t) = b.txn.as_mut() {
                    t.mark_failed();
                }
            }
            Some(_) => {
                self.end_block(false);
            }
            None => {}
        }
    }

    /// Ends a single-statement call: commits the implicit block after success (unless
    /// a pipeline keeps it open until Sync), or fails the statement (rolling an
    /// implicit block back, marking an explicit one failed).
    fn conclude<R>(&mut self, r: Result<R, DbError>) -> Result<R, DbError> {
        match r {
            Ok(r) => {
                if !self.pipeline {
                    self.finish_implicit()?;
                }
                Ok(r)
            }
            Err(e) => {
                self.fail_statement();
                Err(e)
            }
        }
    }

    /// Commits the implicit block once its statements are done.
    fn finish_implicit(&mut self) -> Result<(), DbError> {
        if self.block.as_ref().is_some_and(|b| !b.explicit) && !self.end_block(true) {
            return Err(self.take_commit_error());
        }
        Ok(())
    }

    fn take_commit_error(&mut self) -> DbError {
        self.commit_error
            .take()
            .unwrap_or_else(|| DbError::internal("the commit failed"))
    }

    /// Ends the block: commits (`commit`) or rolls back. Returns false if the commit
    /// failed (the error is kept for `take_commit_error`); the block is gone either way.
    fn end_block(&mut self, commit: bool) -> bool {
        let Some(mut block) = self.block.take() else {
            return true;
        };
        self.running.store(0, Ordering::Release);
        let commit = commit && !block.failed;
        // Settings: a rolled-back block's SETs are undone; SET LOCAL always is.
        if let Some(saved) = block.saved_settings.take() {
            if commit {
                for name in &block.local_settings {
                    if let Ok(v) = saved.get(name) {
                        let _ = self.settings.set(name, &v);
                    }
                }
            } else {
                self.settings = saved;
            }
        }
        let catalog = self.engine.catalog();
        let txns = self.engine.txns();
        let Some(txn) = block.txn.take() else {
            return true;
        };
        if !commit {
            txn.rollback();
            catalog.after_rollback(txns, block.cat);
            return true;
        }
        let had_ddl = !block.cat.is_empty();
        let xid = txn.xid();
        match txn.commit() {
            Ok(()) => {
                self.engine
                    .observer()
                    .publish(xid, std::mem::take(&mut block.changes));
                if let Err(e) = catalog.after_commit(txns, block.cat) {
                    self.commit_error = Some(e);
                    return false;
                }
                if had_ddl {
                    self.engine.register_autovacuum();
                }
                true
            }
            Err(e) => {
                catalog.after_rollback(txns, block.cat);
                self.commit_error = Some(e.into());
                false
            }
        }
    }
}

/// The visible columns of a plan's output.
fn visible(columns: Vec<Column>) -> Vec<Column> {
    columns.into_iter().filter(|c| !c.hidden).collect()
}

fn query_result(plan: &LogicalPlan, r: QueryResult) -> StatementResult {
    let returns_rows = plan_returns_rows(plan);
    StatementResult {
        columns: if returns_rows {
            visible(r.schema)
        } else {
            Vec::new()
        },
        rows: if returns_rows { r.rows } else { Vec::new() },
        tag: plan_tag(plan, r.rows_affected),
        rows_affected: r.rows_affected,
        returns_rows,
        copy_out: None,
        notices: Vec::new(),
    }
}

fn plan_command(plan: &LogicalPlan) -> &'static str {
    match plan {
        LogicalPlan::Insert { .. } => "INSERT",
        LogicalPlan::Update { .. } => "UPDATE",
        LogicalPlan::Delete { .. } => "DELETE",
        _ => "a data-modifying statement",
    }
}

fn ddl_command(sql: &str) -> String {
    sql.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn binder_unsupported(what: &str) -> DbError {
    DbError::from_template(ErrorCode::FeatureNotSupported, &[("feature", &what)])
}

/// Casts parameter values to the statement's parameter types; text values are parsed
/// as the type (the wire protocol's text format).
fn coerce_params(params: &[Value], types: &[DataType]) -> Result<Vec<Value>, DbError> {
    if params.len() != types.len() {
        return Err(DbError::new(
            ErrorCode::SyntaxError,
            format!(
                "bind message supplies {} parameters, but prepared statement requires {}",
                params.len(),
                types.len()
            ),
        )
        .with_sqlstate("08P01"));
    }
    params
        .iter()
        .zip(types)
        .map(|(v, ty)| match (v, ty) {
            (Value::Null, _) | (_, DataType::Unknown) => Ok(v.clone()),
            (Value::Text(s), ty) if *ty != DataType::Text => crate::types::text::parse_value(s, ty),
            (v, ty) => crate::types::cast::cast(v, ty),
        })
        .collect()
}
