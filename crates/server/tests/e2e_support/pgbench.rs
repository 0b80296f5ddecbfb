//! pgbench helpers: initialising its tables, reading its summary, and the TPC-B balance
//! invariant (every transaction adds the same delta to one account, teller and branch and
//! logs it in pgbench_history, so the four sums are equal after any set of committed
//! transactions).

use std::time::Duration;

use super::{Server, run_bounded};

/// pgbench's closing summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// "number of transactions actually processed".
    pub(crate) processed: u64,
    /// "number of failed transactions".
    pub(crate) failed: u64,
}

/// Reads the summary from pgbench's standard output; `None` when a line is missing.
pub(crate) fn summary(stdout: &str) -> Option<Summary> {
    let number_after = |prefix: &str| -> Option<u64> {
        let line = stdout.lines().find(|l| l.starts_with(prefix))?;
        let rest = line[prefix.len()..].trim();
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    };
    Some(Summary {
        processed: number_after("number of transactions actually processed:")?,
        failed: number_after("number of failed transactions:")?,
    })
}

/// `pgbench -i -s <scale>` (bounded), panicking with its output on failure. `steps`:
/// pgbench's `-I` initialisation steps, `None` for its default (`dtgvp`: data generated
/// client-side with `COPY ... FROM STDIN WITH (freeze on)`).
pub(crate) fn init(server: &Server, scale: u32, steps: Option<&str>) {
    let mut cmd = server.client("pgbench");
    cmd.args(["-i", "-s", &scale.to_string()]);
    if let Some(steps) = steps {
        cmd.args(["-I", steps]);
    }
    let out = run_bounded(cmd, Duration::from_secs(300));
    assert!(
        out.success(),
        "pgbench -i failed:\n{}\nserver log:\n{}",
        out.describe(),
        server.log()
    );
    assert!(
        out.stderr.contains("done in"),
        "pgbench -i did not finish:\n{}",
        out.describe()
    );
    let accounts = server.psql_query("SELECT count(*) FROM pgbench_accounts");
    assert_eq!(
        accounts,
        (100_000 * scale).to_string(),
        "pgbench_accounts rows after -i"
    );
}

/// The four sums of the TPC-B invariant: accounts, tellers, branches, history.
pub(crate) fn balances(server: &Server) -> [i64; 4] {
    let out = server.psql_query(
        "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts)::bigint, \
                (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers)::bigint, \
                (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches)::bigint, \
                (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::bigint",
    );
    let v: Vec<i64> = out
        .split('|')
        .map(|s| s.trim().parse().unwrap_or_else(|_| panic!("sums: {out:?}")))
        .collect();
    assert_eq!(v.len(), 4, "sums: {out:?}");
    [v[0], v[1], v[2], v[3]]
}

/// Asserts the invariant; returns the number of history rows (transactions applied).
pub(crate) fn assert_balanced(server: &Server, context: &str) -> i64 {
    let [a, t, b, h] = balances(server);
    assert!(
        a == t && t == b && b == h,
        "{context}: sum(abalance) = {a}, sum(tbalance) = {t}, sum(bbalance) = {b}, sum(delta) = {h}; all must be equal"
    );
    server
        .psql_query("SELECT count(*) FROM pgbench_history")
        .parse()
        .expect("history count")
}
