//! The typed API's query and mutation fields and their resolvers.
//!
//! Every resolver runs its statement as the caller: a fresh engine session given the
//! request's [`Principal`] as identity, on the blocking pool, so the engine checks the
//! caller's privileges (42501 comes back as a GraphQL error with `extensions {code,
//! sqlstate, hint}`). Each query or mutation field is one statement and so one implicit
//! transaction; a mutation's rows come from its `RETURNING` list. Lists are bounded by
//! `http.max_result_rows` (ERR-API-006 beyond, rather than a silently cut list).

use std::sync::Arc;

use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputValue, ResolverContext, TypeRef,
};
use async_graphql::{Name, Value as GqlValue};
use rustydb_http::sql_json::{QueryLimits, params_from_json, run_query};
use rustydb_http::{HttpContext, Principal, blocking};

use super::model::{Scalar, TableModel};
use super::sql::{self, InputMap, Sql};

fn bad_request(reason: String) -> async_graphql::Error {
    crate::errors::bad_arg(reason)
}

/// Runs `sql` as the request's principal; returns the rows as GraphQL objects keyed by
/// field name, and the number of rows changed or returned.
async fn run(
    ctx: &ResolverContext<'_>,
    t: &Arc<TableModel>,
    sql: Sql,
) -> async_graphql::Result<(Vec<GqlValue>, u64)> {
    let http = ctx.data::<Arc<HttpContext>>()?;
    let principal = ctx.data::<Principal>()?;
    let engine = http.engine().map_err(crate::errors::gql)?.clone();
    let params = params_from_json(&sql.params).map_err(crate::errors::gql)?;
    let cfg = http.http();
    let max_rows = usize::try_from(cfg.max_result_rows).unwrap_or(usize::MAX);
    let limits = QueryLimits {
        page_size: max_rows.max(1),
        max_rows,
        timeout: (cfg.statement_timeout_ms > 0)
            .then(|| std::time::Duration::from_millis(cfg.statement_timeout_ms)),
    };
    let user = principal.user.clone();
    let text = sql.text;
    let (out, _) = blocking(move || {
        let mut session = engine.session();
        session.set_identity(user, "rustydb");
        run_query(&mut session, &text, &params, limits)
    })
    .await
    .map_err(crate::errors::gql)?;
    let rows = out
        .rows
        .into_iter()
        .map(|r| {
            let mut m = InputMap::new();
            for (c, v) in t.columns.iter().zip(r) {
                m.insert(Name::new(&c.field), shape(c.scalar, v));
            }
            GqlValue::Object(m)
        })
        .collect();
    Ok((rows, out.rows_affected))
}

/// A column's JSON (from `value_to_json`) as the value of its GraphQL type: `BigInt` as a
/// string, and `String` columns whose JSON is not a string (jsonb) as JSON text.
fn shape(scalar: Scalar, v: serde_json::Value) -> GqlValue {
    use serde_json::Value as J;
    match (scalar, v) {
        (_, J::Null) => GqlValue::Null,
        (_, J::Array(items)) => {
            GqlValue::List(items.into_iter().map(|i| shape(scalar, i)).collect())
        }
        (Scalar::BigInt | Scalar::Decimal, J::Number(n)) => GqlValue::String(n.to_string()),
        (Scalar::String | Scalar::Text, J::String(s)) => GqlValue::String(s),
        (Scalar::String | Scalar::Text, other) => GqlValue::String(other.to_string()),
        (_, other) => GqlValue::from_json(other).unwrap_or(GqlValue::Null),
    }
}

fn arg(ctx: &ResolverContext<'_>, name: &str) -> Option<GqlValue> {
    ctx.args
        .get(name)
        .map(|v| v.as_value().clone())
        .filter(|v| !matches!(v, GqlValue::Null))
}

fn int_arg(ctx: &ResolverContext<'_>, name: &str) -> async_graphql::Result<Option<i64>> {
    match ctx.args.get(name) {
        Some(v) if !v.is_null() => {
            let n = v.i64()?;
            if n < 0 {
                return Err(bad_request(format!(
                    "argument {name}: must not be negative"
                )));
            }
            Ok(Some(n))
        }
        _ => Ok(None),
    }
}

/// `T_list(where, orderBy, limit, offset): [T!]!`.
pub(crate) fn list_field(t: &Arc<TableModel>) -> Field {
    let tt = t.clone();
    let mut f = Field::new(
        format!("{}_list", t.name),
        TypeRef::named_nn_list_nn(t.name.as_str()),
        move |ctx| {
            let t = tt.clone();
            FieldFuture::new(async move {
                let http = ctx.data::<Arc<HttpContext>>()?;
                // One row past the cap, so an over-long result is an error rather than cut.
                let cap = i64::try_from(http.http().max_result_rows)
                    .unwrap_or(i64::MAX)
                    .saturating_add(1);
                let limit = int_arg(&ctx, "limit")?.map_or(cap, |l| l.min(cap));
                let offset = int_arg(&ctx, "offset")?;
                let filter = arg(&ctx, "where");
                let order = match arg(&ctx, "orderBy") {
                    Some(GqlValue::List(items)) => items,
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                let sql =
                    sql::select(&t, filter.as_ref(), &order, limit, offset).map_err(bad_request)?;
                let (rows, _) = run(&ctx, &t, sql).await?;
                Ok(Some(FieldValue::value(GqlValue::List(rows))))
            })
        },
    )
    .description(format!("Rows of {}.{}.", t.schema, t.table))
    .argument(InputValue::new(
        "where",
        TypeRef::named(format!("{}_filter", t.name)),
    ))
    .argument(InputValue::new("limit", TypeRef::named(TypeRef::INT)))
    .argument(InputValue::new("offset", TypeRef::named(TypeRef::INT)));
    if t.columns.iter().any(|c| !c.array) {
        f = f.argument(InputValue::new(
            "orderBy",
            TypeRef::named_nn_list(format!("{}_order", t.name)),
        ));
    }
    f
}

/// `T_byPk(pk columns): T`, for tables with a primary key.
pub(crate) fn by_pk_field(t: &Arc<TableModel>) -> Option<Field> {
    if t.primary_key.is_empty() {
        return None;
    }
    let tt = t.clone();
    let mut f = Field::new(
        format!("{}_byPk", t.name),
        TypeRef::named(t.name.as_str()),
        move |ctx| {
            let t = tt.clone();
            FieldFuture::new(async move {
                let key: Vec<(String, GqlValue)> = t
                    .primary_key
                    .iter()
                    .map(|&i| {
                        let c = &t.columns[i];
                        (
                            c.field.clone(),
                            arg(&ctx, &c.field).unwrap_or(GqlValue::Null),
                        )
                    })
                    .collect();
                let sql = sql::by_pk(&t, &key).map_err(bad_request)?;
                let (mut rows, _) = run(&ctx, &t, sql).await?;
                Ok(rows.pop().map(FieldValue::value))
            })
        },
    )
    .description(format!(
        "The row of {}.{} with this primary key, or null.",
        t.schema, t.table
    ));
    for &i in &t.primary_key {
        let c = &t.columns[i];
        f = f.argument(InputValue::new(
            c.field.as_str(),
            TypeRef::named_nn(c.scalar.type_name()),
        ));
    }
    Some(f)
}

fn mutation_result(rows: Vec<GqlValue>, affected: u64) -> FieldValue<'static> {
    let mut m = InputMap::new();
    m.insert(
        Name::new("affected_rows"),
        GqlValue::from(i64::try_from(affected).unwrap_or(i64::MAX)),
    );
    m.insert(Name::new("returning"), GqlValue::List(rows));
    FieldValue::value(GqlValue::Object(m))
}

/// `insert_T(objects: [T_insert!]!): T_mutation_result!`.
pub(crate) fn insert_field(t: &Arc<TableModel>) -> Field {
    let tt = t.clone();
    Field::new(
        format!("insert_{}", t.name),
        TypeRef::named_nn(format!("{}_mutation_result", t.name)),
        move |ctx| {
            let t = tt.clone();
            FieldFuture::new(async move {
                let objects = match arg(&ctx, "objects") {
                    Some(GqlValue::List(items)) => items,
                    _ => Vec::new(),
                };
                if objects.is_empty() {
                    return Ok(Some(mutation_result(Vec::new(), 0)));
                }
                let maps = objects
                    .iter()
                    .map(|o| match o {
                        GqlValue::Object(m) => Ok(m),
                        _ => Err(bad_request("objects: expected objects".into())),
                    })
                    .collect::<async_graphql::Result<Vec<_>>>()?;
                let sql = sql::insert(&t, &maps).map_err(bad_request)?;
                let (rows, n) = run(&ctx, &t, sql).await?;
                Ok(Some(mutation_result(rows, n)))
            })
        },
    )
    .description(format!(
        "Inserts rows into {}.{} (one statement).",
        t.schema, t.table
    ))
    .argument(InputValue::new(
        "objects",
        TypeRef::named_nn_list_nn(format!("{}_insert", t.name)),
    ))
}

/// `update_T(where: T_filter!, set: T_set!): T_mutation_result!`.
pub(crate) fn update_field(t: &Arc<TableModel>) -> Field {
    let tt = t.clone();
    Field::new(
        format!("update_{}", t.name),
        TypeRef::named_nn(format!("{}_mutation_result", t.name)),
        move |ctx| {
            let t = tt.clone();
            FieldFuture::new(async move {
                let filter = arg(&ctx, "where").unwrap_or(GqlValue::Object(InputMap::new()));
                let set = match arg(&ctx, "set") {
                    Some(GqlValue::Object(m)) => m,
                    _ => InputMap::new(),
                };
                let sql = sql::update(&t, &filter, &set).map_err(bad_request)?;
                let (rows, n) = run(&ctx, &t, sql).await?;
                Ok(Some(mutation_result(rows, n)))
            })
        },
    )
    .description(format!(
        "Updates the rows of {}.{} matching `where`.",
        t.schema, t.table
    ))
    .argument(InputValue::new(
        "where",
        TypeRef::named_nn(format!("{}_filter", t.name)),
    ))
    .argument(InputValue::new(
        "set",
        TypeRef::named_nn(format!("{}_set", t.name)),
    ))
}

/// `delete_T(where: T_filter!): T_mutation_result!`.
pub(crate) fn delete_field(t: &Arc<TableModel>) -> Field {
    let tt = t.clone();
    Field::new(
        format!("delete_{}", t.name),
        TypeRef::named_nn(format!("{}_mutation_result", t.name)),
        move |ctx| {
            let t = tt.clone();
            FieldFuture::new(async move {
                let filter = arg(&ctx, "where").unwrap_or(GqlValue::Object(InputMap::new()));
                let sql = sql::delete(&t, &filter).map_err(bad_request)?;
                let (rows, n) = run(&ctx, &t, sql).await?;
                Ok(Some(mutation_result(rows, n)))
            })
        },
    )
    .description(format!(
        "Deletes the rows of {}.{} matching `where`.",
        t.schema, t.table
    ))
    .argument(InputValue::new(
        "where",
        TypeRef::named_nn(format!("{}_filter", t.name)),
    ))
}
