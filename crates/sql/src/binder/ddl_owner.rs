//! Who may run which DDL, checked before a DDL statement runs: altering, dropping,
//! indexing or reindexing a relation needs its ownership; TRUNCATE needs the TRUNCATE
//! privilege; a foreign key needs REFERENCES on the table it references; CREATE and
//! DROP SCHEMA need a superuser (schemas have no owners or privileges here). Role
//! statements and GRANT check their own rules. Names that do not resolve are left
//! to the statement, which reports them as it always has.

use rustydb_common::DbError;

use super::ddl::{AlterAction, ConstraintSpecKind, DdlRun, DdlStatement, ObjectKind};
use super::names;
use super::query::find_relation;
use crate::catalog::privileges::{Privilege, denied};
use crate::catalog::{Entry, Oid};

impl DdlRun<'_> {
    /// Fails with 42501 if the session's role may not run `stmt`.
    pub(crate) fn check_ownership(&mut self, stmt: &DdlStatement) -> Result<(), DbError> {
        let state = self.state()?;
        let user = self.ctx.user.as_str();
        if state.is_superuser(user) {
            return Ok(());
        }
        let resolve = |parts: &[String]| -> Option<Oid> {
            let (schema, name) = names::split_relation_name(parts, &self.ctx.database).ok()?;
            let (_, e) = find_relation(&state, self.ctx, schema.as_deref(), &name).ok()?;
            Some(e.oid())
        };
        let owner_of = |parts: &[String]| match resolve(parts) {
            Some(oid) => state.check_owner(user, oid),
            None => Ok(()),
        };
        let references = |parts: &[String]| match resolve(parts) {
            Some(oid) => state.check_privilege(user, oid, Privilege::References),
            None => Ok(()),
        };
        let superuser_only = |what: &str| {
            Err(denied(
                format!("permission denied for database {}", self.ctx.database),
                format!("Only superusers may {what} (schema privileges are not supported)."),
            ))
        };
        match stmt {
            DdlStatement::CreateTable(spec) => {
                for c in &spec.constraints {
                    if let ConstraintSpecKind::ForeignKey(fk) = &c.kind {
                        references(&fk.table)?;
                    }
                }
                Ok(())
            }
            DdlStatement::CreateIndex(spec) => owner_of(&spec.table),
            DdlStatement::CreateView(spec) if spec.or_replace => {
                match resolve(&spec.name).and_then(|oid| state.entry(oid)) {
                    Some(Entry::View(v)) => state.check_owner(user, v.oid),
                    _ => Ok(()),
                }
            }
            DdlStatement::CreateSchema { .. } => superuser_only("create schemas"),
            DdlStatement::AlterSequence { name, .. }
            | DdlStatement::RenameIndex { name, .. }
            | DdlStatement::Reindex { name, .. } => owner_of(name),
            DdlStatement::AlterTable { name, actions, .. } => {
                owner_of(name)?;
                for a in actions {
                    let constraints: Vec<_> = match a {
                        AlterAction::AddConstraint(c) => vec![c],
                        AlterAction::AddColumn { constraints, .. } => constraints.iter().collect(),
                        _ => continue,
                    };
                    for c in constraints {
                        if let ConstraintSpecKind::ForeignKey(fk) = &c.kind {
                            references(&fk.table)?;
                        }
                    }
                }
                Ok(())
            }
            DdlStatement::Drop { kind, names, .. } => {
                if *kind == ObjectKind::Schema {
                    return superuser_only("drop schemas");
                }
                names.iter().try_for_each(|n| owner_of(n))
            }
            DdlStatement::Truncate { names, .. } => {
                names.iter().try_for_each(|n| match resolve(n) {
                    Some(oid) => state.check_privilege(user, oid, Privilege::Truncate),
                    None => Ok(()),
                })
            }
            _ => Ok(()),
        }
    }
}
