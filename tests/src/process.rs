//! A child process under test: its stdout is read line by line by a thread, so the parent
//! can wait for acknowledgements and collect every line printed before the kill.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long to wait for a line before calling the child hung. A guard against hangs, not
/// a timing assertion: a healthy child prints within milliseconds.
pub const HANG_LIMIT: Duration = Duration::from_secs(60);

/// A running child and the lines it printed so far.
#[derive(Debug)]
pub struct Child {
    process: std::process::Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Child {
    /// Starts `exe` with `args`, stdout piped to us, stderr passed through.
    pub fn spawn(exe: &Path, args: &[String]) -> Child {
        let mut process = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stdout = process.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Child {
            process,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until the child prints a line for which `pred` holds (`true`), or its output
    /// ends (`false`: it exited). Panics if it prints nothing for [`HANG_LIMIT`].
    pub fn wait_for_line(&mut self, pred: impl Fn(&str) -> bool) -> bool {
        if self.seen.iter().any(|l| pred(l)) {
            return true;
        }
        let mut last = Instant::now();
        loop {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    last = Instant::now();
                    let hit = pred(&line);
                    self.seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    assert!(
                        last.elapsed() < HANG_LIMIT,
                        "the child printed nothing for {HANG_LIMIT:?}; last lines: {:?}",
                        self.seen.iter().rev().take(5).collect::<Vec<_>>()
                    );
                }
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }

    /// Kills the child with SIGKILL, reaps it, and returns every line it printed. Panics
    /// if it had exited by itself (a failure inside the child).
    pub fn kill(mut self) -> Vec<String> {
        // `Child::kill` sends SIGKILL on Unix.
        let _ = self.process.kill();
        let status = self.process.wait().expect("waiting for the child");
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "the child exited by itself ({status}) instead of being killed; its stderr is above"
        );
        // The pipe is closed now, so this ends once the reader has passed on everything.
        while let Ok(line) = self.lines.recv() {
            self.seen.push(line);
        }
        self.seen
    }
}
