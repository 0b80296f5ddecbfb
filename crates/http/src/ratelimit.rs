//! Rate limits per API token and per client address, on `governor` (GCRA).
//!
//! Each key (`ip:<address>`, `token:<id>`) gets `http.rate_limit_per_minute` requests per
//! minute, replenished smoothly (one every 60/N seconds) with a burst of N. The
//! [`Decision`] of the tighter of the two keys is what the `X-RateLimit-*` headers of
//! every response show: `Limit` = N, `Remaining` = requests possible right now, `Reset` =
//! the Unix time at which the full burst is available again. Over the limit a request
//! gets 429 with `Retry-After` (ERR-API-004), is counted in
//! `rustydb_http_rate_limited_total`, and is written to `security_audit.log` as SEC-004
//! (at most once a minute per key, so a flood does not flood the log too).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Gcra};
use parking_lot::Mutex;

type Limiter =
    Gcra<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The per-key limiter; `None` inside when limiting is off (`0`).
pub struct RateLimiter {
    limit: u32,
    gcra: Option<Limiter>,
    clock: DefaultClock,
    audited: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .finish()
    }
}

/// What the limiter said about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests per minute allowed for the key.
    pub limit: u32,
    /// Requests still possible right now.
    pub remaining: u32,
    /// Unix seconds when the whole burst is available again.
    pub reset: u64,
    /// Seconds to wait before retrying (when refused).
    pub retry_after: u64,
}

impl RateLimiter {
    /// `per_minute` requests per minute per key; 0 turns limiting off.
    pub fn new(per_minute: u32) -> RateLimiter {
        let gcra = NonZeroU32::new(per_minute).map(|n| {
            Gcra::keyed(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>()
        });
        RateLimiter {
            limit: per_minute,
            gcra,
            clock: DefaultClock::default(),
            audited: Mutex::new(HashMap::new()),
        }
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.gcra.is_some()
    }

    /// Counts one request against `key`; `None` when limiting is off.
    pub fn check(&self, key: &str) -> Option<Decision> {
        let gcra = self.gcra.as_ref()?;
        let per_request = 60.0 / f64::from(self.limit);
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        Some(match gcra.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let refill = f64::from(self.limit - remaining) * per_request;
                Decision {
                    allowed: true,
                    limit: self.limit,
                    remaining,
                    reset: (now_unix + refill).ceil() as u64,
                    retry_after: 0,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let refill = f64::from(self.limit) * per_request;
                Decision {
                    allowed: false,
                    limit: self.limit,
                    remaining: 0,
                    reset: (now_unix + refill).ceil() as u64,
                    retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
                }
            }
        })
    }

    /// Whether a refusal for `key` should be written to the audit log now (once a
    /// minute per key).
    pub fn should_audit(&self, key: &str) -> bool {
        let mut audited = self.audited.lock();
        let now = Instant::now();
        match audited.get(key) {
            Some(last) if now.duration_since(*last) < Duration::from_secs(60) => false,
            _ => {
                audited.insert(key.to_string(), now);
                true
            }
        }
    }

    /// Forgets keys whose limits are fully replenished (run every minute).
    pub fn housekeeping(&self) {
        if let Some(gcra) = &self.gcra {
            gcra.retain_recent();
            gcra.shrink_to_fit();
        }
        let cutoff = Duration::from_secs(60);
        self.audited.lock().retain(|_, t| t.elapsed() < cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(3);
        let d: Vec<Decision> = (0..4).map(|_| limiter.check("ip:x").unwrap()).collect();
        assert_eq!(
            d.iter()
                .map(|d| (d.allowed, d.remaining))
                .collect::<Vec<_>>(),
            vec![(true, 2), (true, 1), (true, 0), (false, 0)]
        );
        assert!(d[3].retry_after >= 1 && d[3].retry_after <= 20);
        assert!(limiter.check("ip:y").unwrap().allowed, "keys are separate");
        assert!(RateLimiter::new(0).check("ip:x").is_none());
    }

    #[test]
    fn audits_once_a_minute_per_key() {
        let limiter = RateLimiter::new(1);
        assert!(limiter.should_audit("ip:x"));
        assert!(!limiter.should_audit("ip:x"));
        assert!(limiter.should_audit("ip:y"));
    }
}
