-- The all-time read models as tables recomputed for the leagues a
-- transaction touched (docs/design.md rule 10, "Derived tables"): computed
-- as views over every league, a query for one chain paid for all of them
-- (seconds at a thousand league-seasons), because a chain is a join
-- (league_chains) that the planner cannot push into a window or a GROUP BY.
-- The contract's names stay views with the same columns; underneath:
--
--   _league_chains   league → chain, recomputed whole when `leagues` changes
--                    (a few thousand rows at most)
--   _league_games    chain_games' rows of one league, with its chain_id
--   _league_rosters  every roster of a league (rosters, matchups, brackets)
--                    with manager, final place and playoff appearance
--
-- each equal to its `_…_source` view (the definition; tests compare them).
-- Statement triggers on the base tables they read mark the leagues a
-- statement touched in `_derived_dirty`; a deferred constraint trigger
-- recomputes those leagues when the transaction commits, so the tables are
-- complete whenever the writes are: after a live batch, replay, rebuild's
-- catch-up. Rebuild's bulk build defers it (`sleeper.derived = deferred`)
-- and recomputes everything once (`_derived_refresh_all`).
--
-- Also: `matchup_results` keeps its definition but its CTEs are no longer
-- materialised, so a query for one league reads only that league; the
-- losers bracket now places rosters in `season_finishes` where the
-- league says which kind it is (settings.loser_bracket_type).

-- ── chains ─────────────────────────────────────────────────────────────

-- 0005's league_chains, as (league_id, chain_id, depth).
CREATE VIEW _league_chains_source AS
WITH RECURSIVE walk (league_id, ancestor_id, ancestor_previous, depth, path, is_cycle) AS (
    SELECT league_id, league_id, previous_league_id, 0, ARRAY[league_id], false
    FROM leagues
    UNION ALL
    SELECT w.league_id, a.league_id, a.previous_league_id, w.depth + 1,
           w.path || a.league_id, a.league_id = ANY (w.path)
    FROM walk w
    JOIN leagues a ON a.league_id = w.ancestor_previous
    WHERE NOT w.is_cycle AND w.depth < 50 AND w.ancestor_previous NOT IN ('0', '')
),
ends AS (
    SELECT league_id,
           bool_or(is_cycle) OR max(depth) >= 50 AS unrooted,
           min(ancestor_id) AS least_ancestor,
           (array_agg(ancestor_id ORDER BY depth DESC))[1] AS oldest,
           max(depth) AS depth
    FROM walk
    GROUP BY league_id
)
SELECT league_id,
       CASE WHEN unrooted THEN least_ancestor ELSE oldest END AS chain_id,
       CASE WHEN unrooted THEN NULL ELSE depth END AS depth
FROM ends;

CREATE TABLE _league_chains AS SELECT * FROM _league_chains_source;
ALTER TABLE _league_chains ADD PRIMARY KEY (league_id);
CREATE INDEX _league_chains_chain_idx ON _league_chains (chain_id);

CREATE OR REPLACE VIEW league_chains AS
SELECT c.chain_id, l.league_id, l.season, l.name, l.status, l.previous_league_id, c.depth
FROM leagues l
JOIN _league_chains c ON c.league_id = l.league_id;

-- ── results ────────────────────────────────────────────────────────────

-- 0004's definition, unchanged but for NOT MATERIALIZED: a CTE read twice
-- was computed for every league before any filter applied.
CREATE OR REPLACE VIEW matchup_results AS
WITH effective AS NOT MATERIALIZED (
    SELECT m.league_id, m.week, m.roster_id, m.matchup_id,
           coalesce(m.custom_points, m.points) AS points,
           count(*) OVER (PARTITION BY m.league_id, m.week, m.matchup_id) AS in_game
    FROM matchups m
),
league AS NOT MATERIALIZED (
    SELECT l.league_id, l.season, coalesce(l.sport, 'nfl') AS sport,
           CASE WHEN btrim(l.settings ->> 'playoff_week_start') ~ '^[0-9]{1,9}(\.0*)?$'
                THEN nullif(btrim(l.settings ->> 'playoff_week_start')::numeric::integer, 0)
           END AS playoff_week_start,
           coalesce(btrim(l.settings ->> 'league_average_match') = '1', false) AS median_game
    FROM leagues l
),
games AS NOT MATERIALIZED (
    SELECT e.league_id, e.week, e.roster_id, e.matchup_id, e.points,
           o.roster_id AS opponent_roster_id, o.points AS opponent_points,
           false AS is_median
    FROM effective e
    LEFT JOIN effective o
           ON o.league_id = e.league_id AND o.week = e.week
          AND o.matchup_id = e.matchup_id AND o.roster_id <> e.roster_id
          AND e.in_game = 2
),
median AS NOT MATERIALIZED (
    SELECT league_id, week, trim_scale(avg(points)) AS points
    FROM (
        SELECT league_id, week, points,
               row_number() OVER w AS n,
               count(*) OVER (PARTITION BY league_id, week) AS total
        FROM effective
        WHERE points IS NOT NULL
        WINDOW w AS (PARTITION BY league_id, week ORDER BY points, roster_id)
    ) ranked
    WHERE n IN ((total + 1) / 2, (total + 2) / 2)
    GROUP BY league_id, week
),
median_games AS NOT MATERIALIZED (
    SELECT e.league_id, e.week, e.roster_id, NULL::integer AS matchup_id, e.points,
           NULL::integer AS opponent_roster_id, md.points AS opponent_points,
           true AS is_median
    FROM effective e
    JOIN league l ON l.league_id = e.league_id AND l.median_game
    JOIN median md ON md.league_id = e.league_id AND md.week = e.week
    WHERE l.playoff_week_start IS NULL OR e.week < l.playoff_week_start
),
results AS NOT MATERIALIZED (
    SELECT * FROM games
    UNION ALL
    SELECT * FROM median_games
)
SELECT r.league_id, r.week, r.roster_id,
       coalesce(ro.owner_id, format('orphan:%s@%s', r.roster_id, r.league_id)) AS manager_id,
       r.opponent_roster_id, r.points, r.opponent_points,
       CASE WHEN r.points > r.opponent_points THEN 'W'
            WHEN r.points < r.opponent_points THEN 'L'
            WHEN r.points = r.opponent_points THEN 'T'
       END AS result,
       r.points - r.opponent_points AS margin,
       r.is_median,
       r.week >= l.playoff_week_start AS is_playoff,
       coalesce(s.season IS NOT NULL
                AND s.season = l.season
                AND s.season_type = 'regular'
                AND r.week >= coalesce(s.leg, s.week), false)
       OR EXISTS (SELECT 1 FROM nfl_games g
                  WHERE g.season = l.season AND g.season_type = 'regular'
                    AND g.week = r.week AND g.status IS DISTINCT FROM 'complete')
           AS is_provisional,
       r.matchup_id,
       b.bracket,
       b.r AS bracket_round,
       b.p AS decides_place
FROM results r
LEFT JOIN league l ON l.league_id = r.league_id
LEFT JOIN rosters ro ON ro.league_id = r.league_id AND ro.roster_id = r.roster_id
LEFT JOIN nfl_state s ON s.sport = l.sport
LEFT JOIN LATERAL (
    SELECT pb.bracket, pb.r, pb.p
    FROM playoff_brackets pb
    WHERE r.week >= l.playoff_week_start AND NOT r.is_median
      AND r.opponent_roster_id IS NOT NULL AND pb.t1 IS NOT NULL AND pb.t2 IS NOT NULL
      AND pb.league_id = r.league_id
      AND least(pb.t1, pb.t2) = least(r.roster_id, r.opponent_roster_id)
      AND greatest(pb.t1, pb.t2) = greatest(r.roster_id, r.opponent_roster_id)
    ORDER BY abs(coalesce(pb.r, 0) - (r.week - l.playoff_week_start + 1)), pb.bracket DESC, pb.m
    LIMIT 1
) b ON true;

-- ── games ──────────────────────────────────────────────────────────────

-- 0005's chain_games for the leagues with a chain (a `leagues` row), the
-- chain from _league_chains.
CREATE VIEW _league_games_source AS
WITH league AS NOT MATERIALIZED (
    SELECT l.league_id, s.playoff_week_start, s.round_type,
           coalesce((SELECT max(b.r) FROM playoff_brackets b
                     WHERE b.league_id = l.league_id AND b.bracket = 'winners'),
                    CASE WHEN s.playoff_teams >= 2
                         THEN ceil(log(2, s.playoff_teams::numeric))::integer
                    END) AS playoff_rounds
    FROM leagues l
    CROSS JOIN LATERAL (
        SELECT CASE WHEN btrim(l.settings ->> 'playoff_week_start') ~ '^[0-9]{1,9}(\.0*)?$'
                    THEN nullif(btrim(l.settings ->> 'playoff_week_start')::numeric::integer, 0)
               END AS playoff_week_start,
               CASE WHEN btrim(coalesce(l.settings ->> 'playoff_round_type',
                                        l.settings ->> 'playoff_type')) ~ '^[0-9]{1,9}(\.0*)?$'
                    THEN btrim(coalesce(l.settings ->> 'playoff_round_type',
                                        l.settings ->> 'playoff_type'))::numeric::integer
               END AS round_type,
               CASE WHEN btrim(l.settings ->> 'playoff_teams') ~ '^[0-9]{1,9}(\.0*)?$'
                    THEN btrim(l.settings ->> 'playoff_teams')::numeric::integer
               END AS playoff_teams
    ) s
),
weeks AS NOT MATERIALIZED (
    SELECT m.*, c.chain_id, lg.season,
           CASE WHEN m.is_playoff AND l.round_type = 2
                THEN l.playoff_week_start + 2 * ((m.week - l.playoff_week_start) / 2)
                WHEN m.is_playoff AND l.round_type = 1
                     AND m.week = l.playoff_week_start + l.playoff_rounds
                THEN m.week - 1
                ELSE m.week
           END AS game_week
    FROM matchup_results m
    JOIN _league_chains c ON c.league_id = m.league_id
    JOIN leagues lg ON lg.league_id = m.league_id
    JOIN league l ON l.league_id = m.league_id
),
games AS NOT MATERIALIZED (
    SELECT chain_id, league_id, season, game_week AS week, count(*) AS weeks,
           roster_id, manager_id, opponent_roster_id, is_median, is_playoff,
           CASE WHEN count(points) = count(*) THEN sum(points) END AS points,
           CASE WHEN count(opponent_points) = count(*) THEN sum(opponent_points) END
               AS opponent_points,
           bool_or(is_provisional) AS is_provisional
    FROM weeks
    GROUP BY chain_id, league_id, season, game_week, roster_id, manager_id,
             opponent_roster_id, is_median, is_playoff
)
SELECT g.chain_id, g.league_id, g.season, g.week, g.weeks, g.roster_id, g.manager_id,
       g.opponent_roster_id,
       CASE WHEN g.opponent_roster_id IS NOT NULL
            THEN coalesce(o.owner_id, format('orphan:%s@%s', g.opponent_roster_id, g.league_id))
       END AS opponent_id,
       g.points, g.opponent_points,
       CASE WHEN g.points > g.opponent_points THEN 'W'
            WHEN g.points < g.opponent_points THEN 'L'
            WHEN g.points = g.opponent_points THEN 'T'
       END AS result,
       g.points - g.opponent_points AS margin,
       g.is_median, g.is_playoff, g.is_provisional,
       r.eliminated_week
FROM games g
LEFT JOIN rosters r ON r.league_id = g.league_id AND r.roster_id = g.roster_id
LEFT JOIN rosters o ON o.league_id = g.league_id AND o.roster_id = g.opponent_roster_id;

CREATE TABLE _league_games AS SELECT * FROM _league_games_source;
CREATE INDEX _league_games_chain_idx ON _league_games (chain_id);
CREATE INDEX _league_games_league_idx ON _league_games (league_id);

CREATE OR REPLACE VIEW chain_games AS
SELECT chain_id, league_id, season, week, weeks, roster_id, manager_id, opponent_roster_id,
       opponent_id, points, opponent_points, result, margin, is_median, is_playoff,
       is_provisional, eliminated_week
FROM _league_games;

-- ── rosters and final places ───────────────────────────────────────────

-- Every roster of a league — in `rosters`, `matchups` (plays: true) or only
-- placed by a bracket — with its manager, final place and whether it
-- played in the winners bracket. chain_id NULL: the league has no
-- `leagues` row.
--
-- Places: a decided winners-bracket game with p places its winner at p and
-- its loser at p + 1 (p = 1: the final). The losers bracket's p numbers
-- places after the playoff teams, read by the league's
-- settings.loser_bracket_type: 1, a consolation bracket (winners advance):
-- winner playoff_teams + p, loser playoff_teams + p + 1; 0, a toilet bowl
-- (losers advance, the p = 1 game's loser is last): loser playoff_teams +
-- L − p + 1, winner playoff_teams + L − p, L = the rosters in the losers
-- bracket. Without the setting (or without playoff_teams) the losers
-- bracket places no one: which way it runs is unknown. A roster's place is
-- the best any decided game gives it.
CREATE VIEW _league_rosters_source AS
WITH settings AS NOT MATERIALIZED (
    SELECT l.league_id,
           CASE WHEN btrim(l.settings ->> 'playoff_teams') ~ '^[0-9]{1,9}(\.0*)?$'
                THEN btrim(l.settings ->> 'playoff_teams')::numeric::integer
           END AS playoff_teams,
           CASE WHEN btrim(l.settings ->> 'loser_bracket_type') ~ '^[0-9]{1,9}(\.0*)?$'
                THEN btrim(l.settings ->> 'loser_bracket_type')::numeric::integer
           END AS loser_bracket_type
    FROM leagues l
),
losers AS NOT MATERIALIZED (
    SELECT league_id, count(DISTINCT roster_id)::integer AS teams
    FROM playoff_brackets
    CROSS JOIN LATERAL (VALUES (t1), (t2), (w), (l)) v (roster_id)
    WHERE bracket = 'losers' AND roster_id IS NOT NULL
    GROUP BY league_id
),
placed AS NOT MATERIALIZED (
    SELECT b.league_id, x.roster_id, x.place
    FROM playoff_brackets b
    LEFT JOIN settings s ON s.league_id = b.league_id
    LEFT JOIN losers n ON n.league_id = b.league_id
    CROSS JOIN LATERAL (VALUES
        (b.w, CASE WHEN b.bracket = 'winners' THEN b.p
                   WHEN s.loser_bracket_type = 1 THEN s.playoff_teams + b.p
                   WHEN s.loser_bracket_type = 0 THEN s.playoff_teams + n.teams - b.p
              END),
        (b.l, CASE WHEN b.bracket = 'winners' THEN b.p + 1
                   WHEN s.loser_bracket_type = 1 THEN s.playoff_teams + b.p + 1
                   WHEN s.loser_bracket_type = 0 THEN s.playoff_teams + n.teams - b.p + 1
              END)
    ) x (roster_id, place)
    WHERE b.p IS NOT NULL AND b.w IS NOT NULL AND x.roster_id IS NOT NULL
      AND x.place IS NOT NULL
),
best AS NOT MATERIALIZED (
    SELECT league_id, roster_id, min(place) AS place FROM placed GROUP BY league_id, roster_id
),
teams AS NOT MATERIALIZED (
    SELECT league_id, roster_id, bool_or(plays) AS plays
    FROM (
        SELECT league_id, roster_id, true AS plays FROM rosters
        UNION ALL
        SELECT league_id, roster_id, true FROM matchups
        UNION ALL
        SELECT league_id, roster_id, false FROM best
    ) t
    GROUP BY league_id, roster_id
)
SELECT c.chain_id, t.league_id, l.season, t.roster_id,
       coalesce(r.owner_id, format('orphan:%s@%s', t.roster_id, t.league_id)) AS manager_id,
       r.owner_id AS user_id,
       r.eliminated_week,
       t.plays,
       b.place,
       EXISTS (SELECT 1 FROM playoff_brackets pb
               WHERE pb.league_id = t.league_id AND pb.bracket = 'winners'
                 AND t.roster_id IN (pb.t1, pb.t2)) AS in_winners_bracket
FROM teams t
LEFT JOIN _league_chains c ON c.league_id = t.league_id
LEFT JOIN leagues l ON l.league_id = t.league_id
LEFT JOIN rosters r ON r.league_id = t.league_id AND r.roster_id = t.roster_id
LEFT JOIN best b ON b.league_id = t.league_id AND b.roster_id = t.roster_id;

CREATE TABLE _league_rosters AS SELECT * FROM _league_rosters_source;
ALTER TABLE _league_rosters ADD PRIMARY KEY (league_id, roster_id);
CREATE INDEX _league_rosters_chain_idx ON _league_rosters (chain_id);

CREATE OR REPLACE VIEW chain_rosters AS
SELECT chain_id, league_id, season, roster_id, manager_id, user_id, eliminated_week
FROM _league_rosters
WHERE plays AND chain_id IS NOT NULL;

CREATE OR REPLACE VIEW season_finishes AS
SELECT league_id, season, roster_id, manager_id, place,
       coalesce(place = 1, false) AS is_champion, chain_id
FROM _league_rosters;

-- ── views over the tables that read a chain ───────────────────────────

-- 0005's records, its CTEs no longer materialised so a chain_id filter
-- reaches chain_games' index.
CREATE OR REPLACE VIEW records AS
WITH games AS NOT MATERIALIZED (
    SELECT g.*
    FROM chain_games g
    WHERE NOT g.is_median AND NOT g.is_provisional AND g.points IS NOT NULL
      AND (g.eliminated_week IS NULL OR g.week <= g.eliminated_week)
),
seasons AS NOT MATERIALIZED (
    SELECT g.chain_id, g.league_id, g.season, g.manager_id,
           bool_or(g.eliminated_week IS NOT NULL) AS eliminated, sum(g.points) AS points
    FROM games g
    JOIN leagues l ON l.league_id = g.league_id AND l.status = 'complete'
    WHERE g.is_playoff IS NOT TRUE
    GROUP BY g.chain_id, g.league_id, g.season, g.roster_id, g.manager_id
),
ordered AS NOT MATERIALIZED (
    SELECT g.*,
           row_number() OVER (PARTITION BY chain_id, manager_id
                              ORDER BY season, league_id, week, roster_id) AS n,
           row_number() OVER (PARTITION BY chain_id, manager_id, result
                              ORDER BY season, league_id, week, roster_id) AS nr
    FROM games g
    WHERE g.opponent_roster_id IS NOT NULL AND g.result IS NOT NULL
),
streaks AS NOT MATERIALIZED (
    SELECT chain_id, manager_id, result, count(*) AS length,
           (array_agg(league_id ORDER BY n DESC))[1] AS league_id,
           (array_agg(season ORDER BY n DESC))[1] AS season,
           (array_agg(week ORDER BY n DESC))[1] AS week
    FROM ordered
    WHERE result IN ('W', 'L')
    GROUP BY chain_id, manager_id, result, n - nr
),
candidates (chain_id, record, value, score, league_id, season, week, manager_id, opponent_id) AS NOT MATERIALIZED (
    SELECT chain_id, 'highest_score', points, points, league_id, season, week, manager_id, opponent_id
    FROM games
    UNION ALL
    SELECT chain_id, 'lowest_score', points, -points, league_id, season, week, manager_id, opponent_id
    FROM games
    UNION ALL
    SELECT chain_id, 'biggest_blowout', margin, margin, league_id, season, week, manager_id, opponent_id
    FROM games WHERE result = 'W'
    UNION ALL
    SELECT chain_id, 'closest_game', margin, -margin, league_id, season, week, manager_id, opponent_id
    FROM games WHERE result = 'W'
    UNION ALL
    SELECT chain_id, 'most_points_season', points, points, league_id, season, NULL::integer,
           manager_id, NULL::text
    FROM seasons
    UNION ALL
    SELECT chain_id, 'fewest_points_season', points, -points, league_id, season, NULL::integer,
           manager_id, NULL::text
    FROM seasons WHERE NOT eliminated
    UNION ALL
    SELECT chain_id, CASE result WHEN 'W' THEN 'longest_win_streak' ELSE 'longest_losing_streak' END,
           length::numeric, length::numeric, league_id, season, week, manager_id, NULL::text
    FROM streaks
)
SELECT chain_id, record, value, league_id, season, week, manager_id, opponent_id
FROM (
    SELECT c.*, rank() OVER (PARTITION BY chain_id, record ORDER BY score DESC) AS place
    FROM candidates c
) ranked
WHERE place = 1;

-- 0005's manager_careers over the tables: playoff appearances from
-- _league_rosters.in_winners_bracket, finishes from its places.
CREATE OR REPLACE VIEW manager_careers AS
WITH record AS NOT MATERIALIZED (
    SELECT chain_id, manager_id,
           count(*) FILTER (WHERE result = 'W') AS wins,
           count(*) FILTER (WHERE result = 'L') AS losses,
           count(*) FILTER (WHERE result = 'T') AS ties,
           sum(points) FILTER (WHERE NOT is_median) AS points_for,
           sum(opponent_points) FILTER (WHERE NOT is_median AND opponent_roster_id IS NOT NULL)
               AS points_against
    FROM chain_games
    WHERE is_playoff IS NOT TRUE AND NOT is_provisional
    GROUP BY chain_id, manager_id
),
finishes AS NOT MATERIALIZED (
    SELECT chain_id, manager_id, count(*) FILTER (WHERE place = 1) AS titles,
           min(place) AS best_finish
    FROM _league_rosters
    WHERE chain_id IS NOT NULL
    GROUP BY chain_id, manager_id
),
seats AS NOT MATERIALIZED (
    SELECT chain_id, manager_id, count(DISTINCT league_id) AS seasons,
           count(DISTINCT league_id) FILTER (WHERE in_winners_bracket) AS playoff_appearances
    FROM _league_rosters
    WHERE plays AND chain_id IS NOT NULL
    GROUP BY chain_id, manager_id
)
SELECT s.chain_id, s.manager_id, s.seasons,
       coalesce(f.titles, 0) AS titles,
       s.playoff_appearances,
       coalesce(r.wins, 0) AS wins, coalesce(r.losses, 0) AS losses,
       coalesce(r.ties, 0) AS ties,
       coalesce(r.points_for, 0) AS points_for,
       coalesce(r.points_against, 0) AS points_against,
       f.best_finish
FROM seats s
LEFT JOIN record r ON r.chain_id = s.chain_id AND r.manager_id = s.manager_id
LEFT JOIN finishes f ON f.chain_id = s.chain_id AND f.manager_id = s.manager_id;

-- ── keeping the tables current ─────────────────────────────────────────

-- Leagues a transaction touched, until its commit recomputes them. Keyed by
-- nothing: concurrent transactions never wait on each other's marks (a
-- duplicate costs one DISTINCT). chains: a `leagues` row changed, so the
-- chains are recomputed first.
CREATE TABLE _derived_dirty (
    league_id text    NOT NULL,
    chains    boolean NOT NULL
);
CREATE INDEX _derived_dirty_league_idx ON _derived_dirty (league_id);

-- Statement trigger: mark the leagues of the rows a statement wrote or
-- deleted (transition tables `changed`, and `changed_old` on UPDATE).
-- TG_ARGV[0] 'league': the rows carry league_id; 'season': they carry an
-- NFL season (nfl_games, nfl_state), whose leagues' provisional weeks may
-- change. Names are qualified with the trigger's schema: the writer's
-- search_path is not ours to rely on.
CREATE FUNCTION _derived_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rows text := CASE WHEN TG_OP = 'UPDATE'
                      THEN '(SELECT * FROM changed UNION ALL SELECT * FROM changed_old)'
                      ELSE 'changed' END;
BEGIN
    IF TG_ARGV[0] = 'season' THEN
        EXECUTE format('INSERT INTO %1$I._derived_dirty (league_id, chains)
                        SELECT l.league_id, false FROM %1$I.leagues l
                        WHERE l.season IN (SELECT r.season FROM %2$s r)',
                       TG_TABLE_SCHEMA, rows);
    ELSE
        EXECUTE format('INSERT INTO %1$I._derived_dirty (league_id, chains)
                        SELECT DISTINCT r.league_id, %3$L::boolean FROM %2$s r',
                       TG_TABLE_SCHEMA, rows, TG_TABLE_NAME = 'leagues');
    END IF;
    RETURN NULL;
END
$$;

-- The rows of `ids` in _league_games and _league_rosters recomputed, their
-- marks cleared; names resolve through the caller's search_path.
CREATE FUNCTION _derived_write(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM _derived_dirty WHERE league_id = ANY (ids);
    DELETE FROM _league_games WHERE league_id = ANY (ids);
    INSERT INTO _league_games SELECT * FROM _league_games_source WHERE league_id = ANY (ids);
    DELETE FROM _league_rosters WHERE league_id = ANY (ids);
    INSERT INTO _league_rosters SELECT * FROM _league_rosters_source WHERE league_id = ANY (ids);
END
$$;

-- Recompute the marked leagues (and _league_chains first when a league
-- changed, adding every league whose chain moved) in the caller's
-- transaction, search_path set to `schema`. Locks: the chains (advisory
-- 7201, 0), then each league (7202, hashtext) in hash order — one order for
-- every transaction, so concurrent refreshes of one league run one after
-- the other, the later seeing the earlier's commit, and never deadlock.
-- A league whose recomputation fails (a bug, or data no one foresaw) keeps
-- its mark and a WARNING in the server log; the others are written and the
-- transaction commits: a derived table must never stop the projection.
CREATE FUNCTION _derived_refresh(schema text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    saved      text := current_setting('search_path');
    ids        text[];
    any_chains boolean;
    moved      text[];
    key        integer;
    id         text;
BEGIN
    PERFORM set_config('search_path', quote_ident(schema), true);
    SELECT array_agg(DISTINCT d.league_id), bool_or(d.chains) INTO ids, any_chains
    FROM _derived_dirty d;
    IF ids IS NOT NULL THEN
        IF any_chains THEN
            PERFORM pg_advisory_xact_lock(7201, 0);
            SELECT array_agg(coalesce(s.league_id, t.league_id)) INTO moved
            FROM _league_chains_source s
            FULL JOIN _league_chains t ON t.league_id = s.league_id
            WHERE s.league_id IS NULL OR t.league_id IS NULL
               OR s.chain_id IS DISTINCT FROM t.chain_id OR s.depth IS DISTINCT FROM t.depth;
            IF moved IS NOT NULL THEN
                DELETE FROM _league_chains WHERE league_id = ANY (moved);
                INSERT INTO _league_chains
                SELECT * FROM _league_chains_source WHERE league_id = ANY (moved);
                ids := ids || moved;
            END IF;
        END IF;
        FOR key IN SELECT DISTINCT hashtext(u) FROM unnest(ids) u ORDER BY 1 LOOP
            PERFORM pg_advisory_xact_lock(7202, key);
        END LOOP;
        BEGIN
            PERFORM _derived_write(ids);
        EXCEPTION WHEN OTHERS THEN
            FOR id IN SELECT DISTINCT u FROM unnest(ids) u ORDER BY 1 LOOP
                BEGIN
                    PERFORM _derived_write(ARRAY[id]);
                EXCEPTION WHEN OTHERS THEN
                    RAISE WARNING 'derived tables: league % not recomputed: % (%)',
                        id, SQLERRM, SQLSTATE;
                END;
            END LOOP;
        END;
    END IF;
    PERFORM set_config('search_path', saved, true);
END
$$;

-- Every league at once (rebuild, after a build that deferred): the
-- caller's search_path names the schema.
CREATE FUNCTION _derived_refresh_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7201, 0);
    DELETE FROM _league_chains;
    INSERT INTO _league_chains SELECT * FROM _league_chains_source;
    DELETE FROM _derived_dirty;
    DELETE FROM _league_games;
    INSERT INTO _league_games SELECT * FROM _league_games_source;
    DELETE FROM _league_rosters;
    INSERT INTO _league_rosters SELECT * FROM _league_rosters_source;
END
$$;

-- Deferred to commit, once per mark: the first firing does the work, the
-- others find nothing marked. `sleeper.derived = deferred` (rebuild's bulk
-- build) leaves the marks for _derived_refresh_all.
CREATE FUNCTION _derived_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('sleeper.derived', true), '') <> 'deferred' THEN
        EXECUTE format('SELECT %I._derived_refresh($1)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER derived_commit AFTER INSERT ON _derived_dirty
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION _derived_commit();

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('leagues', 'league'), ('rosters', 'league'),
                                   ('matchups', 'league'), ('playoff_brackets', 'league'),
                                   ('nfl_games', 'season'), ('nfl_state', 'season')) v (tab, arg)
    LOOP
        EXECUTE format('CREATE TRIGGER derived_mark_insert AFTER INSERT ON %I
                        REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION _derived_mark(%L)', t.tab, t.arg);
        EXECUTE format('CREATE TRIGGER derived_mark_update AFTER UPDATE ON %I
                        REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION _derived_mark(%L)', t.tab, t.arg);
        EXECUTE format('CREATE TRIGGER derived_mark_delete AFTER DELETE ON %I
                        REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION _derived_mark(%L)', t.tab, t.arg);
    END LOOP;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions, %I._derived_dirty FROM sleeper_reader',
                   current_schema(), current_schema());
END
$$;
