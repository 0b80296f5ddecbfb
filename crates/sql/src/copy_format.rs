//! The data of `COPY ... TO STDOUT` and `COPY ... FROM STDIN` in PostgreSQL's text and CSV
//! formats (the "File Formats" section of PostgreSQL's `COPY` page).
//!
//! Output: [`encode_row`] and [`encode_header`] append one line each. Input: a
//! [`CopyDecoder`] takes the bytes in whatever chunks they arrive (an escape, a quoted CSV
//! field or a `\r\n` may be split anywhere) and returns rows of raw fields, which
//! [`fields_to_values`] converts to typed values of the target columns.
//!
//! Input follows PostgreSQL 15's `copyfromparse.c`: the line ending (`\n`, `\r\n` or `\r`)
//! is fixed by the first line and a different one later is an error; in text format a
//! backslash escapes the next byte (even a newline) and `\.` followed by the line ending
//! ends the data (whatever precedes it on the line is the last row); in CSV format `\.`
//! ends the data only alone on its line. Input must be UTF-8 without NUL bytes (22021).

use rustydb_common::{DbError, ErrorCode};

use crate::binder::CopyOptions;
use crate::types::text::{format_value_opt, parse_value};
use crate::types::{DataType, Value};

/// PostgreSQL shows at most this many bytes of a value in an error's context.
const MAX_DISPLAY: usize = 100;

/// Formats one row as a COPY TO line (ending with '\n'), text or CSV per options.
///
/// NULL is written as the null string. In text format backslash, the control characters
/// with a letter escape (`\b \f \n \r \t \v`) and the delimiter are backslash-escaped; in
/// CSV format a value is quoted when it holds the delimiter, the quote, CR or LF, equals
/// the null string, or is `\.` as the only column.
pub fn encode_row(values: &[Value], options: &CopyOptions, out: &mut String) {
    let single = values.len() == 1;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(options.delimiter);
        }
        match format_value_opt(value) {
            None => out.push_str(&options.null),
            Some(text) => encode_field(&text, options, single, out),
        }
    }
    out.push('\n');
}

/// The header line for CSV HEADER (column names, quoted as needed), ending in '\n'.
///
/// Names are written like values (escaped in text format, quoted as needed in CSV).
pub fn encode_header(names: &[&str], options: &CopyOptions, out: &mut String) {
    let single = names.len() == 1;
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(options.delimiter);
        }
        encode_field(name, options, single, out);
    }
    out.push('\n');
}

fn encode_field(text: &str, options: &CopyOptions, single: bool, out: &mut String) {
    if options.csv {
        encode_csv_field(text, options, single, out);
    } else {
        encode_text_field(text, options.delimiter, out);
    }
}

/// PostgreSQL's `CopyAttributeOutText`.
fn encode_text_field(text: &str, delimiter: char, out: &mut String) {
    for c in text.chars() {
        let escaped = match c {
            '\u{8}' => 'b',
            '\u{c}' => 'f',
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            '\u{b}' => 'v',
            '\\' => '\\',
            c if c == delimiter => c,
            c => {
                out.push(c);
                continue;
            }
        };
        out.push('\\');
        out.push(escaped);
    }
}

/// PostgreSQL's `CopyAttributeOutCSV`: the escape character is doubled only inside quotes.
fn encode_csv_field(text: &str, options: &CopyOptions, single: bool, out: &mut String) {
    let quote = text == options.null
        || (single && text == "\\.")
        || text
            .chars()
            .any(|c| c == options.delimiter || c == options.quote || c == '\n' || c == '\r');
    if !quote {
        out.push_str(text);
        return;
    }
    out.push(options.quote);
    for c in text.chars() {
        if c == options.quote || c == options.escape {
            out.push(options.escape);
        }
        out.push(c);
    }
    out.push(options.quote);
}

/// The line ending of the input, fixed by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    Unknown,
    Nl,
    CrNl,
    Cr,
}

/// Where a complete line ends in the decoder's buffer.
#[derive(Debug, Clone, Copy)]
struct LineEnd {
    /// End of the line's data (before the line ending or end marker).
    end: usize,
    /// Start of what follows the line ending.
    next: usize,
    /// The line ended with the end of input or the end marker: nothing follows.
    last: bool,
}

/// The line scanner's state, which survives waiting for more input.
#[derive(Debug)]
struct Scan {
    csv: bool,
    quote: u8,
    /// The CSV escape when it differs from the quote.
    escape: Option<u8>,
    eol: Eol,
    /// The next byte to look at.
    pos: usize,
    in_quote: bool,
    last_was_esc: bool,
    /// Lines read so far (PostgreSQL's count: line endings inside CSV quotes count too).
    line: u64,
}

/// Incremental COPY FROM parser: feed bytes in arbitrary chunks (a CSV quoted field can span lines and chunks), get complete rows of raw fields (None = NULL).
///
/// After an error every further call returns the same error; after the end marker (or
/// [`CopyDecoder::finish`]) further input is ignored.
#[derive(Debug)]
pub struct CopyDecoder {
    options: CopyOptions,
    delimiter: u8,
    scan: Scan,
    /// Unconsumed input; the current line starts at `start`.
    buf: Vec<u8>,
    start: usize,
    header_pending: bool,
    done: bool,
    failed: Option<DbError>,
}

impl CopyDecoder {
    /// A decoder for data in the format `options` describe. Options the byte-level parser
    /// cannot honour (a non-ASCII delimiter, quote or escape; a CR or LF delimiter) make
    /// the first [`CopyDecoder::feed`] fail with PostgreSQL's error.
    pub fn new(options: CopyOptions) -> CopyDecoder {
        let failed = check_options(&options).err();
        let ascii = |c: char| u8::try_from(c).unwrap_or(b'\t');
        let quote = ascii(options.quote);
        let escape = ascii(options.escape);
        CopyDecoder {
            delimiter: ascii(options.delimiter),
            scan: Scan {
                csv: options.csv,
                quote,
                escape: (escape != quote).then_some(escape),
                eol: Eol::Unknown,
                pos: 0,
                in_quote: false,
                last_was_esc: false,
                line: 0,
            },
            buf: Vec::new(),
            start: 0,
            header_pending: options.header,
            done: false,
            failed,
            options,
        }
    }

    /// Appends input; returns the complete rows it now holds. Skips the header line when options.header (first line only). Stops at the text-format end marker line `\.`.
    pub fn feed(&mut self, data: &[u8]) -> Result<Vec<Vec<Option<String>>>, DbError> {
        self.run(data, false)
    }

    /// End of input: returns the final row if the data did not end in a newline; errors on an unterminated CSV quote.
    pub fn finish(&mut self) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows = self.run(&[], true);
        self.done = true;
        rows
    }

    fn run(&mut self, data: &[u8], eof: bool) -> Result<Vec<Vec<Option<String>>>, DbError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.done {
            return Ok(Vec::new());
        }
        self.buf.extend_from_slice(data);
        let result = self.rows(eof);
        // Drop the consumed lines (once per call, not per line).
        self.buf.drain(..self.start.min(self.buf.len()));
        self.scan.pos = self.scan.pos.saturating_sub(self.start);
        self.start = 0;
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            self.buf = Vec::new();
        }
        result
    }

    fn rows(&mut self, eof: bool) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut rows = Vec::new();
        while !self.done {
            let Some(end) = next_line(&self.buf, self.start, &mut self.scan, eof)
                .map_err(|e| at_line(e, self.scan.line + 1))?
            else {
                break;
            };
            self.scan.line += 1;
            let line = self.scan.line;
            let raw = self.buf.get(self.start..end.next).unwrap_or_default();
            check_encoding(raw).map_err(|e| at_line(e, line))?;
            let text = self.buf.get(self.start..end.end).unwrap_or_default();
            let header = std::mem::take(&mut self.header_pending);
            // A line cut short by the end of input or the end marker is a row only if it
            // holds something; a line ended by a line ending always is.
            let empty_tail = end.last && text.is_empty();
            if !header && !empty_tail {
                let fields = if self.options.csv {
                    csv_fields(text, self.delimiter, &self.scan, &self.options.null)
                } else {
                    text_fields(text, self.delimiter, &self.options.null)
                };
                rows.push(fields.map_err(|e| at_line(e, line))?);
            }
            self.start = end.next;
            self.scan.pos = end.next;
            self.scan.in_quote = false;
            self.scan.last_was_esc = false;
            self.done = end.last;
        }
        Ok(rows)
    }
}

/// PostgreSQL's checks of the options the parser depends on.
fn check_options(options: &CopyOptions) -> Result<(), DbError> {
    let one_byte = |what: &str, c: char| {
        if c.is_ascii() {
            Ok(())
        } else {
            Err(DbError::new(
                ErrorCode::FeatureNotSupported,
                format!("COPY {what} must be a single one-byte character"),
            ))
        }
    };
    one_byte("delimiter", options.delimiter)?;
    if options.csv {
        one_byte("quote", options.quote)?;
        one_byte("escape", options.escape)?;
    }
    if matches!(options.delimiter, '\n' | '\r') {
        return Err(DbError::new(
            ErrorCode::InvalidParameter,
            "COPY delimiter cannot be newline or carriage return",
        ));
    }
    Ok(())
}

/// 22P04 bad_copy_file_format.
fn bad_format(message: impl Into<String>) -> DbError {
    DbError::new(ErrorCode::DataException, message).with_sqlstate("22P04")
}

/// Adds PostgreSQL's CONTEXT line to an error's detail (after any detail it has).
fn with_context(e: DbError, context: String) -> DbError {
    let detail = match e.detail() {
        Some(d) => format!("{d}\n{context}"),
        None => context,
    };
    e.with_detail(detail)
}

fn at_line(e: DbError, line: u64) -> DbError {
    with_context(e, format!("COPY data, line {line}"))
}

/// Finds the end of the line starting at `start`, or `None` when more input is needed.
/// PostgreSQL's `CopyReadLineText`: every decision that looks ahead waits for the bytes it
/// needs (unless at end of input) before changing any state, so a wait can resume at `pos`.
fn next_line(
    buf: &[u8],
    start: usize,
    st: &mut Scan,
    eof: bool,
) -> Result<Option<LineEnd>, DbError> {
    let at = |j: usize| buf.get(j).copied().unwrap_or(0);
    while let Some(&c) = buf.get(st.pos) {
        let i = st.pos;
        let backslash = c == b'\\' && (!st.csv || i == start);
        let need = match (backslash, at(i + 1)) {
            (true, b'.') if st.eol == Eol::CrNl => 3,
            (true, b'.') => 2,
            (true, _) => 1,
            _ => usize::from(c == b'\r'),
        };
        if i + need >= buf.len() && !eof {
            return Ok(None);
        }
        if st.csv {
            if st.in_quote && Some(c) == st.escape {
                st.last_was_esc = !st.last_was_esc;
            }
            if c == st.quote && !st.last_was_esc {
                st.in_quote = !st.in_quote;
            }
            if Some(c) != st.escape {
                st.last_was_esc = false;
            }
            let embedded = if st.eol == Eol::Nl { b'\n' } else { b'\r' };
            if st.in_quote && c == embedded {
                st.line += 1;
            }
        }
        let outside = !st.csv || !st.in_quote;
        if c == b'\r' && outside {
            match st.eol {
                Eol::Unknown | Eol::CrNl if at(i + 1) == b'\n' => {
                    st.eol = Eol::CrNl;
                    return ended(i, i + 2, false);
                }
                Eol::CrNl | Eol::Nl => return Err(stray_eol(st.csv, true)),
                Eol::Unknown | Eol::Cr => {
                    st.eol = Eol::Cr;
                    return ended(i, i + 1, false);
                }
            }
        }
        if c == b'\n' && outside {
            if matches!(st.eol, Eol::Cr | Eol::CrNl) {
                return Err(stray_eol(st.csv, false));
            }
            st.eol = Eol::Nl;
            return ended(i, i + 1, false);
        }
        st.pos = i + 1;
        if backslash {
            if at(i + 1) == b'.' {
                if let Some(next) = end_marker(buf, i, st)? {
                    return ended(i, next, true);
                }
            } else if !st.csv {
                // In text format the byte after a backslash is never special.
                st.pos = i + 2;
            }
        }
    }
    if eof {
        let end = buf.len().max(start);
        return ended(end, end, true);
    }
    Ok(None)
}

fn ended(end: usize, next: usize, last: bool) -> Result<Option<LineEnd>, DbError> {
    Ok(Some(LineEnd { end, next, last }))
}

/// At `\.` (the backslash at `i`): `Some(end of the marker)` if it ends the data, `None`
/// if it is CSV data; in text format a malformed marker is an error.
fn end_marker(buf: &[u8], i: usize, st: &Scan) -> Result<Option<usize>, DbError> {
    let at = |j: usize| buf.get(j).copied().unwrap_or(0);
    let not_marker = |message: &str| {
        if st.csv {
            Ok(None)
        } else {
            Err(bad_format(message))
        }
    };
    const CORRUPT: &str = "end-of-copy marker corrupt";
    const STYLE: &str = "end-of-copy marker does not match previous newline style";
    let mut j = i + 2;
    if st.eol == Eol::CrNl {
        match at(j) {
            b'\r' => j += 1,
            b'\n' => return not_marker(STYLE),
            _ => return not_marker(CORRUPT),
        }
    }
    let c = at(j);
    if c != b'\r' && c != b'\n' {
        return not_marker(CORRUPT);
    }
    let matches = match st.eol {
        Eol::Unknown => true,
        Eol::Nl | Eol::CrNl => c == b'\n',
        Eol::Cr => c == b'\r',
    };
    if !matches {
        return Err(bad_format(STYLE));
    }
    Ok(Some(j + 1))
}

/// A CR or LF that is not the input's line ending.
fn stray_eol(csv: bool, cr: bool) -> DbError {
    let (what, escaped) = if cr {
        ("carriage return", "\"\\r\"")
    } else {
        ("newline", "\"\\n\"")
    };
    let (kind, how) = if csv {
        ("unquoted", "quoted CSV field")
    } else {
        ("literal", escaped)
    };
    bad_format(format!("{kind} {what} found in data"))
        .with_hint(format!("Use {how} to represent {what}."))
}

/// The fields of a text-format line (PostgreSQL's `CopyReadAttributesText`). A field is
/// NULL when its raw text, before de-escaping, is the null string.
fn text_fields(line: &[u8], delimiter: u8, null: &str) -> Result<Vec<Option<String>>, DbError> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let mut raw_end;
        let mut out = Vec::new();
        let mut found_delimiter = false;
        let mut unusual = false;
        loop {
            raw_end = i;
            let Some(&c) = line.get(i) else { break };
            i += 1;
            if c == delimiter {
                found_delimiter = true;
                break;
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(&c) = line.get(i) else { break };
            i += 1;
            let byte = match c {
                b'0'..=b'7' => {
                    let mut v = u32::from(c - b'0');
                    for _ in 0..2 {
                        match line.get(i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    unusual = true;
                    (v & 0xff) as u8
                }
                b'x' => match line.get(i).and_then(|&d| hex(d)) {
                    Some(high) => {
                        i += 1;
                        let mut v = high;
                        if let Some(low) = line.get(i).and_then(|&d| hex(d)) {
                            v = v * 16 + low;
                            i += 1;
                        }
                        unusual = true;
                        v
                    }
                    None => b'x',
                },
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'v' => 0x0b,
                other => other,
            };
            out.push(byte);
        }
        let raw = line.get(start..raw_end).unwrap_or_default();
        if raw == null.as_bytes() {
            fields.push(None);
        } else {
            if unusual {
                check_encoding(&out)?;
            }
            fields.push(Some(into_string(out)?));
        }
        if !found_delimiter {
            return Ok(fields);
        }
    }
}

fn hex(d: u8) -> Option<u8> {
    char::from(d)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// The fields of a CSV line (PostgreSQL's `CopyReadAttributesCSV`): quoted sections may
/// appear anywhere in a field; inside them the escape character escapes a quote or
/// itself. An unquoted field whose raw text is the null string is NULL.
fn csv_fields(
    line: &[u8],
    delimiter: u8,
    st: &Scan,
    null: &str,
) -> Result<Vec<Option<String>>, DbError> {
    let escape = st.escape.unwrap_or(st.quote);
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let mut raw_end;
        let mut out = Vec::new();
        let mut found_delimiter = false;
        let mut saw_quote = false;
        'field: loop {
            // Outside quotes.
            loop {
                raw_end = i;
                let Some(&c) = line.get(i) else {
                    break 'field;
                };
                i += 1;
                if c == delimiter {
                    found_delimiter = true;
                    break 'field;
                }
                if c == st.quote {
                    saw_quote = true;
                    break;
                }
                out.push(c);
            }
            // Inside quotes.
            loop {
                let Some(&c) = line.get(i) else {
                    return Err(bad_format("unterminated CSV quoted field"));
                };
                i += 1;
                if c == escape
                    && let Some(&next) = line.get(i).filter(|&&n| n == escape || n == st.quote)
                {
                    out.push(next);
                    i += 1;
                    continue;
                }
                if c == st.quote {
                    break;
                }
                out.push(c);
            }
        }
        let raw = line.get(start..raw_end).unwrap_or_default();
        if !saw_quote && raw == null.as_bytes() {
            fields.push(None);
        } else {
            fields.push(Some(into_string(out)?));
        }
        if !found_delimiter {
            return Ok(fields);
        }
    }
}

fn into_string(bytes: Vec<u8>) -> Result<String, DbError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        encoding_error(e.as_bytes().get(at..).unwrap_or_default())
    })
}

/// 22021 unless `bytes` are UTF-8 without NUL.
fn check_encoding(bytes: &[u8]) -> Result<(), DbError> {
    let bad = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to());
    let checked = bytes.get(..bad.unwrap_or(bytes.len())).unwrap_or_default();
    match checked.iter().position(|&b| b == 0).or(bad) {
        Some(at) => Err(encoding_error(bytes.get(at..).unwrap_or_default())),
        None => Ok(()),
    }
}

/// PostgreSQL's `report_invalid_encoding`: the bytes of the character that starts `rest`.
fn encoding_error(rest: &[u8]) -> DbError {
    let len = match rest.first() {
        Some(b) if b & 0xe0 == 0xc0 => 2,
        Some(b) if b & 0xf0 == 0xe0 => 3,
        Some(b) if b & 0xf8 == 0xf0 => 4,
        _ => 1,
    };
    let bytes: Vec<String> = rest
        .iter()
        .take(len)
        .map(|b| format!("0x{b:02x}"))
        .collect();
    DbError::new(
        ErrorCode::DataException,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            bytes.join(" ")
        ),
    )
    .with_sqlstate("22021")
}

/// Converts raw fields to typed values for the given column types; wrong field count -> 22P04 "missing data for column \"c\"" / "extra data after last expected column" exactly as PostgreSQL words them (you get the column names too). Include the line number in the error's detail like PostgreSQL's CONTEXT ("COPY t, line 3").
///
/// `names` are the columns' names (as many as `types`), `table` the table's name for the
/// context and `line` the line number (the header, if any, is line 1). A value that does
/// not parse keeps its error (22P02, 22003, ...) with the context `COPY t, line 3, column
/// c: "value"` added to its detail. With no columns, an empty line is an empty row.
pub fn fields_to_values(
    fields: Vec<Option<String>>,
    types: &[DataType],
    names: &[&str],
    table: &str,
    line: u64,
) -> Result<Vec<Value>, DbError> {
    let context = || format!("COPY {table}, line {line}");
    if types.is_empty()
        && let [field] = fields.as_slice()
        && field.as_deref().is_none_or(str::is_empty)
    {
        return Ok(Vec::new());
    }
    if fields.len() > types.len() {
        return Err(bad_format("extra data after last expected column").with_detail(context()));
    }
    let mut fields = fields.into_iter();
    let mut values = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        let name = names.get(i).copied().unwrap_or("?");
        let value = match fields.next() {
            None => {
                return Err(bad_format(format!("missing data for column \"{name}\""))
                    .with_detail(context()));
            }
            Some(None) => Value::Null,
            Some(Some(text)) => parse_value(&text, ty).map_err(|e| {
                let shown = clip(&text);
                with_context(
                    e,
                    format!("COPY {table}, line {line}, column {name}: \"{shown}\""),
                )
            })?,
        };
        values.push(value);
    }
    Ok(values)
}

/// PostgreSQL's `limit_printout_length`: at most 100 bytes, then `...`.
fn clip(text: &str) -> String {
    if text.len() <= MAX_DISPLAY {
        return text.to_string();
    }
    let mut end = MAX_DISPLAY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", text.get(..end).unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    type Rows = Vec<Vec<Option<String>>>;

    fn text() -> CopyOptions {
        CopyOptions {
            csv: false,
            header: false,
            delimiter: '\t',
            null: "\\N".into(),
            quote: '"',
            escape: '"',
        }
    }

    fn csv() -> CopyOptions {
        CopyOptions {
            csv: true,
            delimiter: ',',
            null: String::new(),
            ..text()
        }
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    fn t(x: &str) -> Value {
        Value::Text(x.to_string())
    }

    fn row(values: &[Value], options: &CopyOptions) -> String {
        let mut out = String::new();
        encode_row(values, options, &mut out);
        out
    }

    /// Feeds `chunks`, then finishes.
    fn decode_chunks(options: &CopyOptions, chunks: &[&[u8]]) -> Result<Rows, DbError> {
        let mut d = CopyDecoder::new(options.clone());
        let mut rows = Vec::new();
        for chunk in chunks {
            rows.extend(d.feed(chunk)?);
        }
        rows.extend(d.finish()?);
        Ok(rows)
    }

    /// Decodes `data` in one piece, and checks that every split into two chunks and a
    /// byte-at-a-time feed give the same result (rows or error message).
    fn decode(options: &CopyOptions, data: &[u8]) -> Result<Rows, DbError> {
        let whole = decode_chunks(options, &[data]);
        let key = |r: &Result<Rows, DbError>| r.clone().map_err(|e| e.message().to_string());
        for k in 0..=data.len() {
            let (a, b) = data.split_at(k);
            assert_eq!(
                key(&decode_chunks(options, &[a, b])),
                key(&whole),
                "split at {k}"
            );
        }
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(
            key(&decode_chunks(options, &bytes)),
            key(&whole),
            "bytewise"
        );
        whole
    }

    fn decode_err(options: &CopyOptions, data: &[u8]) -> DbError {
        decode(options, data).unwrap_err()
    }

    // ---- output (expected strings are PostgreSQL 15's COPY TO output) ----

    #[test]
    fn text_output_escapes() {
        let values = [
            t("a\\b\tc\nd\re\u{1}f\u{8}\u{c}\u{b}"),
            t("x,y"),
            Value::Null,
            t(""),
            t("q\"r"),
            t("é"),
            Value::Float8(1.5),
            Value::Bytea(vec![1, 2]),
            Value::Bool(true),
        ];
        assert_eq!(
            row(&values, &text()),
            "a\\\\b\\tc\\nd\\re\u{1}f\\b\\f\\v\tx,y\t\\N\t\tq\"r\té\t1.5\t\\\\x0102\tt\n"
        );
    }

    #[test]
    fn text_output_custom_delimiter_and_null() {
        let options = CopyOptions {
            delimiter: '|',
            null: "nil".into(),
            ..text()
        };
        let values = [t("a|b"), t("c\\d"), Value::Null];
        assert_eq!(row(&values, &options), "a\\|b|c\\\\d|nil\n");
        assert_eq!(row(&[], &options), "\n");
    }

    #[test]
    fn text_output_of_the_null_string() {
        // PostgreSQL writes a value equal to the null string as is (ambiguously).
        let options = CopyOptions {
            delimiter: ',',
            null: "nil".into(),
            ..text()
        };
        let values = [t("nil"), Value::Null, t(""), t("a\\b")];
        assert_eq!(row(&values, &options), "nil,nil,,a\\\\b\n");
        let options = CopyOptions {
            null: String::new(),
            ..text()
        };
        assert_eq!(row(&[t(""), Value::Null], &options), "\t\n");
    }

    #[test]
    fn csv_output_quoting() {
        let values = [
            t("a\\b\tc\nd\re"),
            t("x,y"),
            Value::Null,
            t(""),
            t("q\"r"),
            t("é"),
            t(" "),
            t("\\."),
        ];
        assert_eq!(
            row(&values, &csv()),
            "\"a\\b\tc\nd\re\",\"x,y\",,\"\",\"q\"\"r\",é, ,\\.\n"
        );
        // `\.` alone on a line would be the end marker.
        assert_eq!(row(&[t("\\.")], &csv()), "\"\\.\"\n");
        assert_eq!(row(&[Value::Null], &csv()), "\n");
        assert_eq!(row(&[Value::Int4(-7)], &csv()), "-7\n");
    }

    #[test]
    fn csv_output_custom_options() {
        let options = CopyOptions {
            delimiter: '|',
            null: "NULL".into(),
            escape: '\\',
            ..csv()
        };
        let values = [
            t("NULL"),
            t(""),
            Value::Null,
            t("a|b"),
            t("q\\r"),
            t("q\"r"),
        ];
        assert_eq!(
            row(&values, &options),
            "\"NULL\"||NULL|\"a|b\"|q\\r|\"q\\\"r\"\n"
        );
        let options = CopyOptions {
            quote: '\'',
            escape: '\\',
            ..csv()
        };
        let values = [t("a,b"), t("x\"y"), t("x\\y"), t("it's \\")];
        assert_eq!(row(&values, &options), "'a,b',x\"y,x\\y,'it\\'s \\\\'\n");
    }

    #[test]
    fn header_output() {
        let mut out = String::new();
        encode_header(&["a,b", "x\"y", "ok"], &csv(), &mut out);
        assert_eq!(out, "\"a,b\",\"x\"\"y\",ok\n");
        out.clear();
        encode_header(&["a\tb", "c"], &text(), &mut out);
        assert_eq!(out, "a\\tb\tc\n");
    }

    // ---- text input (expected rows checked against PostgreSQL 15) ----

    #[test]
    fn text_escapes() {
        let rows = decode(&text(), b"a\\x4g\\xZ\\18\\101\\q\\N\t\\N\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\u{4}gxZ\u{1}8AqN"), None]]);
        let rows = decode(
            &text(),
            b"\\b\\f\\n\\r\\t\\v\\\\\\\t|\\xc3\\xA9\\303\\251\n",
        )
        .unwrap();
        assert_eq!(rows, vec![vec![s("\u{8}\u{c}\n\r\t\u{b}\\\t|éé")]]);
        // A backslash makes even a newline data; a trailing one at the end is dropped.
        let rows = decode(&text(), b"a\\\nb\t1\nc\t2\\").unwrap();
        assert_eq!(rows, vec![vec![s("a\nb"), s("1")], vec![s("c"), s("2")]]);
    }

    #[test]
    fn text_null_is_the_raw_field() {
        let options = CopyOptions {
            null: "nil".into(),
            ..text()
        };
        let rows = decode(&options, b"nil\tn\\il\t\\N\tnil2\n").unwrap();
        assert_eq!(rows, vec![vec![None, s("nil"), s("N"), s("nil2")]]);
        let rows = decode(&text(), b"\\N\t\\\\N\t\n").unwrap();
        assert_eq!(rows, vec![vec![None, s("\\N"), s("")]]);
    }

    #[test]
    fn text_lines() {
        assert_eq!(decode(&text(), b"").unwrap(), Rows::new());
        assert_eq!(
            decode(&text(), b"\n\n").unwrap(),
            vec![vec![s("")], vec![s("")]]
        );
        let rows = decode(&text(), b"a\t1\r\nb\t2\r\n").unwrap();
        assert_eq!(rows, vec![vec![s("a"), s("1")], vec![s("b"), s("2")]]);
        let rows = decode(&text(), b"a\rb\r").unwrap();
        assert_eq!(rows, vec![vec![s("a")], vec![s("b")]]);
        let rows = decode(&text(), b"a\nb").unwrap();
        assert_eq!(rows, vec![vec![s("a")], vec![s("b")]]);
        let e = decode_err(&text(), b"a\nb\r\n");
        assert_eq!(e.message(), "literal carriage return found in data");
        assert_eq!(e.hint(), Some("Use \"\\r\" to represent carriage return."));
        assert_eq!(e.sqlstate(), "22P04");
        assert_eq!(e.detail(), Some("COPY data, line 2"));
        let e = decode_err(&text(), b"a\r\nb\n");
        assert_eq!(e.message(), "literal newline found in data");
        assert_eq!(e.hint(), Some("Use \"\\n\" to represent newline."));
        let e = decode_err(&text(), b"a\r\nb\rc\r\n");
        assert_eq!(e.message(), "literal carriage return found in data");
    }

    #[test]
    fn text_end_marker() {
        let rows = decode(&text(), b"a\t1\n\\.\nb\t2\n").unwrap();
        assert_eq!(rows, vec![vec![s("a"), s("1")]]);
        let rows = decode(&text(), b"a\t1\r\n\\.\r\nb\t2\r\n").unwrap();
        assert_eq!(rows, vec![vec![s("a"), s("1")]]);
        // PostgreSQL 15 ends the data at `\.` anywhere; what precedes it is the last row.
        assert_eq!(
            decode(&text(), b"a\\.\nb\tc\n").unwrap(),
            vec![vec![s("a")]]
        );
        // An escaped backslash before the dot is data.
        let rows = decode(&text(), b"\\\\.\n").unwrap();
        assert_eq!(rows, vec![vec![s("\\.")]]);
        for bad in [&b"a\t1\n\\.x\n"[..], b"a\t1\n\\.", b"\\.\\.\n"] {
            let e = decode_err(&text(), bad);
            assert_eq!(e.message(), "end-of-copy marker corrupt");
            assert_eq!(e.sqlstate(), "22P04");
        }
        let e = decode_err(&text(), b"a\r\n\\.\n");
        assert_eq!(
            e.message(),
            "end-of-copy marker does not match previous newline style"
        );
        let e = decode_err(&text(), b"a\n\\.\r");
        assert_eq!(
            e.message(),
            "end-of-copy marker does not match previous newline style"
        );
        // Input after the marker is ignored, in later chunks too.
        let mut d = CopyDecoder::new(text());
        assert_eq!(d.feed(b"x\n\\.\n").unwrap(), vec![vec![s("x")]]);
        assert_eq!(d.feed(b"y\n\xff").unwrap(), Rows::new());
        assert_eq!(d.finish().unwrap(), Rows::new());
    }

    #[test]
    fn encoding_errors() {
        let cases: [(&[u8], &str); 6] = [
            (b"a\xc3(b\t1\n", "0xc3 0x28"),
            (b"a\xe2\x82\t1\n", "0xe2 0x82 0x09"),
            (b"a\\xc3\\x28\t1\n", "0xc3 0x28"),
            (b"a\\777\n", "0xff"),
            (b"a\\000b\n", "0x00"),
            (b"a\x00b\n", "0x00"),
        ];
        for (data, bytes) in cases {
            let e = decode_err(&text(), data);
            let expected = format!("invalid byte sequence for encoding \"UTF8\": {bytes}");
            assert_eq!(e.message(), expected);
            assert_eq!(e.sqlstate(), "22021");
        }
        let e = decode_err(&csv(), b"ok\n\"a\xff\"\n");
        assert_eq!(e.sqlstate(), "22021");
        assert_eq!(e.detail(), Some("COPY data, line 2"));
        // A character split across chunks is fine.
        let rows = decode_chunks(&csv(), &[b"\xe6\xbc", b"\xa2\n"]).unwrap();
        assert_eq!(rows, vec![vec![s("漢")]]);
    }

    // ---- CSV input ----

    #[test]
    fn csv_fields_and_quotes() {
        let rows = decode(&csv(), b"a\"b,c\"d,\n\"x\ny\",\"\"\n\\.\n").unwrap();
        assert_eq!(rows, vec![vec![s("ab,cd"), None], vec![s("x\ny"), s("")]]);
        let rows = decode(&csv(), b"\"a\"\"b\",\"\"\"\",\"\"\"\"\"\"\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\"b"), s("\""), s("\"\"")]]);
        let rows = decode(&csv(), b"\"a\r\nb\",c\r\n\"\r\",d\r\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\r\nb"), s("c")], vec![s("\r"), s("d")]]);
        assert_eq!(decode(&csv(), b"\n").unwrap(), vec![vec![None]]);
        assert_eq!(decode(&csv(), b",").unwrap(), vec![vec![None, None]]);
        let rows = decode(&csv(), b" a , \"b\" \n").unwrap();
        assert_eq!(rows, vec![vec![s(" a "), s(" b ")]]);
        // Backslash is plain data in CSV.
        let rows = decode(&csv(), b"a\\,\\\"b\\\"\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\\"), s("\\b\\")]]);
    }

    #[test]
    fn csv_custom_options() {
        let options = CopyOptions {
            null: "NULL".into(),
            ..csv()
        };
        let rows = decode(&options, b"NULL,\"NULL\",,\"\"\n").unwrap();
        assert_eq!(rows, vec![vec![None, s("NULL"), s(""), s("")]]);
        let options = CopyOptions {
            escape: '\\',
            ..csv()
        };
        let rows = decode(&options, b"\"a\\\"b\n,c\",\\\\\"x\\y\"\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\"b\n,c"), s("\\\\x\\y")]]);
        let rows = decode(&options, b"\"\\\\\",\"\\\\\\\"\"\n").unwrap();
        assert_eq!(rows, vec![vec![s("\\"), s("\\\"")]]);
        let options = CopyOptions {
            delimiter: ';',
            quote: '\'',
            escape: '\'',
            ..csv()
        };
        let rows = decode(&options, b"'a;''b',\"c\n").unwrap();
        assert_eq!(rows, vec![vec![s("a;'b,\"c")]]);
    }

    #[test]
    fn csv_errors() {
        let mut d = CopyDecoder::new(csv());
        assert_eq!(d.feed(b"\"a\"\"b\",\"c\n").unwrap(), Rows::new());
        let e = d.finish().unwrap_err();
        assert_eq!(e.message(), "unterminated CSV quoted field");
        assert_eq!(e.sqlstate(), "22P04");
        let e = decode_err(&csv(), b"a,b\r\nc,d\n");
        assert_eq!(e.message(), "unquoted newline found in data");
        assert_eq!(e.hint(), Some("Use quoted CSV field to represent newline."));
        let e = decode_err(&csv(), b"a,b\nc,d\r\n");
        assert_eq!(e.message(), "unquoted carriage return found in data");
        assert_eq!(
            e.hint(),
            Some("Use quoted CSV field to represent carriage return.")
        );
        // `\.` then the wrong line ending is data in CSV, so the newline is stray.
        let e = decode_err(&csv(), b"q,1\r\n\\.\n");
        assert_eq!(e.message(), "unquoted newline found in data");
    }

    #[test]
    fn csv_end_marker() {
        assert_eq!(decode(&csv(), b"a\n\\.\nb\n").unwrap(), vec![vec![s("a")]]);
        assert_eq!(decode(&csv(), b"\\.\r\nb\r\n").unwrap(), Rows::new());
        // Only alone on its line, unquoted, and followed by a line ending.
        assert_eq!(decode(&csv(), b"\\.").unwrap(), vec![vec![s("\\.")]]);
        let rows = decode(&csv(), b"\"\\.\"\n\\.,\na\\.\n\\.x\n").unwrap();
        let expected = vec![
            vec![s("\\.")],
            vec![s("\\."), None],
            vec![s("a\\.")],
            vec![s("\\.x")],
        ];
        assert_eq!(rows, expected);
        // Not inside a quoted field that spans lines.
        let rows = decode(&csv(), b"\"a\n\\.\n\",b\n").unwrap();
        assert_eq!(rows, vec![vec![s("a\n\\.\n"), s("b")]]);
    }

    #[test]
    fn header_is_skipped_once() {
        let options = CopyOptions {
            header: true,
            ..csv()
        };
        let rows = decode(&options, b"\"h\n1\",h2\na,b\nh1,h2\n").unwrap();
        assert_eq!(rows, vec![vec![s("a"), s("b")], vec![s("h1"), s("h2")]]);
        assert_eq!(decode(&options, b"h1,h2\n\\.\nc,d\n").unwrap(), Rows::new());
        assert_eq!(decode(&options, b"h1,h2").unwrap(), Rows::new());
        assert_eq!(decode(&options, b"").unwrap(), Rows::new());
        let options = CopyOptions {
            header: true,
            ..text()
        };
        assert_eq!(
            decode(&options, b"a\tb\n1\t2\n").unwrap(),
            vec![vec![s("1"), s("2")]]
        );
    }

    #[test]
    fn errors_are_sticky_and_options_checked() {
        let mut d = CopyDecoder::new(text());
        let e = d.feed(b"ok\n\\.x\n").unwrap_err();
        assert_eq!(d.feed(b"fine\n").unwrap_err(), e);
        assert_eq!(d.finish().unwrap_err(), e);
        let options = CopyOptions {
            delimiter: '§',
            ..csv()
        };
        let e = CopyDecoder::new(options).feed(b"a").unwrap_err();
        assert_eq!(
            e.message(),
            "COPY delimiter must be a single one-byte character"
        );
        assert_eq!(e.sqlstate(), "0A000");
        let options = CopyOptions {
            quote: '«',
            ..csv()
        };
        let e = CopyDecoder::new(options).finish().unwrap_err();
        assert_eq!(
            e.message(),
            "COPY quote must be a single one-byte character"
        );
        let options = CopyOptions {
            delimiter: '\n',
            ..text()
        };
        let e = CopyDecoder::new(options).feed(b"a").unwrap_err();
        assert_eq!(e.sqlstate(), "22023");
    }

    // ---- typed values ----

    #[test]
    fn typed_values() {
        let types = [
            DataType::Int4,
            DataType::Text,
            DataType::Bytea,
            DataType::Bool,
        ];
        let names = ["a", "b", "c", "d"];
        let fields = vec![s("42"), None, s("\\x0aff"), s("yes")];
        let values = fields_to_values(fields, &types, &names, "t", 1).unwrap();
        let expected = vec![
            Value::Int4(42),
            Value::Null,
            Value::Bytea(vec![10, 255]),
            Value::Bool(true),
        ];
        assert_eq!(values, expected);
        assert_eq!(
            fields_to_values(vec![s("")], &[], &[], "t", 1).unwrap(),
            vec![]
        );
        assert_eq!(
            fields_to_values(vec![None], &[], &[], "t", 1).unwrap(),
            vec![]
        );
    }

    #[test]
    fn typed_value_errors() {
        let types = [DataType::Int4, DataType::Text];
        let names = ["a", "b"];
        let e = fields_to_values(vec![s("1")], &types, &names, "t", 3).unwrap_err();
        assert_eq!(e.message(), "missing data for column \"b\"");
        assert_eq!(e.sqlstate(), "22P04");
        assert_eq!(e.detail(), Some("COPY t, line 3"));
        let e = fields_to_values(vec![s("1"), s("x"), None], &types, &names, "t", 4).unwrap_err();
        assert_eq!(e.message(), "extra data after last expected column");
        assert_eq!(e.sqlstate(), "22P04");
        assert_eq!(e.detail(), Some("COPY t, line 4"));
        let e = fields_to_values(vec![s("1")], &[], &[], "t", 1).unwrap_err();
        assert_eq!(e.message(), "extra data after last expected column");
        let e = fields_to_values(vec![s("abc"), None], &types, &names, "t", 2).unwrap_err();
        assert_eq!(
            e.message(),
            "invalid input syntax for type integer: \"abc\""
        );
        assert_eq!(e.sqlstate(), "22P02");
        assert_eq!(e.detail(), Some("COPY t, line 2, column a: \"abc\""));
        let long = "9".repeat(150);
        let e = fields_to_values(vec![s(&long), None], &types, &names, "t", 5).unwrap_err();
        let shown = format!("COPY t, line 5, column a: \"{}...\"", "9".repeat(100));
        assert_eq!(e.detail(), Some(shown.as_str()));
        assert_eq!(clip(&"é".repeat(60)), format!("{}...", "é".repeat(50)));
    }

    // ---- round trips ----

    const AWKWARD: &[&str] = &[
        "",
        " ",
        "\\",
        "\\N",
        "\\.",
        ".",
        "\"",
        "\"\"",
        "'",
        ",",
        ";",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\n\\.\n",
        "a\\.b",
        "NULL",
        "nil",
        "é漢🎉",
        "\u{1}\u{8}\u{b}\u{c}\u{7f}",
        "x\ny\rz\t,\"'\\",
        "\\x41\\101",
    ];

    fn option_sets() -> Vec<CopyOptions> {
        vec![
            text(),
            CopyOptions {
                delimiter: ',',
                null: "nil".into(),
                ..text()
            },
            csv(),
            CopyOptions {
                delimiter: ';',
                null: "NULL".into(),
                quote: '\'',
                escape: '\\',
                ..csv()
            },
            CopyOptions {
                delimiter: '\t',
                escape: '\\',
                ..csv()
            },
        ]
    }

    /// Whether `v` is written in text format exactly as the null string.
    fn is_null_text(v: &str, options: &CopyOptions) -> bool {
        let mut out = String::new();
        encode_text_field(v, options.delimiter, &mut out);
        out == options.null
    }

    fn round_trip(options: &CopyOptions, rows: &[Vec<Option<&str>>]) {
        let mut data = String::new();
        for r in rows {
            let values: Vec<Value> = r.iter().map(|f| f.map_or(Value::Null, t)).collect();
            encode_row(&values, options, &mut data);
        }
        // Like PostgreSQL, text format writes a value as is when that spells the null
        // string, so it reads back as NULL (see `text_output_of_the_null_string`).
        let expected: Rows = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|f| f.filter(|&v| options.csv || !is_null_text(v, options)))
                    .map(|f| f.map(str::to_string))
                    .collect()
            })
            .collect();
        assert_eq!(
            decode(options, data.as_bytes()).unwrap(),
            expected,
            "{data:?}"
        );
    }

    #[test]
    fn round_trips_of_awkward_strings() {
        for options in option_sets() {
            for &a in AWKWARD {
                round_trip(&options, &[vec![Some(a)]]);
                round_trip(
                    &options,
                    &[vec![Some(a), None, Some(a)], vec![None, Some(a), None]],
                );
            }
            let all: Vec<Option<&str>> = AWKWARD.iter().map(|&a| Some(a)).collect();
            round_trip(&options, &[all.clone(), all]);
        }
    }

    #[test]
    fn round_trip_with_header_and_types() {
        let options = CopyOptions {
            header: true,
            ..csv()
        };
        let mut data = String::new();
        encode_header(&["id", "na,me", "data"], &options, &mut data);
        let values = [
            Value::Int8(-5),
            t("x\"y\nz"),
            Value::Bytea(vec![0, 92, 255]),
        ];
        encode_row(&values, &options, &mut data);
        encode_row(&[Value::Int8(6), Value::Null, t("")], &options, &mut data);
        let rows = decode(&options, data.as_bytes()).unwrap();
        let types = [DataType::Int8, DataType::Text, DataType::Bytea];
        let names = ["id", "na,me", "data"];
        let decoded: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|r| fields_to_values(r, &types, &names, "t", 0).unwrap())
            .collect();
        let second = vec![Value::Int8(6), Value::Null, Value::Bytea(vec![])];
        assert_eq!(decoded, vec![values.to_vec(), second]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_round_trips(
            rows in prop::collection::vec(
                prop::collection::vec(prop::option::of("[a-c\\\\\"',;.\t\r\n NUL€]{0,6}"), 1..4),
                0..4,
            ),
            which in 0usize..5,
            cuts in prop::collection::vec(0usize..200, 0..4),
        ) {
            let options = &option_sets()[which];
            let mut data = String::new();
            for r in &rows {
                let values: Vec<Value> = r.iter().map(|f| f.as_deref().map_or(Value::Null, t)).collect();
                encode_row(&values, options, &mut data);
            }
            let bytes = data.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for c in cuts {
                chunks.push(&bytes[last..c]);
                last = c;
            }
            chunks.push(&bytes[last..]);
            prop_assert_eq!(decode_chunks(options, &chunks).unwrap(), rows);
        }

        #[test]
        fn arbitrary_input_never_panics(
            data in prop::collection::vec(
                prop::sample::select(b"ab\\.\"',;\t\r\nN0x7\xff\xc3\xa9\x00".to_vec()),
                0..40,
            ),
            which in 0usize..5,
            header in any::<bool>(),
            cut in 0usize..40,
        ) {
            let options = CopyOptions { header, ..option_sets()[which].clone() };
            let cut = cut.min(data.len());
            let whole = decode_chunks(&options, &[&data]).map_err(|e| e.message().to_string());
            let split = decode_chunks(&options, &[&data[..cut], &data[cut..]])
                .map_err(|e| e.message().to_string());
            prop_assert_eq!(whole, split);
        }
    }
}
