//! The GraphQL types of the typed API: shared scalars, comparison inputs and the order
//! enum, then per table its object, filter, order, insert, set and mutation-result types.
//!
//! # Scalars
//! `bigint` is the `BigInt` scalar, sent as a decimal string (`"9007199254740993"`)
//! because JSON numbers lose precision beyond 2^53 in most clients (PostGraphile does the
//! same); as input it takes a string or an Int. `numeric` is `Decimal`, a string holding
//! the exact value (`"12.50"`); as input a string or a number.

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object,
    Scalar as GqlScalar, SchemaBuilder, TypeRef,
};
use rustydb_common::{DbError, ErrorCode};

use super::model::{ColumnModel, Scalar, TableModel};

/// The order direction enum's name.
pub(crate) const ORDER_DIRECTION: &str = "OrderDirection";

/// Registers the types every table shares.
pub(crate) fn register_shared(mut builder: SchemaBuilder) -> SchemaBuilder {
    builder = builder
        .register(
            GqlScalar::new("BigInt")
                .description(
                    "A PostgreSQL bigint, as a decimal string (exact beyond 2^53); input: a \
                     string or an Int.",
                )
                .validator(|v| match v {
                    GqlValue::String(s) => s.parse::<i64>().is_ok(),
                    GqlValue::Number(n) => n.is_i64(),
                    _ => false,
                }),
        )
        .register(
            GqlScalar::new("Decimal")
                .description(
                    "A PostgreSQL numeric, as a string holding the exact value; input: a \
                     string or a number.",
                )
                .validator(|v| matches!(v, GqlValue::String(_) | GqlValue::Number(_))),
        )
        .register(
            Enum::new(ORDER_DIRECTION)
                .description("Sort direction; NULLs sort last ascending, first descending.")
                .item(EnumItem::new("ASC"))
                .item(EnumItem::new("DESC"))
                .item(EnumItem::new("ASC_NULLS_FIRST"))
                .item(EnumItem::new("DESC_NULLS_LAST")),
        );
    for s in Scalar::ALL {
        let ty = s.type_name();
        let mut f = InputObject::new(s.filter_name())
            .description(format!(
                "Comparisons of a {ty} column; the given ones are ANDed."
            ))
            .field(InputValue::new("eq", TypeRef::named(ty)))
            .field(InputValue::new("neq", TypeRef::named(ty)))
            .field(InputValue::new("lt", TypeRef::named(ty)))
            .field(InputValue::new("lte", TypeRef::named(ty)))
            .field(InputValue::new("gt", TypeRef::named(ty)))
            .field(InputValue::new("gte", TypeRef::named(ty)))
            .field(InputValue::new("in", TypeRef::named_nn_list(ty)))
            .field(InputValue::new("isNull", TypeRef::named(TypeRef::BOOLEAN)));
        if s == Scalar::Text {
            f = f.field(
                InputValue::new("like", TypeRef::named(TypeRef::STRING))
                    .description("SQL LIKE pattern (`%` any run, `_` one character)."),
            );
        }
        builder = builder.register(f);
    }
    builder
}

/// The output type of a column (non-null when NOT NULL).
fn output_type(c: &ColumnModel) -> TypeRef {
    let name = c.scalar.type_name();
    match (c.array, c.not_null) {
        (false, false) => TypeRef::named(name),
        (false, true) => TypeRef::named_nn(name),
        (true, false) => TypeRef::named_list(name),
        (true, true) => TypeRef::named_list_nn(name),
    }
}

/// The input type of a column in insert/set objects (nullable: omitted = DEFAULT /
/// unchanged; explicit null = NULL).
fn input_type(c: &ColumnModel) -> TypeRef {
    let name = c.scalar.type_name();
    if c.array {
        TypeRef::named_list(name)
    } else {
        TypeRef::named(name)
    }
}

/// A field reading key `key` of the parent object value.
pub(crate) fn parent_field(name: &str, ty: TypeRef, key: String) -> Field {
    Field::new(name, ty, move |ctx| {
        let key = key.clone();
        FieldFuture::new(async move {
            let v = match ctx.parent_value.as_value() {
                Some(GqlValue::Object(m)) => m.get(key.as_str()).cloned(),
                _ => None,
            };
            Ok(v.filter(|v| !matches!(v, GqlValue::Null))
                .map(FieldValue::value))
        })
    })
}

/// The field of column `c`. A `real` / `double precision` value NaN or ±Infinity (sent
/// as a string by `value_to_json`) has no GraphQL `Float`: the field is an error (0A000)
/// rather than a wrongly typed or made-up value.
fn column_field(t: &TableModel, c: &ColumnModel) -> Field {
    if c.scalar != Scalar::Float {
        return parent_field(&c.field, output_type(c), c.field.clone());
    }
    let key = c.field.clone();
    let what = format!("{}.{}.{}", t.schema, t.table, c.name);
    let quote = super::sql::quote_ident(&c.name);
    Field::new(c.field.as_str(), output_type(c), move |ctx| {
        let key = key.clone();
        let what = what.clone();
        let quote = quote.clone();
        FieldFuture::new(async move {
            let v = match ctx.parent_value.as_value() {
                Some(GqlValue::Object(m)) => m.get(key.as_str()).cloned(),
                _ => None,
            };
            let special = |v: &GqlValue| matches!(v, GqlValue::String(_));
            let bad = match &v {
                Some(GqlValue::List(items)) => items.iter().any(special),
                Some(v) => special(v),
                None => false,
            };
            if bad {
                let e = DbError::from_template(
                    ErrorCode::FeatureNotSupported,
                    &[(
                        "feature",
                        &format!("NaN or infinity as a GraphQL Float (column {what})"),
                    )],
                )
                .with_hint(format!(
                    "Read the column with the `query` field, e.g. as `{}::text`.",
                    quote
                ));
                return Err(crate::errors::db(e));
            }
            Ok(v.filter(|v| !matches!(v, GqlValue::Null))
                .map(FieldValue::value))
        })
    })
}

/// Registers the types of table `t`.
pub(crate) fn register_table(mut builder: SchemaBuilder, t: &TableModel) -> SchemaBuilder {
    let n = &t.name;
    let mut obj = Object::new(n.as_str()).description(format!("Table {}.{}.", t.schema, t.table));
    let mut filter = InputObject::new(format!("{n}_filter"))
        .description(format!(
            "A condition on rows of {}.{}; keys are ANDed.",
            t.schema, t.table
        ))
        .field(InputValue::new(
            "and",
            TypeRef::named_nn_list(format!("{n}_filter")),
        ))
        .field(InputValue::new(
            "or",
            TypeRef::named_nn_list(format!("{n}_filter")),
        ))
        .field(InputValue::new(
            "not",
            TypeRef::named(format!("{n}_filter")),
        ));
    let mut order = InputObject::new(format!("{n}_order"))
        .description("Sort keys; one column per object keeps the order explicit.");
    let mut insert = InputObject::new(format!("{n}_insert"))
        .description("A row to insert; omitted columns take their DEFAULT.");
    let mut set = InputObject::new(format!("{n}_set"))
        .description("Columns to change; omitted ones keep their value.");
    for c in &t.columns {
        obj = obj.field(column_field(t, c).description(format!("Column {}.", c.name)));
        if !c.array {
            filter = filter.field(InputValue::new(
                c.field.as_str(),
                TypeRef::named(c.scalar.filter_name()),
            ));
            order = order.field(InputValue::new(
                c.field.as_str(),
                TypeRef::named(ORDER_DIRECTION),
            ));
        }
        insert = insert.field(InputValue::new(c.field.as_str(), input_type(c)));
        set = set.field(InputValue::new(c.field.as_str(), input_type(c)));
    }
    let result = Object::new(format!("{n}_mutation_result"))
        .description("What a mutation changed.")
        .field(parent_field(
            "affected_rows",
            TypeRef::named_nn(TypeRef::INT),
            "affected_rows".into(),
        ))
        .field(parent_field(
            "returning",
            TypeRef::named_nn_list_nn(n.as_str()),
            "returning".into(),
        ));
    builder = builder
        .register(obj)
        .register(filter)
        .register(result)
        .register(insert);
    // An input object needs at least one field: tables whose only columns are arrays have
    // no order type (their list field has no orderBy argument).
    if t.columns.iter().any(|c| !c.array) {
        builder = builder.register(order);
    }
    if !t.columns.is_empty() {
        builder = builder.register(set);
    }
    builder
}
