//! The slow query log end to end: with the threshold at 0 every statement is logged to
//! `performance.log` (through the real logging set-up) and kept for
//! `Engine::slow_queries`. Its own test binary, because it installs the process's
//! global `tracing` subscriber.

use std::time::Duration;

use rustydb_common::logging::{self, Console, LogFilter, LogOptions};
use rustydb_sql::{Engine, EngineOptions};

#[test]
fn slow_statements_reach_performance_log_and_the_ring() {
    let logs = tempfile::tempdir().unwrap();
    let mut options = LogOptions::new(LogFilter::new("info", None), logs.path());
    options.console = Console::Off;
    let (subscriber, guard) = logging::build(&options).unwrap();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut engine_options = EngineOptions::new(dir.path());
    engine_options.slow_query_threshold = Duration::ZERO;
    let engine = Engine::open(engine_options).unwrap();
    let mut s = engine.session();
    s.set_identity("rustydb", "rustydb");
    s.execute("CREATE TABLE slow_t (id int)").unwrap();
    s.execute("INSERT INTO slow_t VALUES (1), (2)").unwrap();
    s.execute("SELECT id FROM slow_t WHERE id = 2").unwrap();

    let slow = engine.slow_queries(10, 0);
    assert_eq!(slow.len(), 3, "{slow:?}");
    assert_eq!(slow[0].sql, "SELECT id FROM slow_t WHERE id = 2");
    assert!(slow[0].plan.as_deref().unwrap().contains("slow_t"));
    let json = serde_json::to_value(&slow[0]).unwrap();
    for field in [
        "sql",
        "user",
        "database",
        "pid",
        "duration_ms",
        "plan",
        "finished_at",
    ] {
        assert!(json.get(field).is_some(), "{field} missing in {json}");
    }

    guard.sync().unwrap();
    let perf = guard
        .files()
        .into_iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("performance"))
        })
        .expect("a performance log");
    let text = std::fs::read_to_string(&perf).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("SLOW_QUERY") && l.contains("SELECT id FROM slow_t WHERE id = 2"))
        .unwrap_or_else(|| panic!("no SLOW_QUERY line in {}:\n{text}", perf.display()));
    for part in [
        "duration_ms=",
        "user=\"rustydb\"",
        "database=\"rustydb\"",
        &format!("pid={}", s.backend_pid()),
        "plan=",
    ] {
        assert!(line.contains(part), "{part} missing in {line}");
    }
    assert_eq!(text.matches("SLOW_QUERY").count(), 3, "{text}");
}
