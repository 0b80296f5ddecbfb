//! One client connection after start-up: the reader task, the session thread and the
//! writer task (see the crate documentation for the picture).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backend::BackendBuf;
use crate::errors::{Severity, admin_shutdown, error_fields};
use crate::frontend::{self, Frontend};
use crate::server::PgServer;
use crate::startup::{self, Started};
use crate::tls::Stream;
use crate::worker::Worker;

/// Messages queued for a session thread.
#[derive(Debug)]
pub(crate) enum Input {
    /// A message from the client.
    Msg(Frontend),
    /// A malformed frame: the connection ends with 08P01.
    Bad(String),
    /// Look at the terminate and shutdown flags.
    Wake,
}

/// Messages queued from the client at most before the reader waits (flow control).
const INPUT_QUEUE: usize = 64;
/// Output chunks queued at most before the session thread waits for the socket.
const OUTPUT_QUEUE: usize = 16;
/// How long a client may take over start-up and authentication (PostgreSQL's
/// `authentication_timeout`).
const STARTUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The socket with its unread bytes, during start-up.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) stream: Stream,
    pub(crate) rbuf: BytesMut,
}

impl Io {
    /// Writes `out` and flushes.
    pub(crate) async fn send(&mut self, out: &mut BackendBuf) -> std::io::Result<()> {
        let b = out.take();
        self.stream.write_all(&b).await?;
        self.stream.flush().await
    }

    /// Reads more bytes; false at end of stream.
    pub(crate) async fn fill(&mut self) -> std::io::Result<bool> {
        Ok(self.stream.read_buf(&mut self.rbuf).await? > 0)
    }
}

/// Serves one connection from accept to close.
pub(crate) async fn run(
    server: Arc<PgServer>,
    sock: TcpStream,
    addr: SocketAddr,
    stop: CancellationToken,
) {
    let mut io = Io {
        stream: Stream::Plain(sock),
        rbuf: BytesMut::with_capacity(8192),
    };
    let started = tokio::select! {
        r = tokio::time::timeout(STARTUP_TIMEOUT, startup::startup(&server, &mut io, addr)) => r,
        _ = stop.cancelled() => {
            let mut out = BackendBuf::default();
            out.error_fields(error_fields(&admin_shutdown(), Severity::Fatal));
            let _ = io.send(&mut out).await;
            return;
        }
    };
    let Ok(Some(Started {
        session,
        secret,
        slot,
    })) = started
    else {
        return;
    };
    let pid = session.backend_pid();
    let (in_tx, in_rx) = mpsc::channel::<Input>(INPUT_QUEUE);
    let (out_tx, out_rx) = mpsc::channel::<Bytes>(OUTPUT_QUEUE);
    server.register(pid, secret, in_tx.downgrade());
    let wake = in_tx.downgrade();
    session.entry().on_terminate(move || {
        if let Some(tx) = wake.upgrade() {
            let _ = tx.try_send(Input::Wake);
        }
    });
    let worker = Worker::new(session, server.clone(), in_rx, out_tx);
    let spawned = std::thread::Builder::new()
        .name(format!("pg-session-{pid}"))
        .stack_size(8 << 20)
        .spawn(move || worker.run());
    if let Err(e) = spawned {
        tracing::error!("could not start a session thread: {e}");
        let err = rustydb_common::DbError::new(
            rustydb_common::ErrorCode::ConnectionRefused,
            format!("could not start a thread for the session: {e}"),
        )
        .with_sqlstate("53000");
        let mut out = BackendBuf::default();
        out.error_fields(error_fields(&err, Severity::Fatal));
        let _ = io.send(&mut out).await;
        server.unregister(pid);
        return;
    }
    let done = CancellationToken::new();
    let Io { stream, rbuf } = io;
    let (r, w) = tokio::io::split(stream);
    tokio::join!(
        read_loop(r, rbuf, in_tx, done.clone()),
        write_loop(w, out_rx, done)
    );
    server.unregister(pid);
    drop(slot);
}

/// Decodes frames from the socket and queues them for the session thread.
async fn read_loop(
    mut r: ReadHalf<Stream>,
    mut buf: BytesMut,
    tx: mpsc::Sender<Input>,
    done: CancellationToken,
) {
    loop {
        loop {
            match frontend::decode(&mut buf) {
                Ok(Some(m)) => {
                    let last = matches!(m, Frontend::Terminate);
                    if tx.send(Input::Msg(m)).await.is_err() || last {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Input::Bad(e.0)).await;
                    return;
                }
            }
        }
        tokio::select! {
            _ = done.cancelled() => return,
            n = r.read_buf(&mut buf) => match n {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
        }
    }
}

/// Writes what the session thread produces; ends when the thread is done.
async fn write_loop(
    mut w: WriteHalf<Stream>,
    mut rx: mpsc::Receiver<Bytes>,
    done: CancellationToken,
) {
    'outer: while let Some(b) = rx.recv().await {
        if w.write_all(&b).await.is_err() {
            break;
        }
        while let Ok(more) = rx.try_recv() {
            if w.write_all(&more).await.is_err() {
                break 'outer;
            }
        }
        if w.flush().await.is_err() {
            break;
        }
    }
    let _ = w.shutdown().await;
    done.cancel();
}
