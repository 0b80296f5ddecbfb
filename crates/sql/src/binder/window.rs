//! Window calls: `f(..) OVER (PARTITION BY .. ORDER BY .. frame)` and named windows
//! (`WINDOW w AS (..)`, `OVER w`, `OVER (w ORDER BY ..)`), bound into the query level's
//! window list with PostgreSQL's types and frame rules.

use rustydb_common::DbError;
use sqlparser::ast::{
    self, FunctionArgExpr, WindowFrameBound, WindowFrameUnits, WindowSpec, WindowType,
};

use super::aggregate::{WIN_BASE, call_args};
use super::errors;
use super::expr::Coercion;
use super::names;
use super::query::{Binder, Clause};
use super::scope::Scope;
use crate::plan::aggregate::AggregateFunction;
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::{FrameBound, FrameUnits, WindowCall, WindowFunction};
use crate::types::{DataType, Value};

/// The window calls of one query level.
#[derive(Debug, Default)]
pub(crate) struct WinCollector {
    /// Distinct calls, in order of appearance.
    pub(crate) calls: Vec<WindowCall>,
    keys: Vec<String>,
    /// Binding a window call's parts (a nested window call is an error).
    inside: bool,
    /// `WINDOW name AS (..)` definitions of the level.
    pub(crate) named: Vec<(String, WindowSpec)>,
}

/// The ranking and value functions that exist only as window functions.
pub(crate) fn window_only(name: &str) -> Option<WindowFunction> {
    Some(match name {
        "row_number" => WindowFunction::RowNumber,
        "rank" => WindowFunction::Rank,
        "dense_rank" => WindowFunction::DenseRank,
        "percent_rank" => WindowFunction::PercentRank,
        "cume_dist" => WindowFunction::CumeDist,
        "ntile" => WindowFunction::Ntile,
        "lag" => WindowFunction::Lag,
        "lead" => WindowFunction::Lead,
        "first_value" => WindowFunction::FirstValue,
        "last_value" => WindowFunction::LastValue,
        "nth_value" => WindowFunction::NthValue,
        _ => return None,
    })
}

impl Binder<'_> {
    /// Binds `f(..) OVER ..` and returns its placeholder.
    pub(crate) fn bind_window_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        over: &WindowType,
        scope: &Scope,
    ) -> Result<ScalarExpr, DbError> {
        if !matches!(self.clause, Clause::Select | Clause::OrderBy) {
            return Err(errors::windowing(format!(
                "window functions are not allowed in {}",
                self.clause.name()
            )));
        }
        if self.level.win.inside {
            return Err(errors::windowing("window function calls cannot be nested"));
        }
        if self.level.agg.inside {
            return Err(errors::grouping(
                "aggregate function calls cannot contain window function calls",
            ));
        }
        self.level.win.inside = true;
        let r = self.bind_window_parts(name, f, over, scope);
        self.level.win.inside = false;
        let call = r?;
        let key = format!("{call:?}");
        let ty = call.ty.clone();
        let k = match self.level.win.keys.iter().position(|x| *x == key) {
            Some(k) => k,
            None => {
                self.level.win.keys.push(key);
                self.level.win.calls.push(call);
                self.level.win.calls.len() - 1
            }
        };
        Ok(ScalarExpr::Column {
            index: WIN_BASE + k,
            ty,
        })
    }

    fn bind_window_parts(
        &mut self,
        name: &str,
        f: &ast::Function,
        over: &WindowType,
        scope: &Scope,
    ) -> Result<WindowCall, DbError> {
        let ca = call_args(f)?;
        if ca.distinct {
            return Err(errors::feature(
                "DISTINCT is not implemented for window functions",
            ));
        }
        if f.filter.is_some() {
            return Err(errors::unsupported("FILTER in window function calls"));
        }
        if !ca.order_by.is_empty() {
            return Err(errors::unsupported(
                "ORDER BY inside window function arguments",
            ));
        }
        let star = matches!(ca.args.as_slice(), [FunctionArgExpr::Wildcard]);
        let mut args = Vec::new();
        if !star {
            // Arguments are evaluated per row of the window's input: aggregates of the
            // level may appear (they are computed below the Window node).
            let saved = std::mem::replace(&mut self.clause, Clause::Window);
            for a in &ca.args {
                let r = match a {
                    FunctionArgExpr::Expr(e) => self.bind_expr(e, scope),
                    _ => Err(errors::syntax("syntax error at or near \"*\"")),
                };
                match r {
                    Ok(x) => args.push(x),
                    Err(e) => {
                        self.clause = saved;
                        return Err(e);
                    }
                }
            }
            self.clause = saved;
        }
        let (func, args, ty) = self.window_function(name, star, args)?;
        let spec = self.resolve_window(over)?;
        let saved = std::mem::replace(&mut self.clause, Clause::Window);
        let r = self.bind_window_spec(&spec, scope);
        self.clause = saved;
        let (partition_by, order_by, frame) = r?;
        Ok(WindowCall {
            func,
            args,
            partition_by,
            order_by,
            frame,
            ty,
        })
    }

    /// The function, its (cast) arguments and result type.
    fn window_function(
        &mut self,
        name: &str,
        star: bool,
        args: Vec<ScalarExpr>,
    ) -> Result<(WindowFunction, Vec<ScalarExpr>, DataType), DbError> {
        let types: Vec<DataType> = args.iter().map(ScalarExpr::ty).collect();
        let signature = format!(
            "{name}({})",
            types
                .iter()
                .map(DataType::sql_name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let undefined = || super::expr_call::undefined_function(&signature);
        if let Some(agg) = AggregateFunction::by_name(name) {
            let agg = if star && agg == AggregateFunction::Count {
                AggregateFunction::CountStar
            } else {
                agg
            };
            let ok = match agg {
                AggregateFunction::CountStar => true,
                AggregateFunction::StringAgg => args.len() == 2,
                _ => args.len() == 1,
            };
            let ty = if ok { agg.result_type(&types) } else { None }
                .map(super::aggregate::without_typmod)
                .ok_or_else(undefined)?;
            let mut cast = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                let want = if agg == AggregateFunction::StringAgg && i == 1 {
                    DataType::Text
                } else {
                    agg.argument_type(&a.ty())
                };
                cast.push(self.coerce_or_fail(a, &want, Coercion::Implicit)?);
            }
            return Ok((WindowFunction::Aggregate(agg), cast, ty));
        }
        let func = window_only(name).ok_or_else(undefined)?;
        if star {
            return Err(undefined());
        }
        let int = DataType::Int4;
        let mut it = args.into_iter();
        let mut next = || it.next().expect("arity checked");
        let (args, ty) = match (&func, types.len()) {
            (WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank, 0) => {
                (vec![], DataType::Int8)
            }
            (WindowFunction::PercentRank | WindowFunction::CumeDist, 0) => {
                (vec![], DataType::Float8)
            }
            (WindowFunction::Ntile, 1) => (
                vec![self.coerce_or_fail(next(), &int, Coercion::Explicit)?],
                DataType::Int4,
            ),
            (WindowFunction::FirstValue | WindowFunction::LastValue, 1) => {
                let v = self.resolve_unknown(next())?;
                let ty = v.ty();
                (vec![v], super::aggregate::without_typmod(ty))
            }
            (WindowFunction::NthValue, 2) => {
                let v = self.resolve_unknown(next())?;
                let n = self.coerce_or_fail(next(), &int, Coercion::Explicit)?;
                let ty = v.ty();
                (vec![v, n], super::aggregate::without_typmod(ty))
            }
            (WindowFunction::Lag | WindowFunction::Lead, n @ 1..=3) => {
                // Polymorphic results carry no type modifier, as in PostgreSQL.
                let mut ty = super::aggregate::without_typmod(types[0].clone());
                if n == 3 {
                    ty = self.common_type(&[ty, types[2].clone()], name)?;
                }
                if ty == DataType::Unknown {
                    ty = DataType::Text;
                }
                let mut out = vec![self.coerce_or_fail(next(), &ty, Coercion::Implicit)?];
                if n >= 2 {
                    out.push(self.coerce_or_fail(next(), &int, Coercion::Explicit)?);
                }
                if n == 3 {
                    out.push(self.coerce_or_fail(next(), &ty, Coercion::Implicit)?);
                }
                (out, ty)
            }
            _ => return Err(undefined()),
        };
        Ok((func, args, ty))
    }

    /// Resolves `OVER w` / `OVER (w ...)` against the level's named windows.
    fn resolve_window(&self, over: &WindowType) -> Result<WindowSpec, DbError> {
        let lookup = |id: &ast::Ident| -> Result<WindowSpec, DbError> {
            let n = names::ident(id);
            self.level
                .win
                .named
                .iter()
                .find(|(w, _)| *w == n)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| errors::undefined_object("window", &n))
        };
        match over {
            WindowType::NamedWindow(id) => lookup(id),
            WindowType::WindowSpec(spec) => match &spec.window_name {
                None => Ok(spec.clone()),
                Some(id) => {
                    let base = lookup(id)?;
                    let n = names::ident(id);
                    if !spec.partition_by.is_empty() {
                        return Err(errors::windowing(format!(
                            "cannot override PARTITION BY clause of window \"{n}\""
                        )));
                    }
                    if !spec.order_by.is_empty() && !base.order_by.is_empty() {
                        return Err(errors::windowing(format!(
                            "cannot override ORDER BY clause of window \"{n}\""
                        )));
                    }
                    if base.window_frame.is_some() {
                        return Err(errors::windowing(format!(
                            "cannot copy window \"{n}\" because it has a frame clause"
                        )));
                    }
                    Ok(WindowSpec {
                        window_name: None,
                        partition_by: base.partition_by,
                        order_by: if spec.order_by.is_empty() {
                            base.order_by
                        } else {
                            spec.order_by.clone()
                        },
                        window_frame: spec.window_frame.clone(),
                    })
                }
            },
        }
    }

    /// PARTITION BY, ORDER BY and the frame of a window.
    #[allow(clippy::type_complexity)]
    fn bind_window_spec(
        &mut self,
        spec: &WindowSpec,
        scope: &Scope,
    ) -> Result<
        (
            Vec<ScalarExpr>,
            Vec<crate::plan::logical::SortKey>,
            (FrameUnits, FrameBound, FrameBound),
        ),
        DbError,
    > {
        let mut partition_by = Vec::new();
        for p in &spec.partition_by {
            let e = self.bind_expr(p, scope)?;
            partition_by.push(self.resolve_unknown(e)?);
        }
        let mut order_by = Vec::new();
        for o in &spec.order_by {
            order_by.push(self.bind_sort_key(o, scope)?);
        }
        let frame = match &spec.window_frame {
            None => (
                FrameUnits::Range,
                FrameBound::UnboundedPreceding,
                FrameBound::CurrentRow,
            ),
            Some(fr) => {
                let units = match fr.units {
                    WindowFrameUnits::Rows => FrameUnits::Rows,
                    WindowFrameUnits::Range => FrameUnits::Range,
                    WindowFrameUnits::Groups => return Err(errors::unsupported("GROUPS frames")),
                };
                let with_offset = |b: &WindowFrameBound| {
                    matches!(
                        b,
                        WindowFrameBound::Preceding(Some(_)) | WindowFrameBound::Following(Some(_))
                    )
                };
                if let ([key], FrameUnits::Range) = (order_by.as_slice(), units)
                    && (with_offset(&fr.start_bound)
                        || fr.end_bound.as_ref().is_some_and(with_offset))
                {
                    range_offset_key(&key.expr.ty())?;
                }
                let start =
                    self.frame_bound(&fr.start_bound, units, order_by.len(), true, scope)?;
                let end = match &fr.end_bound {
                    Some(b) => self.frame_bound(b, units, order_by.len(), false, scope)?,
                    None => FrameBound::CurrentRow,
                };
                if matches!(start, FrameBound::UnboundedFollowing) {
                    return Err(errors::windowing(
                        "frame start cannot be UNBOUNDED FOLLOWING",
                    ));
                }
                if matches!(end, FrameBound::UnboundedPreceding) {
                    return Err(errors::windowing("frame end cannot be UNBOUNDED PRECEDING"));
                }
                (units, start, end)
            }
        };
        Ok((partition_by, order_by, frame))
    }

    fn frame_bound(
        &mut self,
        b: &WindowFrameBound,
        units: FrameUnits,
        order_keys: usize,
        start: bool,
        scope: &Scope,
    ) -> Result<FrameBound, DbError> {
        let offset = match b {
            WindowFrameBound::CurrentRow => return Ok(FrameBound::CurrentRow),
            WindowFrameBound::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
            WindowFrameBound::Following(None) => return Ok(FrameBound::UnboundedFollowing),
            WindowFrameBound::Preceding(Some(e)) | WindowFrameBound::Following(Some(e)) => e,
        };
        if units == FrameUnits::Range && order_keys != 1 {
            return Err(errors::windowing(
                "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
            ));
        }
        let bound = self.bind_expr(offset, scope)?;
        if !bound.is_constant() {
            return Err(errors::invalid_column_reference(
                "argument of ROWS must not contain variables",
            ));
        }
        let bound = if bound.ty() == DataType::Unknown {
            self.coerce_or_fail(bound, &DataType::Int8, Coercion::Implicit)?
        } else {
            bound
        };
        let n = match bound {
            ScalarExpr::Literal(Value::Int8(n), _) => n,
            ScalarExpr::Literal(Value::Int4(n), _) => i64::from(n),
            ScalarExpr::Literal(Value::Int2(n), _) => i64::from(n),
            _ => return Err(errors::unsupported("a computed frame offset")),
        };
        if n < 0 {
            let which = if start { "starting" } else { "ending" };
            return Err(crate::types::errors::data(
                "22013",
                format!("frame {which} offset must not be negative"),
            ));
        }
        let n = n as u64;
        Ok(if matches!(b, WindowFrameBound::Preceding(_)) {
            FrameBound::Preceding(n)
        } else {
            FrameBound::Following(n)
        })
    }
}

/// Whether a RANGE frame with an offset can order by a key of type `ty`: numbers can
/// (RustyDB runs those); PostgreSQL also has date/time keys with interval offsets, which
/// RustyDB does not; other types have no such frames in PostgreSQL either.
fn range_offset_key(ty: &DataType) -> Result<(), DbError> {
    match ty {
        t if t.is_numeric() => Ok(()),
        DataType::Date
        | DataType::Time
        | DataType::Timestamp
        | DataType::TimestampTz
        | DataType::Interval => Err(errors::unsupported(
            "RANGE with offset PRECEDING/FOLLOWING over date and time columns",
        )),
        other => {
            // PostgreSQL names the type of the key's sort operator family: varchar
            // sorts as text.
            let name = match other {
                DataType::Char(_) => "character".to_string(),
                DataType::Varchar(_) => "text".to_string(),
                t => t.sql_name(),
            };
            Err(errors::feature(format!(
                "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {name}"
            )))
        }
    }
}
