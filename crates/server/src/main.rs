//! `rusty-db-server`: see the `rustydb_server` library and `docs/server.md`.

use std::process::ExitCode;

use clap::Parser;
use rustydb_server::Cli;
use rustydb_server::fatal::PROGRAM;

// jemalloc: less fragmentation than the system allocator under many threads allocating
// and freeing rows and pages of varied sizes, a long-running server's workload.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // A panic is a bug: one line on stderr and in the logs, like every other failure,
    // rather than the default multi-line report.
    std::panic::set_hook(Box::new(|info| {
        let line = format!("{PROGRAM}: internal error (this is a bug): {info}");
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        tracing::error!("{line}");
        eprintln!("{line}");
    }));
    rustydb_server::run(&Cli::parse())
}
