//! The bootstrap superuser `rustydb` and its initial password.
//!
//! On the first start of a data directory (no role exists yet) the engine creates the
//! superuser `rustydb`. Its password is `auth.password` (`RUSTYDB_PASSWORD`) when set;
//! otherwise a random one of [`GENERATED_LEN`] characters is generated, written to
//! `<data_dir>/initial-password` and printed once on stdout. Later starts print nothing.
//!
//! The file never exists with looser permissions or partial contents: the password is
//! written to `initial-password.tmp`, created new with mode 0600, synced, and renamed
//! over `initial-password` only once the engine says it created the role. If the
//! superuser already exists the temporary file is removed and any earlier
//! `initial-password` is left as it was. (A crash between creating the role and the
//! rename leaves the password in `initial-password.tmp`.)

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::RngExt;
use rand::distr::Alphanumeric;
use rustydb_common::config::Config;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Engine;

/// The name of the file holding a generated initial password, in the data directory.
pub const PASSWORD_FILE: &str = "initial-password";

/// Length of a generated password: 32 alphanumeric characters, about 190 bits.
pub const GENERATED_LEN: usize = 32;

/// The superuser created on first start.
pub const SUPERUSER: &str = "rustydb";

/// What [`bootstrap`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// The superuser existed already: nothing changed, nothing is printed.
    Existing,
    /// Created with the configured password (`auth.password` / `RUSTYDB_PASSWORD`).
    CreatedWithConfiguredPassword,
    /// Created with a generated password, now in the file at this path.
    CreatedWithGeneratedPassword {
        /// The generated password.
        password: String,
        /// Where it was written.
        file: PathBuf,
    },
}

/// Creates the superuser if no role exists yet. See the module documentation.
pub fn bootstrap(engine: &Engine, config: &Config) -> Result<Bootstrap, DbError> {
    if !config.auth.password.is_empty() {
        return Ok(if engine.bootstrap_superuser(&config.auth.password)? {
            Bootstrap::CreatedWithConfiguredPassword
        } else {
            Bootstrap::Existing
        });
    }
    let password = generate_password();
    let file = config.data_dir.join(PASSWORD_FILE);
    let tmp = config.data_dir.join(format!("{PASSWORD_FILE}.tmp"));
    write_private(&tmp, &password)?;
    let created = match engine.bootstrap_superuser(&password) {
        Ok(created) => created,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if !created {
        fs::remove_file(&tmp).map_err(|e| file_error(&tmp, "remove", &e))?;
        return Ok(Bootstrap::Existing);
    }
    fs::rename(&tmp, &file).map_err(|e| file_error(&file, "create", &e))?;
    // The rename is durable once the directory is synced.
    if let Ok(dir) = fs::File::open(&config.data_dir) {
        let _ = dir.sync_all();
    }
    Ok(Bootstrap::CreatedWithGeneratedPassword { password, file })
}

/// A random password: [`GENERATED_LEN`] letters and digits from the thread's
/// cryptographically secure generator (seeded by the operating system).
pub fn generate_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(GENERATED_LEN)
        .map(char::from)
        .collect()
}

/// Creates `path` anew with mode 0600 and `password` plus a newline, synced to disk. A
/// stale file of that name (from an interrupted start) is replaced.
fn write_private(path: &Path, password: &str) -> Result<(), DbError> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(path, "replace", &e)),
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_error(path, "create", &e))?;
    writeln!(file, "{password}")
        .and_then(|()| file.sync_all())
        .map_err(|e| file_error(path, "write", &e))
}

fn file_error(path: &Path, what: &str, e: &std::io::Error) -> DbError {
    DbError::from_template(
        ErrorCode::DbInitFailed,
        &[
            (
                "reason",
                &format!("cannot {what} the initial password file: {e}"),
            ),
            ("path", &path.display()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_passwords_are_long_alphanumeric_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), GENERATED_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn private_file_has_mode_0600_and_replaces_a_stale_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.tmp");
        fs::write(&path, "stale").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "pw").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "pw\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
