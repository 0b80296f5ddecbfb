//! [`Connection`]: one session with a [`Database`], running SQL; and the helpers that
//! turn the engine's statement results into [`Rows`].

use std::fmt;
use std::io::{Read, Write};

use rustydb_common::ErrorCode;
use rustydb_sql::session::{CancelHandle, TransactionStatus};
use rustydb_sql::{Session, StatementResult};

use crate::params::to_values;
use crate::row::Column;
use crate::transaction::Transaction;
use crate::{Database, Error, IsolationLevel, Result, Row, Rows, Statement, ToValue};

/// A session with a database, made by [`Database::connect`].
///
/// A connection is what a client connection is to a server: its own transaction state,
/// its own settings (`SET`), its own prepared state. It runs one statement at a time,
/// which its `&mut self` methods say in the types: a connection can move to another
/// thread (`Send`) but is not shared between threads; make one connection per thread
/// instead, which is cheap.
///
/// Statements outside an explicit transaction each commit on their own (autocommit);
/// [`Connection::transaction`] groups several.
pub struct Connection {
    // Declared before `db`, so dropped first: the session rolls back whatever it has
    // open while the engine is certainly still running.
    pub(crate) session: Session,
    db: Database,
}

impl Connection {
    pub(crate) fn new(db: Database, session: Session) -> Connection {
        Connection { session, db }
    }

    /// Runs one statement with parameters `$1`, `$2`, ... and returns how many rows it
    /// inserted, updated or deleted (for a query, how many it returned; for DDL, 0).
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// use rustydb::params;
    ///
    /// conn.execute("CREATE TABLE kv (k text PRIMARY KEY, v int)", &[])?;
    /// let n = conn.execute("INSERT INTO kv VALUES ($1, $2), ($3, $4)", params!["a", 1, "b", 2])?;
    /// assert_eq!(n, 2);
    /// let n = conn.execute("UPDATE kv SET v = v + $1", params![10])?;
    /// assert_eq!(n, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64> {
        self.run(sql, params).map(|r| r.rows_affected)
    }

    /// Runs every statement of `sql`, separated by semicolons, without parameters
    /// (a schema script, say). Outside a transaction they run as one: if one fails, the
    /// earlier ones are rolled back too.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch(
    ///     "CREATE TABLE a (id int PRIMARY KEY);
    ///      CREATE TABLE b (id int PRIMARY KEY, a_id int);
    ///      INSERT INTO a VALUES (1);",
    /// )?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.session.execute(sql).map(drop)
    }

    /// Runs one statement with parameters and returns its rows.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2), (3)")?;
    /// let mut total = 0;
    /// for row in conn.query("SELECT x FROM t WHERE x >= $1", &[&2])? {
    ///     total += row.get::<i32>("x")?;
    /// }
    /// assert_eq!(total, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn query(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Rows> {
        self.run(sql, params).map(rows_of)
    }

    /// Runs a query that must return exactly one row, and returns it.
    ///
    /// No row is an error with SQLSTATE P0002 ("query returned no rows"), more than one
    /// an error with P0003, as PL/pgSQL's `SELECT ... INTO STRICT` reports them; use
    /// [`Connection::query_opt`] when the row may be missing.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// let n: i64 = conn.query_row("SELECT count(*) FROM generate_series(1, 10)", &[])?.get(0)?;
    /// assert_eq!(n, 10);
    ///
    /// let err = conn.query_row("SELECT 1 WHERE false", &[]).unwrap_err();
    /// assert_eq!(err.sqlstate(), "P0002");
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_row(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Row> {
        self.query(sql, params).and_then(exactly_one)
    }

    /// Runs a query that returns at most one row: `None` if it returns none, an error
    /// (P0003) if it returns more than one.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE users (id int PRIMARY KEY, name text)")?;
    /// let found = conn.query_opt("SELECT name FROM users WHERE id = $1", &[&42])?;
    /// assert!(found.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_opt(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<Row>> {
        self.query(sql, params).and_then(at_most_one)
    }

    /// Parses and plans one statement to run many times with different parameters.
    ///
    /// A [`Statement`] is independent of the connection that prepared it: run it on
    /// this connection, or any other of the same database, by passing the connection
    /// (or a transaction, which derefs to one). Its plan is kept while the schema it was
    /// planned against does not change, and made again when it does.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE t (id int PRIMARY KEY, name text)")?;
    /// let insert = conn.prepare("INSERT INTO t VALUES ($1, $2)")?;
    /// for (id, name) in [(1, "one"), (2, "two"), (3, "three")] {
    ///     insert.execute(&mut conn, &[&id, &name])?;
    /// }
    /// let by_id = conn.prepare("SELECT name FROM t WHERE id = $1")?;
    /// assert_eq!(by_id.query_row(&mut conn, &[&2])?.get::<String>(0)?, "two");
    /// # Ok(())
    /// # }
    /// ```
    pub fn prepare(&mut self, sql: &str) -> Result<Statement> {
        let prepared = self.session.prepare(sql, &[])?;
        Ok(Statement::new(prepared, self.session.engine()))
    }

    /// Begins a transaction at the session's default isolation level (READ COMMITTED
    /// unless changed with `SET default_transaction_isolation`).
    ///
    /// The returned guard derefs to this connection, so statements run through it as
    /// usual; it commits with [`Transaction::commit`] and rolls back with
    /// [`Transaction::rollback`], or when dropped without either. A connection has at
    /// most one transaction open: beginning another is an error (25001); use
    /// [`Transaction::savepoint`] to nest.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE acct (id int PRIMARY KEY, balance int)")?;
    /// conn.execute_batch("INSERT INTO acct VALUES (1, 100), (2, 0)")?;
    ///
    /// let mut tx = conn.transaction()?;
    /// tx.execute("UPDATE acct SET balance = balance - $1 WHERE id = 1", &[&30])?;
    /// tx.execute("UPDATE acct SET balance = balance + $1 WHERE id = 2", &[&30])?;
    /// tx.commit()?;
    ///
    /// {
    ///     let mut tx = conn.transaction()?;
    ///     tx.execute("DELETE FROM acct", &[])?;
    ///     // dropped without commit: rolled back
    /// }
    /// let total: i64 = conn.query_row("SELECT sum(balance) FROM acct", &[])?.get(0)?;
    /// assert_eq!(total, 100);
    /// # Ok(())
    /// # }
    /// ```
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        Transaction::begin(self, None)
    }

    /// Begins a transaction at the isolation level `level`; otherwise as
    /// [`Connection::transaction`].
    ///
    /// At REPEATABLE READ and SERIALIZABLE, a conflict with a concurrent transaction
    /// fails a statement or the commit with an error whose
    /// [`is_retryable`](Error::is_retryable) is true: run the whole transaction again.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// use rustydb::IsolationLevel;
    ///
    /// let mut tx = conn.transaction_with(IsolationLevel::Serializable)?;
    /// let level: String = tx.query_row("SHOW transaction_isolation", &[])?.get(0)?;
    /// assert_eq!(level, "serializable");
    /// tx.commit()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn transaction_with(&mut self, level: IsolationLevel) -> Result<Transaction<'_>> {
        Transaction::begin(self, Some(level))
    }

    /// Runs `COPY table [(columns)] FROM STDIN [WITH (...)]`, reading the data (text or
    /// CSV format, as the statement says) from `reader`; returns how many rows it loaded.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE people (id int, name text)")?;
    /// let csv = "1,Ada\n2,Grace\n";
    /// let n = conn.copy_in("COPY people FROM STDIN WITH (FORMAT csv)", csv.as_bytes())?;
    /// assert_eq!(n, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn copy_in(&mut self, sql: &str, mut reader: impl Read) -> Result<u64> {
        self.session
            .copy_from(sql, &mut reader)
            .map(|r| r.rows_affected)
    }

    /// Runs `COPY table or (query) TO STDOUT [WITH (...)]`, writing the data to `writer`;
    /// returns how many rows it wrote.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'x')")?;
    /// let mut out = Vec::new();
    /// let n = conn.copy_out("COPY t TO STDOUT", &mut out)?;
    /// assert_eq!(n, 1);
    /// assert_eq!(String::from_utf8(out).unwrap(), "1\tx\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn copy_out(&mut self, sql: &str, mut writer: impl Write) -> Result<u64> {
        self.session
            .copy_to(sql, &mut writer)
            .map(|r| r.rows_affected)
    }

    /// Whether a transaction is open on this connection (begun with
    /// [`Connection::transaction`] or a `BEGIN` statement, and not yet ended).
    pub fn in_transaction(&self) -> bool {
        self.session.transaction_status() != TransactionStatus::Idle
    }

    /// A handle that cancels the statement this connection is running, from another
    /// thread; the statement fails with SQLSTATE 57014.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.session.cancel_handle()
    }

    /// The database this connection belongs to.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Runs one statement with parameters.
    fn run(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<StatementResult> {
        self.session.query(sql, &to_values(params))
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("data_dir", &self.db.data_dir())
            .field("status", &self.session.transaction_status())
            .finish()
    }
}

/// The rows of a statement's result.
pub(crate) fn rows_of(r: StatementResult) -> Rows {
    let columns = r.columns.iter().map(Column::from_engine).collect();
    Rows::new(columns, r.rows)
}

/// The one row of `rows`; P0002 if there is none, P0003 if there are more.
pub(crate) fn exactly_one(rows: Rows) -> Result<Row> {
    at_most_one(rows)?.ok_or_else(|| {
        Error::new(ErrorCode::CardinalityViolation, "query returned no rows")
            .with_sqlstate("P0002")
            .with_hint("query_row expects exactly one row; use query_opt when there may be none.")
    })
}

/// The row of `rows`, if any; P0003 if there are more than one.
pub(crate) fn at_most_one(rows: Rows) -> Result<Option<Row>> {
    if rows.len() > 1 {
        return Err(Error::new(
            ErrorCode::CardinalityViolation,
            format!("query returned more than one row ({} rows)", rows.len()),
        )
        .with_sqlstate("P0003")
        .with_hint("Make the query return one row (a key in WHERE, or LIMIT 1), or use query."));
    }
    Ok(rows.into_iter().next())
}
