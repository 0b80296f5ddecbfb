//! Shared code of the HTTP tool tests (`tests/http_tools.rs`): finding an outside tool
//! (skipping loudly, or failing under `RUSTYDB_REQUIRE_TOOLS`, when it is missing), a
//! server started on free ports with its HTTP listener ready (requests go through the
//! harness's HTTP client), an API token made over the PostgreSQL protocol, and the
//! artifacts directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Finished, run_bounded, spawn_captured};
use crate::server_harness::http::Response;
use crate::server_harness::{Server, Site, WAIT};

/// The superuser the server bootstraps, and its database.
pub(crate) const SUPERUSER: &str = "rustydb";

/// Returns `found`, or reports the missing tool: a panic when `RUSTYDB_REQUIRE_TOOLS` is
/// set (scripts/test.sh sets it, so CI never skips), else a loud line on the real stderr
/// (not the captured test output) and `None`, and the test returns early.
pub(crate) fn require_tool(test: &str, tool: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_some() {
        return found;
    }
    let install = "run scripts/test.sh, which installs it";
    let required = std::env::var("RUSTYDB_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{test}: {tool} not found and RUSTYDB_REQUIRE_TOOLS is set ({install})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED {test}: {tool} not found ({install}; set RUSTYDB_REQUIRE_TOOLS=1 to \
         make this a failure) ***\n"
    );
    None
}

/// The first of `candidates` that is an executable file, else `name` on PATH.
pub(crate) fn find_program(name: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect())
        .unwrap_or_default();
    candidates
        .iter()
        .chain(on_path.iter())
        .find(|p| p.is_file())
        .cloned()
}

/// `target/test-artifacts` (next to the `debug` directory holding the server binary),
/// created; screenshots and reports are kept there, outside the source tree.
pub(crate) fn artifacts_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_rusty-db-server"));
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the server binary lives in <target>/<profile>/")
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// A running server, its site (directory and ports) kept alive with it.
pub(crate) struct Live {
    /// The server process; killed when dropped.
    pub(crate) server: Server,
    /// Its directory and ports.
    pub(crate) site: Site,
}

impl Live {
    /// Starts a server on 127.0.0.1 with `trust` PostgreSQL auth and `env` on top, waits
    /// until it accepts connections and `GET /health/ready` answers 200 (bounded).
    pub(crate) fn start(env: &[(&str, &str)]) -> Live {
        let site = Site::new();
        let mut launch = site
            .launch()
            .env("RUSTYDB_LISTEN_ADDRESS", "127.0.0.1")
            .env("RUSTYDB_AUTH_METHOD", "trust")
            .env("RUSTYDB_BUFFER_POOL_SIZE", "4096")
            .env("RUSTYDB_SHUTDOWN_GRACE", "5");
        for (name, value) in env {
            launch = launch.env(name, value);
        }
        let mut server = launch.spawn();
        server.wait_ready();
        server.wait_http_ready();
        let live = Live { server, site };
        let ready = live.get("/health/ready", None);
        assert_eq!(ready.status, 200, "GET /health/ready: {ready:?}");
        live
    }

    /// `http://127.0.0.1:<http port>`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.site.http_port)
    }

    /// One GET, with a bearer token when given (the harness's HTTP client).
    pub(crate) fn get(&self, path: &str, token: Option<&str>) -> Response {
        crate::server_harness::http::get(self.site.http_port, path, token)
    }

    /// Runs `sql` with `psql -X -At -v ON_ERROR_STOP=1` as the superuser (bounded) and
    /// returns its output; panics with psql's output on failure.
    pub(crate) fn psql(&self, sql: &str) -> String {
        let out = self.psql_result(sql);
        assert!(out.success(), "psql -c {sql:?} failed:\n{}", out.describe());
        out.stdout
    }

    /// Runs `sql` with `psql -X -At -v ON_ERROR_STOP=1` as the superuser (bounded).
    pub(crate) fn psql_result(&self, sql: &str) -> Finished {
        let mut cmd = Command::new(crate::process::tool("psql"));
        for var in [
            "PGSERVICE",
            "PGSERVICEFILE",
            "PGPASSFILE",
            "PGOPTIONS",
            "PSQLRC",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs([
            ("PGHOST", "127.0.0.1".to_string()),
            ("PGPORT", self.site.port.to_string()),
            ("PGUSER", SUPERUSER.to_string()),
            ("PGDATABASE", SUPERUSER.to_string()),
            ("PGCONNECT_TIMEOUT", "30".to_string()),
            ("PGSSLMODE", "disable".to_string()),
        ])
        .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]);
        run_bounded(cmd, Duration::from_secs(120))
    }

    /// Issues an API token for the superuser the way `rustydb-admin create-api-token`
    /// does: the statements of `rustydb_common::api_token` over the PostgreSQL protocol.
    pub(crate) fn create_token(&self, description: &str) -> String {
        use rustydb_common::api_token::{ApiToken, CREATE_SQL, INSERT_SQL};
        let token = ApiToken::generate();
        let conn = format!(
            "host=127.0.0.1 port={} user={SUPERUSER} dbname={SUPERUSER} connect_timeout=30",
            self.site.port
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async {
            let work = async {
                let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
                    .await
                    .expect("connect as the superuser");
                tokio::spawn(connection);
                for sql in CREATE_SQL {
                    client.batch_execute(sql).await.expect(sql);
                }
                let expiry: Option<i64> = None;
                let rows = client
                    .query(
                        INSERT_SQL,
                        &[
                            &token.id(),
                            &SUPERUSER,
                            &token.secret_hash(),
                            &expiry,
                            &"http_tools test",
                            &description,
                        ],
                    )
                    .await
                    .expect("insert the API token");
                assert_eq!(
                    rows.len(),
                    1,
                    "INSERT ... RETURNING gave {} rows",
                    rows.len()
                );
            };
            tokio::time::timeout(WAIT, work)
                .await
                .expect("creating the API token timed out");
        });
        token.to_string()
    }
}

/// Runs `program args...` with `input` on its standard input (a file, through `sh -c
/// 'exec ... < file'`, since [`spawn_captured`] gives children no stdin), killed after
/// `timeout`.
pub(crate) fn run_with_stdin(
    program: &Path,
    args: &[&str],
    input: &[u8],
    timeout: Duration,
) -> Finished {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("stdin");
    std::fs::write(&path, input).expect("write the input file");
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("exec \"$0\" \"$@\" < \"$RUSTYDB_TEST_STDIN\"")
        .arg(program)
        .args(args)
        .env("RUSTYDB_TEST_STDIN", &path);
    spawn_captured(cmd).finish(timeout)
}
