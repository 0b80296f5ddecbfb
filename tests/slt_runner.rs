//! The `slt` test target: sqllogictest files against RustyDB.
//!
//! Two suites run in one binary, each file from an empty database in a fresh temporary
//! directory, in one session, with label `postgresql`:
//!
//! * **ours**, `tests/slt/**/*.slt`: every record must pass;
//! * **corpus**, SQLite's sqllogictest files in `../shared/sqllogictest` (outside the
//!   repository; see its README.md): each file must pass at least as many records as
//!   PostgreSQL 15 does ([`slt_support::corpus::EXPECTATIONS`]). SQLite has no boolean
//!   type and its files expect `1` / `0` where PostgreSQL prints `t` / `f`, so this
//!   suite prints booleans as integers (as the README's PostgreSQL figures do).
//!
//! ```text
//! cargo test -p rustydb-tests --test slt                  # everything
//! cargo test -p rustydb-tests --test slt -- slt/joins     # files whose name contains it
//! cargo test -p rustydb-tests --test slt -- --jobs 1 corpus/select3
//! cargo test -p rustydb-tests --test slt -- --file /tmp/mine.slt
//! cargo test -p rustydb-tests --test slt -- --postgres 'host=127.0.0.1 port=55432 user=postgres' corpus/evidence
//! ```
//!
//! Files are named `slt/<path>` and `corpus/<path>` in reports and filters; a filter that
//! matches nothing runs nothing and passes, as libtest does. `--file PATH` runs just that
//! file (with the corpus's conventions if it ends in `.test`, without floors).
//! `--postgres CONNINFO` runs the chosen files against a PostgreSQL server through `psql`
//! and only reports: that is how the corpus floors were measured.
//!
//! Environment: `SLT_SHOW_FAILURES=N` prints up to N failures per corpus file (default 3;
//! all are printed for our files); `SLT_STACK=BYTES` sets the workers' stack size.
#![expect(
    clippy::print_stdout,
    reason = "a harness = false test binary reports on stdout"
)]

mod slt_support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use slt_support::driver::{FileResult, run_file};
use slt_support::psql::PgDatabase;
use slt_support::report;
use slt_support::rustydb::{DbOptions, SqlError, TestDatabase};

/// A statement of the corpus running longer than this fails its record instead of
/// stalling the run: PostgreSQL needs milliseconds for any of them.
const CORPUS_STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// Stack of the worker threads: the corpus nests expressions 30 deep, and unoptimized
/// builds take a lot of stack per level.
const WORKER_STACK: usize = 64 << 20;

/// libtest options that take a value, which `cargo test -- <options>` may pass to every
/// test target.
const LIBTEST_OPTIONS_WITH_VALUE: &[&str] = &["--color", "--format", "--logfile", "-Z"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suite {
    Ours,
    Corpus,
}

#[derive(Debug)]
struct Job {
    suite: Suite,
    path: PathBuf,
    name: String,
}

#[derive(Debug, Default)]
struct Args {
    filters: Vec<String>,
    skips: Vec<String>,
    jobs: Option<usize>,
    postgres: Option<String>,
    files: Vec<PathBuf>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args::default();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            match a.as_str() {
                "--file" => args.files.push(value("--file")?.into()),
                "--postgres" => args.postgres = Some(value("--postgres")?),
                "--skip" => args.skips.push(value("--skip")?),
                "--jobs" | "--test-threads" => {
                    let n = value(&a)?;
                    args.jobs = Some(n.parse().map_err(|_| format!("bad {a} {n}"))?);
                }
                _ if a.starts_with("--test-threads=") => {
                    let n = &a["--test-threads=".len()..];
                    args.jobs = Some(n.parse().map_err(|_| format!("bad {a}"))?);
                }
                _ if LIBTEST_OPTIONS_WITH_VALUE.contains(&a.as_str()) => {
                    value(&a)?;
                }
                // Other libtest flags (--nocapture, --quiet, ...).
                _ if a.starts_with('-') => {}
                _ => args.filters.push(a),
            }
        }
        Ok(args)
    }

    fn selects(&self, name: &str) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str())))
            && !self.skips.iter().any(|s| name.contains(s.as_str()))
    }
}

/// SQLite's corpus: `RUSTYDB_SQLLOGICTEST_DIR` if set, else `../shared/sqllogictest`
/// beside the repository, else this machine's `/work/shared/sqllogictest` (CI runs on a
/// clean clone that may live elsewhere).
fn corpus_location(manifest: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("RUSTYDB_SQLLOGICTEST_DIR") {
        return PathBuf::from(dir);
    }
    let beside = manifest.join("../../shared/sqllogictest");
    [beside.clone(), PathBuf::from("/work/shared/sqllogictest")]
        .into_iter()
        .find(|d| d.is_dir())
        .map_or(beside, |d| d.canonicalize().unwrap_or(d))
}

fn main() {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("slt: {e}");
            std::process::exit(2);
        }
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus_dir = corpus_location(manifest);
    let mut problems = Vec::new();
    let jobs = if args.files.is_empty() {
        let jobs = discover(&args, &manifest.join("slt"), &corpus_dir);
        if args.filters.is_empty() && !jobs.iter().any(|j| j.suite == Suite::Corpus) {
            problems.push(format!(
                "SQLite's corpus is missing: no *.test files under {}",
                corpus_dir.display()
            ));
        }
        jobs
    } else {
        named_files(&args, manifest)
    };
    if jobs.is_empty() {
        println!("slt: no file matches {:?}", args.filters);
        return;
    }

    let workers = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len());
    let started = Instant::now();
    let results = run_jobs(&jobs, workers, args.postgres.as_deref());
    let elapsed = started.elapsed().as_secs_f64();

    let (ours, corpus): (Vec<_>, Vec<_>) =
        results.into_iter().partition(|(s, _)| *s == Suite::Ours);
    let ours: Vec<FileResult> = ours.into_iter().map(|(_, r)| r).collect();
    let corpus: Vec<FileResult> = corpus.into_iter().map(|(_, r)| r).collect();
    // Verdicts only for RustyDB, and floors only for the corpus as found.
    let judge = args.postgres.is_none();
    let floors = judge && args.files.is_empty();
    let whole_corpus = floors && args.filters.is_empty() && args.skips.is_empty();
    if !ours.is_empty() {
        println!("\n== our sqllogictest files (tests/slt) ==");
        report::ours(&ours, judge, &mut problems);
    }
    if !corpus.is_empty() {
        println!(
            "\n== SQLite's sqllogictest corpus ({}) ==",
            corpus_dir.display()
        );
        let show = std::env::var("SLT_SHOW_FAILURES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        report::corpus(&corpus, show, floors, whole_corpus, &mut problems);
    }
    println!(
        "\n{} files in {elapsed:.1} s on {workers} threads",
        ours.len() + corpus.len()
    );
    if problems.is_empty() {
        println!("slt: ok");
    } else {
        println!("\nslt: FAILED");
        for p in &problems {
            println!("  {p}");
        }
        std::process::exit(1);
    }
}

/// Our files and the corpus's that the filters select, longest first so that the
/// workers finish together.
fn discover(args: &Args, ours_dir: &Path, corpus_dir: &Path) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (suite, dir, ext, prefix) in [
        (Suite::Ours, ours_dir, "slt", "slt"),
        (Suite::Corpus, corpus_dir, "test", "corpus"),
    ] {
        for path in files_under(dir, ext) {
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy();
            let name = format!("{prefix}/{}", rel.replace('\\', "/"));
            if args.selects(&name) {
                jobs.push(Job { suite, path, name });
            }
        }
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(std::fs::metadata(&j.path).map_or(0, |m| m.len())));
    jobs
}

/// The files named with `--file`, relative to the current directory or, since `cargo
/// test` runs us in tests/, to the workspace root.
fn named_files(args: &Args, manifest: &Path) -> Vec<Job> {
    args.files
        .iter()
        .map(|path| {
            let path = if path.exists() {
                path.clone()
            } else {
                manifest.join("..").join(path)
            };
            let suite = if path.extension().is_some_and(|e| e == "test") {
                Suite::Corpus
            } else {
                Suite::Ours
            };
            let name = format!("file:{}", path.display());
            Job { suite, path, name }
        })
        .collect()
}

/// Runs the jobs on `workers` threads; results sorted by file name.
fn run_jobs(jobs: &[Job], workers: usize, postgres: Option<&str>) -> Vec<(Suite, FileResult)> {
    let stack = std::env::var("SLT_STACK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(WORKER_STACK);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            std::thread::Builder::new()
                .name("slt-worker".into())
                .stack_size(stack)
                .spawn_scoped(scope, || {
                    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let r = run_job(job, postgres);
                        eprintln!(
                            "slt: {:<48} {:>6}/{:<6} {:>7.1} s",
                            r.name, r.passed, r.records, r.seconds
                        );
                        let mut results = results.lock().unwrap_or_else(|e| e.into_inner());
                        results.push((job.suite, r));
                    }
                })
                .expect("spawn an slt worker");
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    results
}

fn run_job(job: &Job, postgres: Option<&str>) -> FileResult {
    let failed_setup = |e: SqlError| FileResult {
        name: job.name.clone(),
        records: 1,
        passed: 0,
        seconds: 0.0,
        failures: vec![format!("cannot set up the database: {e}")],
    };
    let corpus = job.suite == Suite::Corpus;
    let name = job.name.clone();
    if let Some(conninfo) = postgres {
        static NEXT_DB: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT_DB.fetch_add(1, Ordering::Relaxed);
        let db_name = format!("rustydb_slt_{}_{n}", std::process::id());
        return match PgDatabase::create(conninfo, &db_name, corpus) {
            Ok(db) => run_file(&job.path, name, || std::future::ready(Ok(db.connect()))),
            Err(e) => failed_setup(e),
        };
    }
    let options = DbOptions {
        statement_timeout: corpus.then_some(CORPUS_STATEMENT_TIMEOUT),
        booleans_as_integers: corpus,
    };
    match TestDatabase::open(options) {
        Ok(db) => run_file(&job.path, name, || std::future::ready(Ok(db.connect()))),
        Err(e) => failed_setup(e),
    }
}

/// Files with extension `ext` under `dir`, recursively.
fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    out
}
