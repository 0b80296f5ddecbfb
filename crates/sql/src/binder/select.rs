//! SELECT: the FROM / WHERE / GROUP BY / HAVING / window / select list / DISTINCT /
//! ORDER BY / LIMIT / FOR UPDATE pipeline of one query level.

use rustydb_common::DbError;
use sqlparser::ast::{self, Distinct, Expr, LockType, Select};

use super::aggregate::place_windows;
use super::errors;
use super::from::FromItem;
use super::order::{OrderItem, QueryTail};
use super::query::{Binder, Clause};
use super::scope::{Grouped, Scope};
use super::select_items::{check_locking, check_select_supported, named_windows};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{AggStrategy, Column, LogicalPlan, SortKey};

/// One select-list entry after `*` expansion.
#[derive(Debug, Clone)]
pub(crate) struct OutItem<'q> {
    /// Output column name.
    pub(crate) name: String,
    /// Value over the FROM row (aggregates and windows as placeholders).
    pub(crate) expr: ScalarExpr,
    /// The expression as written (None for `*` expansions).
    pub(crate) ast: Option<&'q Expr>,
}

/// Everything bound over the FROM row, before grouping.
#[derive(Debug)]
struct Parts<'q> {
    items: Vec<OutItem<'q>>,
    having: Option<ScalarExpr>,
    order: Vec<OrderItem>,
    distinct_on: Option<Vec<OrderItem>>,
}

impl Binder<'_> {
    /// Binds one SELECT with the ORDER BY / LIMIT / locking of its query.
    pub(crate) fn bind_select(
        &mut self,
        s: &Select,
        tail: &QueryTail<'_>,
        resolve_unknown: bool,
    ) -> Result<LogicalPlan, DbError> {
        check_select_supported(s)?;
        if let Some(rewritten) = super::srf::rewrite_select_items(s)? {
            let plan = self.bind_select(&rewritten, tail, resolve_unknown)?;
            return Ok(super::srf::no_rows(plan));
        }
        let locking = !tail.locks.is_empty();
        let from = self.bind_from(&s.from, locking)?;
        let FromItem {
            mut plan,
            scope,
            tids,
        } = from;
        let mut where_clause = None;
        if let Some(w) = &s.selection {
            self.clause = Clause::Where;
            let predicate = self.bind_condition(w, &scope, "WHERE")?;
            where_clause = Some(predicate.clone());
            plan = LogicalPlan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }
        if locking {
            // Below the projection, where each target's columns precede its tid, so the
            // executor can re-check WHERE on a concurrently updated row.
            let targets = self
                .lock_targets(tail, &tids)?
                .into_iter()
                .map(|(t, _, pos)| (t, pos))
                .collect();
            let exclusive = tail.locks.iter().any(|l| l.lock_type == LockType::Update);
            plan = LogicalPlan::LockRows {
                input: Box::new(plan),
                targets,
                exclusive,
                recheck: where_clause,
            };
        }
        self.level.win.named = named_windows(&s.named_window)?;

        // Pass 1 over the FROM row.
        let mut parts = self.bind_parts(s, tail, &scope)?;
        let keys = self.bind_group_by(&s.group_by, &parts.items, &scope)?;
        let aggregated =
            !keys.is_empty() || parts.having.is_some() || !self.level.agg.calls.is_empty();
        let mut keys = keys;
        if aggregated && self.level.hit {
            // A subquery referred to this level: bind again so that its outer references
            // read the grouped row.
            let mut probe = parts_exprs_clone(&parts);
            let mut refs: Vec<&mut ScalarExpr> = probe.iter_mut().collect();
            let final_keys = self.ungroup(&mut refs, keys.clone(), &scope)?;
            let mut grouped_scope = scope.clone();
            grouped_scope.grouped = Some(Grouped {
                keys: final_keys.iter().map(|k| format!("{k:?}")).collect(),
            });
            let named = std::mem::take(&mut self.level.win.named);
            self.level = Default::default();
            self.level.win.named = named;
            parts = self.bind_parts(s, tail, &grouped_scope)?;
            keys = final_keys;
        }
        if locking {
            check_locking(s, aggregated, !self.level.win.calls.is_empty())?;
        }

        // Aggregate.
        if aggregated {
            let mut win_calls = std::mem::take(&mut self.level.win.calls);
            let mut refs: Vec<&mut ScalarExpr> = Vec::new();
            for it in &mut parts.items {
                refs.push(&mut it.expr);
            }
            if let Some(h) = &mut parts.having {
                refs.push(h);
            }
            for o in parts
                .order
                .iter_mut()
                .chain(parts.distinct_on.iter_mut().flatten())
            {
                if let OrderItem::Expr(k) = o {
                    refs.push(&mut k.expr);
                }
            }
            for w in &mut win_calls {
                refs.extend(w.args.iter_mut());
                refs.extend(w.partition_by.iter_mut());
                refs.extend(w.order_by.iter_mut().map(|k| &mut k.expr));
            }
            let keys = self.ungroup(&mut refs, keys, &scope)?;
            self.level.win.calls = win_calls;
            let aggregates = std::mem::take(&mut self.level.agg.calls);
            let mut schema: Vec<Column> = keys
                .iter()
                .map(|k| {
                    let name = match k {
                        ScalarExpr::Column { index, .. } => scope
                            .column_at(*index)
                            .map_or("?column?".into(), |c| c.name.clone()),
                        _ => "?column?".into(),
                    };
                    Column::new(name, k.ty())
                })
                .collect();
            schema.extend(
                aggregates
                    .iter()
                    .map(|a| Column::new(a.func.name(), a.ty.clone())),
            );
            let strategy = if keys.is_empty() {
                AggStrategy::Plain
            } else {
                AggStrategy::Hash
            };
            plan = LogicalPlan::Aggregate {
                input: Box::new(plan),
                group_by: keys,
                aggregates,
                strategy,
                schema,
            };
            if let Some(h) = parts.having.take() {
                plan = LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
        }

        // Windows.
        let calls = std::mem::take(&mut self.level.win.calls);
        if !calls.is_empty() {
            let base = plan.width();
            let mut schema = plan.schema();
            schema.extend(
                calls
                    .iter()
                    .map(|c| Column::new(window_name(c), c.ty.clone())),
            );
            for it in &mut parts.items {
                place_windows(&mut it.expr, base);
            }
            for o in parts
                .order
                .iter_mut()
                .chain(parts.distinct_on.iter_mut().flatten())
            {
                if let OrderItem::Expr(k) = o {
                    place_windows(&mut k.expr, base);
                }
            }
            plan = LogicalPlan::Window {
                input: Box::new(plan),
                calls,
                schema,
            };
        }

        // Output.
        let mut exprs = Vec::new();
        let mut schema = Vec::new();
        for it in parts.items {
            let e = if resolve_unknown {
                self.resolve_unknown(it.expr)?
            } else {
                it.expr
            };
            schema.push(Column::new(it.name, e.ty()));
            exprs.push(e);
        }
        let visible = exprs.len();
        let distinct = s.distinct.as_ref();
        let order = self.place_order_items(
            parts.order,
            &mut exprs,
            &mut schema,
            matches!(distinct, Some(Distinct::Distinct)),
        )?;
        let distinct_on = match parts.distinct_on {
            Some(items) => Some(self.place_order_items(items, &mut exprs, &mut schema, false)?),
            None => None,
        };
        plan = LogicalPlan::Project {
            input: Box::new(plan),
            exprs,
            schema,
        };
        match (distinct, distinct_on) {
            (Some(Distinct::Distinct), _) => {
                plan = LogicalPlan::Distinct {
                    input: Box::new(plan),
                    on: None,
                };
                plan = sort(plan, order);
            }
            (Some(Distinct::On(_)), Some(on)) => {
                check_distinct_on_prefix(&on, &order)?;
                let sort_keys = if order.is_empty() { on.clone() } else { order };
                plan = sort(plan, sort_keys);
                plan = LogicalPlan::Distinct {
                    input: Box::new(plan),
                    on: Some(on.into_iter().map(|k| k.expr).collect()),
                };
            }
            _ => plan = sort(plan, order),
        }
        plan = self.apply_limit(plan, tail)?;
        Ok(strip_hidden(plan, visible))
    }

    /// Pass over the select list, HAVING, ORDER BY and DISTINCT ON.
    fn bind_parts<'q>(
        &mut self,
        s: &'q Select,
        tail: &QueryTail<'_>,
        scope: &Scope,
    ) -> Result<Parts<'q>, DbError> {
        self.clause = Clause::Select;
        let items = self.bind_select_list(&s.projection, scope)?;
        let having = match &s.having {
            Some(h) => {
                self.clause = Clause::Having;
                Some(self.bind_condition(h, scope, "HAVING")?)
            }
            None => None,
        };
        self.clause = Clause::OrderBy;
        let order = self.bind_order_items(tail.order_by, &items, scope)?;
        let distinct_on = match &s.distinct {
            Some(Distinct::On(exprs)) => {
                let obs: Vec<ast::OrderByExpr> = exprs
                    .iter()
                    .map(|e| ast::OrderByExpr {
                        expr: e.clone(),
                        options: ast::OrderByOptions {
                            sort: None,
                            nulls_first: None,
                        },
                        with_fill: None,
                    })
                    .collect();
                let refs: Vec<&ast::OrderByExpr> = obs.iter().collect();
                self.clause = Clause::DistinctOn;
                Some(self.bind_order_items(&refs, &items, scope)?)
            }
            _ => None,
        };
        self.clause = Clause::Other;
        Ok(Parts {
            items,
            having,
            order,
            distinct_on,
        })
    }
}

/// Clones every expression of the parts (for the grouping probe of pass 1).
fn parts_exprs_clone(p: &Parts<'_>) -> Vec<ScalarExpr> {
    let mut v: Vec<ScalarExpr> = p.items.iter().map(|i| i.expr.clone()).collect();
    v.extend(p.having.iter().cloned());
    for o in p.order.iter().chain(p.distinct_on.iter().flatten()) {
        if let OrderItem::Expr(k) = o {
            v.push(k.expr.clone());
        }
    }
    v
}

fn window_name(c: &crate::plan::logical::WindowCall) -> String {
    use crate::plan::logical::WindowFunction as W;
    match &c.func {
        W::RowNumber => "row_number".into(),
        W::Rank => "rank".into(),
        W::DenseRank => "dense_rank".into(),
        W::PercentRank => "percent_rank".into(),
        W::CumeDist => "cume_dist".into(),
        W::Ntile => "ntile".into(),
        W::Lag => "lag".into(),
        W::Lead => "lead".into(),
        W::FirstValue => "first_value".into(),
        W::LastValue => "last_value".into(),
        W::NthValue => "nth_value".into(),
        W::Aggregate(a) => a.name().into(),
    }
}

/// A Sort node unless there are no keys.
pub(crate) fn sort(plan: LogicalPlan, keys: Vec<SortKey>) -> LogicalPlan {
    if keys.is_empty() {
        plan
    } else {
        LogicalPlan::Sort {
            input: Box::new(plan),
            keys,
            limit: None,
        }
    }
}

/// Drops the hidden columns after the first `visible` with a final Project.
pub(crate) fn strip_hidden(plan: LogicalPlan, visible: usize) -> LogicalPlan {
    let schema = plan.schema();
    if schema.len() == visible {
        return plan;
    }
    let exprs = schema[..visible]
        .iter()
        .enumerate()
        .map(|(i, c)| ScalarExpr::Column {
            index: i,
            ty: c.ty.clone(),
        })
        .collect();
    let schema = schema[..visible].to_vec();
    LogicalPlan::Project {
        input: Box::new(plan),
        exprs,
        schema,
    }
}

/// DISTINCT ON keys must be the leading ORDER BY keys (in any order).
fn check_distinct_on_prefix(on: &[SortKey], order: &[SortKey]) -> Result<(), DbError> {
    if order.is_empty() {
        return Ok(());
    }
    let on_strs: Vec<String> = on.iter().map(|k| format!("{:?}", k.expr)).collect();
    let n = on.len().min(order.len());
    for k in &order[..n] {
        if !on_strs.contains(&format!("{:?}", k.expr)) {
            return Err(errors::invalid_column_reference(
                "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
            ));
        }
    }
    Ok(())
}
