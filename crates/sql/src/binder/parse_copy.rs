//! COPY option values sqlparser does not accept: PostgreSQL takes any boolean spelling
//! after `FREEZE` and `HEADER` (`on`, `off`, `yes`, `no`, `1`, `0`, `true`, `false`),
//! sqlparser only `TRUE` and `FALSE`. `pgbench -i` sends `copy ... with (freeze on)`.
//! Inside a COPY statement the other spellings are rewritten in the token stream to
//! `TRUE` / `FALSE`.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Rewrites `FREEZE on|off|yes|no|1|0` and the same after `HEADER` inside COPY
/// statements to `TRUE` / `FALSE`.
pub(super) fn rewrite_copy_booleans(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let is_kw = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none());
    let mut in_copy = false;
    let mut at_statement_start = true;
    for i in 0..tokens.len() {
        let t = &tokens[i].token;
        match t {
            Token::Whitespace(_) => continue,
            Token::SemiColon => {
                in_copy = false;
                at_statement_start = true;
                continue;
            }
            _ => {}
        }
        if at_statement_start {
            in_copy = is_kw(t, Keyword::COPY);
            at_statement_start = false;
            continue;
        }
        if !in_copy || !(is_kw(t, Keyword::FREEZE) || is_kw(t, Keyword::HEADER)) {
            continue;
        }
        let Some(j) =
            (i + 1..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)))
        else {
            continue;
        };
        let value = match &tokens[j].token {
            Token::Word(w) if w.quote_style.is_none() => {
                match w.value.to_ascii_lowercase().as_str() {
                    "on" | "yes" => Some(true),
                    "off" | "no" => Some(false),
                    _ => None,
                }
            }
            Token::Number(n, _) if n == "1" => Some(true),
            Token::Number(n, _) if n == "0" => Some(false),
            _ => None,
        };
        if let Some(v) = value {
            tokens[j].token = Token::make_keyword(if v { "TRUE" } else { "FALSE" });
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use crate::binder::parse::parse_statements;

    #[test]
    fn copy_boolean_spellings_parse() {
        for sql in [
            "copy t from stdin with (freeze on)",
            "COPY t FROM STDIN WITH (FORMAT csv, HEADER 1, FREEZE off)",
            "copy t to stdout with (format csv, header yes)",
        ] {
            let stmts = parse_statements(sql).unwrap();
            assert_eq!(stmts.len(), 1, "{sql}");
        }
        // Elsewhere `on` stays a word: a column named "on" is not rewritten.
        assert!(parse_statements("select 1 as header").is_ok());
    }
}
