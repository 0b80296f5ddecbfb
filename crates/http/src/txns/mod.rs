//! Transactions held open across HTTP requests (REST's `/api/v1/transactions`, GraphQL's
//! `beginTransaction` and friends).
//!
//! # Design
//!
//! Each HTTP transaction is a [`Session`] of its own, running as the caller's role,
//! parked in a registry between requests behind a mutex; every statement runs on the
//! blocking pool with the mutex held. Its id is the *engine's* transaction id: BEGIN is
//! followed at once by a statement that makes the engine assign one, so the id is the
//! `xid` that `txns().active_transactions()`, `GET /transactions/{id}` and GraphQL's
//! `transactionInfo` show (at REPEATABLE READ and SERIALIZABLE the snapshot is therefore
//! taken at begin, not at the first query).
//!
//! Only the role that began a transaction, or a superuser, may use it (403 otherwise).
//! A failed statement leaves the transaction aborted, as in PostgreSQL: later statements
//! get 25P02 until rollback (or a rollback to a savepoint); committing an aborted
//! transaction rolls it back and answers 409.
//!
//! **Expiry.** A transaction unused for `http.idle_timeout_seconds` is rolled back and
//! forgotten. Expired ones are swept lazily on every access to the registry and by a
//! background task started at the first begin (it holds only a weak reference to the
//! [`HttpContext`] and ends with it, or with the runtime); the same task sweeps expired
//! result cursors. A transaction whose session an operator terminates
//! (`DELETE /api/v1/connections/{id}`; its running statement, if any, is cancelled) is
//! rolled back and forgotten the same way.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime};

use parking_lot::Mutex;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Session;
use rustydb_sql::session::TransactionStatus;
use rustydb_sql::types::Value;
use rustydb_txn::IsolationLevel;
use rustydb_txn::lock::Interrupt;
use serde::Serialize;

use crate::auth::Principal;
use crate::context::{HttpContext, blocking};
use crate::error::ApiError;
use crate::sql_json::{QueryOutput, limits, run_query};

mod expiry;
mod names;

pub use names::{check_savepoint_name, parse_isolation};

/// The registry of open HTTP transactions.
#[derive(Debug, Default)]
pub struct HttpTransactions {
    open: Mutex<HashMap<u64, Arc<HttpTxn>>>,
    sweeper: AtomicBool,
}

struct HttpTxn {
    id: u64,
    owner: String,
    isolation: IsolationLevel,
    started_at: SystemTime,
    session: Mutex<Session>,
    last_used: Mutex<Instant>,
    /// Set when the transaction was expired or aborted while a request waited for it.
    closed: AtomicBool,
    /// Set when an operator terminated the session (`DELETE /connections/{id}`).
    killed: Arc<AtomicBool>,
}

impl std::fmt::Debug for HttpTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTxn")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .finish()
    }
}

/// An HTTP transaction as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TxnSummary {
    /// The engine's transaction id.
    pub id: u64,
    /// `read uncommitted`, `read committed`, `repeatable read` or `serializable`.
    pub isolation_level: String,
    /// The role it runs as.
    pub owner: String,
    /// When it began (RFC 3339, UTC).
    pub started_at: String,
    /// `idle`, `active` (running a statement) or `aborted` (a statement failed; only
    /// rollback helps).
    pub state: String,
}

/// How a commit, rollback or savepoint operation ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TxnOutcome {
    /// The transaction id.
    pub id: u64,
    /// PostgreSQL's command tag: `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`.
    pub command: String,
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn gone(id: u64) -> DbError {
    DbError::from_template(
        ErrorCode::EndpointNotFound,
        &[("what", &format!("transaction {id}"))],
    )
    .with_hint("It was committed, rolled back, aborted or expired (http.idle_timeout_seconds).")
}

impl HttpTransactions {
    /// An empty registry.
    pub fn new() -> HttpTransactions {
        HttpTransactions::default()
    }

    /// Begins a transaction as `caller` at `isolation` (`None`: the default level).
    pub async fn begin(
        &self,
        ctx: &Arc<HttpContext>,
        caller: &Principal,
        isolation: Option<&str>,
    ) -> Result<TxnSummary, ApiError> {
        let level = parse_isolation(isolation)?;
        let engine = ctx.engine()?.clone();
        self.start_sweeper(ctx);
        self.sweep(ctx.idle_timeout());
        let user = caller.user.clone();
        let limits = limits(ctx, None);
        let (session, id, isolation) = blocking(move || {
            let mut session = engine.session();
            session.set_identity(user, "rustydb");
            let begin = match level {
                Some(l) => format!("BEGIN ISOLATION LEVEL {}", l.as_sql()),
                None => "BEGIN".to_string(),
            };
            session.execute(&begin)?;
            // Makes the engine start the transaction now, so it has its id.
            run_query(&mut session, "SELECT 1", &[], limits)?;
            let id = session
                .cancel_handle()
                .transaction_id()
                .ok_or_else(|| DbError::internal("BEGIN + SELECT left no engine transaction"))?;
            let isolation = session
                .engine()
                .txns()
                .transaction_info(id)
                .map(|t| t.isolation)
                .ok_or_else(|| DbError::internal("the new transaction is not running"))?;
            Ok((session, id, isolation))
        })
        .await?;
        let killed = Arc::new(AtomicBool::new(false));
        let flag = killed.clone();
        session
            .entry()
            .on_terminate(move || flag.store(true, Ordering::Release));
        let txn = Arc::new(HttpTxn {
            id,
            owner: caller.user.clone(),
            isolation,
            started_at: SystemTime::now(),
            session: Mutex::new(session),
            last_used: Mutex::new(Instant::now()),
            closed: AtomicBool::new(false),
            killed,
        });
        let summary = summary(&txn);
        self.open.lock().insert(id, txn);
        tracing::info!(xid = id, user = %caller.user, "HTTP transaction begun");
        Ok(summary)
    }

    /// Runs one statement in transaction `id`; rows beyond the first page go to a cursor.
    pub async fn query(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        sql: String,
        params: Vec<Value>,
        page_size: Option<u32>,
    ) -> Result<QueryOutput, ApiError> {
        if page_size == Some(0) {
            return Err(ApiError::bad_request("field page_size: must be at least 1"));
        }
        let limits = limits(ctx, page_size);
        let (mut first, rest) = self
            .with_session(ctx, id, caller, move |s| {
                run_query(s, &sql, &params, limits)
            })
            .await?;
        if let Some(rest) = rest {
            first.next_cursor = Some(ctx.cursors.open(caller, rest, ctx.idle_timeout()));
        }
        Ok(first)
    }

    /// Commits transaction `id`. An aborted one is rolled back instead, with 409 (25P02).
    pub async fn commit(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
    ) -> Result<TxnOutcome, ApiError> {
        let r = self
            .with_session(ctx, id, caller, move |s| {
                if s.transaction_status() == TransactionStatus::Failed {
                    s.execute("ROLLBACK")?;
                    return Err(DbError::new(
                        ErrorCode::TransactionAborted,
                        format!("transaction {id} was aborted by an earlier error and has been rolled back"),
                    )
                    .with_sqlstate("25P02")
                    .with_hint("Begin a new transaction and redo its work."));
                }
                let r = s.execute("COMMIT")?;
                Ok(r.last().map(|r| r.tag.clone()).unwrap_or_default())
            })
            .await;
        self.forget(id);
        Ok(TxnOutcome { id, command: r? })
    }

    /// Rolls transaction `id` back.
    pub async fn rollback(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
    ) -> Result<TxnOutcome, ApiError> {
        let r = self
            .with_session(ctx, id, caller, |s| s.execute("ROLLBACK").map(|_| ()))
            .await;
        self.forget(id);
        r?;
        Ok(TxnOutcome {
            id,
            command: "ROLLBACK".into(),
        })
    }

    /// `SAVEPOINT name` in transaction `id`.
    pub async fn savepoint(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        name: &str,
    ) -> Result<TxnOutcome, ApiError> {
        self.savepoint_op(ctx, id, caller, name, "SAVEPOINT", "SAVEPOINT")
            .await
    }

    /// `ROLLBACK TO SAVEPOINT name` (also leaves the aborted state).
    pub async fn rollback_to(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        name: &str,
    ) -> Result<TxnOutcome, ApiError> {
        self.savepoint_op(ctx, id, caller, name, "ROLLBACK TO SAVEPOINT", "ROLLBACK")
            .await
    }

    /// `RELEASE SAVEPOINT name`.
    pub async fn release(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        name: &str,
    ) -> Result<TxnOutcome, ApiError> {
        self.savepoint_op(ctx, id, caller, name, "RELEASE SAVEPOINT", "RELEASE")
            .await
    }

    async fn savepoint_op(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        name: &str,
        verb: &'static str,
        tag: &str,
    ) -> Result<TxnOutcome, ApiError> {
        check_savepoint_name(name)?;
        let sql = format!("{verb} \"{name}\"");
        self.with_session(ctx, id, caller, move |s| s.execute(&sql).map(|_| ()))
            .await
            .map_err(|e| {
                if e.error().sqlstate() == "3B001" {
                    ApiError::new(axum::http::StatusCode::NOT_FOUND, e.error().clone())
                } else {
                    e
                }
            })?;
        Ok(TxnOutcome {
            id,
            command: tag.to_string(),
        })
    }

    /// Aborts transaction `id`: an HTTP transaction of the caller's (or any, for a
    /// superuser) is rolled back and forgotten; any other running transaction is
    /// terminated through the transaction manager (superuser only). 404 when no such
    /// transaction runs.
    pub async fn abort(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
    ) -> Result<TxnOutcome, ApiError> {
        let engine = ctx.engine()?.clone();
        let ours = self.open.lock().get(&id).cloned();
        if let Some(txn) = ours {
            check_owner(&txn, caller)?;
            self.forget(id);
            txn.closed.store(true, Ordering::Release);
            if txn.session.try_lock().is_none() {
                // A statement is running: interrupt it; the session rolls back when the
                // request running it lets go.
                engine.txns().terminate(id, Interrupt::Terminate);
            }
            blocking(move || {
                drop(txn);
                Ok(())
            })
            .await?;
        } else {
            caller.require_superuser("aborting another session's transaction")?;
            if !engine.txns().terminate(id, Interrupt::Terminate) {
                return Err(gone(id).into());
            }
        }
        tracing::info!(xid = id, by = %caller.user, "transaction aborted over HTTP");
        Ok(TxnOutcome {
            id,
            command: "ROLLBACK".into(),
        })
    }

    /// The HTTP transaction `id` as the API shows it, if it is one.
    pub fn summary(&self, id: u64) -> Option<TxnSummary> {
        self.open.lock().get(&id).map(|t| summary(t))
    }

    /// Ids of the open HTTP transactions.
    pub fn ids(&self) -> Vec<u64> {
        self.open.lock().keys().copied().collect()
    }

    fn forget(&self, id: u64) {
        self.open.lock().remove(&id);
    }

    async fn with_session<T, F>(
        &self,
        ctx: &Arc<HttpContext>,
        id: u64,
        caller: &Principal,
        f: F,
    ) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Session) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        ctx.engine()?;
        self.sweep(ctx.idle_timeout());
        let txn = self
            .open
            .lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::from(gone(id)))?;
        check_owner(&txn, caller)?;
        *txn.last_used.lock() = Instant::now();
        blocking(move || {
            let mut session = txn.session.lock();
            if txn.closed.load(Ordering::Acquire) {
                return Err(gone(id));
            }
            let r = f(&mut session);
            *txn.last_used.lock() = Instant::now();
            r
        })
        .await
    }
}

fn check_owner(txn: &HttpTxn, caller: &Principal) -> Result<(), ApiError> {
    if txn.owner == caller.user || caller.superuser {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "using transaction {} (it belongs to \"{}\")",
            txn.id, txn.owner
        )))
    }
}

fn summary(t: &HttpTxn) -> TxnSummary {
    let state = match t.session.try_lock() {
        None => "active",
        Some(s) if s.transaction_status() == TransactionStatus::Failed => "aborted",
        Some(_) => "idle",
    };
    TxnSummary {
        id: t.id,
        isolation_level: t.isolation.as_sql().to_string(),
        owner: t.owner.clone(),
        started_at: rfc3339(t.started_at),
        state: state.to_string(),
    }
}
