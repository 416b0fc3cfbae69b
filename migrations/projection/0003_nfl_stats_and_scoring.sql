-- NFL stats, projections and schedule (served outside /v1), each league's
-- scoring, and the read models derived from them: points per player under a
-- league's own scoring, exact optimal lineups, projected vs actual.
--
-- The views are functions of the base tables only (docs/design.md rule 10):
-- no now(), every ordering with a total tie-break, so they read the same
-- after live projection, replay and rebuild.

-- GET /schedule/nfl/<season_type>/<season>. Owner: schedule/nfl/<season_type>/<season>.
-- date is YYYY-MM-DD (checked by the projection); status pre_game |
-- in_progress | complete.
CREATE TABLE nfl_games (
    season      text    NOT NULL,
    season_type text    NOT NULL,
    week        integer NOT NULL,
    game_id     text    NOT NULL,
    date        text,
    home        text,
    away        text,
    status      text,
    _version    text    NOT NULL,
    PRIMARY KEY (season, season_type, game_id)
);
CREATE INDEX nfl_games_week_idx ON nfl_games (season, season_type, week);

-- GET /stats/nfl/<season>/<week>?season_type=. Owner: stats/nfl/<type>/<season>/<week>
-- (both tables). A line per player (or team defence, keyed by team code)
-- with stats that week; its stats in long form. Sleeper omits zero stats:
-- an absent stat has no row, a line may have none.
CREATE TABLE player_stat_lines (
    season      text    NOT NULL,
    season_type text    NOT NULL,
    week        integer NOT NULL,
    player_id   text    NOT NULL,
    team        text,
    opponent    text,
    game_id     text,
    date        text,
    company     text,
    updated_at  timestamptz,
    _version    text    NOT NULL,
    PRIMARY KEY (season, season_type, week, player_id)
);

CREATE TABLE player_week_stats (
    season      text    NOT NULL,
    season_type text    NOT NULL,
    week        integer NOT NULL,
    player_id   text    NOT NULL,
    stat        text    NOT NULL,
    value       numeric,
    _version    text    NOT NULL,
    PRIMARY KEY (season, season_type, week, player_id, stat)
);

-- Samples (docs/design.md rule 4): every fetched stat line, keyed by the
-- event's version; stats as sent.
CREATE TABLE player_stat_samples (
    season      text        NOT NULL,
    season_type text        NOT NULL,
    week        integer     NOT NULL,
    player_id   text        NOT NULL,
    version_ms  bigint      NOT NULL,
    version_seq bigint      NOT NULL,
    fetched_at  timestamptz NOT NULL,
    stats       jsonb,
    PRIMARY KEY (season, season_type, week, player_id, version_ms, version_seq)
);

-- Samples: every fetched projection row (GET /projections/nfl/...), so the
-- value as of kickoff stays readable after Sleeper re-stamps the week.
CREATE TABLE player_projection_samples (
    season      text        NOT NULL,
    season_type text        NOT NULL,
    week        integer     NOT NULL,
    player_id   text        NOT NULL,
    version_ms  bigint      NOT NULL,
    version_seq bigint      NOT NULL,
    fetched_at  timestamptz NOT NULL,
    team        text,
    opponent    text,
    game_id     text,
    date        text,
    stats       jsonb,
    PRIMARY KEY (season, season_type, week, player_id, version_ms, version_seq)
);

-- GET /league/<id> scoring_settings, a row per key. Owner: league/<id>.
-- points: the shortest decimal that round-trips as float32 (0.1);
-- points_as_sent: the number as the JSON has it (0.10000000149011612), the
-- weight Sleeper's own players_points use and the scoring views multiply by.
CREATE TABLE league_scoring (
    league_id      text    NOT NULL,
    stat           text    NOT NULL,
    points         numeric,
    points_as_sent numeric,
    _version       text    NOT NULL,
    PRIMARY KEY (league_id, stat)
);

-- Sleeper's rounding of a sum of points: to the hundredth, ties toward +inf.
CREATE FUNCTION round_points(sum numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN round(floor(sum * 100 + 0.5) / 100, 2);

-- Every player's points per league and NFL regular-season week of the
-- league's season: each stat line (a line without scoring stats scores 0),
-- free agents and players missing from /players/nfl included.
CREATE VIEW player_week_points AS
SELECT l.league_id, l.season, s.week, s.player_id,
       round_points(coalesce(sum(w.value * ls.points_as_sent), 0)) AS points
FROM leagues l
JOIN player_stat_lines s ON s.season = l.season AND s.season_type = 'regular'
LEFT JOIN player_week_stats w
       ON w.season = s.season AND w.season_type = s.season_type
      AND w.week = s.week AND w.player_id = s.player_id
LEFT JOIN league_scoring ls ON ls.league_id = l.league_id AND ls.stat = w.stat
GROUP BY l.league_id, l.season, s.week, s.player_id;

-- Each change of a stat value between consecutive samples of a
-- player-week (absent = 0, as Sleeper omits zeros), with the fetch time of
-- the snapshot that changed it. In-game updates included.
CREATE VIEW stat_changes AS
WITH s AS (
    SELECT season, season_type, week, player_id, version_ms, version_seq,
           fetched_at, stats,
           lag(stats) OVER (PARTITION BY season, season_type, week, player_id
                            ORDER BY version_ms, version_seq) AS previous_stats
    FROM player_stat_samples
)
SELECT s.season, s.season_type, s.week, s.player_id, k.stat,
       coalesce((s.previous_stats ->> k.stat)::numeric, 0) AS previous_value,
       coalesce((s.stats ->> k.stat)::numeric, 0) AS value,
       s.fetched_at, s.version_ms, s.version_seq
FROM s
CROSS JOIN LATERAL (
    SELECT jsonb_object_keys(s.stats)
    UNION
    SELECT jsonb_object_keys(s.previous_stats)
) k(stat)
WHERE s.previous_stats IS NOT NULL
  AND jsonb_typeof(s.stats) = 'object'
  AND jsonb_typeof(s.previous_stats) = 'object'
  AND coalesce((s.previous_stats ->> k.stat)::numeric, 0)
      IS DISTINCT FROM coalesce((s.stats ->> k.stat)::numeric, 0);

-- Stat corrections: the changes fetched after the game's day was over
-- (06:00 America/New_York the next day, past any night game).
CREATE VIEW stat_corrections AS
SELECT c.*, l.date AS game_date
FROM stat_changes c
JOIN player_stat_lines l USING (season, season_type, week, player_id)
WHERE l.date IS NOT NULL
  AND c.fetched_at >= ((l.date::date + 1) + time '06:00') AT TIME ZONE 'America/New_York';

-- When a game's projections stop counting: the start of the poll plan's
-- default game window on the game's date (Thursday and Monday 20:00,
-- Sunday 13:00, America/New_York), else 00:00 of that date.
CREATE FUNCTION kickoff_cutoff(game_date date) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (game_date + CASE extract(isodow FROM game_date)
                        WHEN 4 THEN time '20:00'
                        WHEN 7 THEN time '13:00'
                        WHEN 1 THEN time '20:00'
                        ELSE time '00:00'
                    END) AT TIME ZONE 'America/New_York';

-- The newest projection sample of each player-week fetched before kickoff
-- (the game date from the row, else the team's game in nfl_games). ADP
-- 999 (unranked) reads as NULL.
CREATE VIEW player_week_projection_at_kickoff AS
SELECT DISTINCT ON (s.season, s.season_type, s.week, s.player_id)
       s.season, s.season_type, s.week, s.player_id, s.team, s.opponent,
       s.game_id, g.game_date AS date, kickoff_cutoff(g.game_date) AS kickoff,
       s.version_ms, s.version_seq, s.fetched_at, s.stats,
       nullif((s.stats ->> 'adp_std')::numeric, 999) AS adp_std,
       nullif((s.stats ->> 'adp_half_ppr')::numeric, 999) AS adp_half_ppr,
       nullif((s.stats ->> 'adp_ppr')::numeric, 999) AS adp_ppr
FROM player_projection_samples s
CROSS JOIN LATERAL (
    SELECT coalesce(s.date::date,
                    (SELECT min(n.date::date) FROM nfl_games n
                     WHERE n.season = s.season AND n.season_type = s.season_type
                       AND n.week = s.week AND s.team IN (n.home, n.away))) AS game_date
) g
WHERE g.game_date IS NOT NULL
  AND s.fetched_at < kickoff_cutoff(g.game_date)
ORDER BY s.season, s.season_type, s.week, s.player_id, s.version_ms DESC, s.version_seq DESC;

-- The newest projection sample of each player-week, whenever fetched.
CREATE VIEW player_week_projection_latest AS
SELECT DISTINCT ON (season, season_type, week, player_id)
       season, season_type, week, player_id, team, opponent, game_id, date,
       version_ms, version_seq, fetched_at, stats
FROM player_projection_samples
ORDER BY season, season_type, week, player_id, version_ms DESC, version_seq DESC;

-- Every projected player's points per league and regular-season week, as
-- of kickoff, under the league's scoring.
CREATE VIEW player_week_projected_points AS
SELECT l.league_id, l.season, k.week, k.player_id,
       round_points(coalesce(sum(e.value::numeric * ls.points_as_sent), 0)) AS points
FROM leagues l
JOIN player_week_projection_at_kickoff k ON k.season = l.season AND k.season_type = 'regular'
LEFT JOIN LATERAL jsonb_each_text(
    CASE WHEN jsonb_typeof(k.stats) = 'object' THEN k.stats ELSE '{}'::jsonb END
) e(stat, value) ON true
LEFT JOIN league_scoring ls ON ls.league_id = l.league_id AND ls.stat = e.stat
GROUP BY l.league_id, l.season, k.week, k.player_id;

-- The positions a lineup slot accepts (a player fits when one of his
-- fantasy_positions is among them). BN, IR and TAXI score nothing.
CREATE FUNCTION slot_positions(slot text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE slot
    WHEN 'FLEX' THEN ARRAY['RB', 'WR', 'TE']
    WHEN 'SUPER_FLEX' THEN ARRAY['QB', 'RB', 'WR', 'TE']
    WHEN 'REC_FLEX' THEN ARRAY['WR', 'TE']
    WHEN 'WRRB_FLEX' THEN ARRAY['WR', 'RB']
    WHEN 'DL' THEN ARRAY['DL', 'DE', 'DT']
    WHEN 'LB' THEN ARRAY['LB', 'ILB', 'OLB']
    WHEN 'DB' THEN ARRAY['DB', 'CB', 'S', 'SS', 'FS']
    WHEN 'IDP_FLEX' THEN ARRAY['DL', 'DE', 'DT', 'LB', 'ILB', 'OLB', 'DB', 'CB', 'S', 'SS', 'FS']
    WHEN 'BN' THEN ARRAY[]::text[]
    WHEN 'IR' THEN ARRAY[]::text[]
    WHEN 'TAXI' THEN ARRAY[]::text[]
    ELSE ARRAY[slot]
END;

-- The best lineup: the assignment of players to slots (each slot at most
-- one player who fits it, each player at most one slot) with the greatest
-- total; one row per slot, an empty one with NULL player and points. Slot i accepts the positions listed in slot_accepts[i] (a JSON
-- array of arrays, from slot_positions); a player fits when one of his
-- positions (a JSON array of fantasy_positions per player) is among them.
-- Players come in the order that breaks ties (points descending, then id).
--
-- Exact: the sets of players that can all be seated form a (transversal)
-- matroid, so taking players best first and keeping each one for whom an
-- augmenting path frees a fitting slot — moving seated players along it —
-- yields a maximum total. A negative score is never seated (an empty slot
-- scores 0). Only built-in functions inside: a plpgsql body resolves names
-- at run time, in the caller's search_path.
CREATE FUNCTION optimal_lineup(in_slot_indexes integer[], in_slots text[],
                               in_slot_accepts jsonb, in_player_ids text[],
                               in_positions jsonb, in_points numeric[])
RETURNS TABLE (slot_index integer, slot text, player_id text, points numeric)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n integer := coalesce(array_length(in_slots, 1), 0);
    m integer := coalesce(array_length(in_player_ids, 1), 0);
    accepts text[];
    fits boolean[];
    slot_player integer[];
    player_slot integer[];
    seated integer := 0;
    queue integer[];
    visited boolean[];
    from_player integer[];
    head integer;
    x integer;
    y integer;
    free_slot integer;
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    fits := array_fill(false, ARRAY[n * m]);
    FOR i IN 1..n LOOP
        accepts := ARRAY(SELECT jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(in_slot_accepts -> (i - 1)) = 'array'
                 THEN in_slot_accepts -> (i - 1) ELSE '[]'::jsonb END));
        FOR j IN 1..m LOOP
            fits[(i - 1) * m + j] := jsonb_typeof(in_positions -> (j - 1)) = 'array'
                AND (in_positions -> (j - 1)) ?| accepts;
        END LOOP;
    END LOOP;
    slot_player := array_fill(0, ARRAY[n]);
    player_slot := array_fill(0, ARRAY[m]);
    FOR j IN 1..m LOOP
        EXIT WHEN seated = n;
        CONTINUE WHEN coalesce(in_points[j], 0) < 0;
        visited := array_fill(false, ARRAY[m]);
        from_player := array_fill(0, ARRAY[m]);
        queue := ARRAY[j];
        visited[j] := true;
        head := 1;
        free_slot := 0;
        WHILE head <= array_length(queue, 1) AND free_slot = 0 LOOP
            x := queue[head];
            head := head + 1;
            FOR i IN 1..n LOOP
                CONTINUE WHEN NOT fits[(i - 1) * m + x];
                y := slot_player[i];
                IF y = 0 THEN
                    free_slot := i;
                    EXIT;
                ELSIF NOT visited[y] THEN
                    visited[y] := true;
                    from_player[y] := x;
                    queue := queue || y;
                END IF;
            END LOOP;
        END LOOP;
        CONTINUE WHEN free_slot = 0;
        -- x takes the free slot; the slot x leaves goes to the player who
        -- reached x, and so on back to j (who held no slot).
        LOOP
            y := player_slot[x];
            slot_player[free_slot] := x;
            player_slot[x] := free_slot;
            EXIT WHEN x = j;
            free_slot := y;
            x := from_player[x];
        END LOOP;
        seated := seated + 1;
    END LOOP;
    -- Every slot, the empty ones too (no player, no points).
    FOR i IN 1..n LOOP
        slot_index := in_slot_indexes[i];
        slot := in_slots[i];
        player_id := CASE WHEN slot_player[i] > 0 THEN in_player_ids[slot_player[i]] END;
        points := CASE WHEN slot_player[i] > 0 THEN coalesce(in_points[slot_player[i]], 0) END;
        RETURN NEXT;
    END LOOP;
END
$$;

-- A league's scoring slots: roster_positions with their index in that
-- array, BN, IR and TAXI left out.
CREATE VIEW league_lineup_slots AS
SELECT l.league_id, (p.ord - 1)::integer AS slot_index, p.slot
FROM leagues l
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(l.roster_positions) = 'array' THEN l.roster_positions ELSE '[]'::jsonb END
) WITH ORDINALITY AS p(slot, ord)
WHERE p.slot NOT IN ('BN', 'IR', 'TAXI');

-- The best lineup of each roster-week of every matchups snapshot, one row
-- per scoring slot (an empty slot: NULL player and points): the week's
-- matchup players, each with Sleeper's own points (a player without points
-- scores 0), seated under the league's roster_positions by their
-- fantasy_positions (from players; a player missing there fits no slot).
CREATE VIEW lineup_optimal AS
SELECT m.league_id, m.week, m.roster_id, o.slot_index, o.slot, o.player_id, o.points
FROM matchups m
JOIN (
    SELECT league_id, array_agg(slot_index ORDER BY slot_index) AS slot_indexes,
           array_agg(slot ORDER BY slot_index) AS slots,
           jsonb_agg(to_jsonb(slot_positions(slot)) ORDER BY slot_index) AS slot_accepts
    FROM league_lineup_slots
    GROUP BY league_id
) s ON s.league_id = m.league_id
CROSS JOIN LATERAL (
    SELECT array_agg(mp.player_id ORDER BY coalesce(mp.points, 0) DESC, mp.player_id) AS player_ids,
           jsonb_agg(coalesce(p.fantasy_positions, '[]'::jsonb)
                     ORDER BY coalesce(mp.points, 0) DESC, mp.player_id) AS positions,
           array_agg(coalesce(mp.points, 0) ORDER BY coalesce(mp.points, 0) DESC, mp.player_id) AS points
    FROM matchup_players mp
    LEFT JOIN players p ON p.player_id = mp.player_id
    WHERE mp.league_id = m.league_id AND mp.week = m.week AND mp.roster_id = m.roster_id
) c
CROSS JOIN LATERAL optimal_lineup(s.slot_indexes, s.slots, s.slot_accepts,
                                  c.player_ids, c.positions, c.points) o;

-- Per roster-week of every matchups snapshot: the starters' points, the best
-- lineup's, the difference (points left on bench) and actual ÷ optimal
-- (NULL when optimal is 0). Without the league's own snapshot the slots are
-- unknown: optimal, points left on bench and efficiency are NULL.
-- is_best_ball: Sleeper plays the optimal lineup itself.
CREATE VIEW lineup_efficiency AS
SELECT m.league_id, m.week, m.roster_id,
       a.actual AS actual_points,
       o.optimal AS optimal_points,
       o.optimal - a.actual AS points_left_on_bench,
       CASE WHEN o.optimal <> 0 THEN a.actual / o.optimal END AS efficiency,
       coalesce(l.settings ->> 'best_ball' = '1', false) AS is_best_ball
FROM matchups m
LEFT JOIN leagues l ON l.league_id = m.league_id
CROSS JOIN LATERAL (
    SELECT coalesce(sum(coalesce(mp.points, 0)), 0) AS actual
    FROM matchup_players mp
    WHERE mp.league_id = m.league_id AND mp.week = m.week
      AND mp.roster_id = m.roster_id AND mp.is_starter
) a
CROSS JOIN LATERAL (
    SELECT CASE WHEN l.league_id IS NOT NULL THEN coalesce(sum(lo.points), 0) END AS optimal
    FROM lineup_optimal lo
    WHERE lo.league_id = m.league_id AND lo.week = m.week AND lo.roster_id = m.roster_id
) o;

-- Per roster-week: the starters' points as projected at kickoff (a starter
-- without a projection counts 0) against what they scored.
CREATE VIEW projected_vs_actual AS
SELECT m.league_id, m.week, m.roster_id,
       coalesce(sum(pp.points) FILTER (WHERE mp.is_starter), 0) AS projected_points,
       coalesce(sum(coalesce(mp.points, 0)) FILTER (WHERE mp.is_starter), 0) AS actual_points
FROM matchups m
LEFT JOIN matchup_players mp
       ON mp.league_id = m.league_id AND mp.week = m.week AND mp.roster_id = m.roster_id
LEFT JOIN player_week_projected_points pp
       ON pp.league_id = mp.league_id AND pp.week = mp.week AND pp.player_id = mp.player_id
GROUP BY m.league_id, m.week, m.roster_id;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
