//! Expressions: dispatch over sqlparser's `Expr`, literals and their PostgreSQL typing,
//! column references, parameters, and coercion of a bound expression to a wanted type.
//! Operators, predicates and subqueries are in `expr_ops`, calls in `expr_call`.

use rust_decimal::Decimal;
use rustydb_common::DbError;
use sqlparser::ast::{self, CastKind, Expr, UnaryOperator, Value as AstValue};

use super::errors;
use super::names;
use super::query::Binder;
use super::scope::Scope;
use crate::plan::expr::ScalarExpr;
use crate::types::{DataType, Value, numeric};

/// How strongly a value is converted (PostgreSQL's coercion contexts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coercion {
    /// Implicit: operator and function arguments, CASE branches.
    Implicit,
    /// Assignment: INSERT / UPDATE values into a column.
    Assignment,
    /// Explicit: `CAST(x AS t)`, `x::t`.
    Explicit,
}

impl Binder<'_> {
    /// Binds an expression over `scope`.
    #[recursive::recursive]
    pub(crate) fn bind_expr(&mut self, e: &Expr, scope: &Scope) -> Result<ScalarExpr, DbError> {
        match e {
            Expr::Identifier(id) => {
                let name = names::ident(id);
                match self.resolve_column(scope, &[], &name) {
                    Err(err) if err.sqlstate() == "42703" && id.quote_style.is_none() => {
                        self.bare_keyword_function(&name).ok_or(err)
                    }
                    other => other,
                }
            }
            Expr::CompoundIdentifier(ids) => {
                let parts: Vec<String> = ids.iter().map(names::ident).collect();
                let (name, qualifier) = parts.split_last().expect("compound identifier has parts");
                self.resolve_column(scope, qualifier, name)
            }
            Expr::Value(v) => self.bind_value(&v.value),
            Expr::Nested(inner) => self.bind_expr(inner, scope),
            Expr::TypedString(ts) => {
                let ty = names::type_name(&ts.data_type)?;
                let text = literal_text(&ts.value.value)
                    .ok_or_else(|| errors::syntax("typed literal must be a string"))?;
                let lit = ScalarExpr::Literal(Value::Text(text), DataType::Unknown);
                self.coerce_or_fail(lit, &ty, Coercion::Explicit)
            }
            Expr::Interval(iv) => self.bind_interval(iv, scope),
            Expr::Cast {
                kind,
                expr,
                data_type,
                format,
            } => {
                if format.is_some() || matches!(kind, CastKind::TryCast | CastKind::SafeCast) {
                    return Err(errors::unsupported(format!("{kind:?}")));
                }
                if let Some(e) = self.bind_system_cast(expr, data_type, scope)? {
                    return Ok(e);
                }
                let ty = names::type_name(data_type)?;
                // A number constant cast to a float type is read as one, without going
                // through numeric, which cannot hold `1e300` (PostgreSQL's converts
                // through the same text, so the value is the same).
                if matches!(ty, DataType::Float4 | DataType::Float8)
                    && let Expr::Value(v) = expr.as_ref()
                    && let AstValue::Number(digits, _) = &v.value
                {
                    let f = crate::types::text::parse_value(&digits.replace('_', ""), &ty)?;
                    return Ok(ScalarExpr::Literal(f, ty));
                }
                let inner = self.bind_expr(expr, scope)?;
                self.coerce_or_fail(inner, &ty, Coercion::Explicit)
            }
            Expr::UnaryOp { op, expr } => self.bind_unary(*op, expr, scope),
            Expr::BinaryOp { left, op, right } => self.bind_binary(left, op, right, scope),
            Expr::IsNull(x) | Expr::IsNotNull(x) => {
                let inner = self.bind_expr(x, scope)?;
                Ok(ScalarExpr::IsNull {
                    expr: Box::new(inner),
                    negated: matches!(e, Expr::IsNotNull(_)),
                })
            }
            Expr::IsTrue(x) | Expr::IsNotTrue(x) => {
                self.bind_is_bool(x, Some(true), matches!(e, Expr::IsNotTrue(_)), scope)
            }
            Expr::IsFalse(x) | Expr::IsNotFalse(x) => {
                self.bind_is_bool(x, Some(false), matches!(e, Expr::IsNotFalse(_)), scope)
            }
            Expr::IsUnknown(x) | Expr::IsNotUnknown(x) => {
                self.bind_is_bool(x, None, matches!(e, Expr::IsNotUnknown(_)), scope)
            }
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                let (l, r) = self.bind_comparable_pair(a, b, "IS DISTINCT FROM", scope)?;
                let negated = matches!(e, Expr::IsNotDistinctFrom(..));
                Ok(ScalarExpr::IsDistinctFrom {
                    left: Box::new(l),
                    right: Box::new(r),
                    negated,
                })
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => self.bind_between(expr, *negated, low, high, scope),
            Expr::In {
                expr,
                target,
                negated,
                ..
            } => self.bind_in(expr, target, *negated, scope),
            Expr::Like {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => self.bind_like(
                expr,
                pattern,
                escape_char.as_deref(),
                *negated,
                *any,
                false,
                scope,
            ),
            Expr::ILike {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => self.bind_like(
                expr,
                pattern,
                escape_char.as_deref(),
                *negated,
                *any,
                true,
                scope,
            ),
            Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => self.bind_quantified(left, compare_op, right, false, scope),
            Expr::AllOp {
                left,
                compare_op,
                right,
            } => self.bind_quantified(left, compare_op, right, true, scope),
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(
                operand.as_deref(),
                conditions,
                else_result.as_deref(),
                scope,
            ),
            Expr::Exists { subquery, negated } => self.bind_exists(subquery, *negated, scope),
            Expr::Subquery(q) => self.bind_scalar_subquery(q, scope),
            Expr::Function(f) => self.bind_function(f, scope),
            Expr::Extract { field, expr, .. } => self.bind_extract(field, expr, scope),
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => self.bind_substring(
                expr,
                substring_from.as_deref(),
                substring_for.as_deref(),
                scope,
            ),
            Expr::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => self.bind_trim(
                trim_where.as_ref(),
                trim_what.as_deref(),
                expr,
                trim_characters.as_deref(),
                scope,
            ),
            Expr::Position { expr, r#in } => {
                self.call_named("strpos", &[r#in.as_ref(), expr.as_ref()], scope)
            }
            Expr::Ceil { expr, field } | Expr::Floor { expr, field } => {
                let name = if matches!(e, Expr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                match field {
                    ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {
                        self.call_named(name, &[expr.as_ref()], scope)
                    }
                    _ => Err(errors::unsupported(format!(
                        "{} with a scale or field",
                        name.to_uppercase()
                    ))),
                }
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => self.call_named("timezone", &[time_zone.as_ref(), timestamp.as_ref()], scope),
            Expr::Collate { expr, collation } => {
                let c = collation.to_string().to_ascii_lowercase();
                let c = c
                    .strip_prefix("pg_catalog.")
                    .unwrap_or(&c)
                    .trim_matches('"');
                if !matches!(c, "c" | "posix" | "default" | "ucs_basic") {
                    return Err(errors::undefined_object("collation", c));
                }
                self.bind_expr(expr, scope)
            }
            Expr::Tuple(_) => Err(errors::unsupported("row constructors in this position")),
            Expr::Array(arr) => self.bind_array_constructor(&arr.elem, scope),
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => {
                Err(errors::syntax("syntax error at or near \"*\"")
                    .with_detail("* is only allowed in a select list"))
            }
            Expr::SimilarTo { .. } => Err(errors::unsupported("SIMILAR TO")),
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.bind_subscript(root, access_chain, scope)
            }
            Expr::JsonAccess { .. } => Err(errors::unsupported("field access")),
            Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => {
                Err(errors::unsupported("GROUPING SETS, CUBE and ROLLUP"))
            }
            other => Err(errors::unsupported(format!("the expression {other}"))),
        }
    }

    /// `current_schema` and friends written without parentheses, which PostgreSQL
    /// accepts where no column of that name exists.
    fn bare_keyword_function(&self, name: &str) -> Option<ScalarExpr> {
        match name {
            "current_schema" | "current_catalog" => self.session_function(name),
            _ => None,
        }
    }

    /// A literal, typed as PostgreSQL types constants.
    pub(crate) fn bind_value(&mut self, v: &AstValue) -> Result<ScalarExpr, DbError> {
        Ok(match v {
            AstValue::Number(s, _) => number_literal(s)?,
            AstValue::Boolean(b) => ScalarExpr::bool_lit(*b),
            AstValue::Null => ScalarExpr::null(DataType::Unknown),
            AstValue::Placeholder(p) => return self.bind_param(p),
            AstValue::HexStringLiteral(_) => {
                return Err(errors::unsupported("bit string constants"));
            }
            other => match literal_text(other) {
                Some(s) => ScalarExpr::Literal(Value::Text(s), DataType::Unknown),
                None => return Err(errors::unsupported(format!("the constant {other}"))),
            },
        })
    }

    /// `$n`.
    fn bind_param(&mut self, p: &str) -> Result<ScalarExpr, DbError> {
        let n: usize = p
            .strip_prefix('$')
            .and_then(|d| d.parse().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| errors::syntax(format!("syntax error at or near \"{p}\"")))?;
        if n > 65535 {
            return Err(
                errors::syntax(format!("there is no parameter ${n}")).with_sqlstate("42P02")
            );
        }
        if self.params.len() < n {
            self.params.resize(n, DataType::Unknown);
        }
        Ok(ScalarExpr::Param {
            index: n - 1,
            ty: self.params[n - 1].clone(),
        })
    }

    /// `INTERVAL '1 day'`, `INTERVAL '3' HOUR`.
    fn bind_interval(&mut self, iv: &ast::Interval, scope: &Scope) -> Result<ScalarExpr, DbError> {
        let value = self.bind_expr(&iv.value, scope)?;
        let value = match (&iv.leading_field, &value) {
            (Some(f), ScalarExpr::Literal(Value::Text(s), DataType::Unknown))
                if iv.last_field.is_none() =>
            {
                ScalarExpr::Literal(Value::Text(format!("{s} {f}")), DataType::Unknown)
            }
            (None, _) => value,
            _ => return Err(errors::unsupported("interval field qualifiers")),
        };
        self.coerce_or_fail(value, &DataType::Interval, Coercion::Explicit)
    }

    /// Converts `e` to `to`, or reports that it cannot be.
    pub(crate) fn coerce_or_fail(
        &mut self,
        e: ScalarExpr,
        to: &DataType,
        kind: Coercion,
    ) -> Result<ScalarExpr, DbError> {
        let from = e.ty();
        match self.try_coerce(e, to, kind)? {
            Some(x) => Ok(x),
            None if kind == Coercion::Explicit => Err(crate::types::errors::cannot_cast(&from, to)),
            None => Err(errors::mismatch(format!(
                "cannot convert type {} to {} implicitly",
                from.sql_name(),
                to.sql_name()
            ))),
        }
    }

    /// Converts `e` to `to` if the coercion context allows: unknown literals are
    /// converted now (so bad input fails at bind time, as in PostgreSQL), unknown
    /// parameters take the type, other values get a cast. `None` if not allowed.
    pub(crate) fn try_coerce(
        &mut self,
        e: ScalarExpr,
        to: &DataType,
        kind: Coercion,
    ) -> Result<Option<ScalarExpr>, DbError> {
        let from = e.ty();
        if *to == DataType::Unknown || from == *to {
            return Ok(Some(e));
        }
        match e {
            ScalarExpr::Literal(Value::Null, _) => Ok(Some(ScalarExpr::null(to.clone()))),
            ScalarExpr::Literal(Value::Text(s), DataType::Unknown) => {
                let v = if kind == Coercion::Assignment {
                    crate::types::cast::cast_assign(&Value::Text(s), to)?
                } else {
                    crate::types::text::parse_value(&s, to)?
                };
                Ok(Some(ScalarExpr::Literal(v, to.clone())))
            }
            ScalarExpr::Param {
                index,
                ty: DataType::Unknown,
            } => {
                let known = self.params.get(index).cloned().unwrap_or(DataType::Unknown);
                if known == DataType::Unknown {
                    if let Some(p) = self.params.get_mut(index) {
                        *p = to.clone();
                    }
                    return Ok(Some(ScalarExpr::Param {
                        index,
                        ty: to.clone(),
                    }));
                }
                self.try_coerce(ScalarExpr::Param { index, ty: known }, to, kind)
            }
            // An unknown-typed expression that is not a literal (a CASE of literals):
            // text input converts to anything, as PostgreSQL does.
            e if from == DataType::Unknown => Ok(Some(ScalarExpr::Cast {
                expr: Box::new(e),
                to: to.clone(),
            })),
            _ if !super::expr_ops::castable(&from, to, kind) => Ok(None),
            e => Ok(Some(ScalarExpr::Cast {
                expr: Box::new(e),
                to: to.clone(),
            })),
        }
    }

    /// Binds a condition (WHERE, HAVING, ON, CHECK, CASE WHEN): boolean, or an unknown
    /// literal read as boolean.
    pub(crate) fn bind_condition(
        &mut self,
        e: &Expr,
        scope: &Scope,
        what: &str,
    ) -> Result<ScalarExpr, DbError> {
        let bound = self.bind_expr(e, scope)?;
        self.require_boolean(bound, what)
    }

    /// Requires a boolean (`argument of WHERE must be type boolean`).
    pub(crate) fn require_boolean(
        &mut self,
        bound: ScalarExpr,
        what: &str,
    ) -> Result<ScalarExpr, DbError> {
        let ty = bound.ty();
        if ty == DataType::Bool {
            return Ok(bound);
        }
        if ty == DataType::Unknown {
            return self.coerce_or_fail(bound, &DataType::Bool, Coercion::Implicit);
        }
        Err(errors::not_boolean(what, &ty))
    }

    /// Resolves an unknown-typed value to text (query outputs, ORDER BY keys).
    pub(crate) fn resolve_unknown(&mut self, e: ScalarExpr) -> Result<ScalarExpr, DbError> {
        if e.ty() == DataType::Unknown {
            self.coerce_or_fail(e, &DataType::Text, Coercion::Implicit)
        } else {
            Ok(e)
        }
    }

    /// `-x`, `+x`, `NOT x` and the other prefix operators.
    fn bind_unary(
        &mut self,
        op: UnaryOperator,
        x: &Expr,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        match op {
            UnaryOperator::Not => {
                let inner = self.bind_expr(x, scope)?;
                let inner = self.require_boolean(inner, "NOT")?;
                Ok(ScalarExpr::Not(Box::new(inner)))
            }
            UnaryOperator::Minus => {
                // `-2147483648` is an integer constant, as in PostgreSQL's grammar.
                if let Expr::Value(v) = x
                    && let AstValue::Number(s, _) = &v.value
                {
                    return number_literal(&format!("-{s}"));
                }
                let inner = self.bind_expr(x, scope)?;
                self.apply_unary(op, inner)
            }
            _ => {
                let inner = self.bind_expr(x, scope)?;
                self.apply_unary(op, inner)
            }
        }
    }

    /// `IS [NOT] TRUE / FALSE / UNKNOWN`.
    fn bind_is_bool(
        &mut self,
        x: &Expr,
        what: Option<bool>,
        negated: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let inner = self.bind_expr(x, scope)?;
        let clause = match what {
            Some(true) => "IS TRUE",
            Some(false) => "IS FALSE",
            None => "IS UNKNOWN",
        };
        let inner = self.require_boolean(inner, clause)?;
        Ok(ScalarExpr::IsBool {
            expr: Box::new(inner),
            what,
            negated,
        })
    }
}

/// The text of a string constant of any quoting style.
pub(crate) fn literal_text(v: &AstValue) -> Option<String> {
    match v {
        AstValue::SingleQuotedString(s)
        | AstValue::EscapedStringLiteral(s)
        | AstValue::UnicodeStringLiteral(s)
        | AstValue::NationalStringLiteral(s)
        | AstValue::TripleSingleQuotedString(s) => Some(s.clone()),
        AstValue::DollarQuotedString(d) => Some(d.value.clone()),
        _ => None,
    }
}

/// A numeric constant: `integer` if it fits, else `bigint`, else `numeric`; with a
/// point or exponent, `numeric`.
pub(crate) fn number_literal(s: &str) -> Result<ScalarExpr, DbError> {
    let digits = s.replace('_', "");
    if !digits.contains(['.', 'e', 'E']) {
        if let Ok(v) = digits.parse::<i32>() {
            return Ok(ScalarExpr::Literal(Value::Int4(v), DataType::Int4));
        }
        if let Ok(v) = digits.parse::<i64>() {
            return Ok(ScalarExpr::Literal(Value::Int8(v), DataType::Int8));
        }
    }
    let d: Decimal = numeric::parse_numeric(&digits)?;
    Ok(ScalarExpr::Literal(
        Value::Numeric(d),
        DataType::Numeric {
            precision: None,
            scale: None,
        },
    ))
}
