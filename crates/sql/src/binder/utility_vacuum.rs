//! VACUUM and ANALYZE (parsed in [`super::parse_maintenance`]): their options checked
//! as PostgreSQL's `ExecVacuum` checks them, with its messages, and their tables and
//! column lists resolved.
//!
//! Of the options only FULL and ANALYZE change what runs. The others are accepted and
//! have nothing to do here: VERBOSE (RustyDB reports no per-table INFO), FREEZE (there is
//! no transaction-id wraparound to prevent), SKIP_LOCKED, DISABLE_PAGE_SKIPPING,
//! INDEX_CLEANUP (index entries of dead rows are always removed), PROCESS_TOAST,
//! TRUNCATE and PARALLEL.

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr, FunctionArg, FunctionArgExpr, FunctionArguments};

use super::errors::{self, WithMessage};
use super::names;
use super::query::Binder;
use super::utility::{UtilityStatement, internal_call_name};

/// PostgreSQL's MAX_PARALLEL_WORKER_LIMIT.
const MAX_PARALLEL_WORKERS: i64 = 1024;

impl Binder<'_> {
    /// Binds `CALL rustydb_internal.vacuum(..)` / `.analyze(..)`.
    pub(crate) fn bind_vacuum(&mut self, f: &ast::Function) -> Result<UtilityStatement, DbError> {
        let analyze_command = internal_call_name(f).as_deref() == Some("analyze");
        let command = if analyze_command { "ANALYZE" } else { "VACUUM" };
        let args = match &f.args {
            FunctionArguments::List(l) => l.args.as_slice(),
            _ => &[],
        };
        let (mut full, mut analyze, mut parallel) = (false, analyze_command, false);
        let mut relations = Vec::new();
        for arg in args {
            match arg {
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(value),
                    ..
                } => {
                    let value = (!is_null(value)).then_some(value);
                    match (name.value.as_str(), analyze_command) {
                        ("verbose" | "skip_locked", _) => {
                            boolean(&name.value, value)?;
                        }
                        ("full", false) => full = boolean(&name.value, value)?,
                        ("analyze", false) => analyze = boolean(&name.value, value)?,
                        (
                            "freeze" | "disable_page_skipping" | "process_toast" | "truncate",
                            false,
                        ) => {
                            boolean(&name.value, value)?;
                        }
                        ("index_cleanup", false) => {
                            let auto =
                                |v: &Expr| text(v).is_some_and(|t| t.eq_ignore_ascii_case("auto"));
                            if !value.is_some_and(auto) {
                                boolean(&name.value, value)?;
                            }
                        }
                        ("parallel", false) => parallel = parallel_workers(value)? > 0,
                        (other, _) => {
                            return Err(errors::syntax(format!(
                                "unrecognized {command} option \"{other}\""
                            )));
                        }
                    }
                }
                FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Tuple(items))) => {
                    let Some((Expr::CompoundIdentifier(parts), columns)) = items.split_first()
                    else {
                        return Err(DbError::internal("malformed VACUUM relation"));
                    };
                    relations.push((ast::ObjectName::from(parts.clone()), columns));
                }
                _ => return Err(DbError::internal("malformed VACUUM argument")),
            }
        }
        if full && parallel {
            return Err(errors::feature(
                "VACUUM FULL cannot be performed in parallel",
            ));
        }
        if !analyze && relations.iter().any(|(_, cols)| !cols.is_empty()) {
            return Err(errors::feature(
                "ANALYZE option must be specified when a column list is provided",
            ));
        }
        let mut tables = Vec::with_capacity(relations.len());
        for (name, columns) in relations {
            let table = self.utility_table(&name)?;
            let mut seen = Vec::new();
            for c in columns {
                let Expr::Identifier(id) = c else {
                    return Err(DbError::internal("malformed VACUUM column"));
                };
                let n = names::ident(id);
                if table.column_position(&n).is_none() {
                    return Err(errors::undefined_column_of(&n, &table.def.name));
                }
                if seen.contains(&n) {
                    return Err(errors::duplicate_column(&n).with_message(format!(
                        "column \"{n}\" of relation \"{}\" appears more than once",
                        table.def.name
                    )));
                }
                seen.push(n);
            }
            tables.push(table);
        }
        Ok(if analyze_command {
            UtilityStatement::Analyze { tables }
        } else {
            UtilityStatement::Vacuum {
                tables,
                full,
                analyze,
            }
        })
    }
}

fn is_null(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if v.value == ast::Value::Null)
}

/// A word, string or number as written.
fn text(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::Number(s, _) => Some(s.clone()),
            ast::Value::Boolean(b) => Some(b.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// PostgreSQL's `defGetBoolean`: no value is true; 0 and 1; true, false, on and off in
/// any case.
fn boolean(name: &str, value: Option<&Expr>) -> Result<bool, DbError> {
    let Some(v) = value else {
        return Ok(true);
    };
    match text(v).map(|t| t.to_ascii_lowercase()).as_deref() {
        Some("1" | "true" | "on") => Ok(true),
        Some("0" | "false" | "off") => Ok(false),
        _ => Err(errors::syntax(format!("{name} requires a Boolean value"))),
    }
}

/// PARALLEL's worker count.
fn parallel_workers(value: Option<&Expr>) -> Result<i64, DbError> {
    let range = || {
        errors::syntax(format!(
            "parallel workers for vacuum must be between 0 and {MAX_PARALLEL_WORKERS}"
        ))
    };
    let Some(v) = value else {
        return Err(errors::syntax(format!(
            "parallel option requires a value between 0 and {MAX_PARALLEL_WORKERS}"
        )));
    };
    let n = match v {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(s, _) => s.parse::<i64>().ok(),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| errors::syntax("parallel requires an integer value"))?;
    if !(0..=MAX_PARALLEL_WORKERS).contains(&n) {
        return Err(range());
    }
    Ok(n)
}
