//! Connection start-up: SSLRequest / GSSENCRequest, CancelRequest, the startup packet,
//! the connection limit, authentication, and the session's first messages
//! (ParameterStatus, BackendKeyData, ReadyForQuery).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::startup::NegotiateProtocolVersion;
use rustydb_common::{DbError, ErrorCode};
use rustydb_sql::Session;
use tokio::io::AsyncWriteExt;

use crate::auth::{self, Refused};
use crate::backend::BackendBuf;
use crate::conn::Io;
use crate::errors::{Severity, error_fields, protocol_violation};
use crate::frontend::startup_cstr;
use crate::server::{PgServer, Slot};
use crate::tls::Stream;

const SSL_REQUEST: u32 = 80877103;
const GSSENC_REQUEST: u32 = 80877104;
const CANCEL_REQUEST: u32 = 80877102;
/// The only database.
pub(crate) const DATABASE: &str = "rustydb";

/// A session ready for queries.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) session: Session,
    pub(crate) secret: i32,
    pub(crate) slot: Slot,
}

/// Runs start-up; `None` when the connection is over (refused, cancel request, gone),
/// the client having been told why where it could be.
pub(crate) async fn startup(
    server: &Arc<PgServer>,
    io: &mut Io,
    addr: SocketAddr,
) -> Option<Started> {
    match run(server, io, addr).await {
        Ok(s) => s,
        Err(Refused::Fatal(e)) => {
            let mut out = BackendBuf::default();
            out.error_fields(error_fields(&e, Severity::Fatal));
            let _ = io.send(&mut out).await;
            let _ = io.stream.shutdown().await;
            None
        }
        Err(Refused::Closed) => None,
    }
}

async fn run(
    server: &Arc<PgServer>,
    io: &mut Io,
    addr: SocketAddr,
) -> Result<Option<Started>, Refused> {
    let mut negotiated = false;
    let (major_minor, params) = loop {
        let pkt = read_packet(io).await?;
        let code = u32::from_be_bytes([pkt[0], pkt[1], pkt[2], pkt[3]]);
        match code {
            SSL_REQUEST | GSSENC_REQUEST if !negotiated => {
                if !io.rbuf.is_empty() {
                    return Err(
                        protocol_violation("received unencrypted data after SSL request").into(),
                    );
                }
                negotiated = true;
                let mut out = BackendBuf::default();
                match (&server.options.tls, code) {
                    (Some(acceptor), SSL_REQUEST) => {
                        out.raw_byte(b'S');
                        io.send(&mut out).await.map_err(|_| Refused::Closed)?;
                        let Stream::Plain(tcp) = std::mem::replace(&mut io.stream, Stream::Closed)
                        else {
                            return Err(Refused::Closed);
                        };
                        match acceptor.accept(tcp).await {
                            Ok(tls) => io.stream = Stream::Tls(Box::new(tls)),
                            Err(e) => {
                                tracing::info!("TLS handshake with {addr} failed: {e}");
                                return Err(Refused::Closed);
                            }
                        }
                    }
                    _ => {
                        out.raw_byte(b'N');
                        io.send(&mut out).await.map_err(|_| Refused::Closed)?;
                    }
                }
            }
            CANCEL_REQUEST => {
                if pkt.len() >= 12 {
                    let pid = u32::from_be_bytes([pkt[4], pkt[5], pkt[6], pkt[7]]);
                    let secret = i32::from_be_bytes([pkt[8], pkt[9], pkt[10], pkt[11]]);
                    server.cancel(pid, secret);
                }
                return Ok(None);
            }
            v if v >> 16 == 3 => break (v, parse_params(&pkt[4..])?),
            v => {
                return Err(DbError::new(
                    ErrorCode::ProtocolViolation,
                    format!(
                        "unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                        v >> 16,
                        v & 0xffff
                    ),
                )
                .with_sqlstate("0A000")
                .into());
            }
        }
    };

    let mut out = BackendBuf::default();
    let unsupported: Vec<String> = params
        .keys()
        .filter(|k| k.starts_with("_pq_."))
        .cloned()
        .collect();
    if major_minor & 0xffff != 0 || !unsupported.is_empty() {
        let m = NegotiateProtocolVersion::new(0, unsupported);
        let mut b = bytes::BytesMut::new();
        if PgWireBackendMessage::NegotiateProtocolVersion(m)
            .encode(&mut b)
            .is_ok()
        {
            io.stream.write_all(&b).await.map_err(|_| Refused::Closed)?;
        }
    }

    let Some(user) = params.get("user").filter(|u| !u.is_empty()).cloned() else {
        return Err(DbError::new(
            ErrorCode::AuthenticationFailed,
            "no PostgreSQL user name specified in startup packet",
        )
        .with_sqlstate("28000")
        .into());
    };
    if params.get("replication").is_some_and(|v| {
        !matches!(
            v.to_ascii_lowercase().as_str(),
            "false" | "off" | "0" | "no"
        )
    }) {
        return Err(crate::errors::not_supported("replication connections").into());
    }
    let Some(slot) = server.take_slot() else {
        return Err(DbError::new(
            ErrorCode::TooManyConnections,
            "sorry, too many clients already",
        )
        .into());
    };
    let superuser = auth::authenticate(server, io, addr, &user).await?;
    let database = params
        .get("database")
        .filter(|d| !d.is_empty())
        .cloned()
        .unwrap_or_else(|| user.clone());
    if database != DATABASE {
        return Err(DbError::new(
            ErrorCode::ConnectionRefused,
            format!("database \"{database}\" does not exist"),
        )
        .with_sqlstate("3D000")
        .with_hint("RustyDB serves one database, \"rustydb\"; connect to it (dbname=rustydb).")
        .into());
    }

    let mut session = server.engine.session();
    session.set_identity(user.clone(), DATABASE);
    session.entry().set_client_addr(Some(addr));
    if let Some(app) = params
        .get("application_name")
        .or_else(|| params.get("fallback_application_name"))
    {
        session.entry().set_application_name(app.clone());
        apply_setting(&mut session, "application_name", app)?;
    }
    for (name, value) in settings_from(&params)? {
        apply_setting(&mut session, &name, &value)?;
    }

    let secret: i32 = rand::random();
    for (name, value) in parameter_statuses(&session, &user, superuser) {
        out.parameter_status(name, &value);
    }
    out.backend_key_data(session.backend_pid(), secret);
    out.ready(TransactionStatus::Idle);
    io.send(&mut out).await.map_err(|_| Refused::Closed)?;
    server.count_accepted();
    Ok(Some(Started {
        session,
        secret,
        slot,
    }))
}

/// The parameters PostgreSQL reports at start-up, with their values for this session.
pub(crate) fn parameter_statuses(
    session: &Session,
    user: &str,
    superuser: bool,
) -> Vec<(&'static str, String)> {
    let setting = |name: &str, default: &str| {
        session
            .settings()
            .get(name)
            .unwrap_or_else(|_| default.to_string())
    };
    vec![
        ("application_name", setting("application_name", "")),
        ("client_encoding", "UTF8".to_string()),
        ("DateStyle", setting("DateStyle", "ISO, MDY")),
        ("default_transaction_read_only", "off".to_string()),
        ("in_hot_standby", "off".to_string()),
        ("integer_datetimes", "on".to_string()),
        ("IntervalStyle", setting("IntervalStyle", "postgres")),
        (
            "is_superuser",
            if superuser { "on" } else { "off" }.to_string(),
        ),
        ("server_encoding", "UTF8".to_string()),
        (
            "server_version",
            format!("15.0 (RustyDB {})", env!("CARGO_PKG_VERSION")),
        ),
        ("session_authorization", user.to_string()),
        ("standard_conforming_strings", "on".to_string()),
        ("TimeZone", setting("TimeZone", "UTC")),
    ]
}

/// Settings the startup packet asks for: its other keys, and `-c name=value` /
/// `--name=value` in `options`.
fn settings_from(params: &BTreeMap<String, String>) -> Result<Vec<(String, String)>, DbError> {
    let mut out = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "user"
            | "database"
            | "application_name"
            | "fallback_application_name"
            | "client_encoding"
            | "replication" => {}
            "options" => {
                let mut words = v.split_whitespace();
                while let Some(w) = words.next() {
                    let pair = match w {
                        "-c" => words.next().unwrap_or_default(),
                        w if w.starts_with("--") => &w[2..],
                        w if w.starts_with("-c") => &w[2..],
                        other => {
                            return Err(DbError::new(
                                ErrorCode::InvalidParameter,
                                format!(
                                    "invalid command-line argument for server process: {other}"
                                ),
                            )
                            .with_sqlstate("42601")
                            .with_hint(
                                "Only -c name=value and --name=value are accepted in options.",
                            ));
                        }
                    };
                    if let Some((n, val)) = pair.split_once('=') {
                        out.push((n.replace('-', "_"), val.to_string()));
                    }
                }
            }
            k if k.starts_with("_pq_.") => {}
            _ => out.push((k.clone(), v.clone())),
        }
    }
    Ok(out)
}

fn apply_setting(session: &mut Session, name: &str, value: &str) -> Result<(), DbError> {
    let ident = if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    };
    session
        .execute(&format!("SET {ident} TO '{}'", value.replace('\'', "''")))
        .map(|_| ())
}

/// Reads one length-prefixed start-up packet (length 8 to 10000 bytes, as PostgreSQL
/// allows); returns its body.
async fn read_packet(io: &mut Io) -> Result<Vec<u8>, Refused> {
    loop {
        if io.rbuf.len() >= 4 {
            let len = u32::from_be_bytes([io.rbuf[0], io.rbuf[1], io.rbuf[2], io.rbuf[3]]) as usize;
            if !(8..=10_000).contains(&len) {
                return Err(protocol_violation("invalid length of startup packet").into());
            }
            if io.rbuf.len() >= len {
                let pkt = io.rbuf.split_to(len);
                return Ok(pkt[4..].to_vec());
            }
        }
        match io.fill().await {
            Ok(true) => {}
            _ => return Err(Refused::Closed),
        }
    }
}

fn parse_params(b: &[u8]) -> Result<BTreeMap<String, String>, Refused> {
    let mut params = BTreeMap::new();
    let mut pos = 0;
    loop {
        let key = startup_cstr(b, &mut pos).map_err(|e| protocol_violation(e.0))?;
        if key.is_empty() {
            break;
        }
        let value = startup_cstr(b, &mut pos).map_err(|e| protocol_violation(e.0))?;
        params.insert(key, value);
    }
    if pos != b.len() {
        return Err(protocol_violation(
            "invalid startup packet layout: expected terminator as last byte",
        )
        .into());
    }
    Ok(params)
}
