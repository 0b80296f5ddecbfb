//! Binary encodings and digests: `encode` / `decode` (hex, base64, escape), `md5`,
//! `to_hex`.

use md5::{Digest, Md5};
use rustydb_common::DbError;

use super::args::{bytes, int, text};
use super::def::f;
use super::{EvalContext, FuncDef};
use crate::types::{DataType as T, Value, errors};

type R = Result<Value, DbError>;

fn s(v: String) -> R {
    Ok(Value::Text(v))
}

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("md5", &[T::Text], T::Text, md5_text),
        f("md5", &[T::Bytea], T::Text, md5_bytea),
        f("to_hex", &[T::Int4], T::Text, to_hex32),
        f("to_hex", &[T::Int8], T::Text, to_hex64),
        f("encode", &[T::Bytea, T::Text], T::Text, encode),
        f("decode", &[T::Text, T::Text], T::Bytea, decode),
    ]
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn md5_text(a: &[Value], _: &EvalContext) -> R {
    s(hex(&Md5::digest(text(&a[0])?.as_bytes())))
}

fn md5_bytea(a: &[Value], _: &EvalContext) -> R {
    s(hex(&Md5::digest(bytes(&a[0])?)))
}

fn to_hex32(a: &[Value], _: &EvalContext) -> R {
    s(format!("{:x}", int(&a[0])? as i32 as u32))
}

fn to_hex64(a: &[Value], _: &EvalContext) -> R {
    s(format!("{:x}", int(&a[0])? as u64))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `encode(bytea, 'hex' | 'base64' | 'escape')`.
fn encode(a: &[Value], _: &EvalContext) -> R {
    let b = bytes(&a[0])?;
    let format = text(&a[1])?.to_ascii_lowercase();
    s(match format.as_str() {
        "hex" => hex(b),
        "base64" => {
            let mut out = String::new();
            for (n, chunk) in b.chunks(3).enumerate() {
                if n > 0 && n % 19 == 0 {
                    out.push('\n');
                }
                let v = (u32::from(chunk[0]) << 16)
                    | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*chunk.get(2).unwrap_or(&0));
                for k in 0..4 {
                    if k <= chunk.len() {
                        out.push(B64[(v >> (18 - 6 * k) & 63) as usize] as char);
                    } else {
                        out.push('=');
                    }
                }
            }
            out
        }
        "escape" => {
            let mut out = String::new();
            for &c in b {
                if c == b'\\' {
                    out.push_str("\\\\");
                } else if c == 0 || c >= 0x80 {
                    out.push_str(&format!("\\{c:03o}"));
                } else {
                    out.push(c as char);
                }
            }
            out
        }
        _ => {
            return Err(errors::invalid_parameter(format!(
                "unrecognized encoding: \"{}\"",
                text(&a[1])?
            )));
        }
    })
}

/// `decode(text, 'hex' | 'base64' | 'escape')`.
fn decode(a: &[Value], _: &EvalContext) -> R {
    let t = text(&a[0])?;
    let format = text(&a[1])?.to_ascii_lowercase();
    Ok(Value::Bytea(match format.as_str() {
        "hex" => crate::types::text::parse_bytea(&format!("\\x{t}"))?,
        "escape" => crate::types::text::parse_bytea(t)?,
        "base64" => {
            let mut out = Vec::new();
            let mut acc: u32 = 0;
            let mut bits = 0;
            let mut pad = 0;
            for c in t.bytes() {
                if c.is_ascii_whitespace() {
                    continue;
                }
                if c == b'=' {
                    pad += 1;
                    continue;
                }
                let v = B64.iter().position(|x| *x == c).ok_or_else(|| {
                    errors::invalid_parameter(format!(
                        "invalid symbol \"{}\" found while decoding base64 sequence",
                        c as char
                    ))
                })? as u32;
                if pad > 0 {
                    return Err(errors::invalid_parameter(
                        "unexpected \"=\" while decoding base64 sequence",
                    ));
                }
                acc = (acc << 6) | v;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                    acc &= (1 << bits) - 1;
                }
            }
            out
        }
        _ => {
            return Err(errors::invalid_parameter(format!(
                "unrecognized encoding: \"{}\"",
                text(&a[1])?
            )));
        }
    }))
}
