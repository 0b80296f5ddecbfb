//! EXPLAIN: the plan tree in PostgreSQL's text layout.
//!
//! ```text
//! Hash Join                                   node line at the node's indent
//!   Hash Cond: (t2.a = t1.a)                  details two spaces deeper
//!   ->  Seq Scan on t2                        children: "->  " at the details' indent,
//!   ->  Hash                                  their details six spaces deeper
//!         ->  Seq Scan on t1
//!               Filter: (b > 3)
//! ```
//!
//! Node names and detail labels are PostgreSQL's (`Seq Scan on t`, `Index Scan using
//! t_pkey on t`, `Index Cond`, `Hash Cond`, `Join Filter`, `Sort Key`, `Group Key`,
//! `InitPlan 1 (returns $0)`, `SubPlan 1`, `CTE x`, ...). Plan nodes PostgreSQL does not
//! show are folded: a projection into the node below it, a filter into the node it
//! filters (as its `Filter:` line). Costs and row estimates are not modelled, so no cost
//! section is printed (PostgreSQL's `COSTS OFF` layout). With statistics (EXPLAIN
//! ANALYZE) each node gets `(actual time=first..total rows=n loops=l)`, per loop as in
//! PostgreSQL, and the output ends with `Execution Time`.
//!
//! Column references print by name, resolved against the schema of the row the
//! expression reads; names are qualified with their relation in VERBOSE mode and, as
//! PostgreSQL does, in conditions above the scans when the query reads several relations.

use std::collections::{HashMap, HashSet};

use super::instrument::{ExecStats, NodeStats};
use super::{NodeKey, tree_id, tree_size};
use crate::plan::expr::{ScalarExpr, SequenceOp, SubqueryKind};
use crate::plan::logical::{
    AggStrategy, Column, JoinKind, JoinStrategy, LogicalPlan, OnConflict, ScanAccess, SetOpKind,
};
use crate::types::Value;
use crate::types::text::format_value;

/// The expressions a node evaluates (not those of its inputs).
pub(crate) fn node_exprs(plan: &LogicalPlan) -> Vec<&ScalarExpr> {
    let mut out: Vec<&ScalarExpr> = Vec::new();
    match plan {
        LogicalPlan::Scan { filter, access, .. } => {
            out.extend(filter);
            if let ScanAccess::Index {
                eq, lower, upper, ..
            } = access
            {
                out.extend(eq);
                out.extend(lower.iter().chain(upper).map(|(e, _)| e));
            }
        }
        LogicalPlan::Values { rows, .. } => out.extend(rows.iter().flatten()),
        LogicalPlan::Series {
            start, stop, step, ..
        } => out.extend([start, stop, step]),
        LogicalPlan::Unnest { array, .. } => out.push(array),
        LogicalPlan::Filter { predicate, .. } => out.push(predicate),
        LogicalPlan::Project { exprs, .. } => out.extend(exprs),
        LogicalPlan::Join { on, strategy, .. } => {
            out.extend(on);
            if let JoinStrategy::Hash {
                left_keys,
                right_keys,
            }
            | JoinStrategy::Merge {
                left_keys,
                right_keys,
            } = strategy
            {
                out.extend(left_keys.iter().chain(right_keys));
            }
        }
        LogicalPlan::Aggregate {
            group_by,
            aggregates,
            ..
        } => {
            out.extend(group_by);
            for a in aggregates {
                out.extend(&a.args);
                out.extend(&a.filter);
                out.extend(a.order_by.iter().map(|k| &k.expr));
            }
        }
        LogicalPlan::Window { calls, .. } => {
            for c in calls {
                out.extend(
                    c.args
                        .iter()
                        .chain(&c.partition_by)
                        .chain(c.order_by.iter().map(|k| &k.expr)),
                );
            }
        }
        LogicalPlan::Sort { keys, .. } => out.extend(keys.iter().map(|k| &k.expr)),
        LogicalPlan::Limit { limit, offset, .. } => out.extend(limit.iter().chain(offset)),
        LogicalPlan::Distinct { on, .. } => out.extend(on.iter().flatten()),
        LogicalPlan::LockRows { recheck, .. } => out.extend(recheck),
        LogicalPlan::Insert {
            on_conflict,
            returning,
            ..
        } => {
            out.extend(returning);
            if let Some(OnConflict::DoUpdate {
                assignments,
                predicate,
                ..
            }) = on_conflict
            {
                out.extend(assignments.iter().map(|(_, e)| e));
                out.extend(predicate);
            }
        }
        LogicalPlan::Update {
            assignments,
            recheck,
            returning,
            ..
        } => {
            out.extend(assignments.iter().map(|(_, e)| e));
            out.extend(recheck.iter().chain(returning));
        }
        LogicalPlan::Delete {
            recheck, returning, ..
        } => out.extend(recheck.iter().chain(returning)),
        LogicalPlan::SetOp { .. }
        | LogicalPlan::RecursiveCte { .. }
        | LogicalPlan::WorkTable { .. }
        | LogicalPlan::CteScan { .. } => {}
    }
    out
}

/// The plan as PostgreSQL's EXPLAIN prints it, one line per element; with `stats`, as
/// EXPLAIN ANALYZE prints it.
pub fn explain(plan: &LogicalPlan, stats: Option<&ExecStats>, verbose: bool) -> Vec<String> {
    let mut p = Printer {
        lines: Vec::new(),
        stats,
        verbose,
        multi: relations(plan) > 1,
        qualify: verbose || relations(plan) > 1,
        outer: Vec::new(),
        next_subplan: 1,
        next_param: 0,
        init_params: HashMap::new(),
        ctes_shown: HashSet::new(),
    };
    let mut no = 0;
    p.node(plan, 0, &mut no, 0, Fold::default(), false);
    if let Some(s) = stats {
        p.lines.push(format!(
            "Execution Time: {:.3} ms",
            s.execution_time.as_secs_f64() * 1000.0
        ));
    }
    p.lines
}

/// How many relations the statement reads (PostgreSQL qualifies names when several).
fn relations(plan: &LogicalPlan) -> usize {
    let own = usize::from(matches!(
        plan,
        LogicalPlan::Scan { .. } | LogicalPlan::CteScan { .. } | LogicalPlan::WorkTable { .. }
    ));
    own + plan.inputs().into_iter().map(relations).sum::<usize>()
}

/// What hidden nodes (projections, filters) above a node hand down to it.
#[derive(Default)]
struct Fold<'p> {
    /// Filters, outermost first: (the filter node, its predicate, its input schema).
    filters: Vec<(NodeKey, &'p ScalarExpr, Vec<Column>)>,
    /// The outermost projection's expressions, for VERBOSE `Output:`.
    output: Option<Vec<String>>,
    /// Subqueries of the projections' expressions.
    pending: Vec<Pending<'p>>,
}

/// A subquery met while printing a node, printed after the node.
struct Pending<'p> {
    label: String,
    plan: &'p std::sync::Arc<LogicalPlan>,
    /// The schema of the row it is evaluated on (its outer row).
    row: Vec<Column>,
}

struct Printer<'s> {
    lines: Vec<String>,
    stats: Option<&'s ExecStats>,
    verbose: bool,
    /// The statement reads several relations (PostgreSQL qualifies output columns).
    multi: bool,
    /// Qualify column names in conditions above the scans.
    qualify: bool,
    /// Schemas of enclosing rows, innermost last (for `Outer` references).
    outer: Vec<Vec<Column>>,
    next_subplan: usize,
    next_param: usize,
    /// The parameter number of each InitPlan printed, by the address of its plan.
    init_params: HashMap<usize, usize>,
    ctes_shown: HashSet<usize>,
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

impl Printer<'_> {
    fn actual(&self, key: NodeKey) -> String {
        let Some(stats) = self.stats else {
            return String::new();
        };
        match stats.get(key) {
            Some(NodeStats {
                loops,
                rows,
                startup,
                total,
                ..
            }) if *loops > 0 => {
                let l = *loops as f64;
                format!(
                    " (actual time={:.3}..{:.3} rows={:.0} loops={loops})",
                    startup.as_secs_f64() * 1000.0 / l,
                    total.as_secs_f64() * 1000.0 / l,
                    *rows as f64 / l
                )
            }
            _ => " (never executed)".into(),
        }
    }

    /// The actual statistics of a node PostgreSQL shows but the plan has no node for
    /// (`Hash`, `Append`): what the nodes `keys` under it returned, over their time.
    fn actual_sum(&self, keys: &[NodeKey]) -> String {
        let Some(stats) = self.stats else {
            return String::new();
        };
        let found: Vec<&NodeStats> = keys.iter().filter_map(|k| stats.get(*k)).collect();
        let Some(first) = found.first() else {
            return " (never executed)".into();
        };
        let l = first.loops.max(1) as f64;
        let rows: u64 = found.iter().map(|s| s.rows).sum();
        let total: f64 = found.iter().map(|s| s.total.as_secs_f64()).sum();
        format!(
            " (actual time={:.3}..{:.3} rows={:.0} loops={})",
            total * 1000.0 / l,
            total * 1000.0 / l,
            rows as f64 / l,
            first.loops
        )
    }

    /// Prints node `plan` numbered `*no` in tree `tree`: its line at `indent` (with
    /// `->  ` when `arrow`), with what `fold` carries from hidden nodes above it.
    fn node<'p>(
        &mut self,
        plan: &'p LogicalPlan,
        tree: usize,
        no: &mut usize,
        indent: usize,
        mut fold: Fold<'p>,
        arrow: bool,
    ) {
        let key = (tree, *no);
        *no += 1;
        // Nodes PostgreSQL does not show: a projection (its expressions become the
        // node's output, and their subqueries its subplans) and a filter (a `Filter:`
        // line of the node below).
        match plan {
            LogicalPlan::Project { input, exprs, .. } => {
                let schema = input.schema();
                let out: Vec<String> = exprs
                    .iter()
                    .map(|e| self.expr(e, &schema, self.multi, &mut fold.pending))
                    .collect();
                fold.output.get_or_insert(out);
                return self.node(input, tree, no, indent, fold, arrow);
            }
            LogicalPlan::Filter { input, predicate } => {
                fold.filters.push((key, predicate, input.schema()));
                return self.node(input, tree, no, indent, fold, arrow);
            }
            _ => {}
        }
        // A filtered node reports the rows that passed the (outermost) filter.
        let stats_key = fold.filters.first().map_or(key, |f| f.0);
        let detail = if arrow { indent + 6 } else { indent + 2 };
        let head = format!(
            "{}{}{}{}",
            pad(indent),
            if arrow { "->  " } else { "" },
            self.title(plan),
            self.actual(stats_key)
        );
        self.lines.push(head);
        let mut pending: Vec<Pending<'p>> = std::mem::take(&mut fold.pending);
        let mut details = self.details(plan, &mut pending);
        if let (true, Some(out)) = (self.verbose, &fold.output)
            && let Some(first) = details.first_mut()
            && first.starts_with("Output: ")
        {
            *first = format!("Output: {}", out.join(", "));
        }
        // Inner filters first: they were applied first. As PostgreSQL, conditions of
        // scans are qualified only in VERBOSE mode, others also with several relations.
        let scan = matches!(
            plan,
            LogicalPlan::Scan { .. }
                | LogicalPlan::CteScan { .. }
                | LogicalPlan::WorkTable { .. }
                | LogicalPlan::Values { .. }
        );
        let qualify = if scan { self.verbose } else { self.qualify };
        for (_, pred, schema) in fold.filters.iter().rev() {
            let text = self.expr(pred, schema, qualify, &mut pending);
            details.push(format!("Filter: {text}"));
        }
        if let Some(s) = self.stats.and_then(|s| s.get(key)) {
            details.extend(s.details.iter().cloned());
        }
        for d in details {
            self.lines.push(format!("{}{d}", pad(detail)));
        }
        // CTE bodies, init plans and subplans, then the inputs.
        if let LogicalPlan::CteScan {
            plan: body,
            id,
            schema,
        } = plan
            && self.ctes_shown.insert(*id)
        {
            self.lines
                .push(format!("{}CTE {}", pad(detail), cte_name(schema, *id)));
            let mut n = 0;
            self.node(
                body,
                tree_id(body),
                &mut n,
                detail + 2,
                Fold::default(),
                true,
            );
        }
        // PostgreSQL prints init plans before the inputs and subplans after them.
        let (init, sub): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|p| p.label.starts_with("InitPlan"));
        self.subplans(init, detail);
        self.children(plan, tree, no, detail);
        self.subplans(sub, detail);
    }

    fn subplans(&mut self, list: Vec<Pending<'_>>, indent: usize) {
        for p in list {
            self.lines.push(format!("{}{}", pad(indent), p.label));
            self.outer.push(p.row);
            let mut n = 0;
            self.node(
                p.plan,
                tree_id(p.plan),
                &mut n,
                indent + 2,
                Fold::default(),
                true,
            );
            self.outer.pop();
        }
    }

    fn children(&mut self, plan: &LogicalPlan, tree: usize, no: &mut usize, indent: usize) {
        match plan {
            LogicalPlan::Join {
                left,
                right,
                strategy,
                ..
            } => {
                self.node(left, tree, no, indent, Fold::default(), true);
                match strategy {
                    JoinStrategy::Hash { .. } => {
                        // The hash table holds what the build side returned.
                        let actual = self.actual_sum(&[(tree, *no)]);
                        self.lines.push(format!("{}->  Hash{actual}", pad(indent)));
                        self.node(right, tree, no, indent + 6, Fold::default(), true);
                    }
                    JoinStrategy::Parameterized => {
                        self.outer.push(left.schema());
                        self.node(right, tree, no, indent, Fold::default(), true);
                        self.outer.pop();
                    }
                    _ => self.node(right, tree, no, indent, Fold::default(), true),
                }
            }
            LogicalPlan::SetOp {
                kind,
                all,
                left,
                right,
                ..
            } => {
                let mut at = indent;
                if !(*kind == SetOpKind::Union && *all) {
                    // The appended inputs: both sides' rows.
                    let actual = self.actual_sum(&[(tree, *no), (tree, *no + tree_size(left))]);
                    self.lines
                        .push(format!("{}->  Append{actual}", pad(indent)));
                    at = indent + 6;
                }
                self.node(left, tree, no, at, Fold::default(), true);
                self.node(right, tree, no, at, Fold::default(), true);
            }
            _ => {
                for input in plan.inputs() {
                    self.node(input, tree, no, indent, Fold::default(), true);
                }
            }
        }
    }

    fn title(&self, plan: &LogicalPlan) -> String {
        let on = |table: &crate::catalog::TableMeta, alias: &str| {
            let name = if self.verbose {
                table.qualified_name()
            } else {
                table.def.name.clone()
            };
            if alias.is_empty() || alias == table.def.name {
                name
            } else {
                format!("{name} {alias}")
            }
        };
        match plan {
            LogicalPlan::Scan {
                table,
                alias,
                access: ScanAccess::Sequential,
                ..
            } => format!("Seq Scan on {}", on(table, alias)),
            LogicalPlan::Scan {
                table,
                alias,
                access: ScanAccess::Index { index, reverse, .. },
                ..
            } => format!(
                "Index Scan{} using {} on {}",
                if *reverse { " Backward" } else { "" },
                index.def.name,
                on(table, alias)
            ),
            LogicalPlan::Series { schema, .. } => function_scan("generate_series", schema),
            LogicalPlan::Unnest { schema, .. } => function_scan("unnest", schema),
            LogicalPlan::Values { rows, .. } if rows.len() <= 1 => "Result".into(),
            LogicalPlan::Values { .. } => "Values Scan on \"*VALUES*\"".into(),
            LogicalPlan::Filter { .. } | LogicalPlan::Project { .. } => "Result".into(),
            LogicalPlan::Join { kind, strategy, .. } => {
                let algo = match strategy {
                    JoinStrategy::NestedLoop | JoinStrategy::Parameterized => "Nested Loop",
                    JoinStrategy::Hash { .. } => "Hash",
                    JoinStrategy::Merge { .. } => "Merge",
                };
                let kind = match kind {
                    JoinKind::Inner => "",
                    JoinKind::Left => " Left",
                    JoinKind::Right => " Right",
                    JoinKind::Full => " Full",
                    JoinKind::Semi => " Semi",
                    JoinKind::Anti => " Anti",
                };
                match (algo, kind) {
                    ("Nested Loop", "") => "Nested Loop".into(),
                    ("Nested Loop", k) => format!("Nested Loop{k} Join"),
                    (a, k) => format!("{a}{k} Join"),
                }
            }
            LogicalPlan::Aggregate {
                strategy: AggStrategy::Plain,
                ..
            } => "Aggregate".into(),
            LogicalPlan::Aggregate {
                strategy: AggStrategy::Hash,
                ..
            } => "HashAggregate".into(),
            LogicalPlan::Aggregate {
                strategy: AggStrategy::Sorted,
                ..
            } => "GroupAggregate".into(),
            LogicalPlan::Window { .. } => "WindowAgg".into(),
            LogicalPlan::Sort { .. } => "Sort".into(),
            LogicalPlan::Limit { .. } => "Limit".into(),
            LogicalPlan::Distinct { on: Some(_), .. } => "Unique".into(),
            LogicalPlan::Distinct { on: None, .. } => "HashAggregate".into(),
            LogicalPlan::SetOp {
                kind: SetOpKind::Union,
                all: true,
                ..
            } => "Append".into(),
            LogicalPlan::SetOp {
                kind: SetOpKind::Union,
                ..
            } => "HashAggregate".into(),
            LogicalPlan::SetOp { kind, all, .. } => format!(
                "HashSetOp {}{}",
                if *kind == SetOpKind::Intersect {
                    "Intersect"
                } else {
                    "Except"
                },
                if *all { " All" } else { "" }
            ),
            LogicalPlan::RecursiveCte { .. } => "Recursive Union".into(),
            LogicalPlan::WorkTable { id, schema } => {
                format!("WorkTable Scan on {}", cte_name(schema, *id))
            }
            LogicalPlan::CteScan { id, schema, .. } => {
                format!("CTE Scan on {}", cte_name(schema, *id))
            }
            LogicalPlan::LockRows { .. } => "LockRows".into(),
            LogicalPlan::Insert { table, .. } => format!("Insert on {}", on(table, "")),
            LogicalPlan::Update { table, .. } => format!("Update on {}", on(table, "")),
            LogicalPlan::Delete { table, .. } => format!("Delete on {}", on(table, "")),
        }
    }
}

fn cte_name(schema: &[Column], id: usize) -> String {
    schema
        .iter()
        .find_map(|c| c.qualifier.clone())
        .unwrap_or_else(|| format!("cte_{id}"))
}

/// `Function Scan on f [alias]` (the alias only when it differs from the name).
fn function_scan(name: &str, schema: &[Column]) -> String {
    match schema.first().and_then(|c| c.qualifier.as_deref()) {
        Some(q) if q != name => format!("Function Scan on {name} {q}"),
        _ => format!("Function Scan on {name}"),
    }
}

mod details;
