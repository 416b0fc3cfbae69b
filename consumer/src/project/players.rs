//! `players/nfl` → `players` (one row per player id; the scope owns them all,
//! through the `sport` column).
//!
//! The real body is 5–15 MB. It is never parsed into one `serde_json::Value`:
//! the top level is read as a map from player id to the *raw text* of each
//! entry (borrowing the body), and each entry is parsed on its own, so peak
//! memory is the body plus the rows, not a tree of the whole body.
//!
//! Quirks (SLEEPER_API.md 9): `height` is `"6'5\""` or `"78"` (text, as sent);
//! `weight` is a string; `team` is null for free agents; `search_rank`
//! 9999999 means unranked (kept as sent); defence entries (`"WAS"`) carry only
//! ~9 keys. An empty string where a number is expected reads as absent, so
//! one odd player among thousands does not dead-letter the whole list.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::ShapeError;
use super::parse::{boolean, field, int, int4, json_text, string, text, Ctx};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.players`.
pub static PLAYERS: Table = Table {
    name: "players",
    columns: &[
        col("sport", Text),
        col("player_id", Text),
        col("full_name", Text),
        col("first_name", Text),
        col("last_name", Text),
        col("position", Text),
        col("team", Text),
        col("status", Text),
        col("injury_status", Text),
        col("age", Int),
        col("years_exp", Int),
        col("number", Int),
        col("height", Text),
        col("weight", Text),
        col("search_rank", Int),
        col("fantasy_positions", Jsonb),
        col("active", Bool),
        col("birth_date", Text),
        col("college", Text),
        col("depth_chart_position", Text),
        col("depth_chart_order", Int),
        col("injury_body_part", Text),
        col("injury_notes", Text),
        col("injury_start_date", Text),
        col("practice_participation", Text),
        col("news_updated", Timestamptz),
        col("espn_id", Text),
        col("yahoo_id", Text),
        col("sportradar_id", Text),
        col("gsis_id", Text),
        col("rotowire_id", Text),
        col("fantasy_data_id", Text),
        col("stats_id", Text),
        col("metadata", Jsonb),
        col("_version", Text),
    ],
    key: &["player_id"],
    owner: &["sport"],
    mode: Mode::Replace,
};

/// `int4`, but `""` reads as absent.
fn lenient_int4(obj: &Value, key: &str) -> Result<Option<i32>, ShapeError> {
    match field(obj, key) {
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        _ => int4(obj, key),
    }
}

/// `int8`, but `""` reads as absent.
fn lenient_int(obj: &Value, key: &str) -> Result<Option<i64>, ShapeError> {
    match field(obj, key) {
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        _ => int(obj, key),
    }
}

/// Prefix a player's errors with its id, so the DLQ reason names it.
fn at(player_id: &str, e: ShapeError) -> ShapeError {
    match e {
        ShapeError::Type {
            path,
            expected,
            found,
        } => ShapeError::Type {
            path: format!("{player_id}.{path}"),
            expected,
            found,
        },
        other => other,
    }
}

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Players = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let sport = "nfl";
    let mut rows = TableRows::new(&PLAYERS, vec![Val::text(sport)]);
    if ctx.body_is_null() {
        return Ok(Projection {
            snapshot: vec![rows],
            series: vec![],
        });
    }
    let map: BTreeMap<String, &RawValue> =
        serde_json::from_slice(&ctx.env.body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ShapeError::Type {
                path: "$".into(),
                expected: "an object keyed by player id",
                found: e.to_string(),
            },
            _ => ShapeError::NotJson(e.to_string()),
        })?;
    let version = ctx.version();
    rows.rows.reserve(map.len());
    for (player_id, raw) in &map {
        let p: Value =
            serde_json::from_str(raw.get()).map_err(|e| ShapeError::NotJson(e.to_string()))?;
        match p {
            Value::Null => continue,
            Value::Object(_) => {}
            other => {
                return Err(ShapeError::Type {
                    path: player_id.clone(),
                    expected: "an object",
                    found: other.to_string().chars().take(60).collect(),
                })
            }
        }
        let row = player_row(sport, player_id, &p, &version).map_err(|e| at(player_id, e))?;
        rows.push(row);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}

fn player_row(
    sport: &str,
    player_id: &str,
    p: &Value,
    version: &str,
) -> Result<Vec<Val>, ShapeError> {
    Ok(vec![
        Val::text(sport),
        Val::text(player_id),
        Val::Text(text(p, "full_name")?),
        Val::Text(text(p, "first_name")?),
        Val::Text(text(p, "last_name")?),
        Val::Text(text(p, "position")?),
        Val::Text(text(p, "team")?),
        Val::Text(string(p, "status")?),
        Val::Text(text(p, "injury_status")?),
        Val::Int(lenient_int4(p, "age")?),
        Val::Int(lenient_int4(p, "years_exp")?),
        Val::Int(lenient_int4(p, "number")?),
        Val::Text(text(p, "height")?),
        Val::Text(text(p, "weight")?),
        Val::Int(lenient_int4(p, "search_rank")?),
        Val::Jsonb(json_text(p, "fantasy_positions")),
        Val::Bool(boolean(p, "active")?),
        Val::Text(text(p, "birth_date")?),
        Val::Text(text(p, "college")?),
        Val::Text(text(p, "depth_chart_position")?),
        Val::Int(lenient_int4(p, "depth_chart_order")?),
        Val::Text(text(p, "injury_body_part")?),
        Val::Text(text(p, "injury_notes")?),
        Val::Text(text(p, "injury_start_date")?),
        Val::Text(text(p, "practice_participation")?),
        Val::Timestamptz(lenient_int(p, "news_updated")?),
        Val::Text(text(p, "espn_id")?),
        Val::Text(text(p, "yahoo_id")?),
        Val::Text(text(p, "sportradar_id")?),
        Val::Text(text(p, "gsis_id")?),
        Val::Text(text(p, "rotowire_id")?),
        Val::Text(text(p, "fantasy_data_id")?),
        Val::Text(text(p, "stats_id")?),
        Val::Jsonb(json_text(p, "metadata")),
        Val::Text(Some(version.to_string())),
    ])
}
