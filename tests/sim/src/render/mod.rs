//! Turns the world at one instant into the JSON bodies of each endpoint,
//! shaped like the real payloads in `fixtures/sleeper/` (same keys, same
//! quirks: big ids as JSON numbers, `null` for empty arrays, `"0"` slots,
//! float32 artefacts).
//!
//! - `nfl`      — `/state/nfl`, `/players/nfl`, trending
//! - `league`   — the league object, league users, user, user leagues
//! - `rosters`  — `/league/{id}/rosters`
//! - `matchups` — matchups and the two brackets
//! - `moves`    — transactions and traded picks
//! - `drafts`   — league drafts, draft, picks, draft traded picks
//! - `weekly`   — weekly stats, projections and the NFL schedule (at the root)
//!
//! `None` means "not found": the server answers `null`. Stats and
//! projections without `season_type` are `None` too (the server answers 400
//! before rendering).

mod drafts;
mod league;
mod matchups;
mod moves;
mod nfl;
mod rosters;
mod weekly;

use serde_json::Value;

use crate::games::SeasonType;
use crate::route::Endpoint;
use crate::timeline::Moment;

/// A points value in hundredths as the JSON float Sleeper sends (`108.9`).
pub(crate) fn points(hundredths: i64) -> Value {
    Value::from(hundredths as f64 / 100.0)
}

pub fn render(m: &Moment, endpoint: &Endpoint) -> Option<Value> {
    let world = m.world;
    let league = |id: &str| world.league(id);
    let draft = |id: &str| world.league_by_draft(id);
    match endpoint {
        Endpoint::State => Some(nfl::state(m)),
        Endpoint::Players => Some(nfl::players(m)),
        Endpoint::Trending {
            add,
            lookback_hours,
            limit,
        } => Some(nfl::trending(m, *add, *lookback_hours, *limit)),
        Endpoint::User(u) => world.user(u).map(|u| league::user(m, u)),
        Endpoint::UserLeagues { user, season } => {
            let u = world.user(user)?;
            Some(league::user_leagues(m, u, season))
        }
        Endpoint::League(id) => league(id).map(|l| league::league(m, l)),
        Endpoint::Rosters(id) => league(id).map(|l| rosters::rosters(m, l)),
        Endpoint::Users(id) => league(id).map(|l| league::users(m, l)),
        Endpoint::Matchups(id, week) => {
            let l = league(id)?;
            let week: u32 = week.parse().ok()?;
            Some(matchups::matchups(m, l, week))
        }
        Endpoint::Transactions(id, round) => {
            let l = league(id)?;
            let round: u32 = round.parse().ok()?;
            Some(moves::transactions(m, l, round))
        }
        Endpoint::TradedPicks(id) => league(id).map(|l| moves::traded_picks(m, l)),
        Endpoint::WinnersBracket(id) => league(id).map(|l| matchups::bracket(m, l, true)),
        Endpoint::LosersBracket(id) => league(id).map(|l| matchups::bracket(m, l, false)),
        Endpoint::LeagueDrafts(id) => league(id).map(|l| Value::Array(vec![drafts::listed(m, l)])),
        Endpoint::Draft(id) => draft(id).map(|l| drafts::draft(m, l)),
        Endpoint::DraftPicks(id) => draft(id).map(|l| drafts::picks(m, l)),
        Endpoint::DraftTradedPicks(id) => draft(id).map(drafts::traded_picks),
        Endpoint::Stats {
            season,
            week,
            season_type,
        } => weekly_rows(season, week, season_type.as_deref()?, |season, st, week| {
            weekly::stats(m, season, st, week)
        }),
        Endpoint::Projections {
            season,
            week,
            season_type,
        } => weekly_rows(season, week, season_type.as_deref()?, |season, st, week| {
            weekly::projections(m, season, st, week)
        }),
        Endpoint::Schedule {
            season_type,
            season,
        } => {
            let st = SeasonType::parse(season_type)?;
            Some(weekly::schedule(m, st, season.parse().ok()?))
        }
    }
}

/// Stats or projections of a week: `None` (not found) when the season or
/// week is not a number, `[]` for a season type without data (`pre`).
fn weekly_rows(
    season: &str,
    week: &str,
    season_type: &str,
    rows: impl FnOnce(i32, SeasonType, u32) -> Value,
) -> Option<Value> {
    let season: i32 = season.parse().ok()?;
    let week: u32 = week.parse().ok()?;
    Some(match SeasonType::parse(season_type) {
        Some(st) => rows(season, st, week),
        None => Value::Array(Vec::new()),
    })
}
