//! Array expressions: `ARRAY[...]`, subscripts `a[i]` and `x op ANY/ALL (array)`.
//!
//! They bind to the polymorphic functions of [`crate::functions::array`], with the
//! element type unified as PostgreSQL does: `ARRAY[...]` takes the common type of its
//! elements (all-unknown elements are text), ANY/ALL the common type of the probe and
//! the array's element type (an untyped array literal takes the probe's type).
//! Multidimensional forms (`ARRAY[ARRAY[1]]`, `a[1][2]`, slices `a[1:2]`) are 0A000.

use rustydb_common::{DbError, ErrorCode};
use sqlparser::ast::{AccessExpr, Expr, Subscript};

use super::expr::Coercion;
use super::query::Binder;
use super::scope::Scope;
use crate::functions::array as arrayfn;
use crate::plan::expr::ScalarExpr;
use crate::types::DataType;
use crate::types::array::unsupported;
use crate::types::ops::BinaryOp;

impl Binder<'_> {
    /// `ARRAY[e1, e2, ...]`.
    pub(crate) fn bind_array_constructor(
        &mut self,
        elems: &[Expr],
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if elems.is_empty() {
            return Err(DbError::new(
                ErrorCode::DatatypeMismatch,
                "cannot determine type of empty array",
            )
            .with_sqlstate("42P18")
            .with_hint("Use '{}' cast to the array type, for example '{}'::integer[]."));
        }
        let mut bound = Vec::with_capacity(elems.len());
        for e in elems {
            bound.push(self.bind_expr(e, scope)?);
        }
        let types: Vec<DataType> = bound.iter().map(ScalarExpr::ty).collect();
        if types.iter().any(|t| matches!(t, DataType::Array(_))) {
            return Err(unsupported("multidimensional arrays"));
        }
        let elem = match self.common_type(&types, "ARRAY")? {
            DataType::Unknown => DataType::Text,
            t => t,
        };
        let mut args = Vec::with_capacity(bound.len());
        for b in bound {
            args.push(self.coerce_or_fail(b, &elem, Coercion::Implicit)?);
        }
        Ok(ScalarExpr::Function {
            func: arrayfn::constructor(&elem, args.len()),
            args,
        })
    }

    /// `root[i]`: one index into a one-dimensional array.
    pub(crate) fn bind_subscript(
        &mut self,
        root: &Expr,
        chain: &[AccessExpr],
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let index = match chain {
            [AccessExpr::Subscript(Subscript::Index { index })] => index,
            [AccessExpr::Subscript(Subscript::Slice { .. })] => {
                return Err(unsupported("array slices"));
            }
            [AccessExpr::Subscript(_), AccessExpr::Subscript(_), ..] => {
                return Err(unsupported("subscripts of multidimensional arrays"));
            }
            _ => return Err(super::errors::unsupported("field access")),
        };
        let arr = self.bind_expr(root, scope)?;
        let arr_ty = arr.ty();
        if !matches!(arr_ty, DataType::Array(_)) {
            return Err(DbError::new(
                ErrorCode::DatatypeMismatch,
                format!(
                    "cannot subscript type {} because it does not support subscripting",
                    arr_ty.sql_name()
                ),
            )
            .with_sqlstate("42804")
            .with_hint("Only arrays can be subscripted."));
        }
        let i = self.bind_expr(index, scope)?;
        let i = self.coerce_or_fail(i, &DataType::Int4, Coercion::Implicit)?;
        Ok(ScalarExpr::Function {
            func: arrayfn::subscript(&arr_ty),
            args: vec![arr, i],
        })
    }

    /// `probe op ANY/ALL (array expression)`.
    pub(crate) fn bind_quantified_array(
        &mut self,
        probe: &Expr,
        op: BinaryOp,
        array: &Expr,
        all: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let probe = self.bind_expr(probe, scope)?;
        let arr = self.bind_expr(array, scope)?;
        let elem = match (arr.ty(), probe.ty()) {
            (DataType::Array(e), p) => self.common_type(&[p, *e], "ANY/ALL")?,
            (DataType::Unknown, DataType::Unknown) => DataType::Text,
            (DataType::Unknown, p) => p,
            (other, _) => {
                return Err(DbError::new(
                    ErrorCode::DatatypeMismatch,
                    format!(
                        "op ANY/ALL (array) requires array on right side, not {}",
                        other.sql_name()
                    ),
                )
                .with_sqlstate("42809")
                .with_hint("Use ANY (SELECT ...) for a subquery, or pass an array."));
            }
        };
        let elem = if elem == DataType::Unknown {
            DataType::Text
        } else {
            elem
        };
        let Some(func) = arrayfn::quantified(op, all, &elem) else {
            return Err(unsupported(
                "ANY/ALL over arrays with operators other than comparisons",
            ));
        };
        let probe = self.coerce_or_fail(probe, &elem, Coercion::Implicit)?;
        let arr = self.coerce_or_fail(arr, &DataType::Array(Box::new(elem)), Coercion::Implicit)?;
        Ok(ScalarExpr::Function {
            func,
            args: vec![probe, arr],
        })
    }
}
