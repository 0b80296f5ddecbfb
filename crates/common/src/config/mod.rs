//! Server configuration: one documented [`Config`] struct, filled in layers.
//!
//! ```text
//!   built-in defaults        Config::default()
//!   -> config file           config/rustydb.toml, or the file given explicitly
//!   -> environment           RUSTYDB_* variables            (Config::apply_env)
//!   -> command-line flags    by dotted name                 (Config::set_from)
//!   -> validate()            every rule, one ERR-DB-007 per problem
//! ```
//!
//! Each later layer overrides the earlier ones setting by setting. The file is read by
//! serde into the struct with `deny_unknown_fields`, so a misspelt key is an error naming
//! it rather than a setting silently left at its default; text from the environment or
//! flags goes through the settings table ([`SETTINGS`]). Every error is a [`DbError`] with
//! [`ErrorCode::ConfigInvalid`] (ERR-DB-007), whose message says which setting, which
//! value and what is allowed — the "Configuration validation failed" of the operations
//! guide:
//!
//! ```text
//! ERR-DB-007: configuration validation failed: server.port = 80: must be between 1024 and 65535
//! ```
//!
//! `config/rustydb.toml` at the root of the repository lists every setting with its
//! default; a test keeps it equal to [`Config::default`].

mod settings;
mod validate;
mod values;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{DbError, ErrorCode};

pub use settings::{ENV_PREFIX, REDACTED, SETTINGS, Setting, SettingView};
pub use values::{Allowed, AuthMethod, IoBackend, LogLevel, WalSync};

/// Where [`Config::load`] looks for a configuration file when none is named, relative to
/// the current directory.
pub const DEFAULT_CONFIG_PATH: &str = "config/rustydb.toml";

/// The name of the log directory inside the data directory.
pub const LOG_DIR_NAME: &str = "logs";

/// The whole server configuration. See the module documentation for how it is filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory holding the database files, the write-ahead log (`wal/`) and the logs
    /// (`logs/`). A relative path is relative to the server's working directory.
    /// Env: `RUSTYDB_DATA_DIR`. Default `./data`.
    pub data_dir: PathBuf,
    /// The PostgreSQL-protocol server.
    pub server: ServerConfig,
    /// The HTTP front end.
    pub http: HttpConfig,
    /// Data files and the buffer pool.
    pub storage: StorageConfig,
    /// The write-ahead log.
    pub wal: WalConfig,
    /// Checkpoints.
    pub checkpoint: CheckpointConfig,
    /// Logging.
    pub log: LogConfig,
    /// Client authentication.
    pub auth: AuthConfig,
    /// TLS for client connections.
    pub tls: TlsConfig,
}

/// `[server]`: the PostgreSQL wire-protocol server, read by the server daemon
/// `rusty-db-server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// IP address to listen on; `0.0.0.0` or `::` listens on every interface.
    /// Env: `RUSTYDB_LISTEN_ADDRESS`. Default `127.0.0.1`.
    pub listen_address: IpAddr,
    /// TCP port, 1024 to 65535. Env: `RUSTYDB_PORT`. Default 5432.
    pub port: u16,
    /// Most client connections open at once, 1 to 10000; one more is refused with
    /// ERR-CONN-004. Env: `RUSTYDB_MAX_CONNECTIONS`. Default 100.
    pub max_connections: u32,
    /// Seconds a session may sit idle outside a transaction before the server closes it,
    /// 0 to 2147483; 0 turns the limit off. Env: `RUSTYDB_IDLE_SESSION_TIMEOUT`. Default 0.
    pub idle_session_timeout_seconds: u64,
    /// Seconds running statements get to finish at shutdown (SIGTERM or SIGINT) before
    /// their connections are closed, 0 to 3600. Env: `RUSTYDB_SHUTDOWN_GRACE`. Default 30.
    pub shutdown_grace_seconds: u64,
}

/// `[http]`: the one HTTP port serving REST, GraphQL, `/health` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// TCP port, 1024 to 65535, different from `server.port`. It listens on
    /// `server.listen_address`. Env: `RUSTYDB_GRAPHQL_PORT` (the name the operations guide
    /// uses). Default 8080.
    pub port: u16,
    /// Whether REST and GraphQL need an API token (`Authorization: Bearer ...`). On even
    /// when `auth.method` is `trust`; turning it off is logged as a warning at start.
    /// Env: `RUSTYDB_HTTP_AUTH`. Default on.
    pub auth: bool,
    /// Whether `/health` (and `/health/live`, `/health/ready`) answer without a token.
    /// Env: `RUSTYDB_HTTP_PUBLIC_HEALTH`. Default on.
    pub public_health: bool,
    /// Whether `/metrics` answers without a token. Env: `RUSTYDB_HTTP_PUBLIC_METRICS`.
    /// Default on.
    pub public_metrics: bool,
    /// Requests per minute allowed per API token and per client address, 0 to 1000000;
    /// 0 turns rate limiting off. Env: `RUSTYDB_HTTP_RATE_LIMIT`. Default 1000.
    pub rate_limit_per_minute: u32,
    /// Largest request body in bytes; larger ones get 413. Env:
    /// `RUSTYDB_HTTP_MAX_BODY_BYTES`. Default 1048576 (1 MiB).
    pub max_body_bytes: u64,
    /// Most rows an HTTP query may return over all its pages; a bigger result fails with
    /// ERR-API-006. Env: `RUSTYDB_HTTP_MAX_RESULT_ROWS`. Default 100000.
    pub max_result_rows: u64,
    /// Rows per page of an HTTP query result unless the request asks for fewer; the rest
    /// is fetched with the returned cursor. Env: `RUSTYDB_HTTP_PAGE_SIZE`. Default 1000.
    pub page_size: u32,
    /// Milliseconds an HTTP statement may run before it is cancelled (57014); 0: no limit.
    /// Env: `RUSTYDB_HTTP_STATEMENT_TIMEOUT`. Default 30000.
    pub statement_timeout_ms: u64,
    /// Seconds an HTTP transaction or result cursor may stay idle before it is rolled back
    /// or dropped. Env: `RUSTYDB_HTTP_IDLE_TIMEOUT`. Default 60.
    pub idle_timeout_seconds: u64,
    /// Whether GraphQL introspection (`__schema`, `__type`) is answered. Env:
    /// `RUSTYDB_GRAPHQL_INTROSPECTION`. Default on.
    pub graphql_introspection: bool,
    /// Deepest nesting a GraphQL query may have. Env: `RUSTYDB_GRAPHQL_MAX_DEPTH`.
    /// Default 16.
    pub graphql_max_depth: u32,
    /// Highest complexity (fields, with list multipliers) a GraphQL query may have. Env:
    /// `RUSTYDB_GRAPHQL_MAX_COMPLEXITY`. Default 5000.
    pub graphql_max_complexity: u32,
}

/// `[storage]`: data files and the buffer pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Size of the buffer pool in 8 KiB pages, 16 to 67108864 (128 KiB to 512 GiB).
    /// Env: `RUSTYDB_BUFFER_POOL_SIZE`. Default 16384 (128 MiB).
    pub buffer_pool_size: u64,
    /// How data files are read and written: `pread` (everywhere) or `io_uring` (Linux).
    /// Env: `RUSTYDB_IO_BACKEND`. Default `pread`.
    pub io_backend: IoBackend,
}

/// `[wal]`: the write-ahead log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalConfig {
    /// `fsync`: a commit is acknowledged once its WAL is on disk (`fdatasync`). `off`: a
    /// commit does not wait; WAL reaches the operating system at once and the disk at the
    /// next checkpoint, so a crash of the server loses nothing but a power loss or kernel
    /// crash can lose recent commits. Env: `RUSTYDB_WAL_SYNC`. Default `fsync`.
    pub sync: WalSync,
}

/// `[checkpoint]`: when dirty pages are written back and old WAL becomes removable. A
/// checkpoint starts at whichever limit is reached first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckpointConfig {
    /// Seconds between checkpoints, 1 to 86400. Env: `RUSTYDB_CHECKPOINT_INTERVAL`.
    /// Default 300.
    pub interval_secs: u64,
    /// MiB of WAL written since the last checkpoint that starts a new one, 16 to 1048576;
    /// it bounds crash-recovery time and the WAL kept on disk.
    /// Env: `RUSTYDB_CHECKPOINT_MAX_WAL_SIZE`. Default 1024.
    pub max_wal_size_mb: u64,
}

/// `[log]`: what is logged; where it goes is fixed (`<data_dir>/logs`, see
/// [`crate::logging`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Least severe level logged: `error`, `warn`, `info`, `debug` or `trace`. `RUST_LOG`,
    /// when set, overrides it with a full filter (e.g. `info,rustydb_storage=debug`).
    /// Env: `RUSTYDB_LOG_LEVEL`. Default `info`.
    pub level: LogLevel,
    /// Statements running at least this many milliseconds are written to
    /// `logs/performance.log` (SLOW_QUERY lines) and kept for `GET /api/v1/queries/slow`;
    /// 0 records every statement. Env: `RUSTYDB_SLOW_QUERY_THRESHOLD`. Default 1000.
    pub slow_query_threshold_ms: u64,
}

/// `[auth]`: how clients prove who they are.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `scram-sha-256`: every login needs the role's password (SCRAM-SHA-256, as
    /// PostgreSQL). `trust`: any client that can reach the port logs in as any role
    /// without a password; for development only, and logged as a warning at start.
    /// Env: `RUSTYDB_AUTH_METHOD`. Default `scram-sha-256`.
    pub method: AuthMethod,
    /// The password given to the superuser `rustydb` when the data directory is first
    /// initialised; empty: a random one is generated and written to
    /// `<data_dir>/initial-password`. Ignored once the superuser exists. Secret: shown as
    /// `********`. Env: `RUSTYDB_PASSWORD`. Default empty.
    pub password: String,
    /// Failed logins in a row after which the account is locked for
    /// `lockout_seconds`, 0 to 1000; 0 never locks. Env: `RUSTYDB_MAX_FAILED_LOGINS`.
    /// Default 5.
    pub max_failed_logins: u32,
    /// Seconds a locked account stays locked, 1 to 604800 (a week).
    /// Env: `RUSTYDB_LOCKOUT_SECONDS`. Default 300.
    pub lockout_seconds: u64,
}

// By hand, so that `{:?}` of a configuration never prints the password.
impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.password.is_empty() {
            ""
        } else {
            REDACTED
        };
        f.debug_struct("AuthConfig")
            .field("method", &self.method)
            .field("password", &password)
            .field("max_failed_logins", &self.max_failed_logins)
            .field("lockout_seconds", &self.lockout_seconds)
            .finish()
    }
}

/// `[tls]`: TLS for PostgreSQL-protocol clients. TLS is offered when both files are set;
/// clients that do not ask for it still connect in plain text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// The server certificate chain, PEM. Empty: no TLS. Env: `RUSTYDB_TLS_CERT`.
    /// Default empty.
    pub cert_file: PathBuf,
    /// The certificate's private key, PEM. Empty: no TLS. Env: `RUSTYDB_TLS_KEY`.
    /// Default empty.
    pub key_file: PathBuf,
}

impl TlsConfig {
    /// The certificate and key files when TLS is on (both set).
    pub fn files(&self) -> Option<(&Path, &Path)> {
        let set = |p: &PathBuf| !p.as_os_str().is_empty();
        (set(&self.cert_file) && set(&self.key_file))
            .then_some((self.cert_file.as_path(), self.key_file.as_path()))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            server: ServerConfig::default(),
            http: HttpConfig::default(),
            storage: StorageConfig::default(),
            wal: WalConfig::default(),
            checkpoint: CheckpointConfig::default(),
            log: LogConfig::default(),
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 5432,
            max_connections: 100,
            idle_session_timeout_seconds: 0,
            shutdown_grace_seconds: 30,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            method: AuthMethod::ScramSha256,
            password: String::new(),
            max_failed_logins: 5,
            lockout_seconds: 300,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            port: 8080,
            auth: true,
            public_health: true,
            public_metrics: true,
            rate_limit_per_minute: 1000,
            max_body_bytes: 1_048_576,
            max_result_rows: 100_000,
            page_size: 1000,
            statement_timeout_ms: 30_000,
            idle_timeout_seconds: 60,
            graphql_introspection: true,
            graphql_max_depth: 16,
            graphql_max_complexity: 5000,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            buffer_pool_size: 16_384,
            io_backend: IoBackend::Pread,
        }
    }
}

impl Default for WalConfig {
    fn default() -> Self {
        WalConfig {
            sync: WalSync::Fsync,
        }
    }
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig {
            interval_secs: 300,
            max_wal_size_mb: 1024,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: LogLevel::Info,
            slow_query_threshold_ms: 1000,
        }
    }
}

impl Config {
    /// Loads the configuration of this process: defaults, then `file` (which must exist)
    /// or, without one, `config/rustydb.toml` under the current directory if it exists,
    /// then the `RUSTYDB_*` environment, then [`Config::validate`].
    pub fn load(file: Option<&Path>) -> Result<Config, DbError> {
        Config::load_with_flags(file, |_| Ok(()))
    }

    /// [`Config::load`] with the command-line layer: `flags` runs after the environment
    /// and before validation, and sets what the command line gives, normally through
    /// [`Config::set_from`] so that a flag parses exactly as its variable does.
    pub fn load_with_flags<F>(file: Option<&Path>, flags: F) -> Result<Config, DbError>
    where
        F: FnOnce(&mut Config) -> Result<(), DbError>,
    {
        // An empty base leaves relative paths relative, so the operating system resolves
        // them against the current directory and errors show them as the operator typed.
        let mut config = Config::from_layers(file, Path::new(""))?;
        config.apply_env()?;
        flags(&mut config)?;
        config.validate()?;
        Ok(config)
    }

    /// [`Config::load`] with the directory that relative paths and the default file are
    /// looked up in, and the environment, given explicitly (for tests and tools).
    pub fn load_with<I>(file: Option<&Path>, base_dir: &Path, env: I) -> Result<Config, DbError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        Config::load_with_env_and_flags(file, base_dir, env, |_| Ok(()))
    }

    /// [`Config::load_with`] with the command-line layer of [`Config::load_with_flags`].
    pub fn load_with_env_and_flags<I, F>(
        file: Option<&Path>,
        base_dir: &Path,
        env: I,
        flags: F,
    ) -> Result<Config, DbError>
    where
        I: IntoIterator<Item = (String, String)>,
        F: FnOnce(&mut Config) -> Result<(), DbError>,
    {
        let mut config = Config::from_layers(file, base_dir)?;
        config.apply_env_from(env)?;
        flags(&mut config)?;
        config.validate()?;
        Ok(config)
    }

    /// Defaults, then the file: `file` resolved against `base_dir` if given, else the
    /// default file if present.
    fn from_layers(file: Option<&Path>, base_dir: &Path) -> Result<Config, DbError> {
        match file {
            Some(file) => Config::from_file(&base_dir.join(file)),
            None => {
                let path = base_dir.join(DEFAULT_CONFIG_PATH);
                match path.try_exists() {
                    Ok(true) => Config::from_file(&path),
                    Ok(false) => Ok(Config::default()),
                    Err(e) => Err(unreadable(&path, &e)),
                }
            }
        }
    }

    /// Reads a configuration file over the defaults, without the environment and without
    /// validation. The file must exist.
    pub fn from_file(path: &Path) -> Result<Config, DbError> {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e))?;
        Config::from_toml(&text, path)
    }

    /// Parses TOML text over the defaults, without the environment and without
    /// validation; `origin` names the text in errors. Keys left out keep their defaults;
    /// unknown keys and wrongly typed values are errors naming the key.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Config, DbError> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| {
            let at = location(text, e.span());
            invalid(
                "config_file",
                &origin.display(),
                format!("invalid TOML{at}: {}", e.message()),
            )
        })?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let value = value_at(text, &key)
                .or_else(|| {
                    inner
                        .span()
                        .and_then(|span| text.get(span))
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let at = location(text, inner.span());
            let detail = format!("{}{at}: {}", origin.display(), inner.message());
            let secret = Config::setting(&key).is_some_and(|s| s.secret);
            let (value, detail) = if secret {
                // serde's message quotes the value: leave it out.
                let detail = format!("{}{at}: not a string", origin.display());
                (REDACTED.to_string(), detail)
            } else {
                (value, detail)
            };
            let reason = match Config::setting(&key) {
                // A known key whose value has the wrong type or overflows it: say what is
                // allowed, as for every other source of a value.
                Some(setting) => setting.allowed.requirement(),
                None if inner.message().starts_with("unknown field") => {
                    "unknown setting".to_string()
                }
                None => inner.message().to_string(),
            };
            invalid(&key, &value, reason).with_detail(detail)
        })
    }

    /// The log directory: `logs/` inside [`Config::data_dir`].
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join(LOG_DIR_NAME)
    }
}

/// An ERR-DB-007 error: `{field} = {value}: {reason}`.
fn invalid(field: &str, value: &dyn fmt::Display, reason: String) -> DbError {
    DbError::from_template(
        ErrorCode::ConfigInvalid,
        &[("field", &field), ("value", value), ("reason", &reason)],
    )
}

fn unreadable(path: &Path, e: &std::io::Error) -> DbError {
    invalid(
        "config_file",
        &path.display(),
        format!("cannot be read: {e}"),
    )
}

/// The value at dotted `key` in TOML `text`, written as TOML.
fn value_at(text: &str, key: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value.to_string())
}

/// " at line L, column C" for a byte span of `text`, or nothing.
fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(start) = span.map(|s| s.start).filter(|s| *s <= text.len()) else {
        return String::new();
    };
    let before = text.get(..start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" at line {line}, column {column}")
}

#[cfg(test)]
mod tests;
