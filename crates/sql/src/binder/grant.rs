//! GRANT and REVOKE of table privileges: binding ([`GrantSpec`]) and execution.
//!
//! A grant adds the privileges to the grantee's item of each object's access list
//! (one item per grantee, the owner as grantor); a revoke removes them, and the item
//! when it is left empty. Only the owner of an object (or a superuser) may grant or
//! revoke on it, since grant options are not modelled. Everything goes through the
//! transaction's catalog changes like any DDL, so a rolled-back GRANT never happened.

use rustydb_common::DbError;
use sqlparser::ast::{
    Action, GrantObjects as AstObjects, Grantee, GranteesType, Privileges, Statement,
};

use super::ddl::{DdlRun, DdlStatement};
use super::errors;
use super::names;
use super::query::find_relation;
use crate::catalog::privileges::{Privilege, acl_letters, denied, undefined_role};
use crate::catalog::{AclItem, Entry};

/// GRANT / REVOKE privileges ON objects TO / FROM grantees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSpec {
    /// GRANT (true) or REVOKE.
    pub grant: bool,
    /// The privileges (ALL expanded).
    pub privileges: Vec<Privilege>,
    /// The objects.
    pub objects: GrantObjects,
    /// Roles; None is PUBLIC.
    pub grantees: Vec<Option<String>>,
}

/// What a GRANT or REVOKE is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantObjects {
    /// ON \[TABLE\] t, ... (tables and views), as name parts.
    Tables(Vec<Vec<String>>),
    /// ON ALL TABLES IN SCHEMA s, ...
    AllTablesInSchemas(Vec<String>),
}

/// The DDL form of GRANT / REVOKE on tables, or None if `stmt` is neither.
pub(crate) fn bind_grant(stmt: &Statement) -> Result<Option<DdlStatement>, DbError> {
    let (grant, privileges, objects, grantees) = match stmt {
        Statement::Grant(g) => {
            if g.with_grant_option {
                return Err(errors::unsupported("WITH GRANT OPTION"));
            }
            if g.granted_by.is_some() || g.as_grantor.is_some() {
                return Err(errors::unsupported("GRANTED BY"));
            }
            (true, &g.privileges, &g.objects, &g.grantees)
        }
        Statement::Revoke(r) => {
            if r.grant_option_for {
                return Err(errors::unsupported("REVOKE GRANT OPTION FOR"));
            }
            if r.granted_by.is_some() {
                return Err(errors::unsupported("GRANTED BY"));
            }
            (false, &r.privileges, &r.objects, &r.grantees)
        }
        _ => return Ok(None),
    };
    let objects = match objects {
        Some(AstObjects::Tables(list)) => GrantObjects::Tables(
            list.iter()
                .map(names::object_name)
                .collect::<Result<_, _>>()?,
        ),
        Some(AstObjects::AllTablesInSchema { schemas }) => GrantObjects::AllTablesInSchemas(
            schemas
                .iter()
                .map(|s| names::object_name(s).map(|p| p.join(".")))
                .collect::<Result<_, _>>()?,
        ),
        Some(other) => {
            let text = format!("{other}");
            let kind = text.split_whitespace().next().unwrap_or("these objects");
            return Err(errors::unsupported(format!("privileges on {kind}")));
        }
        None => return Err(errors::unsupported("GRANT without ON")),
    };
    Ok(Some(DdlStatement::Grant(GrantSpec {
        grant,
        privileges: privileges_of(privileges)?,
        objects,
        grantees: grantees.iter().map(grantee).collect::<Result<_, _>>()?,
    })))
}

fn privileges_of(p: &Privileges) -> Result<Vec<Privilege>, DbError> {
    let actions = match p {
        Privileges::All { .. } => return Ok(Privilege::ALL.to_vec()),
        Privileges::Actions(a) => a,
    };
    let mut out = Vec::new();
    for a in actions {
        let (p, columns) = match a {
            Action::Select { columns } => (Privilege::Select, columns.is_some()),
            Action::Insert { columns } => (Privilege::Insert, columns.is_some()),
            Action::Update { columns } => (Privilege::Update, columns.is_some()),
            Action::References { columns } => (Privilege::References, columns.is_some()),
            Action::Delete => (Privilege::Delete, false),
            Action::Truncate => (Privilege::Truncate, false),
            Action::Trigger => return Err(errors::unsupported("the TRIGGER privilege")),
            other => {
                return Err(
                    errors::syntax(format!("invalid privilege type {other} for table"))
                        .with_sqlstate("0LP01"),
                );
            }
        };
        if columns {
            return Err(errors::unsupported("column privileges"));
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

fn grantee(g: &Grantee) -> Result<Option<String>, DbError> {
    if matches!(g.grantee_type, GranteesType::Public) {
        return Ok(None);
    }
    match &g.name {
        Some(sqlparser::ast::GranteeName::ObjectName(n)) => {
            let name = names::object_name(n)?.join(".");
            Ok(if name == "public" { None } else { Some(name) })
        }
        _ => Err(errors::unsupported(format!("grantee {g}"))),
    }
}

impl DdlRun<'_> {
    /// Executes GRANT / REVOKE.
    pub(crate) fn grant(&mut self, spec: &GrantSpec) -> Result<String, DbError> {
        let state = self.state()?;
        for g in spec.grantees.iter().flatten() {
            if state.role(g).is_none() {
                return Err(undefined_role(g));
            }
        }
        let mut targets: Vec<Entry> = Vec::new();
        match &spec.objects {
            GrantObjects::Tables(list) => {
                for parts in list {
                    let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
                    let (_, entry) = find_relation(&state, self.ctx, schema.as_deref(), &name)?;
                    match entry {
                        Entry::Table(_) | Entry::View(_) => targets.push(entry.clone()),
                        Entry::Sequence(_) => {
                            return Err(errors::unsupported("privileges on sequences"));
                        }
                        _ => {
                            return Err(errors::wrong_object_type(format!(
                                "\"{name}\" is not a table"
                            )));
                        }
                    }
                }
            }
            GrantObjects::AllTablesInSchemas(schemas) => {
                for s in schemas {
                    if state.schema_oid(s).is_none() {
                        return Err(errors::undefined_object("schema", s).with_sqlstate("3F000"));
                    }
                    let mut found: Vec<Entry> = state
                        .entries()
                        .filter(|e| match e {
                            Entry::Table(t) => &t.schema == s,
                            Entry::View(v) => &v.schema == s,
                            _ => false,
                        })
                        .cloned()
                        .collect();
                    found.sort_by_key(Entry::oid);
                    targets.extend(found);
                }
            }
        }
        let user = self.ctx.user.clone();
        for mut entry in targets {
            let (owner, acl, kind, name) = match &mut entry {
                Entry::Table(t) => (t.owner.clone(), &mut t.acl, "table", t.name.clone()),
                Entry::View(v) => (v.owner.clone(), &mut v.acl, "view", v.name.clone()),
                _ => continue,
            };
            if !state.owns(&user, &owner) {
                return Err(denied(
                    format!("permission denied for {kind} {name}"),
                    format!(
                        "Only the {kind}'s owner ({owner}) or a superuser may grant or revoke \
                         privileges on it."
                    ),
                ));
            }
            let changed = if spec.grant {
                grant_into(acl, &spec.grantees, &spec.privileges, &owner)
            } else {
                revoke_from(acl, &spec.grantees, &spec.privileges)
            };
            if changed {
                self.alter_entry(entry)?;
            }
        }
        Ok(if spec.grant { "GRANT" } else { "REVOKE" }.into())
    }
}

/// Adds the privileges to each grantee's item; true if anything changed.
fn grant_into(
    acl: &mut Vec<AclItem>,
    grantees: &[Option<String>],
    privileges: &[Privilege],
    owner: &str,
) -> bool {
    let mut changed = false;
    for g in grantees {
        match acl.iter_mut().find(|a| &a.grantee == g) {
            Some(item) => {
                let mut have: Vec<Privilege> = Privilege::ALL
                    .into_iter()
                    .filter(|p| item.grants(*p))
                    .collect();
                have.extend_from_slice(privileges);
                let letters = acl_letters(&have);
                changed |= letters != item.privileges;
                item.privileges = letters;
            }
            None => {
                acl.push(AclItem {
                    grantee: g.clone(),
                    grantor: owner.to_string(),
                    privileges: acl_letters(privileges),
                });
                changed = true;
            }
        }
    }
    changed
}

/// Removes the privileges from each grantee's item; true if anything changed.
fn revoke_from(
    acl: &mut Vec<AclItem>,
    grantees: &[Option<String>],
    privileges: &[Privilege],
) -> bool {
    let before = acl.clone();
    for item in acl.iter_mut().filter(|a| grantees.contains(&a.grantee)) {
        let left: Vec<Privilege> = Privilege::ALL
            .into_iter()
            .filter(|p| item.grants(*p) && !privileges.contains(p))
            .collect();
        item.privileges = acl_letters(&left);
    }
    acl.retain(|a| !a.privileges.is_empty());
    *acl != before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_merge_and_revokes_remove() {
        let mut acl = Vec::new();
        let bob = vec![Some("bob".to_string())];
        assert!(grant_into(&mut acl, &bob, &[Privilege::Select], "o"));
        assert!(grant_into(&mut acl, &bob, &[Privilege::Insert], "o"));
        assert!(!grant_into(&mut acl, &bob, &[Privilege::Select], "o"));
        assert!(grant_into(&mut acl, &[None], &[Privilege::Delete], "o"));
        assert_eq!(acl.len(), 2);
        assert_eq!(acl[0].to_pg_string(), "bob=ar/o");
        assert_eq!(acl[1].to_pg_string(), "=d/o");
        assert!(revoke_from(&mut acl, &bob, &Privilege::ALL));
        assert_eq!(acl.len(), 1);
        assert!(!revoke_from(&mut acl, &bob, &[Privilege::Select]));
    }

    #[test]
    fn binds_grant_forms() {
        let bind = |sql: &str| {
            let stmts = super::super::parse(sql).unwrap();
            bind_grant(&stmts[0])
        };
        let Some(DdlStatement::Grant(g)) =
            bind("GRANT ALL PRIVILEGES ON TABLE t, s.u TO a, PUBLIC").unwrap()
        else {
            panic!()
        };
        assert!(g.grant);
        assert_eq!(g.privileges.len(), 6);
        assert_eq!(
            g.objects,
            GrantObjects::Tables(vec![vec!["t".into()], vec!["s".into(), "u".into()]])
        );
        assert_eq!(g.grantees, vec![Some("a".into()), None]);
        let Some(DdlStatement::Grant(r)) =
            bind("REVOKE SELECT, UPDATE ON ALL TABLES IN SCHEMA public FROM b").unwrap()
        else {
            panic!()
        };
        assert!(!r.grant);
        assert_eq!(
            r.objects,
            GrantObjects::AllTablesInSchemas(vec!["public".into()])
        );
        for (sql, state) in [
            ("GRANT SELECT (a) ON t TO b", "0A000"),
            ("GRANT SELECT ON t TO b WITH GRANT OPTION", "0A000"),
            ("GRANT USAGE ON SCHEMA public TO b", "0A000"),
            ("GRANT SELECT ON SEQUENCE s TO b", "0A000"),
            ("GRANT EXECUTE ON t TO b", "0LP01"),
        ] {
            assert_eq!(bind(sql).unwrap_err().sqlstate(), state, "{sql}");
        }
    }
}
