#!/usr/bin/env bash
# Back up one deployment: Redis first, then Postgres.
#
#   REDIS_URL=… DATABASE_URL=… STREAM_KEY=sleeper:events scripts/backup.sh OUT_DIR
#
# 1. Redis: a point-in-time snapshot (`redis-cli --rdb`, the same consistent
#    copy a replica gets), loaded into a private, temporary `redis-server`
#    (unix socket only) from which every key of this deployment — STREAM_KEY
#    and every `STREAM_KEY:*` key (dead letters, dedup hashes, tickets, …) —
#    is written with DUMP: the serialized value keeps stream ids, consumer
#    groups, their last-delivered ids and pending lists exactly. The snapshot
#    itself is kept too (redis/dump.rdb).
# 2. Postgres: `pg_dump -Fc` of schemas `sleeper` and `pipeline` (the tables,
#    the version rows, the event archive and the migration history).
#
# Redis first, because then Postgres is the newer copy: whatever the
# projectors applied after the Redis snapshot is in the dump, and a restored
# group redelivers it, which the version guard absorbs. restore.sh replays the
# archive from the snapshot's last stream id.
#
# Needs redis-cli and redis-server (7.x, same major as the server or newer)
# and pg_dump not older than the Postgres server (PG_BIN may name its
# directory). Credentials are passed to the tools through REDISCLI_AUTH and
# PGPASSWORD, never on a command line.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR  (env: REDIS_URL, DATABASE_URL, STREAM_KEY)" >&2; exit 2; }
[ $# -eq 1 ] || usage
OUT=$1
: "${REDIS_URL:?REDIS_URL must be set}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
STREAM_KEY=${STREAM_KEY:-sleeper:events}
# Connection settings and messages shared with the other backup script.
# shellcheck source=connections.sh
source "$(dirname "$0")/connections.sh"

need redis-cli redis-server "$(pgtool pg_dump)"
mkdir -p "$OUT/redis"
if [ -n "$(ls -A "$OUT/redis")" ] || [ -e "$OUT/postgres.dump" ]; then
  die "$OUT already holds a backup; use an empty directory"
fi

# ---- Redis
say "redis: snapshot (redis-cli --rdb)"
redis_cli --rdb "$OUT/redis/dump.rdb" >/dev/null
TMP=$(mktemp -d)
SRV_PID=
cleanup() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
cp "$OUT/redis/dump.rdb" "$TMP/dump.rdb"
redis-server --port 0 --unixsocket "$TMP/redis.sock" --unixsocketperm 700 \
  --dir "$TMP" --dbfilename dump.rdb --appendonly no --save '' \
  --logfile "$TMP/redis.log" --daemonize no &
SRV_PID=$!
for _ in $(seq 1 200); do
  [ -S "$TMP/redis.sock" ] && redis-cli -s "$TMP/redis.sock" PING 2>/dev/null | grep -q PONG && break
  sleep 0.05
done
redis-cli -s "$TMP/redis.sock" PING | grep -q PONG || die "the snapshot did not load: $(tail -5 "$TMP/redis.log")"
snap() { redis-cli -s "$TMP/redis.sock" -n "$REDIS_DB" "$@"; }

: >"$OUT/redis/keys.tsv"
n=0
while IFS= read -r key; do
  [ "$key" = "$STREAM_KEY" ] || [ "${key#"$STREAM_KEY":}" != "$key" ] || continue
  n=$((n + 1))
  type=$(snap TYPE "$key")
  ttl=$(snap PTTL "$key")
  [ "$ttl" -gt 0 ] 2>/dev/null || ttl=0
  # --raw DUMP prints the payload and a newline: drop the newline.
  snap --raw DUMP "$key" | head -c -1 >"$OUT/redis/$n.dump"
  printf '%s\t%s\t%s\t%s\n' "$n" "$ttl" "$type" "$key" >>"$OUT/redis/keys.tsv"
done < <(snap --scan --pattern "$(glob_escape "$STREAM_KEY")*" | LC_ALL=C sort)
LAST_ID=
if [ "$(snap TYPE "$STREAM_KEY")" = stream ]; then
  LAST_ID=$(snap XINFO STREAM "$STREAM_KEY" | awk 'p == "last-generated-id" { print; exit } { p = $0 }')
fi
say "redis: $n key(s) of $STREAM_KEY, stream last id ${LAST_ID:-none}"

# ---- Postgres (after Redis)
say "postgres: pg_dump -Fc (schemas sleeper, pipeline)"
pg_env "$(pgtool pg_dump)" --format=custom --schema=sleeper --schema=pipeline \
  --file="$OUT/postgres.dump" --dbname="$PG_URL"

{
  echo "format=1"
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "stream_key=$STREAM_KEY"
  echo "stream_last_id=$LAST_ID"
  echo "redis_keys=$n"
  echo "redis_version=$(redis_cli INFO server | tr -d '\r' | sed -n 's/^redis_version://p')"
  echo "pg_dump_version=$("$(pgtool pg_dump)" --version)"
} >"$OUT/manifest"
(cd "$OUT" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
say "backup complete: $OUT"
