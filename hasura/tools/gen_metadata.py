#!/usr/bin/env python3
"""Regenerate hasura/metadata/databases/default/tables/ from a migrated database.

    python3 hasura/tools/gen_metadata.py postgres://postgres@127.0.0.1:5432/sleeper

Columns come from the catalog (every column of every table and view of schema
`sleeper` not starting with `_`); relationships and row limits are declared
below. The e2e test `hasura` checks the result against a freshly migrated
database, so after a migration either rerun this or edit the YAML by hand.
Needs psql and PyYAML.
"""
import json
import os
import subprocess
import sys

import yaml

LIMIT = 500
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "metadata", "databases", "default", "tables")


def obj(name, remote, mapping):
    return ("object", name, remote, mapping)


def arr(name, remote, mapping):
    return ("array", name, remote, mapping)


# No foreign keys exist across scopes (docs/design.md rule 3): every relationship is a
# manual column mapping. A matchup's opponent cannot be expressed as a manual
# relationship ("same matchup_id, different roster" needs a predicate), so
# `matchup_pair` returns both rows of the pairing, the matchup's own included.
RELATIONSHIPS = {
    "leagues": [
        arr("rosters", "rosters", {"league_id": "league_id"}),
        arr("users", "league_users", {"league_id": "league_id"}),
        arr("matchups", "matchups", {"league_id": "league_id"}),
        arr("transactions", "transactions", {"league_id": "league_id"}),
        arr("drafts", "drafts", {"league_id": "league_id"}),
        arr("traded_picks", "traded_picks", {"league_id": "league_id"}),
        arr("seasons", "league_seasons", {"league_id": "league_id"}),
        arr("standings", "standings", {"league_id": "league_id"}),
        arr("playoff_brackets", "playoff_brackets", {"league_id": "league_id"}),
        arr("matchup_results", "matchup_results", {"league_id": "league_id"}),
        obj("previous_league", "leagues", {"previous_league_id": "league_id"}),
        obj("chain", "league_chains", {"league_id": "league_id"}),
        arr("finishes", "season_finishes", {"league_id": "league_id"}),
        arr("all_play", "all_play", {"league_id": "league_id"}),
    ],
    "league_users": [
        obj("league", "leagues", {"league_id": "league_id"}),
        arr("rosters", "rosters", {"league_id": "league_id", "user_id": "owner_id"}),
    ],
    "rosters": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("owner", "league_users", {"league_id": "league_id", "owner_id": "user_id"}),
        arr("players", "roster_players", {"league_id": "league_id", "roster_id": "roster_id"}),
        arr("matchups", "matchups", {"league_id": "league_id", "roster_id": "roster_id"}),
        arr("results", "matchup_results", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "roster_players": [
        obj("player", "players", {"player_id": "player_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "matchups": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        arr("players", "matchup_players",
            {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
        arr("matchup_pair", "matchups",
            {"league_id": "league_id", "week": "week", "matchup_id": "matchup_id"}),
        arr("score_history", "matchup_score_history",
            {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
    ],
    "matchup_players": [
        obj("player", "players", {"player_id": "player_id"}),
        obj("matchup", "matchups", {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
    ],
    "matchup_score_history": [
        obj("matchup", "matchups", {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
    ],
    # A view: a median-game row has no opponent and no matchup row of its own
    # game (matchup_id NULL); `matchup` maps by (league, week, roster) instead.
    "matchup_results": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        obj("opponent", "rosters", {"league_id": "league_id", "opponent_roster_id": "roster_id"}),
        obj("matchup", "matchups", {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
    ],
    # The analytics views (docs/design.md "Scoring", "Lineups").
    "lineup_efficiency": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        arr("optimal_lineup", "lineup_optimal",
            {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
        arr("players", "matchup_players",
            {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
        obj("projected", "projected_vs_actual",
            {"league_id": "league_id", "week": "week", "roster_id": "roster_id"}),
    ],
    "lineup_optimal": [
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "projected_vs_actual": [
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "player_week_points": [
        obj("player", "players", {"player_id": "player_id"}),
        obj("league", "leagues", {"league_id": "league_id"}),
        arr("stats", "player_week_stats",
            {"season": "season", "week": "week", "player_id": "player_id"}),
    ],
    "player_week_projected_points": [
        obj("player", "players", {"player_id": "player_id"}),
        obj("actual", "player_week_points",
            {"league_id": "league_id", "week": "week", "player_id": "player_id"}),
    ],
    "player_week_stats": [
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "player_stat_lines": [
        obj("player", "players", {"player_id": "player_id"}),
        arr("stats", "player_week_stats",
            {"season": "season", "season_type": "season_type", "week": "week",
             "player_id": "player_id"}),
    ],
    "stat_corrections": [
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "matchup_score_changes": [
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "transactions": [
        obj("league", "leagues", {"league_id": "league_id"}),
        arr("moves", "transaction_moves", {"transaction_id": "transaction_id"}),
        # `draft_picks` and `waiver_budget` are the raw jsonb columns; these are their rows.
        arr("pick_moves", "transaction_draft_picks", {"transaction_id": "transaction_id"}),
        arr("budget_moves", "transaction_waiver_budget", {"transaction_id": "transaction_id"}),
    ],
    "transaction_draft_picks": [
        obj("transaction", "transactions", {"transaction_id": "transaction_id"}),
        obj("from_roster", "rosters", {"league_id": "league_id", "from_roster_id": "roster_id"}),
        obj("to_roster", "rosters", {"league_id": "league_id", "to_roster_id": "roster_id"}),
        obj("original_roster", "rosters",
            {"league_id": "league_id", "original_roster_id": "roster_id"}),
    ],
    "pick_ownership": [
        obj("transaction", "transactions", {"since_transaction_id": "transaction_id"}),
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "transaction_waiver_budget": [
        obj("transaction", "transactions", {"transaction_id": "transaction_id"}),
        obj("from_roster", "rosters", {"league_id": "league_id", "from_roster_id": "roster_id"}),
        obj("to_roster", "rosters", {"league_id": "league_id", "to_roster_id": "roster_id"}),
    ],
    "transaction_moves": [
        obj("transaction", "transactions", {"transaction_id": "transaction_id"}),
        obj("player", "players", {"player_id": "player_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "traded_picks": [
        obj("league", "leagues", {"league_id": "league_id"}),
    ],
    "drafts": [
        obj("league", "leagues", {"league_id": "league_id"}),
        arr("picks", "draft_picks", {"draft_id": "draft_id"}),
        arr("traded_picks", "draft_traded_picks", {"draft_id": "draft_id"}),
    ],
    "draft_picks": [
        obj("draft", "drafts", {"draft_id": "draft_id"}),
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "draft_traded_picks": [
        obj("draft", "drafts", {"draft_id": "draft_id"}),
    ],
    "playoff_brackets": [
        obj("league", "leagues", {"league_id": "league_id"}),
    ],
    "standings": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "league_seasons": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("ancestor", "leagues", {"ancestor_league_id": "league_id"}),
    ],
    # The all-time views (0005): a chain's managers are keyed by (chain_id,
    # manager_id); head-to-head, records and games name both sides.
    "league_chains": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("oldest_league", "leagues", {"chain_id": "league_id"}),
        arr("seasons", "league_chains", {"chain_id": "chain_id"}),
        arr("managers", "chain_managers", {"chain_id": "chain_id"}),
        arr("records", "records", {"chain_id": "chain_id"}),
        arr("careers", "manager_careers", {"chain_id": "chain_id"}),
    ],
    "chain_rosters": [
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
    ],
    "chain_managers": [
        obj("career", "manager_careers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("head_to_head", "head_to_head", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("finishes", "season_finishes", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("rosters", "chain_rosters", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("records", "records", {"chain_id": "chain_id", "manager_id": "manager_id"}),
    ],
    "chain_games": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        obj("opponent", "chain_managers", {"chain_id": "chain_id", "opponent_id": "manager_id"}),
    ],
    "head_to_head": [
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        obj("opponent", "chain_managers", {"chain_id": "chain_id", "opponent_id": "manager_id"}),
    ],
    "records": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        obj("opponent", "chain_managers", {"chain_id": "chain_id", "opponent_id": "manager_id"}),
    ],
    "all_play": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        obj("chain_roster", "chain_rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
    ],
    "season_finishes": [
        obj("league", "leagues", {"league_id": "league_id"}),
        obj("roster", "rosters", {"league_id": "league_id", "roster_id": "roster_id"}),
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
    ],
    "manager_careers": [
        obj("manager", "chain_managers", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("finishes", "season_finishes", {"chain_id": "chain_id", "manager_id": "manager_id"}),
        arr("head_to_head", "head_to_head", {"chain_id": "chain_id", "manager_id": "manager_id"}),
    ],
    "trending_players": [
        obj("player", "players", {"player_id": "player_id"}),
    ],
    "trending_current": [
        obj("player", "players", {"player_id": "player_id"}),
    ],
}


class Quoted(str):
    pass


def quoted(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')


yaml.add_representer(Quoted, quoted)


def dump(path, value):
    with open(path, "w") as f:
        yaml.dump(value, f, sort_keys=False, default_flow_style=False, width=200)


def main():
    url = sys.argv[1]
    q = """select json_agg(json_build_object('t', c.table_name, 'c', c.column_name, 'k', t.table_type)
                            order by c.table_name, c.ordinal_position)
           from information_schema.columns c
           join information_schema.tables t using (table_schema, table_name)
           where c.table_schema = 'sleeper' and c.table_name not like '\\_%'"""
    rows = json.loads(subprocess.check_output(["psql", url, "-Atc", q]))
    tables = {}
    kinds = {}
    for r in rows:
        tables.setdefault(r["t"], []).append(r["c"])
        kinds[r["t"]] = r["k"]
    unknown = set(RELATIONSHIPS) - set(tables)
    if unknown:
        sys.exit(f"relationships for tables that do not exist: {sorted(unknown)}")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".yaml"):
            os.remove(os.path.join(OUT, f))
    includes = []
    for name in sorted(tables):
        is_view = kinds[name] == "VIEW"
        root = {"select": name}
        if not is_view:
            root["select_by_pk"] = f"{name}_by_pk"
        root["select_aggregate"] = f"{name}_aggregate"
        root["select_stream"] = f"{name}_stream"
        doc = {
            "table": {"name": name, "schema": "sleeper"},
            "configuration": {
                "column_config": {},
                "custom_column_names": {},
                "custom_name": name,
                "custom_root_fields": root,
            },
        }
        for kind in ("object", "array"):
            rels = [r for r in RELATIONSHIPS.get(name, []) if r[0] == kind]
            if rels:
                doc[f"{kind}_relationships"] = [
                    {
                        "name": rname,
                        "using": {
                            "manual_configuration": {
                                "column_mapping": dict(mapping),
                                "insertion_order": None,
                                "remote_table": {"name": remote, "schema": "sleeper"},
                            }
                        },
                    }
                    for (_, rname, remote, mapping) in rels
                ]
        doc["select_permissions"] = [
            {
                "role": "anonymous",
                "permission": {
                    "columns": list(tables[name]),
                    "filter": {},
                    "limit": LIMIT,
                    "allow_aggregations": True,
                },
            }
        ]
        fname = f"sleeper_{name}.yaml"
        dump(os.path.join(OUT, fname), doc)
        includes.append(Quoted(f"!include {fname}"))
    dump(os.path.join(OUT, "tables.yaml"), includes)
    print(f"{len(tables)} tables/views written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
