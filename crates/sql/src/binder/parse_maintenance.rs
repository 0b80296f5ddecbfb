//! VACUUM and ANALYZE in PostgreSQL's grammar, which sqlparser does not parse (its
//! VACUUM is Redshift's, its ANALYZE takes one table and no options):
//!
//! ```text
//! VACUUM [ ( option [, ...] ) ] [ table [ ( column [, ...] ) ] [, ...] ]
//! VACUUM [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ table [ ( column [, ...] ) ] [, ...] ]
//! ANALYZE [ ( option [, ...] ) ] [ table [ ( column [, ...] ) ] [, ...] ]
//! ANALYZE [ VERBOSE ] [ table [ ( column [, ...] ) ] [, ...] ]
//! ```
//!
//! Each becomes `CALL rustydb_internal.vacuum(..)` (or `.analyze(..)`): an option is a
//! named argument holding its value as written (NULL when none is), a table an unnamed
//! `(name, column, ...)` tuple. The grammar only shapes options; which names and values
//! are valid the binder checks, as PostgreSQL's `ExecVacuum` does after parsing, so the
//! errors are PostgreSQL's.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArgOperator, FunctionArguments, Ident, Statement,
    Value,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::parse::internal_call;

/// Parses VACUUM (`analyze_command` false) or ANALYZE / ANALYSE (true), the parser
/// standing at the command word.
pub(super) fn parse_vacuum(
    parser: &mut Parser<'_>,
    analyze_command: bool,
) -> Result<Statement, ParserError> {
    parser.next_token();
    let mut options: Vec<(String, Expr)> = Vec::new();
    if parser.consume_token(&Token::LParen) {
        loop {
            let name = option_name(parser)?;
            let value = match parser.peek_token().token {
                Token::Comma | Token::RParen => Expr::Value(Value::Null.into()),
                _ => option_value(parser)?,
            };
            options.push((name, value));
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
        parser.expect_token(&Token::RParen)?;
    } else {
        // The old form: these keywords, each optional, in this order.
        let words: &[(Keyword, &str)] = if analyze_command {
            &[(Keyword::VERBOSE, "verbose")]
        } else {
            &[
                (Keyword::FULL, "full"),
                (Keyword::FREEZE, "freeze"),
                (Keyword::VERBOSE, "verbose"),
                (Keyword::ANALYZE, "analyze"),
            ]
        };
        for &(keyword, name) in words {
            if parser.parse_keyword(keyword)
                || (keyword == Keyword::ANALYZE && next_is_analyse(parser))
            {
                options.push((name.to_string(), Expr::Value(Value::Boolean(true).into())));
            }
        }
    }
    let mut tables = Vec::new();
    if !matches!(parser.peek_token().token, Token::EOF | Token::SemiColon) {
        loop {
            // PostgreSQL reserves these words: `VACUUM ANALYZE FULL t` is misordered, not
            // a table named "full".
            let next = parser.peek_token();
            if let Token::Word(w) = &next.token
                && w.quote_style.is_none()
                && (matches!(
                    w.keyword,
                    Keyword::FULL | Keyword::FREEZE | Keyword::VERBOSE | Keyword::ANALYZE
                ) || w.value.eq_ignore_ascii_case("analyse"))
            {
                return parser.expected("a table name", next);
            }
            let name = parser.parse_object_name(false)?;
            let parts: Vec<Ident> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().cloned())
                .collect();
            let mut items = vec![Expr::CompoundIdentifier(parts)];
            if parser.consume_token(&Token::LParen) {
                let columns = parser.parse_comma_separated(|p| p.parse_identifier())?;
                parser.expect_token(&Token::RParen)?;
                items.extend(columns.into_iter().map(Expr::Identifier));
            }
            tables.push(Expr::Tuple(items));
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    let mut call = internal_call(if analyze_command { "analyze" } else { "vacuum" }, None);
    if let Statement::Call(f) = &mut call
        && let FunctionArguments::List(list) = &mut f.args
    {
        for (name, value) in options {
            list.args.push(FunctionArg::Named {
                name: Ident::new(name),
                arg: FunctionArgExpr::Expr(value),
                operator: FunctionArgOperator::RightArrow,
            });
        }
        list.args.extend(
            tables
                .into_iter()
                .map(|t| FunctionArg::Unnamed(FunctionArgExpr::Expr(t))),
        );
    }
    Ok(call)
}

/// The unquoted word ANALYSE (PostgreSQL's British spelling), consumed if it is next.
fn next_is_analyse(parser: &mut Parser<'_>) -> bool {
    let is = matches!(&parser.peek_token().token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("analyse"));
    if is {
        parser.next_token();
    }
    is
}

/// An option name: any word, lower-cased unless quoted; ANALYSE is ANALYZE.
fn option_name(parser: &mut Parser<'_>) -> Result<String, ParserError> {
    let tok = parser.next_token();
    match &tok.token {
        Token::Word(w) if w.quote_style.is_some() => Ok(w.value.clone()),
        Token::Word(w) if w.value.eq_ignore_ascii_case("analyse") => Ok("analyze".into()),
        Token::Word(w) => Ok(w.value.to_ascii_lowercase()),
        _ => parser.expected("an option name", tok),
    }
}

/// An option value: a word (ON, OFF, TRUE, AUTO, ...), a string or a signed number.
fn option_value(parser: &mut Parser<'_>) -> Result<Expr, ParserError> {
    let tok = parser.next_token();
    let value = match &tok.token {
        Token::Word(w) => {
            return Ok(Expr::Identifier(Ident::new(w.value.to_ascii_lowercase())));
        }
        Token::SingleQuotedString(s) => Value::SingleQuotedString(s.clone()),
        Token::Number(n, long) => Value::Number(n.clone(), *long),
        sign @ (Token::Minus | Token::Plus) => {
            let sign = if *sign == Token::Minus { "-" } else { "" };
            let next = parser.next_token();
            match next.token {
                Token::Number(n, long) => Value::Number(format!("{sign}{n}"), long),
                _ => return parser.expected("a number", next),
            }
        }
        _ => return parser.expected("an option value", tok),
    };
    Ok(Expr::Value(value.into()))
}
