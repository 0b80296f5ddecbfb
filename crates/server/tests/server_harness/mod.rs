//! Starting the real `rusty-db-server` binary in tests: free ports, a temporary working
//! directory, captured stdout and stderr, and waits that are bounded in time.

#![allow(dead_code)] // Each test file uses a different part of the harness.

pub(crate) mod http;

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait for anything the server does.
pub(crate) const WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// How to start a server: a working directory, flags and environment.
pub(crate) struct Launch {
    /// The working directory (a temporary directory by default).
    pub(crate) cwd: PathBuf,
    /// Flags after the binary's name.
    pub(crate) args: Vec<String>,
    /// `RUSTYDB_*` and other variables; the parent's `RUSTYDB_*` and `RUST_LOG` are
    /// removed first.
    pub(crate) env: Vec<(String, String)>,
}

impl Launch {
    /// A launch in `cwd` with no flags, a small buffer pool and a free HTTP port
    /// (`RUSTYDB_GRAPHQL_PORT`, so that servers of concurrent tests do not all want 8080;
    /// `--graphql-port` overrides it).
    pub(crate) fn new(cwd: &Path) -> Launch {
        Launch {
            cwd: cwd.to_path_buf(),
            args: Vec::new(),
            env: vec![
                ("RUSTYDB_BUFFER_POOL_SIZE".into(), "256".into()),
                ("RUSTYDB_GRAPHQL_PORT".into(), free_port().to_string()),
            ],
        }
    }

    /// Adds flags.
    pub(crate) fn args<I, S>(mut self, args: I) -> Launch
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Launch {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Starts the process.
    pub(crate) fn spawn(&self) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rusty-db-server"));
        cmd.current_dir(&self.cwd)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            let n = name.to_string_lossy();
            if n.starts_with("RUSTYDB_") || n == "RUST_LOG" {
                cmd.env_remove(&name);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = capture(child.stdout.take().unwrap());
        let stderr = capture(child.stderr.take().unwrap());
        Server {
            child,
            stdout,
            stderr,
            status: None,
        }
    }

    /// Starts the process and waits until it exits; for start-up failures.
    pub(crate) fn run_to_exit(&self) -> Server {
        let mut server = self.spawn();
        server.wait_exit();
        server
    }
}

fn capture<R: Read + Send + 'static>(mut pipe: R) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

/// A running (or exited) server process. Killed on drop if still running.
pub(crate) struct Server {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    status: Option<ExitStatus>,
}

impl Server {
    /// Everything printed on stdout so far.
    pub(crate) fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Everything printed on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until stderr contains `needle`; panics if the process exits first or after
    /// [`WAIT`].
    pub(crate) fn wait_for_stderr(&mut self, needle: &str) {
        let start = Instant::now();
        while !self.stderr().contains(needle) {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads drain the pipes.
                thread::sleep(Duration::from_millis(200));
                panic!(
                    "server exited ({status}) before printing {needle:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            assert!(
                start.elapsed() < WAIT,
                "no {needle:?} after {WAIT:?}\nstderr:\n{}",
                self.stderr()
            );
            thread::sleep(POLL);
        }
    }

    /// Waits until the server logs that it is ready.
    pub(crate) fn wait_ready(&mut self) {
        self.wait_for_stderr("ready to accept connections");
    }

    /// Waits until the HTTP API can reach the database.
    pub(crate) fn wait_http_ready(&mut self) {
        self.wait_for_stderr("HTTP API ready on http://");
    }

    /// Sends a signal.
    pub(crate) fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// Waits for the process to exit (killing it after [`WAIT`]) and returns its status;
    /// the output pipes are drained.
    pub(crate) fn wait_exit(&mut self) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > WAIT {
                let _ = self.child.kill();
                panic!(
                    "server did not exit within {WAIT:?}\nstderr:\n{}",
                    self.stderr()
                );
            }
            thread::sleep(POLL);
        };
        // The readers stop at end of file, which follows exit closely.
        let drained = Instant::now();
        let reading =
            |s: &Server| Arc::strong_count(&s.stderr) > 1 || Arc::strong_count(&s.stdout) > 1;
        while reading(self) && drained.elapsed() < Duration::from_secs(5) {
            thread::sleep(Duration::from_millis(10));
        }
        self.status = Some(status);
        status
    }

    /// SIGTERM, then the exit status.
    pub(crate) fn stop(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait_exit()
    }

    /// The lines of stderr the server printed itself (`rusty-db-server: ...`), not log
    /// lines.
    pub(crate) fn own_stderr_lines(&self) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| l.starts_with("rusty-db-server: "))
            .map(str::to_string)
            .collect()
    }

    /// Asserts a failed start: exit status 1, exactly one line of our own on stderr,
    /// starting with `code`, and no panic or backtrace; returns the line.
    pub(crate) fn assert_failed_with(&mut self, code: &str) -> String {
        let status = self.wait_exit();
        let stderr = self.stderr();
        assert_eq!(status.code(), Some(1), "stderr:\n{stderr}");
        let lines = self.own_stderr_lines();
        assert_eq!(lines.len(), 1, "stderr:\n{stderr}");
        let line = lines[0].clone();
        assert!(
            line.starts_with(&format!("rusty-db-server: {code}: ")),
            "{line}"
        );
        assert!(line.contains("(hint: "), "{line}");
        for bad in ["panicked", "backtrace", "DbError {", "RUST_BACKTRACE"] {
            assert!(!stderr.contains(bad), "{bad} in stderr:\n{stderr}");
        }
        line
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A data directory and working directory for one test, plus its ports.
pub(crate) struct Site {
    /// Kept for its lifetime: the directory is removed on drop.
    pub(crate) dir: tempfile::TempDir,
    /// The PostgreSQL port.
    pub(crate) port: u16,
    /// The HTTP port (REST, GraphQL, /health, /metrics).
    pub(crate) http_port: u16,
}

impl Site {
    /// A fresh temporary directory and two free ports.
    pub(crate) fn new() -> Site {
        Site {
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
            http_port: free_port(),
        }
    }

    /// The data directory, `<dir>/data`, not created yet.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A launch on this site's data directory and ports, in its directory.
    pub(crate) fn launch(&self) -> Launch {
        Launch::new(self.dir.path()).args([
            "--data-dir".to_string(),
            self.data_dir().display().to_string(),
            "--port".to_string(),
            self.port.to_string(),
            "--graphql-port".to_string(),
            self.http_port.to_string(),
        ])
    }
}
