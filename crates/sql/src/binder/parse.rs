//! Parsing: sqlparser's PostgreSQL dialect, plus the PostgreSQL commands it does not know
//! (`CHECKPOINT`, `REINDEX {INDEX | TABLE} name`, `ALTER SEQUENCE`, and VACUUM and ANALYZE
//! in [`super::parse_maintenance`]).
//!
//! Those are parsed here and represented as a `CALL` of a function in the reserved
//! schema [`INTERNAL_SCHEMA`] (`CALL rustydb_internal.checkpoint()`), the one statement
//! form that carries a name and arguments and that RustyDB does not otherwise run; the
//! binder turns such calls back into the commands they stand for.
//!
//! `x BETWEEN SYMMETRIC a AND b`, which sqlparser does not know either, is rewritten in
//! the token stream to `x BETWEEN rustydb_internal.between_symmetric(a) AND b`
//! ([`symmetric_low_bound`] recognises it); `BETWEEN ASYMMETRIC` is plain `BETWEEN`.

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident,
    ObjectName, Statement, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The schema of the functions standing for commands sqlparser does not parse.
pub(crate) const INTERNAL_SCHEMA: &str = "rustydb_internal";

/// How deep sqlparser may recurse (a level of parentheses takes two). Its default of 50
/// rejects generated queries PostgreSQL runs, such as SQLite's sqllogictest corpus with 30
/// levels; PostgreSQL's bound is its stack (`max_stack_depth`), which allows thousands.
/// 128 (about 60 levels) binds, plans and runs within a 2 MB thread stack in optimized
/// builds; unoptimized ones need 8 MB for the deepest nestings of subqueries it admits.
pub(crate) const PARSER_RECURSION_LIMIT: usize = 128;

/// Parses every statement of `sql`.
pub(crate) fn parse_statements(sql: &str) -> Result<Vec<Statement>, ParserError> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql).tokenize_with_location()?;
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(PARSER_RECURSION_LIMIT)
        .with_tokens_with_locations(super::parse_copy::rewrite_copy_booleans(
            super::ddl_role::drop_encrypted(rewrite_between(tokens)),
        ));
    let mut out = Vec::new();
    let mut expecting_delimiter = false;
    loop {
        while parser.consume_token(&Token::SemiColon) {
            expecting_delimiter = false;
        }
        let next = parser.peek_token();
        if next.token == Token::EOF {
            break;
        }
        if expecting_delimiter {
            return parser.expected("end of statement", next);
        }
        let word = match &next.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        let stmt = match word.as_str() {
            "CHECKPOINT" => {
                parser.next_token();
                internal_call("checkpoint", None)
            }
            "REINDEX" => {
                parser.next_token();
                let kind = match parser.parse_one_of_keywords(&[Keyword::INDEX, Keyword::TABLE]) {
                    Some(Keyword::INDEX) => "reindex_index",
                    Some(_) => "reindex_table",
                    None => return parser.expected("INDEX or TABLE", parser.peek_token()),
                };
                let name = parser.parse_object_name(false)?;
                internal_call(kind, Some(name))
            }
            "ALTER" if matches!(&parser.peek_nth_token(1).token, Token::Word(w) if w.keyword == Keyword::SEQUENCE) =>
            {
                parser.next_token();
                parser.next_token();
                parse_alter_sequence(&mut parser)?
            }
            "CREATE" if super::ddl_role::at_create_user(&parser) => {
                super::ddl_role::parse_create_user(&mut parser)?
            }
            "VACUUM" => super::parse_maintenance::parse_vacuum(&mut parser, false)?,
            "ANALYZE" | "ANALYSE" => super::parse_maintenance::parse_vacuum(&mut parser, true)?,
            _ => parser.parse_statement()?,
        };
        out.push(stmt);
        expecting_delimiter = true;
    }
    Ok(out)
}

/// `ALTER SEQUENCE [IF EXISTS] name option...`, as
/// `CALL rustydb_internal.alter_sequence(name, option => value, ...)`.
fn parse_alter_sequence(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let mut options: Vec<(&str, Expr)> =
        vec![("if_exists", Expr::Value(Value::Boolean(if_exists).into()))];
    let null = || Expr::Value(Value::Null.into());
    loop {
        let option = if parser.parse_keyword(Keyword::INCREMENT) {
            let _ = parser.parse_keyword(Keyword::BY);
            ("increment", parser.parse_number()?)
        } else if parser.parse_keyword(Keyword::MINVALUE) {
            ("minvalue", parser.parse_number()?)
        } else if parser.parse_keywords(&[Keyword::NO, Keyword::MINVALUE]) {
            ("minvalue", null())
        } else if parser.parse_keyword(Keyword::MAXVALUE) {
            ("maxvalue", parser.parse_number()?)
        } else if parser.parse_keywords(&[Keyword::NO, Keyword::MAXVALUE]) {
            ("maxvalue", null())
        } else if parser.parse_keyword(Keyword::START) {
            let _ = parser.parse_keyword(Keyword::WITH);
            ("start", parser.parse_number()?)
        } else if parser.parse_keyword(Keyword::RESTART) {
            let with = parser.parse_keyword(Keyword::WITH);
            let value = match parser.peek_token().token {
                Token::Number(..) | Token::Minus | Token::Plus => parser.parse_number()?,
                _ if with => return parser.expected("a number", parser.peek_token()),
                _ => null(),
            };
            ("restart", value)
        } else if parser.parse_keyword(Keyword::CACHE) {
            ("cache", parser.parse_number()?)
        } else if parser.parse_keywords(&[Keyword::NO, Keyword::CYCLE]) {
            ("cycle", Expr::Value(Value::Boolean(false).into()))
        } else if parser.parse_keyword(Keyword::CYCLE) {
            ("cycle", Expr::Value(Value::Boolean(true).into()))
        } else if parser.parse_keyword(Keyword::AS) {
            (
                "as",
                Expr::Value(
                    Value::SingleQuotedString(parser.parse_data_type()?.to_string()).into(),
                ),
            )
        } else if parser.parse_keywords(&[Keyword::OWNED, Keyword::BY]) {
            let owner = parser.parse_object_name(false)?;
            let parts: Vec<Ident> = owner
                .0
                .iter()
                .filter_map(|p| p.as_ident().cloned())
                .collect();
            let none = matches!(parts.as_slice(), [id] if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("none"));
            (
                "owned_by",
                if none {
                    null()
                } else {
                    Expr::CompoundIdentifier(parts)
                },
            )
        } else {
            break;
        };
        options.push(option);
    }
    if options.len() == 1 {
        return parser.expected("a sequence option", parser.peek_token());
    }
    let mut call = internal_call("alter_sequence", Some(name));
    if let Statement::Call(f) = &mut call
        && let FunctionArguments::List(list) = &mut f.args
    {
        for (key, value) in options {
            list.args.push(FunctionArg::Named {
                name: Ident::new(key),
                arg: FunctionArgExpr::Expr(value),
                operator: sqlparser::ast::FunctionArgOperator::RightArrow,
            });
        }
    }
    Ok(call)
}

/// The marker function standing for `SYMMETRIC` around a BETWEEN's low bound.
const BETWEEN_SYMMETRIC: &str = "between_symmetric";

/// Rewrites `BETWEEN SYMMETRIC a AND` to `BETWEEN rustydb_internal.between_symmetric(a)
/// AND` and drops the `ASYMMETRIC` of `BETWEEN ASYMMETRIC`. The low bound ends at the
/// first AND outside parentheses, brackets and CASE ... END (PostgreSQL's grammar
/// allows no bare AND in it); without one, the tokens are left for the parser to reject.
fn rewrite_between(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    fn is_kw(t: &Token, k: Keyword) -> bool {
        matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
    }
    let next_solid = |from: usize| {
        (from..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)))
    };
    let mut drop = Vec::new();
    let mut open = Vec::new();
    let mut close = Vec::new();
    for i in 0..tokens.len() {
        if !is_kw(&tokens[i].token, Keyword::BETWEEN) {
            continue;
        }
        let Some(j) = next_solid(i + 1) else { continue };
        if is_kw(&tokens[j].token, Keyword::ASYMMETRIC) {
            drop.push(j);
            continue;
        }
        if !is_kw(&tokens[j].token, Keyword::SYMMETRIC) {
            continue;
        }
        let mut depth = 0i32;
        for (k, t) in tokens.iter().enumerate().skip(j + 1) {
            match &t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                Token::SemiColon | Token::EOF => break,
                t if is_kw(t, Keyword::CASE) => depth += 1,
                t if is_kw(t, Keyword::END) => depth -= 1,
                t if depth == 0 && is_kw(t, Keyword::AND) => {
                    open.push(j);
                    close.push(k);
                    break;
                }
                _ => {}
            }
            if depth < 0 {
                break;
            }
        }
    }
    if drop.is_empty() && open.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 5 * open.len());
    for (i, t) in tokens.into_iter().enumerate() {
        if drop.contains(&i) {
            continue;
        }
        if open.contains(&i) {
            out.extend(
                [
                    Token::make_word(INTERNAL_SCHEMA, None),
                    Token::Period,
                    Token::make_word(BETWEEN_SYMMETRIC, None),
                    Token::LParen,
                ]
                .map(TokenWithSpan::wrap),
            );
            continue;
        }
        for _ in close.iter().filter(|&&c| c == i) {
            out.push(TokenWithSpan::wrap(Token::RParen));
        }
        out.push(t);
    }
    out
}

/// The low bound of a `BETWEEN SYMMETRIC` as [`rewrite_between`] marked it.
pub(crate) fn symmetric_low_bound(low: &Expr) -> Option<&Expr> {
    let Expr::Function(f) = low else { return None };
    let [schema, name] = f.name.0.as_slice() else {
        return None;
    };
    let is = |part: &sqlparser::ast::ObjectNamePart, s: &str| {
        part.as_ident()
            .is_some_and(|id| id.quote_style.is_none() && id.value == s)
    };
    if !is(schema, INTERNAL_SCHEMA) || !is(name, BETWEEN_SYMMETRIC) {
        return None;
    }
    match &f.args {
        FunctionArguments::List(list) => match list.args.as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => Some(e),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn internal_call(name: &str, arg: Option<ObjectName>) -> Statement {
    let args = arg
        .map(|n| {
            let parts: Vec<Ident> = n.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
            vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(
                sqlparser::ast::Expr::CompoundIdentifier(parts),
            ))]
        })
        .unwrap_or_default();
    Statement::Call(Function {
        name: ObjectName::from(vec![Ident::new(INTERNAL_SCHEMA), Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args,
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}
