//! RustyDB as an embedded library: open a data directory and run SQL in-process, as a
//! program uses SQLite, with PostgreSQL's SQL and semantics.
//!
//! ```
//! use rustydb::{Database, params};
//!
//! fn main() -> rustydb::Result<()> {
//!     let dir = tempfile::tempdir().unwrap();
//!     let db = Database::open(dir.path())?; // created now, recovered on later opens
//!     let mut conn = db.connect();
//!
//!     conn.execute_batch(
//!         "CREATE TABLE books (
//!              id    int PRIMARY KEY,
//!              title text NOT NULL,
//!              year  int,
//!              price numeric(6,2)
//!          )",
//!     )?;
//!
//!     // Parameters are bound to $1, $2, ... and cast to the types the statement needs.
//!     let price = rustydb::Decimal::new(1999, 2);
//!     conn.execute(
//!         "INSERT INTO books VALUES ($1, $2, $3, $4)",
//!         params![1, "Dune", 1965, price],
//!     )?;
//!     conn.execute(
//!         "INSERT INTO books VALUES ($1, $2, $3, $4)",
//!         params![2, "Untitled", None::<i32>, None::<rustydb::Decimal>],
//!     )?;
//!
//!     // Rows are read by position or name, into Rust types; NULL needs an Option.
//!     for row in conn.query("SELECT id, title, year FROM books ORDER BY id", &[])? {
//!         let id: i32 = row.get("id")?;
//!         let title: String = row.get(1)?;
//!         let year: Option<i64> = row.get("year")?;
//!         println!("{id}: {title} ({year:?})");
//!     }
//!
//!     // A transaction commits when told to, and rolls back if dropped before.
//!     let mut tx = conn.transaction()?;
//!     tx.execute("UPDATE books SET price = price * 2 WHERE id = $1", params![1])?;
//!     tx.execute("DELETE FROM books WHERE year IS NULL", &[])?;
//!     tx.commit()?;
//!
//!     let row = conn.query_row("SELECT count(*), max(price) FROM books", &[])?;
//!     assert_eq!(row.get::<i64>(0)?, 1);
//!     assert_eq!(row.get::<rustydb::Decimal>(1)?.to_string(), "39.98");
//!
//!     drop(conn);
//!     db.close() // a clean shutdown: checkpointed, nothing to recover next time
//! }
//! ```
//!
//! # Design
//!
//! The library is a thin layer over the SQL engine (`rustydb-sql`): the engine already
//! has sessions, transactions and prepared statements, as the server needs them. What
//! this layer decides is how they look to a Rust program, and it keeps four rules.
//!
//! **Ownership says what may be shared.** A [`Database`] is a cheap, cloneable handle
//! (`Send + Sync`), shared across threads; a [`Connection`] is one session, with its
//! own transaction state, and runs one statement at a time, so its methods take
//! `&mut self`: it may move to another thread but not be shared. Threads that work in
//! parallel take a connection each; the engine's MVCC and locks arbitrate between them.
//! A [`Statement`] holds no borrow and runs on any connection of its database. Every
//! result ([`Rows`], [`Row`]) owns its data.
//!
//! **Lifetimes do the bookkeeping.** The engine shuts down, with a checkpoint, when the
//! last handle or connection goes (or at [`Database::close`], which reports the
//! outcome); a transaction guard borrows its connection mutably and rolls back if
//! dropped without [`Transaction::commit`]; a [`Savepoint`] likewise. Nothing needs a
//! `finally`.
//!
//! **SQL stays SQL.** Transactions are the session's `BEGIN` / `COMMIT` / `SAVEPOINT`,
//! parameters are PostgreSQL's `$n` with PostgreSQL's type inference, and errors are
//! the engine's [`Error`], with the catalogue code, SQLSTATE, message, detail and
//! hint a server client would see; [`Error::is_retryable`] says when to run a
//! transaction again. The library's own errors use the same type and PostgreSQL's
//! SQLSTATEs (P0002 for a missing row, 42804 for a type that does not convert).
//!
//! **Conversions are strict and predictable.** [`ToValue`] turns Rust values into SQL
//! values and [`FromValue`] reads them back, each for a fixed set of Rust types; a
//! value reads into a Rust type only if every value of its SQL type would (integers
//! widen, never narrow), so a read that works in a test works on all data. Anything
//! else travels as [`Value`] or as text in PostgreSQL's syntax.
//!
//! What it leaves out: rows are materialised, not streamed (a query's result is in
//! memory when `query` returns); there is no connection pool (connections are cheap);
//! and there is no async API.
//!
//! # Where things are
//!
//! [`Database`] opens and closes (`database.rs`); [`Connection`] runs SQL
//! (`connection.rs`); [`Statement`] is a prepared statement (`statement.rs`);
//! [`ToValue`] and [`params!`] bind parameters (`params.rs`); [`Rows`], [`Row`],
//! [`Column`] and [`FromValue`] read results (`row.rs`); [`Transaction`] and
//! [`Savepoint`] are the transaction guards (`transaction.rs`). Everything public is
//! re-exported here, together with the engine types it uses: [`Value`], [`DataType`],
//! [`Error`], [`ErrorCode`], [`IsolationLevel`], [`Config`] and [`Decimal`].

#![warn(missing_docs)]

mod connection;
mod database;
mod params;
mod row;
mod statement;
mod transaction;

pub use connection::Connection;
pub use database::Database;
pub use params::ToValue;
pub use row::{Column, ColumnIndex, FromValue, Row, Rows};
pub use statement::Statement;
pub use transaction::{Savepoint, Transaction};

pub use rust_decimal::Decimal;
pub use rustydb_common::DbError as Error;
pub use rustydb_common::ErrorCode;
pub use rustydb_common::config::Config;
pub use rustydb_sql::session::CancelHandle;
pub use rustydb_sql::types::{DataType, Interval, Value};
pub use rustydb_txn::IsolationLevel;

/// The result of every fallible operation of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
