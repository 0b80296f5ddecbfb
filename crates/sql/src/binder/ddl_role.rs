//! CREATE / ALTER / DROP ROLE and USER: parsing what sqlparser leaves out, and the
//! checked form of the statements ([`RoleOptions`]).
//!
//! sqlparser parses `CREATE ROLE` and `ALTER ROLE` / `ALTER USER` as PostgreSQL has
//! them, but `CREATE USER` as Snowflake's statement and not the noise word `ENCRYPTED`
//! before `PASSWORD`: [`parse_create_user`] reads `CREATE USER` as `CREATE ROLE` with
//! LOGIN implied (as PostgreSQL does), and [`drop_encrypted`] drops the noise word
//! before parsing.

use rustydb_common::DbError;
use sqlparser::ast::{
    self, AlterRoleOperation, Expr, ObjectType, Password, RoleKeyword, RoleOption, Statement,
    UnaryOperator,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::ddl::DdlStatement;
use super::errors;
use super::names;

/// Role attributes a CREATE or ALTER ROLE gives (None: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleOptions {
    /// SUPERUSER / NOSUPERUSER.
    pub superuser: Option<bool>,
    /// LOGIN / NOLOGIN.
    pub login: Option<bool>,
    /// CREATEDB / NOCREATEDB.
    pub create_db: Option<bool>,
    /// CREATEROLE / NOCREATEROLE.
    pub create_role: Option<bool>,
    /// PASSWORD 'x' (`Some(Some)`) or PASSWORD NULL (`Some(None)`).
    pub password: Option<Option<String>>,
    /// VALID UNTIL 'timestamp'.
    pub valid_until: Option<String>,
    /// CONNECTION LIMIT n.
    pub connection_limit: Option<i32>,
}

impl RoleOptions {
    /// Whether only the password is given (what a role may change about itself).
    pub fn only_password(&self) -> bool {
        self.password.is_some()
            && *self
                == RoleOptions {
                    password: self.password.clone(),
                    ..RoleOptions::default()
                }
    }
}

/// The name standing for the session's user (`CURRENT_USER`, `SESSION_USER`,
/// `CURRENT_ROLE` written unquoted), resolved when the statement runs.
pub(crate) const CURRENT_USER: &str = "\u{0}current_user";

/// `CREATE USER ...` (the parser at USER's CREATE) as `CREATE ROLE ... LOGIN` unless
/// NOLOGIN is given.
pub(crate) fn parse_create_user(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.next_token(); // CREATE
    parser.next_token(); // USER
    let mut role = parser.parse_create_role(RoleKeyword::Role)?;
    if role.login.is_none() {
        role.login = Some(true);
    }
    Ok(Statement::CreateRole(role))
}

/// Whether the tokens at the parser start `CREATE USER` (not `CREATE USER MAPPING`).
pub(crate) fn at_create_user(parser: &Parser<'_>) -> bool {
    let is = |n: usize, k: Keyword| matches!(&parser.peek_nth_token(n).token, Token::Word(w) if w.keyword == k);
    is(1, Keyword::USER) && !is(2, Keyword::MAPPING)
}

/// Drops the noise word `ENCRYPTED` before `PASSWORD` (PostgreSQL accepts and ignores
/// it; passwords are always stored as verifiers).
pub(crate) fn drop_encrypted(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let is_word = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none());
    let noise: Vec<usize> = (0..tokens.len())
        .filter(|&i| {
            is_word(&tokens[i].token, Keyword::ENCRYPTED)
                && tokens[i + 1..]
                    .iter()
                    .find(|n| !matches!(n.token, Token::Whitespace(_)))
                    .is_some_and(|n| is_word(&n.token, Keyword::PASSWORD))
        })
        .collect();
    if noise.is_empty() {
        return tokens;
    }
    tokens
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !noise.contains(i))
        .map(|(_, t)| t)
        .collect()
}

/// The DDL form of a role statement, or None if `stmt` is not one.
pub(crate) fn bind_role_statement(stmt: &Statement) -> Result<Option<DdlStatement>, DbError> {
    Ok(Some(match stmt {
        Statement::CreateRole(c) => {
            if c.if_not_exists {
                return Err(errors::syntax("syntax error at or near \"IF\""));
            }
            let unsupported = [
                (!c.in_role.is_empty() || !c.in_group.is_empty(), "IN ROLE"),
                (
                    !c.role.is_empty() || !c.user.is_empty(),
                    "ROLE (role membership)",
                ),
                (!c.admin.is_empty(), "ADMIN"),
                (c.authorization_owner.is_some(), "AUTHORIZATION"),
                (c.replication == Some(true), "REPLICATION"),
                (c.bypassrls == Some(true), "BYPASSRLS"),
                (c.inherit == Some(false), "NOINHERIT"),
            ];
            if let Some((_, what)) = unsupported.iter().find(|(given, _)| *given) {
                return Err(errors::unsupported(format!("role option {what}")));
            }
            let options = RoleOptions {
                superuser: c.superuser,
                login: c.login,
                create_db: c.create_db,
                create_role: c.create_role,
                password: c.password.as_ref().map(password).transpose()?,
                valid_until: c.valid_until.as_ref().map(string_option).transpose()?,
                connection_limit: c.connection_limit.as_ref().map(limit).transpose()?,
            };
            let [name] = c.names.as_slice() else {
                return Err(errors::syntax("syntax error at or near \",\""));
            };
            let name = role_name(names::object_name(name)?.join(".").as_str())?;
            DdlStatement::CreateRole { name, options }
        }
        Statement::AlterRole { name, operation } => {
            let role = role_ref(name);
            match operation {
                AlterRoleOperation::RenameRole { role_name: new } => DdlStatement::RenameRole {
                    name: role,
                    new_name: role_name(&names::ident(new))?,
                },
                AlterRoleOperation::WithOptions { options } => DdlStatement::AlterRole {
                    name: role,
                    options: alter_options(options)?,
                },
                AlterRoleOperation::AddMember { .. } | AlterRoleOperation::DropMember { .. } => {
                    return Err(errors::unsupported("role membership"));
                }
                AlterRoleOperation::Set { .. } | AlterRoleOperation::Reset { .. } => {
                    return Err(errors::unsupported("ALTER ROLE ... SET"));
                }
            }
        }
        Statement::Drop {
            object_type: ObjectType::Role | ObjectType::User,
            if_exists,
            names: list,
            ..
        } => DdlStatement::DropRoles {
            names: list
                .iter()
                .map(|n| names::object_name(n).map(|p| p.join(".")))
                .collect::<Result<_, _>>()?,
            if_exists: *if_exists,
        },
        Statement::GrantRole(_) | Statement::RevokeRole(_) => {
            return Err(errors::unsupported("role membership (GRANT role TO role)"));
        }
        Statement::CreateUser(_) | Statement::AlterUser(_) => {
            return Err(errors::unsupported("this form of CREATE USER / ALTER USER"));
        }
        _ => return Ok(None),
    }))
}

/// A new role name: `public`, `none` and names starting with `pg_` are reserved (42939).
fn role_name(name: &str) -> Result<String, DbError> {
    if matches!(name, "public" | "none") {
        return Err(
            errors::syntax(format!("role name \"{name}\" is reserved")).with_sqlstate("42939")
        );
    }
    if name.starts_with("pg_") {
        return Err(errors::syntax(format!("role name \"{name}\" is reserved"))
            .with_sqlstate("42939")
            .with_detail("Role names starting with \"pg_\" are reserved."));
    }
    Ok(name.to_string())
}

/// An existing role's name, `CURRENT_USER` and its synonyms standing for the session's.
fn role_ref(id: &ast::Ident) -> String {
    let name = names::ident(id);
    if id.quote_style.is_none()
        && matches!(
            name.as_str(),
            "current_user" | "session_user" | "current_role"
        )
    {
        return CURRENT_USER.to_string();
    }
    name
}

fn alter_options(options: &[RoleOption]) -> Result<RoleOptions, DbError> {
    let mut o = RoleOptions::default();
    fn set<T>(slot: &mut Option<T>, v: T) -> Result<(), DbError> {
        if slot.is_some() {
            return Err(errors::syntax("conflicting or redundant options"));
        }
        *slot = Some(v);
        Ok(())
    }
    for opt in options {
        match opt {
            RoleOption::SuperUser(b) => set(&mut o.superuser, *b)?,
            RoleOption::Login(b) => set(&mut o.login, *b)?,
            RoleOption::CreateDB(b) => set(&mut o.create_db, *b)?,
            RoleOption::CreateRole(b) => set(&mut o.create_role, *b)?,
            RoleOption::Password(p) => set(&mut o.password, password(p)?)?,
            RoleOption::ValidUntil(e) => set(&mut o.valid_until, string_option(e)?)?,
            RoleOption::ConnectionLimit(e) => set(&mut o.connection_limit, limit(e)?)?,
            RoleOption::Inherit(true) => {}
            other => return Err(errors::unsupported(format!("role option {other}"))),
        }
    }
    Ok(o)
}

fn password(p: &Password) -> Result<Option<String>, DbError> {
    match p {
        Password::NullPassword => Ok(None),
        // PostgreSQL: "empty string is not a valid password, clearing password".
        Password::Password(e) => Ok(Some(string_option(e)?).filter(|s| !s.is_empty())),
    }
}

fn string_option(e: &Expr) -> Result<String, DbError> {
    match e {
        Expr::Value(v) => super::expr::literal_text(&v.value)
            .ok_or_else(|| errors::syntax(format!("syntax error at or near \"{e}\""))),
        other => Err(errors::syntax(format!(
            "syntax error at or near \"{other}\""
        ))),
    }
}

fn limit(e: &Expr) -> Result<i32, DbError> {
    let (negative, inner) = match e {
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => (true, &**expr),
        other => (false, other),
    };
    let text = match inner {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.clone(),
            _ => return Err(errors::syntax(format!("syntax error at or near \"{e}\""))),
        },
        _ => return Err(errors::syntax(format!("syntax error at or near \"{e}\""))),
    };
    let n: i64 = text
        .parse()
        .map_err(|_| errors::syntax(format!("syntax error at or near \"{e}\"")))?;
    let n = if negative { -n } else { n };
    if n < -1 || n > i64::from(i32::MAX) {
        return Err(rustydb_common::DbError::new(
            rustydb_common::ErrorCode::InvalidParameter,
            format!("invalid connection limit: {n}"),
        )
        .with_hint("CONNECTION LIMIT is -1 (no limit) or a count of connections."));
    }
    Ok(n as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(sql: &str) -> Result<DdlStatement, DbError> {
        let stmts = super::super::parse(sql)?;
        Ok(bind_role_statement(&stmts[0])?.expect("a role statement"))
    }

    #[test]
    fn create_user_implies_login_and_encrypted_is_noise() {
        let DdlStatement::CreateRole { name, options } =
            bind("CREATE USER Alice ENCRYPTED PASSWORD 'pw' VALID UNTIL 'infinity'").unwrap()
        else {
            panic!()
        };
        assert_eq!(name, "alice");
        assert_eq!(options.login, Some(true));
        assert_eq!(options.password, Some(Some("pw".into())));
        assert_eq!(options.valid_until.as_deref(), Some("infinity"));
        let DdlStatement::CreateRole { options, .. } = bind("CREATE USER b NOLOGIN").unwrap()
        else {
            panic!()
        };
        assert_eq!(options.login, Some(false));
        let DdlStatement::CreateRole { options, .. } =
            bind("CREATE ROLE r WITH CREATEDB CONNECTION LIMIT 4 PASSWORD NULL").unwrap()
        else {
            panic!()
        };
        assert_eq!(options.login, None);
        assert_eq!(options.create_db, Some(true));
        assert_eq!(options.connection_limit, Some(4));
        assert_eq!(options.password, Some(None));
    }

    #[test]
    fn alter_forms() {
        assert_eq!(
            bind("ALTER USER a RENAME TO b").unwrap(),
            DdlStatement::RenameRole {
                name: "a".into(),
                new_name: "b".into()
            }
        );
        let DdlStatement::AlterRole { name, options } =
            bind("ALTER ROLE current_user WITH ENCRYPTED PASSWORD 'x'").unwrap()
        else {
            panic!()
        };
        assert_eq!(name, CURRENT_USER);
        assert!(options.only_password());
        assert_eq!(
            bind("ALTER ROLE a LOGIN NOLOGIN").unwrap_err().sqlstate(),
            "42601"
        );
        assert_eq!(
            bind("ALTER ROLE a CONNECTION LIMIT -2")
                .unwrap_err()
                .sqlstate(),
            "22023"
        );
        assert_eq!(
            bind("ALTER ROLE a SET work_mem = 1")
                .unwrap_err()
                .sqlstate(),
            "0A000"
        );
    }

    #[test]
    fn reserved_names_and_membership() {
        assert_eq!(bind("CREATE ROLE pg_x").unwrap_err().sqlstate(), "42939");
        assert_eq!(
            bind("CREATE ROLE \"none\"").unwrap_err().sqlstate(),
            "42939"
        );
        assert_eq!(bind("GRANT a TO b").unwrap_err().sqlstate(), "0A000");
        assert_eq!(
            bind("CREATE ROLE a IN ROLE b").unwrap_err().sqlstate(),
            "0A000"
        );
        assert_eq!(
            bind("DROP USER IF EXISTS a, b").unwrap(),
            DdlStatement::DropRoles {
                names: vec!["a".into(), "b".into()],
                if_exists: true
            }
        );
    }
}
