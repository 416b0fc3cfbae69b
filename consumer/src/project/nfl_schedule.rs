//! `schedule/nfl/<season_type>/<season>` → `nfl_games` (the scope owns its
//! season type's games: a game that left the schedule leaves the table).
//!
//! Rows are `{week, date, home, away, game_id, status}`; `game_id` is text
//! (it joins to the stat rows' `game_id`); a team on bye has no game.

use sleeper_shared::Scope;

use super::nfl_stats::date;
use super::parse::{element, req_id, req_int4, string, top_array, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.nfl_games`: one row per game; `date` is `YYYY-MM-DD` (no
/// kickoff time is served), `status` `pre_game`, `in_progress` or `complete`.
pub static NFL_GAMES: Table = Table {
    name: "nfl_games",
    columns: &[
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("game_id", Text),
        col("date", Text),
        col("home", Text),
        col("away", Text),
        col("status", Text),
        col("_version", Text),
    ],
    key: &["season", "season_type", "game_id"],
    owner: &["season", "season_type"],
    mode: Mode::Replace,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::NflSchedule {
        season_type,
        season,
    } = ctx.scope()?
    else {
        return Err(ctx.scope_err());
    };
    let owner = vec![
        Val::text(season.to_string()),
        Val::text(season_type.as_str()),
    ];
    let mut games = TableRows::new(&NFL_GAMES, owner.clone());
    if ctx.body_is_null() {
        // "Not found": no games.
        return Ok(Projection {
            snapshot: vec![games],
            series: vec![],
        });
    }
    let body = ctx.json()?;
    for (i, g) in top_array(&body)?.iter().enumerate() {
        let g = element(g, i)?;
        let mut row = owner.clone();
        row.extend([
            Val::Int(Some(req_int4(g, "week")?)),
            Val::text(req_id(g, "game_id")?),
            Val::Text(date(g)?),
            Val::Text(string(g, "home")?),
            Val::Text(string(g, "away")?),
            Val::Text(string(g, "status")?),
            Val::Text(Some(ctx.version())),
        ]);
        games.push(row);
    }
    Ok(Projection {
        snapshot: vec![games],
        series: vec![],
    })
}
