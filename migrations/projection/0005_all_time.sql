-- All-time read models over `matchup_results` (issue 17, docs/design.md
-- rule 10): a league's seasons as one chain, its managers across seasons,
-- head-to-head, the record book, all-play and luck, final places, careers;
-- and `standings` learns guillotine eliminations. Like 0001–0004 this runs
-- with search_path set to the target schema: never qualify names.
--
-- Views only, functions of the base tables: no now(), every choice of one
-- row among several broken by a total order, so they read the same after
-- live projection, replay and rebuild. Integers read out of jsonb go through
-- 0004's guard (a plain non-negative integer, else NULL, never an error).
--
-- A manager is a roster's owner_id (a Sleeper user_id), or
-- `orphan:<roster_id>@<league_id>` for a roster without owner (as in
-- `matchup_results`): orphans are never merged, across rosters or seasons.
-- Only leagues with a `leagues` row belong to a chain; results of a league
-- never sent are in `matchup_results` but in none of these views.

-- Every league with the chain it belongs to: seasons linked by
-- previous_league_id ("0", "" and NULL = none) share chain_id, the oldest
-- league of the chain present in `leagues` — so it moves back when an older
-- season arrives. depth = seasons between the league and that oldest one.
-- Cycles and chains deeper than 50 (never seen from Sleeper) have no oldest
-- league: their chain_id is the least league_id reached instead.
CREATE VIEW league_chains AS
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
SELECT CASE WHEN e.unrooted THEN e.least_ancestor ELSE e.oldest END AS chain_id,
       l.league_id, l.season, l.name, l.status, l.previous_league_id,
       CASE WHEN e.unrooted THEN NULL ELSE e.depth END AS depth
FROM leagues l
JOIN ends e USING (league_id);

-- Every roster of a chained league with its manager: the rosters, plus any
-- roster that only appears in `matchup_results` (no rosters row: an orphan).
-- user_id is NULL for orphans.
CREATE VIEW chain_rosters AS
WITH teams AS (
    SELECT league_id, roster_id FROM rosters
    UNION
    SELECT league_id, roster_id FROM matchups
)
SELECT c.chain_id, t.league_id, c.season, t.roster_id,
       coalesce(r.owner_id, format('orphan:%s@%s', t.roster_id, t.league_id)) AS manager_id,
       r.owner_id AS user_id,
       r.eliminated_week
FROM teams t
JOIN league_chains c ON c.league_id = t.league_id
LEFT JOIN rosters r ON r.league_id = t.league_id AND r.roster_id = t.roster_id;

-- One row per manager of a chain. Names are the latest: from the newest
-- season (by season, then league_id) of the chain where the manager is in
-- league_users (team_name is that row's metadata.team_name). An orphan's
-- display_name is 'Orphan (roster N)', its team_name NULL.
CREATE VIEW chain_managers AS
WITH managers AS (
    SELECT chain_id, manager_id, max(user_id) AS user_id, min(roster_id) AS roster_id,
           count(DISTINCT league_id) AS seasons
    FROM chain_rosters
    GROUP BY chain_id, manager_id
)
SELECT m.chain_id, m.manager_id,
       CASE WHEN m.user_id IS NULL THEN format('Orphan (roster %s)', m.roster_id)
            ELSE n.display_name
       END AS display_name,
       n.team_name,
       m.user_id IS NULL AS is_orphan,
       n.avatar
FROM managers m
LEFT JOIN LATERAL (
    SELECT u.display_name, u.team_name, u.avatar
    FROM league_users u
    JOIN league_chains c ON c.league_id = u.league_id
    WHERE c.chain_id = m.chain_id AND u.user_id = m.user_id
    ORDER BY c.season DESC NULLS LAST, c.league_id DESC
    LIMIT 1
) n ON true;

-- `matchup_results` of chained leagues as games: a playoff round played
-- over two weeks is one game, both weeks' points summed. Two-week rounds
-- come from the league's settings.playoff_round_type (legacy playoff_type
-- read the same): 0 one week each; 1 the final spans two weeks (weeks
-- s + R − 1 and s + R, s = playoff_week_start, R = the winners bracket's
-- rounds, else ceil(log2(settings.playoff_teams))); 2 every round spans two
-- (weeks s + 2k and s + 2k + 1). Rows of the same roster, round and
-- opponent are summed (a different opponent stays a separate game); week
-- is the round's first week, weeks how many were summed; points NULL when
-- a week's points are. is_provisional: some week of it is.
-- opponent_id: the opponent roster's manager. eliminated_week: the roster's.
CREATE VIEW chain_games AS
WITH league AS (
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
weeks AS (
    SELECT m.*, c.chain_id, c.season,
           CASE WHEN m.is_playoff AND l.round_type = 2
                THEN l.playoff_week_start + 2 * ((m.week - l.playoff_week_start) / 2)
                WHEN m.is_playoff AND l.round_type = 1
                     AND m.week = l.playoff_week_start + l.playoff_rounds
                THEN m.week - 1
                ELSE m.week
           END AS game_week
    FROM matchup_results m
    JOIN league_chains c ON c.league_id = m.league_id
    JOIN league l ON l.league_id = m.league_id
),
games AS (
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

-- One row per ordered pair of managers of a chain that met at least once in
-- the phase: 'regular' (is_playoff false, or NULL: a league without
-- playoff_week_start), 'playoff' (is_playoff true, consolation games
-- included) and 'all'. Games with an opponent only: no median games, no
-- provisional ones; a two-week round is one game (chain_games).
CREATE VIEW head_to_head AS
WITH games AS (
    SELECT g.*, CASE WHEN g.is_playoff THEN 'playoff' ELSE 'regular' END AS game_phase
    FROM chain_games g
    WHERE g.opponent_roster_id IS NOT NULL AND NOT g.is_median AND NOT g.is_provisional
)
SELECT g.chain_id, p.phase, g.manager_id, g.opponent_id,
       count(*) AS games,
       count(*) FILTER (WHERE g.result = 'W') AS wins,
       count(*) FILTER (WHERE g.result = 'L') AS losses,
       count(*) FILTER (WHERE g.result = 'T') AS ties,
       coalesce(sum(g.points), 0) AS points_for,
       coalesce(sum(g.opponent_points), 0) AS points_against
FROM games g
CROSS JOIN LATERAL (VALUES (g.game_phase), ('all')) p (phase)
GROUP BY g.chain_id, p.phase, g.manager_id, g.opponent_id;

-- The record book of a chain, one row per holder (several when they tie).
-- Never median games, provisional weeks, or a guillotine roster's weeks
-- after its elimination (rosters.eliminated_week). A two-week round is one
-- game (chain_games), points summed, in every game record.
--   highest_score / lowest_score: a game's points (regular season and
--     playoffs; a game without opponent too); opponent_id when it had one.
--   biggest_blowout / closest_game: the winner's margin (ties excluded);
--     manager_id the winner, opponent_id the loser.
--   most_points_season / fewest_points_season: a roster's regular-season
--     points in a league whose status is 'complete' (a season still being
--     played is no record); fewest never counts an eliminated guillotine
--     roster (a partial season). week NULL.
--   longest_win_streak / longest_losing_streak: consecutive games with an
--     opponent (regular and playoff, across seasons, by season, league_id,
--     week, roster_id) a manager won / lost; a tie ends both. The row names
--     where the streak ended.
CREATE VIEW records AS
WITH games AS (
    SELECT g.*
    FROM chain_games g
    WHERE NOT g.is_median AND NOT g.is_provisional AND g.points IS NOT NULL
      AND (g.eliminated_week IS NULL OR g.week <= g.eliminated_week)
),
seasons AS (
    SELECT g.chain_id, g.league_id, g.season, g.manager_id,
           bool_or(g.eliminated_week IS NOT NULL) AS eliminated, sum(g.points) AS points
    FROM games g
    JOIN leagues l ON l.league_id = g.league_id AND l.status = 'complete'
    WHERE g.is_playoff IS NOT TRUE
    GROUP BY g.chain_id, g.league_id, g.season, g.roster_id, g.manager_id
),
ordered AS (
    SELECT g.*,
           row_number() OVER (PARTITION BY chain_id, manager_id
                              ORDER BY season, league_id, week, roster_id) AS n,
           row_number() OVER (PARTITION BY chain_id, manager_id, result
                              ORDER BY season, league_id, week, roster_id) AS nr
    FROM games g
    WHERE g.opponent_roster_id IS NOT NULL AND g.result IS NOT NULL
),
streaks AS (
    SELECT chain_id, manager_id, result, count(*) AS length,
           (array_agg(league_id ORDER BY n DESC))[1] AS league_id,
           (array_agg(season ORDER BY n DESC))[1] AS season,
           (array_agg(week ORDER BY n DESC))[1] AS week
    FROM ordered
    WHERE result IN ('W', 'L')
    GROUP BY chain_id, manager_id, result, n - nr
),
candidates (chain_id, record, value, score, league_id, season, week, manager_id, opponent_id) AS (
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

-- All-play per league season: each regular-season week (is_playoff false or
-- NULL), every roster with points against every other roster with points
-- that week; no provisional week, no median row, no guillotine roster after
-- its elimination. actual_wins / actual_ties / h2h_games: its head-to-head
-- games of those weeks (median games not counted). luck = actual_wins −
-- win_share × h2h_games, win_share = (wins + 0.5·ties) / (wins + losses +
-- ties); both rounded to 4 decimals; NULL without any all-play game.
CREATE VIEW all_play AS
WITH weeks AS (
    SELECT m.league_id, m.week, m.roster_id, m.manager_id, m.points, m.result,
           m.opponent_roster_id
    FROM matchup_results m
    LEFT JOIN rosters r ON r.league_id = m.league_id AND r.roster_id = m.roster_id
    WHERE NOT m.is_median AND NOT m.is_provisional AND m.is_playoff IS NOT TRUE
      AND m.points IS NOT NULL
      AND (r.eliminated_week IS NULL OR m.week <= r.eliminated_week)
),
totals AS (
    SELECT a.league_id, a.roster_id, a.manager_id,
           count(b.roster_id) FILTER (WHERE a.points > b.points) AS wins,
           count(b.roster_id) FILTER (WHERE a.points < b.points) AS losses,
           count(b.roster_id) FILTER (WHERE a.points = b.points) AS ties
    FROM weeks a
    LEFT JOIN weeks b ON b.league_id = a.league_id AND b.week = a.week
                     AND b.roster_id <> a.roster_id
    GROUP BY a.league_id, a.roster_id, a.manager_id
),
actual AS (
    SELECT league_id, roster_id,
           count(*) FILTER (WHERE result = 'W') AS actual_wins,
           count(*) FILTER (WHERE result = 'T') AS actual_ties,
           count(*) FILTER (WHERE result IS NOT NULL) AS h2h_games
    FROM weeks
    WHERE opponent_roster_id IS NOT NULL
    GROUP BY league_id, roster_id
),
shares AS (
    SELECT t.*, coalesce(a.actual_wins, 0) AS actual_wins,
           coalesce(a.actual_ties, 0) AS actual_ties,
           coalesce(a.h2h_games, 0) AS h2h_games,
           (t.wins + 0.5 * t.ties) / nullif(t.wins + t.losses + t.ties, 0) AS win_share
    FROM totals t
    LEFT JOIN actual a ON a.league_id = t.league_id AND a.roster_id = t.roster_id
)
SELECT s.league_id, l.season, s.roster_id, s.manager_id, s.wins, s.losses, s.ties,
       s.actual_wins, round(s.actual_wins - s.win_share * s.h2h_games, 4) AS luck,
       s.actual_ties, s.h2h_games, round(s.win_share, 4) AS win_share
FROM shares s
LEFT JOIN leagues l ON l.league_id = s.league_id;

-- Final places from the winners bracket: a game with p decides place p for
-- its winner and p + 1 for its loser (p = 1: the final, its winner the
-- champion; p = 3: the third-place game; …). The losers bracket is not read
-- (its p numbers consolation places whose meaning depends on the league).
-- Every roster of the league (rosters, matchups) and of the bracket; NULL
-- place when no decided game placed it.
CREATE VIEW season_finishes AS
WITH placed AS (
    SELECT league_id, w AS roster_id, p AS place
    FROM playoff_brackets
    WHERE bracket = 'winners' AND p IS NOT NULL AND w IS NOT NULL
    UNION ALL
    SELECT league_id, l, p + 1
    FROM playoff_brackets
    WHERE bracket = 'winners' AND p IS NOT NULL AND l IS NOT NULL AND w IS NOT NULL
),
best AS (
    SELECT league_id, roster_id, min(place) AS place FROM placed GROUP BY league_id, roster_id
),
teams AS (
    SELECT league_id, roster_id FROM rosters
    UNION
    SELECT league_id, roster_id FROM matchups
    UNION
    SELECT league_id, roster_id FROM best
)
SELECT t.league_id, l.season, t.roster_id,
       coalesce(r.owner_id, format('orphan:%s@%s', t.roster_id, t.league_id)) AS manager_id,
       b.place, coalesce(b.place = 1, false) AS is_champion,
       c.chain_id
FROM teams t
LEFT JOIN best b ON b.league_id = t.league_id AND b.roster_id = t.roster_id
LEFT JOIN leagues l ON l.league_id = t.league_id
LEFT JOIN league_chains c ON c.league_id = t.league_id
LEFT JOIN rosters r ON r.league_id = t.league_id AND r.roster_id = t.roster_id;

-- A manager's career in a chain: seasons played (leagues with a roster of
-- theirs), titles and best finish (season_finishes), playoff appearances
-- (seasons with a game in the winners bracket), and the regular-season
-- record and points (is_playoff false or NULL, no provisional week). The
-- record counts median games like Sleeper's own W-L does; points count
-- each week once (never the median row).
CREATE VIEW manager_careers AS
WITH record AS (
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
finishes AS (
    SELECT chain_id, manager_id, count(*) FILTER (WHERE is_champion) AS titles,
           min(place) AS best_finish
    FROM season_finishes
    WHERE chain_id IS NOT NULL
    GROUP BY chain_id, manager_id
),
playoffs AS (
    SELECT r.chain_id, r.manager_id, count(DISTINCT r.league_id) AS playoff_appearances
    FROM chain_rosters r
    WHERE EXISTS (SELECT 1 FROM playoff_brackets b
                  WHERE b.league_id = r.league_id AND b.bracket = 'winners'
                    AND r.roster_id IN (b.t1, b.t2))
    GROUP BY r.chain_id, r.manager_id
),
seasons AS (
    SELECT chain_id, manager_id, count(DISTINCT league_id) AS seasons
    FROM chain_rosters
    GROUP BY chain_id, manager_id
)
SELECT s.chain_id, s.manager_id, s.seasons,
       coalesce(f.titles, 0) AS titles,
       coalesce(p.playoff_appearances, 0) AS playoff_appearances,
       coalesce(r.wins, 0) AS wins, coalesce(r.losses, 0) AS losses,
       coalesce(r.ties, 0) AS ties,
       coalesce(r.points_for, 0) AS points_for,
       coalesce(r.points_against, 0) AS points_against,
       f.best_finish
FROM seasons s
LEFT JOIN record r ON r.chain_id = s.chain_id AND r.manager_id = s.manager_id
LEFT JOIN finishes f ON f.chain_id = s.chain_id AND f.manager_id = s.manager_id
LEFT JOIN playoffs p ON p.chain_id = s.chain_id AND p.manager_id = s.manager_id;

-- Standings as in 0002, plus guillotine eliminations: eliminated_week
-- (rosters.eliminated_week, NULL = alive) is appended, and eliminated
-- rosters rank after every alive one, a later elimination ahead of an
-- earlier one; within each group still wins, then points for.
CREATE OR REPLACE VIEW standings AS
SELECT r.league_id, r.roster_id, r.owner_id,
       u.display_name, u.team_name,
       r.wins, r.losses, r.ties, r.fpts, r.fpts_against,
       rank() OVER (PARTITION BY r.league_id
                    ORDER BY r.eliminated_week IS NOT NULL,
                             r.eliminated_week DESC,
                             r.wins DESC NULLS LAST, r.fpts DESC NULLS LAST) AS rank,
       r.eliminated_week
FROM rosters r
LEFT JOIN league_users u ON u.league_id = r.league_id AND u.user_id = r.owner_id;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
