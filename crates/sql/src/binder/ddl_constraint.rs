//! Adding constraints to a table (CREATE TABLE and ALTER TABLE ADD CONSTRAINT): PostgreSQL's
//! generated names, the unique index behind PRIMARY KEY / UNIQUE, CHECK binding, foreign
//! key resolution against a unique key of the referenced table, and validation of the
//! rows already there by running queries through the executor.

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::RelId;
use rustydb_txn::lock::LockMode;

use super::ddl::{ConstraintSpec, ConstraintSpecKind, DdlRun, ForeignKeySpec, truncate_name};
use super::errors;
use super::query::{Clause, find_relation};
use super::scope::Scope;
use crate::catalog::{ConstraintDef, ConstraintKind, Entry, IndexColumn, Oid, TableRef};
use crate::plan::expr::ScalarExpr;
use crate::types::ops::{BinaryOp, resolve_binary};

/// A name quoted for generated SQL.
pub(crate) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A table's qualified name quoted for generated SQL.
pub(crate) fn quote_table(t: &TableRef) -> String {
    format!(
        "{}.{}",
        quote_ident(&t.def.schema),
        quote_ident(&t.def.name)
    )
}

impl DdlRun<'_> {
    /// Adds a constraint to table `oid`; `validate` checks the rows already stored.
    pub(crate) fn add_constraint(
        &mut self,
        oid: Oid,
        spec: &ConstraintSpec,
        validate: bool,
    ) -> Result<(), DbError> {
        let table = self.table(oid)?;
        if let Some(n) = &spec.name
            && table.constraints.iter().any(|c| &c.name == n)
        {
            return Err(DbError::new(
                ErrorCode::DuplicateObject,
                format!(
                    "constraint \"{n}\" for relation \"{}\" already exists",
                    table.def.name
                ),
            ));
        }
        match &spec.kind {
            ConstraintSpecKind::PrimaryKey(cols) | ConstraintSpecKind::Unique(cols) => {
                let primary = matches!(spec.kind, ConstraintSpecKind::PrimaryKey(_));
                self.add_key(&table, spec.name.as_deref(), cols, primary, validate)
            }
            ConstraintSpecKind::Check { expr, column } => self.add_check(
                &table,
                spec.name.as_deref(),
                expr,
                column.as_deref(),
                validate,
            ),
            ConstraintSpecKind::ForeignKey(fk) => {
                self.add_foreign_key(&table, spec.name.as_deref(), fk, validate)
            }
        }
    }

    /// The table with `oid` as the transaction sees it now.
    pub(crate) fn table(&mut self, oid: Oid) -> Result<TableRef, DbError> {
        self.state()?
            .table_by_oid(oid)
            .ok_or_else(|| DbError::internal(format!("table {oid} vanished")))
    }

    /// Storage positions of named visible columns (42703 if one is missing).
    fn positions(table: &TableRef, cols: &[String]) -> Result<Vec<usize>, DbError> {
        let mut out = Vec::with_capacity(cols.len());
        for c in cols {
            let p = table.column_position(c).ok_or_else(|| {
                DbError::new(
                    ErrorCode::UndefinedObject,
                    format!("column \"{c}\" named in key does not exist"),
                )
                .with_sqlstate("42703")
            })?;
            if out.contains(&p) {
                return Err(DbError::new(
                    ErrorCode::DuplicateObject,
                    format!("column \"{c}\" appears twice in primary key constraint"),
                )
                .with_sqlstate("42701"));
            }
            out.push(p);
        }
        Ok(out)
    }

    /// A constraint name not used by the table: `base`, `base1`, ... (relation names
    /// too when the constraint has an index, which shares their namespace).
    fn constraint_name(
        &mut self,
        table: &TableRef,
        base: &str,
        is_index: bool,
    ) -> Result<String, DbError> {
        if is_index {
            let used: Vec<String> = table.constraints.iter().map(|c| c.name.clone()).collect();
            return self.unique_relation_name(&table.def.schema, base, &used);
        }
        let mut candidate = truncate_name(base);
        let mut n = 0;
        while table.constraints.iter().any(|c| c.name == candidate) {
            n += 1;
            candidate = format!("{}{n}", truncate_name(base));
        }
        Ok(candidate)
    }

    /// PRIMARY KEY / UNIQUE: a unique index, NOT NULL for a primary key.
    fn add_key(
        &mut self,
        table: &TableRef,
        name: Option<&str>,
        cols: &[String],
        primary: bool,
        validate: bool,
    ) -> Result<(), DbError> {
        let positions = Self::positions(table, cols)?;
        if primary && table.primary_key().is_some() {
            return Err(errors::syntax(format!(
                "multiple primary keys for table \"{}\" are not allowed",
                table.def.name
            ))
            .with_sqlstate("42P16"));
        }
        // An identical key already declared (UNIQUE (a) twice) is not created again.
        if !primary
            && name.is_none()
            && table.indexes.iter().any(|i| {
                i.def.unique
                    && i.def.columns.iter().map(|c| c.column).collect::<Vec<_>>() == positions
            })
        {
            return Ok(());
        }
        let base = if primary {
            format!("{}_pkey", table.def.name)
        } else {
            format!("{}_{}_key", table.def.name, cols.join("_"))
        };
        let cname = match name {
            Some(n) => {
                if self.state()?.relation(&table.def.schema, n).is_some() {
                    return Err(errors::duplicate_relation(n));
                }
                n.to_string()
            }
            None => self.constraint_name(table, &base, true)?,
        };
        if primary {
            let mut def = table.def.clone();
            let mut changed = false;
            for &p in &positions {
                if !def.columns[p].not_null {
                    def.columns[p].not_null = true;
                    changed = true;
                }
            }
            if changed {
                if validate {
                    for &p in &positions {
                        self.check_no_nulls(table, p)?;
                    }
                }
                self.alter_entry(Entry::Table(def))?;
            }
        }
        let table = self.table(table.def.oid)?;
        let columns = positions
            .iter()
            .map(|&c| IndexColumn {
                column: c,
                desc: false,
                nulls_first: false,
            })
            .collect();
        let index = self.new_index(&table, &cname, columns, true, primary)?;
        let kind = if primary {
            ConstraintKind::PrimaryKey { index }
        } else {
            ConstraintKind::Unique { index }
        };
        let oid = self.catalog.new_oid();
        self.create_entry(Entry::Constraint(ConstraintDef {
            oid,
            name: cname,
            table: table.def.oid,
            kind,
        }))
    }

    /// 23502 if column `pos` holds a NULL.
    pub(crate) fn check_no_nulls(&mut self, table: &TableRef, pos: usize) -> Result<(), DbError> {
        let col = &table.def.columns[pos].name;
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} IS NULL LIMIT 1",
            quote_table(table),
            quote_ident(col)
        );
        if !self.run_sql(&sql)?.rows.is_empty() {
            return Err(DbError::new(
                ErrorCode::ConstraintViolation,
                format!(
                    "column \"{col}\" of relation \"{}\" contains null values",
                    table.def.name
                ),
            )
            .with_sqlstate("23502"));
        }
        Ok(())
    }

    /// Binds and runs a query given as SQL text.
    pub(crate) fn run_sql(&mut self, sql: &str) -> Result<crate::exec::QueryResult, DbError> {
        // A new command sees what the statement's earlier steps wrote (and its own
        // writes are seen by the next).
        self.txn.next_command();
        let state = self.state()?;
        let stmts = super::parse(sql)?;
        let plan = match super::bind(&stmts[0], &state, self.ctx)? {
            super::BoundStatement::Query { plan, .. } => plan,
            other => {
                return Err(DbError::internal(format!(
                    "validation query bound to {other:?}"
                )));
            }
        };
        (self.exec)(&plan, self.txn)
    }

    /// CHECK: bound over the table's columns, boolean, no subqueries.
    fn add_check(
        &mut self,
        table: &TableRef,
        name: Option<&str>,
        text: &str,
        column: Option<&str>,
        validate: bool,
    ) -> Result<(), DbError> {
        let state = self.state()?;
        let expr = super::parse_expr(text)?;
        let scope = Scope::for_relation(
            &table.def.name,
            Some(table.def.schema.clone()),
            &super::from::table_columns(table),
            0,
            Some(table.clone()),
        );
        let mut b = super::Binder::new(&state, self.ctx);
        b.clause = Clause::Check;
        let bound = b.bind_expr(&expr, &scope)?;
        let bound = b.require_boolean(bound, "CHECK")?;
        if bound.any(&|e| matches!(e, ScalarExpr::Subquery(_))) {
            return Err(errors::unsupported("subqueries in check constraints")
                .with_detail("cannot use subquery in check constraint"));
        }
        let mut used = Vec::new();
        bound.columns_used(&mut used);
        used.sort_unstable();
        used.dedup();
        let col_name = match (column, used.as_slice()) {
            (Some(c), _) => Some(c.to_string()),
            (None, [one]) => Some(table.def.columns[table.visible[*one]].name.clone()),
            _ => None,
        };
        let base = match col_name {
            Some(c) => format!("{}_{c}_check", table.def.name),
            None => format!("{}_check", table.def.name),
        };
        let cname = match name {
            Some(n) => n.to_string(),
            None => self.constraint_name(table, &base, false)?,
        };
        if validate {
            let sql = format!(
                "SELECT 1 FROM {} WHERE NOT ({text}) LIMIT 1",
                quote_table(table)
            );
            if !self.run_sql(&sql)?.rows.is_empty() {
                return Err(DbError::new(
                    ErrorCode::ConstraintViolation,
                    format!(
                        "check constraint \"{cname}\" of relation \"{}\" is violated by some row",
                        table.def.name
                    ),
                )
                .with_sqlstate("23514"));
            }
        }
        let oid = self.catalog.new_oid();
        self.create_entry(Entry::Constraint(ConstraintDef {
            oid,
            name: cname,
            table: table.def.oid,
            kind: ConstraintKind::Check {
                expr: text.to_string(),
            },
        }))
    }

    /// FOREIGN KEY: the referenced columns must be a unique key of the referenced table
    /// and comparable with the referencing ones.
    fn add_foreign_key(
        &mut self,
        table: &TableRef,
        name: Option<&str>,
        fk: &ForeignKeySpec,
        validate: bool,
    ) -> Result<(), DbError> {
        let state = self.state()?;
        let (schema, rname) = super::names::split_relation_name(&fk.table, &self.ctx.database)?;
        let (_, entry) = find_relation(&state, self.ctx, schema.as_deref(), &rname)?;
        let Entry::Table(rdef) = entry else {
            return Err(errors::wrong_object_type(format!(
                "referenced relation \"{rname}\" is not a table"
            )));
        };
        let referenced = state
            .table_by_oid(rdef.oid)
            .ok_or_else(|| errors::undefined_table(&rname))?;
        if referenced.def.oid != table.def.oid {
            self.txn
                .lock_table(RelId(referenced.def.heap), LockMode::S)?;
        }
        let missing = |c: &str| {
            DbError::new(
                ErrorCode::UndefinedObject,
                format!("column \"{c}\" referenced in foreign key constraint does not exist"),
            )
            .with_sqlstate("42703")
        };
        let cols: Vec<usize> = fk
            .columns
            .iter()
            .map(|c| table.column_position(c).ok_or_else(|| missing(c)))
            .collect::<Result<_, _>>()?;
        let ref_cols: Vec<usize> = if fk.ref_columns.is_empty() {
            let pk = referenced.primary_key().ok_or_else(|| {
                errors::invalid_column_reference(format!(
                    "there is no primary key for referenced table \"{rname}\""
                ))
                .with_sqlstate("42830")
            })?;
            pk.def.columns.iter().map(|c| c.column).collect()
        } else {
            fk.ref_columns
                .iter()
                .map(|c| referenced.column_position(c).ok_or_else(|| missing(c)))
                .collect::<Result<_, _>>()?
        };
        if cols.len() != ref_cols.len() {
            return Err(errors::invalid_column_reference(
                "number of referencing and referenced columns for foreign key disagree",
            )
            .with_sqlstate("42830"));
        }
        let mut sorted = ref_cols.clone();
        sorted.sort_unstable();
        let has_key = referenced.indexes.iter().any(|i| {
            let mut k: Vec<usize> = i.def.columns.iter().map(|c| c.column).collect();
            k.sort_unstable();
            i.def.unique && k == sorted
        });
        if !has_key {
            return Err(errors::invalid_column_reference(format!(
                "there is no unique constraint matching given keys for referenced table \"{rname}\""
            ))
            .with_sqlstate("42830"));
        }
        let col_names: Vec<String> = cols
            .iter()
            .map(|&c| table.def.columns[c].name.clone())
            .collect();
        let cname = match name {
            Some(n) => n.to_string(),
            None => self.constraint_name(
                table,
                &format!("{}_{}_fkey", table.def.name, col_names.join("_")),
                false,
            )?,
        };
        for (&c, &r) in cols.iter().zip(&ref_cols) {
            let (lt, rt) = (&table.types[c], &referenced.types[r]);
            if resolve_binary(BinaryOp::Eq, lt, rt).is_err() {
                return Err(errors::mismatch(format!(
                    "foreign key constraint \"{cname}\" cannot be implemented"
                ))
                .with_detail(format!(
                    "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                    table.def.columns[c].name,
                    referenced.def.columns[r].name,
                    lt.sql_name(),
                    rt.sql_name()
                )));
            }
        }
        if validate {
            self.validate_foreign_key(table, &referenced, &cols, &ref_cols, &cname)?;
        }
        let oid = self.catalog.new_oid();
        self.create_entry(Entry::Constraint(ConstraintDef {
            oid,
            name: cname,
            table: table.def.oid,
            kind: ConstraintKind::ForeignKey {
                columns: cols,
                ref_table: referenced.def.oid,
                ref_columns: ref_cols,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            },
        }))
    }

    /// 23503 if a stored row's key (all columns non-NULL) is missing from the referenced
    /// table.
    fn validate_foreign_key(
        &mut self,
        table: &TableRef,
        referenced: &TableRef,
        cols: &[usize],
        ref_cols: &[usize],
        cname: &str,
    ) -> Result<(), DbError> {
        let cn = |t: &TableRef, p: usize| quote_ident(&t.def.columns[p].name);
        let select: Vec<String> = cols
            .iter()
            .map(|&c| format!("c.{}", cn(table, c)))
            .collect();
        let not_null: Vec<String> = cols
            .iter()
            .map(|&c| format!("c.{} IS NOT NULL", cn(table, c)))
            .collect();
        let join: Vec<String> = cols
            .iter()
            .zip(ref_cols)
            .map(|(&c, &r)| format!("p.{} = c.{}", cn(referenced, r), cn(table, c)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} AS c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {}) LIMIT 1",
            select.join(", "),
            quote_table(table),
            not_null.join(" AND "),
            quote_table(referenced),
            join.join(" AND ")
        );
        let result = self.run_sql(&sql)?;
        if let Some(row) = result.rows.first() {
            let names: Vec<&str> = cols
                .iter()
                .map(|&c| table.def.columns[c].name.as_str())
                .collect();
            let values: Vec<String> = row.iter().map(crate::types::text::format_value).collect();
            return Err(DbError::new(
                ErrorCode::ConstraintViolation,
                format!(
                    "insert or update on table \"{}\" violates foreign key constraint \"{cname}\"",
                    table.def.name
                ),
            )
            .with_sqlstate("23503")
            .with_detail(format!(
                "Key ({})=({}) is not present in table \"{}\".",
                names.join(", "),
                values.join(", "),
                referenced.def.name
            )));
        }
        Ok(())
    }
}
