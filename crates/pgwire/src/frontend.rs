//! Frontend (client to server) messages after startup, decoded from raw bytes.
//!
//! We frame and parse these ourselves rather than with `pgwire`'s decoders: those read
//! message bodies straight from the connection buffer without checking that a field
//! fits inside its message, so a truncated `Bind` or `Parse` panics or reads into the
//! next message. Here every field is read from the message's own body with bounds
//! checks, and anything malformed is a [`ProtocolError`] (SQLSTATE 08P01), never a panic.

use bytes::{Buf, Bytes, BytesMut};

/// Largest message we accept for statements, parameters and COPY data (PostgreSQL's
/// `PQ_LARGE_MESSAGE_LIMIT`, 1 GB - 1).
const LARGE_LIMIT: usize = 0x3fff_ffff - 1;
/// Largest message we accept for the small control messages.
const SMALL_LIMIT: usize = 10_000;

/// A malformed message: the connection cannot continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProtocolError(pub(crate) String);

fn err<T>(msg: impl Into<String>) -> Result<T, ProtocolError> {
    Err(ProtocolError(msg.into()))
}

/// One decoded frontend message.
#[derive(Debug)]
pub(crate) enum Frontend {
    /// `Q`: a simple query.
    Query(String),
    /// `P`: Parse.
    Parse {
        name: String,
        sql: String,
        param_types: Vec<u32>,
    },
    /// `B`: Bind.
    Bind {
        portal: String,
        statement: String,
        param_formats: Vec<i16>,
        params: Vec<Option<Bytes>>,
        result_formats: Vec<i16>,
    },
    /// `D`: Describe a statement (`S`) or portal (`P`).
    Describe { kind: u8, name: String },
    /// `E`: Execute a portal, up to `max_rows` rows (0 = all).
    Execute { portal: String, max_rows: i32 },
    /// `C`: Close a statement (`S`) or portal (`P`).
    Close { kind: u8, name: String },
    /// `S`: Sync.
    Sync,
    /// `H`: Flush.
    Flush,
    /// `X`: Terminate.
    Terminate,
    /// `d`: CopyData.
    CopyData(Bytes),
    /// `c`: CopyDone.
    CopyDone,
    /// `f`: CopyFail.
    CopyFail(String),
    /// `p`: a password / SASL message (its meaning depends on the exchange).
    Password(Bytes),
}

impl Frontend {
    /// The message's type byte.
    pub(crate) fn type_byte(&self) -> u8 {
        match self {
            Frontend::Query(_) => b'Q',
            Frontend::Parse { .. } => b'P',
            Frontend::Bind { .. } => b'B',
            Frontend::Describe { .. } => b'D',
            Frontend::Execute { .. } => b'E',
            Frontend::Close { .. } => b'C',
            Frontend::Sync => b'S',
            Frontend::Flush => b'H',
            Frontend::Terminate => b'X',
            Frontend::CopyData(_) => b'd',
            Frontend::CopyDone => b'c',
            Frontend::CopyFail(_) => b'f',
            Frontend::Password(_) => b'p',
        }
    }
}

/// Decodes one message from the front of `buf` if it is complete. `Ok(None)` means
/// more bytes are needed.
pub(crate) fn decode(buf: &mut BytesMut) -> Result<Option<Frontend>, ProtocolError> {
    if buf.len() < 5 {
        return Ok(None);
    }
    let tag = buf[0];
    let len = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    let limit = match tag {
        b'Q' | b'P' | b'B' | b'd' | b'f' | b'p' => LARGE_LIMIT,
        b'D' | b'E' | b'C' | b'S' | b'H' | b'X' | b'c' => SMALL_LIMIT,
        other => return err(format!("invalid frontend message type {other}")),
    };
    if len < 4 || len as usize > limit {
        return err(format!(
            "invalid message length {len} for message type \"{}\"",
            tag as char
        ));
    }
    let total = 1 + len as usize;
    if buf.len() < total {
        buf.reserve(total - buf.len());
        return Ok(None);
    }
    let mut frame = buf.split_to(total);
    frame.advance(5);
    let mut body = Body(frame.freeze());
    let msg = match tag {
        b'Q' => Frontend::Query(body.cstr()?),
        b'P' => {
            let name = body.cstr()?;
            let sql = body.cstr()?;
            let n = body.i16()?;
            if n < 0 {
                return err("negative parameter type count in Parse");
            }
            let mut param_types = Vec::with_capacity((n as usize).min(body.0.len() / 4));
            for _ in 0..n {
                param_types.push(body.i32()? as u32);
            }
            Frontend::Parse {
                name,
                sql,
                param_types,
            }
        }
        b'B' => decode_bind(&mut body)?,
        b'D' => {
            let kind = body.u8()?;
            let name = body.cstr()?;
            if kind != b'S' && kind != b'P' {
                return err(format!("invalid DESCRIBE message subtype {kind}"));
            }
            Frontend::Describe { kind, name }
        }
        b'E' => Frontend::Execute {
            portal: body.cstr()?,
            max_rows: body.i32()?,
        },
        b'C' => {
            let kind = body.u8()?;
            let name = body.cstr()?;
            if kind != b'S' && kind != b'P' {
                return err(format!("invalid CLOSE message subtype {kind}"));
            }
            Frontend::Close { kind, name }
        }
        b'S' => Frontend::Sync,
        b'H' => Frontend::Flush,
        b'X' => Frontend::Terminate,
        b'd' => return Ok(Some(Frontend::CopyData(body.0))),
        b'c' => Frontend::CopyDone,
        b'f' => Frontend::CopyFail(body.cstr()?),
        b'p' => return Ok(Some(Frontend::Password(body.0))),
        _ => return err("invalid frontend message type"),
    };
    if !body.0.is_empty() {
        return err(format!(
            "invalid message format: {} trailing bytes in message type \"{}\"",
            body.0.len(),
            tag as char
        ));
    }
    Ok(Some(msg))
}

fn decode_bind(body: &mut Body) -> Result<Frontend, ProtocolError> {
    let portal = body.cstr()?;
    let statement = body.cstr()?;
    let param_formats = body.i16_list()?;
    let n = body.i16()?;
    if n < 0 {
        return err("negative parameter count in Bind");
    }
    let mut params = Vec::with_capacity((n as usize).min(body.0.len() / 4));
    for _ in 0..n {
        let len = body.i32()?;
        if len == -1 {
            params.push(None);
        } else if len < 0 || len as usize > body.0.len() {
            return err(format!("invalid parameter length {len} in Bind"));
        } else {
            params.push(Some(body.0.split_to(len as usize)));
        }
    }
    let result_formats = body.i16_list()?;
    Ok(Frontend::Bind {
        portal,
        statement,
        param_formats,
        params,
        result_formats,
    })
}

/// A message body with checked reads.
struct Body(Bytes);

impl Body {
    fn u8(&mut self) -> Result<u8, ProtocolError> {
        if self.0.is_empty() {
            return err("invalid message format: message too short");
        }
        Ok(self.0.get_u8())
    }

    fn i16(&mut self) -> Result<i16, ProtocolError> {
        if self.0.len() < 2 {
            return err("invalid message format: message too short");
        }
        Ok(self.0.get_i16())
    }

    fn i32(&mut self) -> Result<i32, ProtocolError> {
        if self.0.len() < 4 {
            return err("invalid message format: message too short");
        }
        Ok(self.0.get_i32())
    }

    fn i16_list(&mut self) -> Result<Vec<i16>, ProtocolError> {
        let n = self.i16()?;
        if n < 0 || n as usize * 2 > self.0.len() {
            return err(format!("invalid format code count {n}"));
        }
        (0..n).map(|_| self.i16()).collect()
    }

    /// A NUL-terminated UTF-8 string.
    fn cstr(&mut self) -> Result<String, ProtocolError> {
        let Some(end) = self.0.iter().position(|&b| b == 0) else {
            return err("invalid string in message: missing terminator");
        };
        let s = self.0.split_to(end);
        self.0.advance(1);
        String::from_utf8(s.to_vec())
            .or_else(|_| err("invalid byte sequence for encoding \"UTF8\" in message"))
    }
}

/// Reads a NUL-terminated string from `b` at `*pos` (startup packets).
pub(crate) fn startup_cstr(b: &[u8], pos: &mut usize) -> Result<String, ProtocolError> {
    let rest = b.get(*pos..).unwrap_or_default();
    let Some(end) = rest.iter().position(|&c| c == 0) else {
        return err("invalid startup packet layout: expected terminator as last byte");
    };
    let s = String::from_utf8(rest[..end].to_vec())
        .or_else(|_| err("invalid byte sequence for encoding \"UTF8\" in startup packet"))?;
    *pos += end + 1;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_bind_is_an_error_not_a_panic() {
        // 'B', len 12, portal "", statement "", then a format count claiming 5 codes.
        let mut b = BytesMut::from(&b"B\0\0\0\x0c\0\0\0\x05\0\0\0\0"[..]);
        assert!(decode(&mut b).is_err());
    }

    #[test]
    fn incomplete_frame_waits() {
        let mut b = BytesMut::from(&b"Q\0\0\0\x09SEL"[..]);
        assert!(matches!(decode(&mut b), Ok(None)));
        b.extend_from_slice(b"E\0");
        // "SELE\0" is 5 bytes; declared 9 = 4 + 5.
        assert!(matches!(decode(&mut b), Ok(Some(Frontend::Query(q))) if q == "SELE"));
    }

    #[test]
    fn bad_length_and_type_are_errors() {
        assert!(decode(&mut BytesMut::from(&b"Q\0\0\0\x02xx"[..])).is_err());
        assert!(decode(&mut BytesMut::from(&b"Z\0\0\0\x04"[..])).is_err());
        assert!(decode(&mut BytesMut::from(&b"S\x7f\xff\xff\xff"[..])).is_err());
    }
}
