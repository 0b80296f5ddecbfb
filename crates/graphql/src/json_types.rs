//! Output types backed by JSON: most results of this API are plain records (server
//! counters, sessions, transactions), so a resolver builds a `serde_json::Value` with
//! the field names of the GraphQL type, and the object types declared here read their
//! fields out of it.
//!
//! A type is declared as a list of `(field, type, description)` where the type is
//! written as in SDL (`"String!"`, `"[LockWait!]!"`, `"BigInt"`). A field whose base
//! type is one of this schema's objects yields the nested JSON value as that object;
//! scalars are converted with [`async_graphql::Value::from_json`].

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, Scalar, TypeRef};
use async_graphql::{Error, Value};

/// Scalar types the JSON-backed objects may use (besides the built-in ones).
pub(crate) const BIG_INT: &str = "BigInt";
/// Any JSON value (SQL rows, parameters).
pub(crate) const JSON: &str = "JSON";

/// The custom scalars.
pub(crate) fn scalars() -> [Scalar; 2] {
    [
        Scalar::new(BIG_INT)
            .description("A 64-bit integer (ids, counters, byte counts), sent as a JSON number."),
        Scalar::new(JSON).description("Any JSON value."),
    ]
}

fn is_scalar(name: &str) -> bool {
    matches!(name, "String" | "Int" | "Float" | "Boolean" | "ID") || name == BIG_INT || name == JSON
}

/// A [`TypeRef`] from SDL notation: `T`, `T!`, `[T]`, `[T!]`, `[T]!`, `[T!]!`.
pub(crate) fn ty(sdl: &str) -> TypeRef {
    let (outer_nn, rest) = match sdl.strip_suffix('!') {
        Some(r) => (true, r),
        None => (false, sdl),
    };
    if let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let (inner_nn, name) = match inner.strip_suffix('!') {
            Some(n) => (true, n),
            None => (false, inner),
        };
        return match (inner_nn, outer_nn) {
            (true, true) => TypeRef::named_nn_list_nn(name),
            (true, false) => TypeRef::named_nn_list(name),
            (false, true) => TypeRef::named_list_nn(name),
            (false, false) => TypeRef::named_list(name),
        };
    }
    if outer_nn {
        TypeRef::named_nn(rest)
    } else {
        TypeRef::named(rest)
    }
}

/// The base type name of SDL notation (`[LockWait!]!` -> `LockWait`).
fn base(sdl: &str) -> &str {
    sdl.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

/// A JSON-backed object type; `fields` are `(name, SDL type, description)`.
pub(crate) fn object(name: &str, description: &str, fields: &[(&str, &str, &str)]) -> Object {
    let mut obj = Object::new(name).description(description);
    for &(field, sdl, desc) in fields {
        let key = field.to_string();
        let nested = !is_scalar(base(sdl));
        let list = sdl.starts_with('[');
        obj = obj.field(
            Field::new(field, ty(sdl), move |ctx| {
                let key = key.clone();
                FieldFuture::new(async move {
                    let parent = ctx.parent_value.try_downcast_ref::<serde_json::Value>()?;
                    let v = parent.get(&key).cloned().unwrap_or(serde_json::Value::Null);
                    to_field(v, nested, list)
                })
            })
            .description(desc),
        );
    }
    obj
}

/// A JSON value as the field value of an object (`nested`) or scalar type.
pub(crate) fn to_field(
    v: serde_json::Value,
    nested: bool,
    list: bool,
) -> Result<Option<FieldValue<'static>>, Error> {
    if v.is_null() {
        return Ok(None);
    }
    if !nested {
        return Ok(Some(FieldValue::value(
            Value::from_json(v).map_err(|e| Error::new(e.to_string()))?,
        )));
    }
    if list {
        let items = match v {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        return Ok(Some(FieldValue::list(
            items.into_iter().map(FieldValue::owned_any),
        )));
    }
    Ok(Some(FieldValue::owned_any(v)))
}

/// A resolver's JSON result as the value of a field of object type.
pub(crate) fn out_object(v: serde_json::Value) -> Result<Option<FieldValue<'static>>, Error> {
    to_field(v, true, false)
}

/// A resolver's JSON array as the value of a field of list-of-objects type.
pub(crate) fn out_list(v: Vec<serde_json::Value>) -> Result<Option<FieldValue<'static>>, Error> {
    to_field(serde_json::Value::Array(v), true, true)
}

/// `snake_case` object keys to `camelCase`, recursively (serde output of the HTTP
/// crate's records to this schema's field names).
pub(crate) fn camel(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.into_iter()
                .map(|(k, v)| (camel_key(&k), camel(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(camel).collect()),
        other => other,
    }
}

fn camel_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut upper = false;
    for c in k.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdl_notation_maps_to_type_refs() {
        assert_eq!(ty("String!").to_string(), "String!");
        assert_eq!(ty("[LockWait!]!").to_string(), "[LockWait!]!");
        assert_eq!(ty("[Int]").to_string(), "[Int]");
        assert_eq!(ty("BigInt").to_string(), "BigInt");
        assert_eq!(base("[LockWait!]!"), "LockWait");
    }
}
