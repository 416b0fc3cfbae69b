#!/bin/sh
# Runs once, when the official postgres image initializes an empty data
# directory (mounted at /docker-entrypoint-initdb.d by docker-compose.yml).
#
# - `hasura`: the login Hasura uses, password from HASURA_DB_PASSWORD. It owns
#   the separate `hasura_metadata` database (Hasura's own bookkeeping) and
#   may only read league data, through membership in `sleeper_reader`.
# - `sleeper_reader`: NOLOGIN, SELECT on schema `sleeper`. The project's
#   migrations create it idempotently and grant it SELECT; it is created here
#   too (same definition) because this script runs before the first migrate.
#   Nothing here grants anything on schema `pipeline`.
set -eu
: "${HASURA_DB_PASSWORD:?HASURA_DB_PASSWORD must be set for the postgres service}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v hasura_password="$HASURA_DB_PASSWORD" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sleeper_reader') THEN
    CREATE ROLE sleeper_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hasura') THEN
    CREATE ROLE hasura LOGIN;
  END IF;
END
$$;
ALTER ROLE hasura WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'hasura_password';
GRANT sleeper_reader TO hasura;
SELECT 'CREATE DATABASE hasura_metadata OWNER hasura'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hasura_metadata')\gexec
SQL
