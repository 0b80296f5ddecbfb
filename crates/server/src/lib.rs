//! `rusty-db-server`: RustyDB's daemon.
//!
//! The binary (`src/main.rs`) is a thin shell over [`run::run`]. The pieces, each in its
//! own module:
//!
//! * [`cli`]: the flags, applied as the last configuration layer through
//!   `Config::set_from`, so a flag parses exactly as its `RUSTYDB_*` variable;
//! * [`listen`]: binding the PostgreSQL and HTTP ports (ERR-DB-009 when one is taken);
//! * [`mod@http`]: the HTTP front ends (REST, GraphQL, `/health`, `/metrics`) on
//!   `http.port`, served from before recovery until the shutdown signal;
//! * [`bootstrap`]: the superuser `rustydb` and the generated initial password;
//! * [`wire`]: the options of the PostgreSQL-protocol front end (`rustydb_pgwire`);
//! * [`signals`]: SIGTERM/SIGINT, a clean shutdown on the first, exit on the second;
//! * [`fatal`]: every start-up failure as one line on stderr;
//! * [`mod@run`]: the order of it all, start to exit.
//!
//! Unix only (signals, file modes). See `docs/server.md` for the operator's view.

pub mod bootstrap;
pub mod cli;
pub mod fatal;
pub mod http;
pub mod listen;
pub mod run;
pub mod signals;
pub mod wire;

pub use cli::Cli;
pub use run::run;
