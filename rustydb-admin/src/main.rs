//! `rustydb-admin`: the operators' command-line tool. It talks to a running
//! `rusty-db-server` over the PostgreSQL protocol, as a superuser, and runs the same SQL
//! the server does; see `docs/admin.md`.
//!
//! ```text
//!  parse flags (clap; usage errors exit 2)
//!  connect      --host --port (RUSTYDB_PORT) --admin-user, password from RUSTYDB_PASSWORD,
//!               PGPASSWORD or <--data-dir>/initial-password
//!  run          one command (tokens.rs)
//!  print        text, or one JSON document with --json; exit 0
//!  on failure   one line "rustydb-admin: <CODE>: message (hint: ...)" on stderr (or
//!               {"error": {...}} on stdout with --json); exit 1
//! ```

mod connect;
mod failure;
mod tokens;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use crate::connect::ConnArgs;
use crate::failure::{Failure, PROGRAM};

/// `rustydb-admin`: manage a running RustyDB server.
#[derive(Debug, Parser)]
#[command(
    name = "rustydb-admin",
    version,
    about = "Manage a running RustyDB server (API tokens for the HTTP API).",
    after_help = "The tool connects over the PostgreSQL protocol as a superuser. The \
        password comes from RUSTYDB_PASSWORD, else PGPASSWORD, else \
        <--data-dir>/initial-password. Exit status: 0 on success, 1 on failure (one line \
        on stderr with a stable error code), 2 for a bad command line. See docs/admin.md."
)]
struct Cli {
    #[command(flatten)]
    conn: ConnArgs,
    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Issue an API token for a database user; the token is printed once
    CreateApiToken {
        /// The database user the token acts as (its privileges apply)
        #[arg(long)]
        user: String,
        /// How long the token works: a number and s, m, h, d or w (30d), or never
        #[arg(long, default_value = "30d")]
        expiry: String,
        /// Free text stored with the token
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Revoke a token, by id or by the whole token; it stops working at once
    RevokeApiToken {
        /// The token's 16-hex-digit id, or the whole token
        #[arg(long)]
        id: String,
    },
    /// List every token (never a secret), newest first
    ListApiTokens,
    /// Show a token's id, user, creation, expiry and revocation (never its secret)
    InspectToken {
        /// The whole token, or its id
        #[arg(long)]
        token: String,
    },
    /// Check whether a token would be accepted now: exit 0 if so, 1 with the reason
    VerifyToken {
        /// The whole token
        #[arg(long)]
        token: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "{PROGRAM}: ERR-API-005: cannot start the async runtime: {e} (hint: this is a bug)"
            );
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(&cli));
    match result {
        Ok(output) => {
            print(&output);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if cli.json {
                print(&failure.to_json().to_string());
            } else {
                eprintln!("{failure}");
            }
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)] // The tool's output is its stdout.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (e.g. `| head`) leaves nothing to report to.
    let _ = writeln!(out, "{text}");
}

/// Runs the command; its output (text or JSON).
async fn run(cli: &Cli) -> Result<String, Failure> {
    let client = cli.conn.connect().await?;
    let json = cli.json;
    let render = |value: Value, text: String| {
        if json { value.to_string() } else { text }
    };
    Ok(match &cli.command {
        Command::CreateApiToken {
            user,
            expiry,
            description,
        } => {
            let created =
                tokens::create(&client, user, expiry, description, &cli.conn.admin_user).await?;
            let mut value = created.info.to_json();
            value["token"] = json!(created.token.to_string());
            let text = format!(
                "{}\nid: {}\nuser: {}\nexpires: {}\nThe token is shown only now: store it \
                 safely; rustydb-admin revoke-api-token --id {} revokes it.",
                created.token,
                created.info.id,
                created.info.user,
                created.info.expires_at.as_deref().unwrap_or("never"),
                created.info.id
            );
            render(value, text)
        }
        Command::RevokeApiToken { id } => {
            let info = tokens::revoke(&client, id).await?;
            let text = format!(
                "revoked: token {} of user {} at {}",
                info.id,
                info.user,
                info.revoked_at.as_deref().unwrap_or("")
            );
            render(info.to_json(), text)
        }
        Command::ListApiTokens => {
            let all = tokens::list(&client).await?;
            let value = Value::Array(all.iter().map(tokens::TokenRow::to_json).collect());
            render(value, list_text(&all))
        }
        Command::InspectToken { token } => {
            let info = tokens::inspect(&client, token).await?;
            render(info.to_json(), info.to_text())
        }
        Command::VerifyToken { token } => {
            let info = tokens::verify(&client, token).await?;
            let expires = info.expires_at.clone().unwrap_or_else(|| "never".into());
            let mut value = info.to_json();
            value["valid"] = json!(true);
            render(
                value,
                format!("valid: user {}, expires {expires}", info.user),
            )
        }
    })
}

/// A table of tokens, or a sentence when there are none.
fn list_text(all: &[tokens::TokenRow]) -> String {
    if all.is_empty() {
        return "no API tokens".to_string();
    }
    let mut lines = vec![format!(
        "{:<16}  {:<16}  {:<29}  {:<29}  {:<29}  description",
        "id", "user", "created", "expires", "revoked"
    )];
    for t in all {
        lines.push(format!(
            "{:<16}  {:<16}  {:<29}  {:<29}  {:<29}  {}",
            t.id,
            t.user,
            t.created_at,
            t.expires_at.as_deref().unwrap_or("never"),
            t.revoked_at.as_deref().unwrap_or("-"),
            t.description
        ));
    }
    lines.join("\n")
}
