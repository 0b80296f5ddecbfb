//! COPY over the protocol: recognising COPY statements, feeding `COPY ... FROM STDIN`
//! from CopyData messages as they arrive, and sending `COPY ... TO STDOUT` output as
//! CopyData.
//!
//! `COPY FROM STDIN` streams: the engine's `Session::copy_from` reads through
//! [`CopyReader`], which reads one CopyData message at a time from the socket, so a
//! large load never sits in memory whole. CopyFail ends the load
//! with 57014 "COPY from stdin failed: <client's message>"; Flush and Sync are ignored
//! during the copy, as PostgreSQL ignores them there (drivers send Sync right after
//! Execute). `COPY TO STDOUT` output comes from the engine a line at a time and goes out
//! as one CopyData message per row (and one for a CSV header), as PostgreSQL sends it:
//! clients such as psycopg's `copy.rows()` rely on that.

use std::io::Read;

use bytes::Bytes;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Session;
use sqlparser::ast::{CopySource, CopyTarget, ObjectNamePart, Statement};

use crate::frontend::Frontend;
use crate::wire::{Next, Wire};

/// What the front end needs to know about a COPY statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CopyInfo {
    /// `COPY ... FROM STDIN`.
    pub(crate) from_stdin: bool,
    /// The number of columns copied (for CopyInResponse / CopyOutResponse).
    pub(crate) columns: usize,
}

/// Whether `sql` might hold a COPY statement (a cheap test before parsing).
pub(crate) fn mentions_copy(sql: &str) -> bool {
    sql.as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"copy"))
}

/// The COPY details of `stmt`, if it is a COPY to or from the client.
pub(crate) fn analyze(stmt: &Statement, session: &mut Session) -> Option<CopyInfo> {
    let Statement::Copy {
        source, to, target, ..
    } = stmt
    else {
        return None;
    };
    let from_stdin = match (to, target) {
        (false, CopyTarget::Stdin) => true,
        (true, CopyTarget::Stdout) => false,
        _ => return None,
    };
    let columns = match source {
        CopySource::Table {
            table_name,
            columns,
        } if columns.is_empty() => {
            let parts: Vec<String> = table_name
                .0
                .iter()
                .filter_map(|p| match p {
                    ObjectNamePart::Identifier(id) if id.quote_style.is_some() => {
                        Some(id.value.clone())
                    }
                    ObjectNamePart::Identifier(id) => Some(id.value.to_lowercase()),
                    ObjectNamePart::Function(_) => None,
                })
                .collect();
            table_columns(session, &parts).unwrap_or(0)
        }
        CopySource::Table { columns, .. } => columns.len(),
        CopySource::Query(q) => session
            .prepare(&q.to_string(), &[])
            .map(|p| p.columns().len())
            .unwrap_or(0),
    };
    Some(CopyInfo {
        from_stdin,
        columns,
    })
}

/// The number of visible columns of a table named `parts`, as the session resolves it.
fn table_columns(session: &Session, parts: &[String]) -> Option<usize> {
    let state = session.engine().catalog().committed();
    let table = match parts {
        [schema, name] => state.table(schema, name),
        [name] => session
            .settings()
            .search_path()
            .iter()
            .find_map(|schema| state.table(schema, name))
            .or_else(|| state.table("public", name)),
        _ => None,
    }?;
    Some(table.columns().count())
}

/// Reads COPY data from the client for `Session::copy_from`.
#[derive(Debug)]
pub(crate) struct CopyReader<'a> {
    wire: &'a mut Wire,
    pending: Bytes,
    done: bool,
    /// The client's CopyFail message.
    pub(crate) failed: Option<String>,
    /// A message that does not belong in a copy (08P01).
    pub(crate) violation: Option<String>,
    /// The client went away (or sent a malformed frame, which ends the connection).
    pub(crate) closed: Option<String>,
}

impl<'a> CopyReader<'a> {
    pub(crate) fn new(wire: &'a mut Wire) -> CopyReader<'a> {
        CopyReader {
            wire,
            pending: Bytes::new(),
            done: false,
            failed: None,
            violation: None,
            closed: None,
        }
    }

    /// The error the copy ends with, given what the engine returned.
    pub(crate) fn error(&self, engine_error: DbError) -> DbError {
        if let Some(m) = &self.failed {
            return DbError::new(
                ErrorCode::TransactionTimeout,
                format!("COPY from stdin failed: {m}"),
            )
            .with_sqlstate("57014")
            .with_hint("The client abandoned the COPY (CopyFail); no rows of it were stored.");
        }
        if let Some(v) = &self.violation {
            return crate::errors::protocol_violation(v.clone());
        }
        engine_error
    }
}

impl Read for CopyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending.split_to(n));
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            match self.wire.next(None) {
                Next::Msg(Frontend::CopyData(b)) => self.pending = b,
                Next::Msg(Frontend::CopyDone) => {
                    self.done = true;
                    return Ok(0);
                }
                Next::Msg(Frontend::CopyFail(m)) => {
                    self.failed = Some(m);
                    return Err(std::io::Error::other("COPY from stdin failed"));
                }
                Next::Msg(Frontend::Sync | Frontend::Flush) => {}
                Next::Msg(other) => {
                    self.violation = Some(format!(
                        "unexpected message type 0x{:02X} during COPY from stdin",
                        other.type_byte()
                    ));
                    return Err(std::io::Error::other("protocol violation during COPY"));
                }
                Next::Bad(reason) => {
                    self.closed = Some(reason);
                    return Err(std::io::Error::other("invalid message during COPY"));
                }
                // No idle limit is set during a COPY, so a timeout cannot happen.
                Next::Closed | Next::IdleTimeout => {
                    self.closed = Some("client connection closed during COPY".into());
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "unexpected EOF on client connection with an open transaction",
                    ));
                }
            }
        }
    }
}
