//! `stats/nfl/<season_type>/<season>/<week>` → `player_stat_lines`,
//! `player_week_stats` and `player_stat_samples`;
//! `projections/nfl/<season_type>/<season>/<week>` → `player_projection_samples`.
//!
//! A stats scope owns its week's lines and stats (a replaced snapshot: the
//! newest fetch is what Sleeper says now, corrections included), and every
//! fetch also leaves one sample per player (docs/design.md rule 4), so the
//! changes a stat went through stay readable (`stat_corrections`).
//! Projections are samples only: the value before kickoff exists only if it
//! was captured then, so every version is kept and the views pick one.
//!
//! Two body forms are read: the array of rows `api.sleeper.com` serves, and
//! the older map `{player_id: {stat: value}}` archived events may carry (no
//! team, game or date; an empty map is an inactive player, not a line).
//! Season, season type and week come from the scope, never from a row. A
//! stat absent from the payload has no row (Sleeper omits zeros); a stat
//! whose value is `null` is absent too; a `null` body ("not found") has no
//! lines.

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::Value;
use sleeper_shared::scope::SeasonType;
use sleeper_shared::Scope;

use super::parse::{decimal_of, element, id, int, object, req_id, string, top_array};
use super::parse::{Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.player_stat_lines`: one row per player (or team defence) with a
/// stat line that week; team, opponent and game as the stats row says.
pub static PLAYER_STAT_LINES: Table = Table {
    name: "player_stat_lines",
    columns: &[
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("player_id", Text),
        col("team", Text),
        col("opponent", Text),
        col("game_id", Text),
        col("date", Text),
        col("company", Text),
        col("updated_at", Timestamptz),
        col("_version", Text),
    ],
    key: &["season", "season_type", "week", "player_id"],
    owner: &["season", "season_type", "week"],
    mode: Mode::Replace,
};

/// `sleeper.player_week_stats`: long form, one row per stat of a line.
pub static PLAYER_WEEK_STATS: Table = Table {
    name: "player_week_stats",
    columns: &[
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("player_id", Text),
        col("stat", Text),
        col("value", Numeric),
        col("_version", Text),
    ],
    key: &["season", "season_type", "week", "player_id", "stat"],
    owner: &["season", "season_type", "week"],
    mode: Mode::Replace,
};

/// `sleeper.player_stat_samples`: every fetched stat line, keyed by the
/// event's version; `stats` is the line's map as sent.
pub static PLAYER_STAT_SAMPLES: Table = Table {
    name: "player_stat_samples",
    columns: &[
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("player_id", Text),
        col("version_ms", BigInt),
        col("version_seq", BigInt),
        col("fetched_at", Timestamptz),
        col("stats", Jsonb),
    ],
    key: &[
        "season",
        "season_type",
        "week",
        "player_id",
        "version_ms",
        "version_seq",
    ],
    owner: &[],
    mode: Mode::Series,
};

/// `sleeper.player_projection_samples`: every fetched projection row, keyed
/// by the event's version; `stats` is the projected map as sent (ADP keys
/// included, 999 = unranked).
pub static PLAYER_PROJECTION_SAMPLES: Table = Table {
    name: "player_projection_samples",
    columns: &[
        col("season", Text),
        col("season_type", Text),
        col("week", Int),
        col("player_id", Text),
        col("version_ms", BigInt),
        col("version_seq", BigInt),
        col("fetched_at", Timestamptz),
        col("team", Text),
        col("opponent", Text),
        col("game_id", Text),
        col("date", Text),
        col("stats", Jsonb),
    ],
    key: &[
        "season",
        "season_type",
        "week",
        "player_id",
        "version_ms",
        "version_seq",
    ],
    owner: &[],
    mode: Mode::Series,
};

/// One row of either body form.
struct Line {
    player_id: String,
    team: Option<String>,
    opponent: Option<String>,
    game_id: Option<String>,
    date: Option<String>,
    company: Option<String>,
    updated_at: Option<i64>,
    /// The stats map as JSON text (`{}` when absent).
    stats_json: String,
    /// Each stat with a value, in the map's order.
    stats: Vec<(String, Decimal)>,
}

/// The rows of a body, in either form. A week's projections are thousands
/// of rows: the body is never parsed into one `serde_json::Value` tree (that
/// costs several times the body); its top level is split into the raw text
/// of each row, borrowed from the body, and each row is parsed on its own.
fn lines(body: &[u8]) -> Result<Vec<Line>, ShapeError> {
    let not_json = |e: serde_json::Error| ShapeError::NotJson(e.to_string());
    if body.trim_ascii() == b"null" {
        // "Not found": no lines.
        return Ok(Vec::new());
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        // The older map form: {player_id: {stat: value}}.
        let map: std::collections::BTreeMap<String, &RawValue> =
            serde_json::from_slice(body).map_err(not_json)?;
        let mut out = Vec::with_capacity(map.len());
        for (player_id, raw) in map {
            let stats: Value = serde_json::from_str(raw.get()).map_err(not_json)?;
            let line = line_of(player_id.clone(), &stats, &player_id)?;
            if !line.stats.is_empty() {
                out.push(line);
            }
        }
        return Ok(out);
    }
    let rows: Vec<&RawValue> = match serde_json::from_slice(body) {
        Ok(rows) => rows,
        // Valid JSON of another shape: say which, as the other kinds do.
        Err(e) if e.is_data() => {
            let v: Value = serde_json::from_slice(body).map_err(not_json)?;
            return top_array(&v).map(|_| Vec::new());
        }
        Err(e) => return Err(not_json(e)),
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, raw) in rows.into_iter().enumerate() {
        let row: Value = serde_json::from_str(raw.get()).map_err(not_json)?;
        let row = element(&row, i)?;
        let player_id = req_id(row, "player_id")?;
        let stats = object(row, "stats")?.unwrap_or(&Value::Null);
        let mut line = line_of(player_id, stats, &format!("[{i}].stats"))?;
        line.team = string(row, "team")?;
        line.opponent = string(row, "opponent")?;
        line.game_id = id(row, "game_id")?;
        line.date = date(row)?;
        line.company = string(row, "company")?;
        line.updated_at = int(row, "updated_at")?;
        out.push(line);
    }
    Ok(out)
}

/// A line of `player_id` from its stats map (`null` = no stats).
fn line_of(player_id: String, stats: &Value, path: &str) -> Result<Line, ShapeError> {
    let mut values = Vec::new();
    match stats {
        Value::Null => {}
        Value::Object(map) => {
            for (stat, v) in map {
                if let Some(d) = decimal_of(v, &format!("{path}.{stat}"))? {
                    values.push((stat.clone(), d));
                }
            }
        }
        other => {
            return Err(ShapeError::Type {
                path: path.to_string(),
                expected: "an object of stats",
                found: other.to_string().chars().take(60).collect(),
            })
        }
    }
    Ok(Line {
        player_id,
        team: None,
        opponent: None,
        game_id: None,
        date: None,
        company: None,
        updated_at: None,
        stats_json: if stats.is_null() {
            "{}".to_string()
        } else {
            stats.to_string()
        },
        stats: values,
    })
}

/// A row's `date`: `YYYY-MM-DD`, checked, so the views can cast it.
pub(super) fn date(row: &Value) -> Result<Option<String>, ShapeError> {
    let Some(d) = string(row, "date")? else {
        return Ok(None);
    };
    match chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
        Ok(_) => Ok(Some(d)),
        Err(_) => Err(ShapeError::Type {
            path: "date".to_string(),
            expected: "a date YYYY-MM-DD",
            found: d.chars().take(60).collect(),
        }),
    }
}

/// The week's key columns as values: (season, season type, week).
fn week_key(season_type: SeasonType, season: u16, week: u8) -> [Val; 3] {
    [
        Val::text(season.to_string()),
        Val::text(season_type.as_str()),
        Val::Int(Some(i32::from(week))),
    ]
}

pub(super) fn project_stats(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::NflStats {
        season_type,
        season,
        week,
    } = ctx.scope()?
    else {
        return Err(ctx.scope_err());
    };
    let key = week_key(season_type, season, week);
    let version = ctx.version();
    let mut line_rows = TableRows::new(&PLAYER_STAT_LINES, key.to_vec());
    let mut stat_rows = TableRows::new(&PLAYER_WEEK_STATS, key.to_vec());
    let mut samples = TableRows::new(&PLAYER_STAT_SAMPLES, vec![]);
    for line in lines(&ctx.env.body)? {
        let mut row = key.to_vec();
        row.push(Val::text(&line.player_id));
        for (stat, value) in &line.stats {
            let mut r = row.clone();
            r.extend([
                Val::text(stat),
                Val::Numeric(Some(*value)),
                Val::Text(Some(version.clone())),
            ]);
            stat_rows.push(r);
        }
        let mut sample = row.clone();
        sample.extend([
            Val::BigInt(Some(ctx.id.ms)),
            Val::BigInt(Some(ctx.id.seq)),
            Val::Timestamptz(Some(ctx.env.fetched_at_ms)),
            Val::Jsonb(Some(line.stats_json)),
        ]);
        samples.push(sample);
        row.extend([
            Val::Text(line.team),
            Val::Text(line.opponent),
            Val::Text(line.game_id),
            Val::Text(line.date),
            Val::Text(line.company),
            Val::Timestamptz(line.updated_at),
            Val::Text(Some(version.clone())),
        ]);
        line_rows.push(row);
    }
    Ok(Projection {
        snapshot: vec![line_rows, stat_rows],
        series: vec![samples],
    })
}

pub(super) fn project_projections(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::NflProjections {
        season_type,
        season,
        week,
    } = ctx.scope()?
    else {
        return Err(ctx.scope_err());
    };
    let key = week_key(season_type, season, week);
    let mut samples = TableRows::new(&PLAYER_PROJECTION_SAMPLES, vec![]);
    for line in lines(&ctx.env.body)? {
        let mut row = key.to_vec();
        row.extend([
            Val::text(&line.player_id),
            Val::BigInt(Some(ctx.id.ms)),
            Val::BigInt(Some(ctx.id.seq)),
            Val::Timestamptz(Some(ctx.env.fetched_at_ms)),
            Val::Text(line.team),
            Val::Text(line.opponent),
            Val::Text(line.game_id),
            Val::Text(line.date),
            Val::Jsonb(Some(line.stats_json)),
        ]);
        samples.push(row);
    }
    Ok(Projection {
        snapshot: vec![],
        series: vec![samples],
    })
}
