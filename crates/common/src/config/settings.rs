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

use super::values::{Allowed, IoBackend, LogLevel, SettingValue, WalSync, limits};
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
        "http.port",
        "RUSTYDB_GRAPHQL_PORT",
        limits::PORT,
        u16,
        "TCP port serving REST, GraphQL, /health and /metrics; must differ from server.port.",
        http.port
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
        (setting.set)(self, value).map_err(|reason| invalid(name, &value, reason))
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
                    invalid(&name, &value, reason)
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
mod tests {
    use super::*;
    use crate::ErrorCode;
    use std::collections::BTreeSet;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The leaf keys of the serialized configuration: the settings the file can hold.
    fn file_keys(value: &toml::Table, prefix: &str, out: &mut BTreeSet<String>) {
        for (key, value) in value {
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(table) => file_keys(table, &name, out),
                _ => {
                    out.insert(name);
                }
            }
        }
    }

    #[test]
    fn table_names_exactly_the_fields_of_config() {
        let serialized = toml::Table::try_from(Config::default()).unwrap();
        let mut from_struct = BTreeSet::new();
        file_keys(&serialized, "", &mut from_struct);
        let from_table: BTreeSet<String> = SETTINGS.iter().map(|s| s.name.to_string()).collect();
        assert_eq!(from_struct, from_table);
    }

    #[test]
    fn every_setting_has_an_env_var_and_set_round_trips() {
        let mut envs = BTreeSet::new();
        for setting in SETTINGS {
            assert!(
                setting.env.starts_with(ENV_PREFIX),
                "{} has env {}",
                setting.name,
                setting.env
            );
            assert!(envs.insert(setting.env), "{} used twice", setting.env);
            assert!(!setting.description.is_empty());

            // Setting the default's text changes nothing; setting another valid value
            // through the env var is visible through `get`.
            let mut config = Config::default();
            let default = setting.get(&config);
            config.set(setting.name, &default).unwrap();
            assert_eq!(config, Config::default(), "{}", setting.name);

            let other = match setting.allowed {
                Allowed::Range { min, .. } => min.to_string(),
                Allowed::OneOf(words) => words.iter().find(|w| **w != default).unwrap().to_string(),
                Allowed::IpAddress => "::1".to_string(),
                Allowed::NonEmptyPath => "/var/lib/rustydb".to_string(),
            };
            let mut config = Config::default();
            config
                .apply_env_from(env(&[(setting.env, &other)]))
                .unwrap();
            assert_eq!(setting.get(&config), other, "{}", setting.env);
        }
    }

    #[test]
    fn set_rejects_unknown_names_and_bad_values() {
        let mut config = Config::default();
        let e = config.set("server.prot", "5433").unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConfigInvalid);
        assert_eq!(
            e.message(),
            "configuration validation failed: server.prot = 5433: no such setting"
        );
        let e = config.set("server.port", "80").unwrap_err();
        assert_eq!(
            e.message(),
            "configuration validation failed: server.port = 80: must be between 1024 and 65535"
        );
        assert_eq!(config, Config::default());
    }

    #[test]
    fn env_errors_name_the_variable() {
        let mut config = Config::default();
        let e = config
            .apply_env_from(env(&[("RUSTYDB_PORT", "abc"), ("HOME", "/root")]))
            .unwrap_err();
        assert_eq!(
            e.message(),
            "configuration validation failed: RUSTYDB_PORT = abc: must be an integer between \
             1024 and 65535"
        );
        assert_eq!(e.detail(), Some("RUSTYDB_PORT sets server.port"));
        let e = config
            .apply_env_from(env(&[("RUSTYDB_WAL_SYNC", "fast")]))
            .unwrap_err();
        assert!(
            e.message()
                .ends_with("RUSTYDB_WAL_SYNC = fast: must be one of fsync, off")
        );
    }

    #[test]
    fn env_from_the_guide_applies() {
        let mut config = Config::default();
        config
            .apply_env_from(env(&[
                ("RUSTYDB_PORT", "5433"),
                ("RUSTYDB_GRAPHQL_PORT", "8081"),
                ("RUSTYDB_BUFFER_POOL_SIZE", "1000"),
                ("RUSTYDB_DATA_DIR", "/var/lib/rustydb"),
                ("RUSTYDB_MAX_CONNECTIONS", "200"),
                ("RUSTYDB_TLS_CERT", "/path/to/server.crt"),
            ]))
            .unwrap();
        assert_eq!(config.server.port, 5433);
        assert_eq!(config.http.port, 8081);
        assert_eq!(config.storage.buffer_pool_size, 1000);
        assert_eq!(
            config.data_dir,
            std::path::PathBuf::from("/var/lib/rustydb")
        );
        assert_eq!(config.server.max_connections, 200);
        assert_eq!(
            Config::unrecognized_env_from(env(&[
                ("RUSTYDB_TLS_CERT", "x"),
                ("RUSTYDB_PORT", "1"),
                ("PATH", "/")
            ])),
            vec!["RUSTYDB_TLS_CERT".to_string()]
        );
    }

    #[test]
    fn views_show_values_and_redact_secrets() {
        let mut config = Config::default();
        config.set("server.port", "6000").unwrap();
        let views = config.settings();
        assert_eq!(views.len(), SETTINGS.len());
        let port = views.iter().find(|v| v.name == "server.port").unwrap();
        assert_eq!(
            (port.value.as_str(), port.default.as_str()),
            ("6000", "5432")
        );
        assert_eq!(port.allowed, "between 1024 and 65535");
        assert_eq!(port.env, "RUSTYDB_PORT");

        let secret = Setting {
            secret: true,
            ..*Config::setting("data_dir").unwrap()
        };
        let view = SettingView::new(&secret, &config, &Config::default());
        assert_eq!(
            (view.value.as_str(), view.default.as_str()),
            (REDACTED, REDACTED)
        );
    }
}
