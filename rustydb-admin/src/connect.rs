//! Reaching the server: the connection flags, the password, and a
//! [`tokio_postgres::Client`] over the PostgreSQL protocol.
//!
//! The password comes from `RUSTYDB_PASSWORD`, else `PGPASSWORD`, else the file the
//! server writes on first start, `<--data-dir>/initial-password` (the usual case on the
//! server's own machine). Every failure to connect is one [`Failure`] naming
//! `host:port`: refused (ERR-CONN-001), timed out (ERR-CONN-002), wrong password
//! (ERR-CONN-003), or whatever the server said.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rustydb_common::ErrorCode;
use tokio_postgres::{Client, NoTls};

use crate::failure::{Failure, split_server_hint};

/// The name of the file holding the generated initial password (see the server's
/// bootstrap).
const PASSWORD_FILE: &str = "initial-password";

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server is and who connects.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConnArgs {
    /// Server address
    #[arg(long, global = true, default_value = "127.0.0.1")]
    pub(crate) host: String,
    /// PostgreSQL-protocol port of the server
    #[arg(long, global = true, env = "RUSTYDB_PORT", default_value_t = 5432)]
    pub(crate) port: u16,
    /// The role to connect as (a superuser, to manage tokens)
    #[arg(long = "admin-user", global = true, default_value = "rustydb")]
    pub(crate) admin_user: String,
    /// Data directory, for its initial-password file when neither RUSTYDB_PASSWORD nor
    /// PGPASSWORD is set
    #[arg(
        long,
        global = true,
        env = "RUSTYDB_DATA_DIR",
        default_value = "./data"
    )]
    pub(crate) data_dir: PathBuf,
}

impl ConnArgs {
    fn at(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The password: the environment, else the data directory's initial-password file.
    fn password(&self) -> Result<String, Failure> {
        for var in ["RUSTYDB_PASSWORD", "PGPASSWORD"] {
            if let Ok(p) = std::env::var(var)
                && !p.is_empty()
            {
                return Ok(p);
            }
        }
        let file = self.data_dir.join(PASSWORD_FILE);
        std::fs::read_to_string(&file)
            .map(|p| p.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| {
                Failure::new(
                    ErrorCode::AuthenticationFailed,
                    format!(
                        "no password for user \"{}\": RUSTYDB_PASSWORD and PGPASSWORD are \
                         unset and {} cannot be read: {e}",
                        self.admin_user,
                        file.display()
                    ),
                )
                .with_hint(
                    "Set RUSTYDB_PASSWORD (or PGPASSWORD), or point --data-dir at the \
                     server's data directory.",
                )
            })
    }

    /// Connects; the connection is driven on the current runtime.
    pub(crate) async fn connect(&self) -> Result<Client, Failure> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.admin_user)
            .dbname("rustydb")
            .application_name("rustydb-admin")
            .connect_timeout(CONNECT_TIMEOUT);
        // Without a password the connection may still succeed (auth.method = trust); a
        // server that asks for one gets the reason it is missing.
        let password = self.password();
        if let Ok(p) = &password {
            config.password(p);
        }
        let (client, connection) = config.connect(NoTls).await.map_err(|e| {
            let failure = connect_failure(&self.at(), &self.admin_user, &e);
            // The server asked for a password we do not have: say where it is looked for.
            let asked = source_text(&e).contains("password missing");
            match password {
                Err(missing) if asked || failure.code != ErrorCode::ConnectionRefused.id() => {
                    missing
                }
                _ => failure,
            }
        })?;
        tokio::spawn(async move {
            // Errors surface on the client's next call.
            let _ = connection.await;
        });
        Ok(client)
    }
}

/// A failed connection attempt, naming `at`.
fn connect_failure(at: &str, user: &str, e: &tokio_postgres::Error) -> Failure {
    if let Some(db) = e.as_db_error() {
        if db.code().code() == "28P01" {
            return Failure::new(
                ErrorCode::AuthenticationFailed,
                format!("password authentication failed for user \"{user}\" at {at}"),
            )
            .with_hint(
                "Check RUSTYDB_PASSWORD / PGPASSWORD (or the initial-password file in \
                 --data-dir) and --admin-user.",
            );
        }
        let mut f = server_failure(e);
        f.message = format!("{} (server {at})", f.message);
        return f;
    }
    let text = source_text(e);
    if text.contains("refused") {
        Failure::new(
            ErrorCode::ConnectionRefused,
            format!("connection refused: nothing listens on {at}"),
        )
        .with_hint(
            "Check that rusty-db-server is running and that --host and --port (RUSTYDB_PORT) \
             name its PostgreSQL port.",
        )
    } else if text.contains("timed out") || text.contains("timeout") {
        Failure::new(
            ErrorCode::ConnectionTimeout,
            format!("connection timed out: no answer from {at} within {CONNECT_TIMEOUT:?}"),
        )
    } else {
        Failure::new(
            ErrorCode::ConnectionRefused,
            format!("connection refused: cannot connect to {at}: {text}"),
        )
    }
}

/// An error from a statement, keeping the server's code.
pub(crate) fn server_failure(e: &tokio_postgres::Error) -> Failure {
    let Some(db) = e.as_db_error() else {
        return Failure::new(
            ErrorCode::ConnectionTerminated,
            format!("the connection failed: {}", source_text(e)),
        )
        .with_hint("Check that the server is still running, then retry.");
    };
    let (hint, code) = split_server_hint(db.hint().unwrap_or_default());
    let code = code.unwrap_or_else(|| by_sqlstate(db.code().code()).id().to_string());
    Failure {
        code,
        message: db.message().to_string(),
        hint: if hint.is_empty() {
            "See docs/errors.md for this code.".to_string()
        } else {
            hint
        },
    }
}

fn by_sqlstate(sqlstate: &str) -> ErrorCode {
    match sqlstate {
        "28P01" | "28000" => ErrorCode::AuthenticationFailed,
        "42501" => ErrorCode::SecPermissionDenied,
        "42704" | "42P01" => ErrorCode::UndefinedObject,
        "22023" => ErrorCode::InvalidParameter,
        "53300" => ErrorCode::TooManyConnections,
        "57P01" => ErrorCode::ConnectionTerminated,
        _ => ErrorCode::InternalError,
    }
}

/// The error's text with its causes (tokio-postgres puts the OS error in the source).
fn source_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.to_lowercase()
}
