//! Comparison and hashing of values with PostgreSQL's semantics.
//!
//! * [`compare`]: SQL comparison; `None` when either side is NULL (or the types cannot be
//!   compared). Numbers compare across types (integers and numeric exactly; against a
//!   float, as double precision, which is what PostgreSQL's implicit casts do); floats order
//!   `-Infinity < ... < -0 = 0 < ... < Infinity < NaN` with `NaN = NaN`; text compares
//!   bytewise (C collation); dates compare with timestamps; intervals by their 30-day-month
//!   span; jsonb by PostgreSQL's jsonb ordering.
//! * [`compare_typed`]: the same, knowing the static type, for `char(n)` which ignores
//!   trailing blanks.
//! * [`sort_cmp`]: a total order for ORDER BY, sort and merge: NULL is larger than every
//!   value (PostgreSQL's default NULLS LAST ascending; callers reverse for DESC or
//!   NULLS FIRST). Values of types that cannot be compared order by a fixed type rank, so
//!   the order stays total.
//! * [`hash_value`]: hashing consistent with equality under [`compare`] for GROUP BY,
//!   DISTINCT and hash joins. Guarantee: equal values hash alike when they have the same
//!   type, and across types for all integer widths, numeric, and integral floats
//!   (`1::int2`, `1::int8`, `1.0::numeric`, `1::float8` hash alike), and for dates and
//!   timestamps. A non-integral numeric and a float that compare equal need not hash
//!   alike: cast both to one type first, as PostgreSQL's planner does.
//! * [`GroupKey`]: a `Vec<Value>` usable as a hash-map key, where NULLs group together.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::cast::bpchar_trim;
use super::datetime::interval::{compare_intervals, interval_span};
use super::datetime::{
    DATE_INFINITY, DATE_NEG_INFINITY, TS_INFINITY, TS_NEG_INFINITY, USECS_PER_DAY,
};
use super::json::{compare_jsonb, hash_jsonb};
use super::numeric;
use super::{DataType, Value};

/// Orders floats as PostgreSQL: NaN equals NaN and is above everything.
pub fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// A number in the widest form two numbers can be compared in.
enum Num {
    Int(i64),
    Dec(Decimal),
    Float(f64),
}

fn as_num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Int2(i) => Num::Int(i64::from(*i)),
        Value::Int4(i) => Num::Int(i64::from(*i)),
        Value::Int8(i) => Num::Int(*i),
        Value::Numeric(d) => Num::Dec(*d),
        Value::Float4(f) => Num::Float(f64::from(*f)),
        Value::Float8(f) => Num::Float(*f),
        _ => return None,
    })
}

fn num_cmp(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Int(x), Num::Dec(y)) => Decimal::from(x).cmp(&y),
        (Num::Dec(x), Num::Int(y)) => x.cmp(&Decimal::from(y)),
        (Num::Dec(x), Num::Dec(y)) => x.cmp(&y),
        (Num::Float(x), Num::Float(y)) => float_cmp(x, y),
        (Num::Float(x), Num::Int(y)) => float_cmp(x, y as f64),
        (Num::Int(x), Num::Float(y)) => float_cmp(x as f64, y),
        (Num::Float(x), Num::Dec(y)) => float_cmp(x, numeric::to_f64(&y)),
        (Num::Dec(x), Num::Float(y)) => float_cmp(numeric::to_f64(&x), y),
    }
}

/// A date as a timestamp for comparing with timestamps (infinities kept).
fn date_as_ts(d: i32) -> i128 {
    match d {
        DATE_INFINITY => i128::from(TS_INFINITY),
        DATE_NEG_INFINITY => i128::from(TS_NEG_INFINITY),
        _ => i128::from(d) * i128::from(USECS_PER_DAY),
    }
}

fn as_instant(v: &Value) -> Option<i128> {
    match v {
        Value::Date(d) => Some(date_as_ts(*d)),
        Value::Timestamp(t) | Value::TimestampTz(t) => Some(i128::from(*t)),
        _ => None,
    }
}

/// SQL comparison; `None` if either side is NULL or the types are not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value as V;
    Some(match (a, b) {
        (V::Null, _) | (_, V::Null) => return None,
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::Text(x), V::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Bytea(x), V::Bytea(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::Time(x), V::Time(y)) => x.cmp(y),
        (V::Interval(x), V::Interval(y)) => compare_intervals(x, y),
        (V::Uuid(x), V::Uuid(y)) => x.cmp(y),
        (V::Jsonb(x), V::Jsonb(y)) => compare_jsonb(x, y),
        (V::Array(x), V::Array(y)) => super::array::compare_arrays(x, y, sort_cmp),
        _ => {
            if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
                num_cmp(x, y)
            } else if let (Some(x), Some(y)) = (as_instant(a), as_instant(b)) {
                x.cmp(&y)
            } else {
                return None;
            }
        }
    })
}

/// `bpchar` comparison: trailing blanks do not count.
pub fn compare_bpchar(a: &str, b: &str) -> Ordering {
    bpchar_trim(a).as_bytes().cmp(bpchar_trim(b).as_bytes())
}

/// [`compare`] knowing the operands' static type (`char(n)` ignores trailing blanks).
pub fn compare_typed(a: &Value, b: &Value, ty: &DataType) -> Option<Ordering> {
    match (a, b, ty) {
        (Value::Text(x), Value::Text(y), DataType::Char(_)) => Some(compare_bpchar(x, y)),
        _ => compare(a, b),
    }
}

/// A fixed rank per kind of value, to keep [`sort_cmp`] total across incomparable types.
fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 255,
        Value::Bool(_) => 0,
        Value::Int2(_)
        | Value::Int4(_)
        | Value::Int8(_)
        | Value::Float4(_)
        | Value::Float8(_)
        | Value::Numeric(_) => 1,
        Value::Text(_) => 2,
        Value::Bytea(_) => 3,
        Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) => 4,
        Value::Time(_) => 5,
        Value::Interval(_) => 6,
        Value::Uuid(_) => 7,
        Value::Jsonb(_) => 8,
        Value::Array(_) => 9,
    }
}

/// Total order for sorting: NULL sorts after every value.
pub fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => compare(a, b).unwrap_or_else(|| kind_rank(a).cmp(&kind_rank(b))),
    }
}

/// [`sort_cmp`] knowing the static type (for `char(n)`).
pub fn sort_cmp_typed(a: &Value, b: &Value, ty: &DataType) -> Ordering {
    match (a, b, ty) {
        (Value::Text(x), Value::Text(y), DataType::Char(_)) => compare_bpchar(x, y),
        _ => sort_cmp(a, b),
    }
}

/// Hash tags: one per equality class of values.
mod tag {
    pub(super) const NULL: u8 = 0;
    pub(super) const BOOL: u8 = 1;
    pub(super) const INT: u8 = 2;
    pub(super) const DEC: u8 = 3;
    pub(super) const FLOAT: u8 = 4;
    pub(super) const NAN: u8 = 5;
    pub(super) const TEXT: u8 = 6;
    pub(super) const BYTEA: u8 = 7;
    pub(super) const INSTANT: u8 = 8;
    pub(super) const TIME: u8 = 9;
    pub(super) const INTERVAL: u8 = 10;
    pub(super) const UUID: u8 = 11;
    pub(super) const JSONB: u8 = 12;
    pub(super) const ARRAY: u8 = 13;
}

fn hash_f64<H: Hasher>(f: f64, state: &mut H) {
    if f.is_nan() {
        tag::NAN.hash(state);
    } else if f.fract() == 0.0 && f.abs() < 9.2e18 {
        tag::INT.hash(state);
        (f as i64).hash(state);
    } else if f == 0.0 {
        tag::INT.hash(state);
        0i64.hash(state);
    } else {
        tag::FLOAT.hash(state);
        f.to_bits().hash(state);
    }
}

/// Hashes a value consistently with equality (see the module documentation).
pub fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Null => tag::NULL.hash(state),
        Value::Array(items) => {
            tag::ARRAY.hash(state);
            items.len().hash(state);
            for item in items.iter() {
                hash_value(item, state);
            }
        }
        Value::Bool(b) => {
            tag::BOOL.hash(state);
            b.hash(state);
        }
        Value::Int2(i) => {
            tag::INT.hash(state);
            i64::from(*i).hash(state);
        }
        Value::Int4(i) => {
            tag::INT.hash(state);
            i64::from(*i).hash(state);
        }
        Value::Int8(i) => {
            tag::INT.hash(state);
            i.hash(state);
        }
        Value::Numeric(d) => match d.is_integer().then(|| d.to_i64()).flatten() {
            Some(i) => {
                tag::INT.hash(state);
                i.hash(state);
            }
            None => {
                let n = d.normalize();
                tag::DEC.hash(state);
                n.mantissa().hash(state);
                n.scale().hash(state);
            }
        },
        Value::Float4(f) => hash_f64(f64::from(*f), state),
        Value::Float8(f) => hash_f64(*f, state),
        Value::Text(s) => {
            tag::TEXT.hash(state);
            s.as_bytes().hash(state);
        }
        Value::Bytea(b) => {
            tag::BYTEA.hash(state);
            b.hash(state);
        }
        Value::Date(d) => {
            tag::INSTANT.hash(state);
            date_as_ts(*d).hash(state);
        }
        Value::Timestamp(t) | Value::TimestampTz(t) => {
            tag::INSTANT.hash(state);
            i128::from(*t).hash(state);
        }
        Value::Time(t) => {
            tag::TIME.hash(state);
            t.hash(state);
        }
        Value::Interval(iv) => {
            tag::INTERVAL.hash(state);
            interval_span(iv).hash(state);
        }
        Value::Uuid(u) => {
            tag::UUID.hash(state);
            u.hash(state);
        }
        Value::Jsonb(j) => {
            tag::JSONB.hash(state);
            hash_jsonb(j, state);
        }
    }
}

/// [`hash_value`] knowing the static type (`char(n)` hashes without trailing blanks).
pub fn hash_value_typed<H: Hasher>(v: &Value, ty: &DataType, state: &mut H) {
    match (v, ty) {
        (Value::Text(s), DataType::Char(_)) => {
            tag::TEXT.hash(state);
            bpchar_trim(s).as_bytes().hash(state);
        }
        _ => hash_value(v, state),
    }
}

/// A row of values as a hash-map key for GROUP BY, DISTINCT and hash joins: equality is
/// "not distinct" ([`sort_cmp`] equal, so NULLs group together and `NaN = NaN`), hashing
/// is [`hash_value`].
#[derive(Debug, Clone)]
pub struct GroupKey(pub Vec<Value>);

impl PartialEq for GroupKey {
    fn eq(&self, other: &GroupKey) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| sort_cmp(a, b) == Ordering::Equal)
    }
}

impl Eq for GroupKey {}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.len().hash(state);
        for v in &self.0 {
            hash_value(v, state);
        }
    }
}

/// One value as a hash-map key, with [`GroupKey`]'s semantics.
#[derive(Debug, Clone)]
pub struct ValueKey(pub Value);

impl PartialEq for ValueKey {
    fn eq(&self, other: &ValueKey) -> bool {
        sort_cmp(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for ValueKey {}

impl Hash for ValueKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}
