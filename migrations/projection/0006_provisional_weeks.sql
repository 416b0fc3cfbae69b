-- matchup_results, with is_provisional from what is known of the NFL week
-- (docs/design.md rule 10: from the tables, never from now()):
--
-- - a game of that NFL regular-season week in nfl_games (the schedule,
--   projected since 0003) is not complete; or
-- - nfl_state says the league's season is in its regular season at this
--   week or an earlier one (a week not yet reached cannot be final: its
--   0–0 rows would read as ties).
--
-- With neither known, a week is final.
--
-- And the playoff bracket of a game, appended as columns (CREATE OR
-- REPLACE keeps 0004's columns and the views over them): in a playoff week,
-- the bracket match (playoff_brackets) of the same two rosters — bracket
-- 'winners' or 'losers', its round, and the place it decides (`p`: the
-- winner takes p, the loser p + 1); the match whose round is nearest the
-- week's (week − playoff_week_start + 1) when the pair met twice, then
-- winners first. NULL when no match pairs them. Everything else is 0004's
-- view, unchanged.
CREATE OR REPLACE VIEW matchup_results AS
WITH effective AS (
    SELECT m.league_id, m.week, m.roster_id, m.matchup_id,
           coalesce(m.custom_points, m.points) AS points,
           count(*) OVER (PARTITION BY m.league_id, m.week, m.matchup_id) AS in_game
    FROM matchups m
),
league AS (
    SELECT l.league_id, l.season, coalesce(l.sport, 'nfl') AS sport,
           CASE WHEN btrim(l.settings ->> 'playoff_week_start') ~ '^[0-9]{1,9}(\.0*)?$'
                THEN nullif(btrim(l.settings ->> 'playoff_week_start')::numeric::integer, 0)
           END AS playoff_week_start,
           coalesce(btrim(l.settings ->> 'league_average_match') = '1', false) AS median_game
    FROM leagues l
),
games AS (
    SELECT e.league_id, e.week, e.roster_id, e.matchup_id, e.points,
           o.roster_id AS opponent_roster_id, o.points AS opponent_points,
           false AS is_median
    FROM effective e
    LEFT JOIN effective o
           ON o.league_id = e.league_id AND o.week = e.week
          AND o.matchup_id = e.matchup_id AND o.roster_id <> e.roster_id
          AND e.in_game = 2
),
median AS (
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
median_games AS (
    SELECT e.league_id, e.week, e.roster_id, NULL::integer AS matchup_id, e.points,
           NULL::integer AS opponent_roster_id, md.points AS opponent_points,
           true AS is_median
    FROM effective e
    JOIN league l ON l.league_id = e.league_id AND l.median_game
    JOIN median md ON md.league_id = e.league_id AND md.week = e.week
    WHERE l.playoff_week_start IS NULL OR e.week < l.playoff_week_start
),
results AS (
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
