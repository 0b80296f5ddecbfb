//! Transaction guards: [`Transaction`] and [`Savepoint`], thin wrappers of the session's
//! `BEGIN` / `COMMIT` / `ROLLBACK` and `SAVEPOINT` / `RELEASE` / `ROLLBACK TO` that cannot
//! be left open: their documentation says how they behave.
//!
//! A [`Transaction`] keeps no state beyond its borrow: whether a transaction is open,
//! or failed, is asked of the session ([`TransactionStatus`]) each time, so SQL run
//! through the guard that ends the transaction (`tx.execute_batch("COMMIT")`) is noticed
//! rather than contradicted, and a commit that fails part-way is still rolled back on
//! drop. A [`Savepoint`] keeps its name and whether it was ended through the guard.

use std::fmt;
use std::ops::{Deref, DerefMut};

use rustydb_common::ErrorCode;
use rustydb_sql::session::TransactionStatus;

use crate::{Connection, Error, IsolationLevel, Result};

/// An open transaction on a connection, made by [`Connection::transaction`].
///
/// It is the SQL `BEGIN` ... `COMMIT` / `ROLLBACK` of the connection's session; what
/// the guard adds is that the end cannot be forgotten. Dropped without
/// [`commit`](Transaction::commit) or [`rollback`](Transaction::rollback), it rolls
/// back, so an early `?` return or a panic leaves nothing half-done. It derefs to the
/// [`Connection`] it borrows mutably: statements run through the guard, and the
/// connection cannot be used behind its back while the guard lives.
///
/// A statement that fails inside a transaction fails the whole transaction, as in
/// PostgreSQL: later statements get 25P02 until it ends, and
/// [`commit`](Transaction::commit) then rolls back and says so with an error. Run a
/// statement that may fail inside a [`Savepoint`] and roll back to it to carry on.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
}

impl<'c> Transaction<'c> {
    pub(crate) fn begin(
        conn: &'c mut Connection,
        level: Option<IsolationLevel>,
    ) -> Result<Transaction<'c>> {
        if conn.in_transaction() {
            return Err(Error::new(
                ErrorCode::InvalidTransactionState,
                "a transaction is already in progress on this connection",
            )
            .with_sqlstate("25001")
            .with_hint("Use savepoint() on the open transaction to nest one."));
        }
        let sql = match level {
            Some(level) => format!("BEGIN ISOLATION LEVEL {}", level.as_sql()),
            None => "BEGIN".to_string(),
        };
        conn.session.execute(&sql)?;
        Ok(Transaction { conn })
    }

    /// Commits the transaction.
    ///
    /// If a statement in it failed, the transaction cannot commit: it is rolled back
    /// and the error is 25P02. A commit can also fail by itself (a serialization
    /// failure at SERIALIZABLE, retryable); the transaction is rolled back then too.
    /// Either way the connection is out of the transaction afterwards.
    pub fn commit(self) -> Result<()> {
        match self.conn.session.transaction_status() {
            TransactionStatus::InBlock => self.conn.session.execute("COMMIT").map(drop),
            TransactionStatus::Failed => {
                self.conn.session.execute("ROLLBACK")?;
                Err(Error::new(
                    ErrorCode::TransactionAborted,
                    "the transaction was rolled back instead of committed: a statement in \
                     it failed",
                )
                .with_sqlstate("25P02")
                .with_hint(
                    "Handle each statement's error; to carry on after one, run it in a \
                     savepoint and roll back to the savepoint.",
                ))
            }
            TransactionStatus::Idle => Err(ended_elsewhere("commit")),
        }
    }

    /// Rolls the transaction back.
    pub fn rollback(self) -> Result<()> {
        match self.conn.session.transaction_status() {
            TransactionStatus::Idle => Err(ended_elsewhere("roll back")),
            _ => self.conn.session.execute("ROLLBACK").map(drop),
        }
    }

    /// Sets a savepoint named `name` inside the transaction; see [`Savepoint`].
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE t (id int PRIMARY KEY)")?;
    /// let mut tx = conn.transaction()?;
    /// tx.execute("INSERT INTO t VALUES (1)", &[])?;
    /// {
    ///     let mut sp = tx.savepoint("maybe")?;
    ///     let duplicate = sp.execute("INSERT INTO t VALUES (1)", &[]);
    ///     assert_eq!(duplicate.unwrap_err().sqlstate(), "23505");
    ///     sp.rollback()?; // undoes the failure: the transaction carries on
    /// }
    /// tx.execute("INSERT INTO t VALUES (2)", &[])?;
    /// tx.commit()?;
    /// assert_eq!(conn.query("SELECT id FROM t", &[])?.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn savepoint(&mut self, name: &str) -> Result<Savepoint<'_>> {
        Savepoint::set(self.conn, name)
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.conn.in_transaction() {
            // A rollback fails only if the engine is failing; the session has dropped
            // the transaction regardless.
            if let Err(e) = self.conn.session.execute("ROLLBACK") {
                tracing::warn!(error = %e, "rollback of a dropped transaction failed");
            }
        }
    }
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("connection", &self.conn)
            .finish()
    }
}

/// A savepoint inside a transaction, made by [`Transaction::savepoint`] (or
/// [`Savepoint::savepoint`], to nest).
///
/// [`Savepoint::release`] keeps what was done since it was set (it still commits or
/// rolls back with the transaction); [`Savepoint::rollback`] undoes it, also after a
/// failed statement, and the transaction carries on. Dropped without either, it rolls
/// back. It derefs to the connection as the transaction does.
pub struct Savepoint<'t> {
    conn: &'t mut Connection,
    name: String,
    ended: bool,
}

impl<'t> Savepoint<'t> {
    fn set(conn: &'t mut Connection, name: &str) -> Result<Savepoint<'t>> {
        if name.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidParameter,
                "a savepoint name must not be empty",
            ));
        }
        conn.session
            .execute(&format!("SAVEPOINT {}", quote_ident(name)))?;
        Ok(Savepoint {
            conn,
            name: name.to_string(),
            ended: false,
        })
    }

    /// Releases the savepoint, keeping the changes made since it was set.
    ///
    /// If a statement since failed, the changes cannot be kept: the error is 25P02 and
    /// the savepoint is rolled back instead, so the transaction can carry on.
    pub fn release(mut self) -> Result<()> {
        let sql = format!("RELEASE SAVEPOINT {}", quote_ident(&self.name));
        self.conn.session.execute(&sql)?;
        // Only now: on failure, drop rolls back to the savepoint.
        self.ended = true;
        Ok(())
    }

    /// Undoes everything done since the savepoint was set, including a failed
    /// statement, and removes the savepoint.
    pub fn rollback(mut self) -> Result<()> {
        self.ended = true;
        self.undo()
    }

    /// Sets a savepoint nested in this one.
    pub fn savepoint(&mut self, name: &str) -> Result<Savepoint<'_>> {
        Savepoint::set(self.conn, name)
    }

    /// The savepoint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn undo(&mut self) -> Result<()> {
        let name = quote_ident(&self.name);
        let sql = format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}");
        self.conn.session.execute(&sql).map(drop)
    }
}

impl Deref for Savepoint<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Savepoint<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.ended
            && self.conn.in_transaction()
            && let Err(e) = self.undo()
        {
            tracing::warn!(savepoint = %self.name, error = %e, "rollback of a dropped savepoint failed");
        }
    }
}

impl fmt::Debug for Savepoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Savepoint")
            .field("name", &self.name)
            .field("ended", &self.ended)
            .finish()
    }
}

/// `name` as a quoted SQL identifier, so any name is taken literally.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The error of ending a transaction that SQL run through the guard already ended.
fn ended_elsewhere(what: &str) -> Error {
    Error::new(
        ErrorCode::InvalidTransactionState,
        format!("cannot {what}: the transaction was already ended by a statement run through it"),
    )
    .with_sqlstate("25P01")
    .with_hint("End transactions with the guard's commit() or rollback(), not with SQL.")
}
