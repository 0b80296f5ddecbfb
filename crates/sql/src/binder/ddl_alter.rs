//! ALTER TABLE: add, drop and rename columns, rename the table, add and drop
//! constraints (existing rows validated), column defaults and NOT NULL. The table is
//! locked exclusively for the statement's transaction.
//!
//! Views store their query as text, so an action that would break one (dropping or
//! renaming a column it reads, renaming the table) is detected by binding the views
//! again after the change: dropping a column drops such views under CASCADE and is
//! 2BP01 otherwise; renaming is refused (0A000) rather than leaving a broken view.

use rustydb_common::{DbError, ErrorCode};
use rustydb_txn::lock::LockMode;
use sqlparser::ast::{self, AlterColumnOperation, AlterTableOperation};

use super::ddl::{AlterAction, DdlRun, DdlStatement};
use super::errors;
use super::names;
use crate::catalog::{ConstraintKind, Entry, Oid};

/// The ALTER TABLE statement, checked for what RustyDB supports.
pub(crate) fn alter_spec(at: &ast::AlterTable) -> Result<DdlStatement, DbError> {
    if at.only || at.location.is_some() || at.on_cluster.is_some() || at.table_type.is_some() {
        return Err(errors::unsupported(format!(
            "this form of ALTER TABLE ({at})"
        )));
    }
    let mut actions = Vec::new();
    for op in &at.operations {
        actions.push(match op {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                column_position: None,
                ..
            } => {
                let (column, constraints) = super::ddl_table::column_spec(column_def)?;
                AlterAction::AddColumn {
                    column,
                    constraints,
                    if_not_exists: *if_not_exists,
                }
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                let [name] = column_names.as_slice() else {
                    return Err(errors::unsupported(
                        "dropping several columns in one action",
                    ));
                };
                AlterAction::DropColumn {
                    name: names::ident(name),
                    if_exists: *if_exists,
                    cascade: matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => AlterAction::RenameColumn {
                old: names::ident(old_column_name),
                new: names::ident(new_column_name),
            },
            AlterTableOperation::RenameTable { table_name } => {
                let n = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                let parts = names::object_name(n)?;
                AlterAction::RenameTable(parts.last().cloned().unwrap_or_default())
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                AlterAction::RenameConstraint {
                    old: names::ident(old_name),
                    new: names::ident(new_name),
                }
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid: false,
            } => AlterAction::AddConstraint(super::ddl_table::constraint_spec(constraint)?),
            AlterTableOperation::DropConstraint {
                if_exists,
                name,
                drop_behavior,
            } => AlterAction::DropConstraint {
                name: names::ident(name),
                if_exists: *if_exists,
                cascade: matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
            },
            AlterTableOperation::AlterColumn { column_name, op } => {
                let column = names::ident(column_name);
                match op {
                    AlterColumnOperation::SetNotNull => AlterAction::SetNotNull {
                        column,
                        not_null: true,
                    },
                    AlterColumnOperation::DropNotNull => AlterAction::SetNotNull {
                        column,
                        not_null: false,
                    },
                    AlterColumnOperation::SetDefault { value } => AlterAction::SetDefault {
                        column,
                        default: Some(value.to_string()),
                    },
                    AlterColumnOperation::DropDefault => AlterAction::SetDefault {
                        column,
                        default: None,
                    },
                    AlterColumnOperation::SetDataType { .. } => {
                        return Err(errors::unsupported("ALTER COLUMN TYPE"));
                    }
                    other => return Err(errors::unsupported(format!("ALTER COLUMN {other}"))),
                }
            }
            other => return Err(errors::unsupported(format!("ALTER TABLE {other}"))),
        });
    }
    Ok(DdlStatement::AlterTable {
        name: names::object_name(&at.name)?,
        if_exists: at.if_exists,
        actions,
    })
}

impl DdlRun<'_> {
    /// Executes ALTER TABLE.
    pub(crate) fn alter_table(
        &mut self,
        parts: &[String],
        if_exists: bool,
        actions: &[AlterAction],
    ) -> Result<String, DbError> {
        let table = match self.locked_table(parts, LockMode::X) {
            Ok(t) => t,
            Err(e) if if_exists && e.sqlstate() == "42P01" => return Ok("ALTER TABLE".into()),
            Err(e) => return Err(e),
        };
        let oid = table.def.oid;
        for a in actions {
            self.alter_action(oid, a)?;
        }
        Ok("ALTER TABLE".into())
    }

    fn alter_action(&mut self, oid: Oid, action: &AlterAction) -> Result<(), DbError> {
        let table = self.table(oid)?;
        let tname = table.def.name.clone();
        let column_pos = |name: &str| {
            table
                .column_position(name)
                .ok_or_else(|| errors::undefined_column_of(name, &tname))
        };
        match action {
            AlterAction::AddColumn {
                column,
                constraints,
                if_not_exists,
            } => {
                if table.column_position(&column.name).is_some() {
                    if *if_not_exists {
                        return Ok(());
                    }
                    return Err(DbError::new(
                        ErrorCode::DuplicateObject,
                        format!(
                            "column \"{}\" of relation \"{tname}\" already exists",
                            column.name
                        ),
                    )
                    .with_sqlstate("42701"));
                }
                self.add_column(&table, column, constraints)
            }
            AlterAction::DropColumn {
                name,
                if_exists,
                cascade,
            } => match table.column_position(name) {
                None if *if_exists => Ok(()),
                None => Err(errors::undefined_column_of(name, &tname)),
                Some(pos) => self.drop_column(&table, pos, *cascade),
            },
            AlterAction::RenameColumn { old, new } => {
                let pos = column_pos(old)?;
                if table.column_position(new).is_some() {
                    return Err(DbError::new(
                        ErrorCode::DuplicateObject,
                        format!("column \"{new}\" of relation \"{tname}\" already exists"),
                    )
                    .with_sqlstate("42701"));
                }
                let mut def = table.def.clone();
                def.columns[pos].name = new.clone();
                self.change_keeping_views(oid, Entry::Table(def), "renaming a column a view reads")
            }
            AlterAction::RenameTable(new) => {
                if !self.claim_name(&table.def.schema, new)? {
                    return Err(errors::duplicate_relation(new));
                }
                let mut def = table.def.clone();
                def.name = new.clone();
                self.change_keeping_views(oid, Entry::Table(def), "renaming a table a view reads")
            }
            AlterAction::RenameConstraint { old, new } => {
                let c = table
                    .constraints
                    .iter()
                    .find(|c| &c.name == old)
                    .cloned()
                    .ok_or_else(|| {
                        DbError::new(
                            ErrorCode::UndefinedObject,
                            format!("constraint \"{old}\" for table \"{tname}\" does not exist"),
                        )
                    })?;
                if table.constraints.iter().any(|c| &c.name == new) {
                    return Err(DbError::new(
                        ErrorCode::DuplicateObject,
                        format!("constraint \"{new}\" for relation \"{tname}\" already exists"),
                    ));
                }
                if let ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index } =
                    c.kind
                    && let Some(i) = table.indexes.iter().find(|i| i.def.oid == index)
                {
                    if !self.claim_name(&table.def.schema, new)? {
                        return Err(errors::duplicate_relation(new));
                    }
                    let mut d = i.def.clone();
                    d.name = new.clone();
                    self.alter_entry(Entry::Index(d))?;
                }
                let mut c = c;
                c.name = new.clone();
                self.alter_entry(Entry::Constraint(c))
            }
            AlterAction::AddConstraint(spec) => self.add_constraint(oid, spec, true),
            AlterAction::DropConstraint {
                name,
                if_exists,
                cascade,
            } => {
                let Some(c) = table.constraints.iter().find(|c| &c.name == name).cloned() else {
                    if *if_exists {
                        return Ok(());
                    }
                    return Err(DbError::new(
                        ErrorCode::UndefinedObject,
                        format!("constraint \"{name}\" of relation \"{tname}\" does not exist"),
                    ));
                };
                self.drop_constraint(&table, c.oid, *cascade)
            }
            AlterAction::SetDefault { column, default } => {
                let pos = column_pos(column)?;
                if let Some(text) = default {
                    if table.def.columns[pos].identity.is_some() {
                        return Err(errors::syntax(format!(
                            "column \"{column}\" of relation \"{tname}\" is an identity column"
                        ))
                        .with_hint("Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead."));
                    }
                    self.check_default(text, &table.types[pos], column)?;
                }
                let mut def = table.def.clone();
                def.columns[pos].default = default.clone();
                self.alter_entry(Entry::Table(def))
            }
            AlterAction::SetNotNull { column, not_null } => {
                let pos = column_pos(column)?;
                if !*not_null {
                    if let Some(pk) = table.primary_key()
                        && pk.def.columns.iter().any(|c| c.column == pos)
                    {
                        return Err(errors::syntax(format!(
                            "column \"{column}\" is in a primary key"
                        ))
                        .with_sqlstate("42P16"));
                    }
                    if table.def.columns[pos].identity.is_some() {
                        return Err(errors::syntax(format!(
                            "column \"{column}\" of relation \"{tname}\" is an identity column"
                        ))
                        .with_sqlstate("42P16"));
                    }
                } else if !table.def.columns[pos].not_null {
                    self.check_no_nulls(&table, pos)?;
                }
                let mut def = table.def.clone();
                def.columns[pos].not_null = *not_null;
                self.alter_entry(Entry::Table(def))
            }
        }
    }
}
