//! The settings table: every setting by dotted name, with its environment variable, rule,
//! description and whether it is secret.
//!
//! The configuration file is read by serde straight into [`Config`]; everything that
//! arrives as *text* — environment variables now, command-line flags later — goes through
//! this table and [`Config::set`], so a flag and its variable can never parse differently.
//! The same table lists effective values for `rustydb-admin show-config` and `GET /config`
//! ([`Config::settings`]), redacting secrets. A test checks that the table and the
//! [`Config`] struct name exactly the same settings.

use std::ffi::OsString;

use serde::Serialize;

use super::values::{Allowed, AuthMethod, IoBackend, LogLevel, SettingValue, WalSync, limits};
use super::{Config, invalid};
use crate::DbError;

/// The prefix of every RustyDB environment variable.
pub const ENV_PREFIX: &str = "RUSTYDB_";

/// What `show-config` prints instead of a secret value.
pub const REDACTED: &str = "********";

/// One setting: how to name it, set it and describe it.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The dotted name: the TOML section and key, e.g. `server.port`.
    pub name: &'static str,
    /// The environment variable that sets it, e.g. `RUSTYDB_PORT`.
    pub env: &'static str,
    /// One line saying what it does and in which unit.
    pub description: &'static str,
    /// The values it accepts.
    pub allowed: Allowed,
    /// Whether its value must be hidden when configuration is shown.
    pub secret: bool,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str) -> Result<(), String>,
}

impl Setting {
    /// The setting's current value in `config`, as an operator would write it (secrets
    /// included: use [`SettingView`] to show it).
    pub fn get(&self, config: &Config) -> String {
        (self.get)(config)
    }
}

macro_rules! setting {
    ($name:literal, $env:literal, $allowed:expr, $type:ty, $desc:literal, $($field:ident).+) => {
        Setting {
            name: $name,
            env: $env,
            description: $desc,
            allowed: $allowed,
            secret: false,
            get: |config| SettingValue::render(&config.$($field).+),
            set: |config, raw| {
                config.$($field).+ = <$type as SettingValue>::parse_setting(raw, &$allowed)?;
                Ok(())
            },
        }
    };
}

/// Every setting, in the order of the configuration file.
pub static SETTINGS: &[Setting] = &[
    setting!(
        "data_dir",
        "RUSTYDB_DATA_DIR",
        Allowed::NonEmptyPath,
        std::path::PathBuf,
        "Directory holding the database files, the WAL and logs/.",
        data_dir
    ),
    setting!(
        "server.listen_address",
        "RUSTYDB_LISTEN_ADDRESS",
        Allowed::IpAddress,
        std::net::IpAddr,
        "IP address the PostgreSQL-protocol server listens on (0.0.0.0 for all).",
        server.listen_address
    ),
    setting!(
        "server.port",
        "RUSTYDB_PORT",
        limits::PORT,
        u16,
        "TCP port of the PostgreSQL-protocol server.",
        server.port
    ),
    setting!(
        "server.max_connections",
        "RUSTYDB_MAX_CONNECTIONS",
        limits::MAX_CONNECTIONS,
        u32,
        "Most client connections open at once; more are refused with ERR-CONN-004.",
        server.max_connections
    ),
    setting!(
        "server.idle_session_timeout_seconds",
        "RUSTYDB_IDLE_SESSION_TIMEOUT",
        limits::IDLE_SESSION_TIMEOUT,
        u64,
        "Seconds a session may stay idle outside a transaction before it is closed; 0: never.",
        server.idle_session_timeout_seconds
    ),
    setting!(
        "server.shutdown_grace_seconds",
        "RUSTYDB_SHUTDOWN_GRACE",
        limits::SHUTDOWN_GRACE,
        u64,
        "Seconds running statements get to finish at shutdown before connections are closed.",
        server.shutdown_grace_seconds
    ),
    setting!(
        "http.port",
        "RUSTYDB_GRAPHQL_PORT",
        limits::PORT,
        u16,
        "TCP port serving REST, GraphQL, /health and /metrics; must differ from server.port.",
        http.port
    ),
    setting!(
        "http.auth",
        "RUSTYDB_HTTP_AUTH",
        Allowed::Bool,
        bool,
        "REST and GraphQL need an API token; on even when auth.method is trust.",
        http.auth
    ),
    setting!(
        "http.public_health",
        "RUSTYDB_HTTP_PUBLIC_HEALTH",
        Allowed::Bool,
        bool,
        "/health, /health/live and /health/ready answer without a token.",
        http.public_health
    ),
    setting!(
        "http.public_metrics",
        "RUSTYDB_HTTP_PUBLIC_METRICS",
        Allowed::Bool,
        bool,
        "/metrics answers without a token.",
        http.public_metrics
    ),
    setting!(
        "http.rate_limit_per_minute",
        "RUSTYDB_HTTP_RATE_LIMIT",
        limits::HTTP_RATE_LIMIT,
        u32,
        "HTTP requests per minute per API token and per client address; 0: unlimited.",
        http.rate_limit_per_minute
    ),
    setting!(
        "http.max_body_bytes",
        "RUSTYDB_HTTP_MAX_BODY_BYTES",
        limits::HTTP_MAX_BODY,
        u64,
        "Largest HTTP request body in bytes; larger ones get 413.",
        http.max_body_bytes
    ),
    setting!(
        "http.max_result_rows",
        "RUSTYDB_HTTP_MAX_RESULT_ROWS",
        limits::HTTP_MAX_RESULT_ROWS,
        u64,
        "Most rows one HTTP query may return over all its pages.",
        http.max_result_rows
    ),
    setting!(
        "http.page_size",
        "RUSTYDB_HTTP_PAGE_SIZE",
        limits::HTTP_PAGE_SIZE,
        u32,
        "Rows per page of an HTTP query result; the rest comes with the cursor.",
        http.page_size
    ),
    setting!(
        "http.statement_timeout_ms",
        "RUSTYDB_HTTP_STATEMENT_TIMEOUT",
        limits::HTTP_STATEMENT_TIMEOUT,
        u64,
        "Milliseconds an HTTP statement may run; 0: no limit.",
        http.statement_timeout_ms
    ),
    setting!(
        "http.idle_timeout_seconds",
        "RUSTYDB_HTTP_IDLE_TIMEOUT",
        limits::HTTP_IDLE_TIMEOUT,
        u64,
        "Seconds an HTTP transaction or result cursor may stay idle before it is dropped.",
        http.idle_timeout_seconds
    ),
    setting!(
        "http.graphql_introspection",
        "RUSTYDB_GRAPHQL_INTROSPECTION",
        Allowed::Bool,
        bool,
        "GraphQL answers introspection queries (__schema, __type).",
        http.graphql_introspection
    ),
    setting!(
        "http.graphql_max_depth",
        "RUSTYDB_GRAPHQL_MAX_DEPTH",
        limits::GRAPHQL_MAX_DEPTH,
        u32,
        "Deepest nesting a GraphQL query may have.",
        http.graphql_max_depth
    ),
    setting!(
        "http.graphql_max_complexity",
        "RUSTYDB_GRAPHQL_MAX_COMPLEXITY",
        limits::GRAPHQL_MAX_COMPLEXITY,
        u32,
        "Highest complexity a GraphQL query may have.",
        http.graphql_max_complexity
    ),
    setting!(
        "storage.buffer_pool_size",
        "RUSTYDB_BUFFER_POOL_SIZE",
        limits::BUFFER_POOL_SIZE,
        u64,
        "Pages of 8 KiB cached in memory (16384 = 128 MiB).",
        storage.buffer_pool_size
    ),
    setting!(
        "storage.io_backend",
        "RUSTYDB_IO_BACKEND",
        Allowed::OneOf(IoBackend::WORDS),
        IoBackend,
        "How data files are read and written: pread everywhere, io_uring on Linux.",
        storage.io_backend
    ),
    setting!(
        "wal.sync",
        "RUSTYDB_WAL_SYNC",
        Allowed::OneOf(WalSync::WORDS),
        WalSync,
        "fsync: a commit waits for its WAL to reach disk. off: it does not; survives a \
         process crash but not a power loss.",
        wal.sync
    ),
    setting!(
        "checkpoint.interval_secs",
        "RUSTYDB_CHECKPOINT_INTERVAL",
        limits::CHECKPOINT_INTERVAL,
        u64,
        "Seconds between checkpoints.",
        checkpoint.interval_secs
    ),
    setting!(
        "checkpoint.max_wal_size_mb",
        "RUSTYDB_CHECKPOINT_MAX_WAL_SIZE",
        limits::CHECKPOINT_MAX_WAL,
        u64,
        "MiB of WAL written since the last checkpoint that starts a new one.",
        checkpoint.max_wal_size_mb
    ),
    setting!(
        "log.level",
        "RUSTYDB_LOG_LEVEL",
        Allowed::OneOf(LogLevel::WORDS),
        LogLevel,
        "Least severe level logged; RUST_LOG, when set, overrides it.",
        log.level
    ),
    setting!(
        "log.slow_query_threshold_ms",
        "RUSTYDB_SLOW_QUERY_THRESHOLD",
        limits::SLOW_QUERY_THRESHOLD,
        u64,
        "Statements running at least this many milliseconds go to logs/performance.log; 0: all.",
        log.slow_query_threshold_ms
    ),
    setting!(
        "auth.method",
        "RUSTYDB_AUTH_METHOD",
        Allowed::OneOf(AuthMethod::WORDS),
        AuthMethod,
        "scram-sha-256: logins need the role's password. trust: no password at all \
         (development only).",
        auth.method
    ),
    Setting {
        secret: true,
        ..setting!(
            "auth.password",
            "RUSTYDB_PASSWORD",
            Allowed::Text,
            String,
            "Password of the superuser rustydb, used when the data directory is initialised; \
             empty: generated into <data_dir>/initial-password.",
            auth.password
        )
    },
    setting!(
        "auth.max_failed_logins",
        "RUSTYDB_MAX_FAILED_LOGINS",
        limits::MAX_FAILED_LOGINS,
        u32,
        "Failed logins in a row that lock the account for auth.lockout_seconds; 0: never.",
        auth.max_failed_logins
    ),
    setting!(
        "auth.lockout_seconds",
        "RUSTYDB_LOCKOUT_SECONDS",
        limits::LOCKOUT_SECONDS,
        u64,
        "Seconds an account stays locked after too many failed logins.",
        auth.lockout_seconds
    ),
    setting!(
        "tls.cert_file",
        "RUSTYDB_TLS_CERT",
        Allowed::OptionalPath,
        std::path::PathBuf,
        "Server certificate (PEM); TLS is offered when both tls files are set.",
        tls.cert_file
    ),
    setting!(
        "tls.key_file",
        "RUSTYDB_TLS_KEY",
        Allowed::OptionalPath,
        std::path::PathBuf,
        "Private key of the certificate (PEM).",
        tls.key_file
    ),
];

/// A setting's effective value, ready to show: secrets are replaced by [`REDACTED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingView {
    /// The dotted name, e.g. `server.port`.
    pub name: &'static str,
    /// The environment variable that sets it.
    pub env: &'static str,
    /// The effective value, or [`REDACTED`].
    pub value: String,
    /// The built-in default, or [`REDACTED`].
    pub default: String,
    /// The values it accepts, e.g. "between 1024 and 65535".
    pub allowed: String,
    /// What it does.
    pub description: &'static str,
    /// Whether the value is secret (and so redacted here).
    pub secret: bool,
}

impl SettingView {
    fn new(setting: &Setting, config: &Config, defaults: &Config) -> SettingView {
        let shown = |c: &Config| {
            if setting.secret {
                REDACTED.to_string()
            } else {
                setting.get(c)
            }
        };
        SettingView {
            name: setting.name,
            env: setting.env,
            value: shown(config),
            default: shown(defaults),
            allowed: setting.allowed.to_string(),
            description: setting.description,
            secret: setting.secret,
        }
    }
}

impl Config {
    /// The setting called `name` (dotted, e.g. `server.port`).
    pub fn setting(name: &str) -> Option<&'static Setting> {
        SETTINGS.iter().find(|s| s.name == name)
    }

    /// Sets the setting called `name` from text, as an environment variable or a
    /// command-line flag gives it. The value is parsed and checked against the setting's
    /// own rule; rules that involve two settings are checked by [`Config::validate`].
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), DbError> {
        let setting = Config::setting(name)
            .ok_or_else(|| invalid(name, &value, "no such setting".to_string()))?;
        (setting.set)(self, value).map_err(|reason| invalid(name, &shown(setting, value), reason))
    }

    /// [`Config::set`] on behalf of `source` (a command-line flag such as `--port`): an
    /// error names the source, as an environment variable's does, with the setting in its
    /// detail, e.g. `--port = 80: must be between 1024 and 65535`.
    pub fn set_from(&mut self, source: &str, name: &str, value: &str) -> Result<(), DbError> {
        let setting = Config::setting(name)
            .ok_or_else(|| invalid(name, &value, "no such setting".to_string()))?;
        (setting.set)(self, value).map_err(|reason| {
            invalid(source, &shown(setting, value), reason)
                .with_detail(format!("{source} sets {}", setting.name))
                .with_hint(format!(
                    "Fix the value given to {source} on the command line (--help lists the \
                     flags)."
                ))
        })
    }

    /// The effective value of every setting, in file order, secrets redacted.
    pub fn settings(&self) -> Vec<SettingView> {
        let defaults = Config::default();
        SETTINGS
            .iter()
            .map(|s| SettingView::new(s, self, &defaults))
            .collect()
    }

    /// Applies the `RUSTYDB_*` variables among `vars`; other variables are ignored, and so
    /// are `RUSTYDB_*` names that set nothing (see [`Config::unrecognized_env_from`]).
    /// An error names the variable, e.g. `RUSTYDB_PORT = abc: must be an integer between
    /// 1024 and 65535`.
    pub fn apply_env_from<I>(&mut self, vars: I) -> Result<(), DbError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut vars: Vec<(String, String)> = vars.into_iter().collect();
        // The order of the process environment is unspecified; sorting makes the first
        // error reported the same on every run.
        vars.sort();
        for (name, value) in vars {
            if let Some(setting) = SETTINGS.iter().find(|s| s.env == name) {
                (setting.set)(self, &value).map_err(|reason| {
                    invalid(&name, &shown(setting, &value), reason)
                        .with_detail(format!("{name} sets {}", setting.name))
                })?;
            }
        }
        Ok(())
    }

    /// Applies the `RUSTYDB_*` variables of this process's environment. A value that is
    /// not valid UTF-8 is an error naming its variable.
    pub fn apply_env(&mut self) -> Result<(), DbError> {
        self.apply_env_from(rustydb_env()?)
    }

    /// The `RUSTYDB_*` names among `vars` that set nothing — usually a typo, or a
    /// variable from a later release. The server logs them as warnings once logging is up
    /// rather than refusing to start.
    pub fn unrecognized_env_from<I>(vars: I) -> Vec<String>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut names: Vec<String> = vars
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with(ENV_PREFIX) && !SETTINGS.iter().any(|s| s.env == name))
            .collect();
        names.sort();
        names
    }

    /// [`Config::unrecognized_env_from`] applied to this process's environment.
    pub fn unrecognized_env() -> Vec<String> {
        let names = std::env::vars_os()
            .map(|(name, _)| (name.to_string_lossy().into_owned(), String::new()));
        Config::unrecognized_env_from(names)
    }
}

/// `value` as an error may show it: secrets are [`REDACTED`].
fn shown(setting: &Setting, value: &str) -> String {
    if setting.secret {
        REDACTED.to_string()
    } else {
        value.to_string()
    }
}

/// The `RUSTYDB_*` variables of this process, as text.
fn rustydb_env() -> Result<Vec<(String, String)>, DbError> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|n| n.starts_with(ENV_PREFIX)) else {
            continue;
        };
        vars.push((name.to_string(), utf8(name, value)?));
    }
    Ok(vars)
}

fn utf8(name: &str, value: OsString) -> Result<String, DbError> {
    value.into_string().map_err(|raw| {
        invalid(
            name,
            &raw.to_string_lossy(),
            "must be valid UTF-8".to_string(),
        )
    })
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
