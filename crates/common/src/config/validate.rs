//! Whole-configuration validation.
//!
//! Every struct is taken apart by exhaustive destructuring — no `..` — so adding a field
//! without deciding how to validate it is a compile error here, not a silent gap. Each
//! problem becomes one ERR-DB-007 error naming the setting, its value and the rule; the
//! first is returned and the rest are listed in its detail, so `validate-config` shows
//! everything wrong with a file in one run.

use super::values::{Allowed, IoBackend, limits};
use super::{
    AuthConfig, CheckpointConfig, Config, HttpConfig, LogConfig, ServerConfig, StorageConfig,
    TlsConfig, WalConfig, invalid,
};
use crate::DbError;

impl Config {
    /// Checks every setting against its rule and the rules that span settings (the HTTP
    /// port must differ from the server port; io_uring needs Linux; the TLS certificate
    /// and key come together).
    pub fn validate(&self) -> Result<(), DbError> {
        let mut problems = self.problems().into_iter();
        let Some(first) = problems.next() else {
            return Ok(());
        };
        let rest: Vec<String> = problems.map(|p| p.message().to_string()).collect();
        if rest.is_empty() {
            Err(first)
        } else {
            let detail = format!("also: {}", rest.join("; "));
            Err(first.with_detail(detail))
        }
    }

    /// Every problem [`Config::validate`] would report, in file order.
    pub fn problems(&self) -> Vec<DbError> {
        let Config {
            data_dir,
            server,
            http,
            storage,
            wal,
            checkpoint,
            log,
            auth,
            tls,
        } = self;
        // An `IpAddr` can only hold a valid address, and every variant of the `sync` and
        // `level` enums is valid: they are bound as `_` on purpose, so a new field in
        // these sections still has to be looked at here.
        let ServerConfig {
            listen_address: _,
            port: server_port,
            max_connections,
            idle_session_timeout_seconds,
            shutdown_grace_seconds,
        } = server;
        // Booleans are always valid.
        let HttpConfig {
            port: http_port,
            auth: _,
            public_health: _,
            public_metrics: _,
            rate_limit_per_minute,
            max_body_bytes,
            max_result_rows,
            page_size,
            statement_timeout_ms,
            idle_timeout_seconds,
            graphql_introspection: _,
            graphql_max_depth,
            graphql_max_complexity,
        } = http;
        let StorageConfig {
            buffer_pool_size,
            io_backend,
        } = storage;
        let WalConfig { sync: _ } = wal;
        let CheckpointConfig {
            interval_secs,
            max_wal_size_mb,
        } = checkpoint;
        let LogConfig {
            level: _,
            slow_query_threshold_ms,
        } = log;
        // Every method is valid, and any text is a valid password.
        let AuthConfig {
            method: _,
            password: _,
            max_failed_logins,
            lockout_seconds,
        } = auth;
        let TlsConfig {
            cert_file,
            key_file,
        } = tls;

        let mut problems = Vec::new();
        if data_dir.as_os_str().is_empty() {
            let requirement = Allowed::NonEmptyPath.requirement();
            problems.push(invalid("data_dir", &format!("{data_dir:?}"), requirement));
        }
        let p = &mut problems;
        range(p, "server.port", u64::from(*server_port), limits::PORT);
        range(
            p,
            "server.max_connections",
            u64::from(*max_connections),
            limits::MAX_CONNECTIONS,
        );
        range(
            p,
            "server.idle_session_timeout_seconds",
            *idle_session_timeout_seconds,
            limits::IDLE_SESSION_TIMEOUT,
        );
        range(
            p,
            "server.shutdown_grace_seconds",
            *shutdown_grace_seconds,
            limits::SHUTDOWN_GRACE,
        );
        range(p, "http.port", u64::from(*http_port), limits::PORT);
        let http_ranges = [
            (
                "http.rate_limit_per_minute",
                u64::from(*rate_limit_per_minute),
                limits::HTTP_RATE_LIMIT,
            ),
            (
                "http.max_body_bytes",
                *max_body_bytes,
                limits::HTTP_MAX_BODY,
            ),
            (
                "http.max_result_rows",
                *max_result_rows,
                limits::HTTP_MAX_RESULT_ROWS,
            ),
            (
                "http.page_size",
                u64::from(*page_size),
                limits::HTTP_PAGE_SIZE,
            ),
            (
                "http.statement_timeout_ms",
                *statement_timeout_ms,
                limits::HTTP_STATEMENT_TIMEOUT,
            ),
            (
                "http.idle_timeout_seconds",
                *idle_timeout_seconds,
                limits::HTTP_IDLE_TIMEOUT,
            ),
            (
                "http.graphql_max_depth",
                u64::from(*graphql_max_depth),
                limits::GRAPHQL_MAX_DEPTH,
            ),
            (
                "http.graphql_max_complexity",
                u64::from(*graphql_max_complexity),
                limits::GRAPHQL_MAX_COMPLEXITY,
            ),
            (
                "log.slow_query_threshold_ms",
                *slow_query_threshold_ms,
                limits::SLOW_QUERY_THRESHOLD,
            ),
        ];
        for (name, value, allowed) in http_ranges {
            range(p, name, value, allowed);
        }
        range(
            p,
            "storage.buffer_pool_size",
            *buffer_pool_size,
            limits::BUFFER_POOL_SIZE,
        );
        range(
            p,
            "checkpoint.interval_secs",
            *interval_secs,
            limits::CHECKPOINT_INTERVAL,
        );
        range(
            p,
            "checkpoint.max_wal_size_mb",
            *max_wal_size_mb,
            limits::CHECKPOINT_MAX_WAL,
        );
        range(
            p,
            "auth.max_failed_logins",
            u64::from(*max_failed_logins),
            limits::MAX_FAILED_LOGINS,
        );
        range(
            p,
            "auth.lockout_seconds",
            *lockout_seconds,
            limits::LOCKOUT_SECONDS,
        );
        match (
            cert_file.as_os_str().is_empty(),
            key_file.as_os_str().is_empty(),
        ) {
            (false, true) => {
                let reason = format!(
                    "must be set when tls.cert_file is ({}): TLS needs both",
                    cert_file.display()
                );
                problems.push(invalid("tls.key_file", &"\"\"", reason));
            }
            (true, false) => {
                let reason = format!(
                    "must be set when tls.key_file is ({}): TLS needs both",
                    key_file.display()
                );
                problems.push(invalid("tls.cert_file", &"\"\"", reason));
            }
            _ => {}
        }
        if http_port == server_port {
            let reason = format!("must differ from server.port ({server_port})");
            problems.push(invalid("http.port", http_port, reason));
        }
        if *io_backend == IoBackend::IoUring && !cfg!(target_os = "linux") {
            let reason = "io_uring is only available on Linux; use pread".to_string();
            problems.push(invalid("storage.io_backend", io_backend, reason));
        }
        problems
    }
}

fn range(problems: &mut Vec<DbError>, name: &str, value: u64, allowed: Allowed) {
    if let Err(reason) = allowed.check_int(value) {
        problems.push(invalid(name, &value, reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use std::path::PathBuf;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn out_of_range_port_is_reported_with_its_range() {
        let mut config = Config::default();
        config.server.port = 80;
        let e = config.validate().unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConfigInvalid);
        assert_eq!(e.code().id(), "ERR-DB-007");
        assert_eq!(
            e.message(),
            "configuration validation failed: server.port = 80: must be between 1024 and 65535"
        );
        assert_eq!(e.detail(), None);
    }

    #[test]
    fn ports_must_differ() {
        let mut config = Config::default();
        config.http.port = config.server.port;
        let e = config.validate().unwrap_err();
        assert_eq!(
            e.message(),
            "configuration validation failed: http.port = 5432: must differ from server.port \
             (5432)"
        );
    }

    #[test]
    fn tls_needs_both_files() {
        let mut config = Config::default();
        config.tls.cert_file = PathBuf::from("/etc/rustydb/server.crt");
        let e = config.validate().unwrap_err();
        assert_eq!(
            e.message(),
            "configuration validation failed: tls.key_file = \"\": must be set when \
             tls.cert_file is (/etc/rustydb/server.crt): TLS needs both"
        );
        assert_eq!(config.tls.files(), None);
        config.tls.key_file = PathBuf::from("/etc/rustydb/server.key");
        assert_eq!(config.validate(), Ok(()));
        assert!(config.tls.files().is_some());
        config.tls.cert_file = PathBuf::new();
        assert!(
            config
                .validate()
                .unwrap_err()
                .message()
                .contains("tls.cert_file = \"\"")
        );
    }

    #[test]
    fn new_ranges_are_checked() {
        let mut config = Config::default();
        config.server.shutdown_grace_seconds = 3601;
        config.auth.lockout_seconds = 0;
        config.auth.max_failed_logins = 1001;
        config.server.idle_session_timeout_seconds = 2_147_484;
        let problems: Vec<String> = config
            .problems()
            .iter()
            .map(|p| p.message().to_string())
            .collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].ends_with(
            "server.idle_session_timeout_seconds = 2147484: must be between 0 and 2147483"
        ));
        assert!(
            problems[1]
                .ends_with("server.shutdown_grace_seconds = 3601: must be between 0 and 3600")
        );
        assert!(problems[2].ends_with("auth.max_failed_logins = 1001: must be between 0 and 1000"));
        assert!(problems[3].ends_with("auth.lockout_seconds = 0: must be between 1 and 604800"));
    }

    #[test]
    fn every_problem_is_listed() {
        let mut config = Config {
            data_dir: PathBuf::new(),
            ..Config::default()
        };
        config.storage.buffer_pool_size = 1;
        config.checkpoint.interval_secs = 0;
        config.checkpoint.max_wal_size_mb = 2_000_000;
        config.server.max_connections = 0;
        let problems = config.problems();
        let names: Vec<&str> = problems
            .iter()
            .map(|p| {
                p.message()
                    .split(" = ")
                    .next()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            names,
            [
                "data_dir",
                "server.max_connections",
                "storage.buffer_pool_size",
                "checkpoint.interval_secs",
                "checkpoint.max_wal_size_mb"
            ]
        );
        let e = config.validate().unwrap_err();
        assert_eq!(
            e.message(),
            "configuration validation failed: data_dir = \"\": must be a non-empty path"
        );
        assert!(
            e.detail()
                .unwrap()
                .contains("checkpoint.max_wal_size_mb = 2000000")
        );
    }
}
