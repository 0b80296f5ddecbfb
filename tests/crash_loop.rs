//! The storage crash loop: a child process commits heap rows indexed by a B+tree, one log
//! flush per commit, and acknowledges each on stdout; it is killed with SIGKILL at a
//! random moment, at least [`ROUNDS`] times. After every kill the data directory is
//! recovered in-process and checked:
//!
//! * every acknowledged commit is in the index, pointing at its heap row, intact;
//! * the index holds exactly commits `1..=M`, where `M` is the last acknowledged commit,
//!   or the one in flight when the kill came (durable but not yet acknowledged);
//! * every heap row is whole (checksum and payload), and a row the index does not point
//!   at belongs to a commit that was in flight at some kill (its index entry never made
//!   it to the log; the child later committed that number again);
//! * `verify_integrity` finds every page sound and `BTree::verify` the tree.
//!
//! About every tenth round the child runs without checkpoints, and before recovery the log
//! is cut in the middle of the record after the last acknowledged commit (what a torn
//! write of an unflushed tail leaves): recovery must stop exactly there.
//!
//! Kill moments vary: during start-up and recovery (often before any acknowledgement),
//! shortly after start, and 20-300 ms after the first acknowledgement. Set
//! `CRASH_LOOP_SEED` to replay a run's choices.

use std::collections::HashSet;
use std::ops::Bound;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rustydb_storage::{Direction, Lsn, Storage, Tid};
use rustydb_tests::crash;
use rustydb_tests::process::Child;

/// Kills per run (the requirement is at least 50).
const ROUNDS: u32 = 60;

/// What one child printed.
#[derive(Debug, Default)]
struct Printed {
    /// `START`: the first commit it would make and where the log ended then.
    start: Option<(u64, Lsn)>,
    /// `ACK`s: commit and the log position after it.
    acks: Vec<(u64, Lsn)>,
}

fn parse(lines: &[String]) -> Printed {
    let mut p = Printed::default();
    for line in lines {
        let mut words = line.split_whitespace();
        let (Some(what), Some(k), Some(lsn)) = (words.next(), words.next(), words.next()) else {
            panic!("unexpected line from the child: {line:?}");
        };
        let k: u64 = k.parse().expect("a commit number");
        let lsn = Lsn(lsn.parse().expect("an LSN"));
        match what {
            "START" => p.start = Some((k, lsn)),
            "ACK" => p.acks.push((k, lsn)),
            _ => panic!("unexpected line from the child: {line:?}"),
        }
    }
    p
}

/// What the checks know across rounds.
#[derive(Debug, Default)]
struct History {
    /// The highest commit in the index after the last recovery.
    committed: u64,
    /// Commits that were in flight at some kill: their heap rows may be orphans.
    in_flight: HashSet<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillAt {
    /// 0-20 ms after the start, without waiting: during start-up and recovery.
    StartUp,
    /// 20-300 ms after `START`.
    AfterStart,
    /// 20-300 ms after the first `ACK`.
    AfterAck,
}

/// Recovers the directory and checks it; returns the highest commit in the index and
/// the pages of the heap and the index.
fn check(
    data: &Path,
    history: &History,
    in_flight: Option<u64>,
    cut_at: Option<Lsn>,
    round: u32,
) -> (u64, u32) {
    let storage = Storage::open(crash::options(data))
        .unwrap_or_else(|e| panic!("round {round}: recovery failed: {e}"));
    if let Some(at) = cut_at {
        let outcome = storage.recovery_outcome();
        assert_eq!(
            outcome.end, at,
            "round {round}: recovery must stop at the cut record: {outcome:?}"
        );
        assert!(
            outcome.end_reason.contains("CRC"),
            "round {round}: {outcome:?}"
        );
    }
    let (heap, tree) = crash::open(&storage).unwrap();
    let report = tree
        .verify()
        .unwrap_or_else(|e| panic!("round {round}: B+tree verify: {e}"));

    // The index: exactly 1..=M, each pointing at its own intact row.
    let mut entries: Vec<(u64, Tid)> = Vec::new();
    let mut cursor = tree.range(Bound::Unbounded, Bound::Unbounded, Direction::Forward);
    while let Some((key, value)) = cursor.next().unwrap() {
        let k = crash::key_value(&key).expect("an 8-byte key");
        let tid = Tid::decode(&value).expect("a 6-byte tuple id");
        entries.push((k, tid));
    }
    assert_eq!(report.entries, entries.len() as u64, "round {round}");
    let max = entries.last().map_or(0, |e| e.0);
    for (i, (k, _)) in entries.iter().enumerate() {
        assert_eq!(
            *k,
            i as u64 + 1,
            "round {round}: the index skips or repeats a commit"
        );
    }
    // A cut log ends before the commit in flight.
    let allowed_max = match cut_at {
        Some(_) => history.committed,
        None => in_flight.unwrap_or(history.committed),
    };
    assert!(
        max == history.committed || max == allowed_max,
        "round {round}: the index ends at {max}; acknowledged {}, in flight {in_flight:?}",
        history.committed
    );
    let indexed: HashSet<Tid> = entries.iter().map(|e| e.1).collect();
    for (k, tid) in &entries {
        let row = heap
            .fetch(*tid)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: commit {k} points at an empty slot {tid}"));
        assert_eq!(
            crash::parse_row(&row),
            Ok(*k),
            "round {round}: the row of commit {k} at {tid}"
        );
    }

    // The heap: every row whole; rows the index does not know only from in-flight commits.
    let mut rows = 0u64;
    let mut scan = heap.scan();
    while let Some((tid, row)) = scan.next_tuple().unwrap() {
        rows += 1;
        let k = crash::parse_row(&row).unwrap_or_else(|e| panic!("round {round}: {tid}: {e}"));
        if !indexed.contains(&tid) {
            assert!(
                history.in_flight.contains(&k) || in_flight == Some(k),
                "round {round}: heap row of commit {k} at {tid} has no index entry and was never in flight"
            );
        }
    }
    assert!(rows >= max, "round {round}");

    let integrity = storage.verify_integrity(None).unwrap();
    assert!(integrity.is_clean(), "round {round}: {integrity:?}");
    let pages = heap.nblocks().unwrap() + storage.disk().nblocks(crash::INDEX).unwrap();
    drop((heap, tree));
    storage.shutdown().unwrap();
    (max, pages)
}

#[test]
fn storage_survives_sigkill_at_random_moments() {
    let started = Instant::now();
    let seed = std::env::var("CRASH_LOOP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>());
    eprintln!("crash loop: seed {seed} (CRASH_LOOP_SEED={seed} to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    crash::init(&data).unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_storage_crash_child"));

    let mut history = History::default();
    let (mut kills, mut silent_kills, mut cuts) = (0u32, 0u32, 0u32);
    let mut pages = 0;
    for round in 0..ROUNDS {
        // Cutting the tail is a torn *unflushed* write only if nothing flushed the log past
        // the last acknowledgement: no checkpoint (the child skips them), and no dirty
        // page evicted, which a buffer pool holding every page guarantees.
        let cut_tail =
            round % 10 == 5 && (pages as usize) < crash::options(&data).buffer_pool_pages / 2;
        let kill_at = match round % 4 {
            _ if cut_tail => KillAt::AfterAck,
            0 => KillAt::StartUp,
            1 => KillAt::AfterStart,
            _ => KillAt::AfterAck,
        };
        let mut args = vec![data.display().to_string()];
        if cut_tail {
            args.push("--no-checkpoint".into());
        }
        let mut child = Child::spawn(exe, &args);
        let pause = match kill_at {
            KillAt::StartUp => Duration::from_millis(rng.random_range(0..=20)),
            KillAt::AfterStart => {
                assert!(
                    child.wait_for_line(|l| l.starts_with("START")),
                    "round {round}: the child died"
                );
                Duration::from_millis(rng.random_range(20..=300))
            }
            KillAt::AfterAck => {
                assert!(
                    child.wait_for_line(|l| l.starts_with("ACK")),
                    "round {round}: the child died"
                );
                Duration::from_millis(rng.random_range(20..=300))
            }
        };
        std::thread::sleep(pause);
        let printed = parse(&child.kill());
        kills += 1;

        // What this run was doing when it died.
        let in_flight = printed.start.map(|(first, _)| {
            assert_eq!(
                first,
                history.committed + 1,
                "round {round}: resumed at the wrong commit"
            );
            let mut expected = first;
            for (k, _) in &printed.acks {
                assert_eq!(*k, expected, "round {round}: acknowledgements out of order");
                expected += 1;
            }
            expected
        });
        let acknowledged = printed.acks.last().map_or(history.committed, |a| a.0);
        if printed.acks.is_empty() {
            silent_kills += 1;
        }
        let mut cut_at = None;
        if cut_tail {
            // Only in flight (never acknowledged) work follows this position.
            let base = printed
                .acks
                .last()
                .map(|a| a.1)
                .or(printed.start.map(|s| s.1));
            if let Some(base) = base
                && rustydb_tests::wal::cut_mid_record(&data, base).unwrap()
            {
                cut_at = Some(base);
                cuts += 1;
            }
        }
        history.committed = acknowledged;
        let (max, now) = check(&data, &history, in_flight, cut_at, round);
        pages = now;
        if let Some(k) = in_flight {
            history.in_flight.insert(k);
        }
        history.committed = max;
    }
    eprintln!(
        "crash loop: {kills} SIGKILLs ({silent_kills} before any acknowledgement), {} commits survived, \
         {cuts} log tails cut mid-record, {:.1} s",
        history.committed,
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= 50);
    assert!(history.committed > 0, "nothing was ever committed");
}
