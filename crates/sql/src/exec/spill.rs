//! Temporary files for an external sort: sorted runs of rows written once, read back
//! once in order, deleted when dropped (also when the statement fails half way).
//!
//! Values are written in a small self-describing format (a tag byte, then the payload)
//! rather than the heap's row format: a sort key computed by an expression has no
//! declared column type to decode it with, and nothing here is ever read by another
//! version of the program, so the format only has to round-trip exactly.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rust_decimal::Decimal;
use rustydb_common::{DbError, ErrorCode};

use crate::types::{Interval, Value};

static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

fn io_error(what: &str, e: std::io::Error) -> DbError {
    DbError::from_template(
        ErrorCode::DiskWriteFailed,
        &[("what", &what), ("reason", &e)],
    )
}

/// A run being written.
#[derive(Debug)]
pub(crate) struct RunWriter {
    path: PathBuf,
    out: BufWriter<File>,
    bytes: u64,
    rows: u64,
}

/// A finished run, on disk until dropped.
#[derive(Debug)]
pub(crate) struct Run {
    path: PathBuf,
    /// Its size, for EXPLAIN ANALYZE's `Disk:`.
    pub(crate) bytes: u64,
    rows: u64,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl RunWriter {
    /// A new temporary file in the OS temp directory.
    pub(crate) fn create() -> Result<RunWriter, DbError> {
        let n = NEXT_FILE.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("rustydb-sort-{}-{n}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("a temporary sort file", e))?;
        Ok(RunWriter {
            path,
            out: BufWriter::new(file),
            bytes: 0,
            rows: 0,
        })
    }

    /// Appends a record of values.
    pub(crate) fn write(&mut self, values: &[Value]) -> Result<(), DbError> {
        let mut buf = Vec::with_capacity(64);
        for v in values {
            encode(v, &mut buf);
        }
        let len =
            u32::try_from(buf.len()).map_err(|_| DbError::internal("sort record over 4 GiB"))?;
        let res = self
            .out
            .write_all(&len.to_le_bytes())
            .and_then(|()| self.out.write_all(&buf));
        res.map_err(|e| io_error("a temporary sort file", e))?;
        self.bytes += 4 + u64::from(len);
        self.rows += 1;
        Ok(())
    }

    /// Flushes and closes the run.
    pub(crate) fn finish(mut self) -> Result<Run, DbError> {
        self.out
            .flush()
            .map_err(|e| io_error("a temporary sort file", e))?;
        let run = Run {
            path: self.path.clone(),
            bytes: self.bytes,
            rows: self.rows,
        };
        // The run now owns the file's removal.
        self.path = PathBuf::new();
        Ok(run)
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Reads a run's records back in order.
#[derive(Debug)]
pub(crate) struct RunReader {
    input: BufReader<File>,
    left: u64,
}

impl Run {
    /// Opens the run for reading.
    pub(crate) fn reader(&self) -> Result<RunReader, DbError> {
        let file = File::open(&self.path).map_err(|e| io_error("a temporary sort file", e))?;
        Ok(RunReader {
            input: BufReader::with_capacity(64 * 1024, file),
            left: self.rows,
        })
    }
}

impl RunReader {
    /// The next record of `width` values.
    pub(crate) fn next(&mut self, width: usize) -> Result<Option<Vec<Value>>, DbError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut len = [0u8; 4];
        self.input
            .read_exact(&mut len)
            .map_err(|e| io_error("a temporary sort file", e))?;
        let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
        self.input
            .read_exact(&mut buf)
            .map_err(|e| io_error("a temporary sort file", e))?;
        let mut at = 0;
        let mut out = Vec::with_capacity(width);
        for _ in 0..width {
            out.push(
                decode(&buf, &mut at)
                    .ok_or_else(|| DbError::internal("corrupt temporary sort record"))?,
            );
        }
        Ok(Some(out))
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
        Value::Int2(i) => {
            out.push(2);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Int4(i) => {
            out.push(3);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Int8(i) => {
            out.push(4);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float4(f) => {
            out.push(5);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Float8(f) => {
            out.push(6);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Numeric(d) => {
            out.push(7);
            out.extend_from_slice(&d.serialize());
        }
        Value::Text(s) => {
            out.push(8);
            put_bytes(out, s.as_bytes());
        }
        Value::Bytea(b) => {
            out.push(9);
            put_bytes(out, b);
        }
        Value::Date(d) => {
            out.push(10);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Value::Time(t) | Value::Timestamp(t) | Value::TimestampTz(t) => {
            out.push(match v {
                Value::Time(_) => 11,
                Value::Timestamp(_) => 12,
                _ => 13,
            });
            out.extend_from_slice(&t.to_le_bytes());
        }
        Value::Interval(i) => {
            out.push(14);
            out.extend_from_slice(&i.months.to_le_bytes());
            out.extend_from_slice(&i.days.to_le_bytes());
            out.extend_from_slice(&i.micros.to_le_bytes());
        }
        Value::Uuid(u) => {
            out.push(15);
            out.extend_from_slice(u);
        }
        Value::Jsonb(j) => {
            out.push(16);
            put_bytes(out, j.to_string().as_bytes());
        }
        Value::Array(items) => {
            out.push(17);
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            for item in items.iter() {
                encode(item, out);
            }
        }
    }
}

fn take<'b>(buf: &'b [u8], at: &mut usize, n: usize) -> Option<&'b [u8]> {
    let s = buf.get(*at..*at + n)?;
    *at += n;
    Some(s)
}

fn arr<const N: usize>(buf: &[u8], at: &mut usize) -> Option<[u8; N]> {
    take(buf, at, N)?.try_into().ok()
}

fn decode(buf: &[u8], at: &mut usize) -> Option<Value> {
    let tag = *buf.get(*at)?;
    *at += 1;
    let bytes = |at: &mut usize| -> Option<Vec<u8>> {
        let n = u32::from_le_bytes(arr(buf, at)?) as usize;
        take(buf, at, n).map(<[u8]>::to_vec)
    };
    Some(match tag {
        0 => Value::Null,
        1 => Value::Bool(take(buf, at, 1)?[0] != 0),
        2 => Value::Int2(i16::from_le_bytes(arr(buf, at)?)),
        3 => Value::Int4(i32::from_le_bytes(arr(buf, at)?)),
        4 => Value::Int8(i64::from_le_bytes(arr(buf, at)?)),
        5 => Value::Float4(f32::from_le_bytes(arr(buf, at)?)),
        6 => Value::Float8(f64::from_le_bytes(arr(buf, at)?)),
        7 => Value::Numeric(Decimal::deserialize(arr(buf, at)?)),
        8 => Value::Text(String::from_utf8(bytes(at)?).ok()?),
        9 => Value::Bytea(bytes(at)?),
        10 => Value::Date(i32::from_le_bytes(arr(buf, at)?)),
        11 => Value::Time(i64::from_le_bytes(arr(buf, at)?)),
        12 => Value::Timestamp(i64::from_le_bytes(arr(buf, at)?)),
        13 => Value::TimestampTz(i64::from_le_bytes(arr(buf, at)?)),
        14 => Value::Interval(Interval {
            months: i32::from_le_bytes(arr(buf, at)?),
            days: i32::from_le_bytes(arr(buf, at)?),
            micros: i64::from_le_bytes(arr(buf, at)?),
        }),
        15 => Value::Uuid(arr(buf, at)?),
        16 => Value::Jsonb(Box::new(serde_json::from_slice(&bytes(at)?).ok()?)),
        17 => {
            let n = u32::from_le_bytes(arr(buf, at)?) as usize;
            let mut items = Vec::with_capacity(n.min(buf.len()));
            for _ in 0..n {
                items.push(decode(buf, at)?);
            }
            Value::Array(Box::new(items))
        }
        _ => return None,
    })
}
