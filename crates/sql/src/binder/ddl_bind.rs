//! From the AST to [`DdlStatement`]: the checks that need no catalog (what RustyDB
//! supports, option values), and names folded as PostgreSQL folds them.

use rustydb_common::DbError;
use sqlparser::ast::{self, Expr, ObjectType, Statement};

use super::ddl::{DdlStatement, ObjectKind, SequenceOptionsSpec};
use super::errors;
use super::names;
use crate::types::DataType;

/// The DDL form of `stmt`, or None if it is not DDL.
pub(crate) fn bind_ddl(stmt: &Statement) -> Result<Option<DdlStatement>, DbError> {
    if let Some(ddl) = super::ddl_role::bind_role_statement(stmt)? {
        return Ok(Some(ddl));
    }
    if let Some(ddl) = super::grant::bind_grant(stmt)? {
        return Ok(Some(ddl));
    }
    Ok(Some(match stmt {
        Statement::CreateTable(ct) => DdlStatement::CreateTable(super::ddl_table::table_spec(ct)?),
        Statement::CreateIndex(ci) => DdlStatement::CreateIndex(super::ddl_index::index_spec(ci)?),
        Statement::CreateView(cv) => DdlStatement::CreateView(super::ddl_misc::view_spec(cv)?),
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            or_replace: false,
            with: None,
            options: None,
            default_collate_spec: None,
            clone: None,
        } => {
            let name = match schema_name {
                ast::SchemaName::Simple(n) | ast::SchemaName::NamedAuthorization(n, _) => {
                    names::object_name(n)?.join(".")
                }
                ast::SchemaName::UnnamedAuthorization(id) => names::ident(id),
            };
            DdlStatement::CreateSchema {
                name,
                if_not_exists: *if_not_exists,
            }
        }
        Statement::CreateSequence {
            temporary: false,
            if_not_exists,
            name,
            sequence_options,
        } => DdlStatement::CreateSequence {
            name: names::object_name(name)?,
            if_not_exists: *if_not_exists,
            options: sequence_options_spec(sequence_options)?,
        },
        Statement::AlterTable(at) => super::ddl_alter::alter_spec(at)?,
        Statement::AlterIndex {
            name,
            operation: ast::AlterIndexOperation::RenameIndex { index_name },
        } => DdlStatement::RenameIndex {
            name: names::object_name(name)?,
            new_name: names::object_name(index_name)?
                .last()
                .cloned()
                .unwrap_or_default(),
        },
        Statement::Drop {
            object_type,
            if_exists,
            names: list,
            cascade,
            purge: false,
            temporary: false,
            table: None,
            ..
        } => {
            let kind = match object_type {
                ObjectType::Table => ObjectKind::Table,
                ObjectType::View => ObjectKind::View,
                ObjectType::Index => ObjectKind::Index,
                ObjectType::Sequence => ObjectKind::Sequence,
                ObjectType::Schema => ObjectKind::Schema,
                other => return Err(errors::unsupported(format!("DROP {other}"))),
            };
            DdlStatement::Drop {
                kind,
                names: list
                    .iter()
                    .map(names::object_name)
                    .collect::<Result<_, _>>()?,
                if_exists: *if_exists,
                cascade: *cascade,
            }
        }
        Statement::Truncate(t) => {
            if t.partitions.is_some()
                || t.on_cluster.is_some()
                || t.if_exists
                || t.table_names.iter().any(|n| n.only)
            {
                return Err(errors::unsupported(format!("{stmt}")));
            }
            DdlStatement::Truncate {
                names: t
                    .table_names
                    .iter()
                    .map(|n| names::object_name(&n.name))
                    .collect::<Result<_, _>>()?,
                restart_identity: matches!(t.identity, Some(ast::TruncateIdentityOption::Restart)),
                cascade: matches!(t.cascade, Some(ast::CascadeOption::Cascade)),
            }
        }
        Statement::Call(f) => match super::utility::internal_call_name(f).as_deref() {
            Some(kind @ ("reindex_index" | "reindex_table")) => {
                let name = super::utility::internal_call_arg(f)
                    .ok_or_else(|| errors::syntax("REINDEX needs a name"))?;
                DdlStatement::Reindex {
                    table: kind == "reindex_table",
                    name: names::object_name(&name)?,
                }
            }
            Some("alter_sequence") => super::ddl_misc::alter_sequence_spec(f)?,
            _ => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// An integer constant of an option (`-5`, `10`).
pub(crate) fn const_i64(e: &Expr) -> Result<i64, DbError> {
    match e {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(s, _) => s
                .parse()
                .map_err(|_| errors::syntax(format!("invalid integer \"{s}\""))),
            other => Err(errors::syntax(format!(
                "syntax error at or near \"{other}\""
            ))),
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => Ok(-const_i64(expr)?),
        Expr::UnaryOp {
            op: ast::UnaryOperator::Plus,
            expr,
        } => const_i64(expr),
        Expr::Nested(inner) => const_i64(inner),
        other => Err(errors::syntax(format!(
            "syntax error at or near \"{other}\""
        ))),
    }
}

/// CREATE SEQUENCE / identity options.
pub(crate) fn sequence_options_spec(
    opts: &[ast::SequenceOptions],
) -> Result<SequenceOptionsSpec, DbError> {
    let mut s = SequenceOptionsSpec::default();
    for o in opts {
        match o {
            ast::SequenceOptions::DataType(t) => {
                let ty = names::type_name(t)?;
                if !matches!(ty, DataType::Int2 | DataType::Int4 | DataType::Int8) {
                    return Err(errors::invalid_column_reference(
                        "sequence type must be smallint, integer, or bigint",
                    )
                    .with_sqlstate("22023"));
                }
                s.ty = Some(ty);
            }
            ast::SequenceOptions::IncrementBy(e, _) => s.increment = Some(const_i64(e)?),
            ast::SequenceOptions::MinValue(v) => {
                s.min = Some(v.as_ref().map(const_i64).transpose()?)
            }
            ast::SequenceOptions::MaxValue(v) => {
                s.max = Some(v.as_ref().map(const_i64).transpose()?)
            }
            ast::SequenceOptions::StartWith(e, _) => s.start = Some(const_i64(e)?),
            ast::SequenceOptions::Cache(e) => s.cache = Some(const_i64(e)?),
            ast::SequenceOptions::Cycle(no) => s.cycle = Some(!*no),
            ast::SequenceOptions::OwnedBy(v) => {
                s.owned_by = Some(v.as_ref().map(names::object_name).transpose()?)
            }
        }
    }
    Ok(s)
}

/// The name of a statement kind for "... is not supported" (`CREATE TRIGGER`).
pub(crate) fn statement_name(stmt: &Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    let keyword = |w: &str| w.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    let n = match words.first() {
        Some(&("CREATE" | "ALTER" | "DROP")) => {
            1 + words
                .iter()
                .skip(1)
                .take_while(|w| keyword(w))
                .count()
                .clamp(1, 2)
        }
        _ => 1,
    };
    words.iter().take(n).copied().collect::<Vec<_>>().join(" ")
}
