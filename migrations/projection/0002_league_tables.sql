-- Every event kind's tables (issue 4). Like 0001, this runs with search_path
-- set to the target schema (`sleeper`, or a shadow during `rebuild`): never
-- qualify names. Primary keys are Sleeper's natural keys; each row is owned
-- by exactly one scope (the comment on each table names it); no foreign keys
-- across scopes. Points are numeric; `settings`, `metadata` and friends are
-- jsonb as Sleeper sent them. Snapshot tables carry `_version`, the stream id
-- of the event that wrote the row.

-- GET /players/nfl. Owner: players/nfl (all rows, through `sport`).
CREATE TABLE players (
    sport                  text NOT NULL,
    player_id              text PRIMARY KEY,
    full_name              text,
    first_name             text,
    last_name              text,
    position               text,
    team                   text,
    status                 text,
    injury_status          text,
    age                    integer,
    years_exp              integer,
    number                 integer,
    height                 text,
    weight                 text,
    search_rank            integer,
    fantasy_positions      jsonb,
    active                 boolean,
    birth_date             text,
    college                text,
    depth_chart_position   text,
    depth_chart_order      integer,
    injury_body_part       text,
    injury_notes           text,
    injury_start_date      text,
    practice_participation text,
    news_updated           timestamptz,
    espn_id                text,
    yahoo_id               text,
    sportradar_id          text,
    gsis_id                text,
    rotowire_id            text,
    fantasy_data_id        text,
    stats_id               text,
    metadata               jsonb,
    _version               text NOT NULL
);
CREATE INDEX players_sport_idx ON players (sport);
CREATE INDEX players_team_idx ON players (team);
CREATE INDEX players_position_idx ON players (position);
CREATE INDEX players_full_name_idx ON players (full_name);

-- GET /league/<id>. Owner: league/<id>. Big-number ids are text holding the
-- exact integer.
CREATE TABLE leagues (
    league_id                  text PRIMARY KEY,
    name                       text,
    season                     text,
    season_type                text,
    status                     text,
    sport                      text,
    total_rosters              integer,
    previous_league_id         text,
    draft_id                   text,
    bracket_id                 text,
    loser_bracket_id           text,
    bracket_overrides_id       text,
    loser_bracket_overrides_id text,
    group_id                   text,
    company_id                 text,
    avatar                     text,
    settings                   jsonb,
    scoring_settings           jsonb,
    roster_positions           jsonb,
    metadata                   jsonb,
    _version                   text NOT NULL
);
CREATE INDEX leagues_previous_league_id_idx ON leagues (previous_league_id);
CREATE INDEX leagues_season_idx ON leagues (season);

-- GET /league/<id>/users. Owner: league/<id>/users. Members who left are kept
-- with in_league = false (their rosters and matchups still point at them).
CREATE TABLE league_users (
    league_id    text    NOT NULL,
    user_id      text    NOT NULL,
    display_name text,
    avatar       text,
    team_name    text,
    is_owner     boolean,
    is_bot       boolean,
    metadata     jsonb,
    settings     jsonb,
    in_league    boolean NOT NULL,
    _version     text    NOT NULL,
    PRIMARY KEY (league_id, user_id)
);
CREATE INDEX league_users_user_id_idx ON league_users (user_id);

-- GET /user/<username or id>. Owner: user/<lookup>, keyed by that lookup.
CREATE TABLE sleeper_users (
    lookup       text PRIMARY KEY,
    user_id      text NOT NULL,
    username     text,
    display_name text,
    avatar       text,
    is_bot       boolean,
    _version     text NOT NULL
);
CREATE INDEX sleeper_users_user_id_idx ON sleeper_users (user_id);

-- GET /league/<id>/rosters. Owner: league/<id>/rosters (both tables).
CREATE TABLE rosters (
    league_id          text    NOT NULL,
    roster_id          integer NOT NULL,
    owner_id           text,
    co_owners          jsonb,
    wins               integer,
    losses             integer,
    ties               integer,
    fpts               numeric,
    fpts_against       numeric,
    ppts               numeric,
    waiver_position    integer,
    waiver_budget_used integer,
    total_moves        integer,
    division           integer,
    rank               integer,
    settings           jsonb,
    metadata           jsonb,
    keepers            jsonb,
    player_map         jsonb,
    _version           text    NOT NULL,
    PRIMARY KEY (league_id, roster_id)
);
CREATE INDEX rosters_owner_id_idx ON rosters (owner_id);

-- One row per player on a roster; slot: starter | bench | reserve | taxi;
-- starter_index lines up with the league's roster_positions.
CREATE TABLE roster_players (
    league_id     text    NOT NULL,
    roster_id     integer NOT NULL,
    player_id     text    NOT NULL,
    slot          text    NOT NULL CHECK (slot IN ('starter', 'bench', 'reserve', 'taxi')),
    starter_index integer,
    _version      text    NOT NULL,
    PRIMARY KEY (league_id, roster_id, player_id)
);
CREATE INDEX roster_players_player_id_idx ON roster_players (player_id);

-- GET /league/<id>/matchups/<week>. Owner: league/<id>/matchups/<week> (both
-- tables). matchup_id is null for a team with no game; rows sharing it play
-- each other.
CREATE TABLE matchups (
    league_id     text    NOT NULL,
    week          integer NOT NULL,
    roster_id     integer NOT NULL,
    matchup_id    integer,
    points        numeric,
    custom_points numeric,
    _version      text    NOT NULL,
    PRIMARY KEY (league_id, week, roster_id)
);
CREATE INDEX matchups_matchup_idx ON matchups (league_id, week, matchup_id);

CREATE TABLE matchup_players (
    league_id     text    NOT NULL,
    week          integer NOT NULL,
    roster_id     integer NOT NULL,
    player_id     text    NOT NULL,
    points        numeric,
    is_starter    boolean NOT NULL,
    starter_index integer,
    _version      text    NOT NULL,
    PRIMARY KEY (league_id, week, roster_id, player_id)
);
CREATE INDEX matchup_players_player_id_idx ON matchup_players (player_id);

-- Samples (DESIGN rule 4): one per roster per matchups event, keyed by the
-- event's version (stream id), insert-if-absent, never deleted. origin is
-- 'poll' or 'backfill'.
CREATE TABLE matchup_score_history (
    league_id   text        NOT NULL,
    week        integer     NOT NULL,
    roster_id   integer     NOT NULL,
    version_ms  bigint      NOT NULL,
    version_seq bigint      NOT NULL,
    points      numeric,
    fetched_at  timestamptz NOT NULL,
    origin      text        NOT NULL,
    PRIMARY KEY (league_id, week, roster_id, version_ms, version_seq)
);

-- Only the samples whose points differ from the previous sample of the same
-- roster and week (the first sample always counts as a change).
CREATE VIEW matchup_score_changes AS
SELECT league_id, week, roster_id, version_ms, version_seq, points,
       previous_points, points - previous_points AS delta, fetched_at, origin
FROM (
    SELECT h.*,
           lag(points) OVER w AS previous_points,
           row_number() OVER w AS n
    FROM matchup_score_history h
    WINDOW w AS (PARTITION BY league_id, week, roster_id ORDER BY version_ms, version_seq)
) s
WHERE n = 1 OR points IS DISTINCT FROM previous_points;

-- GET /league/<id>/transactions/<round>. Owner: that scope, through
-- (league_id, leg), where leg is the round of the URL.
CREATE TABLE transactions (
    transaction_id text    PRIMARY KEY,
    league_id      text    NOT NULL,
    leg            integer NOT NULL,
    type           text,
    status         text,
    creator        text,
    created        timestamptz,
    status_updated timestamptz,
    roster_ids     jsonb,
    consenter_ids  jsonb,
    settings       jsonb,
    metadata       jsonb,
    draft_picks    jsonb,
    waiver_budget  jsonb,
    _version       text    NOT NULL
);
CREATE INDEX transactions_league_leg_idx ON transactions (league_id, leg);
CREATE INDEX transactions_league_created_idx ON transactions (league_id, created);

-- Adds and drops: one row per (transaction, player, action).
CREATE TABLE transaction_moves (
    transaction_id text    NOT NULL,
    league_id      text    NOT NULL,
    leg            integer NOT NULL,
    player_id      text    NOT NULL,
    action         text    NOT NULL CHECK (action IN ('add', 'drop')),
    roster_id      integer,
    _version       text    NOT NULL,
    PRIMARY KEY (transaction_id, player_id, action)
);
CREATE INDEX transaction_moves_league_leg_idx ON transaction_moves (league_id, leg);
CREATE INDEX transaction_moves_player_id_idx ON transaction_moves (player_id);

-- GET /league/<id>/traded_picks. Owner: league/<id>/traded_picks. roster_id
-- is the pick's original roster; owner ids are roster ids.
CREATE TABLE traded_picks (
    league_id         text    NOT NULL,
    season            text    NOT NULL,
    round             integer NOT NULL,
    roster_id         integer NOT NULL,
    previous_owner_id integer,
    owner_id          integer,
    _version          text    NOT NULL,
    PRIMARY KEY (league_id, season, round, roster_id)
);

-- GET /draft/<id>/traded_picks. Owner: that scope (draft_id from the URL);
-- payload_draft_id keeps the body's draft_id exactly (a JSON number > 2^53).
CREATE TABLE draft_traded_picks (
    draft_id          text    NOT NULL,
    season            text    NOT NULL,
    round             integer NOT NULL,
    roster_id         integer NOT NULL,
    previous_owner_id integer,
    owner_id          integer,
    payload_draft_id  text,
    _version          text    NOT NULL,
    PRIMARY KEY (draft_id, season, round, roster_id)
);

-- GET /draft/<id>. Owner: draft/<id>.
CREATE TABLE drafts (
    draft_id          text PRIMARY KEY,
    league_id         text,
    season            text,
    season_type       text,
    status            text,
    type              text,
    sport             text,
    start_time        timestamptz,
    last_picked       timestamptz,
    created           timestamptz,
    creators          jsonb,
    settings          jsonb,
    metadata          jsonb,
    draft_order       jsonb,
    slot_to_roster_id jsonb,
    _version          text NOT NULL
);
CREATE INDEX drafts_league_id_idx ON drafts (league_id);

-- GET /draft/<id>/picks. Owner: draft/<id>/picks. roster_id is the roster
-- that made the pick (after trades).
CREATE TABLE draft_picks (
    draft_id   text    NOT NULL,
    pick_no    integer NOT NULL,
    round      integer,
    draft_slot integer,
    roster_id  integer,
    player_id  text,
    picked_by  text,
    is_keeper  boolean,
    metadata   jsonb,
    _version   text    NOT NULL,
    PRIMARY KEY (draft_id, pick_no)
);
CREATE INDEX draft_picks_player_id_idx ON draft_picks (player_id);

-- GET /league/<id>/winners_bracket and /losers_bracket. Owner: each scope,
-- through (league_id, bracket). m: match id, r: round, t1/t2: rosters,
-- w/l: winner/loser roster, t1_from/t2_from: {"w": m} or {"l": m}, p: place.
CREATE TABLE playoff_brackets (
    league_id text    NOT NULL,
    bracket   text    NOT NULL CHECK (bracket IN ('winners', 'losers')),
    m         integer NOT NULL,
    r         integer,
    t1        integer,
    t2        integer,
    w         integer,
    l         integer,
    t1_from   jsonb,
    t2_from   jsonb,
    p         integer,
    _version  text    NOT NULL,
    PRIMARY KEY (league_id, bracket, m)
);

-- GET /players/nfl/trending/{add,drop}. Samples (DESIGN rule 4): one per
-- listed player per event, keyed by the event's version; rank is 1-based.
CREATE TABLE trending_players (
    type        text        NOT NULL CHECK (type IN ('add', 'drop')),
    version_ms  bigint      NOT NULL,
    version_seq bigint      NOT NULL,
    fetched_at  timestamptz NOT NULL,
    origin      text        NOT NULL,
    player_id   text        NOT NULL,
    count       bigint,
    rank        integer     NOT NULL,
    PRIMARY KEY (type, version_ms, version_seq, player_id)
);
CREATE INDEX trending_players_player_id_idx ON trending_players (player_id);

-- The newest sample of each trending list.
CREATE VIEW trending_current AS
SELECT t.type, t.player_id, t.count, t.rank, t.fetched_at, t.version_ms, t.version_seq
FROM trending_players t
JOIN (
    SELECT DISTINCT ON (type) type, version_ms, version_seq
    FROM trending_players
    ORDER BY type, version_ms DESC, version_seq DESC
) newest USING (type, version_ms, version_seq);

-- Standings per league, from rosters: ranked by wins, then points for.
-- Manager names come from league_users (a manual join: no foreign keys).
CREATE VIEW standings AS
SELECT r.league_id, r.roster_id, r.owner_id,
       u.display_name, u.team_name,
       r.wins, r.losses, r.ties, r.fpts, r.fpts_against,
       rank() OVER (PARTITION BY r.league_id
                    ORDER BY r.wins DESC NULLS LAST, r.fpts DESC NULLS LAST) AS rank
FROM rosters r
LEFT JOIN league_users u ON u.league_id = r.league_id AND u.user_id = r.owner_id;

-- A league's chain of seasons: for each league, itself (depth 0) and every
-- ancestor reachable through previous_league_id among the leagues projected.
CREATE VIEW league_seasons AS
WITH RECURSIVE chain (league_id, season, previous_league_id, name,
                      ancestor_league_id, ancestor_season, ancestor_name,
                      next_league_id, depth) AS (
    SELECT league_id, season, previous_league_id, name,
           league_id, season, name, previous_league_id, 0
    FROM leagues
    UNION ALL
    SELECT c.league_id, c.season, c.previous_league_id, c.name,
           a.league_id, a.season, a.name, a.previous_league_id, c.depth + 1
    FROM chain c
    JOIN leagues a ON a.league_id = c.next_league_id
    WHERE c.depth < 50
)
SELECT league_id, season, previous_league_id, name,
       ancestor_league_id, ancestor_season, ancestor_name, depth
FROM chain;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
