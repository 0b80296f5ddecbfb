#!/usr/bin/env bash
# The whole test suite. This is the README's test command and what CI runs (.ci/run).
#
# It installs what the tests need when it is missing, then runs, in order: formatting,
# clippy with -D warnings (default features and with io_uring), rustdoc with -D warnings,
# every test of the workspace, and the storage tests again on the io_uring backend.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# --- tools the tests need -------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (https://rustup.rs)" >&2
    exit 1
fi
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        log "installing the $component component"
        rustup component add "$component"
    fi
done

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE=1

log "format"
cargo fmt --all -- --check

log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p rustydb-storage --all-targets --locked --features io_uring -- -D warnings

log "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

log "tests"
cargo test --workspace --locked

if [ "$(uname -s)" = Linux ]; then
    log "storage tests on the io_uring backend"
    RUSTYDB_TEST_IO_BACKEND=io_uring cargo test -p rustydb-storage --features io_uring --locked
fi

log "all tests passed"
