//! INSERT: target columns, VALUES rows with DEFAULT, INSERT ... SELECT, defaults and
//! identity columns, ON CONFLICT (arbiter index inference, DO NOTHING / DO UPDATE with
//! EXCLUDED), RETURNING. The source plan yields one column per visible table column, in
//! table order, defaults filled in.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::{
    self, ConflictTarget, Expr, Insert, InsertOverriding, OnConflictAction, OnInsert, SetExpr,
    TableObject,
};

use super::errors;
use super::expr::Coercion;
use super::from::table_columns;
use super::names;
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::catalog::{ConstraintKind, Identity, IndexRef, TableMeta, TableRef};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{Column, LogicalPlan, OnConflict};

/// Whether an expression is the bare keyword DEFAULT.
pub(crate) fn is_default(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

impl Binder<'_> {
    /// Binds an INSERT.
    pub(crate) fn bind_insert(&mut self, ins: &Insert) -> Result<LogicalPlan, DbError> {
        if ins.or.is_some()
            || ins.ignore
            || ins.overwrite
            || ins.partitioned.is_some()
            || !ins.after_columns.is_empty()
            || ins.by_name
            || !ins.assignments.is_empty()
            || ins.insert_alias.is_some()
            || ins.replace_into
            || ins.output.is_some()
            || ins.multi_table_insert_type.is_some()
        {
            return Err(errors::unsupported(format!("this form of INSERT ({ins})")));
        }
        let TableObject::TableName(name) = &ins.table else {
            return Err(errors::unsupported("INSERT into a table function"));
        };
        let parts = names::object_name(name)?;
        let table = self.target_table(&parts)?;
        let alias = ins
            .table_alias
            .as_ref()
            .map_or_else(|| table.def.name.clone(), |a| names::ident(&a.alias));
        let ncols = table.visible.len();

        // Target columns as ordinals among the visible columns.
        let mut targets: Vec<usize> = Vec::new();
        for c in &ins.columns {
            let n = names::object_name(c)?.join(".");
            let ord = table
                .columns()
                .position(|(_, d, _)| d.name == n)
                .ok_or_else(|| errors::undefined_column_of(&n, &table.def.name))?;
            if targets.contains(&ord) {
                return Err(errors::duplicate_column(&n));
            }
            targets.push(ord);
        }
        let overriding = ins.overriding;
        let source = match &ins.source {
            None => {
                let row = (0..ncols)
                    .map(|i| self.default_for(&table, i))
                    .collect::<Result<Vec<_>, _>>()?;
                LogicalPlan::Values {
                    rows: vec![row],
                    schema: table_schema(&table),
                }
            }
            Some(q) => {
                // Without a column list, the values go to the first columns in order.
                let explicit = !ins.columns.is_empty();
                if !explicit {
                    targets = (0..ncols).collect();
                }
                self.insert_source(&table, &targets, explicit, q, overriding)?
            }
        };
        let on_conflict = match &ins.on {
            None => None,
            Some(OnInsert::OnConflict(oc)) => {
                Some(self.bind_on_conflict(&table, &alias, &oc.conflict_target, &oc.action)?)
            }
            Some(_) => return Err(errors::unsupported("ON DUPLICATE KEY UPDATE")),
        };
        let (returning, schema) = self.bind_returning(ins.returning.as_deref(), &table, &alias)?;
        Ok(LogicalPlan::Insert {
            table,
            source: Box::new(source),
            on_conflict,
            returning,
            schema,
        })
    }

    /// The rows to insert, one column per table column.
    fn insert_source(
        &mut self,
        table: &TableRef,
        targets: &[usize],
        explicit: bool,
        q: &ast::Query,
        overriding: Option<InsertOverriding>,
    ) -> Result<LogicalPlan, DbError> {
        let ncols = table.visible.len();
        let fit = |width: usize| -> Result<&[usize], DbError> {
            if explicit || width > targets.len() {
                check_width(width, targets.len())?;
                Ok(targets)
            } else {
                Ok(&targets[..width])
            }
        };
        let plain_values = q.with.is_none()
            && q.order_by.is_none()
            && q.limit_clause.is_none()
            && q.fetch.is_none();
        if let (SetExpr::Values(v), true) = (&*q.body, plain_values) {
            let mut rows = Vec::with_capacity(v.rows.len());
            let width = v.rows.first().map_or(0, |r| r.len());
            let targets = fit(width)?;
            for row in &v.rows {
                if row.len() != width {
                    return Err(errors::syntax("VALUES lists must all be the same length"));
                }
                let mut given: Vec<Option<ScalarExpr>> = vec![None; ncols];
                for (e, &ord) in row.iter().zip(targets) {
                    if is_default(e) {
                        continue;
                    }
                    self.check_identity_insert(table, ord, overriding)?;
                    if user_value_ignored(table, ord, overriding) {
                        continue;
                    }
                    let saved = std::mem::replace(&mut self.clause, Clause::Values);
                    let r = self.bind_expr(e, &Scope::empty());
                    self.clause = saved;
                    given[ord] = Some(self.assign(table, ord, r?)?);
                }
                let mut full = Vec::with_capacity(ncols);
                for (ord, g) in given.into_iter().enumerate() {
                    full.push(match g {
                        Some(x) => x,
                        None => self.default_for(table, ord)?,
                    });
                }
                rows.push(full);
            }
            return Ok(LogicalPlan::Values {
                rows,
                schema: table_schema(table),
            });
        }
        let plan = self.in_new_level(|b| b.bind_query(q, false))?;
        let targets = fit(plan.width())?;
        let types: Vec<_> = targets
            .iter()
            .map(|&o| table.types[table.visible[o]].clone())
            .collect();
        let plan = self.coerce_outputs_for_assignment(plan, table, targets, &types)?;
        let mut exprs = Vec::with_capacity(ncols);
        for ord in 0..ncols {
            match targets.iter().position(|&t| t == ord) {
                Some(k) if !user_value_ignored(table, ord, overriding) => {
                    self.check_identity_insert(table, ord, overriding)?;
                    exprs.push(ScalarExpr::Column {
                        index: k,
                        ty: types[k].clone(),
                    });
                }
                _ => exprs.push(self.default_for(table, ord)?),
            }
        }
        Ok(LogicalPlan::Project {
            input: Box::new(plan),
            exprs,
            schema: table_schema(table),
        })
    }

    /// Converts the columns of an INSERT source to the target columns' types with
    /// assignment casts (`column "a" is of type integer but expression is of type text`).
    fn coerce_outputs_for_assignment(
        &mut self,
        plan: LogicalPlan,
        table: &TableRef,
        targets: &[usize],
        types: &[crate::types::DataType],
    ) -> Result<LogicalPlan, DbError> {
        let schema = plan.schema();
        for ((c, t), &ord) in schema.iter().zip(types).zip(targets) {
            if c.ty != crate::types::DataType::Unknown
                && !super::expr_ops::castable(&c.ty, t, Coercion::Assignment)
            {
                let name = &table.def.columns[table.visible[ord]].name;
                return Err(errors::assignment_mismatch(name, t, &c.ty));
            }
        }
        self.coerce_outputs_kind(plan, types, Coercion::Assignment)
    }

    /// A value assigned to visible column `ord`: assignment-cast to its type.
    pub(crate) fn assign(
        &mut self,
        table: &TableMeta,
        ord: usize,
        e: ScalarExpr,
    ) -> Result<ScalarExpr, DbError> {
        let pos = table.visible[ord];
        let ty = table.types[pos].clone();
        let from = e.ty();
        match self.try_coerce(e, &ty, Coercion::Assignment)? {
            Some(x) => Ok(x),
            None => Err(errors::assignment_mismatch(
                &table.def.columns[pos].name,
                &ty,
                &from,
            )),
        }
    }

    /// The value a column gets when none is given: its identity sequence, its DEFAULT
    /// expression (stored as SQL text, bound here), or NULL.
    pub(crate) fn default_for(
        &mut self,
        table: &TableMeta,
        ord: usize,
    ) -> Result<ScalarExpr, DbError> {
        let pos = table.visible[ord];
        match self.column_default_expr(table, pos)? {
            Some(e) => self.assign(table, ord, e),
            None => Ok(ScalarExpr::null(table.types[pos].clone())),
        }
    }

    /// The default of the column at storage position `pos`, uncast.
    pub(crate) fn column_default_expr(
        &mut self,
        table: &TableMeta,
        pos: usize,
    ) -> Result<Option<ScalarExpr>, DbError> {
        let def = &table.def.columns[pos];
        if let Some((_, seq)) = &def.identity {
            let Some(crate::catalog::Entry::Sequence(s)) = self.state.entry(*seq) else {
                return Err(DbError::internal(format!(
                    "identity sequence {seq} of column {} is missing",
                    def.name
                )));
            };
            return Ok(Some(ScalarExpr::Sequence {
                op: crate::plan::expr::SequenceOp::NextVal,
                seq: std::sync::Arc::new(s.clone()),
                args: vec![],
            }));
        }
        let Some(text) = &def.default else {
            return Ok(None);
        };
        let parsed = super::parse_expr(text)?;
        let saved_outer = std::mem::take(&mut self.outer);
        let saved_clause = std::mem::replace(&mut self.clause, Clause::Default);
        let r = self.in_new_level(|b| b.bind_expr(&parsed, &Scope::empty()));
        self.outer = saved_outer;
        self.clause = saved_clause;
        r.map(Some)
    }

    fn check_identity_insert(
        &self,
        table: &TableRef,
        ord: usize,
        overriding: Option<InsertOverriding>,
    ) -> Result<(), DbError> {
        let def = &table.def.columns[table.visible[ord]];
        if let Some((Identity::Always, _)) = def.identity
            && overriding != Some(InsertOverriding::System)
        {
            return Err(DbError::new(
                ErrorCode::DatatypeMismatch,
                format!(
                    "cannot insert a non-DEFAULT value into column \"{}\"",
                    def.name
                ),
            )
            .with_sqlstate("428C9")
            .with_detail(format!(
                "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
                def.name
            ))
            .with_hint("Use OVERRIDING SYSTEM VALUE to override."));
        }
        Ok(())
    }

    /// ON CONFLICT: the arbiter index and the action.
    fn bind_on_conflict(
        &mut self,
        table: &TableRef,
        alias: &str,
        target: &Option<ConflictTarget>,
        action: &OnConflictAction,
    ) -> Result<OnConflict, DbError> {
        let index = match target {
            None => None,
            Some(ConflictTarget::Columns { columns, predicate }) => {
                if predicate.is_some() {
                    return Err(errors::unsupported(
                        "ON CONFLICT with a partial-index predicate",
                    ));
                }
                let mut positions = Vec::new();
                for c in columns {
                    let n = names::ident(c);
                    positions.push(
                        table
                            .column_position(&n)
                            .ok_or_else(|| errors::undefined_column(None, &n))?,
                    );
                }
                positions.sort_unstable();
                positions.dedup();
                let found = table.indexes.iter().find(|i| {
                    let mut cols: Vec<usize> = i.def.columns.iter().map(|c| c.column).collect();
                    cols.sort_unstable();
                    i.def.unique && cols == positions
                });
                Some(found.cloned().ok_or_else(|| {
                    errors::invalid_column_reference("there is no unique or exclusion constraint matching the ON CONFLICT specification")
                })?)
            }
            Some(ConflictTarget::OnConstraint(name)) => {
                let n = names::object_name(name)?.join(".");
                Some(constraint_index(table, &n)?)
            }
        };
        match action {
            OnConflictAction::DoNothing => Ok(OnConflict::DoNothing { index }),
            OnConflictAction::DoUpdate(du) => {
                let Some(index) = index else {
                    return Err(errors::syntax(
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name)."));
                };
                let cols = table_columns(table);
                let mut scope = Scope::for_relation(alias, None, &cols, 0, Some(table.clone()));
                scope.add_relation("excluded", None, &cols, cols.len(), None);
                let assignments = self.bind_assignments(table, &du.assignments, &scope)?;
                let predicate = match &du.selection {
                    Some(w) => {
                        let saved = std::mem::replace(&mut self.clause, Clause::Where);
                        let r = self.bind_condition(w, &scope, "WHERE");
                        self.clause = saved;
                        Some(r?)
                    }
                    None => None,
                };
                Ok(OnConflict::DoUpdate {
                    index,
                    assignments,
                    predicate,
                })
            }
        }
    }
}

/// The index behind constraint `name` of `table`.
fn constraint_index(table: &TableRef, name: &str) -> Result<IndexRef, DbError> {
    let c = table
        .constraints
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            DbError::new(
                ErrorCode::UndefinedObject,
                format!(
                    "constraint \"{name}\" for table \"{}\" does not exist",
                    table.def.name
                ),
            )
        })?;
    let oid = match c.kind {
        ConstraintKind::PrimaryKey { index } | ConstraintKind::Unique { index } => index,
        _ => {
            return Err(errors::invalid_column_reference(
                "ON CONFLICT ON CONSTRAINT needs a unique or primary key constraint",
            ));
        }
    };
    table
        .indexes
        .iter()
        .find(|i| i.def.oid == oid)
        .cloned()
        .ok_or_else(|| DbError::internal(format!("index {oid} missing")))
}

/// OVERRIDING USER VALUE: values given for identity columns are replaced by defaults.
fn user_value_ignored(table: &TableRef, ord: usize, overriding: Option<InsertOverriding>) -> bool {
    overriding == Some(InsertOverriding::User)
        && table.def.columns[table.visible[ord]].identity.is_some()
}

fn check_width(given: usize, targets: usize) -> Result<(), DbError> {
    if given > targets {
        return Err(errors::syntax(
            "INSERT has more expressions than target columns",
        ));
    }
    if given < targets {
        return Err(errors::syntax(
            "INSERT has more target columns than expressions",
        ));
    }
    Ok(())
}

/// A table's visible columns as a plan schema.
pub(crate) fn table_schema(table: &TableRef) -> Vec<Column> {
    table
        .columns()
        .map(|(_, d, t)| Column::new(d.name.clone(), t.clone()))
        .collect()
}
