-- The all-time read models as tables recomputed for the leagues a
-- transaction touched (docs/design.md rule 10, "Derived tables"): computed
-- as views over every league, a query for one chain paid for all of them
-- (seconds at a thousand league-seasons), because a chain is a join
-- (league_chains) that the planner cannot push into a window or a GROUP BY.
-- The contract's names stay views with the same columns; underneath:
--
--   _league_chains   league → chain, recomputed from all `leagues` when one
--                    changes (the leagues whose chain moved then follow)
--   _league_games    chain_games' rows of one league, with its chain_id
--   _league_rosters  every roster of a league (rosters, matchups, brackets)
--                    with manager, final place and playoff appearance
--
-- each equal to its `_…_source` view (the definition; tests compare them).
-- Statement triggers on the base tables they read mark the leagues a
-- statement touched in `_derived_dirty`; a deferred constraint trigger
-- recomputes those leagues when the transaction commits, so the tables are
-- complete whenever the writes are: after a live batch, replay, rebuild's
-- catch-up. Rebuild's bulk build defers it (`sleeper_sync.derived = deferred`)
-- and recomputes everything once (`_derived_refresh_all`).
--
-- Also: `matchup_results` keeps its rows but computes them so a filter on
-- one league reads only that league; `records` and `manager_careers` keep
-- theirs, computed so a chain filter reaches the tables' indexes; the
-- losers bracket now places rosters in `season_finishes` where the league
-- says which way it runs (settings.loser_bracket_type).

-- Writers wait for this migration: a row committed between the tables'
-- first fill below and the triggers at the end would be in neither.
LOCK TABLE leagues, rosters, matchups, playoff_brackets, nfl_games, nfl_state
    IN SHARE ROW EXCLUSIVE MODE;

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

-- 0004's rows, computed so that a filter on league_id reaches `matchups`
-- (a query for one league reads that league only): the opponent and the
-- week's median come from windows over the league's week instead of a
-- self-join and a grouped CTE, which a filter could not cross.
-- The opponent is the other row of a non-null matchup_id shared by exactly
-- two rows; the median, the mean of the middle one or two scored points of
-- the week (by points, then roster_id), as 0004 defines them.
CREATE OR REPLACE VIEW matchup_results AS
WITH effective AS NOT MATERIALIZED (
    SELECT m.league_id, m.week, m.roster_id, m.matchup_id,
           coalesce(m.custom_points, m.points) AS points,
           count(*) OVER game AS in_game,
           min(m.roster_id) OVER game AS low_roster_id,
           max(m.roster_id) OVER game AS high_roster_id,
           first_value(coalesce(m.custom_points, m.points)) OVER game AS low_points,
           last_value(coalesce(m.custom_points, m.points)) OVER game AS high_points,
           row_number() OVER ranked AS n,
           count(coalesce(m.custom_points, m.points)) OVER week AS scored
    FROM matchups m
    WINDOW game AS (PARTITION BY m.league_id, m.week, m.matchup_id ORDER BY m.roster_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
           ranked AS (PARTITION BY m.league_id, m.week
                      ORDER BY coalesce(m.custom_points, m.points) IS NULL,
                               coalesce(m.custom_points, m.points), m.roster_id),
           week AS (PARTITION BY m.league_id, m.week)
),
weekly AS NOT MATERIALIZED (
    SELECT e.*,
           trim_scale(avg(e.points) FILTER (WHERE e.points IS NOT NULL
                                              AND e.n IN ((e.scored + 1) / 2, (e.scored + 2) / 2))
                      OVER (PARTITION BY e.league_id, e.week)) AS median
    FROM effective e
),
league AS NOT MATERIALIZED (
    SELECT l.league_id, l.season, coalesce(l.sport, 'nfl') AS sport,
           CASE WHEN btrim(l.settings ->> 'playoff_week_start') ~ '^[0-9]{1,9}(\.0*)?$'
                THEN nullif(btrim(l.settings ->> 'playoff_week_start')::numeric::integer, 0)
           END AS playoff_week_start,
           coalesce(btrim(l.settings ->> 'league_average_match') = '1', false) AS median_game
    FROM leagues l
),
results AS NOT MATERIALIZED (
    SELECT w.league_id, w.week, w.roster_id, w.matchup_id, w.points,
           CASE WHEN w.matchup_id IS NOT NULL AND w.in_game = 2
                THEN CASE WHEN w.roster_id = w.low_roster_id THEN w.high_roster_id
                          ELSE w.low_roster_id END
           END AS opponent_roster_id,
           CASE WHEN w.matchup_id IS NOT NULL AND w.in_game = 2
                THEN CASE WHEN w.roster_id = w.low_roster_id THEN w.high_points
                          ELSE w.low_points END
           END AS opponent_points,
           false AS is_median
    FROM weekly w
    UNION ALL
    SELECT w.league_id, w.week, w.roster_id, NULL::integer, w.points,
           NULL::integer, w.median, true
    FROM weekly w
    JOIN league l ON l.league_id = w.league_id AND l.median_game
    WHERE w.median IS NOT NULL
      AND (l.playoff_week_start IS NULL OR w.week < l.playoff_week_start)
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

-- 0005's records, the same rows, computed for one chain in milliseconds:
-- CTEs inlined so a chain_id filter reaches chain_games' index; each record
-- is the games equal to the chain's extreme (a window over the chain, no
-- sort of every candidate); streaks from one ordered pass.
CREATE OR REPLACE VIEW records AS
WITH games AS NOT MATERIALIZED (
    SELECT g.*
    FROM chain_games g
    WHERE NOT g.is_median AND NOT g.is_provisional AND g.points IS NOT NULL
      AND (g.eliminated_week IS NULL OR g.week <= g.eliminated_week)
),
extremes AS NOT MATERIALIZED (
    SELECT g.*,
           max(g.points) OVER w AS highest,
           min(g.points) OVER w AS lowest,
           max(g.margin) FILTER (WHERE g.result = 'W') OVER w AS blowout,
           min(g.margin) FILTER (WHERE g.result = 'W') OVER w AS closest
    FROM games g
    WINDOW w AS (PARTITION BY g.chain_id)
),
seasons AS NOT MATERIALIZED (
    SELECT g.chain_id, g.league_id, g.season, g.manager_id,
           bool_or(g.eliminated_week IS NOT NULL) AS eliminated, sum(g.points) AS points
    FROM games g
    JOIN leagues l ON l.league_id = g.league_id AND l.status = 'complete'
    WHERE g.is_playoff IS NOT TRUE
    GROUP BY g.chain_id, g.league_id, g.season, g.roster_id, g.manager_id
),
season_extremes AS NOT MATERIALIZED (
    SELECT s.*,
           max(s.points) OVER w AS most,
           min(s.points) FILTER (WHERE NOT s.eliminated) OVER w AS fewest
    FROM seasons s
    WINDOW w AS (PARTITION BY s.chain_id)
),
-- Runs of one result in a manager's games in order: each game knows the
-- result before and after it (one sort), the run's first game is the
-- latest where the result changed; a run ends where the next result
-- differs, and is as long as the games from its first to there.
ordered AS NOT MATERIALIZED (
    SELECT g.chain_id, g.manager_id, g.result, g.league_id, g.season, g.week,
           row_number() OVER w AS n,
           lag(g.result) OVER w AS before,
           lead(g.result) OVER w AS after
    FROM games g
    WHERE g.opponent_roster_id IS NOT NULL AND g.result IS NOT NULL
    WINDOW w AS (PARTITION BY g.chain_id, g.manager_id ORDER BY g.season, g.league_id, g.week, g.roster_id)
),
runs AS NOT MATERIALIZED (
    SELECT o.*,
           max(CASE WHEN o.before IS DISTINCT FROM o.result THEN o.n END)
               OVER (PARTITION BY o.chain_id, o.manager_id ORDER BY o.n) AS first_n
    FROM ordered o
),
streaks AS NOT MATERIALIZED (
    SELECT r.chain_id, r.manager_id, r.result, r.n - r.first_n + 1 AS length,
           r.league_id, r.season, r.week,
           max(r.n - r.first_n + 1) OVER (PARTITION BY r.chain_id, r.result) AS longest
    FROM runs r
    WHERE r.result IN ('W', 'L') AND r.after IS DISTINCT FROM r.result
)
SELECT e.chain_id, v.record, v.value, e.league_id, e.season, e.week, e.manager_id, e.opponent_id
FROM extremes e
CROSS JOIN LATERAL (VALUES
    ('highest_score', e.points, e.points = e.highest),
    ('lowest_score', e.points, e.points = e.lowest),
    ('biggest_blowout', e.margin, e.result = 'W' AND e.margin = e.blowout),
    ('closest_game', e.margin, e.result = 'W' AND e.margin = e.closest)
) v (record, value, holds)
WHERE v.holds
UNION ALL
SELECT s.chain_id, v.record, s.points, s.league_id, s.season, NULL::integer, s.manager_id,
       NULL::text
FROM season_extremes s
CROSS JOIN LATERAL (VALUES
    ('most_points_season', s.points = s.most),
    ('fewest_points_season', NOT s.eliminated AND s.points = s.fewest)
) v (record, holds)
WHERE v.holds
UNION ALL
SELECT chain_id, CASE result WHEN 'W' THEN 'longest_win_streak' ELSE 'longest_losing_streak' END,
       length::numeric, league_id, season, week, manager_id, NULL::text
FROM streaks
WHERE length = longest;

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

-- League `id`'s rows of _league_games and _league_rosters recomputed and
-- its marks cleared; names resolve through the caller's search_path. One
-- league per call: with `league_id = id` the planner carries the filter
-- into every join of the sources (an array would leave whole-table hash
-- joins).
CREATE FUNCTION _derived_write(id text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM _derived_dirty WHERE league_id = id;
    DELETE FROM _league_games WHERE league_id = id;
    INSERT INTO _league_games SELECT * FROM _league_games_source WHERE league_id = id;
    DELETE FROM _league_rosters WHERE league_id = id;
    INSERT INTO _league_rosters SELECT * FROM _league_rosters_source WHERE league_id = id;
END
$$;

-- Recompute the marked leagues (and _league_chains first when a league
-- changed, adding every league whose chain moved) in the caller's
-- transaction, search_path set to `schema`; call it last before commit.
--
-- One refresh at a time per schema: advisory lock (7201, hashtext(schema)),
-- held to commit, taken before the marks are read. A later refresh waits,
-- then reads (READ COMMITTED: a statement's snapshot is taken after the
-- wait) what the earlier one committed, so two never interleave and never
-- deadlock (it is the only lock a refresh takes; the base rows it reads
-- need none). Rebuild's shadow schema has a lock of its own. Writers must
-- run READ COMMITTED (the default): a repeatable-read snapshot taken before
-- the wait would miss the other refresh's commit.
--
-- A league whose recomputation fails (a bug, or data no one foresaw) keeps
-- its mark and a WARNING in the server log; the others are written and the
-- transaction commits: a derived table must never stop the projection.
-- Later commits try it again, once each (sleeper_sync.refreshed).
CREATE FUNCTION _derived_refresh(schema text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    saved      text := current_setting('search_path');
    ids        text[];
    any_chains boolean;
    moved      text[];
    id         text;
BEGIN
    PERFORM set_config('search_path', quote_ident(schema), true);
    IF EXISTS (SELECT 1 FROM _derived_dirty) THEN
        PERFORM pg_advisory_xact_lock(7201, hashtext(schema));
        SELECT array_agg(DISTINCT d.league_id), bool_or(d.chains) INTO ids, any_chains
        FROM _derived_dirty d;
    END IF;
    IF ids IS NOT NULL THEN
        IF any_chains THEN
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
        FOR id IN SELECT DISTINCT u FROM unnest(ids) u ORDER BY 1 LOOP
            BEGIN
                -- Whatever collation the caller's argument carried, the
                -- writes compare with the tables' own (their indexes').
                PERFORM _derived_write(id COLLATE "default");
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'derived tables: league % not recomputed: % (%)',
                    id, SQLERRM, SQLSTATE;
            END;
        END LOOP;
    END IF;
    PERFORM set_config('sleeper_sync.refreshed', 'yes', true);
    PERFORM set_config('search_path', saved, true);
END
$$;

-- Every league at once (rebuild, after a build that deferred; an operator
-- after a fix), under the same lock as _derived_refresh: the caller's
-- search_path names the schema. Marks committed after its DELETE survive
-- it, for the next refresh.
CREATE FUNCTION _derived_refresh_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7201, hashtext(current_schema()::text));
    DELETE FROM _derived_dirty;
    DELETE FROM _league_chains;
    INSERT INTO _league_chains SELECT * FROM _league_chains_source;
    DELETE FROM _league_games;
    INSERT INTO _league_games SELECT * FROM _league_games_source;
    DELETE FROM _league_rosters;
    INSERT INTO _league_rosters SELECT * FROM _league_rosters_source;
END
$$;

-- Deferred to commit, once per mark row: the first firing does the work
-- (unless the writer already did: store/derived.rs), the others return at
-- once (sleeper_sync.refreshed). `sleeper_sync.derived = deferred` (bulk
-- writers) leaves the marks for a later refresh.
CREATE FUNCTION _derived_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('sleeper_sync.derived', true), '') <> 'deferred'
       AND coalesce(current_setting('sleeper_sync.refreshed', true), '') <> 'yes' THEN
        -- The schema as a literal: TG_TABLE_SCHEMA is a `name`, collation
        -- "C", which PL/pgSQL would give every text variable of the callee,
        -- and no index on a default-collation column serves an explicit "C".
        EXECUTE format('SELECT %I._derived_refresh(%L)', TG_TABLE_SCHEMA, TG_TABLE_SCHEMA);
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
