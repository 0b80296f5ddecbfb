//! One-dimensional arrays: PostgreSQL's text input and output, type OIDs, element-wise
//! casts and comparison.
//!
//! RustyDB's arrays are a subset of PostgreSQL's: one dimension, lower bound 1, elements
//! of one scalar type, NULL elements allowed. Text output follows `array_out`: `{a,b}`,
//! an element is double-quoted when it is empty, is `NULL` in any case, or holds a
//! brace, comma, double quote, backslash or white space (quotes and backslashes then
//! escaped with a backslash); a NULL element prints as bare `NULL`. Text input is
//! `array_in` for one dimension: whitespace around elements is ignored, quoted elements
//! keep everything, an unquoted `NULL` (any case) is a NULL element, and a backslash
//! escapes the next character anywhere. Multi-dimensional input (`{{1},{2}}`) and
//! explicit bounds (`[0:1]={1,2}`) are refused with 0A000.
//!
//! Comparison is `array_cmp`'s: element by element (a NULL element equal to another NULL
//! and greater than any value), then the shorter array first.

use std::cmp::Ordering;

use rustydb_common::{DbError, ErrorCode};

use super::text::{format_value, parse_value_at};
use super::{DataType, Value, errors};

/// PostgreSQL's OID for the array type over `elem` (`int4[]` is 1007); 0 when
/// PostgreSQL has no such array type (arrays of arrays).
pub fn array_type_oid(elem: &DataType) -> u32 {
    match elem {
        DataType::Bool => 1000,
        DataType::Bytea => 1001,
        DataType::Int2 => 1005,
        DataType::Int4 => 1007,
        DataType::Text => 1009,
        DataType::Char(_) => 1014,
        DataType::Varchar(_) => 1015,
        DataType::Int8 => 1016,
        DataType::Float4 => 1021,
        DataType::Float8 => 1022,
        DataType::Timestamp => 1115,
        DataType::Date => 1182,
        DataType::Time => 1183,
        DataType::TimestampTz => 1185,
        DataType::Interval => 1187,
        DataType::Numeric { .. } => 1231,
        DataType::Uuid => 2951,
        DataType::Jsonb => 3807,
        // `unknown[]` does not exist; an untyped array literal resolves to text[].
        DataType::Unknown => 1009,
        DataType::Array(_) => 0,
    }
}

/// The 0A000 error for an array feature RustyDB does not have.
pub fn unsupported(what: &str) -> DbError {
    DbError::from_template(ErrorCode::FeatureNotSupported, &[("feature", &what)])
}

fn malformed(input: &str, detail: &str) -> DbError {
    errors::data("22P02", format!("malformed array literal: \"{input}\""))
        .with_hint(format!("{detail} Write one-dimensional arrays as {{a,b}}."))
}

/// PostgreSQL's `array_isspace`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Whether an element must be double-quoted in the text output.
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || is_space(c))
}

/// `array_out`: `{1,2,NULL}`, `{"a b","",NULL}`.
pub fn format_array(elems: &[Value]) -> String {
    let mut out = String::from("{");
    for (i, e) in elems.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if e.is_null() {
            out.push_str("NULL");
            continue;
        }
        let s = format_value(e);
        if needs_quotes(&s) {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&s);
        }
    }
    out.push('}');
    out
}

/// `array_in` for one dimension: parses `{...}` into elements of type `elem`.
pub fn parse_array(input: &str, elem: &DataType, now: Option<i64>) -> Result<Value, DbError> {
    let s = input.trim_matches(is_space);
    if s.starts_with('[') {
        return Err(unsupported("array input with explicit bounds"));
    }
    let Some(body) = s.strip_prefix('{') else {
        return Err(malformed(
            input,
            "Array value must start with \"{\" or dimension information.",
        ));
    };
    let mut chars = body.chars().peekable();
    let mut elems = Vec::new();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while it.peek().is_some_and(|&c| is_space(c)) {
            it.next();
        }
    };
    skip_ws(&mut chars);
    if chars.peek() == Some(&'}') {
        chars.next();
        skip_ws(&mut chars);
        if chars.next().is_some() {
            return Err(malformed(input, "Junk after closing right brace."));
        }
        return Ok(Value::Array(Box::default()));
    }
    loop {
        skip_ws(&mut chars);
        let mut text = String::new();
        let mut quoted = false;
        // Length of `text` up to the last character that was quoted or escaped, so
        // trailing unquoted white space can be trimmed.
        let mut keep = 0;
        // Whether any part of the element was quoted or escaped (then it is never NULL).
        let mut literal = false;
        loop {
            match chars.next() {
                None => return Err(malformed(input, "Unexpected end of input.")),
                Some('{') if !quoted => return Err(unsupported("multidimensional arrays")),
                Some('\\') => match chars.next() {
                    Some(c) => {
                        text.push(c);
                        keep = text.len();
                        literal = true;
                    }
                    None => return Err(malformed(input, "Unexpected end of input.")),
                },
                Some('"') => {
                    quoted = !quoted;
                    keep = text.len();
                    literal = true;
                }
                Some(c @ (',' | '}')) if !quoted => {
                    let bare = text.trim_end_matches(is_space);
                    let value_text = &text[..keep.max(bare.len())];
                    if value_text.is_empty() && !literal {
                        return Err(malformed(input, "Unexpected \",\" or \"}\" character."));
                    }
                    let v = if !literal && value_text.eq_ignore_ascii_case("null") {
                        Value::Null
                    } else {
                        parse_value_at(value_text, elem, now)?
                    };
                    elems.push(v);
                    if c == '}' {
                        skip_ws(&mut chars);
                        if chars.next().is_some() {
                            return Err(malformed(input, "Junk after closing right brace."));
                        }
                        return Ok(Value::Array(Box::new(elems)));
                    }
                    break;
                }
                Some(c) => {
                    text.push(c);
                    if quoted {
                        keep = text.len();
                    }
                }
            }
        }
    }
}

/// `array_cmp`: element-wise, NULL elements equal to each other and greater than values,
/// then by length. `cmp` compares two non-NULL elements.
pub fn compare_arrays(
    a: &[Value],
    b: &[Value],
    cmp: impl Fn(&Value, &Value) -> Ordering,
) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => cmp(x, y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// The element type of an array type (`None` when `ty` is not an array).
pub fn element_type(ty: &DataType) -> Option<&DataType> {
    match ty {
        DataType::Array(e) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(items: &[Option<&str>]) -> Vec<Value> {
        items
            .iter()
            .map(|i| i.map_or(Value::Null, |s| Value::Text(s.into())))
            .collect()
    }

    #[test]
    fn output_quotes_like_postgres() {
        let v = txt(&[
            Some("a"),
            Some("b c"),
            Some(""),
            Some("x,y"),
            Some("q\"t"),
            Some("b\\s"),
            Some("{}"),
            Some("null"),
            None,
        ]);
        assert_eq!(
            format_array(&v),
            r#"{a,"b c","","x,y","q\"t","b\\s","{}","null",NULL}"#
        );
        assert_eq!(format_array(&[]), "{}");
        assert_eq!(format_array(&[Value::Int4(1), Value::Int4(-2)]), "{1,-2}");
    }

    #[test]
    fn input_round_trips_and_reads_nulls() {
        let out = r#"{a,"b c","","x,y","q\"t","b\\s","{}","null",NULL}"#;
        let v = parse_array(out, &DataType::Text, None).unwrap();
        let Value::Array(items) = &v else { panic!() };
        assert_eq!(format_array(items), out);
        assert_eq!(items[7], Value::Text("null".into()));
        assert_eq!(items[8], Value::Null);
        let v = parse_array(" { 1 , 2 ,NULL } ", &DataType::Int4, None).unwrap();
        assert_eq!(
            v,
            Value::Array(Box::new(vec![Value::Int4(1), Value::Int4(2), Value::Null]))
        );
        assert_eq!(
            parse_array("{}", &DataType::Int4, None).unwrap(),
            Value::Array(Box::default())
        );
        let v = parse_array(r#"{ a b ,c\,d}"#, &DataType::Text, None).unwrap();
        assert_eq!(v, Value::Array(Box::new(txt(&[Some("a b"), Some("c,d")]))));
    }

    #[test]
    fn bad_input_is_refused() {
        for bad in ["1,2", "{1,2", "{1,,2}", "{1} x", "{,}"] {
            let e = parse_array(bad, &DataType::Int4, None).unwrap_err();
            assert_eq!(e.sqlstate(), "22P02", "{bad}");
        }
        let e = parse_array("{{1},{2}}", &DataType::Int4, None).unwrap_err();
        assert_eq!(e.sqlstate(), "0A000");
        let e = parse_array("{a}", &DataType::Int4, None).unwrap_err();
        assert_eq!(e.sqlstate(), "22P02");
    }

    proptest::proptest! {
        #[test]
        fn text_output_round_trips(
            v in crate::types::arbitrary::value_of(&DataType::Array(Box::new(DataType::Text)))
        ) {
            let Value::Array(items) = &v else { unreachable!() };
            let text = format_array(items);
            proptest::prop_assert_eq!(parse_array(&text, &DataType::Text, None).unwrap(), v);
        }

        #[test]
        fn numeric_and_date_arrays_round_trip(
            a in crate::types::arbitrary::value_of(&DataType::Array(Box::new(DataType::Float8))),
            d in crate::types::arbitrary::value_of(&DataType::Array(Box::new(DataType::Date))),
        ) {
            for (v, elem) in [(a, DataType::Float8), (d, DataType::Date)] {
                let Value::Array(items) = &v else { unreachable!() };
                let back = parse_array(&format_array(items), &elem, None).unwrap();
                proptest::prop_assert_eq!(format_value(&back), format_value(&v));
            }
        }
    }

    #[test]
    fn compares_elementwise_then_by_length() {
        let cmp = |a: &Value, b: &Value| super::super::compare::sort_cmp(a, b);
        let a = [Value::Int4(1), Value::Int4(2)];
        let b = [Value::Int4(1), Value::Int4(3)];
        assert_eq!(compare_arrays(&a, &b, cmp), Ordering::Less);
        assert_eq!(compare_arrays(&a, &a[..1], cmp), Ordering::Greater);
        assert_eq!(
            compare_arrays(&[Value::Null], &[Value::Int4(9)], cmp),
            Ordering::Greater
        );
    }
}
