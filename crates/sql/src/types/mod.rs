//! SQL types and values, with PostgreSQL's semantics.
//!
//! [`DataType`] is a column's declared type (with its modifiers, as `varchar(10)` or
//! `numeric(12,2)`); [`Value`] is one datum. Values are compared, cast, formatted and
//! parsed exactly as PostgreSQL does: the submodules hold each concern.
//!
//! Submodules: [`cast`] (casts, cast contexts, common types), [`compare`] (ordering,
//! hashing, group keys), [`ops`] (operator resolution and evaluation), [`text`] (text
//! input and output), [`datetime`] (calendar, date/time I/O, fields, intervals),
//! [`numeric`] and [`float`] (number semantics), [`json`] (jsonb), [`array`](mod@array)
//! (one-dimensional arrays), [`errors`] (the PostgreSQL errors they raise).
//!
//! Internal representations follow PostgreSQL's so that the wire protocol's binary format
//! is a direct copy: dates are days since 2000-01-01, times and timestamps microseconds
//! (timestamps since 2000-01-01 00:00, `timestamptz` in UTC), intervals months + days +
//! microseconds. NUMERIC is exact decimal arithmetic with up to 28 significant digits
//! (`rust_decimal`); wider values are refused with 22003 rather than rounded.

pub mod array;
pub mod cast;
pub mod compare;
pub mod datetime;
pub mod errors;
pub mod float;
pub mod json;
pub mod numeric;
pub mod ops;
pub mod text;

#[cfg(test)]
pub(crate) mod arbitrary;
#[cfg(test)]
pub(crate) mod golden_tests;
#[cfg(test)]
mod proptests;

use std::fmt;

use rust_decimal::Decimal;

/// A column or expression type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `boolean`.
    Bool,
    /// `smallint`.
    Int2,
    /// `integer`.
    Int4,
    /// `bigint`.
    Int8,
    /// `real`.
    Float4,
    /// `double precision`.
    Float8,
    /// `numeric(precision, scale)`; both optional.
    Numeric {
        /// Total significant digits.
        precision: Option<u32>,
        /// Digits after the point.
        scale: Option<u32>,
    },
    /// `text`.
    Text,
    /// `character varying(n)`.
    Varchar(Option<u32>),
    /// `character(n)` (blank-padded; `char` alone is `char(1)`).
    Char(Option<u32>),
    /// `bytea`.
    Bytea,
    /// `date`.
    Date,
    /// `time without time zone`.
    Time,
    /// `timestamp without time zone`.
    Timestamp,
    /// `timestamp with time zone`.
    TimestampTz,
    /// `interval`.
    Interval,
    /// `uuid`.
    Uuid,
    /// `jsonb`.
    Jsonb,
    /// The type of a quoted literal or parameter not yet resolved (PostgreSQL's
    /// `unknown`); it takes the type its context asks for.
    Unknown,
    /// A one-dimensional array of the element type (lower bound 1); see [`array`](mod@array).
    Array(Box<DataType>),
}

/// An interval: PostgreSQL keeps months, days and microseconds apart because their
/// lengths vary (a month is not 30 days, a day is not always 24 hours across DST).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    /// Months (and years, as 12 months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

/// One datum.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// `boolean`.
    Bool(bool),
    /// `smallint`.
    Int2(i16),
    /// `integer`.
    Int4(i32),
    /// `bigint`.
    Int8(i64),
    /// `real`.
    Float4(f32),
    /// `double precision`.
    Float8(f64),
    /// `numeric`.
    Numeric(Decimal),
    /// `text`, `varchar`, `char` (char values are stored blank-padded).
    Text(String),
    /// `bytea`.
    Bytea(Vec<u8>),
    /// `date`: days since 2000-01-01.
    Date(i32),
    /// `time`: microseconds since midnight.
    Time(i64),
    /// `timestamp`: microseconds since 2000-01-01 00:00:00.
    Timestamp(i64),
    /// `timestamptz`: microseconds since 2000-01-01 00:00:00 UTC.
    TimestampTz(i64),
    /// `interval`.
    Interval(Interval),
    /// `uuid`.
    Uuid([u8; 16]),
    /// `jsonb`.
    Jsonb(Box<serde_json::Value>),
    /// A one-dimensional array (lower bound 1); elements may be NULL.
    Array(Box<Vec<Value>>),
}

impl Value {
    /// Whether this is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl DataType {
    /// The type's name as PostgreSQL's `format_type` prints it (`integer`,
    /// `character varying(10)`, `numeric(12,2)`, `timestamp with time zone`).
    pub fn sql_name(&self) -> String {
        match self {
            DataType::Bool => "boolean".into(),
            DataType::Int2 => "smallint".into(),
            DataType::Int4 => "integer".into(),
            DataType::Int8 => "bigint".into(),
            DataType::Float4 => "real".into(),
            DataType::Float8 => "double precision".into(),
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => {
                format!("numeric({p},{})", scale.unwrap_or(0))
            }
            DataType::Numeric { .. } => "numeric".into(),
            DataType::Text => "text".into(),
            DataType::Varchar(Some(n)) => format!("character varying({n})"),
            DataType::Varchar(None) => "character varying".into(),
            DataType::Char(n) => format!("character({})", n.unwrap_or(1)),
            DataType::Bytea => "bytea".into(),
            DataType::Date => "date".into(),
            DataType::Time => "time without time zone".into(),
            DataType::Timestamp => "timestamp without time zone".into(),
            DataType::TimestampTz => "timestamp with time zone".into(),
            DataType::Interval => "interval".into(),
            DataType::Uuid => "uuid".into(),
            DataType::Jsonb => "jsonb".into(),
            DataType::Unknown => "unknown".into(),
            DataType::Array(elem) => format!("{}[]", elem.sql_name()),
        }
    }

    /// PostgreSQL's type OID (what the wire protocol and `pg_type` use).
    pub fn oid(&self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::Int8 => 20,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Text => 25,
            DataType::Jsonb => 3802,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Char(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timestamp => 1114,
            DataType::TimestampTz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric { .. } => 1700,
            DataType::Uuid => 2950,
            DataType::Unknown => 705,
            DataType::Array(elem) => array::array_type_oid(elem),
        }
    }

    /// PostgreSQL's `typlen`: the fixed size in bytes, -1 for variable-length types, -2
    /// for `unknown` (a C string). `pg_type` and the wire protocol's RowDescription use it.
    pub fn type_len(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::Int2 => 2,
            DataType::Int4 | DataType::Float4 | DataType::Date => 4,
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::TimestampTz => 8,
            DataType::Interval | DataType::Uuid => 16,
            DataType::Unknown => -2,
            DataType::Numeric { .. }
            | DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Bytea
            | DataType::Jsonb
            | DataType::Array(_) => -1,
        }
    }

    /// PostgreSQL's type modifier (`atttypmod`, RowDescription's modifier): -1 for none.
    pub fn typmod(&self) -> i32 {
        let plus4 = |n: u32| i32::try_from(n).map_or(-1, |n| n.saturating_add(4));
        match self {
            DataType::Varchar(Some(n)) => plus4(*n),
            DataType::Char(n) => plus4(n.unwrap_or(1)),
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => plus4((p << 16) | scale.unwrap_or(0)),
            _ => -1,
        }
    }

    /// Whether values of this type are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::Int2
                | DataType::Int4
                | DataType::Int8
                | DataType::Float4
                | DataType::Float8
                | DataType::Numeric { .. }
        )
    }

    /// Whether values of this type are character strings.
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown
        )
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql_name())
    }
}
