//! `league/<id>/matchups/<week>` → `matchups` and `matchup_players` (the scope
//! owns the league-week's rows), plus one `matchup_score_history` sample per
//! roster per event — the live score timeline the API itself cannot give.
//!
//! `matchup_id` may be `null` (a team with no game that week). A starter's
//! points come from `starters_points` at its index (which lines up with
//! `starters`), falling back to `players_points`; bench players' from
//! `players_points` (absent in older seasons: NULL). A `"0"` starter is an
//! empty slot: no row.

use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::{array, decimal, decimal_of, element, id_list, int4};
use super::parse::{object, req_int4, top_array, Ctx, ShapeError};
use super::rosters::EMPTY_SLOT;
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.matchups`.
pub static MATCHUPS: Table = Table {
    name: "matchups",
    columns: &[
        col("league_id", Text),
        col("week", Int),
        col("roster_id", Int),
        col("matchup_id", Int),
        col("points", Numeric),
        col("custom_points", Numeric),
        col("_version", Text),
    ],
    key: &["league_id", "week", "roster_id"],
    owner: &["league_id", "week"],
    mode: Mode::Replace,
};

/// `sleeper.matchup_players`.
pub static MATCHUP_PLAYERS: Table = Table {
    name: "matchup_players",
    columns: &[
        col("league_id", Text),
        col("week", Int),
        col("roster_id", Int),
        col("player_id", Text),
        col("points", Numeric),
        col("is_starter", Bool),
        col("starter_index", Int),
        col("_version", Text),
    ],
    key: &["league_id", "week", "roster_id", "player_id"],
    owner: &["league_id", "week"],
    mode: Mode::Replace,
};

/// `sleeper.matchup_score_history`: samples, never deleted.
pub static MATCHUP_SCORE_HISTORY: Table = Table {
    name: "matchup_score_history",
    columns: &[
        col("league_id", Text),
        col("week", Int),
        col("roster_id", Int),
        col("version_ms", BigInt),
        col("version_seq", BigInt),
        col("points", Numeric),
        col("fetched_at", Timestamptz),
        col("origin", Text),
    ],
    key: &[
        "league_id",
        "week",
        "roster_id",
        "version_ms",
        "version_seq",
    ],
    owner: &[],
    mode: Mode::Series,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Matchups { league_id, week } = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let week = i32::from(week);
    let body = ctx.json()?;
    let version = ctx.version();
    let owner = vec![Val::text(&league_id), Val::Int(Some(week))];
    let mut matchups = TableRows::new(&MATCHUPS, owner.clone());
    let mut players = TableRows::new(&MATCHUP_PLAYERS, owner);
    let mut history = TableRows::new(&MATCHUP_SCORE_HISTORY, vec![]);
    // Rebuild reads older snapshots for their score samples only: it skips
    // building the other rows, never the reading and checking of values.
    let (want_matchups, want_players) = ((ctx.wanted)(&MATCHUPS), (ctx.wanted)(&MATCHUP_PLAYERS));
    for (i, m) in top_array(&body)?.iter().enumerate() {
        let m = element(m, i)?;
        let roster_id = req_int4(m, "roster_id")?;
        let points = decimal(m, "points")?;
        let matchup_id = int4(m, "matchup_id")?;
        let custom_points = decimal(m, "custom_points")?;
        if want_matchups {
            matchups.push(vec![
                Val::text(&league_id),
                Val::Int(Some(week)),
                Val::Int(Some(roster_id)),
                Val::Int(matchup_id),
                Val::Numeric(points),
                Val::Numeric(custom_points),
                Val::Text(Some(version.clone())),
            ]);
        }
        history.push(vec![
            Val::text(&league_id),
            Val::Int(Some(week)),
            Val::Int(Some(roster_id)),
            Val::BigInt(Some(ctx.id.ms)),
            Val::BigInt(Some(ctx.id.seq)),
            Val::Numeric(points),
            Val::Timestamptz(Some(ctx.env.fetched_at_ms)),
            Val::text(ctx.env.origin.as_str()),
        ]);
        let players_points = object(m, "players_points")?.unwrap_or(&Value::Null);
        let starters_points = array(m, "starters_points")?;
        let starters = id_list(m, "starters")?;
        let mut row = |player: &str, points, starter_index: Option<usize>| {
            if !want_players {
                return;
            }
            players.push(vec![
                Val::text(&league_id),
                Val::Int(Some(week)),
                Val::Int(Some(roster_id)),
                Val::text(player),
                Val::Numeric(points),
                Val::Bool(Some(starter_index.is_some())),
                Val::Int(starter_index.map(|ix| ix as i32)),
                Val::Text(Some(version.clone())),
            ]);
        };
        for (ix, p) in starters.iter().enumerate() {
            if p == EMPTY_SLOT {
                continue;
            }
            let points = match starters_points.get(ix) {
                Some(v) if !v.is_null() => decimal_of(v, &format!("starters_points[{ix}]"))?,
                _ => decimal(players_points, p)?,
            };
            row(p, points, Some(ix));
        }
        for p in id_list(m, "players")? {
            if p == EMPTY_SLOT || starters.contains(&p) {
                continue;
            }
            row(&p, decimal(players_points, &p)?, None);
        }
    }
    Ok(Projection {
        snapshot: vec![matchups, players],
        series: vec![history],
    })
}
