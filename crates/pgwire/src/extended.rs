//! The extended query protocol: Parse, Bind, Describe, Execute, Close (Sync and Flush
//! are handled by the worker's loop).
//!
//! A portal runs its statement on its first Execute and keeps the rows it has not sent
//! yet; an Execute with a row limit sends that many and PortalSuspended, the next one
//! continues, and the last one ends with CommandComplete (`SELECT n` counting the rows
//! of that Execute, as PostgreSQL does). The rows are those of the statement as it ran
//! at the first Execute, which is what PostgreSQL's snapshot semantics give too; the
//! difference is only that they are held in memory. Portals end with their
//! transaction (at the Sync or Query that finds the session idle).

use std::sync::Arc;

use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Prepared;
use rustydb_sql::plan::logical::Column;
use rustydb_sql::types::Value;

use crate::copy::{self, CopyInfo};
use crate::frontend::Frontend;
use crate::values::{decode_binary, decode_text, format_of, row_fields, type_from_oid, wire_oid};
use crate::worker::{Worker, put_row, send_result};

/// A statement prepared with Parse.
#[derive(Debug)]
pub(crate) struct PreparedStmt {
    prepared: Prepared,
    /// COPY to or from the client, if the statement is one.
    copy: Option<CopyInfo>,
}

/// A bound statement (Bind) and where its execution stands.
#[derive(Debug)]
pub(crate) struct Portal {
    stmt: Arc<PreparedStmt>,
    params: Vec<Value>,
    formats: Vec<i16>,
    state: PortalState,
}

#[derive(Debug)]
enum PortalState {
    New,
    /// Ran; rows left to send.
    Suspended {
        columns: Vec<Column>,
        rows: std::vec::IntoIter<Vec<Value>>,
        tag: String,
    },
    Done,
}

fn protocol(msg: String) -> DbError {
    crate::errors::protocol_violation(msg)
}

impl Worker {
    /// Handles Parse, Bind, Describe, Execute or Close.
    pub(crate) fn extended(&mut self, msg: Frontend) -> Result<(), DbError> {
        match msg {
            Frontend::Parse {
                name,
                sql,
                param_types,
            } => self.parse(name, &sql, &param_types),
            Frontend::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => self.bind(portal, &statement, &param_formats, &params, result_formats),
            Frontend::Describe { kind, name } => self.describe(kind, &name),
            Frontend::Execute { portal, max_rows } => self.execute(&portal, max_rows),
            Frontend::Close { kind, name } => {
                if kind == b'S' {
                    self.statements.remove(&name);
                } else {
                    self.portals.remove(&name);
                }
                self.out.close_complete();
                Ok(())
            }
            other => Err(protocol(format!(
                "unexpected message type {}",
                other.type_byte()
            ))),
        }
    }

    fn parse(&mut self, name: String, sql: &str, oids: &[u32]) -> Result<(), DbError> {
        if !name.is_empty() && self.statements.contains_key(&name) {
            return Err(DbError::new(
                ErrorCode::DuplicateObject,
                format!("prepared statement \"{name}\" already exists"),
            )
            .with_sqlstate("42P05"));
        }
        let types = oids
            .iter()
            .map(|&o| type_from_oid(o))
            .collect::<Result<Vec<_>, _>>()?;
        let prepared = self.session.prepare(sql, &types)?;
        let copy = if copy::mentions_copy(sql) {
            rustydb_sql::binder::parse(sql)
                .ok()
                .and_then(|s| s.into_iter().next())
                .and_then(|s| copy::analyze(&s, &mut self.session))
        } else {
            None
        };
        self.statements
            .insert(name, Arc::new(PreparedStmt { prepared, copy }));
        self.out.parse_complete();
        Ok(())
    }

    fn bind(
        &mut self,
        portal: String,
        statement: &str,
        param_formats: &[i16],
        params: &[Option<bytes::Bytes>],
        result_formats: Vec<i16>,
    ) -> Result<(), DbError> {
        let stmt = self.statement(statement)?;
        let types = stmt.prepared.param_types();
        if params.len() != types.len() {
            return Err(protocol(format!(
                "bind message supplies {} parameters, but prepared statement \"{statement}\" requires {}",
                params.len(),
                types.len()
            )));
        }
        if param_formats.len() > 1 && param_formats.len() != params.len() {
            return Err(protocol(format!(
                "bind message has {} parameter formats but {} parameters",
                param_formats.len(),
                params.len()
            )));
        }
        let ncols = stmt.prepared.columns().len();
        if result_formats.len() > 1 && result_formats.len() != ncols {
            return Err(protocol(format!(
                "bind message has {} result formats but query has {ncols} columns",
                result_formats.len()
            )));
        }
        if let Some(f) = param_formats
            .iter()
            .chain(&result_formats)
            .find(|f| **f != 0 && **f != 1)
        {
            return Err(DbError::new(
                ErrorCode::InvalidParameter,
                format!("unsupported format code: {f}"),
            )
            .with_sqlstate("22023"));
        }
        let values = params
            .iter()
            .enumerate()
            .map(|(i, p)| match p {
                None => Ok(Value::Null),
                Some(b) if format_of(param_formats, i) == 1 => decode_binary(b, &types[i], i + 1),
                Some(b) => decode_text(b),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !portal.is_empty() && self.portals.contains_key(&portal) {
            return Err(DbError::new(
                ErrorCode::DuplicateObject,
                format!("portal \"{portal}\" already exists"),
            )
            .with_sqlstate("42P03"));
        }
        self.portals.insert(
            portal,
            Portal {
                stmt,
                params: values,
                formats: result_formats,
                state: PortalState::New,
            },
        );
        self.out.bind_complete();
        Ok(())
    }

    fn statement(&self, name: &str) -> Result<Arc<PreparedStmt>, DbError> {
        self.statements.get(name).cloned().ok_or_else(|| {
            DbError::new(
                ErrorCode::UndefinedObject,
                format!("prepared statement \"{name}\" does not exist"),
            )
            .with_sqlstate("26000")
        })
    }

    fn describe(&mut self, kind: u8, name: &str) -> Result<(), DbError> {
        if kind == b'S' {
            let stmt = self.statement(name)?;
            self.out
                .parameter_description(stmt.prepared.param_types().iter().map(wire_oid).collect());
            describe_rows(self, &stmt, &[]);
            return Ok(());
        }
        let Some(p) = self.portals.get(name) else {
            return Err(no_portal(name));
        };
        let (stmt, formats) = (p.stmt.clone(), p.formats.clone());
        describe_rows(self, &stmt, &formats);
        Ok(())
    }

    fn execute(&mut self, name: &str, max_rows: i32) -> Result<(), DbError> {
        let Some(mut portal) = self.portals.remove(name) else {
            return Err(no_portal(name));
        };
        let r = self.run_portal(&mut portal, max_rows);
        self.portals.insert(name.to_string(), portal);
        r
    }

    fn run_portal(&mut self, portal: &mut Portal, max_rows: i32) -> Result<(), DbError> {
        if let PortalState::New = portal.state {
            portal.state = PortalState::Done;
            let stmt = portal.stmt.clone();
            if stmt.prepared.is_empty() {
                self.out.empty_query();
                return Ok(());
            }
            if let Some(ci) = stmt.copy.filter(|c| c.from_stdin) {
                let res = self.copy_in(stmt.prepared.sql(), ci)?;
                send_result(&mut self.out, &res, None, &[], false);
                return Ok(());
            }
            let mut res = self
                .session
                .execute_prepared(&stmt.prepared, &portal.params)?;
            if res.copy_out.is_some() || !res.returns_rows {
                send_result(
                    &mut self.out,
                    &res,
                    stmt.copy.map(|c| c.columns),
                    &portal.formats,
                    false,
                );
                return Ok(());
            }
            for n in std::mem::take(&mut res.notices) {
                self.out.notice_fields(crate::errors::notice_fields(&n));
            }
            portal.state = PortalState::Suspended {
                columns: std::mem::take(&mut res.columns),
                rows: std::mem::take(&mut res.rows).into_iter(),
                tag: res.tag,
            };
        }
        let PortalState::Suspended { columns, rows, tag } = &mut portal.state else {
            // Ran to completion before: nothing more to return.
            self.out.command_complete("SELECT 0");
            return Ok(());
        };
        let limit = if max_rows > 0 {
            max_rows as usize
        } else {
            usize::MAX
        };
        let mut sent = 0usize;
        while sent < limit {
            let Some(row) = rows.next() else { break };
            put_row(&mut self.out, &row, columns, &portal.formats)?;
            sent += 1;
            self.maybe_flush();
        }
        if sent == limit {
            // As PostgreSQL: a limit reached means "suspended", even if no row is left
            // (the next Execute then completes with zero rows).
            self.out.portal_suspended();
            return Ok(());
        }
        let tag = if tag.starts_with("SELECT") {
            format!("SELECT {sent}")
        } else {
            std::mem::take(tag)
        };
        portal.state = PortalState::Done;
        self.out.command_complete(&tag);
        Ok(())
    }
}

fn describe_rows(w: &mut Worker, stmt: &PreparedStmt, formats: &[i16]) {
    let columns = stmt.prepared.columns();
    if columns.is_empty() || stmt.copy.is_some() {
        w.out.no_data();
    } else {
        w.out.row_description(row_fields(columns, formats));
    }
}

fn no_portal(name: &str) -> DbError {
    DbError::new(
        ErrorCode::UndefinedObject,
        format!("portal \"{name}\" does not exist"),
    )
    .with_sqlstate("34000")
}
