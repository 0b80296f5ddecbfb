//! One client connection: start-up on its tokio task, then the hand-over of the socket
//! to the session thread (see the crate documentation for the picture).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::backend::BackendBuf;
use crate::errors::{Severity, admin_shutdown, error_fields};
use crate::server::PgServer;
use crate::startup::{self, Started};
use crate::tls::Stream;
use crate::wire::Wire;
use crate::worker::Worker;

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
    // The thread is started before the socket leaves the runtime, so that if it cannot
    // be started the client can still be told so.
    let (hand_over, handed) = std::sync::mpsc::sync_channel::<Worker>(1);
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name(format!("pg-session-{pid}"))
        .stack_size(8 << 20)
        .spawn(move || {
            if let Ok(worker) = handed.recv() {
                worker.run();
            }
            drop(done);
        });
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
        return;
    }
    let (wire, waker) = match Wire::new(io.stream, io.rbuf) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("could not hand the connection from {addr} to its session: {e}");
            return;
        }
    };
    server.register(pid, secret, waker.clone());
    session.entry().on_terminate(move || {
        let _ = waker.shutdown(std::net::Shutdown::Read);
    });
    if hand_over
        .send(Worker::new(session, server.clone(), wire))
        .is_ok()
    {
        // The thread drops `done` after the session (its transaction rolled back).
        let _ = finished.await;
    }
    server.unregister(pid);
    drop(slot);
}
