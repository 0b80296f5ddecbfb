//! Executing CREATE / ALTER / DROP ROLE, with PostgreSQL 15's rules for who may do what:
//! superusers anything; roles with CREATEROLE may create, alter, rename and drop roles
//! that are not superusers; any role may change its own password; only a superuser
//! may create a superuser or change the SUPERUSER attribute. The bootstrap superuser
//! cannot be dropped or lose SUPERUSER (the embedded library runs as it), and the
//! session's own role cannot be dropped or renamed.

use rustydb_common::{DbError, ErrorCode};

use super::ddl::DdlRun;
use super::ddl_role::{CURRENT_USER, RoleOptions};
use crate::auth::ScramVerifier;
use crate::catalog::privileges::{denied, entry_name, relation_acl, undefined_role};
use crate::catalog::{BOOTSTRAP_SUPERUSER_OID, CatalogState, Entry, RoleDef};
use crate::types::{DataType, Value};

impl DdlRun<'_> {
    /// The role a statement names (`CURRENT_USER` resolved).
    fn role_name(&self, name: &str) -> String {
        if name == CURRENT_USER {
            self.ctx.user.clone()
        } else {
            name.to_string()
        }
    }

    /// Executes CREATE ROLE.
    pub(crate) fn create_role(&mut self, name: &str, o: &RoleOptions) -> Result<String, DbError> {
        let state = self.state()?;
        let actor = actor(&state, &self.ctx.user);
        if !actor.superuser {
            if !actor.create_role {
                return Err(denied(
                    "permission denied to create role",
                    "Only superusers and roles with the CREATEROLE attribute may create roles.",
                ));
            }
            if o.superuser == Some(true) {
                return Err(denied(
                    "must be superuser to create superusers",
                    "Connect as a superuser to create a superuser.",
                ));
            }
        }
        self.catalog.lock_role_name(self.txn, name)?;
        if self.state()?.role(name).is_some() {
            return Err(DbError::from_template(
                ErrorCode::DuplicateObject,
                &[("kind", &"role"), ("name", &name)],
            )
            .with_hint("Choose another name, or ALTER ROLE the existing one."));
        }
        let mut role = RoleDef {
            oid: self.catalog.new_oid(),
            name: name.to_string(),
            superuser: false,
            can_login: false,
            create_db: false,
            create_role: false,
            password: None,
            valid_until: None,
            connection_limit: -1,
        };
        apply_options(&mut role, o)?;
        self.create_entry(Entry::Role(role))?;
        audit(&self.ctx.user, "CREATE ROLE", name);
        Ok("CREATE ROLE".into())
    }

    /// Executes ALTER ROLE ... options.
    pub(crate) fn alter_role(&mut self, name: &str, o: &RoleOptions) -> Result<String, DbError> {
        let name = self.role_name(name);
        let state = self.state()?;
        let Some(target) = state.role(&name).cloned() else {
            return Err(undefined_role(&name));
        };
        let actor = actor(&state, &self.ctx.user);
        if target.superuser || o.superuser.is_some() {
            if !actor.superuser {
                return Err(denied(
                    "must be superuser to alter superuser roles or change superuser attribute",
                    "Connect as a superuser to do this.",
                ));
            }
        } else if !(actor.superuser
            || actor.create_role
            || (actor.name == target.name && o.only_password()))
        {
            return Err(denied(
                "permission denied",
                "A role may change only its own password; other changes need CREATEROLE or \
                 a superuser.",
            ));
        }
        if target.oid == BOOTSTRAP_SUPERUSER_OID && o.superuser == Some(false) {
            return Err(denied(
                format!("permission denied to alter role \"{}\"", target.name),
                "Create another superuser if you need one without this attribute.",
            )
            .with_detail("The bootstrap user must have the SUPERUSER attribute."));
        }
        self.catalog.lock_role(self.txn, target.oid)?;
        let mut role = target;
        apply_options(&mut role, o)?;
        self.alter_entry(Entry::Role(role))?;
        audit(&self.ctx.user, "ALTER ROLE", &name);
        Ok("ALTER ROLE".into())
    }

    /// Executes ALTER ROLE ... RENAME TO: the role, and every owner and grant naming it.
    pub(crate) fn rename_role(&mut self, name: &str, new_name: &str) -> Result<String, DbError> {
        let name = self.role_name(name);
        let state = self.state()?;
        let Some(target) = state.role(&name).cloned() else {
            return Err(undefined_role(&name));
        };
        if name == self.ctx.user {
            return Err(DbError::new(
                ErrorCode::FeatureNotSupported,
                "session user cannot be renamed",
            )
            .with_hint("Connect as another role to rename this one."));
        }
        may_manage(&actor(&state, &self.ctx.user), &target, "rename")?;
        self.catalog.lock_role_name(self.txn, new_name)?;
        self.catalog.lock_role(self.txn, target.oid)?;
        if self.state()?.role(new_name).is_some() {
            return Err(DbError::from_template(
                ErrorCode::DuplicateObject,
                &[("kind", &"role"), ("name", &new_name)],
            )
            .with_hint("Choose another name."));
        }
        let renamed: Vec<Entry> = state
            .entries()
            .filter_map(|e| rename_in(e, &name, new_name))
            .collect();
        for e in renamed {
            self.alter_entry(e)?;
        }
        self.alter_entry(Entry::Role(RoleDef {
            name: new_name.to_string(),
            ..target
        }))?;
        audit(
            &self.ctx.user,
            "ALTER ROLE RENAME",
            &format!("{name} -> {new_name}"),
        );
        Ok("ALTER ROLE".into())
    }

    /// Executes DROP ROLE.
    pub(crate) fn drop_roles(
        &mut self,
        names: &[String],
        if_exists: bool,
    ) -> Result<String, DbError> {
        for name in names {
            let state = self.state()?;
            let Some(target) = state.role(name).cloned() else {
                if if_exists {
                    continue;
                }
                return Err(undefined_role(name));
            };
            if *name == self.ctx.user {
                return Err(
                    DbError::new(ErrorCode::ObjectInUse, "current user cannot be dropped")
                        .with_sqlstate("55006")
                        .with_hint("Connect as another role to drop this one."),
                );
            }
            may_manage(&actor(&state, &self.ctx.user), &target, "drop")?;
            if target.oid == BOOTSTRAP_SUPERUSER_OID {
                return Err(DbError::new(
                    ErrorCode::DependentObjectsExist,
                    format!(
                        "cannot drop role {name} because it is required by the database system"
                    ),
                )
                .with_hint("The bootstrap superuser stays; create and drop other roles."));
            }
            self.catalog.lock_role(self.txn, target.oid)?;
            let deps = dependencies(&state, name);
            if !deps.is_empty() {
                return Err(DbError::new(
                    ErrorCode::DependentObjectsExist,
                    format!("role \"{name}\" cannot be dropped because some objects depend on it"),
                )
                .with_detail(deps.join("\n"))
                .with_hint("Drop the objects the role owns and REVOKE its privileges first."));
            }
            self.catalog
                .drop_object(self.txn, self.cat_txn, target.oid, None)?;
            audit(&self.ctx.user, "DROP ROLE", name);
        }
        Ok("DROP ROLE".into())
    }
}

/// The acting role's attributes (a session user missing from the catalog has none).
/// Whether `actor` may `verb` (rename, drop) role `target`: superusers only by
/// superusers, other roles by superusers and CREATEROLE roles (PostgreSQL's rules).
fn may_manage(actor: &RoleDef, target: &RoleDef, verb: &str) -> Result<(), DbError> {
    if target.superuser && !actor.superuser {
        return Err(denied(
            format!("must be superuser to {verb} superusers"),
            "Connect as a superuser to do this.",
        ));
    }
    if !actor.superuser && !actor.create_role {
        return Err(denied(
            format!("permission denied to {verb} role"),
            format!("Only superusers and roles with the CREATEROLE attribute may {verb} roles."),
        ));
    }
    Ok(())
}

fn actor(state: &CatalogState, user: &str) -> RoleDef {
    state.role(user).cloned().unwrap_or(RoleDef {
        oid: 0,
        name: user.to_string(),
        superuser: false,
        can_login: false,
        create_db: false,
        create_role: false,
        password: None,
        valid_until: None,
        connection_limit: -1,
    })
}

fn apply_options(role: &mut RoleDef, o: &RoleOptions) -> Result<(), DbError> {
    if let Some(v) = o.superuser {
        role.superuser = v;
    }
    if let Some(v) = o.login {
        role.can_login = v;
    }
    if let Some(v) = o.create_db {
        role.create_db = v;
    }
    if let Some(v) = o.create_role {
        role.create_role = v;
    }
    if let Some(p) = &o.password {
        role.password = p.as_deref().map(stored_password);
    }
    if let Some(ts) = &o.valid_until {
        role.valid_until = match crate::types::text::parse_value(ts, &DataType::TimestampTz)? {
            Value::TimestampTz(t) => Some(t),
            _ => return Err(DbError::internal("timestamptz input gave another type")),
        };
    }
    if let Some(n) = o.connection_limit {
        role.connection_limit = n;
    }
    Ok(())
}

/// What is stored for a password: a SCRAM verifier given as such is kept as is (as
/// PostgreSQL does with pre-hashed passwords); anything else is hashed.
pub(crate) fn stored_password(p: &str) -> String {
    match ScramVerifier::parse(p) {
        Some(v) => v.to_string(),
        None => ScramVerifier::from_password(p).to_string(),
    }
}

/// `e` with role `old` renamed to `new` as owner, grantee or grantor; None if `e` does
/// not name it.
fn rename_in(e: &Entry, old: &str, new: &str) -> Option<Entry> {
    let mut e = e.clone();
    let (owner, acl) = match &mut e {
        Entry::Table(t) => (&mut t.owner, &mut t.acl),
        Entry::View(v) => (&mut v.owner, &mut v.acl),
        Entry::Sequence(s) => (&mut s.owner, &mut s.acl),
        _ => return None,
    };
    let mut changed = false;
    if owner == old {
        *owner = new.to_string();
        changed = true;
    }
    for item in acl.iter_mut() {
        if item.grantee.as_deref() == Some(old) {
            item.grantee = Some(new.to_string());
            changed = true;
        }
        if item.grantor == old {
            item.grantor = new.to_string();
            changed = true;
        }
    }
    changed.then_some(e)
}

/// PostgreSQL's DETAIL lines for what keeps a role from being dropped.
fn dependencies(state: &CatalogState, role: &str) -> Vec<String> {
    let mut entries: Vec<&Entry> = state.entries().collect();
    entries.sort_by_key(|e| e.oid());
    let mut out = Vec::new();
    for e in entries {
        if matches!(e, Entry::Index(_)) {
            continue;
        }
        let Some((kind, owner, acl)) = relation_acl(state, e) else {
            continue;
        };
        if owner == role {
            out.push(format!("owner of {kind} {}", entry_name(e)));
        }
        if acl
            .iter()
            .any(|a| a.grantee.as_deref() == Some(role) || a.grantor == role)
        {
            out.push(format!("privileges for {kind} {}", entry_name(e)));
        }
    }
    out
}

fn audit(actor: &str, action: &str, role: &str) {
    tracing::info!(
        target: rustydb_common::logging::AUDIT_TARGET,
        user = actor,
        role,
        "{action}"
    );
}
