//! Function calls: aggregates and window calls (handed to `aggregate` / `window`),
//! the conditional forms (COALESCE, NULLIF, GREATEST, LEAST), sequence functions,
//! session information functions resolved to constants, SQL's special call syntax
//! (EXTRACT, SUBSTRING, TRIM), and everything else through the function registry.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::{self, DateTimeField, Expr, FunctionArgExpr, TrimWhereField};

use super::aggregate::call_args;
use super::errors;
use super::expr::Coercion;
use super::names;
use super::query::Binder;
use super::scope::Scope;
use super::window::window_only;
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::{ScalarExpr, SequenceOp};
use crate::types::{DataType, Value};

/// 42883 `function f(integer) does not exist`.
pub(crate) fn undefined_function(signature: &str) -> DbError {
    DbError::new(ErrorCode::UndefinedObject, format!("function {signature} does not exist"))
        .with_sqlstate("42883")
        .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

impl Binder<'_> {
    /// A function call as written.
    pub(crate) fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let parts = names::object_name(&f.name)?;
        let name = match parts.as_slice() {
            [n] => n.clone(),
            [s, n] if s == "pg_catalog" => n.clone(),
            _ => return Err(undefined_function(&format!("{}()", parts.join(".")))),
        };
        if let (ast::FunctionArguments::Subquery(q), [n]) = (&f.args, parts.as_slice())
            && n == "array"
            && f.name.0.len() == 1
        {
            return self.bind_array_subquery(q, scope);
        }
        if let Some(over) = &f.over {
            return self.bind_window_call(&name, f, over, scope);
        }
        if window_only(&name).is_some() {
            return Err(errors::wrong_object_type(format!(
                "window function {name} requires an OVER clause"
            )));
        }
        if let Some(agg) = AggregateFunction::by_name(&name)
            && !matches!(f.args, ast::FunctionArguments::None)
        {
            return self.bind_aggregate(agg, f, scope);
        }
        let ca = call_args(f)?;
        if ca.distinct || f.filter.is_some() || !ca.order_by.is_empty() {
            let what = if ca.distinct {
                "DISTINCT"
            } else if f.filter.is_some() {
                "FILTER"
            } else {
                "ORDER BY"
            };
            return Err(errors::wrong_object_type(format!(
                "{what} specified, but {name} is not an aggregate function"
            )));
        }
        let mut args: Vec<&Expr> = Vec::with_capacity(ca.args.len());
        for a in &ca.args {
            match a {
                FunctionArgExpr::Expr(e) => args.push(e),
                _ => return Err(undefined_function(&format!("{name}(*)"))),
            }
        }
        let no_parens = matches!(f.args, ast::FunctionArguments::None);
        if let Some(v) = self.session_call(&name, args.len(), no_parens) {
            return Ok(v);
        }
        if !no_parens && let Some(v) = self.bind_system_call(&name, &args, scope)? {
            return Ok(v);
        }
        match name.as_str() {
            "coalesce" if !args.is_empty() => {
                let (args, ty) = self.bind_common_args(&args, "COALESCE", scope)?;
                Ok(ScalarExpr::Coalesce(args, ty))
            }
            "greatest" | "least" if !args.is_empty() => {
                let (args, ty) = self.bind_common_args(&args, &name.to_uppercase(), scope)?;
                Ok(ScalarExpr::Extreme {
                    greatest: name == "greatest",
                    args,
                    ty,
                })
            }
            "nullif" if args.len() == 2 => {
                let (a, b) = self.bind_comparable_pair(args[0], args[1], "NULLIF", scope)?;
                let ty = a.ty();
                Ok(ScalarExpr::NullIf(Box::new(a), Box::new(b), ty))
            }
            "nextval" | "currval" if args.len() == 1 => {
                let seq = self.sequence_argument(args[0], scope)?;
                let op = if name == "nextval" {
                    SequenceOp::NextVal
                } else {
                    SequenceOp::CurrVal
                };
                Ok(ScalarExpr::Sequence {
                    op,
                    seq,
                    args: vec![],
                })
            }
            "setval" if args.len() == 2 || args.len() == 3 => {
                let seq = self.sequence_argument(args[0], scope)?;
                let v = self.bind_expr(args[1], scope)?;
                let mut rest = vec![self.coerce_or_fail(v, &DataType::Int8, Coercion::Implicit)?];
                if let Some(c) = args.get(2) {
                    let c = self.bind_expr(c, scope)?;
                    rest.push(self.coerce_or_fail(c, &DataType::Bool, Coercion::Implicit)?);
                }
                Ok(ScalarExpr::Sequence {
                    op: SequenceOp::SetVal,
                    seq,
                    args: rest,
                })
            }
            _ => self.call_named(&name, &args, scope),
        }
    }

    /// Calls registry function `name` on `args`.
    pub(crate) fn call_named(
        &mut self,
        name: &str,
        args: &[&Expr],
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.bind_expr(a, scope)?);
        }
        self.call_bound(name, bound)
    }

    /// Calls registry function `name` on bound arguments, casting them as it says.
    pub(crate) fn call_bound(
        &mut self,
        name: &str,
        args: Vec<ScalarExpr>,
    ) -> Result<ScalarExpr, DbError> {
        let types: Vec<DataType> = args.iter().map(ScalarExpr::ty).collect();
        let func = crate::functions::lookup(name, &types)?;
        let mut out = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            // The registry chose these types: the casts apply whatever their context.
            let want = func.arg_types.get(i).cloned().unwrap_or(DataType::Unknown);
            out.push(self.coerce_or_fail(a, &want, Coercion::Explicit)?);
        }
        Ok(ScalarExpr::Function { func, args: out })
    }

    /// The sequence a `nextval` argument names: a constant string (or `'s'::regclass`).
    fn sequence_argument(
        &mut self,
        e: &Expr,
        scope: &Scope,
    ) -> Result<std::sync::Arc<crate::catalog::SequenceDef>, DbError> {
        let inner = match super::expr_ops::strip(e) {
            Expr::Cast {
                expr, data_type, ..
            } if data_type.to_string().eq_ignore_ascii_case("regclass") => expr.as_ref(),
            other => other,
        };
        match self.bind_expr(inner, scope)? {
            ScalarExpr::Literal(Value::Text(s), _) => self.lookup_sequence(&s),
            _ => Err(errors::unsupported(
                "sequence functions with a non-constant sequence name",
            )),
        }
    }

    /// `current_user`, `current_database()`, `version()` and friends: constants of the
    /// session.
    fn session_call(&self, name: &str, nargs: usize, no_parens: bool) -> Option<ScalarExpr> {
        if nargs != 0 {
            return None;
        }
        match name {
            "current_user" | "session_user" | "user" | "current_role" if no_parens => {
                self.session_function(name)
            }
            "current_database" | "current_schema" | "version" | "pg_backend_pid" if !no_parens => {
                self.session_function(name)
            }
            "current_catalog" | "current_schema" if no_parens => self.session_function(name),
            _ => None,
        }
    }

    /// The value of a session information function.
    pub(crate) fn session_function(&self, name: &str) -> Option<ScalarExpr> {
        let text = |s: String| Some(ScalarExpr::Literal(Value::Text(s), DataType::Text));
        match name {
            "current_user" | "session_user" | "user" | "current_role" => {
                text(self.ctx.user.clone())
            }
            "current_database" | "current_catalog" => text(self.ctx.database.clone()),
            "current_schema" => match self
                .ctx
                .search_path
                .iter()
                .find(|s| self.state.schema_oid(s).is_some())
            {
                Some(s) => text(s.clone()),
                None => Some(ScalarExpr::null(DataType::Text)),
            },
            "version" => text(format!(
                "PostgreSQL 15.0 (RustyDB {}) on {}, 64-bit",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::ARCH
            )),
            _ => None,
        }
    }

    /// `EXTRACT(field FROM x)`.
    pub(crate) fn bind_extract(
        &mut self,
        field: &DateTimeField,
        x: &Expr,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let f = match field {
            DateTimeField::Custom(id) => names::ident(id),
            other => other.to_string().to_lowercase(),
        };
        let v = self.bind_expr(x, scope)?;
        self.call_bound(
            "extract",
            vec![ScalarExpr::Literal(Value::Text(f), DataType::Text), v],
        )
    }

    /// `SUBSTRING(x FROM a FOR b)` / `SUBSTRING(x, a, b)`.
    pub(crate) fn bind_substring(
        &mut self,
        x: &Expr,
        from: Option<&Expr>,
        len: Option<&Expr>,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let mut args = vec![self.bind_expr(x, scope)?];
        match (from, len) {
            (Some(f), l) => {
                args.push(self.bind_expr(f, scope)?);
                if let Some(l) = l {
                    args.push(self.bind_expr(l, scope)?);
                }
            }
            (None, Some(l)) => {
                args.push(ScalarExpr::Literal(Value::Int4(1), DataType::Int4));
                args.push(self.bind_expr(l, scope)?);
            }
            (None, None) => {}
        }
        self.call_bound("substring", args)
    }

    /// `TRIM([BOTH | LEADING | TRAILING] [chars FROM] x)`.
    pub(crate) fn bind_trim(
        &mut self,
        how: Option<&TrimWhereField>,
        what: Option<&Expr>,
        x: &Expr,
        chars: Option<&[Expr]>,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let name = match how {
            Some(TrimWhereField::Leading) => "ltrim",
            Some(TrimWhereField::Trailing) => "rtrim",
            _ => "btrim",
        };
        let mut args = vec![self.bind_expr(x, scope)?];
        match (what, chars) {
            (Some(w), _) => args.push(self.bind_expr(w, scope)?),
            (None, Some([c])) => args.push(self.bind_expr(c, scope)?),
            (None, Some(_)) => {
                return Err(errors::unsupported("TRIM with several character arguments"));
            }
            (None, None) => {}
        }
        self.call_bound(name, args)
    }
}
