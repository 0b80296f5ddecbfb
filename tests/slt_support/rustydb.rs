//! The sqllogictest [`DB`] over a RustyDB [`Session`]: each file gets a fresh engine in
//! its own temporary directory, and every `connection` of the file a session on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustydb_sql::plan::logical::Column;
use rustydb_sql::types::text::format_value_opt;
use rustydb_sql::types::{DataType, Value};
use rustydb_sql::{Engine, EngineOptions, Session};
use rustydb_storage::SyncMode;
use sqllogictest::{DB, DBOutput, DefaultColumnType};

use super::nosync::NoSyncVfs;
use tempfile::TempDir;

/// An error as the `.slt` files match it: `<SQLSTATE> <message>`.
#[derive(Debug)]
pub(crate) struct SqlError {
    sqlstate: String,
    message: String,
}

impl SqlError {
    pub(crate) fn new(sqlstate: impl Into<String>, message: impl Into<String>) -> SqlError {
        SqlError {
            sqlstate: sqlstate.into(),
            message: message.into(),
        }
    }

    pub(crate) fn sqlstate(&self) -> &str {
        &self.sqlstate
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.sqlstate, self.message)
    }
}

impl std::error::Error for SqlError {}

/// How a file's database runs and prints.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DbOptions {
    /// Bounds every statement, so that a pathological plan fails its record instead of
    /// stalling the run.
    pub(crate) statement_timeout: Option<Duration>,
    /// Print booleans as `1` / `0`, as SQLite (which has no boolean type) does and as
    /// its corpus expects; otherwise PostgreSQL's `t` / `f`.
    pub(crate) booleans_as_integers: bool,
}

/// One file's database: an engine in a temporary directory that is removed with it.
pub(crate) struct TestDatabase {
    engine: Arc<Engine>,
    options: DbOptions,
    _dir: TempDir,
}

impl TestDatabase {
    /// Opens an empty database.
    pub(crate) fn open(options: DbOptions) -> Result<TestDatabase, SqlError> {
        let dir = tempfile::Builder::new()
            .prefix("rustydb-slt-")
            .tempdir()
            .map_err(|e| SqlError::new("58030", format!("temporary directory: {e}")))?;
        let mut o = EngineOptions::new(dir.path());
        // Small files and no durability needed: a modest pool, no fsync, no background
        // vacuum to make timings noisy.
        o.storage.buffer_pool_pages = 4096;
        o.storage.sync_mode = SyncMode::Off;
        o.storage.vfs = Some(Arc::new(NoSyncVfs));
        o.txn.autovacuum = false;
        o.txn.statement_timeout = options.statement_timeout;
        let engine = Engine::open(o).map_err(|e| SqlError::new(e.sqlstate(), e.message()))?;
        Ok(TestDatabase {
            engine,
            options,
            _dir: dir,
        })
    }

    /// A new session on the database.
    pub(crate) fn connect(&self) -> RustyDb {
        RustyDb {
            session: self.engine.session(),
            booleans_as_integers: self.options.booleans_as_integers,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // The directory goes away next; a failed shutdown only matters for a file that
        // already reported its results.
        let _ = self.engine.shutdown();
    }
}

/// One connection of a test file.
pub(crate) struct RustyDb {
    session: Session,
    booleans_as_integers: bool,
}

impl RustyDb {
    fn text(&self, v: &Value) -> String {
        match v {
            Value::Bool(b) if self.booleans_as_integers => u8::from(*b).to_string(),
            v => slt_text(format_value_opt(v)),
        }
    }
}

impl DB for RustyDb {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let mut results = self
            .session
            .execute(sql)
            .map_err(|e| SqlError::new(e.sqlstate(), e.message()))?;
        // A record holds one statement; of a multi-statement string the last one counts.
        let Some(last) = results.pop() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        if !last.returns_rows {
            return Ok(DBOutput::StatementComplete(last.rows_affected));
        }
        let types = last.columns.iter().map(column_type).collect();
        let rows = last
            .rows
            .iter()
            .map(|row| row.iter().map(|v| self.text(v)).collect())
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    fn engine_name(&self) -> &str {
        "rustydb"
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        Some(err.sqlstate().to_string())
    }
}

/// A value as sqllogictest prints it: `NULL`, `(empty)` for the empty string, else the
/// PostgreSQL text form.
pub(crate) fn slt_text(text: Option<String>) -> String {
    match text {
        None => "NULL".into(),
        Some(s) if s.is_empty() => "(empty)".into(),
        Some(s) => s,
    }
}

/// The type letter of a result column (reported on mismatches; not checked).
fn column_type(c: &Column) -> DefaultColumnType {
    match c.ty {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => DefaultColumnType::Integer,
        DataType::Float4 | DataType::Float8 | DataType::Numeric { .. } => {
            DefaultColumnType::FloatingPoint
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) => DefaultColumnType::Text,
        _ => DefaultColumnType::Any,
    }
}
