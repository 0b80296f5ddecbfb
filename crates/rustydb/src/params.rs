//! Statement parameters: Rust values bound to `$1`, `$2`, ... .
//!
//! Every method that runs SQL takes its parameters as `&[&dyn ToValue]`, one entry per
//! `$n` in order. The [`params!`](crate::params!) macro builds that slice from plain
//! expressions; a literal slice such as `&[&1, &"x"]` works too, and `&[]` means none.
//!
//! The statement decides each parameter's SQL type (from how `$n` is used, as
//! PostgreSQL infers it), and the value is cast to that type when the statement runs:
//! an `i64` bound to an `integer` column is range-checked into it, and text is *parsed*
//! as the type, so a `&str` in PostgreSQL's input syntax reaches the types that have no
//! Rust counterpart here (`"2024-02-29"` for a `date`, a UUID's text for a `uuid`,
//! `"1 day"` for an `interval`). [`Value`] itself can be bound for anything else.

use rust_decimal::Decimal;
use rustydb_sql::types::Value;

/// A Rust value that can be bound to a statement parameter.
///
/// | Rust type                          | SQL value            |
/// |------------------------------------|----------------------|
/// | `bool`                             | `boolean`            |
/// | `i16`, `i32`, `i64`                | `smallint`, `integer`, `bigint` |
/// | `f32`, `f64`                       | `real`, `double precision` |
/// | [`Decimal`]                        | `numeric`            |
/// | `&str`, `String`                   | `text` (parsed as the parameter's type if that is not text) |
/// | `&[u8]`, `Vec<u8>`, `[u8; N]`      | `bytea`              |
/// | `Option<T>`                        | `NULL` for `None`, else as `T` |
/// | [`Value`]                          | itself               |
///
/// Implement it for your own types by returning one of these:
///
/// ```
/// use rustydb::{ToValue, Value};
///
/// struct UserId(i64);
///
/// impl ToValue for UserId {
///     fn to_value(&self) -> Value {
///         self.0.to_value()
///     }
/// }
/// ```
pub trait ToValue {
    /// The SQL value of `self`.
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// Implements [`ToValue`] for types that map onto one [`Value`] variant.
macro_rules! to_value {
    ($($ty:ty => |$v:ident| $make:expr;)*) => {
        $(impl ToValue for $ty {
            fn to_value(&self) -> Value {
                let $v = self;
                $make
            }
        })*
    };
}

to_value! {
    bool => |v| Value::Bool(*v);
    i16 => |v| Value::Int2(*v);
    i32 => |v| Value::Int4(*v);
    i64 => |v| Value::Int8(*v);
    f32 => |v| Value::Float4(*v);
    f64 => |v| Value::Float8(*v);
    Decimal => |v| Value::Numeric(*v);
    str => |v| Value::Text(v.to_string());
    String => |v| Value::Text(v.clone());
    [u8] => |v| Value::Bytea(v.to_vec());
    Vec<u8> => |v| Value::Bytea(v.clone());
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Bytea(self.to_vec())
    }
}

/// Builds the parameter slice of a statement from expressions, one per `$n`.
///
/// `params![a, b]` is `&[&a as &dyn ToValue, &b as &dyn ToValue]`: the values are
/// borrowed, not moved, and each needs only implement [`ToValue`](crate::ToValue).
///
/// ```
/// # fn main() -> rustydb::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = rustydb::Database::open(dir.path())?;
/// # let mut conn = db.connect();
/// use rustydb::params;
///
/// let name = String::from("ada");
/// let row = conn.query_row("SELECT $1 || '!', $2 + 1", params![name, 41])?;
/// assert_eq!(row.get::<String>(0)?, "ada!");
/// assert_eq!(row.get::<i32>(1)?, 42);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::ToValue]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::ToValue),+] as &[&dyn $crate::ToValue]
    };
}

/// The values of a parameter slice, in order.
pub(crate) fn to_values(params: &[&dyn ToValue]) -> Vec<Value> {
    params.iter().map(|p| p.to_value()).collect()
}
