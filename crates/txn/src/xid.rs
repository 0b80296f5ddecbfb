//! Transaction ids and isolation levels.

use std::fmt;

/// A 64-bit transaction id. Ids are never reused or wrapped around: at a million
/// transactions a second they last half a million years, so there is no freezing and no
/// wraparound emergency.
pub type Xid = u64;

/// No transaction (an unset `xmax`).
pub const INVALID_XID: Xid = 0;
/// Rows written while initialising a database (system catalogs): always committed.
pub const BOOTSTRAP_XID: Xid = 1;
/// The first id handed to a real transaction.
pub const FIRST_NORMAL_XID: Xid = 3;

/// The SQL isolation levels, with PostgreSQL's meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IsolationLevel {
    /// Behaves as READ COMMITTED (as in PostgreSQL).
    ReadUncommitted,
    /// A new snapshot for every statement (the default).
    #[default]
    ReadCommitted,
    /// One snapshot for the whole transaction (snapshot isolation); a concurrent update
    /// of a row it writes is a serialization failure.
    RepeatableRead,
    /// Repeatable read plus commit-time validation of what it read: the result is
    /// equivalent to some serial order of the serializable transactions.
    Serializable,
}

impl IsolationLevel {
    /// Whether the transaction keeps one snapshot for its whole life.
    pub fn uses_transaction_snapshot(self) -> bool {
        matches!(
            self,
            IsolationLevel::RepeatableRead | IsolationLevel::Serializable
        )
    }

    /// The SQL spelling, as `SHOW transaction_isolation` prints it.
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read uncommitted",
            IsolationLevel::ReadCommitted => "read committed",
            IsolationLevel::RepeatableRead => "repeatable read",
            IsolationLevel::Serializable => "serializable",
        }
    }

    /// Parses the SQL spelling (case-insensitive, `_` or space between words).
    pub fn parse(s: &str) -> Option<IsolationLevel> {
        let norm = s.trim().to_ascii_lowercase().replace('_', " ");
        Some(match norm.as_str() {
            "read uncommitted" => IsolationLevel::ReadUncommitted,
            "read committed" => IsolationLevel::ReadCommitted,
            "repeatable read" => IsolationLevel::RepeatableRead,
            "serializable" => IsolationLevel::Serializable,
            _ => return None,
        })
    }
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_parses_sql_and_graphql_spellings() {
        assert_eq!(
            IsolationLevel::parse("READ_COMMITTED"),
            Some(IsolationLevel::ReadCommitted)
        );
        assert_eq!(
            IsolationLevel::parse(" Repeatable Read "),
            Some(IsolationLevel::RepeatableRead)
        );
        assert_eq!(IsolationLevel::parse("snapshot"), None);
        assert!(IsolationLevel::Serializable.uses_transaction_snapshot());
        assert!(!IsolationLevel::ReadUncommitted.uses_transaction_snapshot());
    }
}
