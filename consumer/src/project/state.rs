//! `state/nfl` → `nfl_state` (one row per sport; the scope owns it).

use sleeper_shared::Scope;

use super::parse::{boolean, int4, text, top_object, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.nfl_state`.
pub static NFL_STATE: Table = Table {
    name: "nfl_state",
    columns: &[
        col("sport", Text),
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("display_week", Int),
        col("leg", Int),
        col("league_season", Text),
        col("league_create_season", Text),
        col("previous_season", Text),
        col("season_start_date", Text),
        col("season_has_scores", Bool),
        col("_version", Text),
    ],
    key: &["sport"],
    owner: &["sport"],
    mode: Mode::Replace,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    debug_assert_eq!(ctx.env.scope, Scope::State.to_string());
    let body = ctx.json()?;
    let s = top_object(&body)?;
    let mut rows = TableRows::new(&NFL_STATE, vec![Val::text("nfl")]);
    rows.push(vec![
        Val::text("nfl"),
        Val::Text(text(s, "season")?),
        Val::Text(text(s, "season_type")?),
        Val::Int(int4(s, "week")?),
        Val::Int(int4(s, "display_week")?),
        Val::Int(int4(s, "leg")?),
        Val::Text(text(s, "league_season")?),
        Val::Text(text(s, "league_create_season")?),
        Val::Text(text(s, "previous_season")?),
        Val::Text(text(s, "season_start_date")?),
        Val::Bool(boolean(s, "season_has_scores")?),
        Val::Text(Some(ctx.version())),
    ]);
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
