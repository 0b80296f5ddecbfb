//! Session and transaction commands: BEGIN / COMMIT / ROLLBACK, savepoints, SET / SHOW /
//! RESET, VACUUM / ANALYZE / CHECKPOINT, PREPARE / EXECUTE / DEALLOCATE, DISCARD, COPY.

use std::sync::Arc;

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::CheckpointReason;
use sqlparser::ast::Statement;

use super::{Session, StatementResult};
use crate::binder::{TxnModes, UtilityStatement};
use crate::catalog::TableRef;
use crate::plan::logical::{Column, LogicalPlan};
use crate::session::Notice;
use crate::types::{DataType, Value};

/// Statements a failed transaction block still accepts.
pub(super) fn allowed_when_failed(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Rollback { .. } | Statement::Commit { .. })
}

/// The columns of SHOW ALL.
pub(super) fn show_all_columns() -> Vec<Column> {
    vec![
        Column::new("name", DataType::Text),
        Column::new("setting", DataType::Text),
    ]
}

fn no_block(what: &str) -> DbError {
    DbError::new(
        ErrorCode::InvalidTransactionState,
        format!("{what} can only be used in transaction blocks"),
    )
    .with_sqlstate("25P01")
}

fn in_block(what: &str) -> DbError {
    DbError::new(
        ErrorCode::InvalidTransactionState,
        format!("{what} cannot run inside a transaction block"),
    )
    .with_sqlstate("25001")
}

impl Session {
    /// Whether the session is inside BEGIN .. COMMIT.
    fn explicit(&self) -> bool {
        self.block.as_ref().is_some_and(|b| b.explicit)
    }

    pub(super) fn run_utility(
        &mut self,
        u: UtilityStatement,
        sql: &str,
        params: &[Value],
    ) -> Result<StatementResult, DbError> {
        match u {
            UtilityStatement::Begin(modes) => Ok(self.begin(modes)),
            UtilityStatement::Commit { chain } => self.commit(chain),
            UtilityStatement::Rollback { chain } => Ok(self.rollback(chain)),
            UtilityStatement::Savepoint(name) => self.savepoint(name),
            UtilityStatement::RollbackTo(name) => self.rollback_to(&name),
            UtilityStatement::Release(name) => self.release(&name),
            UtilityStatement::Set { name, value, local } => self.set(&name, value, local),
            UtilityStatement::SetTransaction { modes, session } => {
                self.set_transaction(modes, session)
            }
            UtilityStatement::Show(name) => self.show(&name),
            UtilityStatement::ShowAll => Ok(StatementResult::rows(
                show_all_columns(),
                self.settings
                    .all()
                    .into_iter()
                    .map(|(n, v)| vec![Value::Text(n), Value::Text(v)])
                    .collect(),
            )
            .tagged("SHOW")),
            UtilityStatement::Reset(name) => {
                self.save_settings();
                self.settings.reset(&name)?;
                Ok(StatementResult::command("RESET"))
            }
            UtilityStatement::ResetAll => {
                self.save_settings();
                self.settings.reset_all();
                Ok(StatementResult::command("RESET"))
            }
            UtilityStatement::Vacuum {
                tables,
                full,
                analyze,
            } => self.vacuum(tables, full, analyze),
            UtilityStatement::Analyze { tables } => {
                for t in self.tables_or_all(tables) {
                    self.engine.analyze_table(&t)?;
                }
                Ok(StatementResult::command("ANALYZE"))
            }
            UtilityStatement::Checkpoint => {
                self.engine
                    .storage()
                    .checkpoint(CheckpointReason::Requested)?;
                Ok(StatementResult::command("CHECKPOINT"))
            }
            UtilityStatement::CopyFrom { .. } => Err(DbError::from_template(
                ErrorCode::FeatureNotSupported,
                &[("feature", &"COPY FROM STDIN without an input stream")],
            )
            .with_hint("Send the data through the client's COPY support (psql's \\copy, a driver's copy_in), or Session::copy_from in the embedded library.")),
            UtilityStatement::CopyTo { plan, options } => self.copy_to_string(*plan, &options, sql),
            UtilityStatement::Discard => {
                if self.explicit() {
                    return Err(in_block("DISCARD ALL"));
                }
                self.settings.reset_all();
                self.prepared.clear();
                self.sequences = Default::default();
                Ok(StatementResult::command("DISCARD ALL"))
            }
            UtilityStatement::Prepare {
                name,
                param_types,
                statement,
            } => {
                if self.prepared.contains_key(&name) {
                    return Err(DbError::new(
                        ErrorCode::DuplicateObject,
                        format!("prepared statement \"{name}\" already exists"),
                    )
                    .with_sqlstate("42P05"));
                }
                let text = statement.to_string();
                let p = self.prepare_statement(&text, *statement, &param_types)?;
                self.prepared.insert(name, Arc::new(p));
                Ok(StatementResult::command("PREPARE"))
            }
            UtilityStatement::Execute { name, params: exprs } => {
                let p = self.prepared.get(&name).cloned().ok_or_else(|| {
                    DbError::new(
                        ErrorCode::UndefinedObject,
                        format!("prepared statement \"{name}\" does not exist"),
                    )
                    .with_sqlstate("26000")
                })?;
                let values = self.evaluate_constants(exprs, sql, params)?;
                let values = super::coerce_params(&values, &p.param_types)?;
                let Some(stmt) = &p.statement else {
                    return Ok(StatementResult::command(""));
                };
                self.run_statement(stmt, &p.sql, &values, Some(&p))
            }
            UtilityStatement::Deallocate(name) => {
                match name {
                    None => self.prepared.clear(),
                    Some(n) => {
                        if self.prepared.remove(&n).is_none() {
                            return Err(DbError::new(
                                ErrorCode::UndefinedObject,
                                format!("prepared statement \"{n}\" does not exist"),
                            )
                            .with_sqlstate("26000"));
                        }
                    }
                }
                Ok(StatementResult::command("DEALLOCATE"))
            }
        }
    }

    fn begin(&mut self, modes: TxnModes) -> StatementResult {
        if self.explicit() {
            return StatementResult::command("BEGIN").with_notice(Notice::warning(
                "25001",
                "there is already a transaction in progress",
            ));
        }
        let mut merged = self.session_modes.clone();
        merged.isolation = modes.isolation.or(merged.isolation);
        merged.read_only = modes.read_only.or(merged.read_only);
        match self.block.as_mut() {
            // Earlier statements of the same query string join the block.
            Some(b) => {
                b.explicit = true;
                b.modes = merged;
            }
            None => self.open_block(true, merged),
        }
        StatementResult::command("BEGIN")
    }

    fn commit(&mut self, chain: bool) -> Result<StatementResult, DbError> {
        if !self.explicit() {
            // An implicit block with work in it (earlier statements of the same query
            // string or pipeline) commits here; its failure is this statement's.
            if !self.end_block(true) {
                return Err(self.take_commit_error());
            }
            return Ok(
                StatementResult::command("COMMIT").with_notice(Notice::warning(
                    "25P01",
                    "there is no transaction in progress",
                )),
            );
        }
        let failed = self.block.as_ref().is_some_and(|b| b.failed);
        let modes = self.block.as_ref().map(|b| b.modes.clone());
        if !self.end_block(true) {
            return Err(self.take_commit_error());
        }
        if chain && let Some(m) = modes {
            self.open_block(true, m);
        }
        Ok(StatementResult::command(if failed {
            "ROLLBACK"
        } else {
            "COMMIT"
        }))
    }

    fn rollback(&mut self, chain: bool) -> StatementResult {
        if !self.explicit() {
            self.end_block(false);
            return StatementResult::command("ROLLBACK").with_notice(Notice::warning(
                "25P01",
                "there is no transaction in progress",
            ));
        }
        let modes = self.block.as_ref().map(|b| b.modes.clone());
        self.end_block(false);
        if chain && let Some(m) = modes {
            self.open_block(true, m);
        }
        StatementResult::command("ROLLBACK")
    }

    fn savepoint(&mut self, name: String) -> Result<StatementResult, DbError> {
        if !self.explicit() {
            return Err(no_block("SAVEPOINT"));
        }
        self.ensure_transaction()?;
        if let Some(b) = self.block.as_mut()
            && let Some(txn) = b.txn.as_mut()
        {
            txn.savepoint(&name)?;
            b.savepoints.push((name, b.cat.clone()));
        }
        Ok(StatementResult::command("SAVEPOINT"))
    }

    fn rollback_to(&mut self, name: &str) -> Result<StatementResult, DbError> {
        if !self.explicit() {
            return Err(no_block("ROLLBACK TO SAVEPOINT"));
        }
        self.ensure_transaction()?;
        let Some(b) = self.block.as_mut() else {
            return Ok(StatementResult::command("ROLLBACK"));
        };
        let Some(txn) = b.txn.as_mut() else {
            return Ok(StatementResult::command("ROLLBACK"));
        };
        txn.rollback_to(name)?;
        b.failed = false;
        if let Some(i) = b.savepoints.iter().rposition(|(n, _)| n == name) {
            b.savepoints.truncate(i + 1);
            // Undo the catalog changes made since; files created since stay recorded
            // so that a final rollback still removes them.
            let mut restored = b.savepoints[i].1.clone();
            restored.adopt_created(&b.cat);
            b.cat = restored;
        }
        Ok(StatementResult::command("ROLLBACK"))
    }

    fn release(&mut self, name: &str) -> Result<StatementResult, DbError> {
        if !self.explicit() {
            return Err(no_block("RELEASE SAVEPOINT"));
        }
        self.ensure_transaction()?;
        if let Some(b) = self.block.as_mut()
            && let Some(txn) = b.txn.as_mut()
        {
            txn.release_savepoint(name)?;
            if let Some(i) = b.savepoints.iter().rposition(|(n, _)| n == name) {
                b.savepoints.truncate(i);
            }
        }
        Ok(StatementResult::command("RELEASE"))
    }

    /// Remembers the settings before the block's first change, to undo on rollback.
    fn save_settings(&mut self) {
        let current = self.settings.clone();
        if let Some(b) = self.block.as_mut()
            && b.saved_settings.is_none()
        {
            b.saved_settings = Some(current);
        }
    }

    fn set(
        &mut self,
        name: &str,
        value: Option<String>,
        local: bool,
    ) -> Result<StatementResult, DbError> {
        if name == "transaction_isolation" {
            let level = value.as_deref().unwrap_or("read committed");
            let isolation = rustydb_txn::IsolationLevel::parse(level).ok_or_else(|| {
                DbError::new(
                    ErrorCode::InvalidParameter,
                    format!("invalid value for parameter \"transaction_isolation\": \"{level}\""),
                )
                .with_sqlstate("22023")
            })?;
            let modes = TxnModes {
                isolation: Some(isolation),
                read_only: None,
            };
            return self.set_transaction(modes, false).map(|r| r.tagged("SET"));
        }
        if local && !self.explicit() {
            return Ok(StatementResult::command("SET").with_notice(Notice::warning(
                "25P01",
                "SET LOCAL can only be used in transaction blocks",
            )));
        }
        self.save_settings();
        match value {
            Some(v) => self.settings.set(name, &v)?,
            None => self.settings.reset(name)?,
        }
        if local && let Some(b) = self.block.as_mut() {
            b.local_settings.push(name.to_string());
        }
        Ok(StatementResult::command("SET"))
    }

    fn set_transaction(
        &mut self,
        modes: TxnModes,
        session: bool,
    ) -> Result<StatementResult, DbError> {
        if session {
            if let Some(l) = modes.isolation {
                self.settings
                    .set("default_transaction_isolation", l.as_sql())?;
            }
            self.session_modes.read_only = modes.read_only.or(self.session_modes.read_only);
            return Ok(StatementResult::command("SET"));
        }
        if !self.explicit() {
            return Ok(StatementResult::command("SET").with_notice(Notice::warning(
                "25P01",
                "SET TRANSACTION can only be used in transaction blocks",
            )));
        }
        let Some(b) = self.block.as_mut() else {
            return Ok(StatementResult::command("SET"));
        };
        if let Some(l) = modes.isolation {
            if let Some(t) = &b.txn {
                if t.isolation() != l {
                    return Err(DbError::new(
                        ErrorCode::InvalidTransactionState,
                        "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                    )
                    .with_sqlstate("25001"));
                }
            } else {
                b.modes.isolation = Some(l);
            }
        }
        if let Some(ro) = modes.read_only {
            b.modes.read_only = Some(ro);
        }
        Ok(StatementResult::command("SET"))
    }

    /// The column name SHOW gives a setting (PostgreSQL keeps the canonical spelling).
    pub(super) fn show_column_name(&self, name: &str) -> String {
        crate::settings::canonical_name(name)
            .unwrap_or(name)
            .to_string()
    }

    fn show(&mut self, name: &str) -> Result<StatementResult, DbError> {
        let value = if name == "transaction_isolation" {
            let level = match &self.block {
                Some(b) => match &b.txn {
                    Some(t) => Some(t.isolation()),
                    None => b.modes.isolation,
                },
                None => None,
            };
            level
                .unwrap_or_else(|| self.default_isolation())
                .as_sql()
                .to_string()
        } else if name == "transaction_read_only" {
            let ro = self.block.as_ref().and_then(|b| b.modes.read_only);
            if ro.or(self.session_modes.read_only) == Some(true) {
                "on"
            } else {
                "off"
            }
            .into()
        } else {
            self.settings.get(name)?
        };
        let col = if name == "transaction_isolation" || name == "transaction_read_only" {
            name.to_string()
        } else {
            self.show_column_name(name)
        };
        Ok(StatementResult::rows(
            vec![Column::new(col, DataType::Text)],
            vec![vec![Value::Text(value)]],
        )
        .tagged("SHOW"))
    }

    /// The tables named, or every table when none is.
    fn tables_or_all(&self, tables: Vec<TableRef>) -> Vec<TableRef> {
        if tables.is_empty() {
            self.engine
                .catalog()
                .committed()
                .tables()
                .cloned()
                .collect()
        } else {
            tables
        }
    }

    fn vacuum(
        &mut self,
        tables: Vec<TableRef>,
        full: bool,
        analyze: bool,
    ) -> Result<StatementResult, DbError> {
        if self.explicit() {
            return Err(in_block("VACUUM"));
        }
        if full {
            return Err(DbError::from_template(
                ErrorCode::FeatureNotSupported,
                &[("feature", &"VACUUM FULL")],
            )
            .with_hint(
                "Plain VACUUM reclaims dead rows for reuse; RustyDB does not rewrite tables.",
            ));
        }
        for t in self.tables_or_all(tables) {
            self.engine.vacuum_table(&t)?;
            if analyze {
                self.engine.analyze_table(&t)?;
            }
        }
        Ok(StatementResult::command("VACUUM"))
    }

    /// Evaluates EXECUTE's parameter expressions (constants, possibly `$n` of the
    /// enclosing statement).
    fn evaluate_constants(
        &mut self,
        exprs: Vec<crate::plan::expr::ScalarExpr>,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<Value>, DbError> {
        if exprs.is_empty() {
            return Ok(Vec::new());
        }
        let schema = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| Column::new(format!("p{i}"), e.ty()))
            .collect();
        let plan = Arc::new(LogicalPlan::Values {
            rows: vec![exprs],
            schema,
        });
        let state = self.catalog_view()?;
        let ctx = self.bind_context(sql);
        let r = self.run_plan(&plan, state, &ctx, sql, params, false)?;
        Ok(r.rows.into_iter().next().unwrap_or_default())
    }
}

impl StatementResult {
    /// The same result with another command tag.
    pub(crate) fn tagged(mut self, tag: &str) -> StatementResult {
        self.tag = tag.to_string();
        self
    }
}
