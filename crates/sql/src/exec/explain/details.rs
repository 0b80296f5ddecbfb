//! The detail lines of each node (`Filter:`, `Hash Cond:`, `Sort Key:`, ...) and the
//! printing of expressions as PostgreSQL deparses them.

use super::{Pending, Printer, ScalarExpr, SequenceOp, SubqueryKind, Value, format_value};
use crate::plan::logical::{
    AggStrategy, Column, JoinStrategy, LogicalPlan, OnConflict, ScanAccess, SortKey,
};
use crate::types::DataType;

impl Printer<'_> {
    /// The detail lines of `plan`, registering the subqueries its expressions use.
    pub(super) fn details<'p>(
        &mut self,
        plan: &'p LogicalPlan,
        pending: &mut Vec<Pending<'p>>,
    ) -> Vec<String> {
        let q = self.qualify;
        let mut out = Vec::new();
        if self.verbose {
            let cols: Vec<String> = plan
                .schema()
                .iter()
                .filter(|c| !c.hidden)
                .map(|c| self.column(c, self.multi))
                .collect();
            if !cols.is_empty() {
                out.push(format!("Output: {}", cols.join(", ")));
            }
        }
        match plan {
            LogicalPlan::Scan {
                filter,
                access,
                schema,
                table,
                ..
            } => {
                let mut conds: Vec<String> = Vec::new();
                if let ScanAccess::Index {
                    index,
                    eq,
                    lower,
                    upper,
                    ..
                } = access
                {
                    let col =
                        |i: usize| {
                            index.def.columns.get(i).map_or_else(String::new, |c| {
                                table.def.columns[c.column].name.clone()
                            })
                        };
                    for (i, e) in eq.iter().enumerate() {
                        let v = self.expr(e, schema, self.verbose, pending);
                        conds.push(format!("({} = {v})", col(i)));
                    }
                    for (bound, ops) in [(lower, (">=", ">")), (upper, ("<=", "<"))] {
                        if let Some((e, incl)) = bound {
                            let v = self.expr(e, schema, self.verbose, pending);
                            conds.push(format!(
                                "({} {} {v})",
                                col(eq.len()),
                                if *incl { ops.0 } else { ops.1 }
                            ));
                        }
                    }
                    if !conds.is_empty() {
                        out.push(format!("Index Cond: {}", and_text(&conds)));
                    }
                }
                // The executor re-checks every conjunct; those the index already applies
                // are not repeated, as PostgreSQL does not show them twice.
                let rest: Vec<String> = filter
                    .iter()
                    .map(|f| self.expr(f, schema, self.verbose, pending))
                    .filter(|t| !conds.contains(t))
                    .collect();
                if !rest.is_empty() {
                    out.push(format!("Filter: {}", and_text(&rest)));
                }
            }
            LogicalPlan::Values { .. }
            | LogicalPlan::Project { .. }
            | LogicalPlan::Filter { .. } => {}
            LogicalPlan::Join {
                left,
                right,
                on,
                strategy,
                ..
            } => {
                let (ls, rs) = (left.schema(), right.schema());
                if let JoinStrategy::Hash {
                    left_keys,
                    right_keys,
                }
                | JoinStrategy::Merge {
                    left_keys,
                    right_keys,
                } = strategy
                {
                    let pairs: Vec<String> = left_keys
                        .iter()
                        .zip(right_keys)
                        .map(|(l, r)| {
                            format!(
                                "({} = {})",
                                self.expr(l, &ls, q, pending),
                                self.expr(r, &rs, q, pending)
                            )
                        })
                        .collect();
                    let label = if matches!(strategy, JoinStrategy::Hash { .. }) {
                        "Hash Cond"
                    } else {
                        "Merge Cond"
                    };
                    out.push(format!("{label}: {}", and_text(&pairs)));
                }
                if let Some(on) = on {
                    let mut both = ls.clone();
                    both.extend(rs);
                    out.push(format!("Join Filter: {}", self.expr(on, &both, q, pending)));
                }
            }
            LogicalPlan::Aggregate {
                input,
                group_by,
                strategy,
                ..
            } if *strategy != AggStrategy::Plain => {
                let s = input.schema();
                let keys: Vec<String> = group_by
                    .iter()
                    .map(|g| self.expr(g, &s, q, pending))
                    .collect();
                out.push(format!("Group Key: {}", keys.join(", ")));
            }
            LogicalPlan::Sort { input, keys, .. } => {
                let keys: Vec<String> = keys
                    .iter()
                    .map(|k| self.sort_key(k, input, pending))
                    .collect();
                out.push(format!("Sort Key: {}", keys.join(", ")));
            }
            LogicalPlan::Distinct { input, on: None } => {
                let cols: Vec<String> = input.schema().iter().map(|c| self.column(c, q)).collect();
                out.push(format!("Group Key: {}", cols.join(", ")));
            }
            LogicalPlan::SetOp {
                kind: crate::plan::logical::SetOpKind::Union,
                all: false,
                schema,
                ..
            } => {
                let cols: Vec<String> = schema.iter().map(|c| self.column(c, q)).collect();
                out.push(format!("Group Key: {}", cols.join(", ")));
            }
            LogicalPlan::Insert {
                on_conflict: Some(c),
                table,
                ..
            } => {
                let (what, index) = match c {
                    OnConflict::DoNothing { index } => ("NOTHING", index.clone()),
                    OnConflict::DoUpdate { index, .. } => ("UPDATE", Some(index.clone())),
                };
                out.push(format!("Conflict Resolution: {what}"));
                if let Some(i) = index {
                    out.push(format!("Conflict Arbiter Indexes: {}", i.def.name));
                }
                if let OnConflict::DoUpdate {
                    predicate: Some(p), ..
                } = c
                {
                    let mut s: Vec<Column> = table
                        .columns()
                        .map(|(_, d, t)| Column::new(d.name.clone(), t.clone()))
                        .collect();
                    let excluded: Vec<Column> = s
                        .iter()
                        .map(|c| Column {
                            qualifier: Some("excluded".into()),
                            ..c.clone()
                        })
                        .collect();
                    s.extend(excluded);
                    out.push(format!("Conflict Filter: {}", self.expr(p, &s, q, pending)));
                }
            }
            _ => {}
        }
        out
    }

    /// A sort key over the rows of `input`. A key the binder added as a hidden column of
    /// the projection below (ORDER BY an expression not in the select list) prints as
    /// that expression, as PostgreSQL prints it, not as the column's `?column?`.
    fn sort_key<'p>(
        &mut self,
        k: &'p SortKey,
        input: &'p LogicalPlan,
        pending: &mut Vec<Pending<'p>>,
    ) -> String {
        let hidden = match (&k.expr, input) {
            (
                ScalarExpr::Column { index, .. },
                LogicalPlan::Project {
                    input: below,
                    exprs,
                    schema,
                },
            ) if schema.get(*index).is_some_and(|c| c.hidden) => {
                exprs.get(*index).map(|e| (e, below.schema()))
            }
            _ => None,
        };
        let mut s = match hidden {
            Some((e, schema)) => self.expr(e, &schema, self.qualify, pending),
            None => self.expr(&k.expr, &input.schema(), self.qualify, pending),
        };
        if k.desc {
            s.push_str(" DESC");
        }
        match (k.desc, k.nulls_first) {
            (false, true) => s.push_str(" NULLS FIRST"),
            (true, false) => s.push_str(" NULLS LAST"),
            _ => {}
        }
        s
    }

    pub(super) fn column(&self, c: &Column, qualify: bool) -> String {
        match (&c.qualifier, qualify) {
            (Some(q), true) => format!("{q}.{}", c.name),
            _ => c.name.clone(),
        }
    }

    /// `e` as PostgreSQL deparses it, reading columns of `schema`.
    pub(super) fn expr<'p>(
        &mut self,
        e: &'p ScalarExpr,
        schema: &[Column],
        qualify: bool,
        pending: &mut Vec<Pending<'p>>,
    ) -> String {
        let mut sub = |p: &mut Self, x: &'p ScalarExpr| p.expr(x, schema, qualify, pending);
        match e {
            ScalarExpr::Column { index, .. } => match schema.get(*index) {
                Some(c) => self.column(c, qualify),
                None => format!("${index}"),
            },
            ScalarExpr::Outer { depth, index, .. } => {
                let col = depth
                    .checked_sub(1)
                    .and_then(|d| self.outer.len().checked_sub(1 + d));
                match col.and_then(|i| self.outer[i].get(*index)).cloned() {
                    Some(c) => self.column(&c, true),
                    None => format!("outer{depth}.${index}"),
                }
            }
            ScalarExpr::Literal(v, ty) => literal(v, ty),
            ScalarExpr::Param { index, .. } => format!("${}", index + 1),
            ScalarExpr::Cast { expr, to } => format!("({})::{}", sub(self, expr), to.sql_name()),
            ScalarExpr::Binary {
                op, left, right, ..
            } => {
                format!("({} {} {})", sub(self, left), op.symbol(), sub(self, right))
            }
            ScalarExpr::Unary { op, expr, .. } => format!("({} {})", op.symbol(), sub(self, expr)),
            ScalarExpr::And(v) | ScalarExpr::Or(v) => {
                let sep = if matches!(e, ScalarExpr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = v.iter().map(|x| sub(self, x)).collect();
                format!("({})", parts.join(sep))
            }
            ScalarExpr::Not(x) => format!("(NOT {})", sub(self, x)),
            ScalarExpr::IsNull { expr, negated } => {
                format!(
                    "({} IS {}NULL)",
                    sub(self, expr),
                    if *negated { "NOT " } else { "" }
                )
            }
            ScalarExpr::IsDistinctFrom {
                left,
                right,
                negated,
            } => format!(
                "({} IS {}DISTINCT FROM {})",
                sub(self, left),
                if *negated { "NOT " } else { "" },
                sub(self, right)
            ),
            ScalarExpr::IsBool {
                expr,
                what,
                negated,
            } => format!(
                "({} IS {}{})",
                sub(self, expr),
                if *negated { "NOT " } else { "" },
                match what {
                    Some(true) => "TRUE",
                    Some(false) => "FALSE",
                    None => "UNKNOWN",
                }
            ),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                let mut s = String::from("CASE");
                if let Some(o) = operand {
                    s.push(' ');
                    s.push_str(&sub(self, o));
                }
                for (w, t) in whens {
                    s.push_str(&format!(" WHEN {} THEN {}", sub(self, w), sub(self, t)));
                }
                if let Some(o) = otherwise {
                    s.push_str(&format!(" ELSE {}", sub(self, o)));
                }
                s.push_str(" END");
                s
            }
            ScalarExpr::Coalesce(v, _) => format!("COALESCE({})", {
                let parts: Vec<String> = v.iter().map(|x| sub(self, x)).collect();
                parts.join(", ")
            }),
            ScalarExpr::NullIf(a, b, _) => format!("NULLIF({}, {})", sub(self, a), sub(self, b)),
            ScalarExpr::Extreme { greatest, args, .. } => {
                format!("{}({})", if *greatest { "GREATEST" } else { "LEAST" }, {
                    let parts: Vec<String> = args.iter().map(|x| sub(self, x)).collect();
                    parts.join(", ")
                })
            }
            ScalarExpr::InList {
                expr,
                list: items,
                negated,
            } => format!(
                "({} {}IN ({}))",
                sub(self, expr),
                if *negated { "NOT " } else { "" },
                {
                    let parts: Vec<String> = items.iter().map(|x| sub(self, x)).collect();
                    parts.join(", ")
                }
            ),
            ScalarExpr::Function { func, args } => format!("{}({})", func.name, {
                let parts: Vec<String> = args.iter().map(|x| sub(self, x)).collect();
                parts.join(", ")
            }),
            ScalarExpr::Sequence { op, seq, .. } => {
                let name = match op {
                    SequenceOp::NextVal => "nextval",
                    SequenceOp::CurrVal => "currval",
                    SequenceOp::SetVal => "setval",
                };
                format!("{name}('{}'::regclass)", seq.name)
            }
            ScalarExpr::Subquery(s) => {
                let init_plan = !s.correlated
                    && !matches!(
                        s.kind,
                        SubqueryKind::In { .. } | SubqueryKind::Quantified { .. }
                    );
                let key = std::sync::Arc::as_ptr(&s.plan) as usize;
                // The same InitPlan used twice (an index key and its re-checked filter)
                // runs once: print it once and refer to its parameter again.
                if let Some(p) = self.init_params.get(&key).filter(|_| init_plan) {
                    return match s.kind {
                        SubqueryKind::Exists { negated: true } => format!("(NOT ${p})"),
                        _ => format!("${p}"),
                    };
                }
                let n = self.next_subplan;
                self.next_subplan += 1;
                let (label, text) = if s.correlated
                    || matches!(
                        s.kind,
                        SubqueryKind::In { .. } | SubqueryKind::Quantified { .. }
                    ) {
                    let hashed = !s.correlated && matches!(s.kind, SubqueryKind::In { .. });
                    let name = format!("{}SubPlan {n}", if hashed { "hashed " } else { "" });
                    (
                        format!("SubPlan {n}"),
                        match &s.kind {
                            SubqueryKind::Exists { negated: true }
                            | SubqueryKind::In { negated: true, .. } => {
                                format!("(NOT ({name}))")
                            }
                            _ => format!("({name})"),
                        },
                    )
                } else {
                    let p = self.next_param;
                    self.next_param += 1;
                    self.init_params.insert(key, p);
                    let text = match s.kind {
                        SubqueryKind::Exists { negated: true } => format!("(NOT ${p})"),
                        _ => format!("${p}"),
                    };
                    (format!("InitPlan {n} (returns ${p})"), text)
                };
                pending.push(Pending {
                    label,
                    plan: &s.plan,
                    row: schema.to_vec(),
                });
                text
            }
        }
    }
}

/// Conditions joined as PostgreSQL prints a qual list.
fn and_text(parts: &[String]) -> String {
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("({})", parts.join(" AND "))
    }
}

/// A constant as PostgreSQL deparses it: non-negative numbers and booleans bare,
/// everything else quoted with its type.
fn literal(v: &Value, ty: &DataType) -> String {
    match v {
        Value::Null => format!("NULL::{}", ty.sql_name()),
        Value::Bool(b) => b.to_string(),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_) => {
            let s = format_value(v);
            if s.starts_with('-') {
                format!("'{s}'::{}", ty.sql_name())
            } else {
                s
            }
        }
        other => {
            let ty = if *ty == DataType::Unknown {
                "text".to_string()
            } else {
                ty.sql_name()
            };
            format!("'{}'::{ty}", format_value(other).replace('\'', "''"))
        }
    }
}
