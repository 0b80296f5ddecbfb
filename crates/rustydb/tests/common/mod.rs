//! Helpers shared by the integration tests.

use rustydb::Database;
use tempfile::TempDir;

/// A fresh database in a temporary directory (removed when the `TempDir` drops; keep
/// it alive as long as the database).
pub(crate) fn open() -> (TempDir, Database) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = Database::open(dir.path()).expect("open the database");
    (dir, db)
}
