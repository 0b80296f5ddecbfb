//! The reference target: a throwaway PostgreSQL 15 cluster, used when
//! `RUSTYDB_E2E_TARGET=postgres` to check that the end-to-end tests expect what PostgreSQL
//! does. The cluster lives in the server's temporary directory, runs as the `postgres` OS
//! user (PostgreSQL refuses root) with SCRAM authentication, superuser `rustydb` and a
//! database `rustydb`, like a fresh RustyDB data directory.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{DATABASE, Options, PASSWORD, Server, USER, run_bounded, tool};

/// uid and gid of the `postgres` OS user.
fn postgres_ids() -> (u32, u32) {
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("no postgres OS user: install the postgresql package");
    let fields: Vec<&str> = line.split(':').collect();
    (
        fields[2].parse().expect("uid"),
        fields[3].parse().expect("gid"),
    )
}

/// A command run as the `postgres` user.
fn as_postgres(program: &str) -> Command {
    let (uid, gid) = postgres_ids();
    let mut cmd = Command::new(tool(program));
    cmd.uid(uid).gid(gid).env_remove("PGDATA");
    cmd
}

/// Gives the temporary directory (and what is in it) to the postgres user.
fn chown_tree(dir: &Path) {
    let (uid, gid) = postgres_ids();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown to postgres");
        if path.is_dir() {
            for entry in fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("dir entry").path());
            }
        }
    }
}

/// initdb into `<dir>/data` with SCRAM and the superuser `rustydb`.
pub(crate) fn init_cluster(dir: &Path) {
    let pwfile = dir.join("pwfile");
    fs::write(&pwfile, PASSWORD).expect("write pwfile");
    chown_tree(dir);
    let mut cmd = as_postgres("initdb");
    cmd.arg("-D")
        .arg(dir.join("data"))
        .args(["-A", "scram-sha-256", "-U", USER, "-E", "UTF8", "--no-sync"])
        .arg(format!("--pwfile={}", pwfile.display()));
    let out = run_bounded(cmd, Duration::from_secs(120));
    assert!(out.success(), "initdb failed:\n{}", out.describe());
}

/// The postmaster command for the cluster in `dir`.
pub(crate) fn command(dir: &Path, port: u16, options: &Options) -> Command {
    let mut cmd = as_postgres("postgres");
    cmd.arg("-D")
        .arg(dir.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "superuser_reserved_connections=0",
        ])
        .args(["-c", "shared_buffers=32MB", "-c", "fsync=on"]);
    if let Some(n) = options.max_connections {
        cmd.arg("-c").arg(format!("max_connections={n}"));
    }
    if let Some((cert, key)) = &options.tls {
        // PostgreSQL wants its key owned by itself and private.
        let own_key = dir.join("pg-server.key");
        fs::copy(key, &own_key).expect("copy the key");
        fs::set_permissions(&own_key, fs::Permissions::from_mode(0o600)).expect("chmod key");
        chown_tree(dir);
        cmd.args(["-c", "ssl=on"])
            .arg("-c")
            .arg(format!("ssl_cert_file={}", cert.display()))
            .arg("-c")
            .arg(format!("ssl_key_file={}", own_key.display()));
    }
    cmd.current_dir(dir);
    cmd
}

/// Creates the database `rustydb` (a fresh RustyDB data directory has it).
pub(crate) fn create_database(server: &Server) {
    let mut cmd = server.client("psql");
    cmd.args(["-X", "-q", "-d", "postgres", "-c"])
        .arg(format!("CREATE DATABASE {DATABASE}"));
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(out.success(), "CREATE DATABASE failed:\n{}", out.describe());
}

/// The processes whose parent is `pid` (a postmaster's backends and helpers).
pub(crate) fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces.
            fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = &stat[stat.rfind(')')? + 1..];
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// After the postmaster died: waits (bounded) until its former children are gone too, so
/// that a restart does not find their shared memory still attached.
pub(crate) fn wait_gone(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline
        && pids
            .iter()
            .any(|p| Path::new(&format!("/proc/{p}")).exists())
    {
        std::thread::sleep(Duration::from_millis(50));
    }
}
