//! pgbench against the real `rusty-db-server` binary: `pgbench -i -s 1`, then TPC-B with 4
//! clients in simple query mode and select-only with 4 clients in prepared mode. Every run
//! must process transactions and fail none, and afterwards the TPC-B balance invariant holds:
//! sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta).

mod e2e_support;

use std::time::Duration;

use e2e_support::pgbench::{assert_balanced, init, summary};
use e2e_support::{Server, run_bounded};

fn run_pgbench(server: &Server, args: &[&str]) -> u64 {
    let mut cmd = server.client("pgbench");
    cmd.args(args);
    // -T 10 plus connection set-up and the initial vacuum; bounded well above that.
    let out = run_bounded(cmd, Duration::from_secs(120));
    assert!(
        out.success(),
        "pgbench {args:?}:\n{}\nserver log:\n{}",
        out.describe(),
        server.log()
    );
    let s =
        summary(&out.stdout).unwrap_or_else(|| panic!("no pgbench summary:\n{}", out.describe()));
    assert_eq!(
        s.failed,
        0,
        "pgbench {args:?} had failed transactions:\n{}",
        out.describe()
    );
    assert!(
        s.processed > 0,
        "pgbench {args:?} processed no transaction:\n{}",
        out.describe()
    );
    assert!(
        !out.stderr.contains("aborted"),
        "a pgbench client aborted:\n{}",
        out.describe()
    );
    s.processed
}

#[test]
fn pgbench_tpcb_and_select_only_prepared() {
    let server = Server::start();
    init(&server, 1, None);
    assert_eq!(assert_balanced(&server, "after pgbench -i"), 0);

    let tpcb = run_pgbench(&server, &["-T", "10", "-c", "4"]);
    let applied = assert_balanced(&server, "after TPC-B");
    assert_eq!(
        applied as u64, tpcb,
        "one pgbench_history row per processed TPC-B transaction"
    );

    // -n: no vacuum and no truncation of pgbench_history before the run, so the invariant
    // still covers the TPC-B transactions.
    run_pgbench(
        &server,
        &["-n", "-S", "-M", "prepared", "-T", "10", "-c", "4"],
    );
    let after_select = assert_balanced(&server, "after select-only");
    assert_eq!(after_select, applied, "select-only changes nothing");
}
