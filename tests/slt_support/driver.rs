//! Runs one file record by record, counting what passes instead of stopping at the
//! first mismatch, as [`sqllogictest::Runner::run_file`] would.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use sqllogictest::{
    Condition, DB, DefaultColumnType, MakeConnection, Record, RecordOutput, Runner,
};

/// The labels a file runs under: `skipif postgresql` / `onlyif postgresql` apply to us.
pub(crate) const LABELS: &[&str] = &["postgresql"];

/// How one file went.
#[derive(Debug)]
pub(crate) struct FileResult {
    /// The file's name as reported (`slt/joins.slt`, `corpus/select1.test`).
    pub(crate) name: String,
    /// Records run: statements and queries not skipped by `skipif` / `onlyif`.
    pub(crate) records: usize,
    /// Records that passed.
    pub(crate) passed: usize,
    /// Wall-clock time of the file.
    pub(crate) seconds: f64,
    /// Each failure as the runner describes it (SQL, expected, actual, location).
    pub(crate) failures: Vec<String>,
}

impl FileResult {
    pub(crate) fn failed(&self) -> usize {
        self.records - self.passed
    }
}

/// Runs the records of `path`, each on a connection from `make_conn`.
///
/// A record that fails (or panics the engine) counts as failed and the file goes on: a
/// later record may fail only because an earlier one did, which the counts show too.
pub(crate) fn run_file<D, M>(path: &Path, name: String, make_conn: M) -> FileResult
where
    D: DB<ColumnType = DefaultColumnType> + Send,
    M: MakeConnection<Conn = D>,
{
    let started = Instant::now();
    let mut result = FileResult {
        name,
        records: 0,
        passed: 0,
        seconds: 0.0,
        failures: Vec::new(),
    };
    let records = match sqllogictest::parse_file::<DefaultColumnType>(path) {
        Ok(records) => records,
        Err(e) => {
            // An unparseable file counts as one failed record.
            result.records = 1;
            result.failures.push(format!("parse error: {e}"));
            return result;
        }
    };
    let mut runner = Runner::new(make_conn);
    for label in LABELS {
        runner.add_label(label);
    }
    for record in without_halt_conditions(records) {
        let Some(record) = record else { break };
        let counted = matches!(
            record,
            Record::Statement { .. }
                | Record::Query { .. }
                | Record::System { .. }
                | Record::Let { .. }
        );
        let sql = record_sql(&record);
        match catch_unwind(AssertUnwindSafe(|| runner.run(record))) {
            Ok(Ok(RecordOutput::Nothing)) => {}
            Ok(Ok(_)) => {
                result.records += usize::from(counted);
                result.passed += usize::from(counted);
            }
            Ok(Err(e)) => {
                result.records += 1;
                result.failures.push(e.display(false).to_string());
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                result.records += 1;
                result
                    .failures
                    .push(format!("engine panicked: {msg}\n[SQL] {sql}"));
            }
        }
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// The records to run, with `halt` resolved: `None` where a halt applies to us.
///
/// The parser gives a `halt` no conditions of its own: the `onlyif mssql` before it
/// stays pending and lands on the next statement, which would then be skipped. Here the
/// conditions before a halt decide the halt, and are taken off the next record.
fn without_halt_conditions(
    records: Vec<Record<DefaultColumnType>>,
) -> impl Iterator<Item = Option<Record<DefaultColumnType>>> {
    let mut pending: Vec<Condition> = Vec::new();
    let mut consumed = 0;
    records
        .into_iter()
        .filter_map(move |mut record| match &mut record {
            Record::Condition(c) => {
                pending.push(c.clone());
                None
            }
            Record::Halt { .. } => {
                if pending.iter().all(|c| !skips(c)) {
                    return Some(None);
                }
                consumed += pending.len();
                pending.clear();
                None
            }
            Record::Statement { conditions, .. }
            | Record::Query { conditions, .. }
            | Record::System { conditions, .. }
            | Record::Let { conditions, .. } => {
                conditions.drain(..consumed.min(conditions.len()));
                consumed = 0;
                pending.clear();
                Some(Some(record))
            }
            _ => Some(Some(record)),
        })
}

/// Whether `c` skips a record for us.
fn skips(c: &Condition) -> bool {
    match c {
        Condition::OnlyIf { label } => !LABELS.contains(&label.as_str()),
        Condition::SkipIf { label } => LABELS.contains(&label.as_str()),
    }
}

fn record_sql(record: &Record<DefaultColumnType>) -> String {
    match record {
        Record::Statement { sql, loc, .. } | Record::Query { sql, loc, .. } => {
            format!("{sql}\nat {loc}")
        }
        _ => String::new(),
    }
}
