#!/usr/bin/env bash
# rusty-db-server beside PostgreSQL on pgbench, with the ratio, and RustyDB's memory use.
#
# What it does:
#   1. installs PostgreSQL (server, client, pgbench) and python3-psycopg with apt-get when
#      missing (Debian; needs root);
#   2. starts a throwaway PostgreSQL cluster (initdb into a temporary directory, as the
#      `postgres` OS user when run as root) on 127.0.0.1:$PG_PORT with durable commits
#      (fsync=on, synchronous_commit=on) and shared_buffers = $BUFFER_MB;
#   3. builds rusty-db-server with `cargo build --release` and starts it on 127.0.0.1:$RDB_PORT
#      over a temporary data directory with the same buffer pool size and durable commits
#      (wal.sync = fsync, the default);
#   4. on each in turn: `pgbench -i -s $SCALE`, then TPC-B with 1 and 8 clients, in simple and
#      prepared (-M prepared) query mode, and select-only (-S) with 8 clients, $DURATION
#      seconds each;
#   5. prints: workload | PostgreSQL tps | RustyDB tps | ratio (RustyDB / PostgreSQL), then
#      RustyDB's resident memory (VmRSS of /proc/PID/status): idle, beyond the buffer pool,
#      and per idle connection (100 connections held open by a psycopg script).
# Everything it started is stopped and its temporary files removed on exit, also on error
# or Ctrl-C. Both servers use trust authentication and listen on 127.0.0.1 only.
#
# Settings (environment):
#   DURATION=30      seconds per workload
#   SCALE=10         pgbench scale factor (100000 accounts per unit)
#   BUFFER_MB=128    PostgreSQL shared_buffers and RustyDB's buffer pool, MiB
#   PG_PORT=55433    RDB_PORT=55434
#   INIT_STEPS=      pgbench -I steps for both servers (e.g. dtGvp: data generated
#                    server-side); empty: pgbench's default
#   CARGO_TARGET_DIR where cargo builds (default: the workspace's target/)
#   TARGETS="postgres rustydb"  which servers to run (one alone: its column only)
#
# Usage: scripts/bench-vs-postgres.sh            DURATION=10 scripts/bench-vs-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-30}"
SCALE="${SCALE:-10}"
BUFFER_MB="${BUFFER_MB:-128}"
PG_PORT="${PG_PORT:-55433}"
RDB_PORT="${RDB_PORT:-55434}"
INIT_STEPS="${INIT_STEPS:-}"
TARGETS="${TARGETS:-postgres rustydb}"
IDLE_CONNECTIONS=100

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-vs-postgres: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------------------
pg_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1; }
missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] && [ -x "$(pg_bin)/pgbench" ] || missing+=(postgresql postgresql-client)
/usr/bin/python3 -c 'import psycopg' >/dev/null 2>&1 || missing+=(python3-psycopg)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || die "please install: ${missing[*]}"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PGBIN="$(pg_bin)"
PSQL="$PGBIN/psql"
PGBENCH="$PGBIN/pgbench"
log "PostgreSQL: $("$PGBIN/postgres" --version)"

# --- clean-up of everything started -----------------------------------------------------
WORK="$(mktemp -d /tmp/rustydb-bench.XXXXXX)"
chmod 755 "$WORK"
RDB_PID=""
HOLDER_PID=""
PG_STARTED=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    set +e
    [ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null && wait "$HOLDER_PID" 2>/dev/null
    if [ -n "$RDB_PID" ]; then
        kill -TERM "$RDB_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$RDB_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$RDB_PID" 2>/dev/null
        wait "$RDB_PID" 2>/dev/null
    fi
    [ -n "$PG_STARTED" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_ready() { # port name
    for _ in $(seq 1 600); do
        "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
        sleep 0.1
    done
    die "$2 did not accept connections on port $1 within 60 s"
}

want() { [[ " $TARGETS " == *" $1 "* ]]; }

# --- PostgreSQL ---------------------------------------------------------------------------
start_postgres() {
log "starting PostgreSQL on 127.0.0.1:$PG_PORT (shared_buffers=${BUFFER_MB}MB, fsync=on)"
mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U rustydb -E UTF8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w start -o \
    "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=${BUFFER_MB}MB \
     -c fsync=on -c synchronous_commit=on -c max_connections=200" >/dev/null \
    || { cat "$WORK/pg/server.log" >&2; die "PostgreSQL did not start"; }
PG_STARTED=1
wait_ready "$PG_PORT" PostgreSQL
"$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U rustydb -d postgres -c "CREATE DATABASE rustydb"
}

# --- RustyDB ------------------------------------------------------------------------------
start_rustydb() {
log "building rusty-db-server (release)"
cargo build --release -p rustydb-server --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
RDB_BIN="$TARGET_DIR/release/rusty-db-server"
[ -x "$RDB_BIN" ] || die "no binary at $RDB_BIN"
log "starting rusty-db-server on 127.0.0.1:$RDB_PORT (buffer pool ${BUFFER_MB} MiB, wal.sync=fsync)"
env -u RUST_LOG $(env | grep -o '^RUSTYDB_[A-Z_]*' | sed 's/^/-u /') \
    RUSTYDB_DATA_DIR="$WORK/rdb" RUSTYDB_LISTEN_ADDRESS=127.0.0.1 RUSTYDB_PORT="$RDB_PORT" \
    RUSTYDB_GRAPHQL_PORT="$((RDB_PORT + 1))" RUSTYDB_BUFFER_POOL_SIZE="$((BUFFER_MB * 128))" \
    RUSTYDB_WAL_SYNC=fsync RUSTYDB_AUTH_METHOD=trust RUSTYDB_MAX_CONNECTIONS=200 \
    "$RDB_BIN" >"$WORK/rdb.log" 2>&1 &
RDB_PID=$!
wait_ready "$RDB_PORT" rusty-db-server
}

want postgres && start_postgres
want rustydb && start_rustydb

# --- pgbench --------------------------------------------------------------------------------
WORKLOADS=(
    "TPC-B, 1 client|-c 1 -j 1"
    "TPC-B, 1 client, prepared|-c 1 -j 1 -M prepared"
    "TPC-B, 8 clients|-c 8 -j 2"
    "TPC-B, 8 clients, prepared|-c 8 -j 2 -M prepared"
    "select-only, 8 clients|-S -c 8 -j 2"
)
declare -A TPS

bench_one() { # name port
    local name="$1" port="$2" out tps failed
    log "$name: pgbench -i -s $SCALE ${INIT_STEPS:+-I $INIT_STEPS}"
    "$PGBENCH" -h 127.0.0.1 -p "$port" -U rustydb -i -s "$SCALE" ${INIT_STEPS:+-I "$INIT_STEPS"} rustydb \
        >"$WORK/init-$name.log" 2>&1 || { cat "$WORK/init-$name.log" >&2; die "pgbench -i failed on $name"; }
    for w in "${WORKLOADS[@]}"; do
        local label="${w%%|*}" args="${w#*|}"
        log "$name: $label (pgbench $args -T $DURATION)"
        # shellcheck disable=SC2086
        out="$("$PGBENCH" -h 127.0.0.1 -p "$port" -U rustydb $args -T "$DURATION" rustydb 2>&1)" || true
        tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")"
        failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")"
        if [ -z "$tps" ] || grep -q 'aborted' <<<"$out"; then
            printf '%s\n' "$out" >&2
            tps="error"
        elif [ "${failed:-0}" != 0 ]; then
            tps="$tps ($failed failed)"
        fi
        # One decimal; a suffix such as "(3 failed)" stays.
        if [[ "$tps" =~ ^([0-9.]+)(.*)$ ]]; then
            tps="$(awk -v t="${BASH_REMATCH[1]}" 'BEGIN { printf "%.1f", t }')${BASH_REMATCH[2]}"
        fi
        TPS["$name|$label"]="$tps"
    done
}

want postgres && bench_one PostgreSQL "$PG_PORT"
want rustydb && bench_one RustyDB "$RDB_PORT"

# --- RustyDB's memory -------------------------------------------------------------------------
measure_memory() {
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$RDB_PID/status"; }
sleep 2
IDLE_KIB="$(rss_kib)"
log "opening $IDLE_CONNECTIONS idle connections"
mkfifo "$WORK/holder.fifo"
PGHOST=127.0.0.1 PGPORT="$RDB_PORT" PGUSER=rustydb PGDATABASE=rustydb /usr/bin/python3 -c '
import sys, time, psycopg
conns = [psycopg.connect(autocommit=True) for _ in range(int(sys.argv[1]))]
for c in conns:
    c.execute("SELECT 1").fetchone()
with open(sys.argv[2], "w") as f:
    f.write("ready\n")
time.sleep(120)
' "$IDLE_CONNECTIONS" "$WORK/holder.fifo" &
HOLDER_PID=$!
# Opened read-write so that the open does not block if the script dies before opening it.
exec 3<>"$WORK/holder.fifo"
ready=""
read -r -t 120 -u 3 ready || true
[ "$ready" = ready ] || die "the $IDLE_CONNECTIONS idle connections did not open"
sleep 1
CONN_KIB="$(rss_kib)"
}
want rustydb && measure_memory

# --- report ------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", b / a; else print "-" }'; }
echo
echo "pgbench, scale $SCALE, $DURATION s per workload, ${BUFFER_MB} MiB buffers, durable commits ($(nproc) cores)"
printf '%-28s | %14s | %14s | %s\n' workload "PostgreSQL tps" "RustyDB tps" "ratio (RustyDB/PostgreSQL)"
printf '%s\n' "-----------------------------+----------------+----------------+---------------------------"
for w in "${WORKLOADS[@]}"; do
    label="${w%%|*}"
    pg="${TPS["PostgreSQL|$label"]:--}"
    rdb="${TPS["RustyDB|$label"]:--}"
    printf '%-28s | %14s | %14s | %s\n' "$label" "$pg" "$rdb" "$(ratio "${pg%% *}" "${rdb%% *}")"
done
want rustydb || exit 0
echo
BUFFER_KIB=$((BUFFER_MB * 1024))
echo "RustyDB memory (VmRSS):"
printf '  idle server RSS:              %8.1f MiB\n' "$(awk -v k="$IDLE_KIB" 'BEGIN { print k / 1024 }')"
printf '  idle server RSS beyond buffer pool: %6.1f MiB (buffer pool %d MiB)\n' \
    "$(awk -v k="$IDLE_KIB" -v b="$BUFFER_KIB" 'BEGIN { print (k - b) / 1024 }')" "$BUFFER_MB"
printf '  with %d idle connections:    %8.1f MiB\n' "$IDLE_CONNECTIONS" "$(awk -v k="$CONN_KIB" 'BEGIN { print k / 1024 }')"
printf '  per idle connection:          %8.1f KiB\n' \
    "$(awk -v a="$IDLE_KIB" -v b="$CONN_KIB" -v n="$IDLE_CONNECTIONS" 'BEGIN { print (b - a) / n }')"
