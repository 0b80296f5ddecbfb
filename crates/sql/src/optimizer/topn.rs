//! Top-N: a sort directly under a constant LIMIT (and OFFSET) only needs to keep the first
//! LIMIT + OFFSET rows, which the executor does with a bounded heap instead of sorting
//! everything.

use rustydb_common::DbError;

use super::{OptContext, Rule, map_children};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::Value;

/// The rule.
#[derive(Debug)]
pub struct TopN;

impl Rule for TopN {
    fn name(&self) -> &'static str {
        "top-n sort"
    }

    fn apply(&self, plan: LogicalPlan, _ctx: &OptContext<'_>) -> Result<LogicalPlan, DbError> {
        topn(plan)
    }
}

fn constant(e: &Option<ScalarExpr>) -> Option<u64> {
    match e {
        None => Some(0),
        Some(ScalarExpr::Literal(Value::Int8(n), _)) if *n >= 0 => Some(*n as u64),
        Some(ScalarExpr::Literal(Value::Int4(n), _)) if *n >= 0 => Some(*n as u64),
        _ => None,
    }
}

fn topn(plan: LogicalPlan) -> Result<LogicalPlan, DbError> {
    let plan = map_children(plan, &mut topn)?;
    match plan {
        LogicalPlan::Limit {
            input,
            limit: Some(limit),
            offset,
        } => {
            let needed = constant(&Some(limit.clone()))
                .zip(constant(&offset))
                .map(|(l, o)| l.saturating_add(o));
            let input = match (*input, needed) {
                (
                    LogicalPlan::Sort {
                        input,
                        keys,
                        limit: None,
                    },
                    Some(n),
                ) => LogicalPlan::Sort {
                    input,
                    keys,
                    limit: Some(n),
                },
                (other, _) => other,
            };
            Ok(LogicalPlan::Limit {
                input: Box::new(input),
                limit: Some(limit),
                offset,
            })
        }
        other => Ok(other),
    }
}
