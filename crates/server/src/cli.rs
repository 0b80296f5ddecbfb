//! The command line of `rusty-db-server`.
//!
//! clap only splits the command line into text; every value is then handed, as text, to
//! [`Config::set_from`] under its dotted setting name, the same parser the `RUSTYDB_*`
//! variables go through. So `--port 80` and `RUSTYDB_PORT=80` fail with the same rule
//! ("must be between 1024 and 65535"), and the flag layer lands on top of the file and the
//! environment exactly where the configuration documentation says:
//!
//! ```text
//! built-in defaults -> config file -> RUSTYDB_* environment -> these flags -> validate
//! ```

use std::path::PathBuf;

use clap::Parser;
use rustydb_common::DbError;
use rustydb_common::config::{Config, DEFAULT_CONFIG_PATH};

/// `rusty-db-server`: RustyDB's daemon.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "rusty-db-server",
    version,
    about = "RustyDB's server: the PostgreSQL wire protocol over a data directory.",
    long_about = "RustyDB's server: the PostgreSQL wire protocol over a data directory.\n\n\
        Settings come from, lowest to highest precedence: built-in defaults, the \
        configuration file (--config, else config/rustydb.toml if it exists), RUSTYDB_* \
        environment variables, then these flags. On first start the data directory is \
        created with the superuser \"rustydb\"; its password is RUSTYDB_PASSWORD, or a \
        generated one written to <data-dir>/initial-password.\n\n\
        SIGTERM or SIGINT shuts down cleanly (a second one exits at once).",
    after_help = "Every setting also has a RUSTYDB_* environment variable ([env: ...] \
        above) and a key in the configuration file: see docs/configuration.md and \
        docs/server.md. Exit status: 0 after a clean shutdown, 1 when start-up or shutdown \
        fails, 2 for a bad command line, 128 + the signal number when a second signal stops \
        the server at once."
)]
pub struct Cli {
    /// Configuration file (TOML). Without it, config/rustydb.toml is read if it exists in
    /// the working directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Data directory, created and initialised on first start [env: RUSTYDB_DATA_DIR]
    /// [default: ./data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<String>,

    /// TCP port of the PostgreSQL protocol, 1024 to 65535 [env: RUSTYDB_PORT]
    /// [default: 5432]
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,

    /// TCP port of the HTTP server (REST API, GraphQL, /health, /metrics), 1024 to 65535,
    /// not --port [env: RUSTYDB_GRAPHQL_PORT] [default: 8080]
    #[arg(long, value_name = "PORT")]
    pub graphql_port: Option<String>,

    /// IP address to listen on; 0.0.0.0 (or ::) listens on every interface
    /// [env: RUSTYDB_LISTEN_ADDRESS] [default: 127.0.0.1]
    #[arg(long, value_name = "ADDRESS")]
    pub listen_address: Option<String>,

    /// Start even if the write-ahead log is damaged in the middle: recovery replays up to
    /// the damage and loses what follows. For disaster recovery only; back up the data
    /// directory first.
    #[arg(long)]
    pub recovery_mode: bool,
}

impl Cli {
    /// Each flag that was given: `(flag, setting, value)`, in the order of `--help`.
    pub fn settings(&self) -> Vec<(&'static str, &'static str, &str)> {
        let flags = [
            ("--data-dir", "data_dir", &self.data_dir),
            ("--port", "server.port", &self.port),
            ("--graphql-port", "http.port", &self.graphql_port),
            (
                "--listen-address",
                "server.listen_address",
                &self.listen_address,
            ),
        ];
        flags
            .into_iter()
            .filter_map(|(flag, setting, value)| value.as_deref().map(|v| (flag, setting, v)))
            .collect()
    }

    /// Applies the flags to `config` (the last layer before validation).
    pub fn apply(&self, config: &mut Config) -> Result<(), DbError> {
        for (flag, setting, value) in self.settings() {
            config.set_from(flag, setting, value)?;
        }
        Ok(())
    }

    /// The configuration file in force: `--config`, else the default file if it exists.
    pub fn config_file(&self) -> Option<PathBuf> {
        match &self.config {
            Some(file) => Some(file.clone()),
            None => {
                let default = PathBuf::from(DEFAULT_CONFIG_PATH);
                default.is_file().then_some(default)
            }
        }
    }

    /// Loads the configuration: defaults, the file, the `RUSTYDB_*` environment, these
    /// flags, then validation.
    pub fn load_config(&self) -> Result<Config, DbError> {
        Config::load_with_flags(self.config.as_deref(), |config| self.apply(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load(cli: &Cli, dir: &Path, vars: &[(&str, &str)]) -> Result<Config, DbError> {
        Config::load_with_env_and_flags(cli.config.as_deref(), dir, env(vars), |c| cli.apply(c))
    }

    #[test]
    fn flags_parse_and_override_env_and_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("f.toml"),
            "[server]\nport = 6000\nmax_connections = 7\n",
        )
        .unwrap();
        let cli = Cli::try_parse_from([
            "rusty-db-server",
            "--config",
            "f.toml",
            "--port",
            "6100",
            "--listen-address",
            "0.0.0.0",
            "--recovery-mode",
        ])
        .unwrap();
        assert!(cli.recovery_mode);
        let config = load(&cli, dir.path(), &[("RUSTYDB_PORT", "6050")]).unwrap();
        assert_eq!(config.server.port, 6100);
        assert_eq!(config.server.max_connections, 7);
        assert_eq!(config.server.listen_address.to_string(), "0.0.0.0");

        let cli = Cli::try_parse_from(["rusty-db-server", "--config", "f.toml"]).unwrap();
        let config = load(&cli, dir.path(), &[("RUSTYDB_PORT", "6050")]).unwrap();
        assert_eq!(config.server.port, 6050);
        let config = load(&cli, dir.path(), &[]).unwrap();
        assert_eq!(config.server.port, 6000);
    }

    #[test]
    fn flag_errors_name_the_flag_and_the_rule() {
        let dir = tempfile::tempdir().unwrap();
        let cli = Cli::try_parse_from(["rusty-db-server", "--port", "80"]).unwrap();
        let e = load(&cli, dir.path(), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR-DB-007: configuration validation failed: --port = 80: must be between 1024 and \
             65535 (--port sets server.port)"
        );
        let cli = Cli::try_parse_from(["rusty-db-server", "--graphql-port", "5432"]).unwrap();
        let e = load(&cli, dir.path(), &[]).unwrap_err();
        assert!(
            e.message()
                .ends_with("http.port = 5432: must differ from server.port (5432)"),
            "{e}"
        );
        let cli =
            Cli::try_parse_from(["rusty-db-server", "--listen-address", "localhost"]).unwrap();
        let e = load(&cli, dir.path(), &[]).unwrap_err();
        assert!(
            e.message()
                .ends_with("--listen-address = localhost: must be an IP address")
        );
    }

    #[test]
    fn unknown_flags_are_usage_errors() {
        let e = Cli::try_parse_from(["rusty-db-server", "--prot", "5"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
    }
}
