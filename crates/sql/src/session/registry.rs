//! The registry of open sessions: what `pg_stat_activity`, `pg_backend_pid()`,
//! `pg_cancel_backend()`, `pg_terminate_backend()`, `GET /connections` and
//! `rustydb-admin` see.
//!
//! Every [`Session`](super::Session) registers itself when it is created and leaves when
//! it is dropped. It keeps its own activity up to date (state, current statement, when
//! it started); a front end adds what only it knows (client address, application name)
//! and installs a hook that closes the client connection when the session is terminated.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::SystemTime;

use parking_lot::Mutex;

use super::CancelHandle;

/// What a session is doing, as `pg_stat_activity.state` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Running a statement.
    Active,
    /// Waiting for a statement, outside a transaction block.
    Idle,
    /// Waiting for a statement inside a transaction block.
    IdleInTransaction,
    /// Waiting inside a failed transaction block.
    IdleInTransactionAborted,
}

impl SessionState {
    /// The name PostgreSQL's `pg_stat_activity.state` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::Idle => "idle",
            SessionState::IdleInTransaction => "idle in transaction",
            SessionState::IdleInTransactionAborted => "idle in transaction (aborted)",
        }
    }
}

/// A snapshot of one session, for listing.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The session's id (`pg_backend_pid()`, BackendKeyData's process id).
    pub pid: u32,
    /// The user it runs as.
    pub user: String,
    /// The database it is connected to.
    pub database: String,
    /// The client's address, for network sessions.
    pub client_addr: Option<SocketAddr>,
    /// The client's `application_name`.
    pub application_name: String,
    /// When the session started.
    pub connected_at: SystemTime,
    /// What it is doing.
    pub state: SessionState,
    /// When `state` last changed.
    pub state_changed_at: SystemTime,
    /// The statement running, or the last one run.
    pub query: String,
    /// When that statement started.
    pub query_started_at: Option<SystemTime>,
    /// The id of its open transaction, if any.
    pub transaction_id: Option<u64>,
}

#[derive(Debug)]
struct Activity {
    user: String,
    database: String,
    client_addr: Option<SocketAddr>,
    application_name: String,
    state: SessionState,
    state_changed_at: SystemTime,
    query: String,
    query_started_at: Option<SystemTime>,
}

type TerminateHook = Box<dyn Fn() + Send + Sync>;

/// One registered session. Shared by the session, the registry and its front end.
pub struct SessionEntry {
    pid: u32,
    connected_at: SystemTime,
    activity: Mutex<Activity>,
    cancel: CancelHandle,
    terminated: AtomicBool,
    on_terminate: Mutex<Option<TerminateHook>>,
}

impl std::fmt::Debug for SessionEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionEntry")
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

impl SessionEntry {
    /// The session's id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Records the client's address (front ends).
    pub fn set_client_addr(&self, addr: Option<SocketAddr>) {
        self.activity.lock().client_addr = addr;
    }

    /// Records the client's `application_name`.
    pub fn set_application_name(&self, name: impl Into<String>) {
        self.activity.lock().application_name = name.into();
    }

    pub(crate) fn set_identity(&self, user: &str, database: &str) {
        let mut a = self.activity.lock();
        a.user = user.to_string();
        a.database = database.to_string();
    }

    /// Marks the session active running `query`.
    pub(crate) fn begin_query(&self, query: &str) {
        let now = SystemTime::now();
        let mut a = self.activity.lock();
        a.state = SessionState::Active;
        a.state_changed_at = now;
        a.query_started_at = Some(now);
        a.query.clear();
        a.query.push_str(query);
    }

    /// Marks the session waiting, in `state`.
    pub(crate) fn end_query(&self, state: SessionState) {
        let mut a = self.activity.lock();
        if a.state != state {
            a.state = state;
            a.state_changed_at = SystemTime::now();
        }
    }

    /// Installs what closes the session's client connection on terminate.
    pub fn on_terminate(&self, hook: impl Fn() + Send + Sync + 'static) {
        *self.on_terminate.lock() = Some(Box::new(hook));
        if self.is_terminated() {
            self.run_terminate_hook();
        }
    }

    /// Whether the session was told to end (`pg_terminate_backend`).
    pub fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// Cancels the running statement; false if none is running.
    pub fn cancel(&self) -> bool {
        self.cancel.cancel()
    }

    /// Ends the session: cancels its statement and closes its connection.
    pub fn terminate(&self) {
        self.terminated.store(true, Ordering::Release);
        self.cancel.cancel();
        self.run_terminate_hook();
    }

    fn run_terminate_hook(&self) {
        if let Some(hook) = self.on_terminate.lock().as_ref() {
            hook();
        }
    }

    /// A snapshot of the session.
    pub fn info(&self) -> SessionInfo {
        let a = self.activity.lock();
        SessionInfo {
            pid: self.pid,
            user: a.user.clone(),
            database: a.database.clone(),
            client_addr: a.client_addr,
            application_name: a.application_name.clone(),
            connected_at: self.connected_at,
            state: a.state,
            state_changed_at: a.state_changed_at,
            query: a.query.clone(),
            query_started_at: a.query_started_at,
            transaction_id: self.cancel.transaction_id(),
        }
    }
}

/// Every open session, by id.
#[derive(Debug, Default)]
pub struct SessionRegistry {
    next_pid: AtomicU32,
    sessions: Mutex<BTreeMap<u32, Arc<SessionEntry>>>,
}

impl SessionRegistry {
    pub(crate) fn register(&self, cancel: CancelHandle) -> Arc<SessionEntry> {
        // Ids start at 1001 so they never look like a small count, and skip 0 on wrap.
        let pid = loop {
            let p = self
                .next_pid
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_add(1001);
            if p != 0 && !self.sessions.lock().contains_key(&p) {
                break p;
            }
        };
        let now = SystemTime::now();
        let entry = Arc::new(SessionEntry {
            pid,
            connected_at: now,
            activity: Mutex::new(Activity {
                user: String::new(),
                database: String::new(),
                client_addr: None,
                application_name: String::new(),
                state: SessionState::Idle,
                state_changed_at: now,
                query: String::new(),
                query_started_at: None,
            }),
            cancel,
            terminated: AtomicBool::new(false),
            on_terminate: Mutex::new(None),
        });
        self.sessions.lock().insert(pid, entry.clone());
        entry
    }

    pub(crate) fn unregister(&self, pid: u32) {
        self.sessions.lock().remove(&pid);
    }

    /// The session with id `pid`.
    pub fn get(&self, pid: u32) -> Option<Arc<SessionEntry>> {
        self.sessions.lock().get(&pid).cloned()
    }

    /// A snapshot of every session, by id.
    pub fn list(&self) -> Vec<SessionInfo> {
        let entries: Vec<_> = self.sessions.lock().values().cloned().collect();
        entries.iter().map(|e| e.info()).collect()
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.sessions.lock().len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cancels session `pid`'s running statement; false if there is none.
    pub fn cancel(&self, pid: u32) -> bool {
        self.get(pid).is_some_and(|e| e.cancel())
    }

    /// Terminates session `pid`; false if there is no such session.
    pub fn terminate(&self, pid: u32) -> bool {
        match self.get(pid) {
            Some(e) => {
                e.terminate();
                true
            }
            None => false,
        }
    }
}
