//! Bound scalar expressions: what the binder makes of SQL expressions once every name is
//! resolved and every type known. The executor evaluates them row by row.
//!
//! Columns are referenced by position in the input row of the plan node that evaluates
//! the expression ([`ScalarExpr::Column`]); a correlated subquery refers to a column of an
//! enclosing query's current row with [`ScalarExpr::Outer`], `depth` 1 being the
//! innermost enclosing query.

use std::fmt;
use std::sync::Arc;

use crate::functions::ResolvedFunction;
use crate::plan::logical::LogicalPlan;
use crate::types::ops::{BinaryOp, UnaryOp};
use crate::types::{DataType, Value};

/// A bound scalar expression.
#[derive(Debug, Clone)]
pub enum ScalarExpr {
    /// The `index`th column of the input row.
    Column {
        /// Position in the input row.
        index: usize,
        /// Its type.
        ty: DataType,
    },
    /// A column of an enclosing query's current row (correlated subqueries).
    Outer {
        /// 1 = the query directly enclosing the subquery.
        depth: usize,
        /// Position in that query's row.
        index: usize,
        /// Its type.
        ty: DataType,
    },
    /// A constant.
    Literal(Value, DataType),
    /// A statement parameter `$n` (0-based here).
    Param {
        /// 0-based parameter number.
        index: usize,
        /// Its type.
        ty: DataType,
    },
    /// A cast to `to` (explicit or inserted by the binder).
    Cast {
        /// The value.
        expr: Box<ScalarExpr>,
        /// Target type.
        to: DataType,
    },
    /// A binary operator (arithmetic, comparison, concatenation, LIKE, ...).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<ScalarExpr>,
        /// Right operand.
        right: Box<ScalarExpr>,
        /// Result type.
        ty: DataType,
    },
    /// A unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<ScalarExpr>,
        /// Result type.
        ty: DataType,
    },
    /// Three-valued AND of all terms.
    And(Vec<ScalarExpr>),
    /// Three-valued OR of all terms.
    Or(Vec<ScalarExpr>),
    /// Three-valued NOT.
    Not(Box<ScalarExpr>),
    /// `IS [NOT] NULL`.
    IsNull {
        /// The value.
        expr: Box<ScalarExpr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `IS [NOT] DISTINCT FROM`.
    IsDistinctFrom {
        /// Left.
        left: Box<ScalarExpr>,
        /// Right.
        right: Box<ScalarExpr>,
        /// `IS NOT DISTINCT FROM`.
        negated: bool,
    },
    /// `IS [NOT] TRUE / FALSE / UNKNOWN`.
    IsBool {
        /// The value.
        expr: Box<ScalarExpr>,
        /// `Some(true)` TRUE, `Some(false)` FALSE, `None` UNKNOWN.
        what: Option<bool>,
        /// `IS NOT ...`.
        negated: bool,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case {
        /// The simple-CASE operand.
        operand: Option<Box<ScalarExpr>>,
        /// `(when, then)` pairs.
        whens: Vec<(ScalarExpr, ScalarExpr)>,
        /// The ELSE branch (NULL if absent).
        otherwise: Option<Box<ScalarExpr>>,
        /// Result type.
        ty: DataType,
    },
    /// `COALESCE(..)`.
    Coalesce(Vec<ScalarExpr>, DataType),
    /// `NULLIF(a, b)`.
    NullIf(Box<ScalarExpr>, Box<ScalarExpr>, DataType),
    /// `GREATEST(..)` (`true`) or `LEAST(..)` (`false`).
    Extreme {
        /// GREATEST?
        greatest: bool,
        /// Arguments.
        args: Vec<ScalarExpr>,
        /// Result type.
        ty: DataType,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The probe.
        expr: Box<ScalarExpr>,
        /// The list.
        list: Vec<ScalarExpr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// A call of a scalar function.
    Function {
        /// The resolved function.
        func: ResolvedFunction,
        /// Arguments, already cast to the function's parameter types.
        args: Vec<ScalarExpr>,
    },
    /// A subquery used as a value.
    Subquery(Box<Subquery>),
    /// `nextval` / `currval` / `setval` of a sequence: not a pure function, since it
    /// changes the sequence outside the transaction.
    Sequence {
        /// Which operation.
        op: SequenceOp,
        /// The sequence.
        seq: Arc<crate::catalog::SequenceDef>,
        /// `setval`'s new value (and optional is_called flag).
        args: Vec<ScalarExpr>,
    },
}

/// Sequence operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceOp {
    /// nextval.
    NextVal,
    /// currval (this session's last nextval).
    CurrVal,
    /// setval.
    SetVal,
}

/// How a subquery is used.
#[derive(Debug, Clone)]
pub enum SubqueryKind {
    /// `(SELECT ..)`: one column, at most one row (21000 if more), NULL if none.
    Scalar,
    /// `ARRAY(SELECT ..)`: one column, its values (in the subquery's order) as an array;
    /// an empty array if there are no rows.
    Array,
    /// `EXISTS (..)` / `NOT EXISTS (..)`.
    Exists {
        /// NOT EXISTS.
        negated: bool,
    },
    /// `expr [NOT] IN (SELECT ..)`.
    In {
        /// The probe.
        expr: Box<ScalarExpr>,
        /// NOT IN.
        negated: bool,
    },
    /// `expr op ANY/ALL (SELECT ..)`.
    Quantified {
        /// The probe.
        expr: Box<ScalarExpr>,
        /// The comparison.
        op: BinaryOp,
        /// ALL (true) or ANY/SOME (false).
        all: bool,
    },
}

/// A subquery inside an expression.
#[derive(Debug, Clone)]
pub struct Subquery {
    /// How it is used.
    pub kind: SubqueryKind,
    /// The query (its first column is the value for Scalar/In/Quantified).
    pub plan: Arc<LogicalPlan>,
    /// Whether it refers to an enclosing query's columns; uncorrelated subqueries are
    /// evaluated once per statement.
    pub correlated: bool,
    /// Result type (bool for EXISTS/IN/quantified).
    pub ty: DataType,
}

impl ScalarExpr {
    /// The expression's result type.
    pub fn ty(&self) -> DataType {
        match self {
            ScalarExpr::Column { ty, .. }
            | ScalarExpr::Outer { ty, .. }
            | ScalarExpr::Literal(_, ty)
            | ScalarExpr::Param { ty, .. }
            | ScalarExpr::Binary { ty, .. }
            | ScalarExpr::Unary { ty, .. }
            | ScalarExpr::Case { ty, .. }
            | ScalarExpr::Coalesce(_, ty)
            | ScalarExpr::NullIf(_, _, ty)
            | ScalarExpr::Extreme { ty, .. } => ty.clone(),
            ScalarExpr::Cast { to, .. } => to.clone(),
            ScalarExpr::Function { func, .. } => func.return_type.clone(),
            ScalarExpr::Subquery(s) => s.ty.clone(),
            ScalarExpr::Sequence { .. } => DataType::Int8,
            ScalarExpr::And(_)
            | ScalarExpr::Or(_)
            | ScalarExpr::Not(_)
            | ScalarExpr::IsNull { .. }
            | ScalarExpr::IsDistinctFrom { .. }
            | ScalarExpr::IsBool { .. }
            | ScalarExpr::InList { .. } => DataType::Bool,
        }
    }

    /// A boolean constant.
    pub fn bool_lit(b: bool) -> ScalarExpr {
        ScalarExpr::Literal(Value::Bool(b), DataType::Bool)
    }

    /// A typed NULL.
    pub fn null(ty: DataType) -> ScalarExpr {
        ScalarExpr::Literal(Value::Null, ty)
    }

    /// The direct children (for walking the tree).
    pub fn children(&self) -> Vec<&ScalarExpr> {
        match self {
            ScalarExpr::Column { .. }
            | ScalarExpr::Outer { .. }
            | ScalarExpr::Literal(..)
            | ScalarExpr::Param { .. } => vec![],
            ScalarExpr::Cast { expr, .. }
            | ScalarExpr::Unary { expr, .. }
            | ScalarExpr::Not(expr)
            | ScalarExpr::IsNull { expr, .. }
            | ScalarExpr::IsBool { expr, .. } => vec![expr],
            ScalarExpr::Binary { left, right, .. }
            | ScalarExpr::IsDistinctFrom { left, right, .. }
            | ScalarExpr::NullIf(left, right, _) => vec![left, right],
            ScalarExpr::And(v) | ScalarExpr::Or(v) | ScalarExpr::Coalesce(v, _) => {
                v.iter().collect()
            }
            ScalarExpr::Extreme { args, .. }
            | ScalarExpr::Function { args, .. }
            | ScalarExpr::Sequence { args, .. } => args.iter().collect(),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                let mut out: Vec<&ScalarExpr> = operand.iter().map(|b| &**b).collect();
                for (w, t) in whens {
                    out.push(w);
                    out.push(t);
                }
                out.extend(otherwise.iter().map(|b| &**b));
                out
            }
            ScalarExpr::InList { expr, list, .. } => {
                let mut out = vec![&**expr];
                out.extend(list.iter());
                out
            }
            ScalarExpr::Subquery(s) => match &s.kind {
                SubqueryKind::In { expr, .. } | SubqueryKind::Quantified { expr, .. } => vec![expr],
                _ => vec![],
            },
        }
    }

    /// Whether any part of the expression satisfies `pred`.
    pub fn any(&self, pred: &dyn Fn(&ScalarExpr) -> bool) -> bool {
        pred(self) || self.children().into_iter().any(|c| c.any(pred))
    }

    /// Whether the expression reads no column, parameter, outer reference or subquery
    /// (and so can be folded to a constant; volatile functions are excluded).
    pub fn is_constant(&self) -> bool {
        !self.any(&|e| match e {
            ScalarExpr::Column { .. }
            | ScalarExpr::Outer { .. }
            | ScalarExpr::Param { .. }
            | ScalarExpr::Subquery(_)
            | ScalarExpr::Sequence { .. } => true,
            ScalarExpr::Function { func, .. } => {
                func.volatility == crate::functions::Volatility::Volatile
            }
            _ => false,
        })
    }

    /// The input columns the expression reads.
    pub fn columns_used(&self, out: &mut Vec<usize>) {
        if let ScalarExpr::Column { index, .. } = self {
            out.push(*index);
        }
        for c in self.children() {
            c.columns_used(out);
        }
    }

    /// Rewrites every input-column reference with `f` (used when a plan node above or
    /// below changes the row layout).
    pub fn remap_columns(&mut self, f: &dyn Fn(usize) -> usize) {
        match self {
            ScalarExpr::Column { index, .. } => *index = f(*index),
            _ => self.for_each_child_mut(&mut |c| c.remap_columns(f)),
        }
    }

    /// Calls `f` on each direct child, mutably.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut ScalarExpr)) {
        match self {
            ScalarExpr::Column { .. }
            | ScalarExpr::Outer { .. }
            | ScalarExpr::Literal(..)
            | ScalarExpr::Param { .. } => {}
            ScalarExpr::Cast { expr, .. }
            | ScalarExpr::Unary { expr, .. }
            | ScalarExpr::Not(expr)
            | ScalarExpr::IsNull { expr, .. }
            | ScalarExpr::IsBool { expr, .. } => f(expr),
            ScalarExpr::Binary { left, right, .. }
            | ScalarExpr::IsDistinctFrom { left, right, .. }
            | ScalarExpr::NullIf(left, right, _) => {
                f(left);
                f(right);
            }
            ScalarExpr::And(v) | ScalarExpr::Or(v) | ScalarExpr::Coalesce(v, _) => {
                v.iter_mut().for_each(f)
            }
            ScalarExpr::Extreme { args, .. }
            | ScalarExpr::Function { args, .. }
            | ScalarExpr::Sequence { args, .. } => args.iter_mut().for_each(f),
            ScalarExpr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (w, t) in whens {
                    f(w);
                    f(t);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            ScalarExpr::InList { expr, list, .. } => {
                f(expr);
                list.iter_mut().for_each(f);
            }
            ScalarExpr::Subquery(s) => match &mut s.kind {
                SubqueryKind::In { expr, .. } | SubqueryKind::Quantified { expr, .. } => f(expr),
                _ => {}
            },
        }
    }

    /// Splits a conjunction into its terms.
    pub fn conjuncts(self) -> Vec<ScalarExpr> {
        match self {
            ScalarExpr::And(terms) => terms.into_iter().flat_map(ScalarExpr::conjuncts).collect(),
            other => vec![other],
        }
    }

    /// Joins terms into a conjunction (`true` if empty).
    pub fn and_all(mut terms: Vec<ScalarExpr>) -> ScalarExpr {
        match terms.len() {
            0 => ScalarExpr::bool_lit(true),
            1 => terms.pop().expect("one term"),
            _ => ScalarExpr::And(terms),
        }
    }
}

impl fmt::Display for ScalarExpr {
    /// The expression as EXPLAIN shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarExpr::Column { index, .. } => write!(f, "#{index}"),
            ScalarExpr::Outer { depth, index, .. } => write!(f, "outer{depth}.#{index}"),
            ScalarExpr::Literal(v, ty) => match v {
                Value::Null => f.write_str("NULL"),
                Value::Text(s) => write!(f, "'{}'::{}", s.replace('\'', "''"), ty),
                other => write!(f, "{}", crate::types::text::format_value(other)),
            },
            ScalarExpr::Param { index, .. } => write!(f, "${}", index + 1),
            ScalarExpr::Cast { expr, to } => write!(f, "({expr})::{to}"),
            ScalarExpr::Binary {
                op, left, right, ..
            } => write!(f, "({left} {} {right})", op.symbol()),
            ScalarExpr::Unary { op, expr, .. } => write!(f, "({} {expr})", op.symbol()),
            ScalarExpr::And(v) => join(f, v, " AND "),
            ScalarExpr::Or(v) => join(f, v, " OR "),
            ScalarExpr::Not(e) => write!(f, "(NOT {e})"),
            ScalarExpr::IsNull { expr, negated } => {
                write!(f, "({expr} IS {}NULL)", if *negated { "NOT " } else { "" })
            }
            ScalarExpr::IsDistinctFrom {
                left,
                right,
                negated,
            } => write!(
                f,
                "({left} IS {}DISTINCT FROM {right})",
                if *negated { "NOT " } else { "" }
            ),
            ScalarExpr::IsBool {
                expr,
                what,
                negated,
            } => write!(
                f,
                "({expr} IS {}{})",
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
                f.write_str("CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(o) = otherwise {
                    write!(f, " ELSE {o}")?;
                }
                f.write_str(" END")
            }
            ScalarExpr::Coalesce(v, _) => {
                f.write_str("COALESCE(")?;
                join(f, v, ", ")?;
                f.write_str(")")
            }
            ScalarExpr::NullIf(a, b, _) => write!(f, "NULLIF({a}, {b})"),
            ScalarExpr::Extreme { greatest, args, .. } => {
                f.write_str(if *greatest { "GREATEST(" } else { "LEAST(" })?;
                join(f, args, ", ")?;
                f.write_str(")")
            }
            ScalarExpr::InList {
                expr,
                list,
                negated,
            } => {
                write!(f, "({expr} {}IN (", if *negated { "NOT " } else { "" })?;
                join(f, list, ", ")?;
                f.write_str("))")
            }
            ScalarExpr::Function { func, args } => {
                write!(f, "{}(", func.name)?;
                join(f, args, ", ")?;
                f.write_str(")")
            }
            ScalarExpr::Sequence { op, seq, .. } => {
                let name = match op {
                    SequenceOp::NextVal => "nextval",
                    SequenceOp::CurrVal => "currval",
                    SequenceOp::SetVal => "setval",
                };
                write!(f, "{name}('{}'::regclass)", seq.name)
            }
            ScalarExpr::Subquery(s) => match &s.kind {
                SubqueryKind::Scalar => f.write_str("(SubPlan)"),
                SubqueryKind::Array => f.write_str("ARRAY(SubPlan)"),
                SubqueryKind::Exists { negated } => {
                    write!(f, "{}EXISTS(SubPlan)", if *negated { "NOT " } else { "" })
                }
                SubqueryKind::In { expr, negated } => {
                    write!(
                        f,
                        "({expr} {}IN (SubPlan))",
                        if *negated { "NOT " } else { "" }
                    )
                }
                SubqueryKind::Quantified { expr, op, all } => {
                    write!(
                        f,
                        "({expr} {} {} (SubPlan))",
                        op.symbol(),
                        if *all { "ALL" } else { "ANY" }
                    )
                }
            },
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, v: &[ScalarExpr], sep: &str) -> fmt::Result {
    for (i, e) in v.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{e}")?;
    }
    Ok(())
}
