//! [`Database`]: one open data directory, shared by every connection to it. The type's
//! documentation says how its lifetime works.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustydb_common::ErrorCode;
use rustydb_sql::{Engine, EngineOptions};

use crate::{Config, Connection, Error, Result};

/// An open database: one data directory, shared by every connection to it.
///
/// A `Database` is a handle: an `Arc` around the engine, so cloning it is cheap and every
/// clone, and every [`Connection`] made from one, keeps the engine alive. The engine shuts
/// down cleanly (background work stopped, a checkpoint written) exactly once, when the
/// last of them goes: either through [`Database::close`], which reports how the shutdown
/// went, or on the last drop, which can only log it. A database dropped without a clean
/// shutdown (a crash, a killed process) loses nothing that was committed: the next open
/// replays the write-ahead log.
///
/// See the [crate documentation](crate) for a complete example.
#[derive(Clone)]
pub struct Database {
    shared: Arc<Shared>,
}

/// What every handle shares; dropping it shuts the engine down.
struct Shared {
    engine: Arc<Engine>,
    data_dir: PathBuf,
    /// Set once [`Database::close`] has shut the engine down, so that drop does not.
    closed: bool,
}

impl Database {
    /// Opens the database in the data directory `path`, creating the directory if it
    /// does not exist and recovering it from its write-ahead log if it was not shut
    /// down cleanly; default settings otherwise.
    ///
    /// One process at a time may open a data directory: a second open while it is
    /// open (here or in another process) fails with ERR-DB-006.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let db = rustydb::Database::open(dir.path().join("app-data"))?;
    /// assert!(dir.path().join("app-data").is_dir());
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        let path = path.as_ref().to_path_buf();
        Database::start(EngineOptions::new(path.clone()), path)
    }

    /// Opens the database a [`Config`] describes: its `data_dir`, buffer pool, WAL and
    /// checkpoint settings (the server's settings are ignored). The configuration is
    /// validated first.
    ///
    /// ```
    /// use rustydb::Config;
    ///
    /// # fn main() -> rustydb::Result<()> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let config = Config {
    ///     data_dir: dir.path().to_path_buf(),
    ///     ..Config::default()
    /// };
    /// let db = rustydb::Database::open_with(config)?;
    /// assert_eq!(db.data_dir(), dir.path());
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_with(config: Config) -> Result<Database> {
        config.validate()?;
        Database::start(EngineOptions::from_config(&config), config.data_dir)
    }

    fn start(options: EngineOptions, data_dir: PathBuf) -> Result<Database> {
        let engine = Engine::open(options)?;
        Ok(Database {
            shared: Arc::new(Shared {
                engine,
                data_dir,
                closed: false,
            }),
        })
    }

    /// A new connection: a session of its own, with its own transaction state and
    /// settings. Connections are independent; make one per thread.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = rustydb::Database::open(dir.path())?;
    /// let mut conn = db.connect();
    /// conn.execute_batch("CREATE TABLE t (x int)")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(&self) -> Connection {
        Connection::new(self.clone(), self.shared.engine.session())
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.shared.data_dir
    }

    /// Shuts the database down cleanly now and reports how that went.
    ///
    /// The shutdown stops background work and writes a checkpoint, so that the next
    /// open need not replay the log. It needs every handle gone: if other clones of this
    /// `Database` or connections to it are still alive, this handle is released and the
    /// error (ERR-DB-006, SQLSTATE 55006) says how many remain; the last of them shuts
    /// the database down when dropped.
    ///
    /// ```
    /// # fn main() -> rustydb::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = rustydb::Database::open(dir.path())?;
    /// let conn = db.connect();
    /// let also = db.clone();
    /// drop(conn);
    /// assert_eq!(db.close().unwrap_err().sqlstate(), "55006"); // `also` is still open
    /// also.close()?; // the last handle: shut down
    /// rustydb::Database::open(dir.path())?.close()?; // and it opens again
    /// # Ok(())
    /// # }
    /// ```
    pub fn close(self) -> Result<()> {
        match Arc::try_unwrap(self.shared) {
            Ok(mut shared) => {
                shared.closed = true;
                shared.engine.shutdown()
            }
            Err(shared) => {
                let others = Arc::strong_count(&shared) - 1;
                Err(Error::new(
                    ErrorCode::DataDirLocked,
                    format!(
                        "database {} is still in use by {others} other handle(s) or \
                         connection(s)",
                        shared.data_dir.display()
                    ),
                )
                .with_hint(
                    "Drop every connection and clone of the Database before close(); the \
                     database shuts down when the last one is dropped.",
                ))
            }
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        // Nobody is left to return the error to: log it (the next open recovers).
        if let Err(e) = self.engine.shutdown() {
            tracing::error!(
                data_dir = %self.data_dir.display(),
                error = %e,
                "database shutdown on drop failed"
            );
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("data_dir", &self.shared.data_dir)
            .field("handles", &Arc::strong_count(&self.shared))
            .finish()
    }
}
