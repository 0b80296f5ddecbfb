//! Why a lock request failed, and how each reason maps into the error catalogue.

use rustydb_common::{DbError, ErrorCode};

use super::mode::LockMode;
use super::tag::LockTag;
use super::wait::Interrupt;

/// A lock request that was not granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The requester was chosen as the victim of a deadlock. Its pending request is
    /// already gone; it still holds its granted locks until it calls
    /// [`super::LockManager::release_all`].
    #[error("deadlock detected")]
    Deadlock {
        /// The cycle, one line per waits-for edge, as PostgreSQL's DETAIL.
        detail: String,
    },
    /// `lock_timeout` expired before the lock was granted.
    #[error("canceling statement due to lock timeout")]
    Timeout {
        /// The resource waited for.
        tag: LockTag,
        /// The mode asked for.
        mode: LockMode,
    },
    /// The owner was interrupted (cancel, statement timeout, termination) while it
    /// waited, or had a pending interrupt when it asked.
    #[error("{}", interrupt_message(*.0))]
    Interrupted(Interrupt),
}

fn interrupt_message(reason: Interrupt) -> &'static str {
    match reason {
        Interrupt::Cancel => "canceling statement due to user request",
        Interrupt::StatementTimeout => "canceling statement due to statement timeout",
        Interrupt::IdleTimeout => "terminating connection due to idle-in-transaction timeout",
        Interrupt::Terminate => "terminating transaction at administrator request",
    }
}

impl LockError {
    /// Like `DbError::from`, but names the transaction in the message of a termination
    /// (`terminating transaction 12 at administrator request`), which the lock manager
    /// cannot do because an interrupt does not carry the transaction id.
    pub fn into_db_error(self, xid: u64) -> DbError {
        match self {
            LockError::Interrupted(Interrupt::Terminate) => {
                DbError::from_template(ErrorCode::TransactionTerminated, &[("xid", &xid)])
            }
            other => other.into(),
        }
    }
}

impl From<LockError> for DbError {
    fn from(e: LockError) -> DbError {
        match e {
            LockError::Deadlock { detail } => {
                DbError::from_template(ErrorCode::DeadlockDetected, &[]).with_detail(detail)
            }
            LockError::Timeout { tag, mode } => DbError::from_template(ErrorCode::LockTimeout, &[])
                .with_detail(format!("Timed out waiting for {mode} on {tag}.")),
            LockError::Interrupted(reason) => {
                let message = interrupt_message(reason);
                match reason {
                    Interrupt::Cancel => DbError::new(ErrorCode::TransactionTimeout, message)
                        .with_hint("The statement was canceled by its client or an operator."),
                    Interrupt::StatementTimeout => {
                        DbError::new(ErrorCode::TransactionTimeout, message)
                    }
                    // PostgreSQL's idle_in_transaction_session_timeout SQLSTATE.
                    Interrupt::IdleTimeout => {
                        DbError::new(ErrorCode::TransactionTimeout, message).with_sqlstate("25P03")
                    }
                    Interrupt::Terminate => DbError::new(ErrorCode::TransactionTerminated, message),
                }
            }
        }
    }
}
