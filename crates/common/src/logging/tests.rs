//! The subscriber end to end: which event lands in which file, rotation through it, and
//! the errors of a bad filter or an unusable directory.

use super::rotation::tests::ManualClock;
use super::*;

fn options(level: &str, dir: &Path) -> LogOptions {
    LogOptions {
        filter: LogFilter::new(level, None),
        log_dir: dir.to_path_buf(),
        console: Console::Off,
        clock: ManualClock::at("2026-11-24", 43_200),
        keep_days: KEEP_DAYS,
    }
}

/// Runs `events` under a subscriber built from `options` and returns the guard.
fn log_with(options: &LogOptions, events: impl FnOnce()) -> LoggingGuard {
    let (subscriber, guard) = build(options).unwrap();
    tracing::subscriber::with_default(subscriber, events);
    guard
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn every_file_is_created_in_a_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("data/logs");
    let guard = log_with(&options("info", &logs), || {});
    let mut names: Vec<String> = guard
        .files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "error.log",
            "performance.log",
            "replication.log",
            "rustydb.log",
            "security_audit.log",
            "transaction.log"
        ]
    );
    assert_eq!(guard.log_dir(), logs);
    for path in guard.files() {
        assert!(path.is_file(), "{}", path.display());
    }
    guard.sync().unwrap();
}

#[test]
fn errors_land_in_error_log_and_info_does_not() {
    let dir = tempfile::tempdir().unwrap();
    log_with(&options("info", dir.path()), || {
        tracing::info!("server started");
        tracing::error!(page = 7, "checksum mismatch");
    });
    let main = read(dir.path(), MAIN_LOG);
    assert!(
        main.contains("INFO") && main.contains("server started"),
        "{main}"
    );
    assert!(
        main.contains("ERROR") && main.contains("checksum mismatch page=7"),
        "{main}"
    );
    let errors = read(dir.path(), ERROR_LOG);
    assert!(errors.contains("checksum mismatch"), "{errors}");
    assert!(!errors.contains("server started"), "{errors}");
    assert!(!main.contains('\u{1b}'), "no colour codes in files");
}

#[test]
fn level_filters_the_main_log_but_not_error_log() {
    let dir = tempfile::tempdir().unwrap();
    log_with(&options("error", dir.path()), || {
        tracing::warn!("a warning");
        tracing::error!("an error");
    });
    assert!(!read(dir.path(), MAIN_LOG).contains("a warning"));
    assert!(read(dir.path(), MAIN_LOG).contains("an error"));

    let dir = tempfile::tempdir().unwrap();
    let mut off = options("info", dir.path());
    off.filter = LogFilter::new("info", Some("off"));
    log_with(&off, || tracing::error!("critical"));
    assert_eq!(read(dir.path(), MAIN_LOG), "");
    assert!(read(dir.path(), ERROR_LOG).contains("critical"));
}

#[test]
fn target_events_land_in_their_file_and_the_main_log() {
    let dir = tempfile::tempdir().unwrap();
    log_with(&options("info", dir.path()), || {
        tracing::info!(target: AUDIT_TARGET, user = "alice", "AUTHENTICATION_FAILURE");
        tracing::info!(target: TXN_TARGET, xid = 42, "COMMIT");
        tracing::info!(target: PERF_TARGET, ms = 1500, "SLOW_QUERY");
        tracing::info!(target: REPL_TARGET, "FAILOVER");
        tracing::info!(target: "rustydb::audit::login", "child target");
        tracing::info!("plain event");
    });
    let audit = read(dir.path(), "security_audit.log");
    assert!(
        audit.contains("AUTHENTICATION_FAILURE user=\"alice\""),
        "{audit}"
    );
    assert!(audit.contains("child target"), "{audit}");
    assert!(
        !audit.contains("COMMIT") && !audit.contains("plain event"),
        "{audit}"
    );
    assert!(read(dir.path(), "transaction.log").contains("COMMIT xid=42"));
    assert!(read(dir.path(), "performance.log").contains("SLOW_QUERY ms=1500"));
    assert!(read(dir.path(), "replication.log").contains("FAILOVER"));
    let main = read(dir.path(), MAIN_LOG);
    for word in [
        "AUTHENTICATION_FAILURE",
        "COMMIT",
        "SLOW_QUERY",
        "FAILOVER",
        "plain event",
    ] {
        assert!(main.contains(word), "{word} missing from {main}");
    }
}

#[test]
fn dedicated_files_keep_info_whatever_the_level() {
    let dir = tempfile::tempdir().unwrap();
    log_with(&options("warn", dir.path()), || {
        tracing::info!(target: AUDIT_TARGET, "LOGIN");
        tracing::debug!(target: AUDIT_TARGET, "DEBUG DETAIL");
    });
    let audit = read(dir.path(), "security_audit.log");
    assert!(
        audit.contains("LOGIN") && !audit.contains("DEBUG DETAIL"),
        "{audit}"
    );
    assert!(!read(dir.path(), MAIN_LOG).contains("LOGIN"));

    let dir = tempfile::tempdir().unwrap();
    let mut verbose = options("info", dir.path());
    verbose.filter = LogFilter::new("info", Some("info,rustydb::audit=debug"));
    log_with(
        &verbose,
        || tracing::debug!(target: AUDIT_TARGET, "DEBUG DETAIL"),
    );
    assert!(read(dir.path(), "security_audit.log").contains("DEBUG DETAIL"));
    assert!(read(dir.path(), MAIN_LOG).contains("DEBUG DETAIL"));
}

#[test]
fn rotation_across_midnight_through_the_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at("2026-11-24", 86_000);
    let old = dir.path().join("rustydb.log.2026-10-25");
    let kept = dir.path().join("rustydb.log.2026-10-26");
    fs::write(&old, "old\n").unwrap();
    fs::write(&kept, "kept\n").unwrap();
    let mut opts = options("info", dir.path());
    opts.clock = clock.clone();
    let (subscriber, _guard) = build(&opts).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("late on the 24th");
        clock.set("2026-11-25", 5);
        tracing::info!("early on the 25th");
    });
    let rotated = read(dir.path(), "rustydb.log.2026-11-24");
    assert!(
        rotated.contains("late on the 24th") && !rotated.contains("25th"),
        "{rotated}"
    );
    let current = read(dir.path(), MAIN_LOG);
    assert!(
        current.contains("early on the 25th") && !current.contains("24th"),
        "{current}"
    );
    // Retention is 30 days: on the 25th, the 26th of October is the oldest kept.
    assert!(!old.exists());
    assert!(kept.exists());
}

#[test]
fn unusable_directory_is_err_db_002_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("data");
    fs::write(&blocker, "a file, not a directory").unwrap();
    let logs = blocker.join("logs");
    let Err(e) = build(&options("info", &logs)) else {
        panic!("built over a file")
    };
    assert_eq!(e.code(), ErrorCode::StorageInitFailed);
    assert_eq!(e.code().id(), "ERR-DB-002");
    assert!(e.message().contains(&logs.display().to_string()), "{e}");
}

#[test]
fn bad_filters_name_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let Err(e) = build(&options("verbose", dir.path())) else {
        panic!("accepted verbose")
    };
    assert_eq!(e.code(), ErrorCode::ConfigInvalid);
    assert!(
        e.message()
            .contains("log.level = verbose: must be one of error, warn"),
        "{e}"
    );

    let mut bad = options("info", dir.path());
    bad.filter = LogFilter::new("info", Some("rustydb=loud"));
    let Err(e) = build(&bad) else {
        panic!("accepted rustydb=loud")
    };
    assert!(
        e.message()
            .contains("RUST_LOG = rustydb=loud: not a valid filter"),
        "{e}"
    );
    assert!(
        fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing created"
    );
}

#[test]
fn rust_log_overrides_the_level_when_set() {
    assert_eq!(
        LogFilter::new("info", None),
        LogFilter::Level("info".into())
    );
    assert_eq!(
        LogFilter::new("info", Some("  ")),
        LogFilter::Level("info".into())
    );
    assert_eq!(
        LogFilter::new("info", Some("debug,hyper=warn")),
        LogFilter::RustLog("debug,hyper=warn".into())
    );
}
