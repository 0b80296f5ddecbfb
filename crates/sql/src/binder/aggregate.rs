//! Aggregate and window calls: binding them where they appear, collecting them per query
//! level (replaced by placeholder columns), and rewriting an aggregated query's
//! expressions over the Aggregate node's output (group keys, then aggregates).

use rustydb_common::DbError;
use sqlparser::ast::{
    self, DuplicateTreatment, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments,
};

use super::errors;
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::AggregateCall;
use crate::types::DataType;

/// Placeholder column indices for aggregate `k`: `AGG_BASE + k`.
pub(crate) const AGG_BASE: usize = usize::MAX / 4;
/// Placeholder column indices for window call `k`: `WIN_BASE + k`.
pub(crate) const WIN_BASE: usize = usize::MAX / 2;

/// The aggregate calls of one query level.
#[derive(Debug, Default)]
pub(crate) struct AggCollector {
    /// Distinct calls, in order of appearance.
    pub(crate) calls: Vec<AggregateCall>,
    /// Their printed forms, to share identical calls.
    keys: Vec<String>,
    /// Binding an aggregate's arguments (a nested aggregate is an error).
    pub(crate) inside: bool,
}

impl AggCollector {
    /// Adds a call (or finds the identical one) and returns its placeholder.
    pub(crate) fn add(&mut self, call: AggregateCall) -> ScalarExpr {
        let key = format!("{call:?}");
        let ty = call.ty.clone();
        let k = match self.keys.iter().position(|x| *x == key) {
            Some(k) => k,
            None => {
                self.keys.push(key);
                self.calls.push(call);
                self.calls.len() - 1
            }
        };
        ScalarExpr::Column {
            index: AGG_BASE + k,
            ty,
        }
    }
}

/// 42803 `column "t.b" must appear in the GROUP BY clause or be used in an aggregate
/// function`.
pub(crate) fn ungrouped_error(column: &str) -> DbError {
    errors::grouping(format!(
        "column \"{column}\" must appear in the GROUP BY clause or be used in an aggregate function"
    ))
}

/// The arguments and modifiers of a call, taken apart.
#[derive(Debug)]
pub(crate) struct CallArgs<'e> {
    /// Positional arguments (`*` for `count(*)`).
    pub(crate) args: Vec<&'e FunctionArgExpr>,
    /// DISTINCT.
    pub(crate) distinct: bool,
    /// ORDER BY inside the parentheses.
    pub(crate) order_by: Vec<&'e ast::OrderByExpr>,
}

/// Splits a call's argument list; named arguments and exotic clauses are refused.
pub(crate) fn call_args(f: &ast::Function) -> Result<CallArgs<'_>, DbError> {
    let mut out = CallArgs {
        args: vec![],
        distinct: false,
        order_by: vec![],
    };
    match &f.args {
        FunctionArguments::None => {}
        FunctionArguments::Subquery(_) => {
            return Err(errors::unsupported(
                "a subquery as a function argument list",
            ));
        }
        FunctionArguments::List(list) => {
            out.distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            for a in &list.args {
                match a {
                    FunctionArg::Unnamed(e) => out.args.push(e),
                    _ => return Err(errors::unsupported("named function arguments")),
                }
            }
            for c in &list.clauses {
                match c {
                    FunctionArgumentClause::OrderBy(obs) => out.order_by.extend(obs.iter()),
                    other => {
                        return Err(errors::unsupported(format!(
                            "the function argument clause {other}"
                        )));
                    }
                }
            }
        }
    }
    if !matches!(f.parameters, FunctionArguments::None)
        || !f.within_group.is_empty()
        || f.null_treatment.is_some()
    {
        return Err(errors::unsupported(format!("the call {f}")));
    }
    Ok(out)
}

impl Binder<'_> {
    /// Binds an aggregate call (not windowed) and returns its placeholder.
    pub(crate) fn bind_aggregate(
        &mut self,
        func: AggregateFunction,
        f: &ast::Function,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if !matches!(
            self.clause,
            Clause::Select | Clause::Having | Clause::OrderBy | Clause::Window
        ) {
            return Err(errors::grouping(format!(
                "aggregate functions are not allowed in {}",
                self.clause.name()
            )));
        }
        if self.level.agg.inside {
            return Err(errors::grouping(
                "aggregate function calls cannot be nested",
            ));
        }
        let ca = call_args(f)?;
        self.level.agg.inside = true;
        let r = self.bind_aggregate_parts(func, f, &ca, scope);
        self.level.agg.inside = false;
        let call = r?;
        Ok(self.level.agg.add(call))
    }

    fn bind_aggregate_parts(
        &mut self,
        func: AggregateFunction,
        f: &ast::Function,
        ca: &CallArgs<'_>,
        scope: &Scope,
    ) -> Result<AggregateCall, DbError> {
        let name = func.name();
        let (func, args) = match ca.args.as_slice() {
            [FunctionArgExpr::Wildcard] if func == AggregateFunction::Count => {
                if ca.distinct {
                    return Err(errors::syntax("syntax error at or near \"*\""));
                }
                (AggregateFunction::CountStar, vec![])
            }
            // `count([DISTINCT] (a, b))`: a row value is never NULL, so every row counts
            // (each distinct row once) as in `count(*)`; the fields are the DISTINCT key.
            [FunctionArgExpr::Expr(ast::Expr::Tuple(fields))]
                if func == AggregateFunction::Count =>
            {
                let mut args = Vec::with_capacity(fields.len());
                for e in fields {
                    let bound = self.bind_expr(e, scope)?;
                    args.push(self.resolve_unknown(bound)?);
                }
                (AggregateFunction::CountStar, args)
            }
            _ => {
                let mut args = Vec::new();
                for a in &ca.args {
                    let FunctionArgExpr::Expr(e) = a else {
                        return Err(errors::syntax("syntax error at or near \"*\""));
                    };
                    args.push(self.bind_expr(e, scope)?);
                }
                (func, args)
            }
        };
        let win_inside = args.iter().any(|a| {
            a.any(&|e| matches!(e, ScalarExpr::Column { index, .. } if *index >= WIN_BASE))
        });
        if win_inside {
            return Err(errors::grouping(
                "aggregate function calls cannot contain window function calls",
            ));
        }
        // PostgreSQL evaluates an aggregate whose arguments read only enclosing queries'
        // columns in that enclosing query; the plan IR cannot express that.
        let local = args
            .iter()
            .any(|a| a.any(&|e| matches!(e, ScalarExpr::Column { .. })));
        let outer = args
            .iter()
            .any(|a| a.any(&|e| matches!(e, ScalarExpr::Outer { .. })));
        if outer && !local {
            return Err(errors::unsupported(
                "aggregates over columns of an enclosing query",
            ));
        }
        let types: Vec<DataType> = args.iter().map(ScalarExpr::ty).collect();
        let signature = || {
            format!(
                "{name}({})",
                types
                    .iter()
                    .map(DataType::sql_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if matches!(func, AggregateFunction::Sum | AggregateFunction::Avg)
            && types.first() == Some(&DataType::Unknown)
        {
            return Err(errors::mismatch(format!("function {} is not unique", signature()))
                .with_sqlstate("42725")
                .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
        }
        let arity_ok = match func {
            AggregateFunction::CountStar => true,
            AggregateFunction::StringAgg => args.len() == 2,
            _ => args.len() == 1,
        };
        let ty = if arity_ok {
            func.result_type(&types).map(without_typmod)
        } else {
            None
        };
        let Some(ty) = ty else {
            return Err(super::expr_call::undefined_function(&signature()));
        };
        let mut cast_args = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            let want = if func == AggregateFunction::StringAgg && i == 1 {
                if ty == DataType::Bytea {
                    DataType::Bytea
                } else {
                    DataType::Text
                }
            } else {
                func.argument_type(&a.ty())
            };
            cast_args.push(self.coerce_or_fail(a, &want, super::expr::Coercion::Implicit)?);
        }
        let filter = match &f.filter {
            Some(e) => {
                let c = self.bind_expr(e, scope)?;
                Some(self.require_boolean(c, "FILTER")?)
            }
            None => None,
        };
        let mut order_by = Vec::new();
        for ob in &ca.order_by {
            order_by.push(self.bind_sort_key(ob, scope)?);
        }
        Ok(AggregateCall {
            func,
            args: cast_args,
            distinct: ca.distinct,
            filter,
            order_by,
            ty,
        })
    }

    /// Rewrites expressions of an aggregated query over the Aggregate node's output.
    /// `keys` are the GROUP BY expressions over the FROM row; columns of a table whose
    /// primary key is grouped are added to them (functional dependency). Returns the
    /// final keys.
    pub(crate) fn ungroup(
        &self,
        exprs: &mut [&mut ScalarExpr],
        mut keys: Vec<ScalarExpr>,
        scope: &Scope,
    ) -> Result<Vec<ScalarExpr>, DbError> {
        let mut key_strs: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
        // Phase 1: find ungrouped columns; admit those functionally dependent on a
        // grouped primary key.
        for e in exprs.iter() {
            let mut missing = Vec::new();
            find_ungrouped(e, &key_strs, &mut missing);
            for (index, ty) in missing {
                let col = ScalarExpr::Column { index, ty };
                let s = format!("{col:?}");
                if key_strs.contains(&s) {
                    continue;
                }
                if self.pk_grouped(scope, index, &key_strs) {
                    keys.push(col);
                    key_strs.push(s);
                } else {
                    let shown = scope.describe(index).unwrap_or_else(|| format!("#{index}"));
                    return Err(ungrouped_error(&shown));
                }
            }
        }
        // Phase 2: rewrite.
        let nkeys = keys.len();
        for e in exprs.iter_mut() {
            let taken = std::mem::replace(&mut **e, ScalarExpr::null(DataType::Unknown));
            **e = rewrite_grouped(taken, &key_strs, nkeys);
        }
        Ok(keys)
    }

    /// Whether row position `index` reads a column of a table whose primary key columns
    /// are all group keys.
    fn pk_grouped(&self, scope: &Scope, index: usize, key_strs: &[String]) -> bool {
        let Some((rel, _)) = scope.column_at(index).and_then(|c| c.source) else {
            return false;
        };
        let relation = &scope.relations[rel];
        let Some(table) = &relation.table else {
            return false;
        };
        let Some(pk) = table.primary_key() else {
            return false;
        };
        pk.def.columns.iter().all(|kc| {
            let Some(ordinal) = table.visible.iter().position(|&p| p == kc.column) else {
                return false;
            };
            let Some(&entry) = relation.columns.get(ordinal) else {
                return false;
            };
            let s = format!("{:?}", scope.columns[entry].expr);
            key_strs.contains(&s)
        })
    }
}

/// An aggregate's result type: PostgreSQL's aggregates return their type without
/// modifiers (`max(numeric(10,2))` is `numeric`).
pub(crate) fn without_typmod(t: DataType) -> DataType {
    match t {
        DataType::Numeric { .. } => DataType::Numeric {
            precision: None,
            scale: None,
        },
        DataType::Varchar(_) => DataType::Varchar(None),
        other => other,
    }
}

/// Collects column references (not placeholders) outside any group key.
fn find_ungrouped(e: &ScalarExpr, keys: &[String], out: &mut Vec<(usize, DataType)>) {
    if keys.contains(&format!("{e:?}")) {
        return;
    }
    match e {
        ScalarExpr::Column { index, ty } if *index < AGG_BASE => out.push((*index, ty.clone())),
        _ => e
            .children()
            .into_iter()
            .for_each(|c| find_ungrouped(c, keys, out)),
    }
}

/// Rewrites over the Aggregate output: keys -> their columns, aggregate placeholders ->
/// `nkeys + k`; window placeholders stay.
fn rewrite_grouped(e: ScalarExpr, keys: &[String], nkeys: usize) -> ScalarExpr {
    let s = format!("{e:?}");
    if let Some(k) = keys.iter().position(|x| *x == s) {
        return ScalarExpr::Column {
            index: k,
            ty: e.ty(),
        };
    }
    match e {
        ScalarExpr::Column { index, ty } if (AGG_BASE..WIN_BASE).contains(&index) => {
            ScalarExpr::Column {
                index: nkeys + index - AGG_BASE,
                ty,
            }
        }
        mut other => {
            other.for_each_child_mut(&mut |c| {
                let taken = std::mem::replace(c, ScalarExpr::null(DataType::Unknown));
                *c = rewrite_grouped(taken, keys, nkeys);
            });
            other
        }
    }
}

/// Replaces window placeholders by the Window node's output columns (`base + k`).
pub(crate) fn place_windows(e: &mut ScalarExpr, base: usize) {
    match e {
        ScalarExpr::Column { index, .. } if *index >= WIN_BASE => {
            *index = base + (*index - WIN_BASE)
        }
        _ => e.for_each_child_mut(&mut |c| place_windows(c, base)),
    }
}

/// Whether an expression holds an aggregate placeholder.
pub(crate) fn has_aggregate(e: &ScalarExpr) -> bool {
    e.any(
        &|x| matches!(x, ScalarExpr::Column { index, .. } if (AGG_BASE..WIN_BASE).contains(index)),
    )
}

/// Whether an expression holds a window placeholder.
pub(crate) fn has_window(e: &ScalarExpr) -> bool {
    e.any(&|x| matches!(x, ScalarExpr::Column { index, .. } if *index >= WIN_BASE))
}
