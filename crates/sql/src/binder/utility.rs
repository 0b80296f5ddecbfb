//! Session and transaction commands, parsed into typed statements the session executes:
//! transaction control, SET / SHOW / RESET, VACUUM / ANALYZE / CHECKPOINT, COPY, DISCARD,
//! PREPARE / EXECUTE / DEALLOCATE.

use rustydb_common::DbError;
use rustydb_txn::IsolationLevel;
use sqlparser::ast::{
    self, AnalyzeFormat, AnalyzeFormatKind, ContextModifier, Expr, Reset, Set, Statement,
    TransactionAccessMode, TransactionIsolationLevel, TransactionMode, UtilityOption,
};

use super::errors;
use super::names;
use super::parse::INTERNAL_SCHEMA;
use super::query::Binder;
use super::scope::Scope;
use crate::catalog::TableRef;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

/// Transaction characteristics given with BEGIN or SET TRANSACTION.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnModes {
    /// ISOLATION LEVEL.
    pub isolation: Option<IsolationLevel>,
    /// READ ONLY (`Some(true)`) / READ WRITE (`Some(false)`).
    pub read_only: Option<bool>,
}

/// COPY's data format options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// CSV (true) or text (false).
    pub csv: bool,
    /// HEADER.
    pub header: bool,
    /// Field delimiter (tab for text, comma for CSV by default).
    pub delimiter: char,
    /// The string that means NULL (`\N` for text, empty for CSV by default).
    pub null: String,
    /// CSV quote character.
    pub quote: char,
    /// CSV escape character (the quote by default).
    pub escape: char,
}

/// A session or transaction command.
#[derive(Debug, Clone)]
pub enum UtilityStatement {
    /// BEGIN / START TRANSACTION.
    Begin(TxnModes),
    /// COMMIT / END (`chain`: AND CHAIN).
    Commit {
        /// Start a new transaction with the same characteristics.
        chain: bool,
    },
    /// ROLLBACK / ABORT.
    Rollback {
        /// AND CHAIN.
        chain: bool,
    },
    /// SAVEPOINT name.
    Savepoint(String),
    /// ROLLBACK TO \[SAVEPOINT\] name.
    RollbackTo(String),
    /// RELEASE \[SAVEPOINT\] name.
    Release(String),
    /// SET \[SESSION | LOCAL\] name = value; `value` None is DEFAULT.
    Set {
        /// Setting name, lower-cased (`timezone` for SET TIME ZONE).
        name: String,
        /// The value as text (list values joined with `, `), or None for DEFAULT.
        value: Option<String>,
        /// SET LOCAL: until the end of the transaction.
        local: bool,
    },
    /// SET TRANSACTION ... / SET SESSION CHARACTERISTICS AS TRANSACTION ...
    SetTransaction {
        /// The modes.
        modes: TxnModes,
        /// SESSION CHARACTERISTICS (the default for later transactions).
        session: bool,
    },
    /// SHOW name (`transaction_isolation` for SHOW TRANSACTION ISOLATION LEVEL).
    Show(String),
    /// SHOW ALL.
    ShowAll,
    /// RESET name.
    Reset(String),
    /// RESET ALL.
    ResetAll,
    /// VACUUM \[FULL\] \[ANALYZE\] \[table, ...\] (its other options are accepted and
    /// have nothing to change here).
    Vacuum {
        /// The tables (empty: all).
        tables: Vec<TableRef>,
        /// VACUUM FULL.
        full: bool,
        /// Also ANALYZE.
        analyze: bool,
    },
    /// ANALYZE \[table, ...\]. A column list is checked, then the statistics of every
    /// column are refreshed (computing them costs one scan either way).
    Analyze {
        /// The tables (empty: all).
        tables: Vec<TableRef>,
    },
    /// CHECKPOINT.
    Checkpoint,
    /// COPY table [(columns)] FROM STDIN.
    CopyFrom {
        /// The table.
        table: TableRef,
        /// Visible-column ordinals the input fields go to, in input order.
        columns: Vec<usize>,
        /// For every visible column, the value it gets when not listed (its default).
        defaults: Vec<ScalarExpr>,
        /// Format.
        options: CopyOptions,
    },
    /// COPY table / (query) TO STDOUT: the rows of `plan`.
    CopyTo {
        /// What to output.
        plan: Box<LogicalPlan>,
        /// Format.
        options: CopyOptions,
    },
    /// DISCARD ALL (and PLANS, SEQUENCES, TEMP).
    Discard,
    /// PREPARE name [(types)] AS statement.
    Prepare {
        /// Statement name.
        name: String,
        /// Declared parameter types.
        param_types: Vec<DataType>,
        /// The statement, bound when executed.
        statement: Box<Statement>,
    },
    /// EXECUTE name [(params)]: the parameter values as constant expressions.
    Execute {
        /// Statement name.
        name: String,
        /// Parameter values (unknown-typed literals take the parameter's type).
        params: Vec<ScalarExpr>,
    },
    /// DEALLOCATE \[PREPARE\] name | ALL.
    Deallocate(Option<String>),
}

/// EXPLAIN's options: ANALYZE and VERBOSE; COSTS, BUFFERS, TIMING, SUMMARY and FORMAT
/// TEXT are accepted and have no effect.
pub(crate) fn explain_options(
    mut analyze: bool,
    mut verbose: bool,
    options: Option<&[UtilityOption]>,
) -> Result<(bool, bool), DbError> {
    for o in options.unwrap_or(&[]) {
        let name = names::ident(&o.name);
        if name == "format" {
            if !matches!(&o.arg, Some(Expr::Identifier(id)) if id.value.eq_ignore_ascii_case("text"))
            {
                return Err(errors::unsupported("EXPLAIN formats other than TEXT"));
            }
            continue;
        }
        let on = match &o.arg {
            None => true,
            Some(e) => option_bool(e).ok_or_else(|| {
                errors::syntax(format!("{} requires a Boolean value", name.to_uppercase()))
            })?,
        };
        match name.as_str() {
            "analyze" => analyze = on,
            "verbose" => verbose = on,
            "costs" | "buffers" | "timing" | "summary" | "settings" | "wal" => {}
            other => {
                return Err(errors::syntax(format!(
                    "unrecognized EXPLAIN option \"{other}\""
                )));
            }
        }
    }
    Ok((analyze, verbose))
}

fn option_bool(e: &Expr) -> Option<bool> {
    let text = match e {
        Expr::Value(v) => match &v.value {
            ast::Value::Boolean(b) => return Some(*b),
            ast::Value::Number(n, _) => n.clone(),
            other => super::expr::literal_text(other)?,
        },
        Expr::Identifier(id) => id.value.clone(),
        _ => return None,
    };
    crate::types::text::parse_bool(&text).ok()
}

fn isolation(l: &TransactionIsolationLevel) -> Result<IsolationLevel, DbError> {
    Ok(match l {
        TransactionIsolationLevel::ReadUncommitted => IsolationLevel::ReadUncommitted,
        TransactionIsolationLevel::ReadCommitted => IsolationLevel::ReadCommitted,
        TransactionIsolationLevel::RepeatableRead => IsolationLevel::RepeatableRead,
        TransactionIsolationLevel::Serializable => IsolationLevel::Serializable,
        TransactionIsolationLevel::Snapshot => {
            return Err(errors::unsupported("ISOLATION LEVEL SNAPSHOT"));
        }
    })
}

fn txn_modes(modes: &[TransactionMode]) -> Result<TxnModes, DbError> {
    let mut m = TxnModes::default();
    for mode in modes {
        match mode {
            TransactionMode::IsolationLevel(l) => m.isolation = Some(isolation(l)?),
            TransactionMode::AccessMode(a) => {
                m.read_only = Some(*a == TransactionAccessMode::ReadOnly)
            }
        }
    }
    Ok(m)
}

/// A SET value as text: strings unquoted, names and numbers as written, lists joined.
fn setting_text(values: &[Expr]) -> Result<Option<String>, DbError> {
    let mut parts = Vec::new();
    for v in values {
        parts.push(match v {
            Expr::Identifier(id)
                if id.quote_style.is_none()
                    && id.value.eq_ignore_ascii_case("default")
                    && values.len() == 1 =>
            {
                return Ok(None);
            }
            Expr::Identifier(id) => names::ident(id),
            Expr::Value(val) => match &val.value {
                ast::Value::Number(n, _) => n.clone(),
                ast::Value::Boolean(b) => {
                    if *b {
                        "on".into()
                    } else {
                        "off".into()
                    }
                }
                other => super::expr::literal_text(other)
                    .ok_or_else(|| errors::syntax(format!("invalid value {other}")))?,
            },
            Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => format!("-{expr}"),
            other => other.to_string(),
        });
    }
    Ok(Some(parts.join(", ")))
}

impl Binder<'_> {
    /// Binds a session or transaction command.
    pub(crate) fn bind_utility(&mut self, stmt: &Statement) -> Result<UtilityStatement, DbError> {
        Ok(match stmt {
            Statement::StartTransaction {
                modes,
                statements,
                exception,
                modifier,
                ..
            } => {
                if !statements.is_empty() || exception.is_some() || modifier.is_some() {
                    return Err(errors::unsupported("BEGIN ... END blocks"));
                }
                UtilityStatement::Begin(txn_modes(modes)?)
            }
            Statement::Commit {
                chain,
                modifier: None,
                ..
            } => UtilityStatement::Commit { chain: *chain },
            Statement::Rollback {
                chain,
                savepoint: None,
            } => UtilityStatement::Rollback { chain: *chain },
            Statement::Rollback {
                savepoint: Some(s), ..
            } => UtilityStatement::RollbackTo(names::ident(s)),
            Statement::Savepoint { name } => UtilityStatement::Savepoint(names::ident(name)),
            Statement::ReleaseSavepoint { name } => UtilityStatement::Release(names::ident(name)),
            Statement::Set(set) => self.bind_set(set)?,
            Statement::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(names::ident)
                    .collect::<Vec<_>>()
                    .join(" ");
                match name.as_str() {
                    "all" => UtilityStatement::ShowAll,
                    "transaction isolation level" => {
                        UtilityStatement::Show("transaction_isolation".into())
                    }
                    "time zone" => UtilityStatement::Show("timezone".into()),
                    _ => UtilityStatement::Show(name),
                }
            }
            Statement::Reset(r) => match &r.reset {
                Reset::ALL => UtilityStatement::ResetAll,
                Reset::ConfigurationParameter(n) => {
                    UtilityStatement::Reset(names::object_name(n)?.join("."))
                }
                Reset::SessionAuthorization => {
                    return Err(errors::unsupported("RESET SESSION AUTHORIZATION"));
                }
            },
            Statement::Call(f) if internal_call_name(f).as_deref() == Some("checkpoint") => {
                UtilityStatement::Checkpoint
            }
            Statement::Call(f)
                if matches!(internal_call_name(f).as_deref(), Some("vacuum" | "analyze")) =>
            {
                self.bind_vacuum(f)?
            }
            Statement::Copy {
                source,
                to,
                target,
                options,
                legacy_options,
                payload,
            } => {
                if payload.is_some() {
                    return Err(errors::unsupported("COPY with inline data"));
                }
                self.bind_copy(source, *to, target, options, legacy_options)?
            }
            Statement::Discard { .. } => UtilityStatement::Discard,
            Statement::Prepare {
                name,
                data_types,
                statement,
            } => UtilityStatement::Prepare {
                name: names::ident(name),
                param_types: data_types
                    .iter()
                    .map(names::type_name)
                    .collect::<Result<_, _>>()?,
                statement: statement.clone(),
            },
            Statement::Execute {
                name: Some(name),
                parameters,
                immediate: false,
                into,
                using,
                ..
            } if into.is_empty() && using.is_empty() => {
                let mut params = Vec::with_capacity(parameters.len());
                for p in parameters {
                    params.push(self.bind_expr(p, &Scope::empty())?);
                }
                UtilityStatement::Execute {
                    name: names::object_name(name)?.join("."),
                    params,
                }
            }
            Statement::Deallocate { name, .. } => {
                let n = names::ident(name);
                UtilityStatement::Deallocate(if n == "all" && name.quote_style.is_none() {
                    None
                } else {
                    Some(n)
                })
            }
            other => return Err(errors::unsupported(super::ddl_bind::statement_name(other))),
        })
    }

    fn bind_set(&mut self, set: &Set) -> Result<UtilityStatement, DbError> {
        Ok(match set {
            Set::SingleAssignment {
                scope,
                hivevar: false,
                variable,
                values,
            } => UtilityStatement::Set {
                name: names::object_name(variable)?.join("."),
                value: setting_text(values)?,
                local: matches!(scope, Some(ContextModifier::Local)),
            },
            Set::SetTimeZone { local, value } => UtilityStatement::Set {
                name: "timezone".into(),
                value: setting_text(std::slice::from_ref(value))?,
                local: *local,
            },
            Set::SetNames { charset_name, .. } => UtilityStatement::Set {
                name: "client_encoding".into(),
                value: Some(charset_name.value.clone()),
                local: false,
            },
            Set::SetTransaction {
                modes,
                snapshot: None,
                session,
            } => UtilityStatement::SetTransaction {
                modes: txn_modes(modes)?,
                session: *session,
            },
            other => return Err(errors::unsupported(format!("{other}"))),
        })
    }

    /// The table a maintenance or COPY command names.
    pub(crate) fn utility_table(&self, name: &ast::ObjectName) -> Result<TableRef, DbError> {
        self.target_table(&names::object_name(name)?)
    }
}

/// The command a `CALL rustydb_internal.x(..)` stands for (see `parse`).
pub(crate) fn internal_call_name(f: &ast::Function) -> Option<String> {
    match names::object_name(&f.name).ok()?.as_slice() {
        [s, n] if s == INTERNAL_SCHEMA => Some(n.clone()),
        _ => None,
    }
}

/// The object name argument of an internal call.
pub(crate) fn internal_call_arg(f: &ast::Function) -> Option<ast::ObjectName> {
    let ast::FunctionArguments::List(l) = &f.args else {
        return None;
    };
    match l.args.first()? {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::CompoundIdentifier(ids))) => {
            Some(ast::ObjectName::from(ids.clone()))
        }
        _ => None,
    }
}

/// The explain format, which must be TEXT.
pub(crate) fn check_explain_format(f: Option<&AnalyzeFormatKind>) -> Result<(), DbError> {
    match f {
        None
        | Some(
            AnalyzeFormatKind::Keyword(AnalyzeFormat::TEXT)
            | AnalyzeFormatKind::Assignment(AnalyzeFormat::TEXT),
        ) => Ok(()),
        _ => Err(errors::unsupported("EXPLAIN formats other than TEXT")),
    }
}
