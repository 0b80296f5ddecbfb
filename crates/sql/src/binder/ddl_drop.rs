//! DROP of tables, views, indexes, sequences and schemas, with PostgreSQL's dependency
//! rules: objects others depend on (views over a table, foreign keys referencing it,
//! defaults using a sequence, objects in a schema) are 2BP01 unless CASCADE, which drops
//! the dependents too (a referencing foreign key loses only its constraint).
//!
//! Views store their query as text, so what a view depends on is found by binding it and
//! recording every relation it reads.

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::RelId;
use rustydb_txn::lock::LockMode;

use super::ddl::{DdlRun, ObjectKind};
use super::errors;
use super::names;
use crate::catalog::{CatalogState, Entry, Oid, SequenceDef, ViewDef};

/// What depends on an object: (description for DETAIL, how to drop it under CASCADE).
#[derive(Debug, Clone)]
pub(crate) enum Dependent {
    /// A view (dropped).
    View(ViewDef),
    /// A foreign key constraint (oid, name) of another table (oid, name); the
    /// constraint is dropped.
    Constraint(Oid, String, Oid, String),
    /// A column default using a sequence (the default is dropped): table oid, column.
    Default(Oid, usize, String, String),
}

impl Dependent {
    fn describe(&self, on: &str) -> String {
        match self {
            Dependent::View(v) => format!("view {} depends on {on}", v.name),
            Dependent::Constraint(_, c, _, t) => {
                format!("constraint {c} on table {t} depends on {on}")
            }
            Dependent::Default(_, _, col, t) => {
                format!("default value for column {col} of table {t} depends on {on}")
            }
        }
    }
}

/// The relations each view of `state` reads (directly or through other views). Views
/// that no longer bind are left out.
pub(crate) fn view_dependencies(
    state: &CatalogState,
    ctx: &super::BindContext,
) -> Vec<(ViewDef, Vec<Oid>)> {
    let mut out = Vec::new();
    for e in state.entries() {
        let Entry::View(v) = e else { continue };
        let Ok(stmts) = super::parse(&v.query) else {
            continue;
        };
        let Some(sqlparser::ast::Statement::Query(q)) = stmts.first() else {
            continue;
        };
        let mut b = super::Binder::new(state, ctx);
        if b.bind_query(q, true).is_ok() {
            out.push((v.clone(), b.deps));
        }
    }
    out
}

impl DdlRun<'_> {
    /// Executes DROP.
    pub(crate) fn drop_objects(
        &mut self,
        kind: ObjectKind,
        list: &[Vec<String>],
        if_exists: bool,
        cascade: bool,
    ) -> Result<String, DbError> {
        // Objects dropped by the same statement do not count as each other's dependents.
        let mut oids = Vec::new();
        for parts in list {
            if let Some(oid) = self.resolve_for_drop(kind, parts, if_exists)? {
                oids.push(oid);
            }
        }
        self.dropping = oids.clone();
        for oid in oids {
            self.drop_one(oid, cascade)?;
        }
        Ok(format!("DROP {}", kind.name().to_uppercase()))
    }

    /// The oid of the object to drop; None if missing under IF EXISTS.
    fn resolve_for_drop(
        &mut self,
        kind: ObjectKind,
        parts: &[String],
        if_exists: bool,
    ) -> Result<Option<Oid>, DbError> {
        let state = self.state()?;
        if kind == ObjectKind::Schema {
            let name = parts.join(".");
            return match state.schema_oid(&name) {
                Some(o) => Ok(Some(o)),
                None if if_exists => Ok(None),
                None => Err(errors::undefined_object("schema", &name).with_sqlstate("3F000")),
            };
        }
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        let found = match &schema {
            Some(s) => state.relation(s, &name),
            None => self
                .ctx
                .search_path
                .iter()
                .find_map(|s| state.relation(s, &name)),
        };
        let missing = || {
            let e = errors::undefined_object(kind.name(), &name);
            if kind == ObjectKind::Index {
                e
            } else {
                e.with_sqlstate("42P01")
            }
        };
        let Some(entry) = found else {
            return if if_exists { Ok(None) } else { Err(missing()) };
        };
        let actual = match entry {
            Entry::Table(_) => ObjectKind::Table,
            Entry::View(_) => ObjectKind::View,
            Entry::Index(_) => ObjectKind::Index,
            Entry::Sequence(_) => ObjectKind::Sequence,
            _ => return Err(missing()),
        };
        if actual != kind {
            return Err(errors::wrong_object_type(format!(
                "\"{name}\" is not a{} {}",
                if kind == ObjectKind::Index { "n" } else { "" },
                kind.name()
            ))
            .with_hint(format!(
                "Use DROP {} to remove a{} {}.",
                actual.name().to_uppercase(),
                if actual == ObjectKind::Index { "n" } else { "" },
                actual.name()
            )));
        }
        Ok(Some(entry.oid()))
    }

    /// Drops object `oid` and, under CASCADE, what depends on it.
    pub(crate) fn drop_one(&mut self, oid: Oid, cascade: bool) -> Result<(), DbError> {
        let state = self.state()?;
        let Some(entry) = state.entry(oid).cloned() else {
            return Ok(());
        };
        match entry {
            Entry::Table(t) => {
                self.txn.lock_table(RelId(t.heap), LockMode::X)?;
                // A concurrent DROP may have committed while this one waited.
                if self.state()?.entry(oid).is_none() {
                    return Err(errors::undefined_object("table", &t.name).with_sqlstate("42P01"));
                }
                let on = format!("table {}", t.name);
                let mut deps = self.relation_dependents(oid)?;
                let state = self.state()?;
                for (referencing, c) in state.referencing(oid) {
                    if referencing.def.oid != oid {
                        deps.push(Dependent::Constraint(
                            c.oid,
                            c.name.clone(),
                            referencing.def.oid,
                            referencing.def.name.clone(),
                        ));
                    }
                }
                self.drop_dependents(&on, deps, cascade)?;
                let table = self.table(oid)?;
                for c in &table.constraints {
                    self.catalog
                        .drop_object(self.txn, self.cat_txn, c.oid, None)?;
                }
                for i in &table.indexes {
                    self.catalog.drop_object(
                        self.txn,
                        self.cat_txn,
                        i.def.oid,
                        Some(RelId(i.def.rel)),
                    )?;
                }
                for s in self.owned_sequences(oid)? {
                    self.catalog
                        .drop_object(self.txn, self.cat_txn, s.oid, Some(RelId(s.rel)))?;
                }
                self.catalog
                    .drop_object(self.txn, self.cat_txn, oid, Some(RelId(t.heap)))
            }
            Entry::View(v) => {
                let deps = self.relation_dependents(oid)?;
                self.drop_dependents(&format!("view {}", v.name), deps, cascade)?;
                self.catalog.drop_object(self.txn, self.cat_txn, oid, None)
            }
            Entry::Index(i) => {
                let table = state
                    .table_by_oid(i.table)
                    .ok_or_else(|| DbError::internal("index without table"))?;
                if let Some(c) = Self::index_constraint(&table, oid) {
                    return Err(DbError::new(
                        ErrorCode::DependentObjectsExist,
                        format!(
                            "cannot drop index {} because constraint {c} on table {} requires it",
                            i.name, table.def.name
                        ),
                    )
                    .with_hint(format!(
                        "You can drop constraint {c} on table {} instead.",
                        table.def.name
                    )));
                }
                self.txn.lock_table(RelId(table.def.heap), LockMode::X)?;
                self.catalog
                    .drop_object(self.txn, self.cat_txn, oid, Some(RelId(i.rel)))
            }
            Entry::Sequence(s) => {
                let deps = self.sequence_dependents(&s)?;
                self.drop_dependents(&format!("sequence {}", s.name), deps, cascade)?;
                self.catalog
                    .drop_object(self.txn, self.cat_txn, oid, Some(RelId(s.rel)))
            }
            Entry::Schema(s) => {
                let members: Vec<Entry> = state
                    .entries()
                    .filter(|e| match e {
                        Entry::Table(t) => t.schema == s.name,
                        Entry::View(v) => v.schema == s.name,
                        Entry::Sequence(q) => q.schema == s.name && q.owned_by.is_none(),
                        _ => false,
                    })
                    .cloned()
                    .collect();
                if !members.is_empty() && !cascade {
                    let detail: Vec<String> = members
                        .iter()
                        .map(|e| format!("{} depends on schema {}", describe_entry(e), s.name))
                        .collect();
                    return Err(errors::dependents(
                        &format!("schema {}", s.name),
                        detail.join("\n"),
                    )
                    .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                }
                // Views first: dropping a table would otherwise find them as dependents.
                let mut order: Vec<&Entry> = members
                    .iter()
                    .filter(|e| matches!(e, Entry::View(_)))
                    .collect();
                order.extend(members.iter().filter(|e| !matches!(e, Entry::View(_))));
                for e in order {
                    self.drop_one(e.oid(), true)?;
                }
                self.catalog.drop_object(self.txn, self.cat_txn, oid, None)
            }
            Entry::Constraint(_) => self.catalog.drop_object(self.txn, self.cat_txn, oid, None),
            Entry::Role(_) => Err(DbError::internal("a role is dropped by DROP ROLE only")),
        }
    }

    /// Refuses (2BP01) or, under CASCADE, drops what depends on an object.
    fn drop_dependents(
        &mut self,
        on: &str,
        deps: Vec<Dependent>,
        cascade: bool,
    ) -> Result<(), DbError> {
        let dropping = &self.dropping;
        let deps: Vec<Dependent> = deps
            .into_iter()
            .filter(|d| match d {
                Dependent::View(v) => !dropping.contains(&v.oid),
                Dependent::Constraint(_, _, table, _) => !dropping.contains(table),
                Dependent::Default(table, ..) => !dropping.contains(table),
            })
            .collect();
        if deps.is_empty() {
            return Ok(());
        }
        if !cascade {
            let detail: Vec<String> = deps.iter().map(|d| d.describe(on)).collect();
            return Err(errors::dependents(on, detail.join("\n"))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for d in deps {
            match d {
                Dependent::View(v) => self.drop_one(v.oid, true)?,
                Dependent::Constraint(c, ..) => {
                    if self.state()?.entry(c).is_some() {
                        self.catalog.drop_object(self.txn, self.cat_txn, c, None)?;
                    }
                }
                Dependent::Default(table, pos, _, _) => {
                    let mut def = self.table(table)?.def.clone();
                    def.columns[pos].default = None;
                    self.alter_entry(Entry::Table(def))?;
                }
            }
        }
        Ok(())
    }

    /// Views reading relation `oid`.
    pub(crate) fn relation_dependents(&mut self, oid: Oid) -> Result<Vec<Dependent>, DbError> {
        let state = self.state()?;
        Ok(view_dependencies(&state, self.ctx)
            .into_iter()
            .filter(|(v, deps)| v.oid != oid && deps.contains(&oid))
            .map(|(v, _)| Dependent::View(v))
            .collect())
    }

    /// Column defaults (and identity columns) using sequence `s`.
    fn sequence_dependents(&mut self, s: &SequenceDef) -> Result<Vec<Dependent>, DbError> {
        let state = self.state()?;
        let mut out = Vec::new();
        for t in state.tables() {
            for (pos, c) in t.def.columns.iter().enumerate() {
                if c.dropped {
                    continue;
                }
                if matches!(c.identity, Some((_, seq)) if seq == s.oid) {
                    return Err(DbError::new(
                        ErrorCode::DependentObjectsExist,
                        format!(
                            "cannot drop sequence {} because column {} of table {} requires it",
                            s.name, c.name, t.def.name
                        ),
                    )
                    .with_hint(format!(
                        "You can drop column {} of table {} instead.",
                        c.name, t.def.name
                    )));
                }
                let Some(text) = &c.default else { continue };
                let Ok(expr) = super::parse_expr(text) else {
                    continue;
                };
                let mut b = super::Binder::new(&state, self.ctx);
                let _ = b.bind_expr(&expr, &super::scope::Scope::empty());
                if b.deps.contains(&s.oid) {
                    out.push(Dependent::Default(
                        t.def.oid,
                        pos,
                        c.name.clone(),
                        t.def.name.clone(),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Sequences owned by a column of table `oid`.
    pub(crate) fn owned_sequences(&mut self, oid: Oid) -> Result<Vec<SequenceDef>, DbError> {
        let state = self.state()?;
        Ok(state
            .entries()
            .filter_map(|e| match e {
                Entry::Sequence(s) if s.owned_by.is_some_and(|(t, _)| t == oid) => Some(s.clone()),
                _ => None,
            })
            .collect())
    }
}

fn describe_entry(e: &Entry) -> String {
    match e {
        Entry::Table(t) => format!("table {}.{}", t.schema, t.name),
        Entry::View(v) => format!("view {}.{}", v.schema, v.name),
        Entry::Sequence(s) => format!("sequence {}.{}", s.schema, s.name),
        Entry::Index(i) => format!("index {}.{}", i.schema, i.name),
        Entry::Schema(s) => format!("schema {}", s.name),
        Entry::Constraint(c) => format!("constraint {}", c.name),
        Entry::Role(r) => format!("role {}", r.name),
    }
}
