//! Quoting and `format()`: SQL identifiers and literals as PostgreSQL writes them.

use rustydb_common::DbError;

use super::args::text;
use super::def::f;
use super::{EvalContext, FuncDef, P};
use crate::types::text::format_value;
use crate::types::{DataType as T, Value, errors};

type R = Result<Value, DbError>;

fn s(v: String) -> R {
    Ok(Value::Text(v))
}

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("quote_ident", &[T::Text], T::Text, quote_ident_fn),
        f("quote_literal", &[T::Text], T::Text, quote_literal_fn),
        f("quote_nullable", &[T::Text], T::Text, quote_nullable).non_strict(),
        f("format", &[T::Text], T::Text, format)
            .non_strict()
            .variadic(P::Any),
    ]
}

/// Whether PostgreSQL would quote an identifier: anything but lower-case letters, digits
/// and underscores (not starting with a digit), or a reserved keyword.
fn needs_quotes(ident: &str) -> bool {
    const RESERVED: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_catalog",
        "current_date",
        "current_role",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "lateral",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "returning",
        "select",
        "session_user",
        "some",
        "symmetric",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "when",
        "where",
        "window",
        "with",
    ];
    let mut chars = ident.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    !(first.is_ascii_lowercase() || first == '_')
        || !ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || RESERVED.contains(&ident)
}

/// `quote_ident`.
pub fn quote_ident(ident: &str) -> String {
    if needs_quotes(ident) {
        format!("\"{}\"", ident.replace('"', "\"\""))
    } else {
        ident.to_string()
    }
}

/// `quote_literal`: single quotes doubled; with backslashes, an `E''` literal.
pub fn quote_literal(lit: &str) -> String {
    let body = lit.replace('\'', "''");
    if lit.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

fn quote_ident_fn(a: &[Value], _: &EvalContext) -> R {
    s(quote_ident(text(&a[0])?))
}

fn quote_literal_fn(a: &[Value], _: &EvalContext) -> R {
    s(quote_literal(text(&a[0])?))
}

fn quote_nullable(a: &[Value], _: &EvalContext) -> R {
    match &a[0] {
        Value::Null => s("NULL".into()),
        v => s(quote_literal(text(v)?)),
    }
}

/// `format(fmt, ...)`: `%s` (text output, NULL as empty), `%I` (identifier), `%L`
/// (literal, NULL as `NULL`), `%%`, with optional `n$` positions and `-`/width.
fn format(a: &[Value], _: &EvalContext) -> R {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let fmt: Vec<char> = text(&a[0])?.chars().collect();
    let args = &a[1..];
    let mut out = String::new();
    let mut next = 0usize;
    let mut i = 0;
    let bad = |m: &str| errors::invalid_parameter(m.to_string());
    while i < fmt.len() {
        if fmt[i] != '%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i >= fmt.len() {
            return Err(bad("unterminated format() type specifier"));
        }
        if fmt[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // Optional position `n$`.
        let mut j = i;
        let mut num = 0usize;
        while j < fmt.len() && fmt[j].is_ascii_digit() {
            num = num
                .saturating_mul(10)
                .saturating_add(fmt[j] as usize - '0' as usize);
            j += 1;
        }
        let mut arg_index = None;
        if j > i && j < fmt.len() && fmt[j] == '$' {
            if num == 0 {
                return Err(bad(
                    "format specifies argument 0, but arguments are numbered from 1",
                ));
            }
            arg_index = Some(num - 1);
            i = j + 1;
        }
        let mut left_align = false;
        if i < fmt.len() && fmt[i] == '-' {
            left_align = true;
            i += 1;
        }
        let mut width = 0usize;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            width = width
                .saturating_mul(10)
                .saturating_add(fmt[i] as usize - '0' as usize);
            i += 1;
        }
        let Some(&kind) = fmt.get(i) else {
            return Err(bad("unterminated format() type specifier"));
        };
        i += 1;
        let idx = arg_index.unwrap_or(next);
        next = idx + 1;
        let arg = args
            .get(idx)
            .ok_or_else(|| bad("too few arguments for format()"))?;
        let piece = match kind {
            's' => {
                if arg.is_null() {
                    String::new()
                } else {
                    format_value(arg)
                }
            }
            'I' => {
                if arg.is_null() {
                    return Err(errors::data(
                        "22004",
                        "null values cannot be formatted as an SQL identifier",
                    ));
                }
                quote_ident(&format_value(arg))
            }
            'L' => {
                if arg.is_null() {
                    "NULL".into()
                } else {
                    quote_literal(&format_value(arg))
                }
            }
            other => {
                return Err(
                    bad(&format!("unrecognized format() type specifier \"{other}\""))
                        .with_hint("For a single \"%\" use \"%%\"."),
                );
            }
        };
        let len = piece.chars().count();
        if len < width {
            let padding = " ".repeat(width - len);
            if left_align {
                out.push_str(&piece);
                out.push_str(&padding);
            } else {
                out.push_str(&padding);
                out.push_str(&piece);
            }
        } else {
            out.push_str(&piece);
        }
    }
    s(out)
}
