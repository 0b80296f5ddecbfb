//! Ownership and privileges on tables, views and sequences.
//!
//! # Design
//! As in PostgreSQL: every relation has an owner (the role that created it) and an
//! access list of [`AclItem`]s, each granting some privileges to one role or to PUBLIC.
//! A role may do something to a relation when it is a superuser, owns the relation, or
//! holds the privilege through a grant to itself or to PUBLIC. Altering, dropping,
//! indexing, granting on a relation need ownership (or superuser). An index belongs to
//! its table's owner. A session user that is not in the role catalog (an embedded
//! program's custom identity) has no privileges beyond the objects it owns.
//!
//! Role names are stored as names; renaming a role rewrites the objects that name it.
//! Grant options, column privileges, role membership and schema privileges are not
//! modelled (see docs/sql.md).

use rustydb_common::{DbError, ErrorCode};

use super::{AclItem, CatalogState, Entry, Oid};

/// A table privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Privilege {
    /// INSERT (`a`).
    Insert,
    /// SELECT (`r`).
    Select,
    /// UPDATE (`w`).
    Update,
    /// DELETE (`d`).
    Delete,
    /// TRUNCATE (`D`).
    Truncate,
    /// REFERENCES (`x`).
    References,
}

impl Privilege {
    /// Every table privilege, in PostgreSQL's `arwdDx` order (what ALL grants).
    pub const ALL: [Privilege; 6] = [
        Privilege::Insert,
        Privilege::Select,
        Privilege::Update,
        Privilege::Delete,
        Privilege::Truncate,
        Privilege::References,
    ];

    /// Its letter in an ACL string.
    pub fn letter(self) -> char {
        match self {
            Privilege::Insert => 'a',
            Privilege::Select => 'r',
            Privilege::Update => 'w',
            Privilege::Delete => 'd',
            Privilege::Truncate => 'D',
            Privilege::References => 'x',
        }
    }

    /// Its SQL keyword.
    pub fn name(self) -> &'static str {
        match self {
            Privilege::Insert => "INSERT",
            Privilege::Select => "SELECT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
        }
    }

    /// The privilege named `s` (any case, surrounding blanks ignored).
    pub fn parse(s: &str) -> Option<Privilege> {
        let s = s.trim();
        Privilege::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
    }
}

/// Builds an ACL string (`arwdDx` order) from a set of privileges.
pub fn acl_letters(privileges: &[Privilege]) -> String {
    Privilege::ALL
        .into_iter()
        .filter(|p| privileges.contains(p))
        .map(Privilege::letter)
        .collect()
}

impl AclItem {
    /// Whether this item grants `p`.
    pub fn grants(&self, p: Privilege) -> bool {
        self.privileges.contains(p.letter())
    }

    /// PostgreSQL's text form, `grantee=arwdDx/grantor` (empty grantee for PUBLIC).
    pub fn to_pg_string(&self) -> String {
        format!(
            "{}={}/{}",
            self.grantee.as_deref().unwrap_or(""),
            self.privileges,
            self.grantor
        )
    }
}

/// What kind of relation an entry is, as messages name it, its owner and its ACL.
/// None for objects without privileges of their own.
pub fn relation_acl<'a>(
    state: &'a CatalogState,
    entry: &'a Entry,
) -> Option<(&'static str, &'a str, &'a [AclItem])> {
    match entry {
        Entry::Table(t) => Some(("table", &t.owner, &t.acl)),
        Entry::View(v) => Some(("view", &v.owner, &v.acl)),
        Entry::Sequence(s) => Some(("sequence", &s.owner, &s.acl)),
        Entry::Index(i) => match state.entry(i.table)? {
            Entry::Table(t) => Some(("index", &t.owner, &[][..])),
            _ => None,
        },
        _ => None,
    }
}

impl CatalogState {
    /// Whether `role` may use privilege `privilege` (`SELECT`, `INSERT`, `UPDATE`,
    /// `DELETE`, `TRUNCATE` or `REFERENCES`, any case) on the table, view or sequence
    /// `table`: as a superuser, as its owner, or through a grant to it or to PUBLIC.
    /// False for an unknown privilege name or object.
    pub fn has_table_privilege(&self, role: &str, table: Oid, privilege: &str) -> bool {
        let Some(p) = Privilege::parse(privilege) else {
            return false;
        };
        let Some(entry) = self.entry(table) else {
            return false;
        };
        match relation_acl(self, entry) {
            Some((_, owner, acl)) => self.role_may(role, owner, acl, p),
            None => false,
        }
    }

    /// Whether `role` is a superuser or `owner`.
    pub fn owns(&self, role: &str, owner: &str) -> bool {
        role == owner || self.is_superuser(role)
    }

    /// Whether `role` may use `p` on an object with this owner and ACL.
    pub fn role_may(&self, role: &str, owner: &str, acl: &[AclItem], p: Privilege) -> bool {
        if self.owns(role, owner) {
            return true;
        }
        if self.role(role).is_none() {
            return false;
        }
        acl.iter()
            .any(|a| a.grants(p) && a.grantee.as_deref().is_none_or(|g| g == role))
    }

    /// Checks that `role` may use `p` on relation `oid` (42501 otherwise). Objects
    /// that are not relations pass (their own checks apply).
    pub fn check_privilege(&self, role: &str, oid: Oid, p: Privilege) -> Result<(), DbError> {
        let Some(entry) = self.entry(oid) else {
            return Ok(());
        };
        let Some((kind, owner, acl)) = relation_acl(self, entry) else {
            return Ok(());
        };
        if self.role_may(role, owner, acl, p) {
            return Ok(());
        }
        Err(permission_denied(kind, &entry_name(entry), p, role))
    }

    /// Checks that `role` owns relation `oid` or is a superuser (42501 `must be owner
    /// of table t` otherwise).
    pub fn check_owner(&self, role: &str, oid: Oid) -> Result<(), DbError> {
        let Some(entry) = self.entry(oid) else {
            return Ok(());
        };
        let Some((kind, owner, _)) = relation_acl(self, entry) else {
            return Ok(());
        };
        if self.owns(role, owner) {
            return Ok(());
        }
        Err(must_be_owner(kind, &entry_name(entry), owner))
    }
}

/// An object's name as messages show it.
pub fn entry_name(e: &Entry) -> String {
    match e {
        Entry::Table(t) => t.name.clone(),
        Entry::View(v) => v.name.clone(),
        Entry::Sequence(s) => s.name.clone(),
        Entry::Index(i) => i.name.clone(),
        Entry::Schema(s) => s.name.clone(),
        Entry::Constraint(c) => c.name.clone(),
        Entry::Role(r) => r.name.clone(),
    }
}

/// 42501 `permission denied for table t`.
pub fn permission_denied(kind: &str, name: &str, p: Privilege, role: &str) -> DbError {
    DbError::new(
        ErrorCode::SecPermissionDenied,
        format!("permission denied for {kind} {name}"),
    )
    .with_hint(format!(
        "Ask the {kind}'s owner or a superuser to GRANT {} ON {name} TO {role}.",
        p.name()
    ))
}

/// 42501 `must be owner of table t`.
pub fn must_be_owner(kind: &str, name: &str, owner: &str) -> DbError {
    DbError::new(
        ErrorCode::SecPermissionDenied,
        format!("must be owner of {kind} {name}"),
    )
    .with_hint(format!(
        "Only its owner ({owner}) or a superuser may do this; connect as one of them."
    ))
}

/// 42501 with `message` and `hint` (role management).
pub fn denied(message: impl Into<String>, hint: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::SecPermissionDenied, message).with_hint(hint)
}

/// 42704 `role "x" does not exist`.
pub fn undefined_role(name: &str) -> DbError {
    DbError::from_template(
        ErrorCode::UndefinedObject,
        &[("kind", &"role"), ("name", &name)],
    )
    .with_hint("Check the name; SELECT rolname FROM pg_roles lists the roles.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_names_and_letters() {
        assert_eq!(Privilege::parse(" select "), Some(Privilege::Select));
        assert_eq!(Privilege::parse("Truncate"), Some(Privilege::Truncate));
        assert_eq!(Privilege::parse("usage"), None);
        assert_eq!(acl_letters(&Privilege::ALL), "arwdDx");
        assert_eq!(
            acl_letters(&[Privilege::References, Privilege::Select]),
            "rx"
        );
        let item = AclItem {
            grantee: None,
            grantor: "rustydb".into(),
            privileges: "r".into(),
        };
        assert_eq!(item.to_pg_string(), "=r/rustydb");
        assert!(item.grants(Privilege::Select) && !item.grants(Privilege::Insert));
    }
}
