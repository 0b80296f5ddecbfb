//! Authentication: SCRAM-SHA-256 against the role's stored verifier, or trust.
//!
//! Every refusal of a password login looks the same to the client, 28P01 "password
//! authentication failed for user "x"": unknown user, wrong password, no password
//! set, role without LOGIN, password past VALID UNTIL. For a user that cannot succeed
//! the exchange still runs to the end against a mock verifier whose salt is derived
//! from the name and a per-process secret (as PostgreSQL does), so neither the answer
//! nor the salt tells whether the user exists. The real reason goes to the security
//! audit log (`AUTHENTICATION_FAILURE`), with the client's address.
//!
//! A client that disconnects during the exchange (psql does, to prompt for a password)
//! is not a failure.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::SystemTime;

use bytes::{Buf, Bytes};
use pgwire::api::auth::sasl::scram::{ScramSecret, ScramServerAuth};
use pgwire::messages::startup::Authentication;
use rustydb_common::logging::AUDIT_TARGET;
use rustydb_common::{DbError, ErrorCode};

use crate::AuthMethod;
use crate::backend::BackendBuf;
use crate::conn::Io;
use crate::frontend::{self, Frontend};
use crate::logins::format_time;
use crate::server::PgServer;

const MECHANISM: &str = "SCRAM-SHA-256";

/// How authentication ended when it did not let the client in.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Tell the client (FATAL) and close.
    Fatal(DbError),
    /// The client went away (or broke the protocol beyond answering): just close.
    Closed,
}

impl From<DbError> for Refused {
    fn from(e: DbError) -> Refused {
        Refused::Fatal(e)
    }
}

/// Authenticates `user`; on success AuthenticationOk has been sent and the result says
/// whether the role is a superuser.
pub(crate) async fn authenticate(
    server: &PgServer,
    io: &mut Io,
    addr: SocketAddr,
    user: &str,
) -> Result<bool, Refused> {
    if let Some(until) = server.logins.locked_until(user) {
        server.count_auth_failure();
        audit_failure(user, addr, "account locked", None);
        return Err(Refused::Fatal(locked(user, until)));
    }
    let role = server.engine.role(user);
    let superuser = role.as_ref().is_some_and(|r| r.superuser);
    if server.options.auth_method == AuthMethod::Trust {
        let refusal = match &role {
            None => Some((
                format!("role \"{user}\" does not exist"),
                "role does not exist",
            )),
            Some(r) if !r.can_login => Some((
                format!("role \"{user}\" is not permitted to log in"),
                "role is not permitted to log in",
            )),
            Some(_) => None,
        };
        if let Some((message, reason)) = refusal {
            server.count_auth_failure();
            audit_failure(user, addr, reason, None);
            return Err(Refused::Fatal(
                DbError::new(ErrorCode::AuthenticationFailed, message).with_sqlstate("28000"),
            ));
        }
        let mut out = BackendBuf::default();
        out.auth(Authentication::Ok);
        io.send(&mut out).await.map_err(|_| Refused::Closed)?;
        audit_success(user, addr, "trust");
        return Ok(superuser);
    }

    let now = SystemTime::now();
    let doomed: Option<&str> = match &role {
        None => Some("role does not exist"),
        Some(r) if !r.can_login => Some("role is not permitted to log in"),
        Some(r) if r.password.is_none() => Some("role has no password set"),
        Some(r) if r.valid_until.is_some_and(|t| t <= now) => {
            Some("password has expired (VALID UNTIL)")
        }
        Some(_) => None,
    };
    let secret = match role.as_ref().and_then(|r| r.password.as_ref()) {
        Some(v) if doomed.is_none() => ScramSecret::Verifier {
            salt: v.salt.clone(),
            iterations: v.iterations as usize,
            stored_key: v.stored_key.to_vec(),
            server_key: v.server_key.to_vec(),
        },
        _ => mock_secret(user),
    };

    let mut out = BackendBuf::default();
    out.auth(Authentication::SASL(vec![MECHANISM.to_string()]));
    io.send(&mut out).await.map_err(|_| Refused::Closed)?;

    let first = read_password(io).await?;
    let client_first = match parse_initial_response(first) {
        Ok(data) => data,
        Err(e) => {
            return Err(fail(
                server,
                user,
                addr,
                "malformed SASLInitialResponse",
                Some(e),
            ));
        }
    };
    let scram = ScramServerAuth::new();
    let (server_first, waiting) =
        match scram.on_client_first_message_with_secret(&client_first, secret) {
            Ok(r) => r,
            Err(e) => {
                let why = format!("malformed SCRAM client-first message: {e}");
                return Err(fail(server, user, addr, &why, None));
            }
        };
    out.auth(Authentication::SASLContinue(Bytes::from(server_first)));
    io.send(&mut out).await.map_err(|_| Refused::Closed)?;

    let client_final = read_password(io).await?;
    match waiting.on_client_final_message(&client_final) {
        Ok(server_final) if doomed.is_none() => {
            out.auth(Authentication::SASLFinal(Bytes::from(server_final)));
            out.auth(Authentication::Ok);
            io.send(&mut out).await.map_err(|_| Refused::Closed)?;
            server.logins.success(user);
            audit_success(user, addr, "scram-sha-256");
            Ok(superuser)
        }
        Ok(_) => Err(fail(server, user, addr, doomed.unwrap_or("refused"), None)),
        Err(_) => Err(fail(
            server,
            user,
            addr,
            doomed.unwrap_or("wrong password"),
            None,
        )),
    }
}

/// Records a failed password login and returns the client's error.
fn fail(
    server: &PgServer,
    user: &str,
    addr: SocketAddr,
    reason: &str,
    protocol: Option<DbError>,
) -> Refused {
    server.count_auth_failure();
    let (failures, locked_until) = server.logins.failure(user);
    audit_failure(user, addr, reason, Some(failures));
    if let Some(until) = locked_until {
        tracing::warn!(
            target: AUDIT_TARGET,
            "ACCOUNT_LOCKED user=\"{user}\" client={addr} failures={failures} until={}",
            format_time(until)
        );
    }
    Refused::Fatal(protocol.unwrap_or_else(|| {
        DbError::from_template(ErrorCode::AuthenticationFailed, &[("user", &user)])
    }))
}

fn locked(user: &str, until: SystemTime) -> DbError {
    DbError::new(
        ErrorCode::SecAuthFailure,
        format!(
            "account \"{user}\" is locked until {} after too many failed login attempts",
            format_time(until)
        ),
    )
}

fn audit_failure(user: &str, addr: SocketAddr, reason: &str, failures: Option<u32>) {
    let failures = failures
        .map(|n| format!(" failures={n}"))
        .unwrap_or_default();
    tracing::warn!(
        target: AUDIT_TARGET,
        "AUTHENTICATION_FAILURE user=\"{user}\" client={addr} reason=\"{reason}\"{failures}"
    );
}

fn audit_success(user: &str, addr: SocketAddr, method: &str) {
    tracing::info!(
        target: AUDIT_TARGET,
        "AUTHENTICATION_SUCCESS user=\"{user}\" client={addr} method={method}"
    );
}

/// The next message, which must be a password / SASL message.
async fn read_password(io: &mut Io) -> Result<Bytes, Refused> {
    loop {
        match frontend::decode(&mut io.rbuf) {
            Ok(Some(Frontend::Password(b))) => return Ok(b),
            Ok(Some(other)) => {
                return Err(Refused::Fatal(crate::errors::protocol_violation(format!(
                    "expected SASL response, got message type {}",
                    other.type_byte()
                ))));
            }
            Ok(None) => {}
            Err(e) => return Err(Refused::Fatal(crate::errors::protocol_violation(e.0))),
        }
        match io.fill().await {
            Ok(true) => {}
            _ => return Err(Refused::Closed),
        }
    }
}

/// SASLInitialResponse: mechanism name, then the length-prefixed client-first message.
fn parse_initial_response(mut b: Bytes) -> Result<Bytes, DbError> {
    let bad = |why: &str| crate::errors::protocol_violation(why.to_string());
    let end = b
        .iter()
        .position(|&c| c == 0)
        .ok_or_else(|| bad("malformed SASLInitialResponse"))?;
    let mechanism = b.split_to(end);
    b.advance(1);
    if &mechanism[..] != MECHANISM.as_bytes() {
        return Err(DbError::new(
            ErrorCode::AuthenticationFailed,
            "client selected an invalid SASL authentication mechanism",
        )
        .with_sqlstate("28000"));
    }
    if b.len() < 4 {
        return Err(bad("malformed SASLInitialResponse"));
    }
    let len = b.get_i32();
    if len < 0 || len as usize != b.len() {
        return Err(bad("malformed SASLInitialResponse: bad length"));
    }
    Ok(b)
}

/// A verifier no password matches, with a salt that depends only on the user name (a
/// repeated attempt sees the same salt, as for a real user).
fn mock_secret(user: &str) -> ScramSecret {
    static NONCE: OnceLock<[u8; 32]> = OnceLock::new();
    let nonce = NONCE.get_or_init(rand::random);
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(nonce);
    ctx.update(user.as_bytes());
    let digest = ctx.finish();
    ScramSecret::Verifier {
        salt: digest.as_ref()[..16].to_vec(),
        iterations: 4096,
        stored_key: rand::random::<[u8; 32]>().to_vec(),
        server_key: rand::random::<[u8; 32]>().to_vec(),
    }
}
