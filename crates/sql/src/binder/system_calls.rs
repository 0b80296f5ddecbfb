//! Catalog-reading functions and the object-identifier casts.
//!
//! `pg_get_userbyid`, `pg_table_is_visible`, `pg_get_indexdef`, `pg_get_constraintdef`,
//! `pg_get_viewdef`, the relation and database size functions, `has_table_privilege`
//! and `has_database_privilege` answer from
//! the catalog as the statement's transaction sees it: the binder resolves them against
//! that snapshot into a lookup (`CASE key WHEN oid THEN answer ...`) over every object,
//! so they work on per-row arguments. `x::regclass` / `regtype` / `regnamespace` /
//! `regrole` are not types here: a cast of a string constant gives the object's oid
//! (`bigint`, as every oid column is), a cast of an oid gives the object's name (`text`),
//! the two directions PostgreSQL's reg* input and output functions implement. Any other
//! operand is 0A000. `oid` is `bigint`, `name` is `text`, `"char"` is `character(1)`.

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr};

use super::errors;
use super::expr::Coercion;
use super::names;
use super::query::{Binder, parse_dotted};
use super::scope::Scope;
use crate::catalog::system::{self, pg_constraint_defs, relation_display_name};
use crate::catalog::{Entry, Oid};
use crate::plan::expr::ScalarExpr;
use crate::types::ops::BinaryOp;
use crate::types::{DataType, Value};

/// The reg* pseudo-types RustyDB accepts in casts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegKind {
    Class,
    Type,
    Namespace,
    Role,
}

fn lit(v: Value, ty: DataType) -> ScalarExpr {
    ScalarExpr::Literal(v, ty)
}

fn oid_lit(o: Oid) -> ScalarExpr {
    lit(Value::Int8(i64::from(o)), DataType::Int8)
}

fn text_lit(s: impl Into<String>) -> ScalarExpr {
    lit(Value::Text(s.into()), DataType::Text)
}

impl Binder<'_> {
    /// `x::oid`, `x::name`, `x::"char"`, `x::regclass` and friends; None for other types.
    pub(crate) fn bind_system_cast(
        &mut self,
        expr: &Expr,
        data_type: &ast::DataType,
        scope: &Scope,
    ) -> Result<Option<ScalarExpr>, DbError> {
        let text = data_type.to_string().to_ascii_lowercase();
        let text = text.strip_prefix("pg_catalog.").unwrap_or(&text);
        let simple = match text {
            "oid" => Some(DataType::Int8),
            "name" => Some(DataType::Text),
            "\"char\"" => Some(DataType::Char(Some(1))),
            _ => None,
        };
        if let Some(ty) = simple {
            let inner = self.bind_expr(expr, scope)?;
            return self
                .coerce_or_fail(inner, &ty, Coercion::Explicit)
                .map(Some);
        }
        let kind = match text {
            "regclass" => RegKind::Class,
            "regtype" => RegKind::Type,
            "regnamespace" => RegKind::Namespace,
            "regrole" => RegKind::Role,
            "regproc" | "regprocedure" | "regoper" | "regoperator" | "regconfig"
            | "regdictionary" | "regcollation" => {
                return Err(errors::unsupported(format!("the type {text}")));
            }
            _ => return Ok(None),
        };
        let inner = self.bind_expr(expr, scope)?;
        match inner {
            ScalarExpr::Literal(Value::Text(s), _) => Ok(Some(oid_lit(self.reg_input(kind, &s)?))),
            ScalarExpr::Literal(Value::Null, _) => Ok(Some(ScalarExpr::null(DataType::Int8))),
            e if e.ty().is_numeric() => {
                let key = self.coerce_or_fail(e, &DataType::Int8, Coercion::Explicit)?;
                self.reg_output(kind, key).map(Some)
            }
            _ => Err(errors::unsupported(format!(
                "casts to {text} of anything but a string constant or an oid"
            ))),
        }
    }

    /// A reg* input function: the oid a name denotes (digits are an oid already).
    fn reg_input(&self, kind: RegKind, s: &str) -> Result<Oid, DbError> {
        if let Ok(n) = s.trim().parse::<Oid>() {
            return Ok(n);
        }
        match kind {
            RegKind::Class => self.relation_oid_by_name(s),
            RegKind::Type => {
                let ty = crate::catalog::typename::parse_type_name(
                    s.trim().trim_start_matches("pg_catalog."),
                )?;
                Ok(ty.oid())
            }
            RegKind::Namespace => system::schema_oid(self.state, s.trim())
                .ok_or_else(|| errors::undefined_object("schema", s.trim()).with_sqlstate("3F000")),
            RegKind::Role => self
                .state
                .role(s.trim())
                .map(|r| r.oid)
                .ok_or_else(|| errors::undefined_object("role", s.trim())),
        }
    }

    /// The oid of the relation a (possibly qualified) name denotes; 42P01 if none.
    pub(crate) fn relation_oid_by_name(&self, s: &str) -> Result<Oid, DbError> {
        let parts = parse_dotted(s);
        let (schema, name) = names::split_relation_name(&parts, &self.ctx.database)?;
        if let Some(rel) = self.system_relation(schema.as_deref(), &name)? {
            return Ok(rel.oid);
        }
        Ok(self.find_relation_entry(schema.as_deref(), &name)?.1.oid())
    }

    /// A reg* output function over an oid expression: the object's name, or the oid's
    /// digits when no object has it.
    fn reg_output(&mut self, kind: RegKind, key: ScalarExpr) -> Result<ScalarExpr, DbError> {
        self.ctx.reads_system.set(true);
        let pairs: Vec<(i64, Value)> = match kind {
            RegKind::Class => system::relation_entries(self.state)
                .into_iter()
                .map(|(oid, schema, name, _)| {
                    let shown =
                        relation_display_name(self.state, &self.ctx.search_path, &schema, &name);
                    (i64::from(oid), Value::Text(shown))
                })
                .collect(),
            RegKind::Type => system::pg_type_names()
                .into_iter()
                .map(|(oid, name)| (i64::from(oid), Value::Text(name)))
                .collect(),
            RegKind::Namespace => system::schemas(self.state)
                .into_iter()
                .map(|(oid, name)| (i64::from(oid), Value::Text(name)))
                .collect(),
            RegKind::Role => self
                .state
                .roles()
                .into_iter()
                .map(|r| (i64::from(r.oid), Value::Text(r.name.clone())))
                .collect(),
        };
        let otherwise = ScalarExpr::Cast {
            expr: Box::new(key.clone()),
            to: DataType::Text,
        };
        self.oid_map(key, pairs, otherwise, DataType::Text)
    }

    /// `CASE WHEN key = k1 THEN v1 ... ELSE otherwise END`.
    fn oid_map(
        &mut self,
        key: ScalarExpr,
        pairs: Vec<(i64, Value)>,
        otherwise: ScalarExpr,
        ty: DataType,
    ) -> Result<ScalarExpr, DbError> {
        let mut whens = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let cond = self.make_comparison(
                BinaryOp::Eq,
                key.clone(),
                lit(Value::Int8(k), DataType::Int8),
            )?;
            whens.push((cond, lit(v, ty.clone())));
        }
        if whens.is_empty() {
            return Ok(otherwise);
        }
        Ok(ScalarExpr::Case {
            operand: None,
            whens,
            otherwise: Some(Box::new(otherwise)),
            ty,
        })
    }

    /// An argument PostgreSQL types `oid` or `regclass`: a relation name constant is
    /// looked up, anything else is taken as an oid.
    fn oid_argument(&mut self, e: &Expr, scope: &Scope) -> Result<ScalarExpr, DbError> {
        let bound = self.bind_expr(e, scope)?;
        if let ScalarExpr::Literal(Value::Text(s), DataType::Unknown) = &bound
            && s.trim().parse::<i64>().is_err()
        {
            return Ok(oid_lit(self.relation_oid_by_name(s)?));
        }
        self.coerce_or_fail(bound, &DataType::Int8, Coercion::Implicit)
    }

    fn const_text(
        &mut self,
        e: &Expr,
        scope: &Scope,
        what: &str,
    ) -> Result<Option<String>, DbError> {
        match self.bind_expr(e, scope)? {
            ScalarExpr::Literal(Value::Text(s), _) => Ok(Some(s)),
            ScalarExpr::Literal(Value::Null, _) => Ok(None),
            _ => Err(errors::unsupported(format!(
                "{what} with a non-constant argument"
            ))),
        }
    }

    fn const_bool(&mut self, e: &Expr, scope: &Scope) -> Result<ScalarExpr, DbError> {
        let b = self.bind_expr(e, scope)?;
        self.coerce_or_fail(b, &DataType::Bool, Coercion::Implicit)
    }

    /// The catalog functions; None for other names (or argument counts).
    pub(crate) fn bind_system_call(
        &mut self,
        name: &str,
        args: &[&Expr],
        scope: &Scope,
    ) -> Result<Option<ScalarExpr>, DbError> {
        let n = args.len();
        let e = match (name, n) {
            ("pg_partition_ancestors", _) => return Err(super::srf::elsewhere()),
            ("pg_relation_is_publishable", 1) => {
                // PostgreSQL's is_publishable_class: ordinary tables created by users;
                // NULL for an oid that is no relation.
                let key = self.oid_argument(args[0], scope)?;
                self.ctx.reads_system.set(true);
                let pairs = system::relation_entries(self.state)
                    .into_iter()
                    .map(|(o, _, _, kind)| {
                        let user = o >= crate::catalog::FIRST_USER_OID;
                        (i64::from(o), Value::Bool(kind == 'r' && user))
                    })
                    .collect();
                self.oid_map(key, pairs, ScalarExpr::null(DataType::Bool), DataType::Bool)?
            }
            ("pg_backend_pid", 0) => {
                let pid = self.system_context()?.backend_pid;
                lit(
                    Value::Int4(i32::try_from(pid).unwrap_or(i32::MAX)),
                    DataType::Int4,
                )
            }
            ("pg_postmaster_start_time", 0) => {
                let at = self.system_context()?.started_at();
                lit(system::timestamptz(at), DataType::TimestampTz)
            }
            ("current_setting", 1 | 2) => {
                let missing_ok = match args.get(1) {
                    Some(a) => matches!(
                        self.const_bool(a, scope)?,
                        ScalarExpr::Literal(Value::Bool(true), _)
                    ),
                    None => false,
                };
                let Some(setting) = self.const_text(args[0], scope, "current_setting")? else {
                    return Ok(Some(ScalarExpr::null(DataType::Text)));
                };
                let found = self
                    .system_context()?
                    .settings
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&setting))
                    .map(|(_, v)| v.clone());
                match found {
                    Some(v) => text_lit(v),
                    None if missing_ok => ScalarExpr::null(DataType::Text),
                    None => {
                        return Err(rustydb_common::DbError::new(
                            rustydb_common::ErrorCode::UndefinedObject,
                            format!("unrecognized configuration parameter \"{setting}\""),
                        )
                        .with_sqlstate("42704")
                        .with_hint("SHOW ALL lists the parameters RustyDB knows."));
                    }
                }
            }
            ("pg_cancel_backend" | "pg_terminate_backend", 1 | 2) => {
                let pid = self.bind_expr(args[0], scope)?;
                let pid = self.coerce_or_fail(pid, &DataType::Int4, Coercion::Implicit)?;
                let ctx = self.system_context()?;
                let engine = crate::functions::system::register_engine(&ctx.engine);
                let caller = i32::try_from(ctx.backend_pid).unwrap_or(i32::MAX);
                let terminate = name == "pg_terminate_backend";
                self.call_bound(
                    "pg_signal_backend",
                    vec![
                        lit(Value::Int8(engine), DataType::Int8),
                        lit(Value::Int4(caller), DataType::Int4),
                        pid,
                        ScalarExpr::bool_lit(terminate),
                    ],
                )?
            }
            ("pg_get_userbyid", 1) => {
                let key = self.oid_argument(args[0], scope)?;
                self.ctx.reads_system.set(true);
                let pairs = self
                    .state
                    .roles()
                    .into_iter()
                    .map(|r| (i64::from(r.oid), Value::Text(r.name.clone())))
                    .collect();
                let otherwise = self.call_bound(
                    "concat",
                    vec![text_lit("unknown (OID="), key.clone(), text_lit(")")],
                )?;
                self.oid_map(key, pairs, otherwise, DataType::Text)?
            }
            ("pg_table_is_visible" | "pg_type_is_visible", 1) => {
                let key = self.oid_argument(args[0], scope)?;
                self.ctx.reads_system.set(true);
                let list: Vec<ScalarExpr> = if name == "pg_type_is_visible" {
                    system::pg_type_names()
                        .into_iter()
                        .map(|(o, _)| oid_lit(o))
                        .collect()
                } else {
                    system::relation_entries(self.state)
                        .into_iter()
                        .filter(|(_, s, n, _)| {
                            system::relation_visible(self.state, &self.ctx.search_path, s, n)
                        })
                        .map(|(o, _, _, _)| oid_lit(o))
                        .collect()
                };
                ScalarExpr::InList {
                    expr: Box::new(key),
                    list,
                    negated: false,
                }
            }
            ("pg_get_constraintdef", 1 | 2) => {
                let key = self.oid_argument(args[0], scope)?;
                if let Some(p) = args.get(1) {
                    self.const_bool(p, scope)?;
                }
                self.ctx.reads_system.set(true);
                let pairs = pg_constraint_defs(self.state, &self.ctx.search_path);
                let pairs = pairs
                    .into_iter()
                    .map(|(o, d)| (i64::from(o), Value::Text(d)))
                    .collect();
                self.oid_map(key, pairs, ScalarExpr::null(DataType::Text), DataType::Text)?
            }
            ("pg_get_indexdef", 1 | 3) => {
                let key = self.oid_argument(args[0], scope)?;
                let col = match args.get(1) {
                    Some(c) => {
                        let c = self.bind_expr(c, scope)?;
                        self.coerce_or_fail(c, &DataType::Int4, Coercion::Implicit)?
                    }
                    None => lit(Value::Int4(0), DataType::Int4),
                };
                if let Some(p) = args.get(2) {
                    self.const_bool(p, scope)?;
                }
                self.bind_indexdef(key, col)?
            }
            ("pg_get_viewdef", 1 | 2) => {
                let key = self.oid_argument(args[0], scope)?;
                if let Some(p) = args.get(1) {
                    self.const_bool(p, scope)?;
                }
                self.ctx.reads_system.set(true);
                let pairs = self
                    .state
                    .entries()
                    .filter_map(|e| match e {
                        Entry::View(v) => Some((i64::from(v.oid), Value::Text(v.query.clone()))),
                        _ => None,
                    })
                    .collect();
                self.oid_map(key, pairs, ScalarExpr::null(DataType::Text), DataType::Text)?
            }
            (
                "pg_relation_size" | "pg_table_size" | "pg_total_relation_size" | "pg_indexes_size",
                1,
            )
            | ("pg_relation_size", 2) => {
                let key = self.oid_argument(args[0], scope)?;
                if let Some(fork) = args.get(1) {
                    match self.const_text(fork, scope, "pg_relation_size")?.as_deref() {
                        Some("main") | None => {}
                        Some("fsm" | "vm" | "init") => {
                            return Ok(Some(lit(Value::Int8(0), DataType::Int8)));
                        }
                        Some(other) => {
                            return Err(invalid_parameter(format!(
                                "invalid fork name \"{other}\""
                            ))
                            .with_hint(
                                "Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\".",
                            ));
                        }
                    }
                }
                let pairs = self.relation_sizes(name)?;
                self.oid_map(key, pairs, ScalarExpr::null(DataType::Int8), DataType::Int8)?
            }
            ("has_table_privilege", 2 | 3) => {
                let (role, table, privilege) = if n == 3 {
                    let Some(role) = self.const_text(args[0], scope, "has_table_privilege")? else {
                        return Ok(Some(ScalarExpr::null(DataType::Bool)));
                    };
                    if self.state.role(&role).is_none() {
                        return Err(errors::undefined_object("role", &role));
                    }
                    (role, args[1], args[2])
                } else {
                    (self.ctx.user.clone(), args[0], args[1])
                };
                let key = self.oid_argument(table, scope)?;
                let Some(privs) = self.const_text(privilege, scope, "has_table_privilege")? else {
                    return Ok(Some(ScalarExpr::null(DataType::Bool)));
                };
                let privs: Vec<String> = privs
                    .split(',')
                    .map(|p| {
                        p.trim()
                            .trim_end_matches(" WITH GRANT OPTION")
                            .trim()
                            .to_ascii_uppercase()
                    })
                    .collect();
                for p in &privs {
                    if crate::catalog::privileges::Privilege::parse(p).is_none() {
                        return Err(invalid_parameter(format!(
                            "unrecognized privilege type: \"{p}\""
                        )));
                    }
                }
                self.ctx.reads_system.set(true);
                let mut pairs = Vec::new();
                for (oid, schema, _, kind) in system::relation_entries(self.state) {
                    let allowed = if system::is_system_schema(&schema) {
                        // System relations are readable by everyone, writable by none.
                        privs.iter().any(|p| p == "SELECT")
                    } else if kind == 'i' {
                        continue;
                    } else {
                        privs
                            .iter()
                            .any(|p| self.state.has_table_privilege(&role, oid, p))
                    };
                    pairs.push((i64::from(oid), Value::Bool(allowed)));
                }
                self.oid_map(key, pairs, ScalarExpr::null(DataType::Bool), DataType::Bool)?
            }
            ("has_database_privilege", 2 | 3) => {
                // The role (if given) must exist; the answer is the same for every role.
                let (db, privilege) = if n == 3 {
                    let Some(role) = self.const_text(args[0], scope, "has_database_privilege")?
                    else {
                        return Ok(Some(ScalarExpr::null(DataType::Bool)));
                    };
                    if self.state.role(&role).is_none() {
                        return Err(errors::undefined_object("role", &role));
                    }
                    (args[1], args[2])
                } else {
                    (args[0], args[1])
                };
                let Some(privs) = self.const_text(privilege, scope, "has_database_privilege")?
                else {
                    return Ok(Some(ScalarExpr::null(DataType::Bool)));
                };
                // RustyDB has no database privileges to grant: every role may connect
                // and create schemas; nobody can create temporary tables (there are none).
                let mut allowed = false;
                for p in privs.split(',') {
                    let p = p.trim().trim_end_matches(" WITH GRANT OPTION").trim();
                    allowed |= match p.to_ascii_uppercase().as_str() {
                        "CONNECT" | "CREATE" => true,
                        "TEMP" | "TEMPORARY" => false,
                        _ => {
                            return Err(invalid_parameter(format!(
                                "unrecognized privilege type: \"{p}\""
                            )));
                        }
                    };
                }
                self.database_map(db, scope, Value::Bool(allowed), DataType::Bool)?
            }
            ("pg_database_size", 1) => {
                let size = self.system_context()?.database_size()?;
                self.database_map(args[0], scope, Value::Int8(size), DataType::Int8)?
            }
            ("current_schemas", 1) => {
                // The search path's existing schemas; with implicit ones, pg_catalog
                // first unless the path places it. NULL for a NULL argument (strict).
                let implicit = self.const_bool(args[0], scope)?;
                self.ctx.reads_system.set(true);
                let explicit: Vec<String> = self
                    .ctx
                    .search_path
                    .iter()
                    .filter(|n| system::schema_oid(self.state, n).is_some())
                    .cloned()
                    .collect();
                let mut all = explicit.clone();
                if !all.iter().any(|n| n == "pg_catalog") {
                    all.insert(0, "pg_catalog".to_string());
                }
                let ty = DataType::Array(Box::new(DataType::Text));
                let arr = |names: Vec<String>| {
                    lit(
                        Value::Array(Box::new(names.into_iter().map(Value::Text).collect())),
                        ty.clone(),
                    )
                };
                ScalarExpr::Case {
                    operand: None,
                    whens: vec![
                        (
                            ScalarExpr::IsNull {
                                expr: Box::new(implicit.clone()),
                                negated: false,
                            },
                            ScalarExpr::null(ty.clone()),
                        ),
                        (implicit, arr(all)),
                    ],
                    otherwise: Some(Box::new(arr(explicit))),
                    ty: ty.clone(),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }

    /// `pg_get_indexdef(index, column)`.
    fn bind_indexdef(&mut self, key: ScalarExpr, col: ScalarExpr) -> Result<ScalarExpr, DbError> {
        self.ctx.reads_system.set(true);
        let mut whens = Vec::new();
        for t in self.state.tables() {
            for i in &t.indexes {
                for c in 0..=i.def.columns.len() {
                    let Some(def) = system::index_definition(t, &i.def, c) else {
                        continue;
                    };
                    let k = self.make_comparison(BinaryOp::Eq, key.clone(), oid_lit(i.def.oid))?;
                    let cc = self.make_comparison(
                        BinaryOp::Eq,
                        col.clone(),
                        lit(Value::Int4(i32::try_from(c).unwrap_or(0)), DataType::Int4),
                    )?;
                    whens.push((ScalarExpr::And(vec![k, cc]), text_lit(def)));
                }
            }
        }
        if whens.is_empty() {
            return Ok(ScalarExpr::null(DataType::Text));
        }
        Ok(ScalarExpr::Case {
            operand: None,
            whens,
            otherwise: Some(Box::new(ScalarExpr::null(DataType::Text))),
            ty: DataType::Text,
        })
    }

    /// `answer` when `db` (a database name or oid) is this database, NULL for any
    /// other oid; a constant name of another database is 3D000, as in PostgreSQL.
    fn database_map(
        &mut self,
        db: &Expr,
        scope: &Scope,
        answer: Value,
        ty: DataType,
    ) -> Result<ScalarExpr, DbError> {
        self.ctx.reads_system.set(true);
        let bound = self.bind_expr(db, scope)?;
        let by_name = match &bound {
            ScalarExpr::Literal(Value::Text(s), DataType::Unknown) => {
                s.trim().parse::<i64>().is_err()
            }
            e => matches!(
                e.ty(),
                DataType::Text | DataType::Varchar(_) | DataType::Char(_)
            ),
        };
        if !by_name {
            let key = self.coerce_or_fail(bound, &DataType::Int8, Coercion::Implicit)?;
            let pairs = vec![(i64::from(system::DATABASE_OID), answer)];
            return self.oid_map(key, pairs, ScalarExpr::null(ty.clone()), ty);
        }
        if let ScalarExpr::Literal(Value::Text(s), _) = &bound
            && *s != self.ctx.database
        {
            return Err(errors::undefined_object("database", s)
                .with_sqlstate("3D000")
                .with_hint("RustyDB serves one database, \"rustydb\"."));
        }
        let key = self.coerce_or_fail(bound, &DataType::Text, Coercion::Implicit)?;
        let cond = self.make_comparison(
            BinaryOp::Eq,
            key,
            lit(Value::Text(self.ctx.database.clone()), DataType::Text),
        )?;
        Ok(ScalarExpr::Case {
            operand: None,
            whens: vec![(cond, lit(answer, ty.clone()))],
            otherwise: Some(Box::new(ScalarExpr::null(ty.clone()))),
            ty,
        })
    }

    /// Relation sizes for the size function `name`, by oid.
    fn relation_sizes(&mut self, name: &str) -> Result<Vec<(i64, Value)>, DbError> {
        let ctx = self.system_context()?;
        let mut out = Vec::new();
        for e in self.state.entries() {
            let size = match (e, name) {
                (Entry::Table(t), _) => {
                    let heap = ctx.rel_size(t.heap);
                    let indexes: i64 = self
                        .state
                        .table_by_oid(t.oid)
                        .map(|m| m.indexes.iter().map(|i| ctx.rel_size(i.def.rel)).sum())
                        .unwrap_or(0);
                    match name {
                        "pg_indexes_size" => indexes,
                        "pg_total_relation_size" => heap + indexes,
                        _ => heap,
                    }
                }
                (Entry::Index(i), "pg_indexes_size") => {
                    let _ = i;
                    0
                }
                (Entry::Index(i), _) => ctx.rel_size(i.rel),
                (Entry::Sequence(s), "pg_indexes_size") => {
                    let _ = s;
                    0
                }
                (Entry::Sequence(s), _) => ctx.rel_size(s.rel),
                (Entry::View(v), _) => {
                    let _ = v;
                    0
                }
                _ => continue,
            };
            out.push((i64::from(e.oid()), Value::Int8(size)));
        }
        Ok(out)
    }
}

/// 22023 for a bad constant argument (fork or privilege name).
fn invalid_parameter(msg: String) -> DbError {
    DbError::new(rustydb_common::ErrorCode::InvalidParameter, msg)
        .with_sqlstate("22023")
        .with_hint("Check the argument against PostgreSQL's documentation of the function.")
}
