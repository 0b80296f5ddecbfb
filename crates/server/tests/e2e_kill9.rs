//! kill -9 of the real `rusty-db-server` binary in the middle of a pgbench run, then a
//! restart on the same data directory: no acknowledged commit may be lost and the TPC-B
//! balance invariant must hold.
//!
//! The pgbench script (`tests/e2e/pgbench_tpcb_tracked.sql`) is TPC-B plus one row in
//! `e2e_acks` per transaction: (round, client, that client's transaction number). pgbench
//! logs every transaction whose COMMIT it got an answer to (`-l`, one line per transaction,
//! the client id first). For each client with k logged transactions, the table must hold
//! exactly the numbers 1..m with m = k or k + 1 (the one transaction in flight at the kill
//! may have committed without its acknowledgement reaching the client).

mod e2e_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e_support::pgbench::{assert_balanced, init};
use e2e_support::{Server, spawn_captured};

const ROUNDS: u32 = 5;
const CLIENTS: u32 = 4;
/// Transactions of the round that must be committed before the kill.
const COMMITTED_BEFORE_KILL: u64 = 100;

/// Committed transactions per client in pgbench's per-transaction logs `<prefix>.*`.
/// A line is `client_id transaction_no latency_us script_no epoch_s epoch_us`; a failed
/// or skipped transaction has `failed` / `skipped` instead of a latency.
fn logged_commits(dir: &Path, prefix: &str) -> BTreeMap<u32, u64> {
    let mut per_client = BTreeMap::new();
    let mut files = 0;
    for entry in fs::read_dir(dir).expect("read the log directory") {
        let path = entry.expect("entry").path();
        if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!("{prefix}.")))
        {
            continue;
        }
        files += 1;
        for line in fs::read_to_string(&path)
            .expect("read a pgbench log")
            .lines()
        {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert!(
                fields.len() >= 6,
                "unexpected pgbench log line {line:?} in {}",
                path.display()
            );
            if fields[2].parse::<u64>().is_ok() {
                *per_client
                    .entry(fields[0].parse().expect("client id"))
                    .or_insert(0) += 1;
            }
        }
    }
    assert!(
        files > 0,
        "pgbench wrote no per-transaction log named {prefix}.* in {}",
        dir.display()
    );
    per_client
}

/// 0 to 999 ms, from the clock: where in the run the kill lands varies between rounds.
fn jitter() -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_millis(u64::from(nanos % 1000))
}

#[test]
fn kill9_during_pgbench_loses_no_acknowledged_commit() {
    let mut server = Server::start();
    // Data generated server-side (INSERT ... SELECT generate_series): this test is about
    // durability; e2e_pgbench covers pgbench's default client-side COPY initialisation.
    init(&server, 1, Some("dtGvp"));
    server.psql_query(
        "CREATE TABLE e2e_acks (round integer, client_id integer, seq integer, PRIMARY KEY (round, client_id, seq))",
    );
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/pgbench_tpcb_tracked.sql");
    let logs = tempfile::tempdir().expect("log directory");

    for round in 1..=ROUNDS {
        let prefix = format!("round{round}");
        let mut cmd = server.client("pgbench");
        cmd.args(["-n", "-c", &CLIENTS.to_string(), "-T", "120", "-l"])
            .arg(format!(
                "--log-prefix={}",
                logs.path().join(&prefix).display()
            ))
            .args(["-D", &format!("round={round}"), "-D", "seq=0", "-f"])
            .arg(&script);
        let mut bench = spawn_captured(cmd);

        // Wait (bounded) until the round has committed some transactions, then kill.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if !bench.is_running() {
                panic!(
                    "pgbench ended before the kill:\n{}",
                    bench.finish(Duration::ZERO).describe()
                );
            }
            let done: u64 = server
                .psql_query(&format!(
                    "SELECT count(*) FROM e2e_acks WHERE round = {round}"
                ))
                .parse()
                .expect("count");
            if done >= COMMITTED_BEFORE_KILL {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: only {done} transactions in 120 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(jitter());
        if !bench.is_running() {
            panic!(
                "pgbench ended before the kill:\n{}",
                bench.finish(Duration::ZERO).describe()
            );
        }
        server.kill9();
        let out = bench.finish(Duration::from_secs(60));
        assert!(
            out.status.is_some(),
            "pgbench did not end after the server died:\n{}",
            out.describe()
        );

        server.restart();
        let acked = logged_commits(logs.path(), &prefix);
        assert!(
            !acked.is_empty(),
            "round {round}: pgbench logged no commit:\n{}",
            out.describe()
        );
        let rows = server.psql_query(&format!(
            "SELECT client_id, count(*), min(seq), max(seq) FROM e2e_acks WHERE round = {round} GROUP BY client_id"
        ));
        let mut stored: BTreeMap<u32, (u64, u64, u64)> = BTreeMap::new();
        for line in rows.lines() {
            let f: Vec<u64> = line
                .split('|')
                .map(|v| v.parse().expect("number"))
                .collect();
            stored.insert(f[0] as u32, (f[1], f[2], f[3]));
        }
        for (client, &k) in &acked {
            let (count, min, max) = stored.get(client).copied().unwrap_or((0, 0, 0));
            assert!(
                count >= k,
                "round {round}, client {client}: pgbench got {k} commits acknowledged but only {count} are in \
                 e2e_acks after the restart (acknowledged commits lost)\nserver log:\n{}",
                server.log()
            );
            assert!(
                count <= k + 1 && min == 1 && max == count,
                "round {round}, client {client}: {k} acknowledged, table holds {count} rows with seq {min}..{max}; \
                 expected exactly 1..k or 1..k+1"
            );
        }
        for (client, &(count, _, _)) in &stored {
            assert!(
                acked.contains_key(client) || count <= 1,
                "round {round}, client {client}: no acknowledged commit but {count} rows in e2e_acks"
            );
        }
        let applied = assert_balanced(
            &server,
            &format!("after kill -9 and restart, round {round}"),
        );
        eprintln!(
            "round {round}: acknowledged commits per client {acked:?}, rows per client {:?}, \
             {applied} TPC-B transactions applied in all",
            stored
                .iter()
                .map(|(c, v)| (*c, v.0))
                .collect::<BTreeMap<_, _>>()
        );
    }
}
