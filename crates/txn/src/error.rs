//! The transaction layer's errors and their catalogue codes.

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::StorageError;

use crate::lock::LockError;
use crate::xid::Xid;

/// Result alias for the transaction layer.
pub type Result<T, E = TxnError> = std::result::Result<T, E>;

/// Everything the transaction layer can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TxnError {
    /// The storage engine failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Waiting for a lock failed (deadlock, timeout, interrupt).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A concurrent transaction makes this one unserializable (40001).
    #[error("could not serialize access due to {0}")]
    Serialization(String),
    /// The transaction already failed; only ROLLBACK (or ROLLBACK TO) is accepted.
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    Aborted,
    /// An operator or a timeout ended the transaction from outside.
    #[error("transaction {xid} was terminated: {reason}")]
    Terminated {
        /// The transaction.
        xid: Xid,
        /// Why, as the victim should read it.
        reason: String,
        /// The catalogue code to report.
        code: ErrorCode,
        /// The SQLSTATE to report.
        sqlstate: &'static str,
    },
    /// No savepoint of that name.
    #[error("savepoint \"{0}\" does not exist")]
    NoSuchSavepoint(String),
    /// The operation needs a different transaction state.
    #[error("{0}")]
    InvalidState(String),
    /// A bug.
    #[error("internal transaction error (this is a bug): {0}")]
    Internal(String),
}

impl TxnError {
    /// Whether retrying the transaction may succeed (serialization failure, deadlock
    /// victim, lock timeout), as the catalogue says.
    pub fn is_retryable(&self) -> bool {
        match self {
            TxnError::Serialization(_) => true,
            TxnError::Lock(l) => {
                matches!(l, LockError::Deadlock { .. } | LockError::Timeout { .. })
            }
            _ => false,
        }
    }
}

impl From<TxnError> for DbError {
    fn from(e: TxnError) -> DbError {
        match e {
            TxnError::Storage(s) => s.into(),
            TxnError::Lock(l) => l.into(),
            TxnError::Serialization(reason) => {
                DbError::from_template(ErrorCode::SerializationFailure, &[("reason", &reason)])
            }
            TxnError::Aborted => DbError::from_template(ErrorCode::TransactionAborted, &[]),
            TxnError::Terminated {
                reason,
                code,
                sqlstate,
                ..
            } => DbError::new(code, reason).with_sqlstate(sqlstate),
            TxnError::NoSuchSavepoint(name) => {
                DbError::from_template(ErrorCode::NoSuchSavepoint, &[("name", &name)])
            }
            TxnError::InvalidState(reason) => {
                DbError::from_template(ErrorCode::InvalidTransactionState, &[("reason", &reason)])
            }
            TxnError::Internal(reason) => DbError::internal(reason),
        }
    }
}
