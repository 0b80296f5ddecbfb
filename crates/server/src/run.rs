//! The life of the server process, start to exit.
//!
//! ```text
//!  parse flags (clap: --help, --version, usage errors exit 2)
//!  load the configuration          defaults -> file -> RUSTYDB_* -> flags -> validate
//!  load the TLS certificate/key    when tls.cert_file and tls.key_file are set
//!  bind the listen address:port    PostgreSQL port, then the HTTP port (http.port),
//!                                  before touching the data directory
//!  start the tokio runtime, install SIGTERM/SIGINT handlers
//!  start logging                   <data_dir>/logs, at log.level; log the configuration
//!  serve HTTP                      at once: /health/live answers during recovery, the
//!                                  routes needing the database answer 503 until ready
//!  open the engine                 create + initialise, or crash-recover, the data dir
//!  bootstrap the superuser         first start only; print a generated password once
//!  API token table                 rustydb.api_tokens, created when missing
//!  attach engine to HTTP           "HTTP API ready on http://address:port"
//!  "ready to accept connections"   PgServer::serve until the first signal
//!  shut down                       both front ends stop on the same signal; grace for
//!                                  running statements and requests, close connections,
//!                                  checkpoint, release the lock file, exit 0
//! ```
//!
//! Anything that fails before "ready" ends the process with one line on stderr and exit
//! status 1 ([`Fatal`]).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use rustydb_common::DbError;
use rustydb_common::config::{AuthMethod, Config};
use rustydb_common::logging::{self, AUDIT_TARGET, LoggingGuard};
use rustydb_pgwire::{PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use tokio_util::sync::CancellationToken;

use crate::bootstrap::{Bootstrap, SUPERUSER, bootstrap};
use crate::cli::Cli;
use crate::fatal::{Fatal, PROGRAM};
use crate::{http, listen, signals, wire};

/// Exit status when the server cannot start or cannot shut down cleanly.
pub const EXIT_FAILURE: u8 = 1;

/// How long the runtime waits for leftover blocking work after the clean shutdown.
const RUNTIME_DRAIN: Duration = Duration::from_secs(5);

/// Runs the server with these flags until it is told to stop; the process's exit status.
pub fn run(cli: &Cli) -> ExitCode {
    let mut log_dir = None;
    match start(cli, &mut log_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(fatal) => {
            fatal.report(log_dir.as_deref());
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Everything up to the runtime; `log_dir` is set once logging is up, so that a fatal
/// error is logged as well as printed.
fn start(cli: &Cli, log_dir: &mut Option<PathBuf>) -> Result<(), Fatal> {
    let config = cli.load_config()?;
    let wire = wire::options(&config)?;
    let listener = listen::bind(config.server.listen_address, config.server.port)?;
    let http_listener = listen::bind_http(config.server.listen_address, config.http.port)?;
    let listeners = Listeners {
        pg: listener,
        http: http_listener,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rustydb-worker")
        .build()
        .map_err(|e| DbError::internal(format!("cannot start the tokio runtime: {e}")))?;
    let result = runtime.block_on(serve(cli, config, wire, listeners, log_dir));
    runtime.shutdown_timeout(RUNTIME_DRAIN);
    result
}

/// The two bound ports, not yet registered with tokio.
struct Listeners {
    pg: std::net::TcpListener,
    http: std::net::TcpListener,
}

async fn serve(
    cli: &Cli,
    config: Config,
    wire: PgWireOptions,
    listeners: Listeners,
    log_dir: &mut Option<PathBuf>,
) -> Result<(), Fatal> {
    let shutdown = signals::install()?;
    let register = |l: std::net::TcpListener| {
        tokio::net::TcpListener::from_std(l)
            .map_err(|e| DbError::internal(format!("cannot register the listener: {e}")))
    };
    let listener = register(listeners.pg)?;
    let http_listener = register(listeners.http)?;
    let address = SocketAddr::new(config.server.listen_address, config.server.port);

    let logs = logging::init(config.log.level.as_str(), &config.log_dir())?;
    *log_dir = Some(config.log_dir());
    log_start(cli, &config);

    // HTTP stops with the first signal, or when start-up fails below (the guard).
    let http_stop = shutdown.child_token();
    let _stop_http_on_failure = http_stop.clone().drop_guard();
    let (ctx, http) = http::start(&config, http_listener, http_stop);

    let mut options = EngineOptions::from_config(&config);
    options.storage.recovery_mode = cli.recovery_mode;
    let engine = blocking(move || Engine::open(options)).await?;

    let prepared = {
        let (engine, config) = (engine.clone(), config.clone());
        blocking(move || {
            let done = bootstrap(&engine, &config)?;
            rustydb_http::tokens::ensure_schema(&engine)?;
            Ok(done)
        })
        .await
    };
    match prepared {
        Ok(done) => announce(&done),
        Err(e) => {
            // The engine is open: close it cleanly before giving up. The bootstrap error
            // is the one to report; a failed checkpoint here is logged by the storage.
            let _ = shut_engine(engine, &logs).await;
            return Err(e.into());
        }
    }

    let server = PgServer::new(engine.clone(), wire);
    ctx.attach(engine.clone(), server.clone());
    http::announce(&config);

    let served = if shutdown.is_cancelled() {
        Ok(())
    } else {
        accept(server, listener, address, shutdown, &config).await
    };
    let http_served = http::finish(http).await;
    drop(ctx);
    let closed = shut_engine(engine, &logs).await;
    served?;
    http_served?;
    closed?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Serves until `shutdown` is cancelled and the grace period has run out.
async fn accept(
    server: Arc<PgServer>,
    listener: tokio::net::TcpListener,
    address: SocketAddr,
    shutdown: CancellationToken,
    config: &Config,
) -> Result<(), Fatal> {
    let grace = Duration::from_secs(config.server.shutdown_grace_seconds);
    tracing::info!(
        address = %address.ip(),
        port = address.port(),
        "ready to accept connections on {address}"
    );
    let served = server.serve(listener, shutdown, grace).await;
    tracing::info!("stopped accepting connections; every connection is closed");
    served.map_err(|e| {
        Fatal(DbError::internal(format!(
            "the PostgreSQL-protocol server failed: {e}"
        )))
    })
}

/// Checkpoints and closes the engine; the lock file is released when the last reference
/// goes (and by the kernel at exit in any case).
async fn shut_engine(engine: Arc<Engine>, logs: &LoggingGuard) -> Result<(), Fatal> {
    tracing::info!("checkpointing and closing the database");
    let closing = engine.clone();
    let result = blocking(move || closing.shutdown()).await;
    drop(engine);
    let _ = logs.sync();
    result.map_err(Fatal)
}

/// Runs blocking engine work off the async workers.
async fn blocking<T, F>(f: F) -> Result<T, DbError>
where
    F: FnOnce() -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DbError::internal(format!("a start-up task failed: {e}")))?
}

/// The start-up lines of the log: version, configuration (secrets redacted) and
/// warnings about risky settings.
fn log_start(cli: &Cli, config: &Config) {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        "starting {PROGRAM}"
    );
    let file = cli.config_file().map_or_else(
        || "none (built-in defaults)".to_string(),
        |p| p.display().to_string(),
    );
    let settings: Vec<String> = config
        .settings()
        .iter()
        .map(|v| {
            if v.value.is_empty() || v.value.contains(char::is_whitespace) {
                format!("{}={:?}", v.name, v.value)
            } else {
                format!("{}={}", v.name, v.value)
            }
        })
        .collect();
    tracing::info!(
        "configuration file: {file}; effective settings: {}",
        settings.join(" ")
    );
    for name in Config::unrecognized_env() {
        tracing::warn!("environment variable {name} matches no setting and is ignored");
    }
    if cli.recovery_mode {
        tracing::warn!(
            "--recovery-mode: a write-ahead log damaged in the middle is accepted and what \
             follows the damage is lost"
        );
    }
    if config.auth.method == AuthMethod::Trust {
        tracing::warn!(
            target: AUDIT_TARGET,
            "auth.method = trust: any client that can reach {}:{} logs in as any role \
             without a password; use it for development only",
            config.server.listen_address,
            config.server.port
        );
    }
    http::warn_if_open(config);
    if config.server.listen_address.is_unspecified() {
        tracing::warn!(
            target: AUDIT_TARGET,
            "listening on every interface ({}): the server is reachable from other machines",
            config.server.listen_address
        );
    }
}

/// Logs what the bootstrap did and prints a generated password, once.
fn announce(done: &Bootstrap) {
    match done {
        Bootstrap::Existing => {}
        Bootstrap::CreatedWithConfiguredPassword => tracing::info!(
            target: AUDIT_TARGET,
            "created the superuser \"{SUPERUSER}\" with the password from auth.password \
             (RUSTYDB_PASSWORD)"
        ),
        Bootstrap::CreatedWithGeneratedPassword { password, file } => {
            tracing::info!(
                target: AUDIT_TARGET,
                "created the superuser \"{SUPERUSER}\" with a generated password, written to \
                 {} (mode 0600)",
                file.display()
            );
            let mut out = std::io::stdout().lock();
            // Nowhere to report a closed stdout: the password is in the file.
            let _ = writeln!(
                out,
                "{PROGRAM}: created the superuser \"{SUPERUSER}\"; password: {password}\n\
                 {PROGRAM}: the password is saved in {} (readable by this user only) and is \
                 not printed again",
                file.display()
            );
            let _ = out.flush();
        }
    }
}
