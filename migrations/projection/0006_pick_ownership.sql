-- Who holds each traded draft pick of a league chain, trade by trade
-- (docs/design.md rule 10: a view over base tables, total tie-breaks).
--
-- A pick is (chain, season, round, original roster): rosters keep their ids
-- from season to season within a chain, so a 2027 first traded in the 2025
-- league and again in the 2026 league is one pick. Each completed
-- transaction that moved it (transaction_draft_picks, any type — a pick
-- going back to its original roster is a move like any other) is one row:
-- the owner after it (owner_roster_id) since that transaction. Moves are
-- ordered by when the transaction completed (status_updated, else created),
-- then transaction id and position in it. is_current marks the last one;
-- traded_picks_owner_id is Sleeper's own current owner for the pick (the
-- league's traded_picks, from the chain's newest league that lists it) to
-- compare with. Once drafted (a draft of the chain's league of that season
-- whose slot_to_roster_id maps the pick's slot to its original roster),
-- the current row carries the pick number and player it became.
-- A pick never traded has no row: it is still its original roster's.
CREATE VIEW pick_ownership AS
WITH moves AS (
    SELECT c.chain_id, p.season, p.round, p.original_roster_id,
           p.from_roster_id, p.to_roster_id, p.transaction_id, p.ordinal,
           p.league_id, coalesce(t.status_updated, t.created) AS moved_at
    FROM transaction_draft_picks p
    JOIN transactions t ON t.transaction_id = p.transaction_id
    JOIN league_chains c ON c.league_id = p.league_id
    WHERE t.status = 'complete'
      AND p.season IS NOT NULL AND p.round IS NOT NULL AND p.original_roster_id IS NOT NULL
),
ordered AS (
    SELECT m.*,
           row_number() OVER w AS move,
           count(*) OVER (PARTITION BY chain_id, season, round, original_roster_id) AS moves
    FROM moves m
    WINDOW w AS (PARTITION BY chain_id, season, round, original_roster_id
                 ORDER BY moved_at NULLS LAST, transaction_id, ordinal)
)
SELECT o.chain_id, o.season, o.round, o.original_roster_id,
       o.to_roster_id AS owner_roster_id,
       o.transaction_id AS since_transaction_id,
       o.move::integer AS move, o.move = o.moves AS is_current,
       o.from_roster_id, o.league_id, o.moved_at,
       tp.owner_id AS traded_picks_owner_id,
       dp.pick_no, dp.player_id
FROM ordered o
LEFT JOIN LATERAL (
    SELECT t.owner_id
    FROM traded_picks t
    JOIN league_chains lc ON lc.league_id = t.league_id AND lc.chain_id = o.chain_id
    WHERE t.season = o.season AND t.round = o.round AND t.roster_id = o.original_roster_id
    ORDER BY lc.season DESC, t.league_id DESC
    LIMIT 1
) tp ON o.move = o.moves
LEFT JOIN LATERAL (
    SELECT p.pick_no, p.player_id
    FROM drafts d
    JOIN league_chains lc ON lc.league_id = d.league_id AND lc.chain_id = o.chain_id
    JOIN draft_picks p ON p.draft_id = d.draft_id AND p.round = o.round
    WHERE d.season = o.season
      AND d.slot_to_roster_id ->> p.draft_slot::text = o.original_roster_id::text
    ORDER BY d.draft_id, p.pick_no
    LIMIT 1
) dp ON o.move = o.moves;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sleeper_reader', current_schema());
    EXECUTE format('REVOKE ALL ON TABLE %I._versions FROM sleeper_reader', current_schema());
END
$$;
