//! The bank child: `bank_child <data-dir> <seed>`.
//!
//! Recovers the data directory and runs transfers from [`rustydb_tests::bank::WORKERS`]
//! threads, each at a randomly chosen isolation level, retrying whole transactions on
//! retryable errors. After each commit returns it prints `ACK <worker> <counter>`. It
//! never exits by itself: the parent kills it.

use std::io::Write;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rustydb_storage::Storage;
use rustydb_tests::bank::{self, ACCOUNTS, Bank, WORKERS};
use rustydb_txn::{IsolationLevel, TxnManager};

const LEVELS: [IsolationLevel; 3] = [
    IsolationLevel::ReadCommitted,
    IsolationLevel::RepeatableRead,
    IsolationLevel::Serializable,
];

fn worker(bank: &Bank, w: u32, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed ^ u64::from(w).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    loop {
        let level = LEVELS[rng.random_range(0..LEVELS.len())];
        let from = rng.random_range(0..ACCOUNTS);
        let to = (from + rng.random_range(1..ACCOUNTS)) % ACCOUNTS;
        let amount = rng.random_range(1..=100);
        let counter = loop {
            let mut t = bank.mgr.begin(level).expect("begin");
            let done = bank
                .transfer(&mut t, w, from, to, amount)
                .and_then(|c| t.commit().map(|()| c));
            match done {
                Ok(c) => break c,
                Err(e) if e.is_retryable() => continue,
                Err(e) => panic!("worker {w}: transfer {from} -> {to} at {level}: {e}"),
            }
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "ACK {w} {counter}")
            .and_then(|()| out.flush())
            .expect("writing to stdout");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(seed)) = (args.next(), args.next().and_then(|s| s.parse::<u64>().ok()))
    else {
        panic!("usage: bank_child <data-dir> <seed>");
    };
    let storage = Storage::open(bank::options(dir.as_ref())).expect("opening the data directory");
    let mgr = TxnManager::open(&storage, bank::config()).expect("starting transactions");
    let bank = Bank::open(mgr).expect("opening the bank");
    std::thread::scope(|s| {
        for w in 0..WORKERS {
            let bank = &bank;
            s.spawn(move || worker(bank, w, seed));
        }
    });
}
