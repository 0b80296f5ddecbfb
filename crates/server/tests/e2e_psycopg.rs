//! psycopg 3 (Python, through libpq) against the real `rusty-db-server` binary: the checks
//! are in `tests/e2e/psycopg_check.py` (parameters, executemany, typed fetches, rollback,
//! SQLSTATE exceptions, COPY with `cursor.copy()`). It runs with Debian's /usr/bin/python3
//! and python3-psycopg, which scripts/test.sh installs.

mod e2e_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use e2e_support::{Server, run_bounded};

#[test]
fn psycopg_types_transactions_errors_and_copy() {
    let python = PathBuf::from("/usr/bin/python3");
    assert!(
        python.is_file(),
        "/usr/bin/python3 is missing: install python3-psycopg (scripts/test.sh does)"
    );
    let mut probe = Command::new(&python);
    probe.args(["-c", "import psycopg"]);
    let out = run_bounded(probe, Duration::from_secs(60));
    assert!(
        out.success(),
        "psycopg is not importable: apt-get install python3-psycopg\n{}",
        out.describe()
    );

    let server = Server::start();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/psycopg_check.py");
    let mut cmd = Command::new(&python);
    cmd.arg(script)
        .envs(server.libpq_env())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run_bounded(cmd, Duration::from_secs(180));
    assert!(out.success(), "psycopg checks failed:\n{}", out.describe());
    let last = out.stdout.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" checks passed") && !last.starts_with("0 "),
        "the script must end with its count of checks:\n{}",
        out.describe()
    );
}
