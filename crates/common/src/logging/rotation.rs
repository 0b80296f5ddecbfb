//! A log file that rotates daily at UTC midnight and keeps its plain name.
//!
//! Operators `tail -f data/logs/rustydb.log`, so the file being written is always called
//! `rustydb.log`. The first write of a new UTC day renames it to `rustydb.log.YYYY-MM-DD`
//! (the day its lines were written, matching their UTC timestamps) and starts a fresh
//! `rustydb.log`; then rotated files older than the retention period are deleted.
//! `tracing-appender` names the *current* file by date instead, which breaks `tail -f`
//! and every command in the operations guide, hence this small writer.
//!
//! Rotation happens on a write, under the same lock as the write, so a line is never
//! split between two files and no timer thread is needed. A file left from an earlier day
//! (the server was down over midnight) is rotated when it is opened, dated by its
//! modification time. Writes go straight to the file without buffering: the last lines
//! before a crash are the ones an operator needs most.
//!
//! The clock is injectable ([`Clock`]) so tests can cross midnight without waiting.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tracing_subscriber::fmt::MakeWriter;

use super::date::{day_of, format_day, parse_day};

/// Where [`DailyFile`] gets the time from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A daily-rotating log file; cheap to clone (clones share the file). Use it as a
/// `tracing_subscriber` writer.
#[derive(Debug, Clone)]
pub struct DailyFile {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    name: String,
    keep_days: u32,
    clock: Arc<dyn Clock>,
    current: Mutex<Current>,
}

#[derive(Debug)]
struct Current {
    file: File,
    /// The UTC day whose lines the file holds.
    day: i64,
}

impl DailyFile {
    /// Opens (creating if needed) `dir/name` for appending. `dir` must exist. Rotated
    /// files dated more than `keep_days` days before today are deleted now and at every
    /// rotation.
    pub fn open(
        dir: &Path,
        name: &str,
        keep_days: u32,
        clock: Arc<dyn Clock>,
    ) -> io::Result<DailyFile> {
        let path = dir.join(name);
        let today = day_of(clock.now());
        // A non-empty file from an earlier day belongs to that day: rotate it first.
        if let Ok(meta) = fs::metadata(&path)
            && meta.len() > 0
        {
            let written = day_of(meta.modified()?);
            if written < today {
                rotate_out(dir, name, written)?;
            }
        }
        let file = open_append(&path)?;
        let shared = Shared {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            keep_days,
            clock,
            current: Mutex::new(Current { file, day: today }),
        };
        prune(&shared.dir, &shared.name, today, keep_days)?;
        Ok(DailyFile {
            shared: Arc::new(shared),
        })
    }

    /// The path of the current file, e.g. `data/logs/rustydb.log`.
    pub fn path(&self) -> PathBuf {
        self.shared.dir.join(&self.shared.name)
    }

    /// Forces what was written to disk (`fdatasync`).
    pub fn sync(&self) -> io::Result<()> {
        self.lock().file.sync_data()
    }

    fn lock(&self) -> MutexGuard<'_, Current> {
        // A panic while holding the lock cannot leave `Current` half-updated in a way
        // that matters: at worst the day is stale and the next write rotates again.
        self.shared
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes `buf` whole, rotating first if the day has changed.
    fn write_line(&self, buf: &[u8]) -> io::Result<()> {
        let shared = &self.shared;
        let mut current = self.lock();
        let today = day_of(shared.clock.now());
        // Only forward: a clock stepped back keeps writing to the current file.
        if today > current.day {
            let day = current.day;
            current.day = today;
            let rotated = rotate_out(&shared.dir, &shared.name, day)
                .and_then(|()| open_append(&self.path()))
                .map(|file| current.file = file)
                .and_then(|()| prune(&shared.dir, &shared.name, today, shared.keep_days));
            if let Err(e) = rotated {
                // Logging about logging would re-enter this lock; the notice goes into
                // the file that is still open, and rotation is retried tomorrow.
                let notice = format!("rustydb: rotating {} failed: {e}\n", self.path().display());
                current.file.write_all(notice.as_bytes())?;
            }
        }
        current.file.write_all(buf)
    }
}

impl Write for &DailyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_line(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Nothing is buffered in this process.
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for DailyFile {
    type Writer = &'a DailyFile;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Renames `dir/name` to `dir/name.YYYY-MM-DD` of `day`; if that exists (a clock stepped
/// back, or two rotations on one day), to the first free `name.YYYY-MM-DD.N`.
fn rotate_out(dir: &Path, name: &str, day: i64) -> io::Result<()> {
    let dated = format!("{name}.{}", format_day(day));
    let mut target = dir.join(&dated);
    let mut n = 1;
    while target.try_exists()? {
        target = dir.join(format!("{dated}.{n}"));
        n += 1;
    }
    fs::rename(dir.join(name), target)
}

/// Deletes rotated files of `name` dated more than `keep_days` before `today`. A rotated
/// file is `name.YYYY-MM-DD` optionally followed by `.anything` (`.1`, or `.gz` after an
/// operator compressed it); other files are left alone.
fn prune(dir: &Path, name: &str, today: i64, keep_days: u32) -> io::Result<()> {
    let oldest_kept = today - i64::from(keep_days);
    let prefix = format!("{name}.");
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let (date, tail) = rest.split_at(rest.len().min(10));
        let Some(day) = parse_day(date) else { continue };
        if (tail.is_empty() || tail.starts_with('.')) && day < oldest_kept {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// A clock the test moves by hand.
    #[derive(Debug)]
    pub(crate) struct ManualClock(Mutex<SystemTime>);

    impl ManualClock {
        /// A clock at `date` (`YYYY-MM-DD`) plus `secs` seconds, UTC.
        pub(crate) fn at(date: &str, secs: u64) -> Arc<ManualClock> {
            Arc::new(ManualClock(Mutex::new(instant(date, secs))))
        }

        pub(crate) fn set(&self, date: &str, secs: u64) {
            *self.0.lock().unwrap() = instant(date, secs);
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    pub(crate) fn instant(date: &str, secs: u64) -> SystemTime {
        let day = u64::try_from(parse_day(date).unwrap()).unwrap();
        UNIX_EPOCH + Duration::from_secs(day * 86_400 + secs)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn read(path: PathBuf) -> String {
        fs::read_to_string(path).unwrap()
    }

    #[test]
    fn midnight_rotates_and_keeps_the_current_name() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::at("2026-11-24", 86_399);
        let log = DailyFile::open(dir.path(), "rustydb.log", 30, clock.clone()).unwrap();
        (&log).write_all(b"before midnight\n").unwrap();
        clock.set("2026-11-25", 0);
        (&log).write_all(b"after midnight\n").unwrap();

        assert_eq!(names(dir.path()), ["rustydb.log", "rustydb.log.2026-11-24"]);
        assert_eq!(
            read(dir.path().join("rustydb.log.2026-11-24")),
            "before midnight\n"
        );
        assert_eq!(read(log.path()), "after midnight\n");
    }

    #[test]
    fn rotation_prunes_files_older_than_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        for old in ["2026-10-25", "2026-10-24", "2026-10-23.gz", "2026-10-26.1"] {
            fs::write(dir.path().join(format!("rustydb.log.{old}")), "old\n").unwrap();
        }
        fs::write(dir.path().join("rustydb.log.notes"), "not a rotated file\n").unwrap();
        fs::write(
            dir.path().join("error.log.2020-01-01"),
            "another log's file\n",
        )
        .unwrap();

        let clock = ManualClock::at("2026-11-23", 3600);
        let log = DailyFile::open(dir.path(), "rustydb.log", 30, clock.clone()).unwrap();
        // 2026-11-23 - 30 days = 2026-10-24: the 24th stays, older ones go.
        assert_eq!(
            names(dir.path()),
            [
                "error.log.2020-01-01",
                "rustydb.log",
                "rustydb.log.2026-10-24",
                "rustydb.log.2026-10-25",
                "rustydb.log.2026-10-26.1",
                "rustydb.log.notes"
            ]
        );

        (&log).write_all(b"a\n").unwrap();
        clock.set("2026-11-25", 60);
        (&log).write_all(b"b\n").unwrap();
        // Today is the 25th: the 24th and 25th of October are now too old.
        assert_eq!(
            names(dir.path()),
            [
                "error.log.2020-01-01",
                "rustydb.log",
                "rustydb.log.2026-10-26.1",
                "rustydb.log.2026-11-23",
                "rustydb.log.notes"
            ]
        );
    }

    #[test]
    fn a_file_left_from_an_earlier_day_is_rotated_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rustydb.log");
        fs::write(&path, "yesterday\n").unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(instant("2026-11-23", 80_000))
            .unwrap();
        let clock = ManualClock::at("2026-11-24", 10);
        let log = DailyFile::open(dir.path(), "rustydb.log", 30, clock).unwrap();
        (&log).write_all(b"today\n").unwrap();
        assert_eq!(
            read(dir.path().join("rustydb.log.2026-11-23")),
            "yesterday\n"
        );
        assert_eq!(read(path), "today\n");
    }

    #[test]
    fn a_taken_dated_name_gets_a_counter_and_backward_clocks_do_not_rotate() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("rustydb.log.2026-11-24"), "earlier\n").unwrap();
        let clock = ManualClock::at("2026-11-24", 100);
        let log = DailyFile::open(dir.path(), "rustydb.log", 30, clock.clone()).unwrap();
        (&log).write_all(b"one\n").unwrap();
        clock.set("2026-11-23", 100);
        (&log).write_all(b"two\n").unwrap();
        clock.set("2026-11-25", 100);
        (&log).write_all(b"three\n").unwrap();
        assert_eq!(read(dir.path().join("rustydb.log.2026-11-24")), "earlier\n");
        assert_eq!(
            read(dir.path().join("rustydb.log.2026-11-24.1")),
            "one\ntwo\n"
        );
        assert_eq!(read(log.path()), "three\n");
    }

    #[test]
    fn failed_rotation_keeps_logging_to_the_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        fs::create_dir(&logs).unwrap();
        let clock = ManualClock::at("2026-11-24", 100);
        let log = DailyFile::open(&logs, "rustydb.log", 30, clock.clone()).unwrap();
        (&log).write_all(b"one\n").unwrap();
        // Moving the directory away makes the rename fail; the open file still works.
        let moved = dir.path().join("moved");
        fs::rename(&logs, &moved).unwrap();
        clock.set("2026-11-25", 100);
        (&log).write_all(b"two\n").unwrap();
        let text = read(moved.join("rustydb.log"));
        assert!(text.starts_with("one\nrustydb: rotating "), "{text}");
        assert!(
            text.ends_with("failed: No such file or directory (os error 2)\ntwo\n"),
            "{text}"
        );
    }
}
