//! What the typed API knows of each user table: its GraphQL names and column kinds.
//!
//! # Naming
//! GraphQL names must match `[_A-Za-z][_0-9A-Za-z]*` and must not start with `__`, while
//! SQL identifiers may hold any character. A table `public.t` is named `t`; a table in
//! another schema `s.t` is named `s_t`. Invalid characters become `_`, a leading digit
//! gets a `_` prefix and a leading `__` a `t` prefix. Names that still clash (with a
//! GraphQL built-in, with one of the shared filter types, or with another table's names)
//! get a `_2`, `_3`, ... suffix; tables are named in `(schema, name)` order, so the result
//! is the same on every build. Column names get the same treatment within their table,
//! and may not be `and`, `or` or `not` (the filter's combinators), which become `and_2`, ...

use std::collections::HashSet;

use rustydb_sql::catalog::CatalogState;
use rustydb_sql::types::DataType;

/// Schemas whose tables are not exposed.
const HIDDEN_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", "rustydb"];

/// Names the typed API never gives a table (built-ins and its own shared types).
const RESERVED_TYPES: &[&str] = &[
    "Int",
    "Float",
    "String",
    "Boolean",
    "ID",
    "Query",
    "Mutation",
    "Subscription",
    "BigInt",
    "Decimal",
    "OrderDirection",
];

/// The GraphQL scalar a column maps to (lists for arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// `smallint`, `integer`.
    Int,
    /// `bigint`, as a decimal string.
    BigInt,
    /// `real`, `double precision`.
    Float,
    /// `numeric`, as a decimal string.
    Decimal,
    /// `boolean`.
    Boolean,
    /// `text`, `varchar`, `char`: strings that `like` applies to.
    Text,
    /// Every other type, in PostgreSQL's text form (`bytea` as `\x` hex).
    String,
}

impl Scalar {
    /// The scalar of a SQL type; arrays map to their element's scalar.
    pub(crate) fn of(ty: &DataType) -> Scalar {
        match ty {
            DataType::Int2 | DataType::Int4 => Scalar::Int,
            DataType::Int8 => Scalar::BigInt,
            DataType::Float4 | DataType::Float8 => Scalar::Float,
            DataType::Numeric { .. } => Scalar::Decimal,
            DataType::Bool => Scalar::Boolean,
            DataType::Text | DataType::Varchar(_) | DataType::Char(_) => Scalar::Text,
            DataType::Array(elem) => Scalar::of(elem),
            _ => Scalar::String,
        }
    }

    /// The GraphQL type name.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Scalar::Int => "Int",
            Scalar::BigInt => "BigInt",
            Scalar::Float => "Float",
            Scalar::Decimal => "Decimal",
            Scalar::Boolean => "Boolean",
            Scalar::Text | Scalar::String => "String",
        }
    }

    /// The shared comparison input type of columns of this scalar.
    pub(crate) fn filter_name(self) -> &'static str {
        match self {
            Scalar::Int => "Int_filter",
            Scalar::BigInt => "BigInt_filter",
            Scalar::Float => "Float_filter",
            Scalar::Decimal => "Decimal_filter",
            Scalar::Boolean => "Boolean_filter",
            Scalar::Text => "Text_filter",
            Scalar::String => "String_filter",
        }
    }

    /// Every scalar, for registering the shared filter types.
    pub(crate) const ALL: [Scalar; 7] = [
        Scalar::Int,
        Scalar::BigInt,
        Scalar::Float,
        Scalar::Decimal,
        Scalar::Boolean,
        Scalar::Text,
        Scalar::String,
    ];
}

/// One visible column.
#[derive(Debug, Clone)]
pub(crate) struct ColumnModel {
    /// SQL name.
    pub(crate) name: String,
    /// GraphQL field name.
    pub(crate) field: String,
    /// Its scalar.
    pub(crate) scalar: Scalar,
    /// Whether the column is an array (a GraphQL list).
    pub(crate) array: bool,
    /// NOT NULL.
    pub(crate) not_null: bool,
}

/// One user table.
#[derive(Debug, Clone)]
pub(crate) struct TableModel {
    /// SQL schema.
    pub(crate) schema: String,
    /// SQL name.
    pub(crate) table: String,
    /// GraphQL base name (the object type's name; other names derive from it).
    pub(crate) name: String,
    /// Visible columns in order.
    pub(crate) columns: Vec<ColumnModel>,
    /// Indexes into `columns` of the primary key, empty without one.
    pub(crate) primary_key: Vec<usize>,
}

impl TableModel {
    /// The column with GraphQL name `field`.
    pub(crate) fn column(&self, field: &str) -> Option<&ColumnModel> {
        self.columns.iter().find(|c| c.field == field)
    }
}

/// Type names derived from a base name; all must be free for a table to take it.
fn derived_types(base: &str) -> [String; 6] {
    [
        base.to_string(),
        format!("{base}_filter"),
        format!("{base}_order"),
        format!("{base}_insert"),
        format!("{base}_set"),
        format!("{base}_mutation_result"),
    ]
}

/// `s` made a valid GraphQL name.
pub(crate) fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out.starts_with("__") {
        out.insert(0, 't');
    }
    out
}

/// The first of `base`, `base_2`, `base_3`, ... for which `free` holds.
fn first_free(base: &str, free: impl Fn(&str) -> bool) -> String {
    if free(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|c| free(c))
        .unwrap_or_default()
}

/// The models of every user table of `state`, named deterministically.
pub(crate) fn tables(state: &CatalogState) -> Vec<TableModel> {
    let mut tables: Vec<_> = state
        .tables()
        .filter(|t| {
            !HIDDEN_SCHEMAS.contains(&t.def.schema.as_str()) && !t.def.schema.starts_with("pg_")
        })
        .cloned()
        .collect();
    tables.sort_by(|a, b| (&a.def.schema, &a.def.name).cmp(&(&b.def.schema, &b.def.name)));
    let mut taken: HashSet<String> = RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
    taken.extend(Scalar::ALL.iter().map(|s| s.filter_name().to_string()));
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let raw = if t.def.schema == "public" {
            t.def.name.clone()
        } else {
            format!("{}_{}", t.def.schema, t.def.name)
        };
        let name = first_free(&sanitize(&raw), |c| {
            derived_types(c).iter().all(|d| !taken.contains(d))
        });
        taken.extend(derived_types(&name));
        let mut fields: HashSet<String> =
            ["and", "or", "not"].iter().map(|s| s.to_string()).collect();
        let mut columns = Vec::new();
        for (_, def, ty) in t.columns() {
            let field = first_free(&sanitize(&def.name), |c| !fields.contains(c));
            fields.insert(field.clone());
            columns.push(ColumnModel {
                name: def.name.clone(),
                field,
                scalar: Scalar::of(ty),
                array: matches!(ty, DataType::Array(_)),
                not_null: def.not_null,
            });
        }
        let primary_key = t
            .primary_key()
            .map(|pk| {
                pk.def
                    .columns
                    .iter()
                    .filter_map(|ic| t.visible.iter().position(|&v| v == ic.column))
                    .collect()
            })
            .unwrap_or_default();
        out.push(TableModel {
            schema: t.def.schema.clone(),
            table: t.def.name.clone(),
            name,
            columns,
            primary_key,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_graphql_safe() {
        assert_eq!(sanitize("users"), "users");
        assert_eq!(sanitize("order items"), "order_items");
        assert_eq!(sanitize("1st"), "_1st");
        assert_eq!(sanitize("__x"), "t__x");
        assert_eq!(sanitize(""), "_");
        assert_eq!(sanitize("é"), "_");
    }

    #[test]
    fn clashes_take_the_next_suffix() {
        let taken = ["a", "a_2"];
        assert_eq!(first_free("a", |c| !taken.contains(&c)), "a_3");
        assert_eq!(first_free("b", |c| !taken.contains(&c)), "b");
    }
}
