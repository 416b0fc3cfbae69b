//! `/stats/nfl/{season}/{week}`, `/projections/nfl/{season}/{week}` and
//! `/schedule/nfl/{season_type}/{season}`: served at the root, as Sleeper
//! serves them on api.sleeper.com, not under `/v1`.

use serde_json::{json, Map, Value};

use crate::games::{self, Game, SeasonType, POST_WEEKS};
use crate::projections;
use crate::stat::Line;
use crate::statlines::{self, Subject};
use crate::timeline::Moment;
use crate::world::NFL_TEAMS;

use super::nfl::injury_at;

/// Who sends the numbers, as rows name it.
const STATS_COMPANY: &str = "sportradar";
const PROJECTIONS_COMPANY: &str = "rotowire";

/// Seasons the simulator answers for; others are empty.
fn plausible(season: i32) -> bool {
    (1990..=2200).contains(&season)
}

/// The player as the row embeds him: a copy as of the game, not the player map.
fn embedded(m: &Moment, s: &Subject, at: i64) -> Value {
    let p = s.player;
    let status = s
        .index
        .and_then(|i| injury_at(m.world.config.seed, i, p, at));
    let metadata = p.metadata.as_ref().map(|kv| {
        kv.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect::<Map<String, Value>>()
    });
    json!({
        "first_name": p.first_name,
        "last_name": p.last_name,
        "position": p.position,
        "fantasy_positions": p.fantasy_positions,
        "team": p.team,
        "injury_status": status,
        "injury_body_part": status.map(|_| "Knee"),
        "injury_notes": null,
        "injury_start_date": null,
        "news_updated": p.news_updated,
        "years_exp": (!p.is_defense()).then_some(p.years_exp),
        "metadata": metadata,
    })
}

fn stats_map(stats: &Line) -> Value {
    Value::Object(
        stats
            .iter()
            .map(|&(k, v)| (k.as_str().to_string(), Value::from(v)))
            .collect(),
    )
}

struct RowSpec<'a> {
    category: &'static str,
    company: &'static str,
    season: i32,
    season_type: SeasonType,
    week: u32,
    game: Option<&'a Game>,
    stats: &'a Line,
    last_modified: i64,
}

fn row(m: &Moment, s: &Subject, r: RowSpec) -> Value {
    let p = s.player;
    let opponent = match (r.game, p.team_index) {
        (Some(g), Some(t)) => Some(NFL_TEAMS[g.opponent(t)]),
        _ => None,
    };
    let at = r.game.map_or(m.now, |g| g.window.0);
    json!({
        "player_id": p.id,
        "season": r.season.to_string(),
        "season_type": r.season_type.as_str(),
        "week": r.week,
        "sport": "nfl",
        "category": r.category,
        "company": r.company,
        "team": p.team,
        "opponent": opponent,
        "game_id": r.game.map(Game::game_id),
        "date": r.game.map(Game::date),
        "last_modified": r.last_modified,
        "updated_at": r.last_modified,
        "player": embedded(m, s, at),
        "stats": stats_map(r.stats),
    })
}

/// One row per player (or team defence) with a stat line at `now`: `[]`
/// before the week's first game has started.
pub fn stats(m: &Moment, season: i32, season_type: SeasonType, week: u32) -> Value {
    if !plausible(season) {
        return Value::Array(Vec::new());
    }
    let world = m.world;
    let by_team = games::by_team(&games::week_games(world, season, season_type, week));
    let rows = statlines::subjects(world)
        .filter_map(|s| {
            let game = by_team[s.player.team_index?]?;
            let line = statlines::line(world, &s, &game, m.now)?;
            Some(row(
                m,
                &s,
                RowSpec {
                    category: "stat",
                    company: STATS_COMPANY,
                    season,
                    season_type,
                    week,
                    game: Some(&game),
                    stats: &line.stats,
                    last_modified: line.last_modified,
                },
            ))
        })
        .collect();
    Value::Array(rows)
}

/// Every player's projection row as of `now` (placeholders included); `[]`
/// before the week's projections are published.
pub fn projections(m: &Moment, season: i32, season_type: SeasonType, week: u32) -> Value {
    if !plausible(season) {
        return Value::Array(Vec::new());
    }
    let rows = projections::rows(m.world, season, season_type, week, m.now)
        .into_iter()
        .map(|r| {
            row(
                m,
                &r.subject,
                RowSpec {
                    category: "proj",
                    company: PROJECTIONS_COMPANY,
                    season,
                    season_type,
                    week,
                    game: r.game.as_ref(),
                    stats: &r.stats,
                    last_modified: r.last_modified,
                },
            )
        })
        .collect();
    Value::Array(rows)
}

/// The season's games with their status at `now`; post-season rounds once
/// their teams are known. Teams on bye are absent from their week.
pub fn schedule(m: &Moment, season_type: SeasonType, season: i32) -> Value {
    if !plausible(season) {
        return Value::Array(Vec::new());
    }
    let world = m.world;
    let weeks = match season_type {
        SeasonType::Regular => world.config.weeks,
        SeasonType::Post => POST_WEEKS,
    };
    let mut all: Vec<Game> = (1..=weeks)
        .filter(|&w| games::known_from(world, season, season_type, w) <= m.now)
        .flat_map(|w| games::week_games(world, season, season_type, w))
        .collect();
    all.sort_by_key(|g| (g.week, g.window.0, g.home));
    let rows = all
        .iter()
        .map(|g| {
            json!({
                "week": g.week,
                "date": g.date(),
                "home": NFL_TEAMS[g.home],
                "away": NFL_TEAMS[g.away],
                "game_id": g.game_id(),
                "status": g.status(m.now),
            })
        })
        .collect();
    Value::Array(rows)
}
