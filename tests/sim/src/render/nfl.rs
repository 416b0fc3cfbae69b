//! `/state/nfl`, `/players/nfl` and the trending lists.

use serde_json::{json, Map, Value};

use crate::calendar::{Phase, DAY_MS};
use crate::noise::{self, tag};
use crate::timeline::Moment;
use crate::world::Player;

pub fn state(m: &Moment) -> Value {
    let season = m.world.current_season();
    let cal = m.calendar(season);
    let weeks = m.world.config.weeks;
    let (week, season_type, display_week) = match m.nfl_phase() {
        Phase::Pre => (1, "pre", 0),
        Phase::Week(w) => (w, "regular", w),
        Phase::Post => (weeks, "post", weeks),
    };
    json!({
        "week": week,
        "leg": week,
        "season": season.to_string(),
        "season_type": season_type,
        "league_season": season.to_string(),
        "previous_season": (season - 1).to_string(),
        "season_start_date": cal.week1_thursday.format("%Y-%m-%d").to_string(),
        "display_week": display_week,
        "league_create_season": season.to_string(),
        "season_has_scores": true,
    })
}

/// Injury status for the simulated day: injury-prone players come and go,
/// so the player map changes from day to day like the real one.
fn injury(m: &Moment, index: usize, p: &Player) -> Option<&'static str> {
    injury_at(m.world.config.seed, index, p, m.now)
}

/// A player's injury status at `at` (it changes once a week).
pub(crate) fn injury_at(seed: u64, index: usize, p: &Player, at: i64) -> Option<&'static str> {
    if !p.injury_prone {
        return None;
    }
    let week = at.div_euclid(7 * DAY_MS) as u64;
    match noise::below(seed, &[tag::INJURY, index as u64, week], 6) {
        0 => Some("Questionable"),
        1 => Some("Out"),
        2 => Some("IR"),
        3 => Some("Doubtful"),
        _ => None,
    }
}

fn player(m: &Moment, index: usize, p: &Player) -> Value {
    if p.is_defense() {
        // Team defences carry only these keys in the real map.
        return json!({
            "team": p.team,
            "sport": "nfl",
            "position": "DEF",
            "player_id": p.id,
            "last_name": p.last_name,
            "injury_status": null,
            "first_name": p.first_name,
            "fantasy_positions": ["DEF"],
            "active": true,
        });
    }
    let team_code = p.team.unwrap_or("FA");
    let status = injury(m, index, p);
    let metadata = p.metadata.as_ref().map(|kv| {
        kv.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect::<Map<String, Value>>()
    });
    json!({
        "sport": "nfl",
        "pandascore_id": null,
        "injury_status": status,
        "yahoo_id": p.yahoo_id,
        "birth_city": null,
        "height": p.height,
        "birth_state": null,
        "injury_body_part": status.map(|_| "Knee"),
        "years_exp": p.years_exp,
        "depth_chart_position": p.team.map(|_| p.position),
        "injury_notes": null,
        "age": p.age,
        "weight": p.weight,
        "stats_id": null,
        "status": p.status,
        "gsis_id": p.gsis_id,
        "team": p.team,
        "position": p.position,
        "full_name": format!("{} {}", p.first_name, p.last_name),
        "practice_participation": null,
        "player_id": p.id,
        "number": p.number,
        "metadata": metadata,
        "injury_start_date": null,
        "espn_id": p.espn_id,
        "birth_country": null,
        "rotoworld_id": null,
        "rotowire_id": p.rotowire_id,
        "search_first_name": p.first_name.to_lowercase(),
        "sportradar_id": p.sportradar_id,
        "search_last_name": p.last_name.to_lowercase(),
        "hashtag": format!("#{}{}-NFL-{}-{}", p.first_name, p.last_name, team_code, p.number),
        "search_full_name": format!("{}{}", p.first_name, p.last_name).to_lowercase(),
        "depth_chart_order": p.depth_chart_order,
        "high_school": null,
        "swish_id": null,
        "college": p.college,
        "fantasy_data_id": p.fantasy_data_id,
        "fantasy_positions": p.fantasy_positions,
        "news_updated": p.news_updated,
        "active": p.active,
        "search_rank": p.search_rank,
        "first_name": p.first_name,
        "birth_date": p.birth_date,
        "practice_description": null,
        "last_name": p.last_name,
    })
}

pub fn players(m: &Moment) -> Value {
    let map: Map<String, Value> = m
        .world
        .players
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), player(m, i, p)))
        .collect();
    Value::Object(map)
}

/// The most added (or dropped) players over the lookback, changing every
/// ten simulated minutes.
pub fn trending(m: &Moment, add: bool, lookback_hours: u32, limit: usize) -> Value {
    let seed = m.world.config.seed;
    let bucket = m.now.div_euclid(600_000) as u64;
    let hour = bucket / 6;
    let scale = f64::from(lookback_hours) / 24.0;
    let mut scored: Vec<(u64, &str)> = m
        .world
        .players
        .iter()
        .enumerate()
        .filter(|(_, p)| p.team.is_some() && (p.search_rank < 300 || p.is_defense()))
        .map(|(i, p)| {
            let base = noise::unit(seed, &[tag::TRENDING, u64::from(add), hour, i as u64]).powi(4);
            let jitter = noise::unit(seed, &[tag::TRENDING, u64::from(add), bucket, i as u64]);
            (
                (base * 400_000.0 * scale + jitter * 500.0 * scale) as u64 + 1,
                p.id.as_str(),
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.truncate(limit);
    Value::Array(
        scored
            .into_iter()
            .map(|(count, id)| json!({ "count": count, "player_id": id }))
            .collect(),
    )
}
