//! `LIKE` / `ILIKE` matching: `%` matches any run of characters, `_` exactly one, the
//! escape character (default `\`) makes the next character literal. `ILIKE` folds case
//! character by character with Unicode's lower-case mapping (PostgreSQL's `C.UTF-8` ctype);
//! `bytea` ILIKE folds ASCII only.

use rustydb_common::DbError;

use crate::types::errors;

fn escape_error() -> DbError {
    errors::data("22025", "LIKE pattern must not end with escape character")
}

/// One compiled pattern element.
#[derive(Debug, Clone, PartialEq)]
enum Elem<T> {
    /// A literal unit.
    Lit(T),
    /// `_`.
    One,
    /// `%`.
    Any,
    /// An escape character ending the pattern: an error if matching reaches it with
    /// text left (PostgreSQL reports it lazily).
    DanglingEscape,
}

fn compile<T: Copy + PartialEq>(
    p: &[T],
    percent: T,
    under: T,
    escape: Option<T>,
) -> Result<Vec<Elem<T>>, DbError> {
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        if Some(c) == escape {
            match p.get(i + 1) {
                Some(next) => out.push(Elem::Lit(*next)),
                None => out.push(Elem::DanglingEscape),
            }
            i += 2;
            continue;
        }
        out.push(if c == percent {
            if out.last() == Some(&Elem::Any) {
                i += 1;
                continue;
            }
            Elem::Any
        } else if c == under {
            Elem::One
        } else {
            Elem::Lit(c)
        });
        i += 1;
    }
    Ok(out)
}

/// Greedy wildcard matching with one backtrack point (linear for a single `%`, at worst
/// quadratic).
fn matches<T: Copy + PartialEq>(s: &[T], pat: &[Elem<T>]) -> Result<bool, DbError> {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pat.get(pi) {
            Some(Elem::DanglingEscape) => return Err(escape_error()),
            Some(Elem::Any) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(Elem::One) => {
                si += 1;
                pi += 1;
            }
            Some(Elem::Lit(c)) if *c == s[si] => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return Ok(false),
            },
        }
    }
    Ok(pat[pi..].iter().all(|e| *e == Elem::Any))
}

/// `s LIKE pattern ESCAPE escape` (`ILIKE` when `case_insensitive`).
pub fn like(
    s: &str,
    pattern: &str,
    escape: Option<char>,
    case_insensitive: bool,
) -> Result<bool, DbError> {
    let fold = |c: char| {
        if case_insensitive {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        }
    };
    let sv: Vec<char> = s.chars().map(fold).collect();
    let pv: Vec<char> = pattern.chars().collect();
    let mut compiled = compile(&pv, '%', '_', escape)?;
    if case_insensitive {
        for e in &mut compiled {
            if let Elem::Lit(c) = e {
                *c = fold(*c);
            }
        }
    }
    matches(&sv, &compiled)
}

/// `bytea LIKE bytea`.
pub fn like_bytes(
    s: &[u8],
    pattern: &[u8],
    escape: Option<u8>,
    case_insensitive: bool,
) -> Result<bool, DbError> {
    let fold = |b: u8| {
        if case_insensitive {
            b.to_ascii_lowercase()
        } else {
            b
        }
    };
    let sv: Vec<u8> = s.iter().copied().map(fold).collect();
    let mut compiled = compile(pattern, b'%', b'_', escape)?;
    if case_insensitive {
        for e in &mut compiled {
            if let Elem::Lit(c) = e {
                *c = c.to_ascii_lowercase();
            }
        }
    }
    matches(&sv, &compiled)
}

/// Reads a user-given `ESCAPE` string: empty means no escape character, otherwise exactly
/// one character (22025 otherwise).
pub fn parse_escape(escape: &str) -> Result<Option<char>, DbError> {
    let mut chars = escape.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(errors::data("22025", "invalid escape string")
            .with_hint("Escape string must be empty or one character.")),
    }
}
