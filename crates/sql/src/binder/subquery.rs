//! Subqueries in expressions: scalar, EXISTS, IN and quantified (ANY/ALL). Each is bound
//! as a new query level whose enclosing level is the current scope; a reference to an
//! enclosing column makes it correlated.

use std::sync::Arc;

use rustydb_common::DbError;
use sqlparser::ast::{Expr, Query};

use super::errors;
use super::expr::Coercion;
use super::query::Binder;
use super::scope::Scope;
use crate::plan::expr::{ScalarExpr, Subquery, SubqueryKind};
use crate::plan::logical::LogicalPlan;
use crate::types::DataType;
use crate::types::ops::BinaryOp;

impl Binder<'_> {
    /// Binds `q` as a subquery of the level whose scope is `scope`.
    fn bind_subquery_plan(
        &mut self,
        q: &Query,
        scope: &Scope,
    ) -> Result<(LogicalPlan, bool), DbError> {
        self.in_subquery(scope, |b| b.bind_query(q, true))
    }

    /// `(SELECT ..)` as a value: one column.
    pub(crate) fn bind_scalar_subquery(
        &mut self,
        q: &Query,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let (plan, correlated) = self.bind_subquery_plan(q, scope)?;
        let schema = plan.schema();
        if schema.len() != 1 {
            return Err(errors::syntax("subquery must return only one column"));
        }
        let ty = schema[0].ty.clone();
        Ok(ScalarExpr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::Scalar,
            plan: Arc::new(plan),
            correlated,
            ty,
        })))
    }

    /// `ARRAY(SELECT ..)`: one column, collected into an array of its type.
    pub(crate) fn bind_array_subquery(
        &mut self,
        q: &Query,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let (plan, correlated) = self.bind_subquery_plan(q, scope)?;
        let schema = plan.schema();
        if schema.len() != 1 {
            return Err(errors::syntax("subquery must return only one column"));
        }
        let elem = match &schema[0].ty {
            DataType::Unknown => DataType::Text,
            DataType::Array(_) => {
                return Err(crate::types::array::unsupported(
                    "ARRAY(subquery) over an array column (multidimensional arrays)",
                ));
            }
            t => t.clone(),
        };
        Ok(ScalarExpr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::Array,
            plan: Arc::new(plan),
            correlated,
            ty: DataType::Array(Box::new(elem)),
        })))
    }

    /// `[NOT] EXISTS (SELECT ..)`.
    pub(crate) fn bind_exists(
        &mut self,
        q: &Query,
        negated: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let (plan, correlated) = self.bind_subquery_plan(q, scope)?;
        Ok(ScalarExpr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::Exists { negated },
            plan: Arc::new(plan),
            correlated,
            ty: DataType::Bool,
        })))
    }

    /// `x [NOT] IN (SELECT ..)`: the probe and the column meet at their `=` operator's
    /// types.
    pub(crate) fn bind_in_subquery(
        &mut self,
        x: &Expr,
        q: &Query,
        negated: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let probe = self.bind_expr(x, scope)?;
        let (plan, correlated) = self.bind_subquery_plan(q, scope)?;
        let (probe, plan) = self.match_subquery_column(BinaryOp::Eq, probe, plan)?;
        Ok(ScalarExpr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::In {
                expr: Box::new(probe),
                negated,
            },
            plan: Arc::new(plan),
            correlated,
            ty: DataType::Bool,
        })))
    }

    /// `x op ANY/ALL (SELECT ..)`.
    pub(crate) fn bind_quantified_subquery(
        &mut self,
        x: &Expr,
        op: BinaryOp,
        q: &Query,
        all: bool,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        let probe = self.bind_expr(x, scope)?;
        let (plan, correlated) = self.bind_subquery_plan(q, scope)?;
        let (probe, plan) = self.match_subquery_column(op, probe, plan)?;
        Ok(ScalarExpr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::Quantified {
                expr: Box::new(probe),
                op,
                all,
            },
            plan: Arc::new(plan),
            correlated,
            ty: DataType::Bool,
        })))
    }

    /// Resolves `probe op column` and casts both sides (the column through a Project
    /// over the subquery) to the operator's argument types.
    fn match_subquery_column(
        &mut self,
        op: BinaryOp,
        probe: ScalarExpr,
        plan: LogicalPlan,
    ) -> Result<(ScalarExpr, LogicalPlan), DbError> {
        let schema = plan.schema();
        if schema.len() != 1 {
            return Err(errors::syntax(if schema.len() > 1 {
                "subquery has too many columns"
            } else {
                "subquery has too few columns"
            }));
        }
        let sig = super::expr_ops::resolve(op, &probe.ty(), &schema[0].ty)?;
        let probe = self.coerce_or_fail(probe, &sig.left, Coercion::Explicit)?;
        let plan = self.coerce_outputs_kind(plan, &[sig.right], Coercion::Explicit)?;
        Ok((probe, plan))
    }
}
