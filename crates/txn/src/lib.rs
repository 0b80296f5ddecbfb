//! RustyDB's transaction layer: MVCC over the storage engine's heap, PostgreSQL's
//! isolation levels, the lock table with deadlock detection, savepoints and vacuum.
//!
//! * [`TxnManager`] hands out transaction ids, takes snapshots and ends transactions
//!   ([`manager`]); the commit status of every transaction is in the [`clog`].
//! * [`Transaction`] is one running transaction: statements, savepoints, commit
//!   ([`transaction`]), and reading and writing rows with MVCC ([`ops`]).
//! * Visibility rules are in [`snapshot`], the tuple header in [`mod@tuple`].
//! * [`lock`] is the lock table and deadlock detector; [`ssi`] makes SERIALIZABLE
//!   serializable; [`vacuum`] reclaims dead versions.

pub mod clog;
pub mod error;
pub mod lock;
pub mod manager;
pub mod ops;
pub mod snapshot;
pub mod ssi;
pub mod stats;
pub mod transaction;
pub mod tuple;
pub mod vacuum;
pub mod xid;

pub use error::{Result, TxnError};
pub use manager::{TxnConfig, TxnManager};
pub use ops::{RowLockMode, VisibleScan, WriteResult};
pub use transaction::{Transaction, TxnState};
pub use xid::{IsolationLevel, Xid};
