//! The change feed's records: a [`PendingChange`] per successful DML statement, kept in
//! the session's transaction block, becomes a [`TableChange`] when the block commits.

use std::time::SystemTime;

use serde::{Serialize, Serializer};

/// What a committed statement did to one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableChange {
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub table: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub operation: &'static str,
    /// Rows the statement inserted, updated or deleted.
    pub rows: u64,
    /// The id of the transaction that committed it.
    pub xid: u64,
    /// When the transaction committed (serialized as RFC 3339 text).
    #[serde(serialize_with = "rfc3339")]
    pub committed_at: SystemTime,
}

/// A change noted by a statement of a transaction that has not committed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub table: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub operation: &'static str,
    /// Rows affected.
    pub rows: u64,
}

impl PendingChange {
    /// The change as published after the commit of transaction `xid` at `at`.
    pub fn committed(self, xid: u64, at: SystemTime) -> TableChange {
        TableChange {
            schema: self.schema,
            table: self.table,
            operation: self.operation,
            rows: self.rows,
            xid,
            committed_at: at,
        }
    }
}

/// RFC 3339 text of a time, with microseconds, in UTC.
pub fn rfc3339_text(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn rfc3339<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_text(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_time_as_rfc3339() {
        let c = PendingChange {
            schema: "public".into(),
            table: "t".into(),
            operation: "INSERT",
            rows: 2,
        }
        .committed(7, std::time::UNIX_EPOCH);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["committed_at"], "1970-01-01T00:00:00.000000Z");
        assert_eq!(v["operation"], "INSERT");
        assert_eq!(v["xid"], 7);
    }
}
