//! Lock modes: the compatibility matrix and the upgrade lattice.
//!
//! Both are written out as tables rather than derived, because they are the contract
//! the rest of the database is built on and a reader should be able to check them
//! against the design essay in [`super`] at a glance.

use std::fmt;

/// How strongly a resource is locked, weakest first in declaration order (which is a
/// topological order of the upgrade lattice, not a total order: `IX` and `S` are
/// incomparable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// Intention shared: the holder will share-lock finer-grained resources below.
    IS,
    /// Intention exclusive: the holder will lock finer-grained resources below
    /// exclusively.
    IX,
    /// Shared: readers. `FOR SHARE` row locks, waiting for a transaction to finish.
    S,
    /// Shared + intention exclusive: read all of it, change some of it.
    SIX,
    /// Exclusive: nobody else. `FOR UPDATE` row locks, a transaction's own id.
    X,
}

impl LockMode {
    /// Every mode, in declaration order.
    pub const ALL: [LockMode; 5] = [
        LockMode::IS,
        LockMode::IX,
        LockMode::S,
        LockMode::SIX,
        LockMode::X,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// Whether two different transactions may hold `self` and `other` on the same
    /// resource at once. Symmetric.
    pub fn compatible_with(self, other: LockMode) -> bool {
        // Rows and columns in the order IS, IX, S, SIX, X.
        const T: bool = true;
        const F: bool = false;
        const COMPATIBLE: [[bool; 5]; 5] = [
            [T, T, T, T, F], // IS
            [T, T, F, F, F], // IX
            [T, F, T, F, F], // S
            [T, F, F, F, F], // SIX
            [F, F, F, F, F], // X
        ];
        COMPATIBLE[self.index()][other.index()]
    }

    /// The weakest mode at least as strong as both: what a holder of `self` ends up
    /// holding after also asking for `other`. `S` joined with `IX` is `SIX`.
    pub fn join(self, other: LockMode) -> LockMode {
        use LockMode::{IS, IX, S, SIX, X};
        // Rows and columns in the order IS, IX, S, SIX, X.
        const JOIN: [[LockMode; 5]; 5] = [
            [IS, IX, S, SIX, X],     // IS
            [IX, IX, SIX, SIX, X],   // IX
            [S, SIX, S, SIX, X],     // S
            [SIX, SIX, SIX, SIX, X], // SIX
            [X, X, X, X, X],         // X
        ];
        JOIN[self.index()][other.index()]
    }

    /// Whether holding `self` already grants everything `other` would: asking for
    /// `other` while holding `self` is then a no-op.
    pub fn covers(self, other: LockMode) -> bool {
        self.join(other) == self
    }

    /// PostgreSQL-style name used in error details, e.g. `ShareLock`.
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::IS => "IntentShareLock",
            LockMode::IX => "IntentExclusiveLock",
            LockMode::S => "ShareLock",
            LockMode::SIX => "ShareIntentExclusiveLock",
            LockMode::X => "ExclusiveLock",
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pg_name())
    }
}
