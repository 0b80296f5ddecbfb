//! DDL statements: their checked, name-normalised form ([`DdlStatement`]), built from the
//! AST by `bind_ddl` (in `ddl_bind`) without looking at the catalog, and the dispatch of their
//! execution (`DdlRun`), which resolves names against the catalog as the transaction
//! sees it when the statement runs.

use std::sync::Arc;

use rustydb_common::DbError;
use rustydb_txn::Transaction;

use super::BindContext;
use super::errors;
use super::names;
use crate::catalog::{Catalog, CatalogState, CatalogTxn, Entry, FkAction, Identity};
use crate::exec::QueryResult;
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;

/// A DDL statement, ready to execute.
#[derive(Debug, Clone, PartialEq)]
pub enum DdlStatement {
    /// CREATE TABLE.
    CreateTable(TableSpec),
    /// CREATE \[UNIQUE\] INDEX.
    CreateIndex(IndexSpec),
    /// CREATE \[OR REPLACE\] VIEW.
    CreateView(ViewSpec),
    /// CREATE SCHEMA.
    CreateSchema {
        /// Name.
        name: String,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// CREATE SEQUENCE.
    CreateSequence {
        /// Name parts.
        name: Vec<String>,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// Options.
        options: SequenceOptionsSpec,
    },
    /// ALTER SEQUENCE.
    AlterSequence {
        /// Name parts.
        name: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
        /// Options to change.
        options: SequenceOptionsSpec,
    },
    /// ALTER TABLE.
    AlterTable {
        /// Name parts.
        name: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
        /// Actions, applied in order.
        actions: Vec<AlterAction>,
    },
    /// ALTER INDEX ... RENAME TO.
    RenameIndex {
        /// Name parts.
        name: Vec<String>,
        /// New name.
        new_name: String,
    },
    /// DROP TABLE / VIEW / INDEX / SEQUENCE / SCHEMA.
    Drop {
        /// What kind of object.
        kind: ObjectKind,
        /// Name parts of each.
        names: Vec<Vec<String>>,
        /// IF EXISTS.
        if_exists: bool,
        /// CASCADE.
        cascade: bool,
    },
    /// TRUNCATE.
    Truncate {
        /// Tables.
        names: Vec<Vec<String>>,
        /// RESTART IDENTITY.
        restart_identity: bool,
        /// CASCADE (also truncate tables referencing these).
        cascade: bool,
    },
    /// REINDEX INDEX / TABLE.
    Reindex {
        /// REINDEX TABLE (all its indexes) rather than one index.
        table: bool,
        /// Name parts.
        name: Vec<String>,
    },
    /// CREATE ROLE / CREATE USER (which implies LOGIN).
    CreateRole {
        /// Name.
        name: String,
        /// Options given.
        options: super::RoleOptions,
    },
    /// ALTER ROLE / USER name \[WITH\] options.
    AlterRole {
        /// Name.
        name: String,
        /// Options to change.
        options: super::RoleOptions,
    },
    /// ALTER ROLE / USER name RENAME TO new.
    RenameRole {
        /// Name.
        name: String,
        /// New name.
        new_name: String,
    },
    /// DROP ROLE / USER.
    DropRoles {
        /// Names.
        names: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// GRANT / REVOKE table privileges.
    Grant(super::GrantSpec),
}

/// Kinds of droppable objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A table.
    Table,
    /// A view.
    View,
    /// An index.
    Index,
    /// A sequence.
    Sequence,
    /// A schema.
    Schema,
}

impl ObjectKind {
    /// The kind as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Index => "index",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Schema => "schema",
        }
    }
}

/// CREATE TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// Name parts.
    pub name: Vec<String>,
    /// IF NOT EXISTS.
    pub if_not_exists: bool,
    /// Columns.
    pub columns: Vec<ColumnSpec>,
    /// Constraints, column constraints included.
    pub constraints: Vec<ConstraintSpec>,
    /// `WITH (fillfactor = n)`.
    pub fillfactor: Option<u8>,
}

/// A column definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: DataType,
    /// SERIAL / BIGSERIAL / SMALLSERIAL: a sequence feeds the default.
    pub serial: bool,
    /// NOT NULL.
    pub not_null: bool,
    /// DEFAULT, as SQL text.
    pub default: Option<String>,
    /// GENERATED ... AS IDENTITY with its sequence options.
    pub identity: Option<(Identity, SequenceOptionsSpec)>,
}

/// A constraint definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintSpec {
    /// CONSTRAINT name, if given.
    pub name: Option<String>,
    /// What it is.
    pub kind: ConstraintSpecKind,
}

/// What a constraint definition requires.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintSpecKind {
    /// PRIMARY KEY (columns).
    PrimaryKey(Vec<String>),
    /// UNIQUE (columns).
    Unique(Vec<String>),
    /// CHECK (expression as SQL text); `column` for a column constraint (its name).
    Check {
        /// The condition.
        expr: String,
        /// The column it was written on.
        column: Option<String>,
    },
    /// FOREIGN KEY.
    ForeignKey(ForeignKeySpec),
}

/// FOREIGN KEY (columns) REFERENCES table [(columns)].
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeySpec {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table name parts.
    pub table: Vec<String>,
    /// Referenced columns (empty: its primary key).
    pub ref_columns: Vec<String>,
    /// ON DELETE.
    pub on_delete: FkAction,
    /// ON UPDATE.
    pub on_update: FkAction,
}

/// CREATE INDEX.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    /// Name (generated `t_a_idx` if absent).
    pub name: Option<String>,
    /// Table name parts.
    pub table: Vec<String>,
    /// Key columns: (name, DESC, NULLS FIRST).
    pub columns: Vec<(String, bool, bool)>,
    /// UNIQUE.
    pub unique: bool,
    /// IF NOT EXISTS.
    pub if_not_exists: bool,
}

/// CREATE VIEW.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewSpec {
    /// Name parts.
    pub name: Vec<String>,
    /// Column names given.
    pub columns: Vec<String>,
    /// The query, as SQL text.
    pub query: String,
    /// OR REPLACE.
    pub or_replace: bool,
}

/// Sequence options given (None: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceOptionsSpec {
    /// AS type.
    pub ty: Option<DataType>,
    /// INCREMENT BY.
    pub increment: Option<i64>,
    /// MINVALUE n (`Some(None)`: NO MINVALUE).
    pub min: Option<Option<i64>>,
    /// MAXVALUE n (`Some(None)`: NO MAXVALUE).
    pub max: Option<Option<i64>>,
    /// START WITH.
    pub start: Option<i64>,
    /// RESTART \[WITH n\] (`Some(None)`: restart at the start value).
    pub restart: Option<Option<i64>>,
    /// CACHE (accepted, no effect).
    pub cache: Option<i64>,
    /// \[NO\] CYCLE.
    pub cycle: Option<bool>,
    /// OWNED BY table.column (`Some(None)`: OWNED BY NONE).
    pub owned_by: Option<Option<Vec<String>>>,
}

/// One ALTER TABLE action.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterAction {
    /// ADD COLUMN, with its column constraints.
    AddColumn {
        /// The column.
        column: ColumnSpec,
        /// Its constraints.
        constraints: Vec<ConstraintSpec>,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// DROP COLUMN.
    DropColumn {
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
        /// CASCADE.
        cascade: bool,
    },
    /// RENAME COLUMN a TO b.
    RenameColumn {
        /// Old name.
        old: String,
        /// New name.
        new: String,
    },
    /// RENAME TO.
    RenameTable(String),
    /// RENAME CONSTRAINT a TO b.
    RenameConstraint {
        /// Old name.
        old: String,
        /// New name.
        new: String,
    },
    /// ADD \[CONSTRAINT name\] PRIMARY KEY / UNIQUE / CHECK / FOREIGN KEY.
    AddConstraint(ConstraintSpec),
    /// DROP CONSTRAINT.
    DropConstraint {
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
        /// CASCADE.
        cascade: bool,
    },
    /// ALTER COLUMN SET DEFAULT (SQL text) / DROP DEFAULT (None).
    SetDefault {
        /// Column.
        column: String,
        /// The default.
        default: Option<String>,
    },
    /// ALTER COLUMN SET NOT NULL (true) / DROP NOT NULL (false).
    SetNotNull {
        /// Column.
        column: String,
        /// NOT NULL.
        not_null: bool,
    },
}

/// The state of one DDL execution.
pub(crate) struct DdlRun<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) cat_txn: &'a mut CatalogTxn,
    pub(crate) txn: &'a mut Transaction,
    pub(crate) ctx: &'a BindContext,
    pub(crate) exec:
        &'a mut dyn FnMut(&LogicalPlan, &mut Transaction) -> Result<QueryResult, DbError>,
    /// The objects a DROP statement names (not each other's dependents).
    pub(crate) dropping: Vec<crate::catalog::Oid>,
}

impl std::fmt::Debug for DdlRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DdlRun")
            .field("xid", &self.txn.xid())
            .finish()
    }
}

impl DdlRun<'_> {
    /// Executes `stmt`, returning its command tag.
    pub(crate) fn execute(&mut self, stmt: &DdlStatement) -> Result<String, DbError> {
        self.check_ownership(stmt)?;
        match stmt {
            DdlStatement::CreateTable(spec) => self.create_table(spec),
            DdlStatement::CreateIndex(spec) => self.create_index(spec),
            DdlStatement::CreateView(spec) => self.create_view(spec),
            DdlStatement::CreateSchema {
                name,
                if_not_exists,
            } => self.create_schema(name, *if_not_exists),
            DdlStatement::CreateSequence {
                name,
                if_not_exists,
                options,
            } => self.create_sequence(name, *if_not_exists, options),
            DdlStatement::AlterSequence {
                name,
                if_exists,
                options,
            } => self.alter_sequence(name, *if_exists, options),
            DdlStatement::AlterTable {
                name,
                if_exists,
                actions,
            } => self.alter_table(name, *if_exists, actions),
            DdlStatement::RenameIndex { name, new_name } => self.rename_index(name, new_name),
            DdlStatement::Drop {
                kind,
                names,
                if_exists,
                cascade,
            } => self.drop_objects(*kind, names, *if_exists, *cascade),
            DdlStatement::Truncate {
                names,
                restart_identity,
                cascade,
            } => self.truncate(names, *restart_identity, *cascade),
            DdlStatement::Reindex { table, name } => self.reindex(*table, name),
            DdlStatement::CreateRole { name, options } => self.create_role(name, options),
            DdlStatement::AlterRole { name, options } => self.alter_role(name, options),
            DdlStatement::RenameRole { name, new_name } => self.rename_role(name, new_name),
            DdlStatement::DropRoles { names, if_exists } => self.drop_roles(names, *if_exists),
            DdlStatement::Grant(spec) => self.grant(spec),
        }
    }

    /// The catalog as this transaction sees it now.
    pub(crate) fn state(&mut self) -> Result<Arc<CatalogState>, DbError> {
        self.catalog.view(self.cat_txn)
    }

    /// Adds a catalog object.
    pub(crate) fn create_entry(&mut self, e: Entry) -> Result<(), DbError> {
        self.catalog.create(self.txn, self.cat_txn, e)
    }

    /// Replaces a catalog object.
    pub(crate) fn alter_entry(&mut self, e: Entry) -> Result<(), DbError> {
        self.catalog.alter(self.txn, self.cat_txn, e)
    }

    /// The schema a new object named by `parts` goes in, and its name: the given schema,
    /// or the first schema of the search path that exists (3F000 if none does).
    pub(crate) fn creation_name(&mut self, parts: &[String]) -> Result<(String, String), DbError> {
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        let state = self.state()?;
        let schema = match schema {
            Some(s) => {
                if state.schema_oid(&s).is_none() {
                    return Err(errors::undefined_object("schema", &s).with_sqlstate("3F000"));
                }
                s
            }
            None => self
                .ctx
                .search_path
                .iter()
                .find(|s| state.schema_oid(s).is_some())
                .cloned()
                .ok_or_else(|| {
                    errors::undefined_object("schema", "")
                        .with_sqlstate("3F000")
                        .with_detail("no schema has been selected to create in")
                })?,
        };
        Ok((schema, name))
    }

    /// Locks a new relation name and fails with 42P07 if it is taken.
    pub(crate) fn claim_name(&mut self, schema: &str, name: &str) -> Result<bool, DbError> {
        self.catalog.lock_name(self.txn, schema, name)?;
        Ok(self.state()?.relation(schema, name).is_none())
    }

    /// A relation name in `schema` not yet taken (nor in `taken`): `base`, else `base1`,
    /// `base2`, ... (PostgreSQL's ChooseRelationName). The name is locked before it is
    /// checked, so a concurrent transaction choosing the same one waits and then moves on.
    pub(crate) fn unique_relation_name(
        &mut self,
        schema: &str,
        base: &str,
        taken: &[String],
    ) -> Result<String, DbError> {
        let mut candidate = truncate_name(base);
        let mut n = 0;
        while taken.contains(&candidate) || !self.claim_name(schema, &candidate)? {
            n += 1;
            candidate = format!("{}{n}", truncate_name(base));
        }
        Ok(candidate)
    }
}

/// Names are limited to 63 bytes, as in PostgreSQL.
pub(crate) fn truncate_name(s: &str) -> String {
    let mut end = s.len().min(63);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
