//! Child processes for the end-to-end tests: finding the PostgreSQL client programs and
//! running a program with a deadline, its output captured in files (no pipe can fill up and
//! block it).

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `name` on PATH, else under /usr/lib/postgresql/*/bin (newest version first); panics
/// naming what to install when it is nowhere.
pub(crate) fn tool(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    let mut versions: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    for version in versions.iter().rev() {
        let candidate = version.join("bin").join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "{name} not found on PATH nor under /usr/lib/postgresql/*/bin: install postgresql-client, \
         postgresql and openssl (scripts/test.sh does)"
    );
}

/// A finished (or timed-out and killed) program.
#[derive(Debug)]
pub(crate) struct Finished {
    /// Its exit status; `None` when it ran past its deadline and was killed.
    pub(crate) status: Option<ExitStatus>,
    /// Everything it wrote to standard output.
    pub(crate) stdout: String,
    /// Everything it wrote to standard error.
    pub(crate) stderr: String,
    /// What was run, for messages.
    pub(crate) command: String,
}

impl Finished {
    /// Exited on its own with status 0.
    pub(crate) fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The command, its status and both outputs, for a failure message.
    pub(crate) fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => s.to_string(),
            None => "killed after its deadline".to_string(),
        };
        format!(
            "command: {}\nstatus: {status}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.stdout, self.stderr
        )
    }
}

/// A program started in the background with [`spawn_captured`].
#[derive(Debug)]
pub(crate) struct Running {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    command: String,
    _dir: tempfile::TempDir,
}

impl Running {
    /// Still running?
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits up to `timeout` for it to exit, then kills it; returns what it printed.
    pub(crate) fn finish(mut self, timeout: Duration) -> Finished {
        let status = wait_bounded(&mut self.child, timeout);
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        Finished {
            status,
            stdout: fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: fs::read_to_string(&self.stderr).unwrap_or_default(),
            command: self.command.clone(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `cmd` with its outputs captured in temporary files.
pub(crate) fn spawn_captured(mut cmd: Command) -> Running {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let stdout = dir.path().join("stdout");
    let stderr = dir.path().join("stderr");
    let command = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create(&stdout).expect("create stdout file"))
        .stderr(fs::File::create(&stderr).expect("create stderr file"));
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command}: {e}"));
    Running {
        child,
        stdout,
        stderr,
        command,
        _dir: dir,
    }
}

/// Runs `cmd` to completion, killing it after `timeout`.
pub(crate) fn run_bounded(cmd: Command, timeout: Duration) -> Finished {
    spawn_captured(cmd).finish(timeout)
}

/// Waits up to `timeout` for `child` to exit; `None` if it is still running.
pub(crate) fn wait_bounded(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => return None,
        }
    }
}
