//! Operators and predicates: arithmetic and comparison through the types module's
//! operator resolution, AND/OR, BETWEEN (expanded), IN lists, LIKE/ILIKE, quantified
//! comparisons, row-wise comparisons, CASE, and the common-type rules they share.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::{self, BinaryOperator, Expr, UnaryOperator};

use super::errors;
use super::expr::Coercion;
use super::query::Binder;
use super::scope::Scope;
use crate::plan::expr::ScalarExpr;
use crate::types::DataType;
use crate::types::cast::{CastContext, can_cast, common_type_of};
use crate::types::ops::{self, BinaryOp, UnaryOp};

/// Whether a cast from `from` to `to` exists in coercion context `kind`.
pub(crate) fn castable(from: &DataType, to: &DataType, kind: Coercion) -> bool {
    let ctx = match kind {
        Coercion::Implicit => CastContext::Implicit,
        Coercion::Assignment => CastContext::Assignment,
        Coercion::Explicit => CastContext::Explicit,
    };
    can_cast(from, to, ctx)
}

/// sqlparser's operator as the types module names it.
fn binary_op(op: &BinaryOperator) -> Result<BinaryOp, DbError> {
    use BinaryOperator as B;
    Ok(match op {
        B::Plus => BinaryOp::Plus,
        B::Minus => BinaryOp::Minus,
        B::Multiply => BinaryOp::Multiply,
        B::Divide => BinaryOp::Divide,
        B::Modulo => BinaryOp::Modulo,
        B::PGExp => BinaryOp::Power,
        B::StringConcat => BinaryOp::Concat,
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        B::PGLikeMatch => BinaryOp::Like,
        B::PGILikeMatch => BinaryOp::ILike,
        B::PGNotLikeMatch => BinaryOp::NotLike,
        B::PGNotILikeMatch => BinaryOp::NotILike,
        B::PGRegexMatch => BinaryOp::RegexMatch,
        B::PGRegexIMatch => BinaryOp::RegexIMatch,
        B::PGRegexNotMatch => BinaryOp::NotRegexMatch,
        B::PGRegexNotIMatch => BinaryOp::NotRegexIMatch,
        B::BitwiseAnd => BinaryOp::BitAnd,
        B::BitwiseOr => BinaryOp::BitOr,
        B::PGBitwiseXor => BinaryOp::BitXor,
        B::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
        B::PGBitwiseShiftRight => BinaryOp::ShiftRight,
        B::Arrow => BinaryOp::JsonGet,
        B::LongArrow => BinaryOp::JsonGetText,
        B::AtArrow => BinaryOp::JsonContains,
        B::ArrowAt => BinaryOp::JsonContainedBy,
        B::Question => BinaryOp::JsonHasKey,
        // `OPERATOR(pg_catalog.~)`: psql's spelling of the built-in operators.
        B::PGCustomBinaryOperator(parts)
            if parts.len() == 2 && parts[0].eq_ignore_ascii_case("pg_catalog") =>
        {
            return builtin_operator(&parts[1]);
        }
        B::PGCustomBinaryOperator(parts) if parts.len() == 1 => return builtin_operator(&parts[0]),
        other => return Err(errors::unsupported(format!("the operator {other}"))),
    })
}

/// A built-in operator named by its symbol (`OPERATOR(pg_catalog.~)`).
fn builtin_operator(symbol: &str) -> Result<BinaryOp, DbError> {
    use BinaryOperator as B;
    let op = match symbol {
        "+" => B::Plus,
        "-" => B::Minus,
        "*" => B::Multiply,
        "/" => B::Divide,
        "%" => B::Modulo,
        "^" => B::PGExp,
        "||" => B::StringConcat,
        "=" => B::Eq,
        "<>" | "!=" => B::NotEq,
        "<" => B::Lt,
        "<=" => B::LtEq,
        ">" => B::Gt,
        ">=" => B::GtEq,
        "~~" => B::PGLikeMatch,
        "~~*" => B::PGILikeMatch,
        "!~~" => B::PGNotLikeMatch,
        "!~~*" => B::PGNotILikeMatch,
        "~" => B::PGRegexMatch,
        "~*" => B::PGRegexIMatch,
        "!~" => B::PGRegexNotMatch,
        "!~*" => B::PGRegexNotIMatch,
        other => {
            return Err(DbError::new(
                ErrorCode::UndefinedObject,
                format!("operator does not exist: pg_catalog.{other}"),
            )
            .with_sqlstate("42883")
            .with_hint(
                "No operator matches the given name. You might need to add explicit type casts.",
            ));
        }
    };
    binary_op(&op)
}

impl Binder<'_> {
    /// The common type of `types` for `what` (`CASE`, `UNION`, ...): 42804 `UNION types
    /// integer and boolean cannot be matched` if none.
    pub(crate) fn common_type(&self, types: &[DataType], what: &str) -> Result<DataType, DbError> {
        if let Some(t) = common_type_of(types) {
            return Ok(t);
        }
        let known: Vec<&DataType> = types.iter().filter(|t| **t != DataType::Unknown).collect();
        let mut acc = known[0].clone();
        for t in &known[1..] {
            match common_type_of(&[acc.clone(), (*t).clone()]) {
                Some(c) => acc = c,
                None => {
                    return Err(errors::mismatch(format!(
                        "{what} types {} and {} cannot be matched",
                        acc.sql_name(),
                        t.sql_name()
                    )));
                }
            }
        }
        Err(errors::mismatch(format!("{what} types cannot be matched")))
    }

    /// `left op right` with operator resolution and the casts it asks for.
    pub(crate) fn apply_binary(
        &mut self,
        op: BinaryOp,
        left: ScalarExpr,
        right: ScalarExpr,
    ) -> Result<ScalarExpr, DbError> {
        if op == BinaryOp::Concat
            && let Some(f) = crate::functions::array::concat_function(&left.ty(), &right.ty())
        {
            return self.call_bound(f, vec![left, right]);
        }
        let sig = resolve(op, &left.ty(), &right.ty())?;
        // The resolution chose these types: the casts apply whatever their context.
        let left = self.coerce_or_fail(left, &sig.left, Coercion::Explicit)?;
        let right = self.coerce_or_fail(right, &sig.right, Coercion::Explicit)?;
        Ok(ScalarExpr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
            ty: sig.result,
        })
    }

    /// A comparison (`=`, `<`, ...).
    pub(crate) fn make_comparison(
        &mut self,
        op: BinaryOp,
        left: ScalarExpr,
        right: ScalarExpr,
    ) -> Result<ScalarExpr, DbError> {
        self.apply_binary(op, left, right)
    }

    /// `op x` for the prefix operators other than NOT.
    pub(crate) fn apply_unary(
        &mut self,
        op: UnaryOperator,
        inner: ScalarExpr,
    ) -> Result<ScalarExpr, DbError> {
        let uop = match op {
            UnaryOperator::Minus => UnaryOp::Minus,
            UnaryOperator::Plus => UnaryOp::Plus,
            UnaryOperator::BitwiseNot => UnaryOp::BitNot,
            // PostgreSQL's `@ x`, `|/ x` and `||/ x` are abs(), sqrt() and cbrt() (the
            // roots of double precision only).
            UnaryOperator::PGAbs => return self.call_bound("abs", vec![inner]),
            UnaryOperator::PGSquareRoot | UnaryOperator::PGCubeRoot => {
                let x = self.coerce_or_fail(inner, &DataType::Float8, Coercion::Implicit)?;
                let name = if op == UnaryOperator::PGSquareRoot {
                    "sqrt"
                } else {
                    "cbrt"
                };
                return self.call_bound(name, vec![x]);
            }
            other => return Err(errors::unsupported(format!("the operator {other}"))),
        };
        let sig = ops::resolve_unary(uop, &inner.ty())?;
        let inner = self.coerce_or_fail(inner, &sig.operand, Coercion::Explicit)?;
        Ok(ScalarExpr::Unary {
            op: uop,
            expr: Box::new(inner),
            ty: sig.result,
        })
    }

    /// A binary operator expression as written.
    pub(crate) fn bind_binary(
        &mut self,
        l: &Expr,
        op: &BinaryOperator,
        r: &Expr,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let name = if *op == BinaryOperator::And {
                    "AND"
                } else {
                    "OR"
                };
                let a = self.bind_condition(l, scope, name)?;
                let b = self.bind_condition(r, scope, name)?;
                let mut terms = Vec::new();
                for t in [a, b] {
                    match (t, op) {
                        (ScalarExpr::And(v), BinaryOperator::And)
                        | (ScalarExpr::Or(v), BinaryOperator::Or) => terms.extend(v),
                        (t, _) => terms.push(t),
                    }
                }
                Ok(if *op == BinaryOperator::And {
                    ScalarExpr::And(terms)
                } else {
                    ScalarExpr::Or(terms)
                })
            }
            _ => {
                let bop = binary_op(op)?;
                if let (Expr::Tuple(a), Expr::Tuple(b)) = (strip(l), strip(r)) {
                    return self.bind_row_comparison(bop, a, b, scope);
                }
                let a = self.bind_expr(l, scope)?;
                let b = self.bind_expr(r, scope)?;
                self.apply_binary(bop, a, b)
            }
        }
    }

    /// `(a, b) = (x, y)` and `<>`, compared member-wise.
    fn bind_row_comparison(
        &mut self,
        op: BinaryOp,
        a: &[Expr],
        b: &[Expr],
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if a.len() != b.len() {
            return Err(errors::syntax(
                "unequal number of entries in row expressions",
            ));
        }
        let mut terms = Vec::new();
        for (x, y) in a.iter().zip(b) {
            let x = self.bind_expr(x, scope)?;
            let y = self.bind_expr(y, scope)?;
            terms.push(self.apply_binary(
                if op == BinaryOp::NotEq {
                    BinaryOp::Eq
                } else {
                    op
                },
                x,
                y,
            )?);
        }
        match op {
            BinaryOp::Eq => Ok(ScalarExpr::and_all(terms)),
            BinaryOp::NotEq => Ok(ScalarExpr::Not(Box::new(ScalarExpr::and_all(terms)))),
            _ => Err(errors::unsupported(
                "ordering comparisons of row constructors",
            )),
        }
    }

    /// Binds two operands and converts them to their common type (IS DISTINCT FROM).
    pub(crate) fn bind_comparable_pair(
        &mut self,
        a: &Expr,
        b: &Expr,
        _what: &str,
        scope: &Scope,
    ) -> Result<(ScalarExpr, ScalarExpr), DbError> {
        let a = self.bind_expr(a, scope)?;
        let b = self.bind_expr(b, scope)?;
        // Resolve through `=` so the error is PostgreSQL's `operator does not exist`.
        let sig = resolve(BinaryOp::Eq, &a.ty(), &b.ty())?;
        let a = self.coerce_or_fail(a, &sig.left, Coercion::Explicit)?;
        let b = self.coerce_or_fail(b, &sig.right, Coercion::Explicit)?;
        Ok((a, b))
    }

    /// `x [NOT] BETWEEN lo AND hi`, expanded to two comparisons.
    pub(crate) fn bind_between(
        &mut self,
        x: &Expr,
        negated: bool,
        lo: &Expr,
        hi: &Expr,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if let Some(lo) = super::parse::symmetric_low_bound(lo) {
            // BETWEEN SYMMETRIC: either order of the bounds (PostgreSQL expands it the
            // same way, evaluating the operands twice).
            let asc = self.bind_between(x, negated, lo, hi, scope)?;
            let desc = self.bind_between(x, negated, hi, lo, scope)?;
            return Ok(if negated {
                ScalarExpr::And(vec![asc, desc])
            } else {
                ScalarExpr::Or(vec![asc, desc])
            });
        }
        let v = self.bind_expr(x, scope)?;
        let lo = self.bind_expr(lo, scope)?;
        let hi = self.bind_expr(hi, scope)?;
        if negated {
            let a = self.apply_binary(BinaryOp::Lt, v.clone(), lo)?;
            let b = self.apply_binary(BinaryOp::Gt, v, hi)?;
            Ok(ScalarExpr::Or(vec![a, b]))
        } else {
            let a = self.apply_binary(BinaryOp::GtEq, v.clone(), lo)?;
            let b = self.apply_binary(BinaryOp::LtEq, v, hi)?;
            Ok(ScalarExpr::And(vec![a, b]))
        }
    }

    /// `x [NOT] IN (list)` / `x [NOT] IN (subquery)`.
    pub(crate) fn bind_in(
        &mut self,
        x: &Expr,
        target: &ast::InTarget,
        negated: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        match target {
            ast::InTarget::List(list) => {
                if let Expr::Tuple(cols) = strip(x) {
                    // (a, b) IN ((1, 2), (3, 4)): a disjunction of row comparisons.
                    let mut terms = Vec::new();
                    for item in list {
                        let Expr::Tuple(vals) = strip(item) else {
                            return Err(errors::syntax(
                                "IN list items must be row constructors of the same size",
                            ));
                        };
                        terms.push(self.bind_row_comparison(BinaryOp::Eq, cols, vals, scope)?);
                    }
                    let any = ScalarExpr::Or(terms);
                    return Ok(if negated {
                        ScalarExpr::Not(Box::new(any))
                    } else {
                        any
                    });
                }
                let probe = self.bind_expr(x, scope)?;
                let mut items = Vec::with_capacity(list.len());
                for e in list {
                    items.push(self.bind_expr(e, scope)?);
                }
                let mut types = vec![probe.ty()];
                types.extend(items.iter().map(ScalarExpr::ty));
                match common_type_of(&types) {
                    Some(t) if ops::resolve_binary(BinaryOp::Eq, &t, &t).is_ok() => {
                        let probe = self.coerce_or_fail(probe, &t, Coercion::Implicit)?;
                        let list = items
                            .into_iter()
                            .map(|i| self.coerce_or_fail(i, &t, Coercion::Implicit))
                            .collect::<Result<_, _>>()?;
                        Ok(ScalarExpr::InList {
                            expr: Box::new(probe),
                            list,
                            negated,
                        })
                    }
                    _ => {
                        // No common type: each item is compared on its own, as PostgreSQL
                        // does, so the error names the operator.
                        let mut terms = Vec::new();
                        for i in items {
                            terms.push(self.apply_binary(BinaryOp::Eq, probe.clone(), i)?);
                        }
                        let any = ScalarExpr::Or(terms);
                        Ok(if negated {
                            ScalarExpr::Not(Box::new(any))
                        } else {
                            any
                        })
                    }
                }
            }
            ast::InTarget::Subquery(q) => self.bind_in_subquery(x, q, negated, scope),
            _ => Err(errors::unsupported("IN UNNEST / IN table")),
        }
    }

    /// `x [NOT] LIKE / ILIKE pattern [ESCAPE c]`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn bind_like(
        &mut self,
        x: &Expr,
        pattern: &Expr,
        escape: Option<&Expr>,
        negated: bool,
        any: bool,
        ilike: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if any {
            return Err(errors::unsupported("LIKE ANY"));
        }
        if let Some(esc) = escape {
            let ok = matches!(esc, Expr::Value(v) if super::expr::literal_text(&v.value).as_deref() == Some("\\"));
            if !ok {
                return Err(errors::unsupported("LIKE ... ESCAPE other than backslash"));
            }
        }
        let a = self.bind_expr(x, scope)?;
        let b = self.bind_expr(pattern, scope)?;
        let op = match (ilike, negated) {
            (false, false) => BinaryOp::Like,
            (false, true) => BinaryOp::NotLike,
            (true, false) => BinaryOp::ILike,
            (true, true) => BinaryOp::NotILike,
        };
        self.apply_binary(op, a, b)
    }

    /// `x op ANY/ALL (subquery)` or over an ARRAY[...] literal (expanded).
    pub(crate) fn bind_quantified(
        &mut self,
        l: &Expr,
        op: &BinaryOperator,
        r: &Expr,
        all: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let bop = binary_op(op)?;
        match strip(r) {
            Expr::Subquery(q) => self.bind_quantified_subquery(l, bop, q, all, scope),
            Expr::Array(arr) => {
                let probe = self.bind_expr(l, scope)?;
                let mut terms = Vec::new();
                for e in &arr.elem {
                    let v = self.bind_expr(e, scope)?;
                    terms.push(self.apply_binary(bop, probe.clone(), v)?);
                }
                if terms.is_empty() {
                    return Ok(ScalarExpr::bool_lit(all));
                }
                Ok(if all {
                    ScalarExpr::And(terms)
                } else {
                    ScalarExpr::Or(terms)
                })
            }
            other => self.bind_quantified_array(l, bop, other, all, scope),
        }
    }

    /// CASE, simple forms rewritten as searched ones (`operand = value`).
    pub(crate) fn bind_case(
        &mut self,
        operand: Option<&Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&Expr>,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let operand = match operand {
            Some(o) => Some(self.bind_expr(o, scope)?),
            None => None,
        };
        let mut whens = Vec::with_capacity(conditions.len());
        for cw in conditions {
            let cond = match &operand {
                Some(o) => {
                    let v = self.bind_expr(&cw.condition, scope)?;
                    self.apply_binary(BinaryOp::Eq, o.clone(), v)?
                }
                None => self.bind_condition(&cw.condition, scope, "CASE/WHEN")?,
            };
            whens.push((cond, self.bind_expr(&cw.result, scope)?));
        }
        let otherwise = match else_result {
            Some(e) => Some(self.bind_expr(e, scope)?),
            None => None,
        };
        let mut types: Vec<DataType> = whens.iter().map(|(_, t)| t.ty()).collect();
        types.extend(otherwise.iter().map(ScalarExpr::ty));
        let ty = if types.iter().all(|t| *t == DataType::Unknown) {
            DataType::Text
        } else {
            self.common_type(&types, "CASE")?
        };
        let mut out = Vec::with_capacity(whens.len());
        for (c, t) in whens {
            out.push((c, self.coerce_or_fail(t, &ty, Coercion::Implicit)?));
        }
        let otherwise = match otherwise {
            Some(e) => Some(Box::new(self.coerce_or_fail(e, &ty, Coercion::Implicit)?)),
            None => None,
        };
        Ok(ScalarExpr::Case {
            operand: None,
            whens: out,
            otherwise,
            ty,
        })
    }

    /// Binds arguments and converts them to their common type (COALESCE, GREATEST,
    /// LEAST).
    pub(crate) fn bind_common_args(
        &mut self,
        args: &[&Expr],
        what: &str,
        scope: &Scope,
    ) -> Result<(Vec<ScalarExpr>, DataType), DbError> {
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.bind_expr(a, scope)?);
        }
        let types: Vec<DataType> = bound.iter().map(ScalarExpr::ty).collect();
        let ty = self.common_type(&types, what)?;
        let ty = if ty == DataType::Unknown {
            DataType::Text
        } else {
            ty
        };
        let out = bound
            .into_iter()
            .map(|b| self.coerce_or_fail(b, &ty, Coercion::Implicit))
            .collect::<Result<_, _>>()?;
        Ok((out, ty))
    }
}

/// Operator resolution; a failure names the types without modifiers, as PostgreSQL
/// does (`operator does not exist: numeric || integer`).
pub(crate) fn resolve(
    op: BinaryOp,
    l: &DataType,
    r: &DataType,
) -> Result<ops::ResolvedOp, DbError> {
    ops::resolve_binary(op, l, r).map_err(|e| {
        let base = |t: &DataType| super::aggregate::without_typmod(t.clone());
        ops::resolve_binary(op, &base(l), &base(r))
            .err()
            .unwrap_or(e)
    })
}

/// Removes redundant parentheses.
pub(crate) fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip(inner),
        other => other,
    }
}
