//! Query results: [`Rows`] of [`Row`]s described by [`Column`]s, and typed access to
//! their values through [`FromValue`].
//!
//! A statement's rows are complete by the time [`Connection::query`] returns (the engine
//! materialises them), so a [`Rows`] owns its data and holds no borrow of the
//! connection: it can outlive the connection, be sent to another thread, or be read
//! while further statements run.
//!
//! Typed access is strict about types and honest about NULL. [`Row::get`] converts a
//! value only to Rust types that hold every value of its SQL type (integers and floats
//! widen, never narrow), so whether a read succeeds depends on the query, not on the
//! data it happens to return; a NULL read into a type without one (anything but
//! `Option<T>` and [`Value`]) is an error naming the column rather than a default.
//!
//! [`Connection::query`]: crate::Connection::query

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use rustydb_common::ErrorCode;
use rustydb_sql::types::text::format_value_opt;
use rustydb_sql::types::{DataType, Value};

use crate::{Error, Result};

/// One column of a result: its name and SQL type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    name: String,
    data_type: DataType,
}

impl Column {
    pub(crate) fn from_engine(c: &rustydb_sql::plan::logical::Column) -> Column {
        Column {
            name: c.name.clone(),
            data_type: c.ty.clone(),
        }
    }

    /// The column's name as the query gave it (`?column?` for an unnamed expression).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column's SQL type.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// The SQL type's name as PostgreSQL prints it (`integer`, `character varying(10)`).
    pub fn type_name(&self) -> String {
        self.data_type.sql_name()
    }
}

/// The rows a query returned, with their columns.
///
/// Iterate it (by value or by reference) to get each [`Row`]:
///
/// ```
/// # fn main() -> rustydb::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = rustydb::Database::open(dir.path())?;
/// # let mut conn = db.connect();
/// let rows = conn.query("SELECT n, n * n AS square FROM generate_series(1, 3) AS g(n)", &[])?;
/// assert_eq!(rows.len(), 3);
/// assert_eq!(rows.columns()[1].name(), "square");
/// assert_eq!(rows.columns()[1].type_name(), "integer");
/// let squares: Vec<i32> = rows.iter().map(|r| r.get("square")).collect::<Result<_, _>>()?;
/// assert_eq!(squares, [1, 4, 9]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Rows {
    columns: Arc<[Column]>,
    rows: Vec<Row>,
}

impl Rows {
    pub(crate) fn new(columns: Arc<[Column]>, values: Vec<Vec<Value>>) -> Rows {
        let rows = values
            .into_iter()
            .map(|values| Row {
                columns: columns.clone(),
                values,
            })
            .collect();
        Rows { columns, rows }
    }

    /// The result's columns (empty for a statement that returns no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&Row> {
        self.rows.get(index)
    }

    /// The rows, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Row> {
        self.rows.iter()
    }

    /// The rows as a vector.
    pub fn into_vec(self) -> Vec<Row> {
        self.rows
    }
}

impl IntoIterator for Rows {
    type Item = Row;
    type IntoIter = std::vec::IntoIter<Row>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.into_iter()
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = &'a Row;
    type IntoIter = std::slice::Iter<'a, Row>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

/// One row of a result.
///
/// Read a value with [`Row::get`], by position or by column name:
///
/// ```
/// # fn main() -> rustydb::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = rustydb::Database::open(dir.path())?;
/// # let mut conn = db.connect();
/// let row = conn.query_row("SELECT 7 AS n, 'seven' AS word, NULL::bigint AS nothing", &[])?;
/// let n: i64 = row.get(0)?; // an integer column widens into i64
/// assert_eq!(n, 7);
/// assert_eq!(row.get::<String>("word")?, "seven");
/// assert_eq!(row.get::<Option<i64>>("nothing")?, None);
///
/// let err = row.get::<i64>("nothing").unwrap_err(); // NULL needs an Option
/// assert_eq!(err.sqlstate(), "22004");
/// let err = row.get::<bool>("n").unwrap_err(); // an integer is not a bool
/// assert_eq!(err.sqlstate(), "42804");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Row {
    columns: Arc<[Column]>,
    values: Vec<Value>,
}

impl Row {
    /// The value of a column converted to `T`.
    ///
    /// `index` is a position (`usize`, from 0) or a column name (`&str`; the first
    /// column of that name). Errors: 42703 if there is no such column, 22004 if the
    /// value is NULL and `T` is not an `Option` (or [`Value`]), 42804 if the column's
    /// type does not convert to `T` (see [`FromValue`] for the conversions).
    pub fn get<T: FromValue>(&self, index: impl ColumnIndex) -> Result<T> {
        let i = index.position(&self.columns)?;
        let value = &self.values[i];
        T::from_value(value).ok_or_else(|| conversion_error::<T>(&self.columns[i], i, value))
    }

    /// The raw value of a column.
    pub fn value(&self, index: impl ColumnIndex) -> Result<&Value> {
        let i = index.position(&self.columns)?;
        Ok(&self.values[i])
    }

    /// A column's value as PostgreSQL prints it in text (`2024-02-29`, `t`, `\x0102`),
    /// whatever its type; `None` for NULL.
    pub fn get_text(&self, index: impl ColumnIndex) -> Result<Option<String>> {
        self.value(index).map(format_value_opt)
    }

    /// The row's columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The row's values, one per column.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The row's values, taken out of it.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (c, v) in self.columns.iter().zip(&self.values) {
            m.entry(&c.name, v);
        }
        m.finish()
    }
}

/// A way to name a column of a row: its position (`usize`) or its name (`&str`).
pub trait ColumnIndex {
    /// The position of the column among `columns`, or a 42703 error.
    fn position(&self, columns: &[Column]) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, columns: &[Column]) -> Result<usize> {
        if *self < columns.len() {
            return Ok(*self);
        }
        Err(Error::new(
            ErrorCode::UndefinedObject,
            format!(
                "column index {self} is out of range: the row has {} columns",
                columns.len()
            ),
        )
        .with_sqlstate("42703")
        .with_hint("Columns are numbered from 0."))
    }
}

impl ColumnIndex for &str {
    fn position(&self, columns: &[Column]) -> Result<usize> {
        if let Some(i) = columns.iter().position(|c| c.name == *self) {
            return Ok(i);
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        Err(Error::from_template(
            ErrorCode::UndefinedObject,
            &[("kind", &"column"), ("name", self)],
        )
        .with_sqlstate("42703")
        .with_detail(format!("The result's columns are: {}.", names.join(", ")))
        .with_hint("Column names are matched exactly, as the query wrote them."))
    }
}

impl ColumnIndex for String {
    fn position(&self, columns: &[Column]) -> Result<usize> {
        self.as_str().position(columns)
    }
}

/// A Rust type a SQL value can be read into with [`Row::get`].
///
/// | Rust type   | from SQL types                                  |
/// |-------------|-------------------------------------------------|
/// | `bool`      | `boolean`                                       |
/// | `i16`       | `smallint`                                      |
/// | `i32`       | `smallint`, `integer`                           |
/// | `i64`       | `smallint`, `integer`, `bigint`                 |
/// | `f32`       | `real`                                          |
/// | `f64`       | `real`, `double precision`                      |
/// | [`Decimal`] | `numeric`, `smallint`, `integer`, `bigint`      |
/// | `String`    | `text`, `varchar`, `char`                       |
/// | `Vec<u8>`   | `bytea`                                         |
/// | `Option<T>` | NULL as `None`, else as `T`                     |
/// | [`Value`]   | anything, NULL included                         |
///
/// Other types (dates, timestamps, `uuid`, `jsonb`, ...) are read as [`Value`], or as
/// text with [`Row::get_text`], or cast to text in SQL.
pub trait FromValue: Sized {
    /// `value` as `Self`, or `None` if it has no such reading (a type that does not
    /// convert, or NULL for a type without one); [`Row::get`] turns `None` into an
    /// error naming the column.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Option<Self> {
        Some(value.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Implements [`FromValue`] by matching the variants a type can be read from.
macro_rules! from_value {
    ($($ty:ty { $($pat:pat => $out:expr),+ $(,)? })*) => {
        $(impl FromValue for $ty {
            fn from_value(value: &Value) -> Option<Self> {
                match value {
                    $($pat => Some($out),)+
                    _ => None,
                }
            }
        })*
    };
}

from_value! {
    bool { Value::Bool(b) => *b }
    i16 { Value::Int2(n) => *n }
    i32 { Value::Int2(n) => i32::from(*n), Value::Int4(n) => *n }
    i64 { Value::Int2(n) => i64::from(*n), Value::Int4(n) => i64::from(*n), Value::Int8(n) => *n }
    f32 { Value::Float4(x) => *x }
    f64 { Value::Float4(x) => f64::from(*x), Value::Float8(x) => *x }
    Decimal {
        Value::Numeric(d) => *d,
        Value::Int2(n) => Decimal::from(*n),
        Value::Int4(n) => Decimal::from(*n),
        Value::Int8(n) => Decimal::from(*n),
    }
    String { Value::Text(s) => s.clone() }
    Vec<u8> { Value::Bytea(b) => b.clone() }
}

/// The error of reading `value` of `column` (at `index`) as `T`.
fn conversion_error<T>(column: &Column, index: usize, value: &Value) -> Error {
    let rust = short_type_name(std::any::type_name::<T>());
    let name = &column.name;
    if value.is_null() {
        return Error::new(
            ErrorCode::DataException,
            format!("column \"{name}\" (index {index}) is NULL, which {rust} cannot hold"),
        )
        .with_sqlstate("22004")
        .with_hint(format!(
            "Read it as Option<{rust}> to accept NULL, or use COALESCE in the query."
        ));
    }
    Error::new(
        ErrorCode::DatatypeMismatch,
        format!(
            "column \"{name}\" (index {index}) is of type {}, which cannot be read as {rust}",
            column.type_name()
        ),
    )
    .with_sqlstate("42804")
    .with_hint(
        "Read it as a Rust type its SQL type converts to (see rustydb::FromValue), \
         or cast it in the query (value::type).",
    )
}

/// `core::option::Option<alloc::string::String>` as `Option<String>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    // Where the path being written started: `::` cuts the output back to it.
    let mut path_start = 0;
    for c in full.chars() {
        match c {
            ':' => out.truncate(path_start),
            c if c.is_alphanumeric() || c == '_' => out.push(c),
            c => {
                out.push(c);
                path_start = out.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(short_type_name(std::any::type_name::<i64>()), "i64");
        assert_eq!(
            short_type_name(std::any::type_name::<Option<String>>()),
            "Option<String>"
        );
        assert_eq!(short_type_name(std::any::type_name::<Vec<u8>>()), "Vec<u8>");
        assert_eq!(short_type_name(std::any::type_name::<Decimal>()), "Decimal");
        assert_eq!(short_type_name("(a::B, c::D)"), "(B, D)");
    }

    #[test]
    fn integers_widen_but_never_narrow() {
        assert_eq!(i64::from_value(&Value::Int2(-3)), Some(-3));
        assert_eq!(i32::from_value(&Value::Int8(1)), None);
        assert_eq!(f64::from_value(&Value::Float4(0.5)), Some(0.5));
        assert_eq!(f32::from_value(&Value::Float8(0.5)), None);
        assert_eq!(Decimal::from_value(&Value::Int8(7)), Some(Decimal::from(7)));
    }

    #[test]
    fn null_reads_only_into_option_and_value() {
        assert_eq!(i32::from_value(&Value::Null), None);
        assert_eq!(Option::<i32>::from_value(&Value::Null), Some(None));
        assert_eq!(Value::from_value(&Value::Null), Some(Value::Null));
    }
}
