//! CREATE TABLE: columns (types, NOT NULL, DEFAULT, SERIAL, identity), column and table
//! constraints, `WITH (fillfactor = n)`; executed as a heap, a catalog row, the owned
//! sequences and the constraints with their indexes.

use rustydb_common::DbError;
use rustydb_storage::HeapFile;
use sqlparser::ast::{
    self, ColumnOption, CreateTable, Expr, GeneratedAs, SqlOption, TableConstraint,
};

use super::ddl::{
    ColumnSpec, ConstraintSpec, ConstraintSpecKind, DdlRun, ForeignKeySpec, TableSpec,
};
use super::ddl_bind::sequence_options_spec;
use super::errors;
use super::names;
use crate::catalog::{ColumnDef, Entry, FkAction, Identity, TableDef};
use crate::types::DataType;

/// The CREATE TABLE statement, checked for what RustyDB supports.
pub(crate) fn table_spec(ct: &CreateTable) -> Result<TableSpec, DbError> {
    let unsupported = if ct.or_replace {
        Some("CREATE OR REPLACE TABLE")
    } else if ct.temporary {
        Some("temporary tables")
    } else if ct.query.is_some() {
        Some("CREATE TABLE AS")
    } else if ct.like.is_some() || ct.clone.is_some() {
        Some("CREATE TABLE LIKE")
    } else if ct.inherits.is_some() {
        Some("table inheritance")
    } else if ct.partition_by.is_some() || ct.partition_of.is_some() {
        Some("partitioned tables")
    } else if ct.on_commit.is_some() {
        Some("ON COMMIT")
    } else {
        None
    };
    if let Some(u) = unsupported {
        return Err(errors::unsupported(u));
    }
    let name = names::object_name(&ct.name)?;
    let mut columns = Vec::with_capacity(ct.columns.len());
    let mut constraints = Vec::new();
    for cd in &ct.columns {
        let (c, cons) = column_spec(cd)?;
        if columns.iter().any(|x: &ColumnSpec| x.name == c.name) {
            return Err(errors::duplicate_column(&c.name));
        }
        columns.push(c);
        constraints.extend(cons);
    }
    for tc in &ct.constraints {
        constraints.push(constraint_spec(tc)?);
    }
    let fillfactor = match &ct.table_options {
        ast::CreateTableOptions::None => None,
        ast::CreateTableOptions::With(opts) => fillfactor(opts)?,
        _ => return Err(errors::unsupported("table options")),
    };
    Ok(TableSpec {
        name,
        if_not_exists: ct.if_not_exists,
        columns,
        constraints,
        fillfactor,
    })
}

fn fillfactor(opts: &[SqlOption]) -> Result<Option<u8>, DbError> {
    let mut ff = None;
    for o in opts {
        let SqlOption::KeyValue { key, value } = o else {
            return Err(errors::unsupported(format!("the table option {o}")));
        };
        let k = names::object_name(key)?.join(".");
        if k != "fillfactor" {
            return Err(crate::types::errors::invalid_parameter(format!(
                "unrecognized parameter \"{k}\""
            )));
        }
        let v = super::ddl_bind::const_i64(value)?;
        if !(10..=100).contains(&v) {
            return Err(crate::types::errors::invalid_parameter(format!(
                "value {v} out of bounds for option \"fillfactor\""
            ))
            .with_detail("Valid values are between \"10\" and \"100\"."));
        }
        ff = Some(v as u8);
    }
    Ok(ff)
}

/// A column definition and the constraints written on it.
pub(crate) fn column_spec(
    cd: &ast::ColumnDef,
) -> Result<(ColumnSpec, Vec<ConstraintSpec>), DbError> {
    let name = names::ident(&cd.name);
    let type_text = cd.data_type.to_string().to_ascii_lowercase();
    let (ty, serial) = match type_text.as_str() {
        "serial" | "serial4" => (DataType::Int4, true),
        "bigserial" | "serial8" => (DataType::Int8, true),
        "smallserial" | "serial2" => (DataType::Int2, true),
        _ => (names::type_name(&cd.data_type)?, false),
    };
    if matches!(ty, DataType::Array(_)) {
        return Err(errors::unsupported("array column types"));
    }
    let mut c = ColumnSpec {
        name: name.clone(),
        ty,
        serial,
        not_null: serial,
        default: None,
        identity: None,
    };
    let mut cons = Vec::new();
    for opt in &cd.options {
        let cname = opt.name.as_ref().map(names::ident);
        match &opt.option {
            ColumnOption::Null => c.not_null = false,
            ColumnOption::NotNull => c.not_null = true,
            ColumnOption::Default(e) => {
                if c.default.is_some() {
                    return Err(errors::syntax(format!(
                        "multiple default values specified for column \"{name}\" of table"
                    )));
                }
                c.default = Some(e.to_string());
            }
            ColumnOption::PrimaryKey(pk) => {
                check_key_options(
                    pk.index_name.is_some()
                        || pk.index_type.is_some()
                        || !pk.include.is_empty()
                        || !pk.index_options.is_empty(),
                    pk.characteristics.is_some(),
                )?;
                let n = pk.name.as_ref().map(names::ident).or(cname);
                cons.push(ConstraintSpec {
                    name: n,
                    kind: ConstraintSpecKind::PrimaryKey(vec![name.clone()]),
                });
            }
            ColumnOption::Unique(u) => {
                check_key_options(
                    u.index_name.is_some()
                        || u.index_type.is_some()
                        || !u.include.is_empty()
                        || !u.index_options.is_empty(),
                    u.characteristics.is_some(),
                )?;
                let n = u.name.as_ref().map(names::ident).or(cname);
                cons.push(ConstraintSpec {
                    name: n,
                    kind: ConstraintSpecKind::Unique(vec![name.clone()]),
                });
            }
            ColumnOption::ForeignKey(fk) => {
                let mut spec = fk_spec(fk)?;
                spec.columns = vec![name.clone()];
                let n = fk.name.as_ref().map(names::ident).or(cname);
                cons.push(ConstraintSpec {
                    name: n,
                    kind: ConstraintSpecKind::ForeignKey(spec),
                });
            }
            ColumnOption::Check(ck) => {
                let n = ck.name.as_ref().map(names::ident).or(cname);
                cons.push(ConstraintSpec {
                    name: n,
                    kind: ConstraintSpecKind::Check {
                        expr: ck.expr.to_string(),
                        column: Some(name.clone()),
                    },
                });
            }
            ColumnOption::Generated {
                generated_as,
                sequence_options,
                generation_expr: None,
                ..
            } => {
                let kind = match generated_as {
                    GeneratedAs::Always => Identity::Always,
                    GeneratedAs::ByDefault => Identity::ByDefault,
                    GeneratedAs::ExpStored => return Err(errors::unsupported("generated columns")),
                };
                if !matches!(c.ty, DataType::Int2 | DataType::Int4 | DataType::Int8) {
                    return Err(errors::mismatch(
                        "identity column type must be smallint, integer, or bigint",
                    )
                    .with_sqlstate("22023"));
                }
                let opts = sequence_options_spec(sequence_options.as_deref().unwrap_or(&[]))?;
                c.identity = Some((kind, opts));
                c.not_null = true;
            }
            ColumnOption::Generated { .. } => return Err(errors::unsupported("generated columns")),
            ColumnOption::Collation(coll) => {
                let n = coll.to_string().trim_matches('"').to_ascii_lowercase();
                if !matches!(n.as_str(), "c" | "posix" | "default") {
                    return Err(errors::undefined_object("collation", &n));
                }
            }
            other => return Err(errors::unsupported(format!("the column option {other}"))),
        }
    }
    if c.identity.is_some() && (c.default.is_some() || c.serial) {
        return Err(errors::syntax(format!(
            "both default and identity specified for column \"{name}\""
        )));
    }
    if c.serial && c.default.is_some() {
        return Err(errors::syntax(format!(
            "multiple default values specified for column \"{name}\""
        )));
    }
    Ok((c, cons))
}

fn check_key_options(index_options: bool, characteristics: bool) -> Result<(), DbError> {
    if index_options {
        return Err(errors::unsupported("index options on constraints"));
    }
    if characteristics {
        return Err(errors::unsupported("deferrable constraints"));
    }
    Ok(())
}

fn fk_action(a: Option<ast::ReferentialAction>) -> FkAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

fn fk_spec(fk: &ast::ForeignKeyConstraint) -> Result<ForeignKeySpec, DbError> {
    if fk.match_kind.is_some() {
        return Err(errors::unsupported("MATCH FULL / PARTIAL / SIMPLE"));
    }
    check_key_options(fk.index_name.is_some(), fk.characteristics.is_some())?;
    Ok(ForeignKeySpec {
        columns: fk.columns.iter().map(names::ident).collect(),
        table: names::object_name(&fk.foreign_table)?,
        ref_columns: fk.referred_columns.iter().map(names::ident).collect(),
        on_delete: fk_action(fk.on_delete),
        on_update: fk_action(fk.on_update),
    })
}

/// Column names of a PRIMARY KEY / UNIQUE list (expressions are not supported).
fn key_columns(cols: &[ast::IndexColumn]) -> Result<Vec<String>, DbError> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(id)
                if c.operator_class.is_none() && c.column.options.sort.is_none() =>
            {
                Ok(names::ident(id))
            }
            _ => Err(errors::unsupported(
                "expressions, operator classes or ordering in key constraints",
            )),
        })
        .collect()
}

/// A table constraint.
pub(crate) fn constraint_spec(tc: &TableConstraint) -> Result<ConstraintSpec, DbError> {
    Ok(match tc {
        TableConstraint::PrimaryKey(pk) => {
            check_key_options(
                pk.index_name.is_some()
                    || pk.index_type.is_some()
                    || !pk.include.is_empty()
                    || !pk.index_options.is_empty(),
                pk.characteristics.is_some(),
            )?;
            ConstraintSpec {
                name: pk.name.as_ref().map(names::ident),
                kind: ConstraintSpecKind::PrimaryKey(key_columns(&pk.columns)?),
            }
        }
        TableConstraint::Unique(u) => {
            check_key_options(
                u.index_name.is_some()
                    || u.index_type.is_some()
                    || !u.include.is_empty()
                    || !u.index_options.is_empty(),
                u.characteristics.is_some(),
            )?;
            if matches!(u.nulls_distinct, ast::NullsDistinctOption::NotDistinct) {
                return Err(errors::unsupported("UNIQUE NULLS NOT DISTINCT"));
            }
            ConstraintSpec {
                name: u.name.as_ref().map(names::ident),
                kind: ConstraintSpecKind::Unique(key_columns(&u.columns)?),
            }
        }
        TableConstraint::ForeignKey(fk) => ConstraintSpec {
            name: fk.name.as_ref().map(names::ident),
            kind: ConstraintSpecKind::ForeignKey(fk_spec(fk)?),
        },
        TableConstraint::Check(ck) => {
            if ck.no_inherit || ck.enforced == Some(false) {
                return Err(errors::unsupported(
                    "NO INHERIT / NOT ENFORCED check constraints",
                ));
            }
            ConstraintSpec {
                name: ck.name.as_ref().map(names::ident),
                kind: ConstraintSpecKind::Check {
                    expr: ck.expr.to_string(),
                    column: None,
                },
            }
        }
        other => return Err(errors::unsupported(format!("the constraint {other}"))),
    })
}

impl DdlRun<'_> {
    /// Executes CREATE TABLE.
    pub(crate) fn create_table(&mut self, spec: &TableSpec) -> Result<String, DbError> {
        let tag = "CREATE TABLE".to_string();
        let (schema, name) = self.creation_name(&spec.name)?;
        if !self.claim_name(&schema, &name)? {
            if spec.if_not_exists {
                return Ok(tag);
            }
            return Err(errors::duplicate_relation(&name));
        }
        let pk_cols: Vec<&String> = spec
            .constraints
            .iter()
            .filter_map(|c| match &c.kind {
                ConstraintSpecKind::PrimaryKey(cols) => Some(cols),
                _ => None,
            })
            .flatten()
            .collect();
        for c in &spec.columns {
            if let Some(d) = &c.default {
                self.check_default(d, &c.ty, &c.name)?;
            }
        }
        let mut columns: Vec<ColumnDef> = spec
            .columns
            .iter()
            .map(|c| ColumnDef {
                name: c.name.clone(),
                ty: c.ty.sql_name(),
                not_null: c.not_null || pk_cols.contains(&&c.name),
                default: c.default.clone(),
                identity: None,
                dropped: false,
            })
            .collect();
        let oid = self.catalog.new_oid();
        let heap = HeapFile::create(self.catalog.storage())?;
        self.cat_txn.created_relation(heap.rel());
        let mut def = TableDef {
            oid,
            schema: schema.clone(),
            name: name.clone(),
            columns: columns.clone(),
            heap: heap.rel().0,
            fillfactor: spec.fillfactor,
            owner: self.ctx.user.clone(),
            acl: Vec::new(),
        };
        self.create_entry(Entry::Table(def.clone()))?;

        // Sequences feeding SERIAL and identity columns, owned by their column.
        let mut taken = Vec::new();
        for (pos, c) in spec.columns.iter().enumerate() {
            if !c.serial && c.identity.is_none() {
                continue;
            }
            let seq_name =
                self.unique_relation_name(&schema, &format!("{name}_{}_seq", c.name), &taken)?;
            taken.push(seq_name.clone());
            let opts = c
                .identity
                .as_ref()
                .map(|(_, o)| o.clone())
                .unwrap_or_default();
            let seq =
                self.new_sequence(&schema, &seq_name, &opts, Some(&c.ty), Some((oid, pos)))?;
            match &c.identity {
                Some((kind, _)) => columns[pos].identity = Some((kind.clone(), seq.oid)),
                None => {
                    columns[pos].default = Some(format!(
                        "nextval('{}'::regclass)",
                        qualified_seq_text(&schema, &seq_name, self.ctx)
                    ))
                }
            }
        }
        if columns != def.columns {
            def.columns = columns;
            self.alter_entry(Entry::Table(def))?;
        }

        // Primary key first, as PostgreSQL creates it, then the others in order.
        let mut ordered: Vec<&ConstraintSpec> = spec
            .constraints
            .iter()
            .filter(|c| matches!(c.kind, ConstraintSpecKind::PrimaryKey(_)))
            .collect();
        if ordered.len() > 1 {
            return Err(errors::syntax(format!(
                "multiple primary keys for table \"{name}\" are not allowed"
            ))
            .with_sqlstate("42P16"));
        }
        ordered.extend(
            spec.constraints
                .iter()
                .filter(|c| !matches!(c.kind, ConstraintSpecKind::PrimaryKey(_))),
        );
        for c in ordered {
            self.add_constraint(oid, c, false)?;
        }
        Ok(tag)
    }

    /// Checks that a DEFAULT binds without columns and converts to the column's type.
    pub(crate) fn check_default(
        &mut self,
        text: &str,
        ty: &DataType,
        column: &str,
    ) -> Result<(), DbError> {
        let state = self.state()?;
        let expr = super::parse_expr(text)?;
        let mut b = super::Binder::new(&state, self.ctx);
        b.clause = super::query::Clause::Default;
        let bound = b
            .bind_expr(&expr, &super::scope::Scope::empty())
            .map_err(|e| {
                if e.sqlstate() == "42703" || e.sqlstate() == "42P01" {
                    errors::unsupported("column references in DEFAULT expressions")
                        .with_detail("cannot use column reference in DEFAULT expression")
                } else {
                    e
                }
            })?;
        if bound.any(&|e| matches!(e, crate::plan::expr::ScalarExpr::Subquery(_))) {
            return Err(errors::unsupported("subqueries in DEFAULT expressions"));
        }
        let from = bound.ty();
        match b.try_coerce(bound, ty, super::expr::Coercion::Assignment)? {
            Some(_) => Ok(()),
            None => Err(errors::mismatch(format!(
                "column \"{column}\" is of type {} but default expression is of type {}",
                ty.sql_name(),
                from.sql_name()
            ))
            .with_hint("You will need to rewrite or cast the expression.")),
        }
    }
}

/// How a serial column's default names its sequence: unqualified when the schema is the
/// first of the search path, as PostgreSQL prints it.
fn qualified_seq_text(schema: &str, name: &str, ctx: &super::BindContext) -> String {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
        {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    };
    if ctx.search_path.first().map(String::as_str) == Some(schema) {
        quote(name).replace('\'', "''")
    } else {
        format!("{}.{}", quote(schema), quote(name)).replace('\'', "''")
    }
}
