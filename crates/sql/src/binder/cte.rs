//! WITH queries: each bound once and shared by its references (one `CteScan` id), and
//! WITH RECURSIVE as an anchor and a recursive part over the working table.
//!
//! A data-modifying WITH query (`WITH d AS (DELETE .. RETURNING ..)`) is allowed in the
//! statement's own WITH only, as in PostgreSQL; the executor runs it to completion once,
//! when first read or after the rest of the statement. RustyDB requires the statement to
//! read it (0A000 otherwise): the plan has no place for a query nothing reads.

use std::sync::Arc;

use rustydb_common::DbError;
use sqlparser::ast::{Query, SetExpr, SetOperator, SetQuantifier, Statement, With};

use super::errors::{self, WithMessage};
use super::names;
use super::query::{Binder, CteBinding};
use super::setop::NO_TAIL;
use crate::plan::logical::{Column, LogicalPlan};
use crate::types::DataType;

impl Binder<'_> {
    /// `[WITH ...] INSERT / UPDATE / DELETE` written as a query (a statement, or a WITH
    /// query of one); `None` if `q` is not one. `top_level`: its WITH is the statement's.
    pub(crate) fn bind_dml_query(
        &mut self,
        q: &Query,
        top_level: bool,
    ) -> Result<Option<LogicalPlan>, DbError> {
        let Some(dml) = dml_body(q) else {
            return Ok(None);
        };
        let mark = self.ctes.len();
        let r = match &q.with {
            Some(w) => self.bind_with(w, top_level),
            None => Ok(()),
        }
        .and_then(|()| match dml {
            Statement::Insert(i) => self.bind_insert(i),
            Statement::Update(u) => self.bind_update(u),
            Statement::Delete(d) => self.bind_delete(d),
            _ => Err(errors::unsupported("this statement in WITH")),
        })
        .and_then(|plan| self.check_modifying_ctes_read(mark, &plan).map(|()| plan));
        self.ctes.truncate(mark);
        r.map(Some)
    }

    /// Fails if `plan` does not read a data-modifying WITH query bound since `mark`
    /// (directly, through other WITH queries or in a subquery).
    pub(crate) fn check_modifying_ctes_read(
        &self,
        mark: usize,
        plan: &LogicalPlan,
    ) -> Result<(), DbError> {
        let mut read = Vec::new();
        if self.ctes[mark..].iter().any(|c| is_modifying(&c.plan)) {
            read = crate::exec::modifying_cte_ids(plan);
        }
        let unread = self.ctes[mark..]
            .iter()
            .find(|c| is_modifying(&c.plan) && !read.contains(&c.id));
        match unread {
            Some(c) => Err(errors::unsupported(format!(
                "a data-modifying WITH query that the statement does not read (\"{}\")",
                c.name
            ))
            .with_hint(
                "Read its RETURNING rows in the statement, or run it as a statement of its own.",
            )),
            None => Ok(()),
        }
    }

    /// WITH: each query is bound once and shared by its references. `top_level`: the
    /// statement's own WITH, where data-modifying queries are allowed.
    pub(crate) fn bind_with(&mut self, with: &With, top_level: bool) -> Result<(), DbError> {
        let mark = self.ctes.len();
        for cte in &with.cte_tables {
            let name = names::ident(&cte.alias.name);
            if self.ctes[mark..].iter().any(|c| c.name == name) {
                return Err(errors::duplicate_alias(&name).with_message(format!(
                    "WITH query name \"{name}\" specified more than once"
                )));
            }
            if cte.from.is_some() {
                return Err(errors::unsupported("WITH ... FROM"));
            }
            let aliases: Vec<String> = cte
                .alias
                .columns
                .iter()
                .map(|c| names::ident(&c.name))
                .collect();
            let binding = if with.recursive {
                self.bind_recursive_cte(&name, &cte.query, &aliases)?
            } else {
                None
            };
            let binding = match binding {
                Some(b) => b,
                None => {
                    let plan = if dml_body(&cte.query).is_some() {
                        if !top_level {
                            return Err(errors::feature(
                                "WITH clause containing a data-modifying statement must be at \
                                 the top level",
                            ));
                        }
                        self.in_new_level(|b| b.bind_dml_query(&cte.query, false))?
                            .ok_or_else(|| DbError::internal("WITH query is not DML"))?
                    } else {
                        self.in_new_level(|b| b.bind_query(&cte.query, true))?
                    };
                    let columns = rename(&name, Binder::columns_of(&plan), &aliases)?;
                    let id = self.new_id();
                    CteBinding {
                        name: name.clone(),
                        plan: Arc::new(plan),
                        id,
                        worktable: false,
                        columns,
                    }
                }
            };
            self.ctes.push(binding);
        }
        Ok(())
    }

    /// `anchor UNION [ALL] recursive` where the recursive part reads the CTE itself;
    /// `None` if the query is not of that form or does not refer to itself.
    fn bind_recursive_cte(
        &mut self,
        name: &str,
        q: &Query,
        aliases: &[String],
    ) -> Result<Option<CteBinding>, DbError> {
        let SetExpr::SetOperation {
            left,
            op: SetOperator::Union,
            set_quantifier,
            right,
        } = &*q.body
        else {
            return Ok(None);
        };
        if q.order_by.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
            return Err(errors::unsupported("ORDER BY / LIMIT in a recursive query"));
        }
        let mark = self.ctes.len();
        if let Some(w) = &q.with {
            self.bind_with(w, false)?;
        }
        let anchor = self.in_new_level(|b| b.bind_set_expr(left, &NO_TAIL, true))?;
        let columns = rename(name, Binder::columns_of(&anchor), aliases)?;
        let work_id = self.new_id();
        let schema: Vec<Column> = columns
            .iter()
            .map(|(n, t)| Column::new(n.clone(), t.clone()))
            .collect();
        let work = LogicalPlan::WorkTable {
            id: work_id,
            schema: schema.clone(),
        };
        self.ctes.push(CteBinding {
            name: name.to_string(),
            plan: Arc::new(work),
            id: work_id,
            worktable: true,
            columns: columns.clone(),
        });
        let r = self.in_new_level(|b| {
            let plan = b.bind_set_expr(right, &NO_TAIL, true)?;
            let self_ref = b.worktables_read.contains(&work_id);
            Ok((plan, self_ref))
        });
        self.ctes.truncate(mark);
        let (recursive, self_ref) = r?;
        if !self_ref {
            return Ok(None);
        }
        let rs = recursive.schema();
        if rs.len() != columns.len() {
            return Err(errors::syntax(
                "each UNION query must have the same number of columns",
            ));
        }
        let mut types = Vec::new();
        for (i, ((_, at), rc)) in columns.iter().zip(&rs).enumerate() {
            let common = self.common_type(&[at.clone(), rc.ty.clone()], "UNION")?;
            if common != *at {
                return Err(errors::mismatch(format!(
                    "recursive query \"{name}\" column {} has type {} in non-recursive term but type {} overall",
                    i + 1,
                    at.sql_name(),
                    common.sql_name()
                ))
                .with_hint("Cast the output of the non-recursive term to the correct type."));
            }
            types.push(at.clone());
        }
        let recursive = self.coerce_outputs(recursive, &types)?;
        let all = match set_quantifier {
            SetQuantifier::All => true,
            SetQuantifier::Distinct | SetQuantifier::None => false,
            _ => return Err(errors::unsupported("BY NAME set operations")),
        };
        let plan = LogicalPlan::RecursiveCte {
            anchor: Box::new(anchor),
            recursive: Box::new(recursive),
            all,
            id: work_id,
            schema,
        };
        let id = self.new_id();
        Ok(Some(CteBinding {
            name: name.to_string(),
            plan: Arc::new(plan),
            id,
            worktable: false,
            columns,
        }))
    }
}

/// Applies a CTE's column list to its query's columns.
pub(crate) fn rename(
    name: &str,
    mut cols: Vec<(String, DataType)>,
    aliases: &[String],
) -> Result<Vec<(String, DataType)>, DbError> {
    if aliases.len() > cols.len() {
        return Err(errors::invalid_column_reference(format!(
            "WITH query \"{name}\" has {} columns available but {} columns specified",
            cols.len(),
            aliases.len()
        )));
    }
    for (c, a) in cols.iter_mut().zip(aliases) {
        c.0 = a.clone();
    }
    Ok(cols)
}

/// The INSERT / UPDATE / DELETE a query consists of, if it is one.
fn dml_body(q: &Query) -> Option<&Statement> {
    match &*q.body {
        SetExpr::Insert(dml) | SetExpr::Update(dml) | SetExpr::Delete(dml)
            if q.order_by.is_none() && q.limit_clause.is_none() =>
        {
            Some(dml)
        }
        _ => None,
    }
}

/// Whether a WITH query's plan is a data-modifying statement.
pub(crate) fn is_modifying(plan: &LogicalPlan) -> bool {
    matches!(
        plan,
        LogicalPlan::Insert { .. } | LogicalPlan::Update { .. } | LogicalPlan::Delete { .. }
    )
}
