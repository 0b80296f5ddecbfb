//! The tables and verdicts the `slt` target prints.

use super::corpus::{EXPECTATIONS, Expectation};
use super::driver::FileResult;

/// Our files: every record must pass (when `judge`).
pub(crate) fn ours(results: &[FileResult], judge: bool, problems: &mut Vec<String>) {
    table(results, |_| String::new());
    for r in results {
        failures(r, usize::MAX);
        if judge && r.failed() > 0 {
            problems.push(format!(
                "{}: {} of {} records failed",
                r.name,
                r.failed(),
                r.records
            ));
        }
    }
}

/// The corpus: with `floors`, each file must pass its floor; with `whole`, every file of
/// the floors must have run.
pub(crate) fn corpus(
    results: &[FileResult],
    show: usize,
    floors: bool,
    whole: bool,
    problems: &mut Vec<String>,
) {
    table(results, |r| {
        expectation(&r.name).map_or_else(|| "?".into(), |e| e.min_passed.to_string())
    });
    for r in results {
        if let Some(e) = expectation(&r.name).filter(|e| !e.reason.is_empty()) {
            println!(
                "  {}: floor {} of {}: {}",
                r.name, e.min_passed, e.records, e.reason
            );
        }
    }
    for r in results {
        failures(r, show);
        if floors {
            check_floor(r, problems);
        }
    }
    if whole {
        for e in EXPECTATIONS {
            if !results
                .iter()
                .any(|r| r.name == format!("corpus/{}", e.file))
            {
                problems.push(format!("corpus/{}: has a floor but was not found", e.file));
            }
        }
    }
}

fn expectation(name: &str) -> Option<&'static Expectation> {
    let file = name.strip_prefix("corpus/")?;
    EXPECTATIONS.iter().find(|e| e.file == file)
}

fn check_floor(r: &FileResult, problems: &mut Vec<String>) {
    let Some(e) = expectation(&r.name) else {
        problems.push(format!(
            "{}: no floor in tests/slt_support/corpus.rs (measure it with --postgres)",
            r.name
        ));
        return;
    };
    if r.records != e.records {
        problems.push(format!(
            "{}: ran {} records, the floor was measured over {}",
            r.name, r.records, e.records
        ));
    }
    if r.passed < e.min_passed {
        problems.push(format!(
            "{}: {} of {} records passed, PostgreSQL passes {}",
            r.name, r.passed, r.records, e.min_passed
        ));
    }
}

/// `file | records | passed | failed | seconds | floor`, and a total.
fn table(results: &[FileResult], floor: impl Fn(&FileResult) -> String) {
    let w = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    println!(
        "{:<w$} | {:>7} | {:>7} | {:>6} | {:>7} | {:>5}",
        "file", "records", "passed", "failed", "seconds", "floor"
    );
    println!("{}", "-".repeat(w + 50));
    let (mut records, mut passed, mut seconds) = (0, 0, 0.0);
    for r in results {
        println!(
            "{:<w$} | {:>7} | {:>7} | {:>6} | {:>7.1} | {:>5}",
            r.name,
            r.records,
            r.passed,
            r.failed(),
            r.seconds,
            floor(r)
        );
        records += r.records;
        passed += r.passed;
        seconds += r.seconds;
    }
    println!(
        "{:<w$} | {:>7} | {:>7} | {:>6} | {:>7.1} |",
        "total",
        records,
        passed,
        records - passed,
        seconds
    );
}

/// Up to `limit` failures of a file, as the runner describes them.
fn failures(r: &FileResult, limit: usize) {
    if r.failures.is_empty() || limit == 0 {
        return;
    }
    println!("\n-- {}: {} failed --", r.name, r.failed());
    for f in r.failures.iter().take(limit) {
        println!("{f}");
    }
    if r.failures.len() > limit {
        println!(
            "... and {} more (SLT_SHOW_FAILURES=N shows more)",
            r.failures.len() - limit
        );
    }
}
