#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: Redis first, then Postgres,
# then a replay of the archive from the Redis snapshot's last stream id.
#
#   REDIS_URL=… DATABASE_URL=… STREAM_KEY=sleeper:events scripts/restore.sh IN_DIR
#
# Stop the producer and every consumer first (`docker compose stop producer
# consumer`); start them again afterwards. Into fresh instances or over the
# existing ones:
# 1. Redis: every key of this deployment in the backup is deleted and
#    RESTOREd from its DUMP (stream ids, consumer groups, last-delivered ids
#    and pending lists exactly as they were; TTLs kept). Keys the backup does
#    not hold are left alone.
# 2. Postgres: in one transaction, schemas `sleeper` and `pipeline` are
#    dropped and recreated from the dump (tables, versions, archive,
#    migration history); the `sleeper_reader` role Hasura reads through is
#    created if this cluster lacks it. Objects are owned by the DATABASE_URL
#    user.
# 3. `sleeper-consumer replay --source archive --from <the snapshot's last stream id>`: events
#    the projectors archived after the Redis snapshot are re-applied through
#    the not-older version guard (a no-op when the dump already holds them).
#    The binary is SLEEPER_CONSUMER, or `sleeper-consumer` on PATH, or this
#    checkout's target/{release,debug}; without it the command is printed.
# Then start the consumers: entries the snapshot still had as undelivered or
# pending are delivered again, and the version guard skips what is applied.
# If the new binary has newer migrations, `sleeper-consumer migrate` runs
# them (see docs/operations.md).
set -euo pipefail

usage() { echo "usage: $0 IN_DIR  (env: REDIS_URL, DATABASE_URL, STREAM_KEY)" >&2; exit 2; }
[ $# -eq 1 ] || usage
IN=$1
: "${REDIS_URL:?REDIS_URL must be set}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
STREAM_KEY=${STREAM_KEY:-sleeper:events}
# Connection settings and messages shared with the other backup script.
# shellcheck source=connections.sh
source "$(dirname "$0")/connections.sh"

need redis-cli "$(pgtool pg_restore)" "$(pgtool psql)"
[ -f "$IN/manifest" ] && [ -f "$IN/redis/keys.tsv" ] && [ -f "$IN/postgres.dump" ] ||
  die "$IN is not a backup made by scripts/backup.sh"
(cd "$IN" && sha256sum --quiet -c SHA256SUMS) || die "$IN: checksums do not match (SHA256SUMS)"
backup_key=$(sed -n 's/^stream_key=//p' "$IN/manifest")
[ "$backup_key" = "$STREAM_KEY" ] ||
  die "the backup is of STREAM_KEY=$backup_key, not $STREAM_KEY (every key is derived from it)"
LAST_ID=$(sed -n 's/^stream_last_id=//p' "$IN/manifest")

# ---- Redis
n=0
while IFS=$'\t' read -r i ttl _type key; do
  redis_cli DEL "$key" >/dev/null
  out=$(redis_cli -x RESTORE "$key" "$ttl" <"$IN/redis/$i.dump")
  [ "$out" = OK ] || die "redis: RESTORE $key: $out"
  n=$((n + 1))
done <"$IN/redis/keys.tsv"
say "redis: $n key(s) restored"

# ---- Postgres
pg_env "$(pgtool psql)" -X -q -v ON_ERROR_STOP=1 --dbname="$PG_URL" <<'SQL'
DO $$
BEGIN
    CREATE ROLE sleeper_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
SQL
"$(pgtool pg_restore)" --no-owner --file=- "$IN/postgres.dump" |
  pg_env "$(pgtool psql)" -X -q -v ON_ERROR_STOP=1 --single-transaction --dbname="$PG_URL" \
    -c 'DROP SCHEMA IF EXISTS sleeper CASCADE' -c 'DROP SCHEMA IF EXISTS pipeline CASCADE' \
    -f - >/dev/null
say "postgres: schemas sleeper and pipeline restored"

# ---- replay the tail
if [ -z "$LAST_ID" ]; then
  say "the backup's stream was empty: nothing to replay"
  exit 0
fi
bin=${SLEEPER_CONSUMER:-}
if [ -z "$bin" ]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  for c in "$(command -v sleeper-consumer || true)" "$root/target/release/sleeper-consumer" "$root/target/debug/sleeper-consumer"; do
    if [ -n "$c" ] && [ -x "$c" ]; then bin=$c; break; fi
  done
fi
if [ -z "$bin" ] || ! "$bin" --help 2>/dev/null | grep -qw replay; then
  say "note: no sleeper-consumer with \`replay\` here; run it where the binary is:"
  say "  sleeper-consumer replay --source archive --from $LAST_ID"
  exit 0
fi
say "replaying the archive from $LAST_ID (the Redis snapshot's last stream id)"
REDIS_URL=$REDIS_URL DATABASE_URL=$DATABASE_URL STREAM_KEY=$STREAM_KEY "$bin" replay --source archive --from "$LAST_ID"
say "restore complete; start the producer and the consumers"
