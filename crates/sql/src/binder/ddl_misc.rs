//! Views, schemas, sequences, and renaming an index.

use rustydb_common::{DbError, ErrorCode};
use rustydb_storage::RelId;
use rustydb_txn::lock::LockMode;
use sqlparser::ast::{self, CreateView, Expr, FunctionArg, FunctionArgExpr};

use super::ddl::{DdlRun, DdlStatement, SequenceOptionsSpec, ViewSpec};
use super::ddl_bind::const_i64;
use super::errors;
use super::names;
use super::query::find_relation;
use crate::catalog::{Entry, IndexDef, Oid, SchemaDef, SequenceDef, ViewDef};
use crate::types::DataType;

/// The CREATE VIEW statement, checked for what RustyDB supports.
pub(crate) fn view_spec(cv: &CreateView) -> Result<ViewSpec, DbError> {
    if cv.materialized {
        return Err(errors::unsupported("materialized views"));
    }
    if cv.temporary
        || cv.or_alter
        || cv.secure
        || cv.to.is_some()
        || cv.params.is_some()
        || !matches!(cv.options, ast::CreateTableOptions::None)
    {
        return Err(errors::unsupported(format!(
            "this form of CREATE VIEW ({cv})"
        )));
    }
    if cv.columns.iter().any(|c| c.data_type.is_some()) {
        return Err(errors::syntax(
            "syntax error: view column lists take names only",
        ));
    }
    Ok(ViewSpec {
        name: names::object_name(&cv.name)?,
        columns: cv.columns.iter().map(|c| names::ident(&c.name)).collect(),
        query: cv.query.to_string(),
        or_replace: cv.or_replace,
    })
}

/// `CALL rustydb_internal.alter_sequence(name, option => value, ...)` (see `parse`).
pub(crate) fn alter_sequence_spec(f: &ast::Function) -> Result<DdlStatement, DbError> {
    let name = super::utility::internal_call_arg(f)
        .ok_or_else(|| errors::syntax("ALTER SEQUENCE needs a name"))?;
    let ast::FunctionArguments::List(list) = &f.args else {
        return Err(errors::syntax("ALTER SEQUENCE"));
    };
    let mut options = SequenceOptionsSpec::default();
    let mut if_exists = false;
    for a in &list.args {
        let FunctionArg::Named {
            name: key,
            arg: FunctionArgExpr::Expr(v),
            ..
        } = a
        else {
            continue;
        };
        let null = matches!(v, Expr::Value(x) if x.value == ast::Value::Null);
        let flag = matches!(v, Expr::Value(x) if x.value == ast::Value::Boolean(true));
        match key.value.as_str() {
            "if_exists" => if_exists = flag,
            "increment" => options.increment = Some(const_i64(v)?),
            "minvalue" => options.min = Some(if null { None } else { Some(const_i64(v)?) }),
            "maxvalue" => options.max = Some(if null { None } else { Some(const_i64(v)?) }),
            "start" => options.start = Some(const_i64(v)?),
            "restart" => options.restart = Some(if null { None } else { Some(const_i64(v)?) }),
            "cache" => options.cache = Some(const_i64(v)?),
            "cycle" => options.cycle = Some(flag),
            "as" => {
                let text = match v {
                    Expr::Value(x) => super::expr::literal_text(&x.value).unwrap_or_default(),
                    _ => String::new(),
                };
                options.ty = Some(crate::catalog::typename::parse_type_name(&text)?);
            }
            "owned_by" => {
                options.owned_by = Some(match v {
                    Expr::CompoundIdentifier(ids) => Some(ids.iter().map(names::ident).collect()),
                    _ => None,
                })
            }
            _ => {}
        }
    }
    Ok(DdlStatement::AlterSequence {
        name: names::object_name(&name)?,
        if_exists,
        options,
    })
}

/// The bounds of a sequence type.
fn type_bounds(ty: &DataType) -> (i64, i64) {
    match ty {
        DataType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        DataType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Applies `o` to a sequence's (increment, min, max, start, cycle), with PostgreSQL's
/// defaults and checks.
fn sequence_bounds(
    o: &SequenceOptionsSpec,
    ty: &DataType,
    base: Option<&SequenceDef>,
) -> Result<(i64, i64, i64, i64, bool), DbError> {
    let (tmin, tmax) = type_bounds(ty);
    let increment = o.increment.or(base.map(|b| b.increment)).unwrap_or(1);
    if increment == 0 {
        return Err(crate::types::errors::invalid_parameter(
            "INCREMENT must not be zero",
        ));
    }
    let default_min = if increment > 0 { 1 } else { tmin };
    let default_max = if increment > 0 { tmax } else { -1 };
    let min = match o.min {
        Some(Some(v)) => v,
        Some(None) => default_min,
        None => base.map_or(default_min, |b| b.min),
    };
    let max = match o.max {
        Some(Some(v)) => v,
        Some(None) => default_max,
        None => base.map_or(default_max, |b| b.max),
    };
    for (what, v) in [("MINVALUE", min), ("MAXVALUE", max)] {
        if v < tmin || v > tmax {
            return Err(crate::types::errors::invalid_parameter(format!(
                "{what} ({v}) is out of range for sequence data type {}",
                ty.sql_name()
            )));
        }
    }
    if min >= max {
        return Err(crate::types::errors::invalid_parameter(format!(
            "MINVALUE ({min}) must be less than MAXVALUE ({max})"
        )));
    }
    let start = o
        .start
        .or(base.map(|b| b.start))
        .unwrap_or(if increment > 0 { min } else { max });
    if start < min {
        return Err(crate::types::errors::invalid_parameter(format!(
            "START value ({start}) cannot be less than MINVALUE ({min})"
        )));
    }
    if start > max {
        return Err(crate::types::errors::invalid_parameter(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max})"
        )));
    }
    let cycle = o.cycle.or(base.map(|b| b.cycle)).unwrap_or(false);
    Ok((increment, min, max, start, cycle))
}

impl DdlRun<'_> {
    /// Executes CREATE \[OR REPLACE\] VIEW: the query must bind.
    pub(crate) fn create_view(&mut self, spec: &ViewSpec) -> Result<String, DbError> {
        let (schema, name) = self.creation_name(&spec.name)?;
        let free = self.claim_name(&schema, &name)?;
        let existing = if free {
            None
        } else {
            match self.state()?.relation(&schema, &name) {
                Some(Entry::View(v)) if spec.or_replace => Some(v.clone()),
                _ => return Err(errors::duplicate_relation(&name)),
            }
        };
        let state = self.state()?;
        let stmts = super::parse(&spec.query)?;
        let Some(ast::Statement::Query(q)) = stmts.first() else {
            return Err(errors::syntax("CREATE VIEW needs a query"));
        };
        let mut b = super::Binder::new(&state, self.ctx);
        let plan = b.bind_query(q, true)?;
        if !b.params.is_empty() {
            return Err(errors::syntax("there is no parameter $1").with_sqlstate("42P02"));
        }
        let mut columns: Vec<String> = plan.schema().into_iter().map(|c| c.name).collect();
        if spec.columns.len() > columns.len() {
            return Err(errors::syntax(
                "CREATE VIEW specifies more column names than columns",
            ));
        }
        for (c, n) in columns.iter_mut().zip(&spec.columns) {
            *c = n.clone();
        }
        for (i, c) in columns.iter().enumerate() {
            if columns[..i].contains(c) {
                return Err(errors::duplicate_column(c));
            }
        }
        let def = ViewDef {
            oid: existing
                .as_ref()
                .map_or_else(|| self.catalog.new_oid(), |v| v.oid),
            schema,
            name,
            query: spec.query.clone(),
            columns,
            // A replaced view keeps its owner and grants, as in PostgreSQL.
            owner: existing
                .as_ref()
                .map_or_else(|| self.ctx.user.clone(), |v| v.owner.clone()),
            acl: existing.as_ref().map_or_else(Vec::new, |v| v.acl.clone()),
        };
        match existing {
            Some(old) => {
                if def.columns.len() < old.columns.len() {
                    return Err(
                        errors::syntax("cannot drop columns from view").with_sqlstate("42P16")
                    );
                }
                if let Some((a, b)) = old.columns.iter().zip(&def.columns).find(|(a, b)| a != b) {
                    return Err(errors::syntax(format!(
                        "cannot change name of view column \"{a}\" to \"{b}\""
                    ))
                    .with_sqlstate("42P16"));
                }
                self.alter_entry(Entry::View(def))?;
            }
            None => self.create_entry(Entry::View(def))?,
        }
        Ok("CREATE VIEW".into())
    }

    /// Executes CREATE SCHEMA.
    pub(crate) fn create_schema(
        &mut self,
        name: &str,
        if_not_exists: bool,
    ) -> Result<String, DbError> {
        self.catalog.lock_name(self.txn, "", name)?;
        if self.state()?.schema_oid(name).is_some() {
            if if_not_exists {
                return Ok("CREATE SCHEMA".into());
            }
            return Err(DbError::from_template(
                ErrorCode::DuplicateObject,
                &[("kind", &"schema"), ("name", &name)],
            )
            .with_sqlstate("42P06"));
        }
        let oid = self.catalog.new_oid();
        self.create_entry(Entry::Schema(SchemaDef {
            oid,
            name: name.to_string(),
        }))?;
        Ok("CREATE SCHEMA".into())
    }

    /// Executes CREATE SEQUENCE.
    pub(crate) fn create_sequence(
        &mut self,
        parts: &[String],
        if_not_exists: bool,
        o: &SequenceOptionsSpec,
    ) -> Result<String, DbError> {
        let (schema, name) = self.creation_name(parts)?;
        if !self.claim_name(&schema, &name)? {
            if if_not_exists {
                return Ok("CREATE SEQUENCE".into());
            }
            return Err(errors::duplicate_relation(&name));
        }
        if o.restart.is_some() {
            return Err(errors::syntax("syntax error at or near \"RESTART\""));
        }
        let owner = match &o.owned_by {
            Some(Some(col)) => Some(self.resolve_owner(col)?),
            _ => None,
        };
        self.new_sequence(&schema, &name, o, None, owner)?;
        Ok("CREATE SEQUENCE".into())
    }

    /// `OWNED BY table.column` -> (table oid, storage position).
    fn resolve_owner(&mut self, col: &[String]) -> Result<(Oid, usize), DbError> {
        let Some((column, table)) = col.split_last() else {
            return Err(errors::syntax("invalid OWNED BY option"));
        };
        if table.is_empty() {
            return Err(errors::syntax("invalid OWNED BY option")
                .with_hint("Specify OWNED BY table.column or OWNED BY NONE."));
        }
        let t = self.locked_table(table, LockMode::S)?;
        let pos = t
            .column_position(column)
            .ok_or_else(|| errors::undefined_column_of(column, &t.def.name))?;
        Ok((t.def.oid, pos))
    }

    /// Creates a sequence (storage and catalog row). `column_type` is the type of the
    /// column it feeds (its bounds apply).
    pub(crate) fn new_sequence(
        &mut self,
        schema: &str,
        name: &str,
        o: &SequenceOptionsSpec,
        column_type: Option<&DataType>,
        owned_by: Option<(Oid, usize)>,
    ) -> Result<SequenceDef, DbError> {
        let ty =
            o.ty.clone()
                .or_else(|| column_type.cloned())
                .unwrap_or(DataType::Int8);
        let (increment, min, max, start, cycle) = sequence_bounds(o, &ty, None)?;
        let rel = self.catalog.create_sequence_storage(self.cat_txn, start)?;
        let def = SequenceDef {
            oid: self.catalog.new_oid(),
            schema: schema.to_string(),
            name: name.to_string(),
            rel,
            increment,
            min,
            max,
            start,
            cycle,
            owned_by,
            owner: self.ctx.user.clone(),
            acl: Vec::new(),
        };
        self.create_entry(Entry::Sequence(def.clone()))?;
        Ok(def)
    }

    /// Executes ALTER SEQUENCE. RESTART takes effect at once (sequences are not
    /// transactional); the other options with the transaction.
    pub(crate) fn alter_sequence(
        &mut self,
        parts: &[String],
        if_exists: bool,
        o: &SequenceOptionsSpec,
    ) -> Result<String, DbError> {
        let state = self.state()?;
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        let seq = match find_relation(&state, self.ctx, schema.as_deref(), &name) {
            Ok((_, Entry::Sequence(s))) => s.clone(),
            Ok(_) => {
                return Err(errors::wrong_object_type(format!(
                    "\"{name}\" is not a sequence"
                )));
            }
            Err(_) if if_exists => return Ok("ALTER SEQUENCE".into()),
            Err(e) => return Err(e),
        };
        self.txn.lock_table(RelId(seq.rel), LockMode::X)?;
        let ty = o.ty.clone().unwrap_or(DataType::Int8);
        let (increment, min, max, start, cycle) = sequence_bounds(o, &ty, Some(&seq))?;
        let owned_by = match &o.owned_by {
            Some(Some(col)) => Some(self.resolve_owner(col)?),
            Some(None) => None,
            None => seq.owned_by,
        };
        let def = SequenceDef {
            increment,
            min,
            max,
            start,
            cycle,
            owned_by,
            ..seq
        };
        self.alter_entry(Entry::Sequence(def.clone()))?;
        if let Some(restart) = o.restart {
            let value = restart.unwrap_or(def.start);
            self.catalog.setval(&def, value, false)?;
        }
        Ok("ALTER SEQUENCE".into())
    }

    /// Makes a sequence start over (TRUNCATE ... RESTART IDENTITY).
    pub(crate) fn restart_sequence(&mut self, seq: &SequenceDef) -> Result<(), DbError> {
        self.catalog.setval(seq, seq.start, false)?;
        Ok(())
    }

    /// Executes ALTER INDEX ... RENAME TO (a constraint's index renames the constraint).
    pub(crate) fn rename_index(
        &mut self,
        parts: &[String],
        new_name: &str,
    ) -> Result<String, DbError> {
        let state = self.state()?;
        let (schema, name) = names::split_relation_name(parts, &self.ctx.database)?;
        let (_, entry) = find_relation(&state, self.ctx, schema.as_deref(), &name)?;
        let Entry::Index(def) = entry else {
            return Err(errors::wrong_object_type(format!(
                "\"{name}\" is not an index"
            )));
        };
        let def: IndexDef = def.clone();
        let table = state
            .table_by_oid(def.table)
            .ok_or_else(|| DbError::internal("index without table"))?;
        self.txn.lock_table(RelId(table.def.heap), LockMode::X)?;
        if !self.claim_name(&def.schema, new_name)? {
            return Err(errors::duplicate_relation(new_name));
        }
        if let Some(c) = table
            .constraints
            .iter()
            .find(|c| Self::index_constraint(&table, def.oid).as_deref() == Some(c.name.as_str()))
        {
            let mut c = c.clone();
            c.name = new_name.to_string();
            self.alter_entry(Entry::Constraint(c))?;
        }
        self.alter_entry(Entry::Index(IndexDef {
            name: new_name.to_string(),
            ..def
        }))?;
        Ok("ALTER INDEX".into())
    }
}
