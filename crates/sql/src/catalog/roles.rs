//! Roles: the users and groups that own objects, hold privileges and log in.
//!
//! # Design
//! A role is one [`RoleDef`] row of the catalog heap, like a table, so CREATE / ALTER /
//! DROP ROLE are transactional: invisible to others until COMMIT, gone on ROLLBACK, and
//! recovered with the rest of the catalog. Role names are global (not per schema) and
//! live in their own name map of [`CatalogState`].
//!
//! Every database has the bootstrap superuser `rustydb` (oid 10, SUPERUSER LOGIN, no
//! password) from its first start; a database made before roles existed gets it at its
//! next start, and everything in it belongs to it. The embedded library runs as this
//! role. [`crate::Engine::bootstrap_superuser`] gives it its first password (the server
//! does that at its first start); it cannot be dropped nor lose SUPERUSER, since the
//! embedded identity depends on it.
//!
//! Passwords are kept only as SCRAM-SHA-256 verifiers ([`ScramVerifier`]), in
//! PostgreSQL's text format.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustydb_common::DbError;
use rustydb_txn::{IsolationLevel, TxnManager};

use super::{
    BOOTSTRAP_SUPERUSER, BOOTSTRAP_SUPERUSER_OID, Catalog, CatalogState, CatalogTxn, Entry, Oid,
    RoleDef,
};
use crate::auth::ScramVerifier;
use crate::types::datetime::{TS_INFINITY, TS_NEG_INFINITY, UNIX_TO_POSTGRES_DAYS, USECS_PER_DAY};

/// A role as callers see it (the wire protocol's authentication, tools).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    /// Its oid.
    pub oid: u32,
    /// Its name.
    pub name: String,
    /// SUPERUSER.
    pub superuser: bool,
    /// LOGIN.
    pub can_login: bool,
    /// CREATEDB.
    pub create_db: bool,
    /// CREATEROLE.
    pub create_role: bool,
    /// The password's verifier; None: no password (password authentication fails).
    pub password: Option<ScramVerifier>,
    /// VALID UNTIL: the password is refused after this instant. None: no expiry
    /// (`VALID UNTIL 'infinity'` or never set).
    pub valid_until: Option<SystemTime>,
    /// CONNECTION LIMIT (-1: none).
    pub connection_limit: i32,
}

impl RoleDef {
    /// The bootstrap superuser of a new database.
    pub fn bootstrap() -> RoleDef {
        RoleDef {
            oid: BOOTSTRAP_SUPERUSER_OID,
            name: BOOTSTRAP_SUPERUSER.into(),
            superuser: true,
            can_login: true,
            create_db: true,
            create_role: true,
            password: None,
            valid_until: None,
            connection_limit: -1,
        }
    }

    /// The caller's view of this role.
    pub fn info(&self) -> RoleInfo {
        RoleInfo {
            oid: self.oid,
            name: self.name.clone(),
            superuser: self.superuser,
            can_login: self.can_login,
            create_db: self.create_db,
            create_role: self.create_role,
            password: self.password.as_deref().and_then(ScramVerifier::parse),
            valid_until: self.valid_until.and_then(timestamptz_to_system_time),
            connection_limit: self.connection_limit,
        }
    }
}

/// A `timestamptz` value as a `SystemTime`; None for infinity (no limit).
fn timestamptz_to_system_time(ts: i64) -> Option<SystemTime> {
    match ts {
        TS_INFINITY => None,
        TS_NEG_INFINITY => Some(SystemTime::UNIX_EPOCH),
        ts => {
            let unix = i128::from(ts) + i128::from(UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY);
            Some(if unix >= 0 {
                SystemTime::UNIX_EPOCH + Duration::from_micros(unix as u64)
            } else {
                SystemTime::UNIX_EPOCH
                    .checked_sub(Duration::from_micros(unix.unsigned_abs() as u64))
                    .unwrap_or(SystemTime::UNIX_EPOCH)
            })
        }
    }
}

impl CatalogState {
    /// The role named `name`.
    pub fn role(&self, name: &str) -> Option<&RoleDef> {
        match self.entry(*self.roles.get(name)?)? {
            Entry::Role(r) => Some(r),
            _ => None,
        }
    }

    /// The role with `oid`.
    pub fn role_by_oid(&self, oid: Oid) -> Option<&RoleDef> {
        match self.entry(oid)? {
            Entry::Role(r) => Some(r),
            _ => None,
        }
    }

    /// Every role, in oid order.
    pub fn roles(&self) -> Vec<&RoleDef> {
        let mut out: Vec<&RoleDef> = self
            .roles
            .values()
            .filter_map(|&oid| self.role_by_oid(oid))
            .collect();
        out.sort_by_key(|r| r.oid);
        out
    }

    /// Whether `name` is a superuser role.
    pub fn is_superuser(&self, name: &str) -> bool {
        self.role(name).is_some_and(|r| r.superuser)
    }
}

impl Catalog {
    /// Creates the bootstrap superuser if the database has no role (a new database, or
    /// one made before roles existed).
    pub(super) fn bootstrap_roles(&self, txns: &Arc<TxnManager>) -> Result<(), DbError> {
        if !self.committed().roles.is_empty() {
            return Ok(());
        }
        let mut txn = txns.begin(IsolationLevel::ReadCommitted)?;
        txn.begin_statement(Some("bootstrap roles"))?;
        let mut ctx = CatalogTxn::default();
        self.create(&mut txn, &mut ctx, Entry::Role(RoleDef::bootstrap()))?;
        txn.end_statement();
        txn.commit()?;
        self.after_commit(txns, ctx)
    }

    /// Changes one role in a transaction of its own (for callers outside any session:
    /// the server's bootstrap, tools). `change` gets the committed definition and returns
    /// the new one, or None to leave it alone; the result says whether it changed.
    pub fn update_role(
        &self,
        txns: &Arc<TxnManager>,
        oid: Oid,
        change: impl FnOnce(&RoleDef) -> Result<Option<RoleDef>, DbError>,
    ) -> Result<bool, DbError> {
        let mut txn = txns.begin(IsolationLevel::ReadCommitted)?;
        txn.begin_statement(Some("ALTER ROLE"))?;
        // Lock the role as ALTER ROLE does, then decide on the latest committed row.
        self.lock_role(&mut txn, oid)?;
        let state = self.committed();
        let Some(current) = state.role_by_oid(oid) else {
            txn.end_statement();
            txn.rollback();
            return Err(super::privileges::undefined_role(&oid.to_string()));
        };
        let new = match change(current) {
            Ok(Some(n)) => n,
            Ok(None) => {
                txn.end_statement();
                txn.rollback();
                return Ok(false);
            }
            Err(e) => {
                txn.end_statement();
                txn.rollback();
                return Err(e);
            }
        };
        let mut ctx = CatalogTxn::default();
        if let Err(e) = self.alter(&mut txn, &mut ctx, Entry::Role(new)) {
            txn.end_statement();
            txn.rollback();
            return Err(e);
        }
        txn.end_statement();
        txn.commit()?;
        self.after_commit(txns, ctx)?;
        Ok(true)
    }

    /// Serialises changes to one role (held until the transaction ends).
    pub fn lock_role(&self, txn: &mut rustydb_txn::Transaction, oid: Oid) -> Result<(), DbError> {
        self.lock_name(txn, "\u{0}role", &oid.to_string())
    }

    /// Serialises the creation of a role name (held until the transaction ends).
    pub fn lock_role_name(
        &self,
        txn: &mut rustydb_txn::Transaction,
        name: &str,
    ) -> Result<(), DbError> {
        self.lock_name(txn, "\u{0}rolename", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_until_converts_to_system_time() {
        assert_eq!(timestamptz_to_system_time(TS_INFINITY), None);
        // 2000-01-01 00:00 UTC is 946684800 seconds after the Unix epoch.
        assert_eq!(
            timestamptz_to_system_time(0),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800))
        );
        assert_eq!(
            timestamptz_to_system_time(TS_NEG_INFINITY),
            Some(SystemTime::UNIX_EPOCH)
        );
    }

    #[test]
    fn bootstrap_role_is_a_passwordless_superuser() {
        let r = RoleDef::bootstrap().info();
        assert_eq!((r.oid, r.name.as_str()), (10, "rustydb"));
        assert!(r.superuser && r.can_login && r.password.is_none());
    }
}
