//! Randomized stress: threads running transactions that lock a few resources in random
//! order and modes. Deadlocks are frequent; each must be found and broken, nobody may
//! hang, and the table must end empty and consistent.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use parking_lot::Mutex;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use super::*;

const THREADS: u64 = 8;
const TXNS_PER_THREAD: usize = 80;

fn resources() -> Vec<LockTag> {
    vec![
        rel(1),
        rel(2),
        row(1, 0, 1),
        row(1, 0, 2),
        LockTag::Key(RelId(1), 7),
    ]
}

/// One transaction: its own id lock, then 1-4 random locks (sometimes waiting for
/// another running transaction to finish, sometimes releasing a lock early as unique
/// checks do), holding them briefly. Returns whether it ended as a deadlock victim.
fn run_txn(
    m: &LockManager,
    rng: &mut SmallRng,
    id: u64,
    running: &Mutex<Vec<u64>>,
) -> Result<bool, String> {
    let owner = LockOwner::new(id);
    let opts = WaitOptions::default();
    m.acquire(&owner, LockTag::Xid(id), LockMode::X, &opts)
        .map_err(|e| format!("own xid lock: {e:?}"))?;
    running.lock().push(id);
    let tags = resources();
    let mut victim = false;
    for _ in 0..rng.random_range(1..=4) {
        let result = if rng.random_bool(0.15) {
            let other = {
                let r = running.lock();
                r[rng.random_range(0..r.len())]
            };
            let tag = LockTag::Xid(other);
            let r = m.acquire(&owner, tag, LockMode::S, &opts);
            if r == Ok(Acquired::Granted) {
                m.release(id, tag);
            }
            r
        } else {
            let tag = tags[rng.random_range(0..tags.len())];
            let mode = LockMode::ALL[rng.random_range(0..LockMode::ALL.len())];
            m.acquire(&owner, tag, mode, &opts)
        };
        match result {
            Ok(_) => {}
            Err(LockError::Deadlock { .. }) => {
                victim = true;
                break;
            }
            Err(e) => return Err(format!("transaction {id}: unexpected {e:?}")),
        }
        if rng.random_bool(0.1) {
            let held: Vec<LockTag> = m
                .held_by(id)
                .into_iter()
                .map(|(t, _)| t)
                .filter(|t| *t != LockTag::Xid(id))
                .collect();
            if !held.is_empty() && !m.release(id, held[rng.random_range(0..held.len())]) {
                return Err(format!(
                    "transaction {id} could not release a lock it holds"
                ));
            }
        }
        if rng.random_bool(0.5) {
            thread::sleep(Duration::from_micros(rng.random_range(0..2000)));
        }
    }
    running.lock().retain(|&r| r != id);
    m.release_all(id);
    if !m.held_by(id).is_empty() {
        return Err(format!(
            "transaction {id} still holds locks after release_all"
        ));
    }
    Ok(victim)
}

#[test]
fn random_lockers_always_finish_and_leave_the_table_empty() {
    let m = Arc::new(LockManager::new(Duration::from_millis(20)));
    let next_id = Arc::new(AtomicU64::new(100));
    let running = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel();

    for seed in 0..THREADS {
        let (m, next_id, running, done) = (
            Arc::clone(&m),
            Arc::clone(&next_id),
            Arc::clone(&running),
            done_tx.clone(),
        );
        thread::spawn(move || {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut outcome = Ok(0usize);
            for _ in 0..TXNS_PER_THREAD {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                match run_txn(&m, &mut rng, id, &running) {
                    Ok(victim) => {
                        if let Ok(victims) = &mut outcome {
                            *victims += usize::from(victim);
                        }
                    }
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
            let _ = done.send(outcome);
        });
    }
    drop(done_tx);

    // Meanwhile, the table must stay consistent at every instant we look.
    let checker = {
        let (m, stop) = (Arc::clone(&m), Arc::clone(&stop));
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                m.check_invariants()?;
                let _ = m.waits();
                thread::sleep(Duration::from_millis(3));
            }
            Ok::<(), String>(())
        })
    };

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut victims = 0;
    for _ in 0..THREADS {
        let left = deadline.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok(Ok(v)) => victims += v,
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => panic!("lockers hung; waits: {:#?}", m.waits()),
        }
    }
    stop.store(true, Ordering::Relaxed);
    checker.join().unwrap().unwrap();

    assert_empty(&m);
    let stats = m.stats();
    assert_eq!(stats.deadlocks as usize, victims, "{stats:?}");
    assert_eq!(
        m.deadlocks(usize::MAX).len(),
        victims.min(crate::lock::DEADLOCK_HISTORY)
    );
    assert_eq!(stats.waits, stats.finished_waits);
}
