//! SIGTERM and SIGINT.
//!
//! ```text
//!   first SIGTERM / SIGINT   cancel the shutdown token: stop accepting, let running
//!                            statements finish for up to server.shutdown_grace_seconds,
//!                            close connections, checkpoint, release the lock, exit 0
//!   second one (either)      exit at once with 128 + signal number (130 for SIGINT,
//!                            143 for SIGTERM); committed work is safe in the WAL and the
//!                            next start runs crash recovery
//! ```
//!
//! The handlers are installed before anything slow happens, so a signal during start-up
//! (a long recovery) is not lost: the server stops as soon as the database is open.

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use rustydb_common::DbError;

/// Installs the handlers and returns the token the first signal cancels. Must be called
/// inside the runtime.
pub fn install() -> Result<CancellationToken, DbError> {
    let handler = |kind: SignalKind, name: &str| {
        signal(kind)
            .map_err(|e| DbError::internal(format!("cannot install the {name} handler: {e}")))
    };
    let mut term = handler(SignalKind::terminate(), "SIGTERM")?;
    let mut int = handler(SignalKind::interrupt(), "SIGINT")?;
    let token = CancellationToken::new();
    let shutdown = token.clone();
    tokio::spawn(async move {
        let mut received = 0u32;
        loop {
            let (name, number) = tokio::select! {
                _ = term.recv() => ("SIGTERM", 15),
                _ = int.recv() => ("SIGINT", 2),
            };
            received += 1;
            if received == 1 {
                tracing::info!(
                    signal = name,
                    "received {name}: shutting down (send it again to stop at once)"
                );
                shutdown.cancel();
            } else {
                tracing::warn!(
                    signal = name,
                    "received a second signal ({name}): exiting at once; the next start \
                     runs crash recovery"
                );
                std::process::exit(128 + number);
            }
        }
    });
    Ok(token)
}
