//! Bank transfers killed mid-flight: a child process runs transfers from four threads at
//! random isolation levels and acknowledges each commit; the test kills it with SIGKILL
//! at a random moment, recovers the data directory in-process, and checks that the
//! accounts still add up, that every worker's acknowledged transfers are durable (its
//! counter is at least the last acknowledged value, and at most one more: the transfer in
//! flight), and that `verify_integrity` finds every page sound. Repeated [`ROUNDS`] times
//! on the same directory. Set `BANK_KILL_SEED` to replay a run's choices.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rustydb_storage::{HeapFile, Storage};
use rustydb_tests::bank::{self, ACCOUNTS, COUNTER_BASE, TOTAL, WORKERS};
use rustydb_tests::process::Child;
use rustydb_txn::TxnManager;

const ROUNDS: u32 = 12;

/// The last counter value each worker acknowledged.
fn acknowledged(lines: &[String]) -> HashMap<u32, i64> {
    let mut acks = HashMap::new();
    for line in lines {
        let mut words = line.split_whitespace();
        let (Some("ACK"), Some(w), Some(c)) = (words.next(), words.next(), words.next()) else {
            panic!("unexpected line from the child: {line:?}");
        };
        let (w, c): (u32, i64) = (w.parse().unwrap(), c.parse().unwrap());
        let last = acks.entry(w).or_insert(c);
        assert!(c >= *last, "worker {w} acknowledged {c} after {last}");
        *last = c;
    }
    acks
}

/// Recovers the directory and returns every worker's counter, after checking the
/// accounts and the pages.
fn check(data: &Path, round: u32) -> Vec<i64> {
    let storage = Storage::open(bank::options(data))
        .unwrap_or_else(|e| panic!("round {round}: recovery failed: {e}"));
    let mgr = TxnManager::open(&storage, bank::config()).unwrap();
    let heap = HeapFile::open(&storage, bank::ACCOUNTS_REL).unwrap();
    let rows = bank::committed_rows(&mgr, &heap).unwrap();
    let accounts: Vec<i64> = rows
        .iter()
        .filter(|(id, _)| *id < ACCOUNTS)
        .map(|r| r.1)
        .collect();
    assert_eq!(accounts.len(), ACCOUNTS as usize, "round {round}: {rows:?}");
    assert_eq!(
        accounts.iter().sum::<i64>(),
        TOTAL,
        "round {round}: {rows:?}"
    );
    let counters: Vec<i64> = (0..WORKERS)
        .map(|w| {
            let id = COUNTER_BASE + w;
            let found: Vec<i64> = rows.iter().filter(|r| r.0 == id).map(|r| r.1).collect();
            assert_eq!(found.len(), 1, "round {round}: counter {w}: {rows:?}");
            found[0]
        })
        .collect();
    let integrity = storage.verify_integrity(None).unwrap();
    assert!(integrity.is_clean(), "round {round}: {integrity:?}");
    mgr.shutdown();
    drop((heap, mgr));
    storage.shutdown().unwrap();
    counters
}

#[test]
fn bank_survives_sigkill_mid_transfer() {
    let seed = std::env::var("BANK_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>());
    eprintln!("bank kill: seed {seed} (BANK_KILL_SEED={seed} to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    bank::init(&data).unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_bank_child"));
    // What each worker's counter is known to be at least.
    let mut floor = vec![0i64; WORKERS as usize];
    let mut acks_total = 0;
    for round in 0..ROUNDS {
        let mut child = Child::spawn(
            exe,
            &[data.display().to_string(), rng.random::<u64>().to_string()],
        );
        if round % 3 != 0 {
            assert!(
                child.wait_for_line(|l| l.starts_with("ACK")),
                "round {round}: the child died"
            );
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(20..=300)));
        let lines = child.kill();
        acks_total += lines.len();
        let acks = acknowledged(&lines);
        let counters = check(&data, round);
        for w in 0..WORKERS as usize {
            let acked = acks.get(&(w as u32)).copied().unwrap_or(floor[w]);
            assert!(
                counters[w] >= acked.max(floor[w]),
                "round {round}: worker {w} acknowledged transfer {acked} but only {} survived",
                counters[w]
            );
            assert!(
                counters[w] <= acked.max(floor[w]) + 1,
                "round {round}: worker {w}: {} transfers survived, acknowledged {acked}: \
                 more than one was in flight",
                counters[w]
            );
            floor[w] = counters[w];
        }
    }
    eprintln!(
        "bank kill: {ROUNDS} SIGKILLs, {acks_total} acknowledged transfers, {} durable",
        floor.iter().sum::<i64>()
    );
}
