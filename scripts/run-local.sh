#!/usr/bin/env bash
# Run the whole pipeline on this machine without Docker: Redis and Postgres
# from system packages under a local data directory, migrations, then the
# producer and a consumer. With no league configured it runs the offline demo
# against the bundled Sleeper simulator; with SLEEPER_LEAGUE_IDS (or
# PRIMARY_LEAGUE_ID / SLEEPER_USERNAME) it syncs real leagues from Sleeper.
# Ctrl-C (or TERM, HUP) stops everything cleanly, even when the output
# pipe is gone. Data survives restarts in $DATA_DIR.
#
#   scripts/run-local.sh                          # offline demo
#   SLEEPER_LEAGUE_IDS=1180… scripts/run-local.sh # your league
#
# Settings (environment): DATA_DIR (.data), REDIS_PORT (6390), PG_PORT (5440),
# SIM_PORT (8089), PRODUCER_HTTP (127.0.0.1:9100), CONSUMER_HTTP (127.0.0.1:9101),
# PROFILE (dev | release; default dev: quicker to build), SIM_SPEED (60),
# BIN_DIR (use already-built binaries from this folder; skips the build),
# plus every variable of .env.example.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DATA_DIR=${DATA_DIR:-$ROOT/.data}
REDIS_PORT=${REDIS_PORT:-6390}
PG_PORT=${PG_PORT:-5440}
SIM_PORT=${SIM_PORT:-8089}
PRODUCER_HTTP=${PRODUCER_HTTP:-127.0.0.1:9100}
CONSUMER_HTTP=${CONSUMER_HTTP:-127.0.0.1:9101}
PROFILE=${PROFILE:-dev}
SIM_SPEED=${SIM_SPEED:-60}

# Output may go to a pipe that is gone (`… | tee log`, then Ctrl-C): a
# message is never worth dying for, and must never stop the cleanup.
# SIGPIPE ignored: a write to a closed pipe fails instead of killing the script.
trap '' PIPE
say() { printf '[run-local] %s\n' "$*" 2>/dev/null || true; }
die() { { printf '[run-local] error: %s\n' "$*" >&2; } 2>/dev/null || true; exit 1; }

# Everything started below is stopped on every way out: normal exit, error,
# Ctrl-C, TERM, HUP (terminal closed). The trap is set before anything starts.
PIDS=()
REDIS_PID=
PG_STARTED=
CLEANED=
cleanup() {
  [ -n "$CLEANED" ] && return
  CLEANED=1
  trap '' INT TERM HUP PIPE
  say "stopping…"
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$PG_STARTED" ]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  say "stopped."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

bash scripts/install-deps.sh || die "redis-server and postgresql are needed (see above)"

if [ -n "${BIN_DIR:-}" ]; then
  BIN=$BIN_DIR
elif [ "$PROFILE" = release ]; then
  say "building (release)…"
  cargo build --release --bins --locked -q; BIN=$ROOT/target/release
else
  say "building (dev)…"
  cargo build --bins --locked -q; BIN=$ROOT/target/debug
fi
for b in sleeper-producer sleeper-consumer sleeper-sim; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing (build the workspace binaries)"
done

mkdir -p "$DATA_DIR/redis" "$DATA_DIR/logs"
chmod 755 "$DATA_DIR"

# --- Redis: a log, not a cache (AOF everysec, noeviction, a password) ---
if [ ! -s "$DATA_DIR/redis.pass" ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$DATA_DIR/redis.pass"
  chmod 600 "$DATA_DIR/redis.pass"
fi
REDIS_PASSWORD=$(cat "$DATA_DIR/redis.pass")
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DATA_DIR/redis" \
  --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
  --requirepass "$REDIS_PASSWORD" --save "" --daemonize no \
  --logfile "$DATA_DIR/logs/redis.log" &
REDIS_PID=$!

# --- Postgres: a private cluster (as user postgres when run as root) ---
PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
[ -x "$PG_BIN/initdb" ] || PG_BIN=$(dirname "$(command -v initdb)")
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); fi
if [ ! -s "$DATA_DIR/pg/PG_VERSION" ]; then
  mkdir -p "$DATA_DIR/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$DATA_DIR/pg" "$DATA_DIR/logs"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$DATA_DIR/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
fi
[ "$(id -u)" -eq 0 ] && chown postgres "$DATA_DIR/logs"
PG_STARTED=1
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR/pg" -l "$DATA_DIR/logs/postgres.log" -w \
  -o "-p $PG_PORT -k $DATA_DIR/pg -c listen_addresses=127.0.0.1" start >/dev/null


"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='sleeper'" | grep -q 1 \
  || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres sleeper

export REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/sleeper"
export LOG_FORMAT=${LOG_FORMAT:-text}

"$BIN/sleeper-consumer" migrate >/dev/null
say "migrated"

if [ -z "${SLEEPER_LEAGUE_IDS:-}${PRIMARY_LEAGUE_ID:-}${SLEEPER_USERNAME:-}" ]; then
  say "no league configured: offline demo against the Sleeper simulator (speed ${SIM_SPEED}x)"
  "$BIN/sleeper-sim" --addr "127.0.0.1:$SIM_PORT" --speed "$SIM_SPEED" --leagues 2 > "$DATA_DIR/logs/sim.out" 2> "$DATA_DIR/logs/sim.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$SIM_PORT/__sim/info" > "$DATA_DIR/sim-info.json" 2>/dev/null && break
    sleep 0.1
  done
  export SLEEPER_API_BASE_URL="http://127.0.0.1:$SIM_PORT/v1"
  export SIM_CLOCK_URL="http://127.0.0.1:$SIM_PORT/__sim/clock"
  SLEEPER_LEAGUE_IDS=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["league_ids"]))' "$DATA_DIR/sim-info.json")
  export SLEEPER_LEAGUE_IDS
fi

HTTP_ADDR=$CONSUMER_HTTP "$BIN/sleeper-consumer" run 2> "$DATA_DIR/logs/consumer.log" &
PIDS+=($!)
HTTP_ADDR=$PRODUCER_HTTP "$BIN/sleeper-producer" run 2> "$DATA_DIR/logs/producer.log" &
PIDS+=($!)

cat <<INFO 2>/dev/null || true
[run-local] running. Leagues: ${SLEEPER_LEAGUE_IDS:-${SLEEPER_USERNAME:-}}
  status:   REDIS_URL='$REDIS_URL' DATABASE_URL='$DATABASE_URL' $BIN/sleeper-consumer status
  metrics:  http://$PRODUCER_HTTP/metrics  http://$CONSUMER_HTTP/metrics   (ready: /ready)
  SQL:      $PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres sleeper -c 'SELECT * FROM sleeper.nfl_state'
            … 'SELECT * FROM sleeper.standings'
  lineups:  … 'SELECT league_id, week, roster_id, actual_points, optimal_points, points_left_on_bench
               FROM sleeper.lineup_efficiency ORDER BY points_left_on_bench DESC NULLS LAST LIMIT 10'
  logs:     $DATA_DIR/logs/
Ctrl-C stops everything.
INFO
wait -n "${PIDS[@]}" || true
say "a process exited; see $DATA_DIR/logs/"
