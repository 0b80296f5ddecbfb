//! SQL text for the typed API's operations, with every value a `$n` parameter.
//!
//! Identifiers come from the catalog and are always double-quoted (with `"` doubled);
//! values from the request never enter the SQL text: each becomes a JSON parameter that
//! [`rustydb_http::sql_json::params_from_json`] turns into a SQL value, cast by the
//! session to the type inferred for its `$n` (the column's). GraphQL lists given for
//! array columns are sent as one PostgreSQL array literal string (`{"a","b",NULL}`),
//! since parameters cannot be JSON arrays.
//!
//! Filters: each key of a `T_filter` object is a column (a comparison object), `and`,
//! `or` or `not`; the keys of one object are ANDed. An empty `and` is TRUE, an empty
//! `or` FALSE, `in: []` FALSE. A comparison whose value is `null` is ignored (use
//! `isNull`), as in PostGraphile.

use async_graphql::{Name, Value as GqlValue};
use serde_json::Value as Json;

use super::model::{ColumnModel, TableModel};

/// A statement and its parameters.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    /// The text with `$1`, `$2`, ...
    pub(crate) text: String,
    /// The parameters, in order.
    pub(crate) params: Vec<Json>,
}

impl Sql {
    /// Adds a parameter, returning its `$n` reference.
    fn param(&mut self, v: Json) -> String {
        self.params.push(v);
        format!("${}", self.params.len())
    }
}

/// A GraphQL input object's fields.
pub(crate) type InputMap = async_graphql::indexmap::IndexMap<Name, GqlValue>;

/// A request error: the message names the argument or field.
pub(crate) type BuildResult<T> = Result<T, String>;

/// `name` as a quoted SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."table"`.
fn relation(t: &TableModel) -> String {
    format!("{}.{}", quote_ident(&t.schema), quote_ident(&t.table))
}

/// Every column, quoted, comma-separated (the SELECT / RETURNING list).
fn column_list(t: &TableModel) -> String {
    t.columns
        .iter()
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A GraphQL input value as a parameter of a column: lists of array columns become a
/// PostgreSQL array literal.
fn column_param(col: &ColumnModel, v: &GqlValue) -> BuildResult<Json> {
    if col.array {
        return match v {
            GqlValue::Null => Ok(Json::Null),
            GqlValue::List(items) => Ok(Json::String(array_literal(items))),
            _ => Err(format!("field {}: expected a list", col.field)),
        };
    }
    v.clone()
        .into_json()
        .map_err(|e| format!("field {}: {e}", col.field))
}

/// A PostgreSQL array literal of GraphQL values (elements quoted; NULL bare).
pub(crate) fn array_literal(items: &[GqlValue]) -> String {
    let elems: Vec<String> = items
        .iter()
        .map(|v| match v {
            GqlValue::Null => "NULL".to_string(),
            GqlValue::String(s) => quote_element(s),
            GqlValue::List(inner) => array_literal(inner),
            other => quote_element(&other.to_string()),
        })
        .collect();
    format!("{{{}}}", elems.join(","))
}

fn quote_element(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The SQL condition of a `T_filter` value.
pub(crate) fn condition(t: &TableModel, filter: &GqlValue, sql: &mut Sql) -> BuildResult<String> {
    let GqlValue::Object(map) = filter else {
        return Err("where: expected an object".into());
    };
    let mut parts = Vec::new();
    for (key, v) in map {
        if matches!(v, GqlValue::Null) {
            continue;
        }
        match key.as_str() {
            "and" | "or" => {
                let GqlValue::List(items) = v else {
                    return Err(format!("where.{key}: expected a list"));
                };
                let subs = items
                    .iter()
                    .map(|f| condition(t, f, sql))
                    .collect::<BuildResult<Vec<_>>>()?;
                let (op, empty) = if key.as_str() == "and" {
                    (" AND ", "TRUE")
                } else {
                    (" OR ", "FALSE")
                };
                parts.push(if subs.is_empty() {
                    empty.to_string()
                } else {
                    format!("({})", subs.join(op))
                });
            }
            "not" => parts.push(format!("NOT ({})", condition(t, v, sql)?)),
            field => {
                let col = t
                    .column(field)
                    .ok_or_else(|| format!("where: unknown column {field}"))?;
                comparisons(col, v, sql, &mut parts)?;
            }
        }
    }
    Ok(if parts.is_empty() {
        "TRUE".into()
    } else {
        parts.join(" AND ")
    })
}

/// The conditions of one column's comparison object, appended to `parts`.
fn comparisons(
    col: &ColumnModel,
    v: &GqlValue,
    sql: &mut Sql,
    parts: &mut Vec<String>,
) -> BuildResult<()> {
    let GqlValue::Object(ops) = v else {
        return Err(format!("where.{}: expected an object", col.field));
    };
    let ident = quote_ident(&col.name);
    for (op, arg) in ops {
        if matches!(arg, GqlValue::Null) {
            continue;
        }
        let sym = match op.as_str() {
            "eq" => "=",
            "neq" => "<>",
            "lt" => "<",
            "lte" => "<=",
            "gt" => ">",
            "gte" => ">=",
            "like" => "LIKE",
            "isNull" => {
                let GqlValue::Boolean(b) = arg else {
                    return Err(format!("where.{}.isNull: expected a boolean", col.field));
                };
                parts.push(format!("{ident} IS {}NULL", if *b { "" } else { "NOT " }));
                continue;
            }
            "in" => {
                let GqlValue::List(items) = arg else {
                    return Err(format!("where.{}.in: expected a list", col.field));
                };
                if items.is_empty() {
                    parts.push("FALSE".into());
                    continue;
                }
                let ps = items
                    .iter()
                    .map(|i| column_param(col, i).map(|j| sql.param(j)))
                    .collect::<BuildResult<Vec<_>>>()?;
                parts.push(format!("{ident} IN ({})", ps.join(", ")));
                continue;
            }
            other => return Err(format!("where.{}: unknown operator {other}", col.field)),
        };
        let p = column_param(col, arg)?;
        let p = sql.param(p);
        parts.push(format!("{ident} {sym} {p}"));
    }
    Ok(())
}

/// ORDER BY items of an `orderBy` list (each object's keys in order).
fn order_by(t: &TableModel, order: &[GqlValue]) -> BuildResult<Vec<String>> {
    let mut items = Vec::new();
    for o in order {
        let GqlValue::Object(map) = o else {
            return Err("orderBy: expected objects".into());
        };
        for (field, dir) in map {
            let GqlValue::Enum(dir) = dir else { continue };
            let col = t
                .column(field)
                .ok_or_else(|| format!("orderBy: unknown column {field}"))?;
            let dir = match dir.as_str() {
                "ASC" => "ASC",
                "DESC" => "DESC",
                "ASC_NULLS_FIRST" => "ASC NULLS FIRST",
                "DESC_NULLS_LAST" => "DESC NULLS LAST",
                other => return Err(format!("orderBy.{field}: unknown direction {other}")),
            };
            items.push(format!("{} {dir}", quote_ident(&col.name)));
        }
    }
    Ok(items)
}

/// `SELECT every column FROM t [WHERE] [ORDER BY] LIMIT $n [OFFSET $m]`.
pub(crate) fn select(
    t: &TableModel,
    filter: Option<&GqlValue>,
    order: &[GqlValue],
    limit: i64,
    offset: Option<i64>,
) -> BuildResult<Sql> {
    let mut sql = Sql::default();
    let mut text = format!("SELECT {} FROM {}", column_list(t), relation(t));
    if let Some(f) = filter {
        let cond = condition(t, f, &mut sql)?;
        text.push_str(&format!(" WHERE {cond}"));
    }
    let order = order_by(t, order)?;
    if !order.is_empty() {
        text.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    let p = sql.param(Json::from(limit));
    text.push_str(&format!(" LIMIT {p}"));
    if let Some(off) = offset {
        let p = sql.param(Json::from(off));
        text.push_str(&format!(" OFFSET {p}"));
    }
    sql.text = text;
    Ok(sql)
}

/// `SELECT ... WHERE pk1 = $1 AND ...` from the primary key arguments `key`.
pub(crate) fn by_pk(t: &TableModel, key: &[(String, GqlValue)]) -> BuildResult<Sql> {
    let mut sql = Sql::default();
    let mut conds = Vec::new();
    for (field, v) in key {
        let col = t
            .column(field)
            .ok_or_else(|| format!("unknown column {field}"))?;
        let p = column_param(col, v)?;
        conds.push(format!("{} = {}", quote_ident(&col.name), sql.param(p)));
    }
    sql.text = format!(
        "SELECT {} FROM {} WHERE {}",
        column_list(t),
        relation(t),
        conds.join(" AND ")
    );
    Ok(sql)
}

/// One multi-row INSERT ... RETURNING; a column missing from an object takes its DEFAULT.
pub(crate) fn insert(t: &TableModel, objects: &[&InputMap]) -> BuildResult<Sql> {
    let mut sql = Sql::default();
    let cols: Vec<&ColumnModel> = t
        .columns
        .iter()
        .filter(|c| objects.iter().any(|o| o.contains_key(c.field.as_str())))
        .collect();
    let cols: Vec<&ColumnModel> = if cols.is_empty() {
        t.columns.iter().collect()
    } else {
        cols
    };
    let mut rows = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        for k in o.keys() {
            if t.column(k).is_none() {
                return Err(format!("objects[{i}]: unknown column {k}"));
            }
        }
        let mut vals = Vec::new();
        for c in &cols {
            match o.get(c.field.as_str()) {
                Some(v) => {
                    let p = column_param(c, v).map_err(|e| format!("objects[{i}].{e}"))?;
                    vals.push(sql.param(p));
                }
                None => vals.push("DEFAULT".into()),
            }
        }
        rows.push(format!("({})", vals.join(", ")));
    }
    let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.name)).collect();
    sql.text = format!(
        "INSERT INTO {} ({}) VALUES {} RETURNING {}",
        relation(t),
        names.join(", "),
        rows.join(", "),
        column_list(t)
    );
    Ok(sql)
}

/// `UPDATE t SET ... WHERE ... RETURNING ...`.
pub(crate) fn update(t: &TableModel, filter: &GqlValue, set: &InputMap) -> BuildResult<Sql> {
    let mut sql = Sql::default();
    let mut assigns = Vec::new();
    for (field, v) in set {
        let col = t
            .column(field)
            .ok_or_else(|| format!("set: unknown column {field}"))?;
        let p = column_param(col, v).map_err(|e| format!("set.{e}"))?;
        assigns.push(format!("{} = {}", quote_ident(&col.name), sql.param(p)));
    }
    if assigns.is_empty() {
        return Err("set: name at least one column".into());
    }
    let cond = condition(t, filter, &mut sql)?;
    sql.text = format!(
        "UPDATE {} SET {} WHERE {cond} RETURNING {}",
        relation(t),
        assigns.join(", "),
        column_list(t)
    );
    Ok(sql)
}

/// `DELETE FROM t WHERE ... RETURNING ...`.
pub(crate) fn delete(t: &TableModel, filter: &GqlValue) -> BuildResult<Sql> {
    let mut sql = Sql::default();
    let cond = condition(t, filter, &mut sql)?;
    sql.text = format!(
        "DELETE FROM {} WHERE {cond} RETURNING {}",
        relation(t),
        column_list(t)
    );
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::super::model::Scalar;
    use super::*;

    fn table() -> TableModel {
        let col = |name: &str, scalar| ColumnModel {
            name: name.into(),
            field: name.replace(' ', "_"),
            scalar,
            array: false,
            not_null: false,
        };
        TableModel {
            schema: "public".into(),
            table: "we\"ird".into(),
            name: "we_ird".into(),
            columns: vec![col("id", Scalar::Int), col("a b", Scalar::Text)],
            primary_key: vec![0],
        }
    }

    fn gql(s: &str) -> GqlValue {
        GqlValue::from_json(serde_json::from_str(s).unwrap()).unwrap()
    }

    #[test]
    fn identifiers_are_quoted_and_values_are_parameters() {
        let t = table();
        let f = gql(
            r#"{"a_b": {"eq": "x'; DROP TABLE t; --", "in": ["p", "q"]}, "or": [{"id": {"gt": 1}}, {"id": {"isNull": true}}]}"#,
        );
        let s = select(&t, Some(&f), &[], 10, Some(5)).unwrap();
        assert_eq!(
            s.text,
            "SELECT \"id\", \"a b\" FROM \"public\".\"we\"\"ird\" WHERE \"a b\" = $1 AND \"a b\" IN ($2, $3) \
             AND (\"id\" > $4 OR \"id\" IS NULL) LIMIT $5 OFFSET $6"
        );
        assert_eq!(s.params[0], Json::String("x'; DROP TABLE t; --".into()));
        assert_eq!(s.params.len(), 6);
    }

    #[test]
    fn empty_combinators_and_in_lists() {
        let t = table();
        let mut sql = Sql::default();
        assert_eq!(
            condition(&t, &gql(r#"{"and": [], "id": {"in": []}}"#), &mut sql).unwrap(),
            "TRUE AND FALSE"
        );
        assert_eq!(
            condition(&t, &gql(r#"{"or": []}"#), &mut sql).unwrap(),
            "FALSE"
        );
        assert_eq!(
            condition(&t, &gql(r#"{"not": {"id": {"eq": null}}}"#), &mut sql).unwrap(),
            "NOT (TRUE)"
        );
        assert!(condition(&t, &gql(r#"{"nope": {"eq": 1}}"#), &mut sql).is_err());
    }

    #[test]
    fn array_literals_quote_elements() {
        let items = [GqlValue::from("a\"b"), GqlValue::Null, GqlValue::from(3)];
        assert_eq!(array_literal(&items), r#"{"a\"b",NULL,"3"}"#);
    }
}
