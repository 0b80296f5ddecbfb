//! SQL values to JSON and back: the one SQL-to-JSON path of the HTTP front ends (REST's
//! `/query` and GraphQL's `query` / `executeSql` both go through [`run_query`]).
//!
//! # Mapping
//!
//! | SQL | JSON |
//! |---|---|
//! | NULL | `null` |
//! | `boolean` | `true` / `false` |
//! | `smallint`, `integer`, `bigint` | number |
//! | `real`, `double precision` | number (PostgreSQL's shortest text); `"NaN"`, `"Infinity"`, `"-Infinity"` as strings |
//! | `numeric` | string (exact: `"12.50"`) |
//! | `bytea` | string, PostgreSQL's hex form `"\\x0102"` |
//! | date/time types, `interval`, `uuid`, text types | PostgreSQL's text output |
//! | `jsonb` | the JSON value itself |
//! | arrays | JSON arrays of the above |
//!
//! Parameters go the other way ([`params_from_json`]): `null`, booleans, integers
//! (`bigint`), other numbers (`numeric` like a SQL literal, `double precision` beyond its
//! range), strings (untyped text, parsed by the parameter's inferred type, as the wire
//! protocol's text format is) and objects (`jsonb`). The session casts each value to the
//! type [`Session::prepare`] inferred for its `$n`, so `SELECT $1::int + 1` with `[41]` and
//! `WHERE id = $1` both work.
//!
//! # Limits
//!
//! [`run_query`] runs one statement as the caller's role with `http.statement_timeout_ms`,
//! refuses results over `http.max_result_rows` (ERR-API-006; the statement has run by
//! then, so a data-changing statement with a huge RETURNING list is still done) and
//! returns the first page; the rest is a [`PendingRows`] for [`crate::cursors`].

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Session;
use rustydb_sql::session::TransactionStatus;
use rustydb_sql::types::{Value, text};
use serde::Serialize;

use crate::auth::Principal;
use crate::context::{HttpContext, blocking};
use crate::error::ApiError;

/// One output column.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ColumnOut {
    /// The column's name.
    pub name: String,
    /// Its type as PostgreSQL's `format_type` prints it (`integer`, `numeric(12,2)`).
    pub type_name: String,
}

/// The result of one statement (or one page of it).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct QueryOutput {
    /// Output columns; empty for statements that return no rows.
    pub columns: Vec<ColumnOut>,
    /// The rows of this page, each a list of values in column order.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// PostgreSQL's command tag: `SELECT 3`, `INSERT 0 1`, `CREATE TABLE`.
    pub command: String,
    /// Rows returned (in all pages) or changed.
    pub rows_affected: u64,
    /// Set when more rows remain: fetch them with `GET /api/v1/query/cursors/{cursor}`.
    pub next_cursor: Option<String>,
}

/// The rows of a result not yet sent (kept by [`crate::cursors::Cursors`]).
#[derive(Debug, Clone)]
pub struct PendingRows {
    /// The result's columns.
    pub columns: Vec<ColumnOut>,
    /// The command tag of the statement.
    pub command: String,
    /// Rows returned in all.
    pub rows_affected: u64,
    /// Rows still to send, as JSON.
    pub rows: VecDeque<Vec<serde_json::Value>>,
}

impl PendingRows {
    /// Takes the next page of at most `page_size` rows (the cursor is filled in by the
    /// caller when rows remain).
    pub fn next_page(&mut self, page_size: usize) -> QueryOutput {
        let n = page_size.max(1).min(self.rows.len());
        QueryOutput {
            columns: self.columns.clone(),
            rows: self.rows.drain(..n).collect(),
            command: self.command.clone(),
            rows_affected: self.rows_affected,
            next_cursor: None,
        }
    }

    /// Whether every row was sent.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A SQL value as JSON (see the module documentation for the mapping).
pub fn value_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int2(i) => J::from(*i),
        Value::Int4(i) => J::from(*i),
        Value::Int8(i) => J::from(*i),
        Value::Float4(_) | Value::Float8(_) => {
            // PostgreSQL's shortest text, read back as a JSON number (0.1::real is 0.1).
            let s = text::format_value(v);
            s.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map_or(J::String(s), J::Number)
        }
        Value::Jsonb(j) => (**j).clone(),
        Value::Array(items) => J::Array(items.iter().map(value_to_json).collect()),
        other => J::String(text::format_value(other)),
    }
}

/// Positional parameters from JSON (see the module documentation); errors name the
/// parameter (`params[2]`).
pub fn params_from_json(params: &[serde_json::Value]) -> Result<Vec<Value>, ApiError> {
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            param_from_json(p)
                .map_err(|why| ApiError::bad_request(format!("field params[{i}]: {why}")))
        })
        .collect()
}

fn param_from_json(p: &serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    Ok(match p {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int8(i)
            } else {
                let s = n.to_string();
                match Decimal::from_str(&s).or_else(|_| Decimal::from_scientific(&s)) {
                    Ok(d) => Value::Numeric(d),
                    Err(_) => Value::Float8(n.as_f64().ok_or("a number out of range")?),
                }
            }
        }
        J::String(s) => Value::Text(s.clone()),
        J::Object(_) => Value::Jsonb(Box::new(p.clone())),
        J::Array(_) => {
            return Err(
                "arrays are not supported as parameters; pass a PostgreSQL array \
                        literal as a string, e.g. \"{1,2,3}\""
                    .into(),
            );
        }
    })
}

/// How [`run_query`] bounds a statement.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Rows in the first page (at least 1).
    pub page_size: usize,
    /// Most rows a result may have (ERR-API-006 beyond).
    pub max_rows: usize,
    /// `statement_timeout` for the statement; `None` or zero: none.
    pub timeout: Option<Duration>,
}

/// Runs one statement (`$n` parameters in `params`) in `session`, which the caller has
/// given its identity (`session.set_identity(user, "rustydb")`). Returns the first page
/// and the rows left for a cursor, if any.
pub fn run_query(
    session: &mut Session,
    sql: &str,
    params: &[Value],
    limits: QueryLimits,
) -> Result<(QueryOutput, Option<PendingRows>), DbError> {
    apply_timeout(session, limits.timeout)?;
    let result = session.query(sql, params)?;
    if result.rows.len() > limits.max_rows {
        return Err(DbError::from_template(
            ErrorCode::ResultTooLarge,
            &[("limit", &limits.max_rows)],
        )
        .with_detail(format!(
            "The statement returned {} rows.",
            result.rows.len()
        )));
    }
    let columns: Vec<ColumnOut> = result
        .columns
        .iter()
        .map(|c| ColumnOut {
            name: c.name.clone(),
            type_name: c.ty.sql_name(),
        })
        .collect();
    let rows: VecDeque<Vec<serde_json::Value>> = result
        .rows
        .iter()
        .map(|r| r.iter().map(value_to_json).collect())
        .collect();
    let mut pending = PendingRows {
        columns,
        command: result.tag.clone(),
        rows_affected: result.rows_affected,
        rows,
    };
    let first = pending.next_page(limits.page_size);
    Ok((first, (!pending.is_empty()).then_some(pending)))
}

/// The limits of the configuration, with the page size the request asked for (at most
/// `http.page_size`).
pub fn limits(ctx: &HttpContext, page_size: Option<u32>) -> QueryLimits {
    let http = ctx.http();
    let page = page_size
        .map_or(http.page_size, |p| p.min(http.page_size))
        .max(1);
    QueryLimits {
        page_size: usize::try_from(page).unwrap_or(usize::MAX),
        max_rows: usize::try_from(http.max_result_rows).unwrap_or(usize::MAX),
        timeout: (http.statement_timeout_ms > 0)
            .then(|| Duration::from_millis(http.statement_timeout_ms)),
    }
}

/// Runs one statement outside any HTTP transaction (it commits on its own, as an
/// implicit transaction) as `caller`, keeping the rows beyond the first page in a
/// cursor. A `page_size` of 0 is refused (400).
pub async fn query_as(
    ctx: &Arc<HttpContext>,
    caller: &Principal,
    sql: String,
    params: Vec<Value>,
    page_size: Option<u32>,
) -> Result<QueryOutput, ApiError> {
    if page_size == Some(0) {
        return Err(ApiError::bad_request("field page_size: must be at least 1"));
    }
    let engine = ctx.engine()?.clone();
    let limits = limits(ctx, page_size);
    let user = caller.user.clone();
    let (mut first, rest) = blocking(move || {
        let mut session = engine.session();
        session.set_identity(user, "rustydb");
        run_query(&mut session, &sql, &params, limits)
    })
    .await?;
    if let Some(rest) = rest {
        first.next_cursor = Some(ctx.cursors.open(caller, rest, ctx.idle_timeout()));
    }
    Ok(first)
}

/// Sets the session's `statement_timeout` when it differs (not in a failed block, where
/// SET is refused and the statement fails with 25P02 anyway).
fn apply_timeout(session: &mut Session, timeout: Option<Duration>) -> Result<(), DbError> {
    let ms = timeout.map_or(0, |d| d.as_millis());
    let want = rustydb_sql::settings::format_duration_ms(u64::try_from(ms).unwrap_or(u64::MAX));
    let have = session
        .settings()
        .get("statement_timeout")
        .unwrap_or_default();
    if have != want && session.transaction_status() != TransactionStatus::Failed {
        session.execute(&format!("SET statement_timeout = {ms}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_map_to_json() {
        assert_eq!(value_to_json(&Value::Int4(7)), json!(7));
        assert_eq!(value_to_json(&Value::Float4(0.1)), json!(0.1));
        assert_eq!(value_to_json(&Value::Float8(f64::NAN)), json!("NaN"));
        assert_eq!(
            value_to_json(&Value::Float8(f64::NEG_INFINITY)),
            json!("-Infinity")
        );
        assert_eq!(
            value_to_json(&Value::Numeric(Decimal::from_str("12.50").unwrap())),
            json!("12.50")
        );
        assert_eq!(
            value_to_json(&Value::Bytea(vec![1, 0xab])),
            json!("\\x01ab")
        );
        assert_eq!(value_to_json(&Value::Date(0)), json!("2000-01-01"));
        assert_eq!(
            value_to_json(&Value::Array(Box::new(vec![Value::Int8(1), Value::Null]))),
            json!([1, null])
        );
        assert_eq!(value_to_json(&Value::Null), json!(null));
    }

    #[test]
    fn params_map_from_json() {
        let p = params_from_json(&[json!(null), json!(true), json!(41), json!(1.5), json!("x")])
            .unwrap();
        assert_eq!(p[0], Value::Null);
        assert_eq!(p[1], Value::Bool(true));
        assert_eq!(p[2], Value::Int8(41));
        assert_eq!(p[3], Value::Numeric(Decimal::from_str("1.5").unwrap()));
        assert_eq!(p[4], Value::Text("x".into()));
        let e = params_from_json(&[json!(1), json!([1])]).unwrap_err();
        assert!(
            e.error().message().contains("params[1]"),
            "{}",
            e.error().message()
        );
    }
}
