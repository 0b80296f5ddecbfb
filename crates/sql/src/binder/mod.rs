//! The binder: from parsed SQL (`sqlparser`'s PostgreSQL dialect) to bound plans, with
//! every name resolved against the catalog and every expression typed; and the execution
//! of DDL through the catalog.
//!
//! # Design
//!
//! **Statements.** [`bind`] classifies a statement: queries and DML become a
//! [`LogicalPlan`] ([`BoundStatement::Query`]); DDL becomes a [`DdlStatement`], a checked
//! and name-normalised description that [`execute_ddl`] carries out later inside the
//! caller's transaction (DDL is resolved against the catalog as the transaction sees it
//! when it runs, as PostgreSQL resolves utility statements at execution, so a script of
//! `CREATE TABLE` then `CREATE INDEX` works whether bound statement by statement or not);
//! session commands become a [`UtilityStatement`] for the session to run.
//!
//! **Scopes.** A query level binds its FROM clause first. Every FROM item contributes
//! columns to a scope (`scope::Scope`): a list of named entries, each an expression over the
//! row the FROM clause produces (usually a plain column reference; the merged column of
//! `JOIN .. USING` under a FULL join is a `COALESCE` of both sides), with the relation
//! alias it may be qualified with and whether a bare name reaches it. Name lookup follows
//! PostgreSQL: a qualified name looks for the relation alias first (`missing FROM-clause
//! entry` if none, `column t.x does not exist` if the relation lacks the column); a bare
//! name must match exactly one entry (42702 otherwise). A name not found at the current
//! level is looked up in the enclosing query levels (`Binder::outer`), innermost first;
//! a hit at depth `d` becomes `ScalarExpr::Outer` and marks the `d` innermost subqueries
//! as correlated. Derived tables and CTE bodies are bound with the enclosing levels'
//! scopes but without their own level's FROM items, which is what SQL allows them to see
//! (LATERAL aside).
//!
//! **Types.** Literals are typed as PostgreSQL types them: integers as `integer`, then
//! `bigint`, then `numeric`; decimals as `numeric`; quoted strings and NULL as `unknown`,
//! which takes the type the context asks for: an operator's other operand, a column being
//! assigned, a CASE's common type. An unknown literal coerced to a type is converted at
//! bind time (so `1 = 'x'` fails with 22P02 before execution, as in PostgreSQL); an
//! unknown parameter `$n` takes the type of its first context, and unknown outputs of a
//! query become `text`. Operator and function resolution, implicit-cast rules and common
//! types belong to the types and functions modules; the binder only asks them and inserts
//! the casts they call for.
//!
//! **Aggregates and windows.** Expressions of the select list, HAVING and ORDER BY are
//! bound against the FROM row first. An aggregate call met on the way is bound, appended
//! to the query's aggregate list (identical calls shared) and replaced by a placeholder
//! column reference; window calls likewise. Once everything is bound, an aggregated query
//! (GROUP BY, HAVING or any aggregate) rewrites each expression over the `Aggregate`
//! node's output: a subexpression equal to a GROUP BY key becomes that key's column, a
//! placeholder becomes its aggregate's column, and any other column reference left is an
//! ungrouped column, 42803 — unless the table's primary key is grouped, in which case the
//! column is functionally dependent and added as a key. Window placeholders become
//! columns of the `Window` node stacked on top. A subquery in such an expression reads
//! the grouped row as its outer row: when one refers to the level, the grouped parts are
//! bound a second time with the level's scope marked grouped, so that the outer reference
//! resolves to its group key's column (42803 if it has none).
//!
//! **Plan shape.** The binder builds straightforward plans for the optimizer: sequential
//! scans, nested-loop joins in written order with their ON condition, `Filter` nodes for
//! WHERE and HAVING, `Aggregate` (hash, or plain without GROUP BY), `Window`, `Project`,
//! `Distinct`, `Sort`, `Limit`, a final `Project` dropping hidden ORDER BY columns.
//! CTEs are `CteScan`s sharing one plan and id per CTE; a view is bound from its stored
//! text in place of its name. FOR UPDATE puts `LockRows` right above WHERE, where each
//! locked table's columns precede its tuple id, so the executor can re-check WHERE on a
//! concurrently updated row. INSERT's source yields one value per visible column (given
//! values assignment-cast, defaults and identity sequences filled in); UPDATE and DELETE
//! read the target with its tuple id, joined with FROM / USING, with the WHERE conjuncts
//! over the target alone as the re-check predicate.
//!
//! **DDL.** [`execute_ddl`] writes catalog rows through the transaction's `CatalogTxn`,
//! so DDL commits and rolls back with it (new relation files are recorded and removed on
//! rollback; files of dropped or replaced objects go once it commits). It takes the locks
//! PostgreSQL takes: the name of a new relation, the table in S mode to build an index
//! (no writer can be half-way, so the heap holds only committed, aborted or own versions)
//! and in X mode to alter, drop or truncate it. Names are PostgreSQL's (`t_pkey`,
//! `t_a_key`, `t_a_check`, `t_b_fkey`, `t_id_seq`, `t_a_idx`, with a digit appended on
//! collision). Work on existing rows — validating a new constraint, filling a new
//! column's default — is SQL bound here and run through the caller's executor callback,
//! each in a new command so it sees the steps before it. Dependencies are found where
//! they live: foreign keys in the catalog, view dependencies by binding each view's text
//! and recording what it reads; what depends on a dropped object is 2BP01 unless CASCADE.
//! [`CatalogTableExprs`] binds the CHECK constraints and defaults the executor needs.
//!
//! **Parsing.** sqlparser's PostgreSQL dialect, plus `CHECKPOINT`, `REINDEX`, `VACUUM`,
//! `ANALYZE` and `ALTER SEQUENCE`, which it does not parse as PostgreSQL has them; syntax
//! errors are reported PostgreSQL's way (`syntax error at or near "x"`, position in DETAIL).

mod access;
mod ddl;
mod utility;
mod utility_vacuum;

mod aggregate;
mod copy;
mod cte;
mod ddl_alter;
mod ddl_bind;
mod ddl_columns;
mod ddl_constraint;
mod ddl_drop;
mod ddl_index;
mod ddl_misc;
mod ddl_owner;
mod ddl_role;
mod ddl_role_exec;
mod ddl_table;
mod dml;
mod dml_update;
mod errors;
mod expr;
mod expr_array;
mod expr_call;
mod expr_ops;
mod from;
mod grant;
mod names;
mod order;
mod parse;
mod parse_copy;
mod parse_maintenance;
mod query;
mod scope;
mod select;
mod select_items;
mod setop;
mod srf;
mod subquery;
mod system_calls;
mod system_relations;
mod table_exprs;
mod unnest;
mod walk;
mod window;

#[cfg(test)]
mod tests;

use rustydb_common::{DbError, ErrorCode};
use rustydb_txn::Transaction;
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::catalog::{Catalog, CatalogState, CatalogTxn};
use crate::exec::QueryResult;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

pub use access::check_access;
pub use ddl::{
    AlterAction, ColumnSpec, ConstraintSpec, ConstraintSpecKind, DdlStatement, ForeignKeySpec,
    IndexSpec, ObjectKind, SequenceOptionsSpec, TableSpec, ViewSpec,
};
pub use ddl_role::RoleOptions;
pub use grant::{GrantObjects, GrantSpec};
pub use table_exprs::CatalogTableExprs;
pub use utility::{CopyOptions, TxnModes, UtilityStatement};

pub(crate) use query::Binder;

/// What binding needs from the session.
#[derive(Debug, Clone)]
pub struct BindContext {
    /// Schemas searched for unqualified names, in order (`["public"]`).
    pub search_path: Vec<String>,
    /// The session user (`current_user`).
    pub user: String,
    /// The database name (`current_database()`).
    pub database: String,
    /// Types of `$n` parameters the client declared; `Unknown` (or missing) = infer.
    pub param_types: Vec<DataType>,
    /// Optimizer hint texts of the statement, passed through untouched.
    pub hints: Vec<String>,
    /// The engine's live state, for system relations and functions (none: they are
    /// unavailable).
    pub system: Option<crate::catalog::system::SystemContext>,
    /// Set when the statement read a system relation or catalog function: its plan
    /// must not be cached, since the rows are computed when it is bound.
    pub reads_system: std::cell::Cell<bool>,
}

impl Default for BindContext {
    fn default() -> BindContext {
        BindContext {
            search_path: vec!["public".into()],
            user: "rustydb".into(),
            database: "rustydb".into(),
            param_types: Vec::new(),
            hints: Vec::new(),
            system: None,
            reads_system: std::cell::Cell::new(false),
        }
    }
}

/// A bound statement.
#[derive(Debug, Clone)]
pub enum BoundStatement {
    /// A query or DML statement: the plan, and the types of its parameters.
    Query {
        /// The plan (root Insert/Update/Delete for DML).
        plan: LogicalPlan,
        /// Type of each `$n`, inferred where the client left it open.
        param_types: Vec<DataType>,
    },
    /// `EXPLAIN [ANALYZE] [VERBOSE] statement`.
    Explain {
        /// ANALYZE: run it and show actual row counts.
        analyze: bool,
        /// VERBOSE.
        verbose: bool,
        /// The explained statement.
        inner: Box<BoundStatement>,
    },
    /// DDL, run by [`execute_ddl`].
    Ddl(DdlStatement),
    /// A session or transaction command, run by the session.
    Utility(UtilityStatement),
}

/// Parses SQL text in PostgreSQL's dialect. Syntax errors are ERR-SQL-001 (42601)
/// `syntax error at or near "x"` (or `at end of input`), with the character position
/// and the parser's expectation in DETAIL.
pub fn parse(sql: &str) -> Result<Vec<Statement>, DbError> {
    parse::parse_statements(sql).map_err(|e| errors::parse_error(sql, &e))
}

/// Parses one expression (a stored DEFAULT or CHECK).
pub(crate) fn parse_expr(sql: &str) -> Result<sqlparser::ast::Expr, DbError> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(parse::PARSER_RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| errors::parse_error(sql, &e))
}

/// Binds one statement against the catalog `state` (committed, or as the session's
/// transaction sees it).
pub fn bind(
    stmt: &Statement,
    state: &CatalogState,
    ctx: &BindContext,
) -> Result<BoundStatement, DbError> {
    Binder::new(state, ctx).bind_statement(stmt)
}

/// A table or view a statement reads by name (privilege checks need it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationRead {
    /// The table or view.
    pub relation: crate::catalog::Oid,
    /// The view whose stored query named it: the view owner's privileges apply, as
    /// in PostgreSQL. None: the statement itself named it.
    pub via_view: Option<crate::catalog::Oid>,
}

/// As [`bind`], also returning every table and view the statement reads by name (not
/// the targets of INSERT, UPDATE, DELETE and COPY, which its plan shows).
pub fn bind_with_reads(
    stmt: &Statement,
    state: &CatalogState,
    ctx: &BindContext,
) -> Result<(BoundStatement, Vec<RelationRead>), DbError> {
    let mut b = Binder::new(state, ctx);
    let bound = b.bind_statement(stmt)?;
    Ok((bound, std::mem::take(&mut b.reads)))
}

/// Executes a DDL statement inside the caller's transaction: changes go to `cat_txn`
/// (visible to the rest of the transaction, published at commit), relation files created
/// are recorded there (removed on rollback). `exec` runs plans the DDL needs (validating
/// existing rows). Returns PostgreSQL's command tag (`CREATE TABLE`).
pub fn execute_ddl(
    stmt: &DdlStatement,
    catalog: &Catalog,
    cat_txn: &mut CatalogTxn,
    txn: &mut Transaction,
    ctx: &BindContext,
    exec: &mut dyn FnMut(&LogicalPlan, &mut Transaction) -> Result<QueryResult, DbError>,
) -> Result<String, DbError> {
    let mut run = ddl::DdlRun {
        catalog,
        cat_txn,
        txn,
        ctx,
        exec,
        dropping: Vec::new(),
    };
    run.execute(stmt)
}

/// Builds the 0A000 error for a feature RustyDB leaves out (`CREATE TRIGGER is not
/// supported`).
pub(crate) fn unsupported(feature: impl std::fmt::Display) -> DbError {
    DbError::from_template(ErrorCode::FeatureNotSupported, &[("feature", &feature)])
}
