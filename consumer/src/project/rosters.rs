//! `league/<id>/rosters` → `rosters` and `roster_players` (the scope owns its
//! league's rows in both).
//!
//! Roster points come split (`fpts` 1490 + `fpts_decimal` 96 → 1490.96).
//! `roster_players` has one row per id in `players`, with its slot: `starter`
//! (and its index in `starters`, which lines up with the league's
//! `roster_positions`), else `reserve`, else `taxi`, else `bench`. A `"0"` in
//! `starters` is an empty slot (no row); `players: null` yields no rows even
//! when `starters` is set; team-defence ids (`"BUF"`) are players like any other.

use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::ShapeError;
use super::parse::{array_json, element, id, id_list, int4, json_text, object};
use super::parse::{object_json, req_int4, split_points, top_array, Ctx};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.rosters`.
pub static ROSTERS: Table = Table {
    name: "rosters",
    columns: &[
        col("league_id", Text),
        col("roster_id", Int),
        col("owner_id", Text),
        col("co_owners", Jsonb),
        col("wins", Int),
        col("losses", Int),
        col("ties", Int),
        col("fpts", Numeric),
        col("fpts_against", Numeric),
        col("ppts", Numeric),
        col("waiver_position", Int),
        col("waiver_budget_used", Int),
        col("total_moves", Int),
        col("division", Int),
        col("rank", Int),
        col("settings", Jsonb),
        col("metadata", Jsonb),
        col("keepers", Jsonb),
        col("player_map", Jsonb),
        col("_version", Text),
    ],
    key: &["league_id", "roster_id"],
    owner: &["league_id"],
    mode: Mode::Replace,
};

/// `sleeper.roster_players`.
pub static ROSTER_PLAYERS: Table = Table {
    name: "roster_players",
    columns: &[
        col("league_id", Text),
        col("roster_id", Int),
        col("player_id", Text),
        col("slot", Text),
        col("starter_index", Int),
        col("_version", Text),
    ],
    key: &["league_id", "roster_id", "player_id"],
    owner: &["league_id"],
    mode: Mode::Replace,
};

/// The id Sleeper puts in an empty lineup slot.
pub const EMPTY_SLOT: &str = "0";

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Rosters(league_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let version = ctx.version();
    let owner = vec![Val::text(&league_id)];
    let mut rosters = TableRows::new(&ROSTERS, owner.clone());
    let mut players = TableRows::new(&ROSTER_PLAYERS, owner);
    for (i, r) in top_array(&body)?.iter().enumerate() {
        let r = element(r, i)?;
        let roster_id = req_int4(r, "roster_id")?;
        let settings = object(r, "settings")?;
        let s = settings.unwrap_or(&Value::Null);
        rosters.push(vec![
            Val::text(&league_id),
            Val::Int(Some(roster_id)),
            Val::Text(id(r, "owner_id")?),
            Val::Jsonb(array_json(r, "co_owners")?),
            Val::Int(int4(s, "wins")?),
            Val::Int(int4(s, "losses")?),
            Val::Int(int4(s, "ties")?),
            Val::Numeric(split_points(s, "fpts")?),
            Val::Numeric(split_points(s, "fpts_against")?),
            Val::Numeric(split_points(s, "ppts")?),
            Val::Int(int4(s, "waiver_position")?),
            Val::Int(int4(s, "waiver_budget_used")?),
            Val::Int(int4(s, "total_moves")?),
            Val::Int(int4(s, "division")?),
            Val::Int(int4(s, "rank")?),
            Val::Jsonb(settings.map(Value::to_string)),
            Val::Jsonb(object_json(r, "metadata")?),
            Val::Jsonb(array_json(r, "keepers")?),
            Val::Jsonb(json_text(r, "player_map")),
            Val::Text(Some(version.clone())),
        ]);
        let starters = id_list(r, "starters")?;
        let reserve = id_list(r, "reserve")?;
        let taxi = id_list(r, "taxi")?;
        for p in id_list(r, "players")? {
            if p == EMPTY_SLOT {
                continue;
            }
            let (slot, index) = if let Some(ix) = starters.iter().position(|s| *s == p) {
                ("starter", Some(ix))
            } else if reserve.contains(&p) {
                ("reserve", None)
            } else if taxi.contains(&p) {
                ("taxi", None)
            } else {
                ("bench", None)
            };
            players.push(vec![
                Val::text(&league_id),
                Val::Int(Some(roster_id)),
                Val::text(p),
                Val::text(slot),
                Val::Int(index.map(|ix| ix as i32)),
                Val::Text(Some(version.clone())),
            ]);
        }
    }
    Ok(Projection {
        snapshot: vec![rosters, players],
        series: vec![],
    })
}
