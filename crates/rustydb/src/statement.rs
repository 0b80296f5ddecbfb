//! [`Statement`]: a prepared statement, parsed and planned once, run many times.

use std::fmt;
use std::sync::{Arc, Weak};

use rustydb_common::ErrorCode;
use rustydb_sql::types::DataType;
use rustydb_sql::{Engine, Prepared};

use crate::connection::{at_most_one, exactly_one, rows_of};
use crate::params::to_values;
use crate::row::Column;
use crate::{Connection, Error, Result, Row, Rows, ToValue};

/// A prepared statement, made by [`Connection::prepare`].
///
/// It holds no borrow of a connection: each run takes the connection to run on, which
/// may be any connection of the database that prepared it (or a transaction or
/// savepoint, which deref to their connection). Cloning it is cheap and the clones
/// share the plan.
#[derive(Clone)]
pub struct Statement {
    prepared: Arc<Prepared>,
    /// The engine it was planned against: its plan names that engine's tables. Weak, so
    /// that a statement kept around does not keep the database open.
    engine: Weak<Engine>,
    columns: Arc<[Column]>,
}

impl Statement {
    pub(crate) fn new(prepared: Prepared, engine: &Arc<Engine>) -> Statement {
        let columns = prepared.columns().iter().map(Column::from_engine).collect();
        Statement {
            prepared: Arc::new(prepared),
            engine: Arc::downgrade(engine),
            columns,
        }
    }

    /// Runs the statement with `params` on `conn`; returns the rows it changed (as
    /// [`Connection::execute`]).
    pub fn execute(&self, conn: &mut Connection, params: &[&dyn ToValue]) -> Result<u64> {
        self.run(conn, params).map(|r| r.rows_affected)
    }

    /// Runs the statement with `params` on `conn`; returns its rows.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = rustydb::Database::open(dir.path())?;
    /// # let mut conn = db.connect();
    /// let series = conn.prepare("SELECT g FROM generate_series(1, $1) AS s(g)")?;
    /// assert_eq!(series.query(&mut conn, &[&3])?.len(), 3);
    /// assert_eq!(series.query(&mut conn, &[&5])?.len(), 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn query(&self, conn: &mut Connection, params: &[&dyn ToValue]) -> Result<Rows> {
        self.run(conn, params).map(rows_of)
    }

    /// Runs the statement, which must return exactly one row (as
    /// [`Connection::query_row`]).
    pub fn query_row(&self, conn: &mut Connection, params: &[&dyn ToValue]) -> Result<Row> {
        self.query(conn, params).and_then(exactly_one)
    }

    /// Runs the statement, which must return at most one row (as
    /// [`Connection::query_opt`]).
    pub fn query_opt(&self, conn: &mut Connection, params: &[&dyn ToValue]) -> Result<Option<Row>> {
        self.query(conn, params).and_then(at_most_one)
    }

    /// The statement's text.
    pub fn sql(&self) -> &str {
        self.prepared.sql()
    }

    /// The columns it returns (empty if it returns no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The SQL type of each parameter `$1`, `$2`, ..., as inferred from its use;
    /// values bound to it are cast to it.
    pub fn param_types(&self) -> &[DataType] {
        self.prepared.param_types()
    }

    fn run(
        &self,
        conn: &mut Connection,
        params: &[&dyn ToValue],
    ) -> Result<rustydb_sql::StatementResult> {
        let ours = self
            .engine
            .upgrade()
            .is_some_and(|e| Arc::ptr_eq(&e, conn.session.engine()));
        if !ours {
            return Err(Error::new(
                ErrorCode::UndefinedObject,
                "the statement was prepared on another database",
            )
            .with_sqlstate("26000")
            .with_hint("Prepare it again on a connection of this database."));
        }
        conn.session
            .execute_prepared(&self.prepared, &to_values(params))
    }
}

impl fmt::Debug for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Statement")
            .field("sql", &self.sql())
            .field("param_types", &self.param_types())
            .finish()
    }
}
