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

# The server's end-to-end tests (crates/server/tests/e2e_*.rs) drive the real binary with
# PostgreSQL's own clients: psql, pgbench (Debian ships it in the postgresql package), openssl
# s_client, and psycopg through Debian's /usr/bin/python3. Installed with apt-get when missing.
missing=()
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v pgbench >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null \
    || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
/usr/bin/python3 -c 'import psycopg' >/dev/null 2>&1 || missing+=(python3-psycopg)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "the end-to-end tests need: ${missing[*]} (apt-get install them)" >&2
        exit 1
    fi
fi

# The HTTP tool tests (crates/server/tests/http_tools.rs) check the live server with outside
# tools: promtool (Debian's prometheus package) on a /metrics scrape, headless Chromium
# (Debian's chromium package) on the GraphQL playground, and schemathesis (PyPI, pinned,
# in a virtualenv of Debian's python3) on the REST API's OpenAPI document. Installed when
# missing; RUSTYDB_REQUIRE_TOOLS=1 makes those tests fail, never skip, without their tool.
missing=()
command -v promtool >/dev/null 2>&1 || [ -x /usr/bin/promtool ] || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -m ensurepip --version >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "the HTTP tool tests need: ${missing[*]} (apt-get install them)" >&2
        exit 1
    fi
fi
SCHEMATHESIS_VERSION=4.32.5
test_venv="${XDG_CACHE_HOME:-$HOME/.cache}/rustydb-test-venv"
if [ "$("$test_venv/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $test_venv"
    /usr/bin/python3 -m venv "$test_venv"
    "$test_venv/bin/pip" install -q --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null
fi
export RUSTYDB_SCHEMATHESIS="$test_venv/bin/st"
export RUSTYDB_REQUIRE_TOOLS=1

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE=1
# A clean build has no use for incremental caches, which would double the target directory;
# the disk is shared, so say how much room there is before building.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
df -h . | tail -n 1 | awk '{print "disk: " $4 " free of " $2}'

log "format"
cargo fmt --all -- --check

log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p rustydb-storage --all-targets --locked --features io_uring -- -D warnings

log "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

log "tests"
# The servers' tests run the real binaries, including rustydb-admin from another package,
# which `cargo test` alone does not build.
cargo build --workspace --bins --locked
cargo test --workspace --locked

if [ "$(uname -s)" = Linux ]; then
    log "storage tests on the io_uring backend"
    RUSTYDB_TEST_IO_BACKEND=io_uring cargo test -p rustydb-storage --features io_uring --locked
fi

log "all tests passed"
