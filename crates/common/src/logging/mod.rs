//! Logging: `tracing` events to stderr and to the files of the operations guide.
//!
//! ```text
//!  data/logs/
//!  ├── rustydb.log          everything at the configured level (log.level or RUST_LOG)
//!  ├── error.log            ERROR events only, whatever the level
//!  ├── security_audit.log   target rustydb::audit  (AUDIT_TARGET)
//!  ├── transaction.log      target rustydb::txn    (TXN_TARGET)
//!  ├── performance.log      target rustydb::perf   (PERF_TARGET)
//!  └── replication.log      target rustydb::repl   (REPL_TARGET)
//! ```
//!
//! A subsystem writes to a dedicated file by naming its target:
//! `tracing::info!(target: AUDIT_TARGET, user, "AUTHENTICATION_FAILURE")`. Such an event
//! also goes to `rustydb.log` when the configured level lets it through. The dedicated
//! files take INFO and above of their target *whatever* the level, so turning the main
//! log down to `warn` never silences the audit trail; DEBUG and TRACE reach them only when
//! the filter enables them. `error.log` likewise takes every ERROR even under
//! `RUST_LOG=off`: critical errors are always logged.
//!
//! Every file rotates daily at UTC midnight and keeps its plain name; rotated files are
//! `rustydb.log.2026-11-24` and are deleted after [`KEEP_DAYS`] days ([`DailyFile`]).
//! Timestamps are UTC too, so a dated file holds exactly that date's lines.
//!
//! [`build`] returns the subscriber without installing it, for tests
//! (`tracing::subscriber::with_default`); [`init`] installs it for the process.

mod date;
mod rotation;

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::Registry;
use tracing_subscriber::util::SubscriberInitExt;

use crate::{DbError, ErrorCode};

pub use rotation::{Clock, DailyFile, SystemClock};

/// Target of security events (logins, privilege changes): `security_audit.log`.
pub const AUDIT_TARGET: &str = "rustydb::audit";
/// Target of transaction lifecycle events (begin, commit, abort): `transaction.log`.
pub const TXN_TARGET: &str = "rustydb::txn";
/// Target of performance events (slow queries, checkpoint timings): `performance.log`.
pub const PERF_TARGET: &str = "rustydb::perf";
/// Target of replication events: `replication.log`.
pub const REPL_TARGET: &str = "rustydb::repl";

/// The main log: every event the filter lets through.
pub const MAIN_LOG: &str = "rustydb.log";
/// ERROR events only.
pub const ERROR_LOG: &str = "error.log";

/// Each dedicated target and its file.
pub const TARGET_FILES: &[(&str, &str)] = &[
    (AUDIT_TARGET, "security_audit.log"),
    (TXN_TARGET, "transaction.log"),
    (PERF_TARGET, "performance.log"),
    (REPL_TARGET, "replication.log"),
];

/// Days rotated files are kept.
pub const KEEP_DAYS: u32 = 30;

/// The filter in force: the configured level, or `RUST_LOG` when it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFilter {
    /// `log.level` (`RUSTYDB_LOG_LEVEL`): one of error, warn, info, debug, trace.
    Level(String),
    /// A full `EnvFilter` directive from `RUST_LOG`, e.g. `info,rustydb_storage=debug`.
    RustLog(String),
}

impl LogFilter {
    /// `RUST_LOG` if it is set and not blank, else `level`.
    pub fn new(level: &str, rust_log: Option<&str>) -> LogFilter {
        match rust_log.map(str::trim).filter(|r| !r.is_empty()) {
            Some(directive) => LogFilter::RustLog(directive.to_string()),
            None => LogFilter::Level(level.to_string()),
        }
    }

    /// [`LogFilter::new`] with this process's `RUST_LOG`.
    pub fn from_env(level: &str) -> Result<LogFilter, DbError> {
        match std::env::var("RUST_LOG") {
            Ok(value) => Ok(LogFilter::new(level, Some(&value))),
            Err(std::env::VarError::NotPresent) => Ok(LogFilter::new(level, None)),
            Err(std::env::VarError::NotUnicode(raw)) => Err(config_invalid(
                "RUST_LOG",
                &raw.to_string_lossy(),
                "must be valid UTF-8",
            )),
        }
    }

    /// Parses the filter; an error names `log.level` or `RUST_LOG`.
    fn env_filter(&self) -> Result<EnvFilter, DbError> {
        match self {
            LogFilter::Level(level) => match level.as_str() {
                "error" | "warn" | "info" | "debug" | "trace" => Ok(EnvFilter::new(level)),
                _ => Err(config_invalid(
                    "log.level",
                    level,
                    "must be one of error, warn, info, debug, trace",
                )),
            },
            LogFilter::RustLog(directive) => EnvFilter::builder().parse(directive).map_err(|e| {
                config_invalid("RUST_LOG", directive, &format!("not a valid filter: {e}"))
            }),
        }
    }
}

/// Whether events are also written to the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// Human-readable lines on stderr, coloured when stderr is a terminal.
    Stderr,
    /// Files only (tests, or a daemon whose stderr goes nowhere).
    Off,
}

/// Everything [`build`] needs.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The filter for stderr and `rustydb.log`.
    pub filter: LogFilter,
    /// The log directory, created if missing; normally `<data_dir>/logs`.
    pub log_dir: PathBuf,
    /// Whether to write to stderr too.
    pub console: Console,
    /// The clock that decides rotation.
    pub clock: Arc<dyn Clock>,
    /// Days rotated files are kept.
    pub keep_days: u32,
}

impl LogOptions {
    /// Options for a server: stderr on, the system clock, [`KEEP_DAYS`].
    pub fn new(filter: LogFilter, log_dir: &Path) -> LogOptions {
        LogOptions {
            filter,
            log_dir: log_dir.to_path_buf(),
            console: Console::Stderr,
            clock: Arc::new(SystemClock),
            keep_days: KEEP_DAYS,
        }
    }
}

/// Returned by [`init`] and [`build`]: the open log files. Dropping it syncs them to disk
/// (call it last at shutdown); logging itself goes on until the process exits.
#[derive(Debug)]
pub struct LoggingGuard {
    log_dir: PathBuf,
    files: Vec<DailyFile>,
}

impl LoggingGuard {
    /// The log directory.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The paths of the current log files.
    pub fn files(&self) -> Vec<PathBuf> {
        self.files.iter().map(DailyFile::path).collect()
    }

    /// Forces everything logged so far to disk.
    pub fn sync(&self) -> std::io::Result<()> {
        self.files.iter().try_for_each(DailyFile::sync)
    }
}

impl Drop for LoggingGuard {
    fn drop(&mut self) {
        // Best effort at shutdown: there is nowhere left to report a failure.
        let _ = self.sync();
    }
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Builds the subscriber described by `options` without installing it. Creates the log
/// directory and opens every file; failure is ERR-DB-002 naming the path.
pub fn build(
    options: &LogOptions,
) -> Result<(impl Subscriber + Send + Sync + 'static, LoggingGuard), DbError> {
    let LogOptions {
        filter,
        log_dir,
        console,
        clock,
        keep_days,
    } = options;
    // Parse before touching the disk, so a bad filter leaves nothing behind.
    filter.env_filter()?;
    fs::create_dir_all(log_dir).map_err(|e| storage_failed(log_dir, &e))?;
    let open = |name: &str| {
        DailyFile::open(log_dir, name, *keep_days, clock.clone())
            .map_err(|e| storage_failed(&log_dir.join(name), &e))
    };

    let mut layers: Vec<BoxedLayer> = Vec::new();
    let mut files = Vec::new();
    if *console == Console::Stderr {
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter.env_filter()?);
        layers.push(Box::new(layer));
    }

    let main = open(MAIN_LOG)?;
    layers.push(file_layer(&main, filter.env_filter()?));
    files.push(main);

    let errors = open(ERROR_LOG)?;
    layers.push(file_layer(&errors, LevelFilter::ERROR));
    files.push(errors);

    for (target, name) in TARGET_FILES {
        let file = open(name)?;
        // `Targets` rather than a closure: its interest is decided once per call site, so
        // disabled `trace!`s in hot paths stay nearly free.
        let always = Targets::new().with_target(*target, LevelFilter::INFO);
        let of_target = Targets::new().with_target(*target, LevelFilter::TRACE);
        let when_enabled = filter.env_filter()?.and(of_target);
        layers.push(file_layer(&file, always.or(when_enabled)));
        files.push(file);
    }

    let subscriber = tracing_subscriber::registry().with(layers);
    Ok((
        subscriber,
        LoggingGuard {
            log_dir: log_dir.clone(),
            files,
        },
    ))
}

/// Installs logging for the process: the `level` from the configuration (`RUST_LOG`
/// overrides it), stderr, and the files in `log_dir`. Also routes the `log` crate's
/// records into `tracing`. Fails if called twice.
pub fn init(level: &str, log_dir: &Path) -> Result<LoggingGuard, DbError> {
    let options = LogOptions::new(LogFilter::from_env(level)?, log_dir);
    let (subscriber, guard) = build(&options)?;
    subscriber
        .try_init()
        .map_err(|e| DbError::internal(format!("logging was initialized twice: {e}")))?;
    Ok(guard)
}

/// A plain-text layer writing to `file`, filtered by `filter`.
fn file_layer<F>(file: &DailyFile, filter: F) -> BoxedLayer
where
    F: tracing_subscriber::layer::Filter<Registry> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(file.clone())
        .with_ansi(false)
        .with_filter(filter);
    Box::new(layer)
}

fn config_invalid(field: &str, value: &str, reason: &str) -> DbError {
    DbError::from_template(
        ErrorCode::ConfigInvalid,
        &[("field", &field), ("value", &value), ("reason", &reason)],
    )
}

fn storage_failed(path: &Path, e: &std::io::Error) -> DbError {
    let reason = format!("cannot create or open the log file or directory: {e}");
    DbError::from_template(
        ErrorCode::StorageInitFailed,
        &[("reason", &reason), ("path", &path.display())],
    )
}

#[cfg(test)]
mod tests;
