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
//!
//! `None` means "not found": the server answers `null`.

mod drafts;
mod league;
mod matchups;
mod moves;
mod nfl;
mod rosters;

use serde_json::Value;

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
    }
}
