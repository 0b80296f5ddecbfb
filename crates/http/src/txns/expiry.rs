//! Expiry of HTTP transactions: idle ones, and ones whose session an operator
//! terminated, are rolled back (their sessions dropped on the blocking pool) by a lazy
//! sweep on every access and by a background task (see the parent module).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{HttpTransactions, HttpTxn};
use crate::context::HttpContext;

impl HttpTransactions {
    /// Rolls back and forgets every transaction unused for `idle` (the sessions are
    /// dropped on the blocking pool when called inside a runtime).
    pub fn sweep(&self, idle: Duration) {
        let expired: Vec<Arc<HttpTxn>> = {
            let mut open = self.open.lock();
            let ids: Vec<u64> = open
                .values()
                .filter(|t| {
                    (t.killed.load(Ordering::Acquire) || t.last_used.lock().elapsed() >= idle)
                        && t.session.try_lock().is_some()
                })
                .map(|t| t.id)
                .collect();
            ids.iter().filter_map(|id| open.remove(id)).collect()
        };
        if expired.is_empty() {
            return;
        }
        for t in &expired {
            t.closed.store(true, Ordering::Release);
            if t.killed.load(Ordering::Acquire) {
                tracing::info!(xid = t.id, user = %t.owner, "HTTP transaction's session terminated; rolled back");
            } else {
                tracing::info!(xid = t.id, user = %t.owner, "idle HTTP transaction expired; rolled back");
            }
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn_blocking(move || drop(expired));
            }
            Err(_) => drop(expired),
        }
    }

    pub(super) fn start_sweeper(&self, ctx: &Arc<HttpContext>) {
        if self.sweeper.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<HttpContext> = Arc::downgrade(ctx);
        let period =
            (ctx.idle_timeout() / 4).clamp(Duration::from_millis(250), Duration::from_secs(5));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(ctx) = weak.upgrade() else { break };
                ctx.txns.sweep(ctx.idle_timeout());
                ctx.cursors.sweep(ctx.idle_timeout());
            }
        });
    }
}
