//! Failed-login tracking and account lockout.
//!
//! Failures are counted per user name in a row; a success clears the count. When a
//! name reaches `max_failed_logins` failures it is locked for `lockout_duration`:
//! every login as it is refused (even with the right password) until the lock
//! expires or an operator lifts it ([`crate::PgServer::unblock_user`]). Names that do
//! not exist are counted too, so a locked answer reveals nothing about which users
//! exist. The table lives in memory: a restart clears it.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

/// Names tracked at most; beyond it, unlocked entries are dropped (a flood of random
/// user names cannot grow the table without bound).
const MAX_TRACKED: usize = 10_000;

/// A user's login state, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserLoginStatus {
    /// Whether logins as this user are refused right now.
    pub blocked: bool,
    /// Why, when blocked.
    pub block_reason: Option<String>,
    /// Failed logins in a row (since the last success or unblock).
    pub failed_login_attempts: u32,
    /// When the block ends.
    pub blocked_until: Option<SystemTime>,
}

#[derive(Debug, Default)]
struct Entry {
    failures: u32,
    locked_until: Option<SystemTime>,
}

/// The failure counts and locks of every user name.
#[derive(Debug)]
pub(crate) struct LoginTracker {
    max_failures: u32,
    lockout: Duration,
    users: Mutex<HashMap<String, Entry>>,
}

impl LoginTracker {
    pub(crate) fn new(max_failures: u32, lockout: Duration) -> LoginTracker {
        LoginTracker {
            max_failures,
            lockout,
            users: Mutex::new(HashMap::new()),
        }
    }

    /// When `user` is locked, until when.
    pub(crate) fn locked_until(&self, user: &str) -> Option<SystemTime> {
        let mut users = self.users.lock();
        let e = users.get_mut(user)?;
        match e.locked_until {
            Some(t) if t > SystemTime::now() => Some(t),
            Some(_) => {
                // The lock expired: the user starts over.
                users.remove(user);
                None
            }
            None => None,
        }
    }

    /// Records a failure; returns the lock's end if this failure locked the user, and
    /// the failure count.
    pub(crate) fn failure(&self, user: &str) -> (u32, Option<SystemTime>) {
        let mut users = self.users.lock();
        if users.len() >= MAX_TRACKED && !users.contains_key(user) {
            users.retain(|_, e| e.locked_until.is_some());
        }
        let e = users.entry(user.to_string()).or_default();
        e.failures = e.failures.saturating_add(1);
        if self.max_failures > 0 && e.failures >= self.max_failures && e.locked_until.is_none() {
            let until = SystemTime::now() + self.lockout;
            e.locked_until = Some(until);
            return (e.failures, Some(until));
        }
        (e.failures, None)
    }

    /// A successful login clears the count.
    pub(crate) fn success(&self, user: &str) {
        self.users.lock().remove(user);
    }

    pub(crate) fn status(&self, user: &str) -> UserLoginStatus {
        let until = self.locked_until(user);
        let users = self.users.lock();
        let failures = users.get(user).map_or(0, |e| e.failures);
        UserLoginStatus {
            blocked: until.is_some(),
            block_reason: until
                .map(|_| format!("{failures} failed login attempts in a row (max_failed_logins)")),
            failed_login_attempts: failures,
            blocked_until: until,
        }
    }

    /// Lifts a lock and clears the count; true if the user was locked.
    pub(crate) fn unblock(&self, user: &str) -> bool {
        let was = self.locked_until(user).is_some();
        self.users.lock().remove(user);
        was
    }
}

/// RFC 3339 in UTC, to the second.
pub(crate) fn format_time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_success_resets() {
        let t = LoginTracker::new(3, Duration::from_secs(60));
        assert_eq!(t.failure("a").1, None);
        t.success("a");
        assert_eq!(t.failure("a"), (1, None));
        assert_eq!(t.failure("a"), (2, None));
        assert!(t.failure("a").1.is_some());
        assert!(t.locked_until("a").is_some());
        assert!(t.status("a").blocked);
        assert!(t.unblock("a"));
        assert!(!t.status("a").blocked);
        assert_eq!(t.status("a").failed_login_attempts, 0);
    }

    #[test]
    fn zero_means_never_lock() {
        let t = LoginTracker::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            assert_eq!(t.failure("a").1, None);
        }
        assert!(t.locked_until("a").is_none());
    }
}
