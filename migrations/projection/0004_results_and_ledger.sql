-- Results and ledgers (docs/design.md rules 3 and 10). Like 0001 and 0002,
-- this runs with search_path set to the target schema (`sleeper`, or the
-- rebuild's shadow): never qualify names.
--
-- Integers read out of Sleeper's jsonb below all go through the same guard:
-- a JSON number or string holding a plain non-negative integer (`5`, `"57"`,
-- `5.0`) is read, anything else (`""`, `"x"`, `-1`, `1e3`, 10 digits and
-- more, objects) is NULL — never an error, so bad data cannot make an insert
-- (or this view) fail.

-- The week a guillotine league chopped this roster (`settings.eliminated`);
-- absent or 0 means alive: NULL. Generated, so the projection (which writes
-- its columns by name) is unchanged.
ALTER TABLE rosters ADD COLUMN eliminated_week integer GENERATED ALWAYS AS (
    CASE WHEN btrim(settings ->> 'eliminated') ~ '^[0-9]{1,9}(\.0*)?$'
         THEN nullif(btrim(settings ->> 'eliminated')::numeric::integer, 0)
    END
) STORED;

-- An auction pick's price (`metadata.amount`, sent as a string: "57");
-- NULL when absent (not an auction) or unreadable.
ALTER TABLE draft_picks ADD COLUMN amount integer GENERATED ALWAYS AS (
    CASE WHEN btrim(metadata ->> 'amount') ~ '^[0-9]{1,9}(\.0*)?$'
         THEN btrim(metadata ->> 'amount')::numeric::integer
    END
) STORED;

-- One row per draft pick a transaction moved (its `draft_picks` array),
-- owned like `transactions` by the scope league/<id>/transactions/<round>
-- through (league_id, leg). ordinal is the position in that array, so two
-- identical entries stay two rows. season is the text Sleeper sent;
-- original_roster_id is the roster the pick was first allotted to
-- (`roster_id`), from/to are `previous_owner_id`/`owner_id` (roster ids).
-- A pick going back to its original roster is a move like any other.
CREATE TABLE transaction_draft_picks (
    transaction_id     text    NOT NULL,
    ordinal            integer NOT NULL,
    league_id          text    NOT NULL,
    leg                integer NOT NULL,
    season             text,
    round              integer,
    original_roster_id integer,
    from_roster_id     integer,
    to_roster_id       integer,
    _version           text    NOT NULL,
    PRIMARY KEY (transaction_id, ordinal)
);
CREATE INDEX transaction_draft_picks_league_leg_idx ON transaction_draft_picks (league_id, leg);
CREATE INDEX transaction_draft_picks_pick_idx
    ON transaction_draft_picks (league_id, season, round, original_roster_id);

-- One row per FAAB move of a transaction (its `waiver_budget` array:
-- `sender`, `receiver`, `amount` in budget dollars), owned like
-- `transactions`; ordinal is the position in the array.
CREATE TABLE transaction_waiver_budget (
    transaction_id text    NOT NULL,
    ordinal        integer NOT NULL,
    league_id      text    NOT NULL,
    leg            integer NOT NULL,
    from_roster_id integer,
    to_roster_id   integer,
    amount         integer,
    _version       text    NOT NULL,
    PRIMARY KEY (transaction_id, ordinal)
);
CREATE INDEX transaction_waiver_budget_league_leg_idx ON transaction_waiver_budget (league_id, leg);

-- One row per (league, week, roster) of `matchups`, with its result, plus
-- one median-game row per roster and regular-season week in leagues that
-- play the league median (`settings.league_average_match` = 1).
--
-- points: the commissioner's `custom_points` when set, else `points`.
-- Opponent: the other row of the same league-week with the same non-null
-- matchup_id — only when exactly two rows share it (a malformed group of
-- three pairs nobody rather than somebody arbitrary). No opponent: result,
-- margin and opponent_points NULL. result 'W' | 'L' | 'T' from the points;
-- margin = points − opponent_points.
-- manager_id: the roster's owner_id, else `orphan:<roster_id>@<league_id>`
-- (no owner, or no rosters row).
-- Median rows: is_median, no opponent_roster_id, opponent_points = the
-- median of the week's effective points (rows with points only; the mean of
-- the two middle values for an even count), regular-season weeks only (below
-- playoff_week_start when that is known).
-- is_playoff: week >= settings.playoff_week_start when that is a positive
-- integer, else NULL (unknown, or no league row: then no median rows either).
-- is_provisional, from what is known of the NFL week (no now(): a function
-- of the tables only, rule 10): a game of that NFL regular-season week in
-- nfl_games is not complete; or nfl_state says the league's season is in
-- its regular season at this week (its `leg`, the fantasy week; `week` when
-- leg is absent) or an earlier one — a week not yet reached cannot be final:
-- its 0–0 rows would read as ties. With neither known, a week is final.
-- bracket, bracket_round, decides_place: in a playoff week, the bracket
-- match (playoff_brackets) of the same two rosters — 'winners' or
-- 'losers', its round, and the place it decides (`p`: the winner takes p,
-- the loser p + 1); the match whose round is nearest the week's
-- (week − playoff_week_start + 1) when the pair met twice, then winners
-- first. NULL when no match pairs them (a bye, a median game).
CREATE VIEW matchup_results AS
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

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
