//! COPY at the engine level: `COPY t FROM STDIN` reads from any [`Read`], `COPY ... TO
//! STDOUT` writes to any [`Write`] (or into the statement result), in the text and CSV
//! formats of `crate::copy_format`.

use std::io::{Read, Write};
use std::sync::Arc;

use rustydb_common::{DbError, ErrorCode};

use super::{Session, StatementResult};
use crate::binder::{self, BoundStatement, CopyOptions, UtilityStatement};
use crate::catalog::TableRef;
use crate::copy_format::{CopyDecoder, encode_header, encode_row, fields_to_values};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan};

/// Rows inserted per executor call while loading.
const COPY_BATCH: usize = 1000;

fn io_error(e: &std::io::Error) -> DbError {
    DbError::new(
        ErrorCode::ConnectionTimeout,
        format!("could not read COPY data: {e}"),
    )
    .with_sqlstate("08006")
}

impl Session {
    /// Runs `COPY table [(columns)] FROM STDIN [WITH (...)]`, reading the data from
    /// `input`. Returns the `COPY n` result.
    pub fn copy_from(
        &mut self,
        sql: &str,
        input: &mut dyn Read,
    ) -> Result<StatementResult, DbError> {
        self.activity_begin(sql);
        self.last_plan = None;
        let started = std::time::Instant::now();
        let r = self.copy_from_inner(sql, input);
        let r = self.conclude(r);
        self.observe_statement(sql, "copy", started.elapsed(), r.as_ref().err());
        self.activity_end();
        r
    }

    fn copy_from_inner(
        &mut self,
        sql: &str,
        input: &mut dyn Read,
    ) -> Result<StatementResult, DbError> {
        let (table, columns, defaults, options) = match self.bind_utility(sql)? {
            UtilityStatement::CopyFrom {
                table,
                columns,
                defaults,
                options,
            } => (table, columns, defaults, options),
            _ => {
                return Err(DbError::new(
                    ErrorCode::SyntaxError,
                    "copy_from expects a COPY ... FROM STDIN statement",
                )
                .with_sqlstate("42601"));
            }
        };
        self.check_writable("COPY FROM")?;
        let state = self.catalog_view()?;
        let ctx = self.bind_context(sql);
        let types: Vec<_> = columns.iter().map(|&c| visible_type(&table, c)).collect();
        let names: Vec<String> = columns.iter().map(|&c| visible_name(&table, c)).collect();
        let schema: Vec<Column> = table
            .columns()
            .map(|(_, d, ty)| Column::new(d.name.clone(), ty.clone()))
            .collect();
        self.in_statement(sql, |s, txn, _| {
            let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut decoder = CopyDecoder::new(options.clone());
            let mut buf = vec![0u8; 64 * 1024];
            let mut pending: Vec<Vec<ScalarExpr>> = Vec::new();
            let mut line = 0u64;
            let mut total = 0u64;
            let flush = |s: &mut Session,
                         txn: &mut rustydb_txn::Transaction,
                         rows: Vec<Vec<ScalarExpr>>|
             -> Result<u64, DbError> {
                if rows.is_empty() {
                    return Ok(0);
                }
                let plan = LogicalPlan::Insert {
                    table: table.clone(),
                    source: Box::new(LogicalPlan::Values {
                        rows,
                        schema: schema.clone(),
                    }),
                    on_conflict: None,
                    returning: Vec::new(),
                    schema: Vec::new(),
                };
                let exprs = binder::CatalogTableExprs::new(state.clone(), ctx.clone());
                let mut ectx = s.exec_context(txn, state.clone(), &[], &exprs, false);
                let n = crate::exec::execute(&plan, &mut ectx)?.rows_affected;
                txn.next_command();
                Ok(n)
            };
            let mut eof = false;
            while !eof {
                txn.check_interrupts()?;
                let n = input.read(&mut buf).map_err(|e| io_error(&e))?;
                let rows = if n == 0 {
                    eof = true;
                    decoder.finish()?
                } else {
                    decoder.feed(&buf[..n])?
                };
                for fields in rows {
                    line += 1;
                    let values =
                        fields_to_values(fields, &types, &name_refs, &table.def.name, line)?;
                    let mut row = defaults.clone();
                    for (&col, v) in columns.iter().zip(values) {
                        let ty = visible_type(&table, col);
                        row[col] = ScalarExpr::Literal(v, ty);
                    }
                    pending.push(row);
                    if pending.len() >= COPY_BATCH {
                        total += flush(s, txn, std::mem::take(&mut pending))?;
                    }
                }
            }
            total += flush(s, txn, pending)?;
            Ok(StatementResult {
                tag: format!("COPY {total}"),
                rows_affected: total,
                ..StatementResult::default()
            })
        })
        .inspect(|r| self.note_table_change(&table, "INSERT", r.rows_affected))
    }

    /// Runs `COPY table | (query) TO STDOUT [WITH (...)]`, writing the data to `out`.
    pub fn copy_to(&mut self, sql: &str, out: &mut dyn Write) -> Result<StatementResult, DbError> {
        self.activity_begin(sql);
        self.last_plan = None;
        let started = std::time::Instant::now();
        let r = self.copy_to_inner(sql, out);
        self.observe_statement(sql, "copy", started.elapsed(), r.as_ref().err());
        self.activity_end();
        r
    }

    fn copy_to_inner(
        &mut self,
        sql: &str,
        out: &mut dyn Write,
    ) -> Result<StatementResult, DbError> {
        let r = (|| {
            let (plan, options) = match self.bind_utility(sql)? {
                UtilityStatement::CopyTo { plan, options } => (*plan, options),
                _ => {
                    return Err(DbError::new(
                        ErrorCode::SyntaxError,
                        "copy_to expects a COPY ... TO STDOUT statement",
                    )
                    .with_sqlstate("42601"));
                }
            };
            let mut r = self.copy_to_string(plan, &options, sql)?;
            for line in r.copy_out.take().unwrap_or_default() {
                out.write_all(line.as_bytes()).map_err(|e| io_error(&e))?;
            }
            Ok(r)
        })();
        self.conclude(r)
    }

    /// COPY TO STDOUT with the data in the result's `copy_out`, a line per element.
    pub(super) fn copy_to_string(
        &mut self,
        plan: LogicalPlan,
        options: &CopyOptions,
        sql: &str,
    ) -> Result<StatementResult, DbError> {
        let state = self.catalog_view()?;
        let plan = Arc::new(self.optimize(plan, &state, sql)?);
        let ctx = self.bind_context(sql);
        let r = self.run_plan(&plan, state, &ctx, sql, &[], false)?;
        let mut data = Vec::with_capacity(r.rows.len() + 1);
        if options.header {
            let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
            let mut line = String::new();
            encode_header(&names, options, &mut line);
            data.push(line);
        }
        for row in &r.rows {
            let mut line = String::new();
            encode_row(row, options, &mut line);
            data.push(line);
        }
        let n = r.rows.len() as u64;
        Ok(StatementResult {
            tag: format!("COPY {n}"),
            rows_affected: n,
            copy_out: Some(data),
            ..StatementResult::default()
        })
    }

    /// Parses and binds a single utility statement.
    fn bind_utility(&mut self, sql: &str) -> Result<UtilityStatement, DbError> {
        if self.block.is_none() {
            self.open_block(false, self.session_modes.clone());
        }
        let stmts = binder::parse(sql)?;
        let [stmt] = stmts.as_slice() else {
            return Err(DbError::new(
                ErrorCode::SyntaxError,
                "expected exactly one COPY statement",
            )
            .with_sqlstate("42601"));
        };
        let state = self.catalog_view()?;
        let ctx = self.bind_context(sql);
        match self.bind_checked(stmt, &state, &ctx)? {
            BoundStatement::Utility(u) => Ok(u),
            _ => Err(
                DbError::new(ErrorCode::SyntaxError, "expected a COPY statement")
                    .with_sqlstate("42601"),
            ),
        }
    }
}

fn visible_type(table: &TableRef, col: usize) -> crate::types::DataType {
    table
        .columns()
        .nth(col)
        .map(|(_, _, ty)| ty.clone())
        .unwrap_or(crate::types::DataType::Text)
}

fn visible_name(table: &TableRef, col: usize) -> String {
    table
        .columns()
        .nth(col)
        .map(|(_, d, _)| d.name.clone())
        .unwrap_or_default()
}
