//! Shared code of the end-to-end tests (`tests/e2e_*.rs`): they start the real
//! `rusty-db-server` binary and talk to it with real PostgreSQL clients (tokio-postgres,
//! psql, psycopg, pgbench, openssl).
//!
//! [`Server`] starts one server on a free 127.0.0.1 port over its own temporary data
//! directory, waits (bounded) until the port accepts connections, and kills it when dropped,
//! also when the test panics. It can be SIGKILLed and restarted on the same data directory.
//!
//! The same tests run against a throwaway PostgreSQL 15 cluster when
//! `RUSTYDB_E2E_TARGET=postgres` is set: that is how their expectations were checked
//! against the reference (see [`postgres`]). Either way the superuser is `rustydb` with the
//! password [`PASSWORD`], and the database is `rustydb`.
//!
//! Every wait is bounded in time; a server that exits early or never listens fails the test
//! with its log.
#![allow(dead_code)] // each test file uses a different part

pub(crate) mod pgbench;
pub(crate) mod postgres;
pub(crate) mod process;

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)] // each test file uses a different part
pub(crate) use process::{Finished, Running, run_bounded, spawn_captured, tool, wait_bounded};

/// The superuser's password every test server is started with.
pub(crate) const PASSWORD: &str = "e2e-Secret-pw1";
/// The superuser every test connects as.
pub(crate) const USER: &str = "rustydb";
/// The database every test connects to.
pub(crate) const DATABASE: &str = "rustydb";
/// How long a server gets to accept connections after start (recovery included).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// What the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The `rusty-db-server` binary of this package.
    RustyDb,
    /// The reference PostgreSQL 15 (`RUSTYDB_E2E_TARGET=postgres`).
    Postgres,
}

/// The target chosen by `RUSTYDB_E2E_TARGET` (default: RustyDB).
pub(crate) fn target() -> Target {
    match std::env::var("RUSTYDB_E2E_TARGET").as_deref() {
        Ok("postgres") => Target::Postgres,
        Ok("rustydb") | Err(_) => Target::RustyDb,
        Ok(other) => panic!("RUSTYDB_E2E_TARGET = {other}: must be rustydb or postgres"),
    }
}

/// How to start a [`Server`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `RUSTYDB_MAX_CONNECTIONS` (PostgreSQL: `max_connections`).
    pub(crate) max_connections: Option<u32>,
    /// Certificate and key files (PEM): TLS on.
    pub(crate) tls: Option<(PathBuf, PathBuf)>,
}

/// One running server over its own data directory; killed when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    /// The PostgreSQL-protocol port on 127.0.0.1.
    pub(crate) port: u16,
    target: Target,
    options: Options,
    /// Holds the data directory, the server's log and scratch files; removed on drop.
    dir: tempfile::TempDir,
    child: Option<Child>,
    starts: u32,
}

impl Server {
    /// Starts a server with default options.
    pub(crate) fn start() -> Server {
        Server::start_with(Options::default())
    }

    /// Starts a server with `options` and waits until it accepts connections.
    pub(crate) fn start_with(options: Options) -> Server {
        let target = target();
        let dir = tempfile::Builder::new()
            .prefix("rustydb-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        let mut server = Server {
            port: free_port(),
            target,
            options,
            dir,
            child: None,
            starts: 0,
        };
        if target == Target::Postgres {
            postgres::init_cluster(server.dir.path());
        }
        server.spawn();
        server
    }

    /// The directory of this server's files (data directory inside it).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Which kind of server this is.
    pub(crate) fn target(&self) -> Target {
        self.target
    }

    /// The process id of the server (PostgreSQL: the postmaster).
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().expect("server is running").id()
    }

    /// A libpq / tokio-postgres key-value connection string, with the password.
    pub(crate) fn conn_str(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user={USER} password={PASSWORD} dbname={DATABASE} connect_timeout=30",
            self.port
        )
    }

    /// The libpq environment for psql, pgbench and psycopg.
    pub(crate) fn libpq_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PGHOST", "127.0.0.1".into()),
            ("PGPORT", self.port.to_string()),
            ("PGUSER", USER.into()),
            ("PGPASSWORD", PASSWORD.into()),
            ("PGDATABASE", DATABASE.into()),
            ("PGCONNECT_TIMEOUT", "30".into()),
            ("PGSSLMODE", "prefer".into()),
            ("PGAPPNAME", "rustydb-e2e".into()),
        ]
    }

    /// A command for client program `name` (psql, pgbench, ...) with the libpq
    /// environment set, run in this server's scratch directory.
    pub(crate) fn client(&self, name: &str) -> Command {
        let mut cmd = Command::new(tool(name));
        for var in [
            "PGSERVICE",
            "PGSERVICEFILE",
            "PGPASSFILE",
            "PGOPTIONS",
            "PSQLRC",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(self.libpq_env()).current_dir(self.dir.path());
        cmd
    }

    /// Runs `sql` with `psql -X -At` (bounded in time) and returns its standard output;
    /// panics with psql's output on any error.
    pub(crate) fn psql_query(&self, sql: &str) -> String {
        let mut cmd = self.client("psql");
        cmd.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]);
        let out = run_bounded(cmd, Duration::from_secs(120));
        assert!(out.success(), "psql -c {sql:?} failed:\n{}", out.describe());
        out.stdout.trim_end().to_string()
    }

    /// SIGKILLs the server and waits for it to be gone (PostgreSQL: the postmaster, then
    /// its children finish on their own).
    pub(crate) fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let children = postgres::children_of(child.id());
            // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
            let _ = child.wait();
            postgres::wait_gone(&children);
        }
    }

    /// Starts the server again on the same data directory and port (after [`Server::kill9`]).
    pub(crate) fn restart(&mut self) {
        assert!(self.child.is_none(), "restart of a running server");
        self.spawn();
    }

    /// The server's log so far (its stdout and stderr), for failure messages.
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the server log");
        let mut cmd = match self.target {
            Target::RustyDb => self.rustydb_command(),
            Target::Postgres => postgres::command(self.dir.path(), self.port, &self.options),
        };
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log);
        let child = cmd.spawn().expect("spawn the server");
        self.child = Some(child);
        self.wait_ready();
        if self.target == Target::Postgres && self.starts == 1 {
            postgres::create_database(self);
        }
    }

    fn rustydb_command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rusty-db-server"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("RUSTYDB_") {
                cmd.env_remove(name);
            }
        }
        cmd.env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .env("RUSTYDB_DATA_DIR", self.data_dir())
            .env("RUSTYDB_LISTEN_ADDRESS", "127.0.0.1")
            .env("RUSTYDB_PORT", self.port.to_string())
            .env("RUSTYDB_GRAPHQL_PORT", free_port().to_string())
            .env("RUSTYDB_AUTH_METHOD", "scram-sha-256")
            .env("RUSTYDB_PASSWORD", PASSWORD)
            // 32 MiB: several test servers may run at once.
            .env("RUSTYDB_BUFFER_POOL_SIZE", "4096")
            .env("RUSTYDB_SHUTDOWN_GRACE", "5");
        if let Some(n) = self.options.max_connections {
            cmd.env("RUSTYDB_MAX_CONNECTIONS", n.to_string());
        }
        if let Some((cert, key)) = &self.options.tls {
            cmd.env("RUSTYDB_TLS_CERT", cert)
                .env("RUSTYDB_TLS_KEY", key);
        }
        cmd
    }

    /// Polls the port until it accepts a TCP connection; panics with the log if the
    /// server exits first or [`READY_TIMEOUT`] passes.
    fn wait_ready(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.child.as_mut().expect("spawned");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                panic!(
                    "the server exited ({status}) before accepting connections; its log:\n{}",
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
                && self.accepts_queries()
            {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "the server did not accept connections on {addr} within {READY_TIMEOUT:?}; its log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Server {
    /// One `SELECT 1` through psql: false only while the server says it is still starting
    /// (SQLSTATE 57P03, e.g. PostgreSQL in crash recovery); any other failure is left to the
    /// test to report.
    fn accepts_queries(&self) -> bool {
        let mut cmd = self.client("psql");
        cmd.args(["-X", "-At", "-c", "SELECT 1"]);
        let out = run_bounded(cmd, Duration::from_secs(30));
        out.success()
            || !(out.stderr.contains("starting up")
                || out.stderr.contains("not yet accepting connections")
                || out.stderr.contains("57P03"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let children = postgres::children_of(child.id());
            let signal = match self.target {
                // Immediate shutdown: the postmaster takes its children down with it.
                Target::Postgres => libc::SIGQUIT,
                Target::RustyDb => libc::SIGKILL,
            };
            // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
            unsafe { libc::kill(child.id() as libc::pid_t, signal) };
            if wait_bounded(&mut child, Duration::from_secs(20)).is_none() {
                // SAFETY: as above.
                unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
                let _ = child.wait();
            }
            postgres::wait_gone(&children);
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

/// Writes a self-signed certificate for 127.0.0.1 / localhost and its private key (PEM)
/// into `dir` with the openssl command-line tool; returns (cert, key).
pub(crate) fn self_signed_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    let mut cmd = Command::new(tool("openssl"));
    cmd.args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ])
    .arg("-keyout")
    .arg(&key)
    .arg("-out")
    .arg(&cert)
    .args(["-days", "2", "-subj", "/CN=localhost"])
    .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    .args(["-addext", "basicConstraints=critical,CA:FALSE"]);
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(out.success(), "openssl req failed:\n{}", out.describe());
    (cert, key)
}

/// A small tokio runtime for one test.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build a tokio runtime")
}

/// Connects with tokio-postgres (no TLS) and drives the connection on the runtime.
pub(crate) async fn connect(
    conn_str: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(conn_str, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The SQLSTATE of a tokio-postgres error, or a description when it has none.
pub(crate) fn sqlstate(e: &tokio_postgres::Error) -> String {
    match e.code() {
        Some(code) => code.code().to_string(),
        None => format!("no SQLSTATE ({e})"),
    }
}
