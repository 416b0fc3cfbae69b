-- Projection tables live in the schema this runs in (search_path): `sleeper`
-- normally, a shadow schema during `rebuild`. Never qualify names here.

-- The applied version (original stream id) of every scope. It lives beside the
-- tables so that it swaps with them on rebuild. Hasura does not track `_` tables.
CREATE TABLE _versions (
    scope       text   PRIMARY KEY,
    version_ms  bigint NOT NULL,
    version_seq bigint NOT NULL,
    kind        text   NOT NULL
);

-- GET /state/nfl. One row per sport.
CREATE TABLE nfl_state (
    sport                 text PRIMARY KEY,
    season                text,
    season_type           text,
    week                  integer,
    display_week          integer,
    leg                   integer,
    league_season         text,
    league_create_season  text,
    previous_season       text,
    season_start_date     text,
    season_has_scores     boolean,
    _version              text NOT NULL
);

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
