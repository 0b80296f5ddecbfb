//! Test harness: a server per test, a tokio-postgres client, a raw protocol client.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Buf, BufMut, BytesMut};
use rustydb_pgwire::{AuthMethod, PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_postgres::{Client, NoTls};
use tokio_util::sync::CancellationToken;

/// The superuser `rustydb`'s password in every test server.
pub(crate) const PASSWORD: &str = "s3cret-pw";

/// A running server.
pub(crate) struct TestServer {
    pub(crate) port: u16,
    pub(crate) server: Arc<PgServer>,
    pub(crate) engine: Arc<Engine>,
    pub(crate) stop: CancellationToken,
    pub(crate) task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

/// The audit log directory of this test binary (logging is process-wide).
pub(crate) fn log_dir() -> &'static PathBuf {
    static LOG: OnceLock<(PathBuf, rustydb_common::logging::LoggingGuard)> = OnceLock::new();
    &LOG.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("rustydb-pgwire-test-logs-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let guard = rustydb_common::logging::init("info", &dir).expect("logging");
        (dir, guard)
    })
    .0
}

/// Everything written to security_audit.log so far.
pub(crate) fn audit_log() -> String {
    let mut all = String::new();
    if let Ok(rd) = std::fs::read_dir(log_dir()) {
        for e in rd.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with("security_audit")
            {
                all.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
    }
    all
}

pub(crate) fn options() -> PgWireOptions {
    PgWireOptions {
        auth_method: AuthMethod::ScramSha256,
        max_connections: 20,
        idle_session_timeout: None,
        max_failed_logins: 5,
        lockout_duration: Duration::from_secs(300),
        tls: None,
    }
}

pub(crate) fn trust() -> PgWireOptions {
    PgWireOptions {
        auth_method: AuthMethod::Trust,
        ..options()
    }
}

pub(crate) async fn start(opts: PgWireOptions) -> TestServer {
    log_dir();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineOptions::new(dir.path().join("data"))).unwrap();
    engine.bootstrap_superuser(PASSWORD).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = PgServer::new(engine.clone(), opts);
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        server
            .clone()
            .serve(listener, stop.clone(), Duration::from_secs(5)),
    );
    TestServer {
        port,
        server,
        engine,
        stop,
        task,
        _dir: dir,
    }
}

pub(crate) fn config(port: u16, user: &str, password: &str) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host("127.0.0.1")
        .port(port)
        .user(user)
        .password(password)
        .dbname("rustydb")
        .connect_timeout(Duration::from_secs(10));
    c
}

pub(crate) async fn try_connect(
    port: u16,
    user: &str,
    password: &str,
) -> Result<Client, tokio_postgres::Error> {
    let (client, conn) = config(port, user, password).connect(NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

pub(crate) async fn connect(port: u16) -> Client {
    try_connect(port, "rustydb", PASSWORD)
        .await
        .expect("connect")
}

/// The SQLSTATE of a tokio-postgres error.
pub(crate) fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.code().code().to_string())
        .unwrap_or_else(|| format!("not a db error: {e}"))
}

/// A raw protocol client.
pub(crate) struct Raw {
    pub(crate) s: TcpStream,
    buf: BytesMut,
}

pub(crate) type Msg = (u8, Vec<u8>);

impl Raw {
    pub(crate) async fn connect(port: u16) -> Raw {
        Raw {
            s: TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
            buf: BytesMut::new(),
        }
    }

    /// Sends a startup packet (protocol 3.0) and reads up to ReadyForQuery or an error.
    pub(crate) async fn startup(&mut self, user: &str) -> Vec<Msg> {
        let mut body = BytesMut::new();
        body.put_i32(196608);
        for (k, v) in [
            ("user", user),
            ("database", "rustydb"),
            ("application_name", "raw"),
        ] {
            body.put_slice(k.as_bytes());
            body.put_u8(0);
            body.put_slice(v.as_bytes());
            body.put_u8(0);
        }
        body.put_u8(0);
        let mut pkt = BytesMut::new();
        pkt.put_i32(body.len() as i32 + 4);
        pkt.put_slice(&body);
        self.s.write_all(&pkt).await.unwrap();
        self.until(|t| t == b'Z' || t == b'E').await
    }

    pub(crate) async fn send(&mut self, tag: u8, body: &[u8]) {
        let mut pkt = BytesMut::new();
        pkt.put_u8(tag);
        pkt.put_i32(body.len() as i32 + 4);
        pkt.put_slice(body);
        let _ = self.s.write_all(&pkt).await;
    }

    pub(crate) async fn query(&mut self, sql: &str) {
        let mut b = sql.as_bytes().to_vec();
        b.push(0);
        self.send(b'Q', &b).await;
    }

    /// The next message; `None` at EOF or after 20 s.
    pub(crate) async fn recv(&mut self) -> Option<Msg> {
        loop {
            if self.buf.len() >= 5 {
                let len = i32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() > len {
                    let tag = self.buf.get_u8();
                    self.buf.advance(4);
                    let body = self.buf.split_to(len - 4).to_vec();
                    return Some((tag, body));
                }
            }
            match tokio::time::timeout(Duration::from_secs(20), self.s.read_buf(&mut self.buf))
                .await
            {
                Ok(Ok(n)) if n > 0 => {}
                _ => return None,
            }
        }
    }

    /// Messages up to and including the first whose type satisfies `stop`.
    pub(crate) async fn until(&mut self, stop: impl Fn(u8) -> bool) -> Vec<Msg> {
        let mut out = Vec::new();
        while let Some(m) = self.recv().await {
            let t = m.0;
            out.push(m);
            if stop(t) {
                break;
            }
        }
        out
    }
}

/// A field of an ErrorResponse / NoticeResponse body.
pub(crate) fn field(body: &[u8], code: u8) -> Option<String> {
    let mut i = 0;
    while i < body.len() && body[i] != 0 {
        let c = body[i];
        let end = body[i + 1..].iter().position(|&b| b == 0)? + i + 1;
        if c == code {
            return Some(String::from_utf8_lossy(&body[i + 1..end]).into_owned());
        }
        i = end + 1;
    }
    None
}

pub(crate) fn types(msgs: &[Msg]) -> String {
    msgs.iter().map(|m| m.0 as char).collect()
}
