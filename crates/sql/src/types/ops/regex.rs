//! POSIX regular expressions (`~`, `regexp_replace`, ...) on the `regex` crate.
//!
//! PostgreSQL's "advanced" regular expressions and Rust's syntax agree on the common
//! core (classes, `[[:alpha:]]`, quantifiers, groups, `\d \s \w`, anchors). PostgreSQL's
//! own escapes are translated: `\m` / `\M` / `\y` (word boundaries) become `\b`, `\Y`
//! `\B`, `\Z` `\z`. As in PostgreSQL, `.` matches a newline unless the `n` flag asks for
//! newline-sensitive matching. Back-references (`\1` inside a pattern) and lookaround are
//! not supported (the `regex` crate guarantees linear time instead) and fail with 2201B.
//!
//! Compiled patterns are cached per thread, so a pattern applied to every row is compiled
//! once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::Regex;
use rustydb_common::DbError;

use crate::types::errors;

const CACHE_LIMIT: usize = 64;

thread_local! {
    static CACHE: RefCell<HashMap<(String, bool, String), Rc<Regex>>> = RefCell::new(HashMap::new());
}

/// Rewrites PostgreSQL-only escapes into Rust syntax.
fn translate(pattern: &str) -> Result<String, DbError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    return Err(invalid("invalid escape \\ sequence"));
                };
                if in_class {
                    out.push('\\');
                    out.push(n);
                    continue;
                }
                match n {
                    'm' | 'M' | 'y' => out.push_str("\\b"),
                    'Y' => out.push_str("\\B"),
                    'Z' => out.push_str("\\z"),
                    '1'..='9' => return Err(invalid("back-references are not supported")),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A leading ']' (or '^]') is literal inside a class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' if in_class => {
                // POSIX class names like [:alpha:] stay as they are.
                out.push('[');
                if chars.peek() == Some(&':') {
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn invalid(detail: impl std::fmt::Display) -> DbError {
    errors::data("2201B", format!("invalid regular expression: {detail}"))
}

/// Compiles `pattern` with `flags` (PostgreSQL's `i`, `c`, `n`/`m`, `s`, `x`, `p`, `w`;
/// `g` is for the caller), case-insensitively if `case_insensitive`.
pub fn compile(pattern: &str, case_insensitive: bool, flags: &str) -> Result<Rc<Regex>, DbError> {
    let key = (pattern.to_string(), case_insensitive, flags.to_string());
    if let Some(re) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(re);
    }
    let mut ci = case_insensitive;
    let mut newline_sensitive = false;
    let mut extended = false;
    for f in flags.chars() {
        match f {
            'i' => ci = true,
            'c' => ci = false,
            'n' | 'm' => newline_sensitive = true,
            's' => newline_sensitive = false,
            'x' => extended = true,
            'g' => {}
            other => {
                return Err(errors::invalid_parameter(format!(
                    "invalid regular expression option: \"{other}\""
                )));
            }
        }
    }
    let mut prefix = String::from("(?");
    if ci {
        prefix.push('i');
    }
    if newline_sensitive {
        prefix.push('m');
    } else {
        prefix.push('s');
    }
    if extended {
        prefix.push('x');
    }
    prefix.push(')');
    let source = format!("{prefix}{}", translate(pattern)?);
    let re = Rc::new(Regex::new(&source).map_err(|e| invalid(first_line(&e.to_string())))?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, re.clone());
    });
    Ok(re)
}

fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map_or_else(
            || s.to_string(),
            |l| l.trim_start_matches("error:").trim().to_string(),
        )
}

/// Expands a replacement string: `\1`..`\9` are groups, `\&` the whole match, `\\` a
/// backslash (PostgreSQL's `regexp_replace` syntax).
pub fn expand_replacement(caps: &regex::Captures<'_>, replacement: &str, out: &mut String) {
    let mut chars = replacement.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(d @ '1'..='9') => {
                let i = d as usize - '0' as usize;
                if let Some(m) = caps.get(i) {
                    out.push_str(m.as_str());
                }
            }
            Some('&') => out.push_str(caps.get(0).map_or("", |m| m.as_str())),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
}
