//! Aggregate functions as the planner knows them: names, argument checks and result
//! types, following PostgreSQL (`sum(int4)` is `bigint`, `sum(int8)` and `avg` of
//! integers are `numeric`, `count` is `bigint`, ...). Their accumulators are in the
//! executor.

use std::fmt;

use crate::types::DataType;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    /// `count(*)`.
    CountStar,
    /// `count(expr)`: non-NULL inputs.
    Count,
    /// `sum`.
    Sum,
    /// `avg`.
    Avg,
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `string_agg(text, delimiter)`.
    StringAgg,
    /// `bool_and` (also `every`).
    BoolAnd,
    /// `bool_or`.
    BoolOr,
    /// `stddev_samp` (also `stddev`).
    StddevSamp,
    /// `stddev_pop`.
    StddevPop,
    /// `var_samp` (also `variance`).
    VarSamp,
    /// `var_pop`.
    VarPop,
}

impl AggregateFunction {
    /// The aggregate called `name`, if `name` is one.
    pub fn by_name(name: &str) -> Option<AggregateFunction> {
        use AggregateFunction as A;
        Some(match name {
            "count" => A::Count,
            "sum" => A::Sum,
            "avg" => A::Avg,
            "min" => A::Min,
            "max" => A::Max,
            "string_agg" => A::StringAgg,
            "bool_and" | "every" => A::BoolAnd,
            "bool_or" => A::BoolOr,
            "stddev" | "stddev_samp" => A::StddevSamp,
            "stddev_pop" => A::StddevPop,
            "variance" | "var_samp" => A::VarSamp,
            "var_pop" => A::VarPop,
            _ => return None,
        })
    }

    /// The SQL name.
    pub fn name(self) -> &'static str {
        use AggregateFunction as A;
        match self {
            A::CountStar | A::Count => "count",
            A::Sum => "sum",
            A::Avg => "avg",
            A::Min => "min",
            A::Max => "max",
            A::StringAgg => "string_agg",
            A::BoolAnd => "bool_and",
            A::BoolOr => "bool_or",
            A::StddevSamp => "stddev_samp",
            A::StddevPop => "stddev_pop",
            A::VarSamp => "var_samp",
            A::VarPop => "var_pop",
        }
    }

    /// The result type for arguments of types `args`, or `None` if PostgreSQL has no
    /// such aggregate (the binder reports 42883).
    pub fn result_type(self, args: &[DataType]) -> Option<DataType> {
        use AggregateFunction as A;
        use DataType as T;
        let numeric = T::Numeric {
            precision: None,
            scale: None,
        };
        let first = args.first();
        Some(match (self, first) {
            (A::CountStar, _) => T::Int8,
            (A::Count, Some(_)) => T::Int8,
            (A::Sum, Some(T::Int2 | T::Int4)) => T::Int8,
            (A::Sum, Some(T::Int8 | T::Numeric { .. } | T::Unknown)) => numeric,
            (A::Sum, Some(T::Float4)) => T::Float4,
            (A::Sum, Some(T::Float8)) => T::Float8,
            (A::Sum, Some(T::Interval)) => T::Interval,
            (A::Avg, Some(T::Int2 | T::Int4 | T::Int8 | T::Numeric { .. } | T::Unknown)) => numeric,
            (A::Avg, Some(T::Float4 | T::Float8)) => T::Float8,
            (A::Avg, Some(T::Interval)) => T::Interval,
            (A::Min | A::Max, Some(T::Unknown)) => T::Text,
            (A::Min | A::Max, Some(t)) if !matches!(t, T::Jsonb) => t.clone(),
            (A::StringAgg, Some(t)) if t.is_string() && args.len() == 2 => T::Text,
            (A::StringAgg, Some(T::Bytea)) if args.len() == 2 => T::Bytea,
            (A::BoolAnd | A::BoolOr, Some(T::Bool | T::Unknown)) => T::Bool,
            (A::StddevSamp | A::StddevPop | A::VarSamp | A::VarPop, Some(t)) if t.is_numeric() => {
                if matches!(t, T::Float4 | T::Float8) {
                    T::Float8
                } else {
                    numeric
                }
            }
            _ => return None,
        })
    }

    /// The type arguments are cast to before accumulating (integers are summed as
    /// their result type, so `sum(int4)` cannot overflow before the result does).
    pub fn argument_type(self, arg: &DataType) -> DataType {
        use AggregateFunction as A;
        match (self, arg) {
            (A::Min | A::Max, DataType::Unknown) => DataType::Text,
            (A::StringAgg, t) if t.is_string() => DataType::Text,
            (A::BoolAnd | A::BoolOr, _) => DataType::Bool,
            (_, t) => t.clone(),
        }
    }
}

impl fmt::Display for AggregateFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_types_follow_postgres() {
        use AggregateFunction as A;
        let num = DataType::Numeric {
            precision: None,
            scale: None,
        };
        assert_eq!(A::Sum.result_type(&[DataType::Int4]), Some(DataType::Int8));
        assert_eq!(A::Sum.result_type(&[DataType::Int8]), Some(num.clone()));
        assert_eq!(A::Avg.result_type(&[DataType::Int4]), Some(num));
        assert_eq!(
            A::Avg.result_type(&[DataType::Float4]),
            Some(DataType::Float8)
        );
        assert_eq!(A::CountStar.result_type(&[]), Some(DataType::Int8));
        assert_eq!(A::Max.result_type(&[DataType::Date]), Some(DataType::Date));
        assert_eq!(A::Sum.result_type(&[DataType::Text]), None);
        assert_eq!(AggregateFunction::by_name("every"), Some(A::BoolAnd));
    }
}
