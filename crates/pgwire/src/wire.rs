//! The session thread's end of the socket: blocking reads and writes on a std
//! `TcpStream`, plain or through rustls, with the bytes read but not yet decoded.
//!
//! Start-up runs on tokio ([`crate::tls::Stream`]); once the session is ready the
//! stream is taken off the runtime (`into_std`, blocking mode) and, for TLS, the
//! tokio-rustls stream is split into the socket and its `ServerConnection`, which
//! `rustls::StreamOwned` drives synchronously. Only the session thread reads or writes
//! it. Other threads reach an idle session by shutting down the socket's read side
//! (see [`Wire::new`]): its blocked read then ends, and the session thread itself
//! writes the FATAL and closes.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use pgwire::tokio::tokio_rustls::rustls::{ServerConnection, StreamOwned};

use crate::frontend::{self, Frontend};
use crate::tls::Stream;

/// Bytes read from the socket at most per call.
const READ_CHUNK: usize = 32 * 1024;

/// A blocking client socket.
#[derive(Debug)]
enum Sock {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

/// What waiting for the next message gave.
pub(crate) enum Next {
    Msg(Frontend),
    /// A malformed frame: the connection ends with 08P01.
    Bad(String),
    /// End of stream, a socket error, or the read side shut down by another thread.
    Closed,
    /// No message within the idle limit.
    IdleTimeout,
}

/// The connection as the session thread sees it.
pub(crate) struct Wire {
    sock: Sock,
    rbuf: BytesMut,
    scratch: Box<[u8]>,
    /// The socket's read timeout now.
    timeout: Option<Duration>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire")
            .field("sock", &self.sock)
            .field("unread", &self.rbuf.len())
            .finish()
    }
}

impl Wire {
    /// Takes the start-up stream and its unread bytes off the runtime. Also returns a
    /// handle on the same socket for other threads: `shutdown(Shutdown::Read)` on it
    /// wakes a session blocked reading, which then sees [`Next::Closed`].
    pub(crate) fn new(stream: Stream, rbuf: BytesMut) -> std::io::Result<(Wire, Arc<TcpStream>)> {
        let sock = match stream {
            Stream::Plain(tcp) => Sock::Plain(blocking(tcp)?),
            Stream::Tls(tls) => {
                let (tcp, conn) = tls.into_inner();
                Sock::Tls(Box::new(StreamOwned::new(conn, blocking(tcp)?)))
            }
            Stream::Closed => return Err(ErrorKind::NotConnected.into()),
        };
        let waker = Arc::new(match &sock {
            Sock::Plain(s) => s.try_clone()?,
            Sock::Tls(s) => s.sock.try_clone()?,
        });
        let wire = Wire {
            sock,
            rbuf,
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            timeout: None,
        };
        Ok((wire, waker))
    }

    fn tcp(&self) -> &TcpStream {
        match &self.sock {
            Sock::Plain(s) => s,
            Sock::Tls(s) => &s.sock,
        }
    }

    /// The next message, reading from the socket as needed; `idle` bounds the wait.
    pub(crate) fn next(&mut self, idle: Option<Duration>) -> Next {
        let idle = idle.filter(|d| !d.is_zero());
        loop {
            match frontend::decode(&mut self.rbuf) {
                Ok(Some(m)) => return Next::Msg(m),
                Ok(None) => {}
                Err(e) => return Next::Bad(e.0),
            }
            if self.timeout != idle {
                if self.tcp().set_read_timeout(idle).is_err() {
                    return Next::Closed;
                }
                self.timeout = idle;
            }
            let got = match &mut self.sock {
                Sock::Plain(s) => s.read(&mut self.scratch),
                Sock::Tls(s) => s.read(&mut self.scratch),
            };
            match got {
                Ok(0) => return Next::Closed,
                Ok(n) => self.rbuf.extend_from_slice(&self.scratch[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Next::IdleTimeout;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Next::Closed,
            }
        }
    }

    /// Writes `bytes` out in full.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.sock {
            Sock::Plain(s) => s.write_all(bytes),
            Sock::Tls(s) => {
                s.write_all(bytes)?;
                s.flush()
            }
        }
    }

    /// Ends the connection (TLS close_notify, then FIN), whoever else holds the socket.
    pub(crate) fn close(&mut self) {
        if let Sock::Tls(s) = &mut self.sock {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

/// A tokio socket as a blocking std one.
fn blocking(tcp: tokio::net::TcpStream) -> std::io::Result<TcpStream> {
    let s = tcp.into_std()?;
    s.set_nonblocking(false)?;
    Ok(s)
}
