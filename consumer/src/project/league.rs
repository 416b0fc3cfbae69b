//! `league/<id>` → `leagues` (one row; the scope owns it) and
//! `league_scoring` (one row per scoring key of `scoring_settings`).
//!
//! `user/<id>/leagues/<season>` (`user_leagues`) and `league/<id>/drafts`
//! (`league_drafts`) project nothing: they only feed the producer's discovery
//! of leagues and drafts. Each league's and draft's own scope owns its row
//! (docs/design.md rule 3), so those lists would only be second, staler owners.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::{array_json, decimal_of, id, int4, object, object_json, string, text};
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

/// `sleeper.league_scoring`: the league's points per unit of each stat.
/// `points` is normalised to the shortest decimal that round-trips as
/// float32 (Sleeper stores weights as float32: 0.10000000149011612 is its
/// 0.1), for people to read; `points_as_sent` is the number exactly as the
/// JSON has it, which is what the scoring views multiply by — Sleeper's own
/// `players_points` are computed with the float32 value, and near a rounding
/// tie the two differ (15 passing yards at 0.033 are 0.49, not 0.50; see
/// docs/design.md, "Scoring"). A key whose value is not a finite number
/// scores nothing and has no row.
pub static LEAGUE_SCORING: Table = Table {
    name: "league_scoring",
    columns: &[
        col("league_id", Text),
        col("stat", Text),
        col("points", Numeric),
        col("points_as_sent", Numeric),
        col("_version", Text),
    ],
    key: &["league_id", "stat"],
    owner: &["league_id"],
    mode: Mode::Replace,
};

/// A weight as the float32 Sleeper meant: the shortest decimal that reads
/// back as the same float32 (Rust's `Display` of `f32` is exactly that).
fn float32_weight(v: &Value) -> Option<Decimal> {
    let w = v.as_f64()? as f32;
    w.is_finite()
        .then(|| Decimal::from_str(&w.to_string()).ok())
        .flatten()
}

/// A `null` body ("not found") removes the league's row.
pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::League(league_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let mut rows = TableRows::new(&LEAGUES, vec![Val::text(&league_id)]);
    let mut scoring = TableRows::new(&LEAGUE_SCORING, vec![Val::text(&league_id)]);
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
        let weights = object(l, "scoring_settings")?.and_then(Value::as_object);
        for (stat, v) in weights.into_iter().flatten() {
            let (Some(points), Ok(Some(as_sent))) = (float32_weight(v), decimal_of(v, stat)) else {
                continue;
            };
            scoring.push(vec![
                Val::text(&league_id),
                Val::text(stat),
                Val::Numeric(Some(points)),
                Val::Numeric(Some(as_sent)),
                Val::Text(Some(ctx.version())),
            ]);
        }
    }
    Ok(Projection {
        snapshot: vec![rows, scoring],
        series: vec![],
    })
}
