//! String functions. Lengths and positions count characters, not bytes; case mapping is
//! Unicode's, as PostgreSQL's with `LC_CTYPE = C.UTF-8`.

use rustydb_common::DbError;

use super::args::{bytes, int, text};
use super::def::f;
use super::{EvalContext, FuncDef, P};
use crate::types::text::format_value;
use crate::types::{DataType as T, Value, errors};

type R = Result<Value, DbError>;

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("lower", &[T::Text], T::Text, lower),
        f("upper", &[T::Text], T::Text, upper),
        f("initcap", &[T::Text], T::Text, initcap),
        f("length", &[T::Text], T::Int4, char_length),
        f("length", &[T::Bytea], T::Int4, octet_length_bytea),
        f("char_length", &[T::Text], T::Int4, char_length),
        f("character_length", &[T::Text], T::Int4, char_length),
        f("octet_length", &[T::Text], T::Int4, octet_length),
        // Counts the padding, unlike `length(bpchar)` (which goes through text).
        f("octet_length", &[T::Char(None)], T::Int4, octet_length),
        f("octet_length", &[T::Bytea], T::Int4, octet_length_bytea),
        f("bit_length", &[T::Text], T::Int4, bit_length),
        f("substr", &[T::Text, T::Int4], T::Text, substr),
        f("substr", &[T::Text, T::Int4, T::Int4], T::Text, substr),
        f("substring", &[T::Text, T::Int4], T::Text, substr),
        f("substring", &[T::Text, T::Int4, T::Int4], T::Text, substr),
        f("substr", &[T::Bytea, T::Int4], T::Bytea, substr_bytea),
        f(
            "substr",
            &[T::Bytea, T::Int4, T::Int4],
            T::Bytea,
            substr_bytea,
        ),
        f("substring", &[T::Bytea, T::Int4], T::Bytea, substr_bytea),
        f(
            "substring",
            &[T::Bytea, T::Int4, T::Int4],
            T::Bytea,
            substr_bytea,
        ),
        f("position", &[T::Text, T::Text], T::Int4, strpos),
        f("strpos", &[T::Text, T::Text], T::Int4, strpos),
        f("btrim", &[T::Text], T::Text, btrim),
        f("btrim", &[T::Text, T::Text], T::Text, btrim),
        f("ltrim", &[T::Text], T::Text, ltrim),
        f("ltrim", &[T::Text, T::Text], T::Text, ltrim),
        f("rtrim", &[T::Text], T::Text, rtrim),
        f("rtrim", &[T::Text, T::Text], T::Text, rtrim),
        f("replace", &[T::Text, T::Text, T::Text], T::Text, replace),
        f(
            "translate",
            &[T::Text, T::Text, T::Text],
            T::Text,
            translate,
        ),
        f("concat", &[], T::Text, concat)
            .non_strict()
            .variadic(P::Any),
        f("concat_ws", &[T::Text], T::Text, concat_ws)
            .non_strict()
            .variadic(P::Any),
        f("left", &[T::Text, T::Int4], T::Text, left),
        f("right", &[T::Text, T::Int4], T::Text, right),
        f("lpad", &[T::Text, T::Int4], T::Text, lpad),
        f("lpad", &[T::Text, T::Int4, T::Text], T::Text, lpad),
        f("rpad", &[T::Text, T::Int4], T::Text, rpad),
        f("rpad", &[T::Text, T::Int4, T::Text], T::Text, rpad),
        f("repeat", &[T::Text, T::Int4], T::Text, repeat),
        f("reverse", &[T::Text], T::Text, reverse),
        f(
            "split_part",
            &[T::Text, T::Text, T::Int4],
            T::Text,
            split_part,
        ),
        f("ascii", &[T::Text], T::Int4, ascii),
        f("chr", &[T::Int4], T::Text, chr),
        f("starts_with", &[T::Text, T::Text], T::Bool, starts_with),
    ]
}

fn s(v: String) -> R {
    Ok(Value::Text(v))
}

fn i4(n: usize) -> R {
    i32::try_from(n)
        .map(Value::Int4)
        .map_err(|_| errors::out_of_range(&T::Int4))
}

fn lower(a: &[Value], _: &EvalContext) -> R {
    s(text(&a[0])?.to_lowercase())
}

fn upper(a: &[Value], _: &EvalContext) -> R {
    s(text(&a[0])?.to_uppercase())
}

/// First letter of each alphanumeric run upper case, the rest lower case.
fn initcap(a: &[Value], _: &EvalContext) -> R {
    let mut out = String::new();
    let mut in_word = false;
    for c in text(&a[0])?.chars() {
        if in_word {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        in_word = c.is_alphanumeric();
    }
    s(out)
}

fn char_length(a: &[Value], _: &EvalContext) -> R {
    i4(text(&a[0])?.chars().count())
}

fn octet_length(a: &[Value], _: &EvalContext) -> R {
    i4(text(&a[0])?.len())
}

fn bit_length(a: &[Value], _: &EvalContext) -> R {
    i4(text(&a[0])?.len() * 8)
}

fn octet_length_bytea(a: &[Value], _: &EvalContext) -> R {
    i4(bytes(&a[0])?.len())
}

/// PostgreSQL's substring window: characters `start..start+len` (1-based, clipped), with
/// 22011 for a negative length.
fn window(start: i64, len: Option<i64>, total: usize) -> Result<(usize, usize), DbError> {
    let end = match len {
        Some(l) if l < 0 => {
            return Err(errors::data(
                "22011",
                "negative substring length not allowed",
            ));
        }
        Some(l) => start.saturating_add(l),
        None => i64::MAX,
    };
    let from = start.max(1);
    let to = end.min(total as i64 + 1);
    if to <= from {
        return Ok((0, 0));
    }
    Ok(((from - 1) as usize, (to - 1) as usize))
}

fn substr(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let len = a.get(2).map(int).transpose()?;
    let chars: Vec<char> = t.chars().collect();
    let (from, to) = window(int(&a[1])?, len, chars.len())?;
    s(chars[from..to].iter().collect())
}

fn substr_bytea(a: &[Value], _: &EvalContext) -> R {
    let b = bytes(&a[0])?;
    let len = a.get(2).map(int).transpose()?;
    let (from, to) = window(int(&a[1])?, len, b.len())?;
    Ok(Value::Bytea(b[from..to].to_vec()))
}

/// `strpos(string, substring)`: 1-based character position, 0 if absent.
fn strpos(a: &[Value], _: &EvalContext) -> R {
    let hay = text(&a[0])?;
    let needle = text(&a[1])?;
    Ok(Value::Int4(match hay.find(needle) {
        Some(byte) => hay[..byte].chars().count() as i32 + 1,
        None => 0,
    }))
}

fn trim_set(a: &[Value]) -> Result<Vec<char>, DbError> {
    Ok(match a.get(1) {
        Some(v) => text(v)?.chars().collect(),
        None => vec![' '],
    })
}

fn btrim(a: &[Value], _: &EvalContext) -> R {
    let set = trim_set(a)?;
    s(text(&a[0])?.trim_matches(|c| set.contains(&c)).to_string())
}

fn ltrim(a: &[Value], _: &EvalContext) -> R {
    let set = trim_set(a)?;
    s(text(&a[0])?
        .trim_start_matches(|c| set.contains(&c))
        .to_string())
}

fn rtrim(a: &[Value], _: &EvalContext) -> R {
    let set = trim_set(a)?;
    s(text(&a[0])?
        .trim_end_matches(|c| set.contains(&c))
        .to_string())
}

fn replace(a: &[Value], _: &EvalContext) -> R {
    let from = text(&a[1])?;
    if from.is_empty() {
        return s(text(&a[0])?.to_string());
    }
    s(text(&a[0])?.replace(from, text(&a[2])?))
}

fn translate(a: &[Value], _: &EvalContext) -> R {
    let from: Vec<char> = text(&a[1])?.chars().collect();
    let to: Vec<char> = text(&a[2])?.chars().collect();
    let mut out = String::new();
    for c in text(&a[0])?.chars() {
        match from.iter().position(|x| *x == c) {
            Some(i) => {
                if let Some(r) = to.get(i) {
                    out.push(*r);
                }
            }
            None => out.push(c),
        }
    }
    s(out)
}

/// `concat(...)`: the text output of every non-NULL argument.
fn concat(a: &[Value], _: &EvalContext) -> R {
    let mut out = String::new();
    for v in a.iter().filter(|v| !v.is_null()) {
        out.push_str(&format_value(v));
    }
    s(out)
}

/// `concat_ws(sep, ...)`: NULL separator gives NULL; NULL arguments are skipped.
fn concat_ws(a: &[Value], _: &EvalContext) -> R {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let sep = text(&a[0])?;
    let parts: Vec<String> = a[1..]
        .iter()
        .filter(|v| !v.is_null())
        .map(format_value)
        .collect();
    s(parts.join(sep))
}

fn left(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let n = int(&a[1])?;
    let count = t.chars().count() as i64;
    let take = if n >= 0 { n } else { (count + n).max(0) };
    s(t.chars().take(take as usize).collect())
}

fn right(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let n = int(&a[1])?;
    let count = t.chars().count() as i64;
    let skip = if n >= 0 {
        (count - n).max(0)
    } else {
        (-n).min(count)
    };
    s(t.chars().skip(skip as usize).collect())
}

fn pad(a: &[Value], left_side: bool) -> R {
    let t = text(&a[0])?;
    let n = int(&a[1])?.max(0) as usize;
    let fill: Vec<char> = match a.get(2) {
        Some(v) => text(v)?.chars().collect(),
        None => vec![' '],
    };
    let chars: Vec<char> = t.chars().collect();
    if chars.len() >= n || fill.is_empty() {
        return s(chars.iter().take(n).collect());
    }
    let padding: String = fill.iter().cycle().take(n - chars.len()).collect();
    let body: String = chars.iter().collect();
    s(if left_side {
        padding + &body
    } else {
        body + &padding
    })
}

fn lpad(a: &[Value], _: &EvalContext) -> R {
    pad(a, true)
}

fn rpad(a: &[Value], _: &EvalContext) -> R {
    pad(a, false)
}

/// Longest string a function builds (PostgreSQL's 1 GB field limit).
const MAX_STRING: usize = (1 << 30) - 1;

fn repeat(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let n = int(&a[1])?.max(0) as usize;
    if t.len().saturating_mul(n) > MAX_STRING {
        return Err(errors::data("54000", "requested length too large"));
    }
    s(t.repeat(n))
}

fn reverse(a: &[Value], _: &EvalContext) -> R {
    s(text(&a[0])?.chars().rev().collect())
}

fn split_part(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let sep = text(&a[1])?;
    let n = int(&a[2])?;
    if n == 0 {
        return Err(errors::invalid_parameter("field position must not be zero"));
    }
    let parts: Vec<&str> = if sep.is_empty() {
        vec![t]
    } else {
        t.split(sep).collect()
    };
    let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
    s(usize::try_from(idx)
        .ok()
        .and_then(|i| parts.get(i))
        .map_or_else(String::new, |p| (*p).to_string()))
}

fn ascii(a: &[Value], _: &EvalContext) -> R {
    Ok(Value::Int4(
        text(&a[0])?.chars().next().map_or(0, |c| c as i32),
    ))
}

fn chr(a: &[Value], _: &EvalContext) -> R {
    let n = int(&a[0])?;
    if n < 0 {
        return Err(errors::invalid_parameter(
            "character number must be positive",
        ));
    }
    if n == 0 {
        return Err(errors::data("54000", "null character not permitted"));
    }
    let c = u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| {
            errors::data(
                "54000",
                format!("requested character too large for encoding: {n}"),
            )
        })?;
    s(c.to_string())
}

fn starts_with(a: &[Value], _: &EvalContext) -> R {
    Ok(Value::Bool(text(&a[0])?.starts_with(text(&a[1])?)))
}
