//! COPY: `COPY t [(cols)] FROM STDIN`, `COPY t | (query) TO STDOUT`, with the text and
//! CSV formats' options and PostgreSQL's defaults for each.

use rustydb_common::DbError;
use sqlparser::ast::{CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget};

use super::errors;
use super::from::{scan_plan, table_columns};
use super::names;
use super::query::Binder;
use super::utility::{CopyOptions, UtilityStatement};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan};

impl Binder<'_> {
    pub(crate) fn bind_copy(
        &mut self,
        source: &CopySource,
        to: bool,
        target: &CopyTarget,
        options: &[CopyOption],
        legacy: &[CopyLegacyOption],
    ) -> Result<UtilityStatement, DbError> {
        match (to, target) {
            (false, CopyTarget::Stdin) | (true, CopyTarget::Stdout) => {}
            _ => {
                return Err(errors::unsupported("COPY to or from a file or program")
                    .with_hint("Use COPY ... FROM STDIN / TO STDOUT."));
            }
        }
        let options = copy_options(options, legacy)?;
        match source {
            CopySource::Table {
                table_name,
                columns,
            } => {
                let table = self.utility_table(table_name)?;
                let mut ords = Vec::new();
                for c in columns {
                    let n = names::ident(c);
                    let o = table
                        .columns()
                        .position(|(_, d, _)| d.name == n)
                        .ok_or_else(|| errors::undefined_column_of(&n, &table.def.name))?;
                    if ords.contains(&o) {
                        return Err(errors::duplicate_column(&n));
                    }
                    ords.push(o);
                }
                if columns.is_empty() {
                    ords = (0..table.visible.len()).collect();
                }
                if to {
                    let scan = scan_plan(&table, &table.def.name, false);
                    let cols = table_columns(&table);
                    let exprs = ords
                        .iter()
                        .map(|&o| ScalarExpr::Column {
                            index: o,
                            ty: cols[o].1.clone(),
                        })
                        .collect();
                    let schema = ords
                        .iter()
                        .map(|&o| Column::new(cols[o].0.clone(), cols[o].1.clone()))
                        .collect();
                    let plan = LogicalPlan::Project {
                        input: Box::new(scan),
                        exprs,
                        schema,
                    };
                    return Ok(UtilityStatement::CopyTo {
                        plan: Box::new(plan),
                        options,
                    });
                }
                let defaults = (0..table.visible.len())
                    .map(|o| self.default_for(&table, o))
                    .collect::<Result<_, _>>()?;
                Ok(UtilityStatement::CopyFrom {
                    table,
                    columns: ords,
                    defaults,
                    options,
                })
            }
            CopySource::Query(q) => {
                if !to {
                    return Err(errors::syntax(
                        "syntax error: COPY (query) FROM is not valid",
                    ));
                }
                let plan = self.in_new_level(|b| b.bind_query(q, true))?;
                Ok(UtilityStatement::CopyTo {
                    plan: Box::new(plan),
                    options,
                })
            }
        }
    }
}

fn copy_options(
    options: &[CopyOption],
    legacy: &[CopyLegacyOption],
) -> Result<CopyOptions, DbError> {
    let mut csv = false;
    let (mut header, mut delimiter, mut null, mut quote, mut escape) =
        (false, None, None, '"', None);
    for o in options {
        match o {
            CopyOption::Format(f) => match names::ident(f).as_str() {
                "csv" => csv = true,
                "text" => csv = false,
                other => return Err(errors::unsupported(format!("COPY format \"{other}\""))),
            },
            CopyOption::Header(h) => header = *h,
            CopyOption::Delimiter(d) => delimiter = Some(*d),
            CopyOption::Null(n) => null = Some(n.clone()),
            CopyOption::Quote(q) => quote = *q,
            CopyOption::Escape(e) => escape = Some(*e),
            // FREEZE is a loading hint: rows are written as ordinary MVCC versions and
            // become visible at commit, as without it (docs/sql.md).
            CopyOption::Freeze(_) => {}
            CopyOption::Encoding(e)
                if e.eq_ignore_ascii_case("utf8") || e.eq_ignore_ascii_case("utf-8") => {}
            other => return Err(errors::unsupported(format!("the COPY option {other}"))),
        }
    }
    for o in legacy {
        match o {
            CopyLegacyOption::Csv(opts) => {
                csv = true;
                for c in opts {
                    match c {
                        CopyLegacyCsvOption::Header => header = true,
                        CopyLegacyCsvOption::Quote(q) => quote = *q,
                        CopyLegacyCsvOption::Escape(e) => escape = Some(*e),
                        other => {
                            return Err(errors::unsupported(format!("the COPY option {other}")));
                        }
                    }
                }
            }
            CopyLegacyOption::Header => header = true,
            CopyLegacyOption::Delimiter(d) => delimiter = Some(*d),
            CopyLegacyOption::Null(n) => null = Some(n.clone()),
            other => return Err(errors::unsupported(format!("the COPY option {other}"))),
        }
    }
    if header && !csv {
        return Err(errors::unsupported("COPY HEADER in text format"));
    }
    Ok(CopyOptions {
        csv,
        header,
        delimiter: delimiter.unwrap_or(if csv { ',' } else { '\t' }),
        null: null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() }),
        quote,
        escape: escape.unwrap_or(quote),
    })
}
