//! [`PgServer`]: the accept loop, connection accounting, cancel keys, and shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rustydb_sql::Engine;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::PgWireOptions;
use crate::logins::{LoginTracker, UserLoginStatus};

/// Connection counters, as the admin API shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionStats {
    /// Sessions open now (connections past the connection-limit check).
    pub active: u32,
    /// `max_connections`.
    pub max: u32,
    /// Sessions started (authenticated) since the server started.
    pub accepted_total: u64,
    /// Connections refused because `max_connections` was reached.
    pub rejected_total: u64,
    /// Failed authentications (wrong password, unknown user, locked account, ...).
    pub auth_failures_total: u64,
}

/// What the server keeps about a live session: its cancel key and its socket, whose
/// read side is shut down to wake the session thread at server shutdown.
#[derive(Debug)]
struct Live {
    secret: i32,
    sock: Arc<std::net::TcpStream>,
}

/// The PostgreSQL wire-protocol server. See the crate documentation.
#[derive(Debug)]
pub struct PgServer {
    pub(crate) engine: Arc<Engine>,
    pub(crate) options: PgWireOptions,
    pub(crate) logins: LoginTracker,
    active: AtomicU32,
    accepted: AtomicU64,
    rejected: AtomicU64,
    auth_failures: AtomicU64,
    live: Mutex<HashMap<u32, Live>>,
    shutting_down: AtomicBool,
}

/// A place under `max_connections`, given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot(Arc<PgServer>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PgServer {
    /// A server for `engine` with `options`.
    pub fn new(engine: Arc<Engine>, options: PgWireOptions) -> Arc<PgServer> {
        Arc::new(PgServer {
            logins: LoginTracker::new(options.max_failed_logins, options.lockout_duration),
            engine,
            options,
            active: AtomicU32::new(0),
            accepted: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            auth_failures: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
            shutting_down: AtomicBool::new(false),
        })
    }

    /// Accepts connections until `shutdown` is cancelled; then stops accepting, lets
    /// running statements finish for up to `grace`, closes every connection (FATAL
    /// 57P01 "terminating connection due to administrator command"), and returns.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: CancellationToken,
        grace: Duration,
    ) -> std::io::Result<()> {
        let tracker = TaskTracker::new();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((sock, addr)) => {
                        let server = self.clone();
                        let stop = shutdown.clone();
                        tracker.spawn(async move { server.connection(sock, addr, stop).await });
                    }
                    Err(e) => {
                        // Out of file descriptors and similar: transient; back off a little.
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(listener);
        self.shutting_down.store(true, Ordering::Release);
        self.wake_all();
        tracker.close();
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            let pids: Vec<u32> = self.live.lock().keys().copied().collect();
            for pid in pids {
                self.engine.sessions().terminate(pid);
            }
            // Terminated statements stop at their next interrupt check; bound the wait
            // for one stuck in something that cannot be interrupted.
            let _ = tokio::time::timeout(Duration::from_secs(10), tracker.wait()).await;
        }
        Ok(())
    }

    async fn connection(
        self: Arc<Self>,
        sock: TcpStream,
        addr: SocketAddr,
        stop: CancellationToken,
    ) {
        let _ = sock.set_nodelay(true);
        crate::conn::run(self, sock, addr, stop).await;
    }

    /// The connection counters.
    pub fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            active: self.active.load(Ordering::Acquire),
            max: self.options.max_connections,
            accepted_total: self.accepted.load(Ordering::Relaxed),
            rejected_total: self.rejected.load(Ordering::Relaxed),
            auth_failures_total: self.auth_failures.load(Ordering::Relaxed),
        }
    }

    /// Whether logins as `user` are blocked, and its failure count.
    pub fn user_status(&self, user: &str) -> UserLoginStatus {
        self.logins.status(user)
    }

    /// Lifts a lockout of `user` and clears its failure count; true if it was locked.
    pub fn unblock_user(&self, user: &str) -> bool {
        let was = self.logins.unblock(user);
        if was {
            tracing::info!(
                target: rustydb_common::logging::AUDIT_TARGET,
                "ACCOUNT_UNLOCKED user=\"{user}\""
            );
        }
        was
    }

    /// Takes a place under `max_connections`, or counts a rejection.
    pub(crate) fn take_slot(self: &Arc<Self>) -> Option<Slot> {
        let n = self.active.fetch_add(1, Ordering::AcqRel);
        if n >= self.options.max_connections {
            self.active.fetch_sub(1, Ordering::AcqRel);
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(Slot(self.clone()))
    }

    pub(crate) fn count_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Registers a live session's cancel key and socket.
    pub(crate) fn register(&self, pid: u32, secret: i32, sock: Arc<std::net::TcpStream>) {
        self.live.lock().insert(pid, Live { secret, sock });
        // A shutdown that began while this session was starting must reach it too.
        if self.is_shutting_down() {
            self.wake_all();
        }
    }

    pub(crate) fn unregister(&self, pid: u32) {
        self.live.lock().remove(&pid);
    }

    /// CancelRequest: cancels session `pid`'s statement if `secret` is its key.
    pub(crate) fn cancel(&self, pid: u32, secret: i32) {
        let ok = self
            .live
            .lock()
            .get(&pid)
            .is_some_and(|l| l.secret == secret);
        if ok {
            self.engine.sessions().cancel(pid);
        }
    }

    /// Wakes every session thread blocked reading; each then sees the shutdown flag.
    fn wake_all(&self) {
        for l in self.live.lock().values() {
            let _ = l.sock.shutdown(std::net::Shutdown::Read);
        }
    }
}
