//! The session thread: the protocol state machine over one synchronous
//! [`Session`], from the first ReadyForQuery to the connection's end.
//!
//! Simple queries stream each statement's result as soon as the engine hands it over
//! (RowDescription, DataRow..., CommandComplete; EmptyQueryResponse for an empty
//! string; the first error ends the string). Strings that hold a COPY run statement by
//! statement, so `COPY ... FROM STDIN` can take its data from the client in between.
//! The extended protocol lives in `extended.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rustydb_common::DbError;
use rustydb_sql::Session;
use rustydb_sql::plan::logical::Column;
use rustydb_sql::session::StatementResult;
use rustydb_sql::types::Value;

use crate::backend::{BackendBuf, status};
use crate::copy::{self, CopyInfo, CopyReader};
use crate::errors::{
    Severity, admin_shutdown, error_fields, idle_timeout, notice_fields, protocol_violation,
};
use crate::extended::{Portal, PreparedStmt};
use crate::frontend::Frontend;
use crate::server::PgServer;
use crate::values::{binary_matches, format_of, put_binary, put_text, row_fields};
use crate::wire::{Next, Wire};

/// Flush the output once this much is buffered.
const FLUSH_AT: usize = 64 * 1024;

/// The session thread's state.
pub(crate) struct Worker {
    pub(crate) session: Session,
    pub(crate) server: Arc<PgServer>,
    wire: Wire,
    /// Output not yet written.
    pub(crate) out: BackendBuf,
    pub(crate) statements: HashMap<String, Arc<PreparedStmt>>,
    pub(crate) portals: HashMap<String, Portal>,
    /// An extended-protocol error: skip messages until Sync.
    skipping: bool,
    /// The client is gone or has been sent a FATAL: nothing more is written.
    pub(crate) closed: bool,
    /// ParameterStatus values last sent.
    reported: Vec<(&'static str, String)>,
    superuser: bool,
}

impl Worker {
    pub(crate) fn new(mut session: Session, server: Arc<PgServer>, wire: Wire) -> Worker {
        // Executes outside BEGIN share one implicit transaction until Sync.
        session.set_pipeline_mode(true);
        let user = session.user().to_string();
        let superuser = server.engine.role(&user).is_some_and(|r| r.superuser);
        let reported = crate::startup::parameter_statuses(&session, &user, superuser);
        Worker {
            session,
            server,
            wire,
            out: BackendBuf::default(),
            statements: HashMap::new(),
            portals: HashMap::new(),
            skipping: false,
            closed: false,
            reported,
            superuser,
        }
    }

    /// Serves the connection until it ends, then drops the session (rolling back an
    /// open transaction) and closes the connection.
    pub(crate) fn run(mut self) {
        let mut at_ready = true;
        while !self.closed {
            if self.stopping() {
                self.fatal(&admin_shutdown());
                break;
            }
            let msg = match self.wire.next(self.idle_limit(at_ready)) {
                Next::Msg(m) => m,
                Next::Closed => {
                    // A terminate or a server shutdown ends an idle session's read.
                    if self.stopping() {
                        self.fatal(&admin_shutdown());
                    }
                    break;
                }
                Next::IdleTimeout => {
                    self.fatal(&idle_timeout());
                    break;
                }
                Next::Bad(reason) => {
                    self.fatal(&protocol_violation(reason));
                    break;
                }
            };
            at_ready = false;
            match msg {
                Frontend::Query(sql) => {
                    self.simple_query(&sql);
                    self.end_implicit();
                    self.ready();
                    at_ready = true;
                }
                Frontend::Sync => {
                    self.skipping = false;
                    self.end_implicit();
                    self.ready();
                    at_ready = true;
                }
                Frontend::Flush => self.flush(),
                Frontend::Terminate => break,
                // Left over from a COPY that ended in an error: dropped, as PostgreSQL does.
                Frontend::CopyData(_) | Frontend::CopyDone | Frontend::CopyFail(_) => {}
                Frontend::Password(_) => {
                    self.fatal(&protocol_violation(
                        "unexpected password message outside authentication",
                    ));
                    break;
                }
                other => {
                    if !self.skipping
                        && let Err(e) = self.extended(other)
                    {
                        self.error(&e);
                        self.skipping = true;
                    }
                }
            }
        }
        self.flush();
        // The session goes first (rolling back, leaving the registry), so a client that
        // sees the connection close no longer sees the session.
        let Worker {
            session, mut wire, ..
        } = self;
        drop(session);
        wire.close();
    }

    /// Whether the session was terminated or the server is shutting down.
    fn stopping(&self) -> bool {
        self.session.entry().is_terminated() || self.server.is_shutting_down()
    }

    /// How long the next message may take: `idle_session_timeout` when waiting for a
    /// command outside a transaction.
    fn idle_limit(&self, at_ready: bool) -> Option<Duration> {
        self.server.options.idle_session_timeout.filter(|_| {
            at_ready
                && self.session.transaction_status()
                    == rustydb_sql::session::TransactionStatus::Idle
        })
    }

    /// Commits the implicit transaction a pipeline of Executes (or a Query's COPY) left
    /// open; a failed commit is reported as the error before ReadyForQuery.
    fn end_implicit(&mut self) {
        if let Err(e) = self.session.sync() {
            self.error(&e);
        }
    }

    /// Sends ReadyForQuery with the session's transaction status and flushes. Portals
    /// end with their transaction.
    pub(crate) fn ready(&mut self) {
        let st = self.session.transaction_status();
        if st == rustydb_sql::session::TransactionStatus::Idle {
            self.portals.clear();
        }
        self.out.ready(status(st));
        self.flush();
    }

    pub(crate) fn flush(&mut self) {
        write_out(&mut self.wire, &mut self.out, &mut self.closed);
    }

    /// Flushes if a good amount is buffered (inside large results).
    pub(crate) fn maybe_flush(&mut self) {
        if self.out.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Sends an ERROR, unless the session is being terminated (then the FATAL that
    /// follows says why).
    pub(crate) fn error(&mut self, e: &DbError) {
        if !self.session.entry().is_terminated() {
            self.out.error_fields(error_fields(e, Severity::Error));
        }
    }

    fn fatal(&mut self, e: &DbError) {
        self.out.error_fields(error_fields(e, Severity::Fatal));
        self.flush();
        self.closed = true;
    }

    fn simple_query(&mut self, sql: &str) {
        self.portals.remove("");
        self.statements.remove("");
        if copy::mentions_copy(sql)
            && let Ok(stmts) = rustydb_sql::binder::parse(sql)
            && stmts
                .iter()
                .any(|s| matches!(s, sqlparser::ast::Statement::Copy { .. }))
        {
            self.simple_with_copy(sql, stmts);
            self.report_parameters();
            return;
        }
        let Worker {
            session,
            wire,
            out,
            closed,
            ..
        } = self;
        let mut any = false;
        let r = session.execute_each(sql, &mut |res| {
            any = true;
            send_result(out, &res, None, &[], true);
            if out.len() >= FLUSH_AT {
                write_out(wire, out, closed);
            }
        });
        match r {
            Err(e) => self.error(&e),
            Ok(()) if !any => self.out.empty_query(),
            Ok(()) => {}
        }
        self.report_parameters();
    }

    fn simple_with_copy(&mut self, sql: &str, stmts: Vec<sqlparser::ast::Statement>) {
        let n = stmts.len();
        for stmt in stmts {
            let text = if n == 1 {
                sql.to_string()
            } else {
                stmt.to_string()
            };
            let info = copy::analyze(&stmt, &mut self.session);
            let r = match info {
                Some(ci) if ci.from_stdin => self.copy_in(&text, ci).map(|res| {
                    send_result(&mut self.out, &res, None, &[], true);
                }),
                _ => {
                    let Worker { session, out, .. } = &mut *self;
                    session.execute_each(&text, &mut |res| {
                        send_result(out, &res, info.map(|i| i.columns), &[], true);
                    })
                }
            };
            self.maybe_flush();
            if let Err(e) = r {
                self.error(&e);
                return;
            }
            if self.closed {
                return;
            }
        }
    }

    /// Runs `COPY ... FROM STDIN`: CopyInResponse, then the data as it arrives.
    pub(crate) fn copy_in(
        &mut self,
        sql: &str,
        info: CopyInfo,
    ) -> Result<StatementResult, DbError> {
        self.out.copy_in_response(info.columns);
        self.flush();
        let mut reader = CopyReader::new(&mut self.wire);
        let r = self.session.copy_from(sql, &mut reader);
        let closed = reader.closed.clone();
        let r = r.map_err(|e| reader.error(e));
        match closed {
            // A terminate or a server shutdown ends the read of COPY data too.
            Some(_) if self.stopping() => self.fatal(&admin_shutdown()),
            Some(reason) if reason.starts_with("client connection closed") => self.closed = true,
            Some(reason) => self.fatal(&protocol_violation(reason)),
            None => {}
        }
        r
    }

    /// Sends ParameterStatus for reported settings a statement changed.
    fn report_parameters(&mut self) {
        let user = self.session.user().to_string();
        let now = crate::startup::parameter_statuses(&self.session, &user, self.superuser);
        for (i, (name, value)) in now.into_iter().enumerate() {
            if self.reported.get(i).is_some_and(|(_, v)| *v != value) {
                if name == "application_name" {
                    self.session.entry().set_application_name(value.clone());
                }
                self.out.parameter_status(name, &value);
                self.reported[i].1 = value;
            }
        }
    }
}

/// Writes the buffered output to the client; once it is gone (`closed`), drops it.
fn write_out(wire: &mut Wire, out: &mut BackendBuf, closed: &mut bool) {
    if out.len() > 0 {
        if !*closed && wire.write(out.bytes()).is_err() {
            *closed = true;
        }
        out.clear();
    }
}

/// Sends one statement's result: notices, then rows (with RowDescription when
/// `describe`), COPY TO data, or just the command tag.
pub(crate) fn send_result(
    out: &mut BackendBuf,
    res: &StatementResult,
    copy_columns: Option<usize>,
    formats: &[i16],
    describe: bool,
) {
    for n in &res.notices {
        out.notice_fields(notice_fields(n));
    }
    if let Some(data) = &res.copy_out {
        out.copy_out_response(copy_columns.unwrap_or(0));
        for line in data {
            out.copy_data(Bytes::copy_from_slice(line.as_bytes()));
        }
        out.copy_done();
        out.command_complete(&res.tag);
        return;
    }
    if res.returns_rows {
        if describe {
            out.row_description(row_fields(&res.columns, formats));
        }
        for row in &res.rows {
            // Text rows cannot fail; binary ones are only sent by `extended`.
            let _ = put_row(out, row, &res.columns, formats);
        }
    }
    out.command_complete(&res.tag);
}

/// One DataRow in the formats asked for.
pub(crate) fn put_row(
    out: &mut BackendBuf,
    row: &[Value],
    columns: &[Column],
    formats: &[i16],
) -> Result<(), DbError> {
    let any_binary = formats.contains(&1);
    let cast: Vec<Option<Value>> = if any_binary {
        row.iter()
            .enumerate()
            .map(|(i, v)| match columns.get(i) {
                Some(c) if format_of(formats, i) == 1 && !binary_matches(v, &c.ty) => {
                    rustydb_sql::types::cast::cast(v, &c.ty).map(Some)
                }
                _ => Ok(None),
            })
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    out.data_row(row.len(), |w| {
        for (i, v) in row.iter().enumerate() {
            let v = cast.get(i).and_then(Option::as_ref).unwrap_or(v);
            if v.is_null() {
                w.null();
            } else if any_binary && format_of(formats, i) == 1 {
                let ty = columns.get(i).map(|c| &c.ty);
                w.field(|b| match ty {
                    Some(ty) => put_binary(v, ty, b),
                    None => put_binary(v, &rustydb_sql::types::cast::value_type(v), b),
                });
            } else {
                w.field(|b| put_text(v, b));
            }
        }
    });
    Ok(())
}
