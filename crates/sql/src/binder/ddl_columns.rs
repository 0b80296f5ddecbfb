//! The ALTER TABLE actions that reach beyond one catalog row: adding a column (with its
//! default written into existing rows), dropping a column or a constraint with what
//! depends on it, and guarding views against changes that would break them.

use rustydb_common::DbError;
use rustydb_storage::RelId;

use super::ddl::{ConstraintSpecKind, DdlRun};
use super::ddl_constraint::{quote_ident, quote_table};
use super::ddl_drop::{Dependent, view_dependencies};
use super::errors;
use crate::catalog::{ColumnDef, ConstraintKind, Entry, Oid, TableRef};

impl DdlRun<'_> {
    /// ADD COLUMN: appended; existing rows read NULL for it, or get the default written
    /// by an UPDATE; then its constraints.
    pub(crate) fn add_column(
        &mut self,
        table: &TableRef,
        column: &super::ddl::ColumnSpec,
        constraints: &[super::ddl::ConstraintSpec],
    ) -> Result<(), DbError> {
        if let Some(d) = &column.default {
            self.check_default(d, &column.ty, &column.name)?;
        }
        let oid = table.def.oid;
        let pos = table.def.columns.len();
        let mut def = table.def.clone();
        def.columns.push(ColumnDef {
            name: column.name.clone(),
            ty: column.ty.sql_name(),
            not_null: false,
            default: column.default.clone(),
            identity: None,
            dropped: false,
        });
        self.alter_entry(Entry::Table(def.clone()))?;
        if column.serial || column.identity.is_some() {
            let seq_name = self.unique_relation_name(
                &def.schema,
                &format!("{}_{}_seq", def.name, column.name),
                &[],
            )?;
            let opts = column
                .identity
                .as_ref()
                .map(|(_, o)| o.clone())
                .unwrap_or_default();
            let seq = self.new_sequence(
                &def.schema,
                &seq_name,
                &opts,
                Some(&column.ty),
                Some((oid, pos)),
            )?;
            match &column.identity {
                Some((kind, _)) => def.columns[pos].identity = Some((kind.clone(), seq.oid)),
                None => {
                    def.columns[pos].default = Some(format!(
                        "nextval('{}'::regclass)",
                        seq_name.replace('\'', "''")
                    ))
                }
            }
            self.alter_entry(Entry::Table(def.clone()))?;
        }
        if def.columns[pos].default.is_some() || def.columns[pos].identity.is_some() {
            let t = self.table(oid)?;
            let sql = format!(
                "UPDATE {} SET {} = DEFAULT",
                quote_table(&t),
                quote_ident(&column.name)
            );
            self.run_sql(&sql)?;
        }
        if column.not_null {
            let t = self.table(oid)?;
            self.check_no_nulls(&t, pos)?;
            def.columns[pos].not_null = true;
            self.alter_entry(Entry::Table(def))?;
        }
        for c in constraints {
            if let ConstraintSpecKind::PrimaryKey(_) = c.kind {
                let t = self.table(oid)?;
                self.check_no_nulls(&t, pos)?;
            }
            self.add_constraint(oid, c, true)?;
        }
        Ok(())
    }

    /// DROP COLUMN: indexes and constraints on it go with it; foreign keys of other
    /// tables referencing it and views reading it need CASCADE.
    pub(crate) fn drop_column(
        &mut self,
        table: &TableRef,
        pos: usize,
        cascade: bool,
    ) -> Result<(), DbError> {
        let oid = table.def.oid;
        let col = table.def.columns[pos].name.clone();
        let state = self.state()?;
        for (referencing, c) in state.referencing(oid) {
            let ConstraintKind::ForeignKey { ref_columns, .. } = &c.kind else {
                continue;
            };
            if referencing.def.oid == oid || !ref_columns.contains(&pos) {
                continue;
            }
            if !cascade {
                return Err(errors::dependents(
                    &format!("column {col} of table {}", table.def.name),
                    format!(
                        "constraint {} on table {} depends on column {col} of table {}",
                        c.name, referencing.def.name, table.def.name
                    ),
                )
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            self.catalog
                .drop_object(self.txn, self.cat_txn, c.oid, None)?;
        }
        for c in &table.constraints {
            let uses = match &c.kind {
                ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index } => table
                    .indexes
                    .iter()
                    .any(|i| i.def.oid == *index && i.def.columns.iter().any(|k| k.column == pos)),
                ConstraintKind::ForeignKey {
                    columns,
                    ref_table,
                    ref_columns,
                    ..
                } => columns.contains(&pos) || (*ref_table == oid && ref_columns.contains(&pos)),
                ConstraintKind::Check { expr } => expr_mentions(expr, &col),
            };
            if uses {
                self.catalog
                    .drop_object(self.txn, self.cat_txn, c.oid, None)?;
            }
        }
        for i in &table.indexes {
            if i.def.columns.iter().any(|k| k.column == pos) {
                self.catalog.drop_object(
                    self.txn,
                    self.cat_txn,
                    i.def.oid,
                    Some(RelId(i.def.rel)),
                )?;
            }
        }
        for s in self.owned_sequences(oid)? {
            if s.owned_by == Some((oid, pos)) {
                self.catalog
                    .drop_object(self.txn, self.cat_txn, s.oid, Some(RelId(s.rel)))?;
            }
        }
        let before = self.bound_views()?;
        let mut def = self.table(oid)?.def.clone();
        let c = &mut def.columns[pos];
        c.dropped = true;
        c.not_null = false;
        c.default = None;
        c.identity = None;
        c.name = format!("........pg.dropped.{}........", pos + 1);
        self.alter_entry(Entry::Table(def))?;
        let broken = self.broken_views(&before)?;
        if broken.is_empty() {
            return Ok(());
        }
        if !cascade {
            let detail: Vec<String> = broken
                .iter()
                .map(|v| {
                    format!(
                        "view {v} depends on column {col} of table {}",
                        table.def.name
                    )
                })
                .collect();
            return Err(errors::dependents(
                &format!("column {col} of table {}", table.def.name),
                detail.join("\n"),
            )
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for v in broken {
            if let Some(e) = self
                .state()?
                .entries()
                .find(|e| matches!(e, Entry::View(x) if x.name == v))
                .cloned()
            {
                self.drop_one(e.oid(), true)?;
            }
        }
        Ok(())
    }

    /// DROP CONSTRAINT: a key's index goes with it; foreign keys of other tables that
    /// rely on the key need CASCADE.
    pub(crate) fn drop_constraint(
        &mut self,
        table: &TableRef,
        coid: Oid,
        cascade: bool,
    ) -> Result<(), DbError> {
        let Some(c) = table.constraints.iter().find(|c| c.oid == coid).cloned() else {
            return Ok(());
        };
        if let ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index } = c.kind {
            let key: Vec<usize> = table
                .indexes
                .iter()
                .find(|i| i.def.oid == index)
                .map(|i| {
                    let mut k: Vec<usize> = i.def.columns.iter().map(|x| x.column).collect();
                    k.sort_unstable();
                    k
                })
                .unwrap_or_default();
            let state = self.state()?;
            let mut deps = Vec::new();
            for (referencing, fk) in state.referencing(table.def.oid) {
                let ConstraintKind::ForeignKey { ref_columns, .. } = &fk.kind else {
                    continue;
                };
                let mut r = ref_columns.clone();
                r.sort_unstable();
                if r == key && fk.oid != coid {
                    deps.push(Dependent::Constraint(
                        fk.oid,
                        fk.name.clone(),
                        referencing.def.oid,
                        referencing.def.name.clone(),
                    ));
                }
            }
            if !deps.is_empty() && !cascade {
                let detail: Vec<String> = deps
                    .iter()
                    .map(|d| match d {
                        Dependent::Constraint(_, n, _, t) => {
                            format!("constraint {n} on table {t} depends on index {}", c.name)
                        }
                        _ => String::new(),
                    })
                    .collect();
                return Err(errors::dependents(
                    &format!("constraint {} on table {}", c.name, table.def.name),
                    detail.join("\n"),
                )
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            for d in deps {
                if let Dependent::Constraint(o, ..) = d {
                    self.catalog.drop_object(self.txn, self.cat_txn, o, None)?;
                }
            }
            self.catalog
                .drop_object(self.txn, self.cat_txn, coid, None)?;
            if let Some(i) = table.indexes.iter().find(|i| i.def.oid == index) {
                self.catalog
                    .drop_object(self.txn, self.cat_txn, index, Some(RelId(i.def.rel)))?;
            }
            return Ok(());
        }
        self.catalog.drop_object(self.txn, self.cat_txn, coid, None)
    }

    /// Applies a change that must not break views (renames): 0A000 if one would.
    pub(crate) fn change_keeping_views(
        &mut self,
        _oid: Oid,
        e: Entry,
        what: &str,
    ) -> Result<(), DbError> {
        let before = self.bound_views()?;
        self.alter_entry(e)?;
        let broken = self.broken_views(&before)?;
        if let Some(v) = broken.first() {
            return Err(errors::unsupported(what)
                .with_detail(format!("view {v} depends on it"))
                .with_hint("Drop the view first, and create it again afterwards."));
        }
        Ok(())
    }

    /// Names of the views that bind now.
    pub(crate) fn bound_views(&mut self) -> Result<Vec<String>, DbError> {
        let state = self.state()?;
        Ok(view_dependencies(&state, self.ctx)
            .into_iter()
            .map(|(v, _)| v.name)
            .collect())
    }

    /// Views of `before` that no longer bind.
    pub(crate) fn broken_views(&mut self, before: &[String]) -> Result<Vec<String>, DbError> {
        let now = self.bound_views()?;
        Ok(before
            .iter()
            .filter(|v| !now.contains(v))
            .cloned()
            .collect())
    }
}

/// Whether a CHECK expression's text names a column (a word token equal to it, quoted
/// or folded as identifiers are).
fn expr_mentions(text: &str, column: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize() else {
        return true;
    };
    tokens.iter().any(|t| match t {
        Token::Word(w) => {
            let folded = if w.quote_style.is_some() {
                w.value.clone()
            } else {
                w.value.to_lowercase()
            };
            folded == column
        }
        _ => false,
    })
}
