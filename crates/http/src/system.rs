//! Process metrics from `/proc/self` (Linux), for GraphQL's `systemMetrics` and
//! `/metrics`.
//!
//! - CPU: `utime + stime` from `/proc/self/stat` in clock ticks (`sysconf(_SC_CLK_TCK)`).
//!   `cpu_percent` is the CPU time used between this call and the previous one divided by
//!   the wall time between them (100 = one core busy; over 100 on several cores, as
//!   `top` shows it); the first call in a process averages since the process started.
//! - Memory: `VmRSS` and `VmSize` from `/proc/self/status`; `Threads` from there too.
//! - Disk: `read_bytes` / `write_bytes` from `/proc/self/io` (what reached the block
//!   layer, not page-cache hits).
//! - Open file descriptors: the entries of `/proc/self/fd`.
//! - Network: Linux keeps no per-process socket byte counters, so the fields are the
//!   totals of every interface (loopback included) of the process's network
//!   *namespace* from `/proc/self/net/dev`, and are named so: on a shared host they
//!   include other processes' traffic.
//!
//! A file that cannot be read (another OS, a locked-down `/proc`) leaves its fields
//! `None` rather than a made-up zero.

use std::sync::OnceLock;
use std::time::Instant;

use parking_lot::Mutex;
use serde::Serialize;

/// The process's resource use now. See the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessMetrics {
    /// CPU use since the previous call, percent of one core.
    pub cpu_percent: Option<f64>,
    /// User plus system CPU time since the process started, seconds.
    pub cpu_seconds: Option<f64>,
    /// Resident set size, bytes.
    pub memory_rss_bytes: Option<u64>,
    /// Virtual memory size, bytes.
    pub memory_virtual_bytes: Option<u64>,
    /// Bytes the process caused to be read from storage.
    pub disk_read_bytes: Option<u64>,
    /// Bytes the process caused to be written to storage.
    pub disk_written_bytes: Option<u64>,
    /// Bytes received by every interface of the process's network namespace.
    pub net_namespace_rx_bytes: Option<u64>,
    /// Bytes sent by every interface of the process's network namespace.
    pub net_namespace_tx_bytes: Option<u64>,
    /// Threads of the process.
    pub threads: Option<u64>,
    /// Open file descriptors.
    pub open_fds: Option<u64>,
}

/// The previous call's (time, CPU seconds), for `cpu_percent`.
static LAST_CPU: OnceLock<Mutex<Option<(Instant, f64)>>> = OnceLock::new();

/// Reads the process's metrics now.
pub fn process_metrics() -> ProcessMetrics {
    let stat = read("/proc/self/stat").and_then(|s| parse_stat(&s));
    let status = read("/proc/self/status");
    let io = read("/proc/self/io");
    let net = read("/proc/self/net/dev").and_then(|s| parse_net_dev(&s));
    let cpu_seconds = stat.map(|s| s.cpu_ticks as f64 / clock_ticks());
    let cpu_percent = cpu_seconds.and_then(|cpu| cpu_percent(cpu, stat.map(|s| s.start_ticks)));
    let kb = |key: &str| {
        status
            .as_deref()
            .and_then(|s| field(s, key))
            .map(|v| v * 1024)
    };
    ProcessMetrics {
        cpu_percent,
        cpu_seconds,
        memory_rss_bytes: kb("VmRSS:"),
        memory_virtual_bytes: kb("VmSize:"),
        disk_read_bytes: io.as_deref().and_then(|s| field(s, "read_bytes:")),
        disk_written_bytes: io.as_deref().and_then(|s| field(s, "write_bytes:")),
        net_namespace_rx_bytes: net.map(|n| n.0),
        net_namespace_tx_bytes: net.map(|n| n.1),
        threads: status.as_deref().and_then(|s| field(s, "Threads:")),
        open_fds: std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| d.count() as u64),
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

fn cpu_percent(cpu: f64, start_ticks: Option<u64>) -> Option<f64> {
    let now = Instant::now();
    let mut last = LAST_CPU.get_or_init(|| Mutex::new(None)).lock();
    let pct = match *last {
        Some((at, before)) => {
            let wall = now.duration_since(at).as_secs_f64();
            (wall > 0.0).then(|| (cpu - before).max(0.0) / wall * 100.0)
        }
        None => {
            // Since the process started: /proc/uptime minus the start time.
            let uptime: f64 = read("/proc/uptime")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            // Both are in clock ticks (1/100 s): a process younger than a tick can read
            // as zero or negative age, so count at least one tick.
            let tick = 1.0 / clock_ticks();
            let alive = (uptime - start_ticks? as f64 * tick).max(tick);
            Some(cpu / alive * 100.0)
        }
    };
    *last = Some((now, cpu));
    pct
}

/// The fields of `/proc/self/stat` used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    /// utime + stime.
    cpu_ticks: u64,
    /// starttime, ticks after boot.
    start_ticks: u64,
}

fn parse_stat(s: &str) -> Option<Stat> {
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): field n is f[n - 3].
    let n = |i: usize| f.get(i - 3)?.parse::<u64>().ok();
    Some(Stat {
        cpu_ticks: n(14)? + n(15)?,
        start_ticks: n(22)?,
    })
}

/// The number after `key` on its line (`VmRSS:   1234 kB` -> 1234).
fn field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// (received, sent) bytes summed over every interface of `/proc/net/dev`.
fn parse_net_dev(text: &str) -> Option<(u64, u64)> {
    let mut rx = 0u64;
    let mut tx = 0u64;
    let mut any = false;
    for line in text.lines().skip(2) {
        let Some((_, counters)) = line.split_once(':') else {
            continue;
        };
        let c: Vec<u64> = counters
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        if let (Some(r), Some(t)) = (c.first(), c.get(8)) {
            rx = rx.saturating_add(*r);
            tx = tx.saturating_add(*t);
            any = true;
        }
    }
    any.then_some((rx, tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 7 0 \
                    12345 1000000 500 18446744073709551615";
        assert_eq!(
            parse_stat(stat),
            Some(Stat {
                cpu_ticks: 300,
                start_ticks: 12345
            })
        );
        let status = "Name:\tx\nVmSize:\t  2048 kB\nVmRSS:\t   512 kB\nThreads:\t9\n";
        assert_eq!(field(status, "VmRSS:"), Some(512));
        assert_eq!(field(status, "Threads:"), Some(9));
        assert_eq!(field(status, "Missing:"), None);
        let dev = "Inter-|   Receive                                                |  Transmit\n \
                   face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
                   lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n  \
                   eth0: 2000 20 0 0 0 0 0 0 3000 30 0 0 0 0 0 0\n";
        assert_eq!(parse_net_dev(dev), Some((3000, 4000)));
    }

    #[test]
    fn reads_this_process() {
        let m = process_metrics();
        assert!(m.cpu_seconds.is_some_and(|c| c >= 0.0));
        assert!(m.memory_rss_bytes.is_some_and(|b| b > 0));
        assert!(m.memory_virtual_bytes >= m.memory_rss_bytes);
        assert!(m.threads.is_some_and(|t| t >= 1));
        assert!(m.open_fds.is_some_and(|n| n >= 3));
        assert!(m.cpu_percent.is_some_and(|p| p >= 0.0));
        let again = process_metrics();
        assert!(again.cpu_seconds >= m.cpu_seconds);
    }
}
