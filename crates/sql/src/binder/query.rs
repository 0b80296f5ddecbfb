//! The binder's state, statement dispatch, query levels and name resolution across them.

use std::sync::Arc;

use rustydb_common::DbError;
use sqlparser::ast::Statement;

use super::aggregate::AggCollector;
use super::errors;
use super::names;
use super::scope::{Lookup, Scope};
use super::window::WinCollector;
use super::{BindContext, BoundStatement};
use crate::catalog::{CatalogState, Entry, Oid, SequenceDef, TableRef, ViewDef};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

/// Where an expression stands, for PostgreSQL's "not allowed in" messages and for what
/// it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clause {
    /// The select list (aggregates and windows allowed).
    Select,
    /// WHERE.
    Where,
    /// HAVING (aggregates allowed).
    Having,
    /// GROUP BY.
    GroupBy,
    /// ORDER BY of a SELECT (aggregates and windows allowed).
    OrderBy,
    /// JOIN ... ON.
    JoinOn,
    /// VALUES rows.
    Values,
    /// LIMIT.
    Limit,
    /// OFFSET.
    Offset,
    /// RETURNING.
    Returning,
    /// UPDATE's SET and ON CONFLICT DO UPDATE.
    Update,
    /// A column DEFAULT.
    Default,
    /// A CHECK constraint.
    Check,
    /// A window's PARTITION BY / ORDER BY (aggregates allowed, windows not).
    Window,
    /// DISTINCT ON.
    DistinctOn,
    /// Anything else (function arguments of utility statements).
    Other,
}

impl Clause {
    /// The clause as PostgreSQL's messages name it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Clause::Select => "SELECT",
            Clause::Where => "WHERE",
            Clause::Having => "HAVING",
            Clause::GroupBy => "GROUP BY",
            Clause::OrderBy => "ORDER BY",
            Clause::JoinOn => "JOIN conditions",
            Clause::Values => "VALUES",
            Clause::Limit => "LIMIT",
            Clause::Offset => "OFFSET",
            Clause::Returning => "RETURNING",
            Clause::Update => "UPDATE",
            Clause::Default => "DEFAULT expressions",
            Clause::Check => "check constraints",
            Clause::Window => "window definitions",
            Clause::DistinctOn => "DISTINCT ON",
            Clause::Other => "this context",
        }
    }
}

/// An enclosing query level, as its subqueries see it.
#[derive(Debug)]
pub(crate) struct Level {
    /// Its FROM scope.
    pub(crate) scope: Scope,
    /// Whether the subquery entered from this level refers to this level or beyond.
    pub(crate) correlated: bool,
    /// Whether some deeper query referred to a column of this level.
    pub(crate) hit: bool,
}

/// A WITH query in scope.
#[derive(Debug, Clone)]
pub(crate) struct CteBinding {
    /// Its name.
    pub(crate) name: String,
    /// Its plan (a `WorkTable` while binding the recursive part of itself).
    pub(crate) plan: Arc<LogicalPlan>,
    /// Shared id of its scans.
    pub(crate) id: usize,
    /// Whether references read the working table of a recursive CTE being bound.
    pub(crate) worktable: bool,
    /// Output columns.
    pub(crate) columns: Vec<(String, DataType)>,
}

/// What a relation name denotes.
#[derive(Debug, Clone)]
pub(crate) enum RelationTarget {
    /// A table.
    Table(TableRef),
    /// A view.
    View(ViewDef),
    /// A WITH query.
    Cte(CteBinding),
    /// A `pg_catalog` or `information_schema` relation.
    System(&'static crate::catalog::system::SystemRelation),
}

/// Per-query-level state, saved around nested levels.
#[derive(Debug, Default)]
pub(crate) struct LevelState {
    /// Aggregate calls met so far.
    pub(crate) agg: AggCollector,
    /// Window calls met so far, and the level's named windows.
    pub(crate) win: WinCollector,
    /// Whether a subquery referred to this level's columns.
    pub(crate) hit: bool,
}

/// The binder. See the module documentation of `binder`.
#[derive(Debug)]
pub(crate) struct Binder<'a> {
    /// The catalog.
    pub(crate) state: &'a CatalogState,
    /// Session context.
    pub(crate) ctx: &'a BindContext,
    /// Parameter types (Unknown until inferred).
    pub(crate) params: Vec<DataType>,
    /// Enclosing query levels, innermost last.
    pub(crate) outer: Vec<Level>,
    /// WITH queries in scope, innermost last.
    pub(crate) ctes: Vec<CteBinding>,
    /// Next CTE / working-table id.
    pub(crate) next_id: usize,
    /// The clause being bound.
    pub(crate) clause: Clause,
    /// The current level's aggregate / window collection and subquery-hit flag.
    pub(crate) level: LevelState,
    /// Views being expanded (a view defined over itself would recurse).
    pub(crate) views: Vec<Oid>,
    /// Every table, view and sequence the statement referred to (dependencies of a
    /// view or default).
    pub(crate) deps: Vec<Oid>,
    /// Every table or view read by name, with the view whose query named it (whose
    /// owner's privileges apply), for the session's privilege checks.
    pub(crate) reads: Vec<super::RelationRead>,
    /// Working tables of recursive CTEs some scan read (a recursive CTE that does not
    /// read itself is an ordinary one).
    pub(crate) worktables_read: Vec<usize>,
    /// The next query bound is the statement's own: its WITH may hold data-modifying
    /// queries (taken by the first query bound, so nested ones see `false`).
    pub(crate) top_level_with: bool,
}

impl<'a> Binder<'a> {
    /// A binder over `state`.
    pub(crate) fn new(state: &'a CatalogState, ctx: &'a BindContext) -> Binder<'a> {
        Binder {
            state,
            ctx,
            params: ctx.param_types.clone(),
            outer: Vec::new(),
            ctes: Vec::new(),
            next_id: 0,
            clause: Clause::Other,
            level: LevelState::default(),
            views: Vec::new(),
            deps: Vec::new(),
            reads: Vec::new(),
            worktables_read: Vec::new(),
            top_level_with: false,
        }
    }

    /// Binds one statement.
    pub(crate) fn bind_statement(&mut self, stmt: &Statement) -> Result<BoundStatement, DbError> {
        match stmt {
            Statement::Query(q) => {
                let plan = match self.bind_dml_query(q, true)? {
                    Some(plan) => plan,
                    None => {
                        self.top_level_with = true;
                        self.bind_query(q, true)?
                    }
                };
                self.finish(plan)
            }
            Statement::Insert(ins) => {
                let plan = self.bind_insert(ins)?;
                self.finish(plan)
            }
            Statement::Update(upd) => {
                let plan = self.bind_update(upd)?;
                self.finish(plan)
            }
            Statement::Delete(del) => {
                let plan = self.bind_delete(del)?;
                self.finish(plan)
            }
            Statement::Explain {
                analyze,
                verbose,
                statement,
                options,
                format,
                describe_alias,
                ..
            } => {
                if *describe_alias != sqlparser::ast::DescribeAlias::Explain {
                    return Err(errors::unsupported("DESCRIBE"));
                }
                super::utility::check_explain_format(format.as_ref())?;
                let (analyze, verbose) =
                    super::utility::explain_options(*analyze, *verbose, options.as_deref())?;
                let inner = self.bind_statement(statement)?;
                if !matches!(inner, BoundStatement::Query { .. }) {
                    // Only queries and DML have plans to show, as in PostgreSQL's grammar.
                    let word = statement.to_string();
                    let word = word
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    return Err(errors::syntax(format!(
                        "syntax error at or near \"{word}\""
                    )));
                }
                Ok(BoundStatement::Explain {
                    analyze,
                    verbose,
                    inner: Box::new(inner),
                })
            }
            other => match super::ddl_bind::bind_ddl(other)? {
                Some(ddl) => Ok(BoundStatement::Ddl(ddl)),
                None => Ok(BoundStatement::Utility(self.bind_utility(other)?)),
            },
        }
    }

    /// Resolves the parameter types left open and wraps the plan.
    fn finish(&mut self, mut plan: LogicalPlan) -> Result<BoundStatement, DbError> {
        for t in &mut self.params {
            if *t == DataType::Unknown {
                *t = DataType::Text;
            }
        }
        let params = self.params.clone();
        super::walk::exprs_mut(&mut plan, &mut |e| {
            if let ScalarExpr::Param { index, ty } = e
                && *ty == DataType::Unknown
            {
                *ty = params.get(*index).cloned().unwrap_or(DataType::Text);
            }
        });
        Ok(BoundStatement::Query {
            plan,
            param_types: self.params.clone(),
        })
    }

    /// A fresh CTE / working-table id.
    pub(crate) fn new_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    /// Runs `f` as a new query level: aggregate and window collection start empty and
    /// the enclosing level's are restored afterwards.
    pub(crate) fn in_new_level<R>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        let saved = std::mem::take(&mut self.level);
        let clause = self.clause;
        let r = f(self);
        self.level = saved;
        self.clause = clause;
        r
    }

    /// Binds a subquery of an expression: `scope` (the current level's) becomes an
    /// enclosing level while `f` runs. Returns `f`'s result and whether the subquery is
    /// correlated.
    pub(crate) fn in_subquery<R>(
        &mut self,
        scope: &Scope,
        f: impl FnOnce(&mut Self) -> Result<R, DbError>,
    ) -> Result<(R, bool), DbError> {
        self.outer.push(Level {
            scope: scope.clone(),
            correlated: false,
            hit: false,
        });
        let r = self.in_new_level(f);
        let level = self.outer.pop().expect("pushed level");
        if level.hit {
            self.level.hit = true;
        }
        Ok((r?, level.correlated))
    }

    /// Resolves a (possibly qualified) column name: in `scope`, then in the enclosing
    /// levels, innermost first.
    pub(crate) fn resolve_column(
        &mut self,
        scope: &Scope,
        qualifier: &[String],
        name: &str,
    ) -> Result<ScalarExpr, DbError> {
        if let Lookup::Found(c) = scope.lookup(qualifier, name)? {
            return Ok(c.expr.clone());
        }
        let n = self.outer.len();
        for depth in 1..=n {
            let idx = n - depth;
            let found = match self.outer[idx].scope.lookup(qualifier, name)? {
                Lookup::Found(c) => Some((c.expr.clone(), c.qualifier.clone(), c.name.clone())),
                Lookup::NotFound => None,
            };
            let Some((expr, qual, cname)) = found else {
                continue;
            };
            let expr = match &self.outer[idx].scope.grouped {
                Some(g) => {
                    let key = format!("{expr:?}");
                    match g.keys.iter().position(|k| *k == key) {
                        Some(k) => ScalarExpr::Column {
                            index: k,
                            ty: expr.ty(),
                        },
                        None => {
                            let shown = qual.map_or(cname.clone(), |q| format!("{q}.{cname}"));
                            return Err(super::aggregate::ungrouped_error(&shown));
                        }
                    }
                }
                None => expr,
            };
            self.outer[idx].hit = true;
            for l in &mut self.outer[idx..] {
                l.correlated = true;
            }
            return Ok(to_outer(expr, depth));
        }
        Err(match qualifier.last() {
            Some(q) => errors::missing_from(q),
            None => errors::undefined_column(None, name),
        })
    }

    /// What a relation name in FROM denotes: a WITH query (unqualified names only), else
    /// a table or view found through the search path.
    pub(crate) fn lookup_relation(
        &mut self,
        parts: &[String],
    ) -> Result<(Option<String>, RelationTarget), DbError> {
        if let [name] = parts
            && let Some(c) = self.ctes.iter().rev().find(|c| &c.name == name)
        {
            return Ok((None, RelationTarget::Cte(c.clone())));
        }
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        if let Some(rel) = self.system_relation(schema.as_deref(), &name)? {
            return Ok((Some(rel.schema.to_string()), RelationTarget::System(rel)));
        }
        let (schema, entry) = self.find_relation_entry(schema.as_deref(), &name)?;
        self.deps.push(entry.oid());
        self.reads.push(super::RelationRead {
            relation: entry.oid(),
            via_view: self.views.last().copied(),
        });
        let target = match entry {
            Entry::Table(t) => RelationTarget::Table(
                self.state
                    .table_by_oid(t.oid)
                    .ok_or_else(|| errors::undefined_table(&name))?,
            ),
            Entry::View(v) => RelationTarget::View(v.clone()),
            Entry::Sequence(_) => return Err(errors::unsupported("selecting from a sequence")),
            _ => {
                return Err(errors::wrong_object_type(format!(
                    "\"{name}\" is not a table or view"
                )));
            }
        };
        Ok((Some(schema), target))
    }

    /// The catalog entry of a relation-like object, through the search path when
    /// unqualified. 42P01 if none.
    pub(crate) fn find_relation_entry(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> Result<(String, &'a Entry), DbError> {
        find_relation(self.state, self.ctx, schema, name)
    }

    /// The table a DML statement targets (views are not updatable here).
    pub(crate) fn target_table(&self, parts: &[String]) -> Result<TableRef, DbError> {
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        if let Some(rel) = self.system_relation(schema.as_deref(), &name)? {
            return Err(super::system_relations::read_only(rel));
        }
        let (_, entry) = self.find_relation_entry(schema.as_deref(), &name)?;
        match entry {
            Entry::Table(t) => self
                .state
                .table_by_oid(t.oid)
                .ok_or_else(|| errors::undefined_table(&name)),
            Entry::View(_) => Err(errors::unsupported("modifying a view")),
            _ => Err(errors::wrong_object_type(format!(
                "\"{name}\" is not a table"
            ))),
        }
    }

    /// The sequence a `nextval('name')` argument names.
    pub(crate) fn lookup_sequence(&mut self, text: &str) -> Result<Arc<SequenceDef>, DbError> {
        let parts = parse_dotted(text);
        let (schema, name) = names::split_relation_name(&parts, &self.ctx.database)?;
        match self.find_relation_entry(schema.as_deref(), &name)? {
            (_, Entry::Sequence(s)) => {
                self.deps.push(s.oid);
                Ok(Arc::new(s.clone()))
            }
            _ => Err(errors::wrong_object_type(format!(
                "\"{name}\" is not a sequence"
            ))),
        }
    }

    /// The output columns of a plan as (name, type).
    pub(crate) fn columns_of(plan: &LogicalPlan) -> Vec<(String, DataType)> {
        plan.schema()
            .into_iter()
            .filter(|c| !c.hidden)
            .map(|c| (c.name, c.ty))
            .collect()
    }
}

/// Finds a relation-like entry by (optional) schema and name through the search path.
pub(crate) fn find_relation<'s>(
    state: &'s CatalogState,
    ctx: &BindContext,
    schema: Option<&str>,
    name: &str,
) -> Result<(String, &'s Entry), DbError> {
    match schema {
        Some(s) => match state.relation(s, name) {
            Some(e) => Ok((s.to_string(), e)),
            None => Err(errors::undefined_table(&format!("{s}.{name}"))),
        },
        None => ctx
            .search_path
            .iter()
            .find_map(|s| state.relation(s, name).map(|e| (s.clone(), e)))
            .ok_or_else(|| errors::undefined_table(name)),
    }
}

/// Splits `schema.name` text (a regclass literal) into folded parts, honouring quotes.
pub(crate) fn parse_dotted(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(if was_quoted {
                    std::mem::take(&mut cur)
                } else {
                    std::mem::take(&mut cur).to_lowercase()
                });
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    parts.push(if was_quoted { cur } else { cur.to_lowercase() });
    parts
}

/// Turns references to a level's row into outer references `depth` levels up.
fn to_outer(mut e: ScalarExpr, depth: usize) -> ScalarExpr {
    match &mut e {
        ScalarExpr::Column { index, ty } => ScalarExpr::Outer {
            depth,
            index: *index,
            ty: ty.clone(),
        },
        ScalarExpr::Outer { depth: d, .. } => {
            *d += depth;
            e
        }
        _ => {
            e.for_each_child_mut(&mut |c| {
                let taken = std::mem::replace(c, ScalarExpr::null(DataType::Unknown));
                *c = to_outer(taken, depth);
            });
            e
        }
    }
}
