-- Pipeline bookkeeping: the event archive and the role Hasura reads as.
-- Runs with search_path = pipeline.

CREATE TABLE IF NOT EXISTS event_log (
    id_ms         bigint      NOT NULL,
    id_seq        bigint      NOT NULL,
    stream_id     text        NOT NULL,
    kind          text,
    scope         text,
    league_id     text,
    origin        text,
    fetched_at    timestamptz,
    http_status   integer,
    content_hash  text,
    -- The envelope exactly as it was on the stream (body as in the envelope).
    envelope      bytea,
    -- For entries that could not be decoded: the raw fields, for the record.
    raw_fields    jsonb,
    decodable     boolean     NOT NULL,
    archived_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id_ms, id_seq)
);
CREATE INDEX IF NOT EXISTS event_log_scope_idx ON event_log (scope, id_ms DESC, id_seq DESC);
CREATE INDEX IF NOT EXISTS event_log_kind_idx ON event_log (kind, id_ms);
CREATE INDEX IF NOT EXISTS event_log_league_idx ON event_log (league_id, id_ms);

-- The role GraphQL reads through: SELECT on schema sleeper, nothing else.
-- Roles are cluster-wide while the migration lock is per database, so two
-- databases migrating at once may race here: treat "already exists" as done.
DO $$
BEGIN
    CREATE ROLE sleeper_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
REVOKE ALL ON SCHEMA pipeline FROM PUBLIC;
