//! `league/<id>` → `leagues` (one row; the scope owns it).
//!
//! `user/<id>/leagues/<season>` (`user_leagues`) and `league/<id>/drafts`
//! (`league_drafts`) project nothing: they only feed the producer's discovery
//! of leagues and drafts. Each league's and draft's own scope owns its row
//! (docs/design.md rule 3), so those lists would only be second, staler owners.

use sleeper_shared::Scope;

use super::parse::{array_json, id, int4, object_json, string, text};
use super::parse::{top_object, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.leagues`. Big-number ids (`bracket_id`, …) are text holding the exact integer.
pub static LEAGUES: Table = Table {
    name: "leagues",
    columns: &[
        col("league_id", Text),
        col("name", Text),
        col("season", Text),
        col("season_type", Text),
        col("status", Text),
        col("sport", Text),
        col("total_rosters", Int),
        col("previous_league_id", Text),
        col("draft_id", Text),
        col("bracket_id", Text),
        col("loser_bracket_id", Text),
        col("bracket_overrides_id", Text),
        col("loser_bracket_overrides_id", Text),
        col("group_id", Text),
        col("company_id", Text),
        col("avatar", Text),
        col("settings", Jsonb),
        col("scoring_settings", Jsonb),
        col("roster_positions", Jsonb),
        col("metadata", Jsonb),
        col("_version", Text),
    ],
    key: &["league_id"],
    owner: &["league_id"],
    mode: Mode::Replace,
};

/// A `null` body ("not found") removes the league's row.
pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::League(league_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let mut rows = TableRows::new(&LEAGUES, vec![Val::text(&league_id)]);
    if !ctx.body_is_null() {
        let body = ctx.json()?;
        let l = top_object(&body)?;
        // The row's id is the scope's; the body's must still be an id.
        id(l, "league_id")?;
        rows.push(vec![
            Val::text(&league_id),
            Val::Text(text(l, "name")?),
            Val::Text(string(l, "season")?),
            Val::Text(string(l, "season_type")?),
            Val::Text(string(l, "status")?),
            Val::Text(string(l, "sport")?),
            Val::Int(int4(l, "total_rosters")?),
            Val::Text(id(l, "previous_league_id")?),
            Val::Text(id(l, "draft_id")?),
            Val::Text(id(l, "bracket_id")?),
            Val::Text(id(l, "loser_bracket_id")?),
            Val::Text(id(l, "bracket_overrides_id")?),
            Val::Text(id(l, "loser_bracket_overrides_id")?),
            Val::Text(id(l, "group_id")?),
            Val::Text(id(l, "company_id")?),
            Val::Text(text(l, "avatar")?),
            Val::Jsonb(object_json(l, "settings")?),
            Val::Jsonb(object_json(l, "scoring_settings")?),
            Val::Jsonb(array_json(l, "roster_positions")?),
            Val::Jsonb(object_json(l, "metadata")?),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
