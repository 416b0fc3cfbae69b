#!/usr/bin/env bash
# Sourced by backup.sh and restore.sh: turns REDIS_URL and DATABASE_URL into
# tool arguments, with passwords passed through REDISCLI_AUTH / PGPASSWORD and
# never on a command line, and the small helpers both scripts print with.
# Expects REDIS_URL and DATABASE_URL set (the caller checks).

say() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "\`$t\` is not installed (apt-get install redis-tools redis-server postgresql-client)"
  done
}

urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }

# Quote glob characters for SCAN MATCH.
glob_escape() { printf '%s' "$1" | sed 's/[][*?\\]/\\&/g'; }

# redis[s]://[user][:password]@host[:port][/db]
re='^(rediss?)://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]+\]|[^:/]+)(:([0-9]+))?(/([0-9]*))?$'
[[ $REDIS_URL =~ $re ]] || die "REDIS_URL is not a redis:// URL"
REDIS_ARGS=(-h "${BASH_REMATCH[6]}" -p "${BASH_REMATCH[8]:-6379}")
REDIS_DB=${BASH_REMATCH[10]:-0}
[ "${BASH_REMATCH[1]}" = rediss ] && REDIS_ARGS+=(--tls)
[ -n "${BASH_REMATCH[3]}" ] && REDIS_ARGS+=(--user "$(urldecode "${BASH_REMATCH[3]}")")
REDIS_PASSWORD=$(urldecode "${BASH_REMATCH[5]}")
unset re
redis_cli() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli "${REDIS_ARGS[@]}" -n "$REDIS_DB" "$@"; }

# postgres[ql]://user:password@rest → the URL without the password + PGPASSWORD.
re='^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$'
if [[ $DATABASE_URL =~ $re ]]; then
  PG_URL="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
  PG_PASSWORD=$(urldecode "${BASH_REMATCH[4]}")
else
  PG_URL=$DATABASE_URL
  PG_PASSWORD=${PGPASSWORD:-}
fi
unset re
pg_env() { PGPASSWORD="$PG_PASSWORD" "$@"; }
# pg_dump / pg_restore / psql, from PG_BIN if set.
pgtool() { if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN/$1"; else echo "$1"; fi; }
