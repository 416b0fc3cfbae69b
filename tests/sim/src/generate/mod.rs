//! Builds a [`World`] from a [`GenConfig`]: deterministic per seed.
//!
//! - `players`      — the player map, team defences included
//! - `users`        — the user pool leagues draw their members from
//! - `leagues`      — league chains (one league per season, linked by `previous_league_id`)
//! - `drafts`       — each league season's draft and the rosters it produces
//! - `transactions` — a season of waivers, free-agent moves, trades, commissioner moves
//! - `scoring`      — each league's scoring settings
//! - `names`        — fixed word lists
//!
//! One `StdRng` seeded from the seed is consumed in a fixed order, so the
//! same config always gives the same world.

mod drafts;
mod leagues;
mod names;
mod players;
pub mod scoring;
mod transactions;
mod users;

use std::ops::RangeInclusive;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::calendar::SeasonCalendar;
use crate::world::World;

pub use players::is_fantasy;

/// What to generate. `Default` gives a small world: 3 leagues, 12 rosters,
/// 1–3 seasons each, 18 weeks, 400 players.
#[derive(Clone, Debug)]
pub struct GenConfig {
    pub seed: u64,
    /// Number of league chains (each one league per season).
    pub leagues: usize,
    /// Rosters per league; even, at least 4.
    pub rosters_per_league: u32,
    /// Seasons per chain, chosen per chain from this range.
    pub seasons: RangeInclusive<u32>,
    /// NFL weeks per season (fantasy playoffs end in week `weeks - 1`).
    pub weeks: u32,
    /// Players in `/players/nfl`, the 32 team defences included.
    pub players: usize,
    /// Size of the user pool; default `leagues * 6 + 24`, so users share leagues.
    pub users: Option<usize>,
    pub current_season: i32,
    /// The week of the default start instant (Sunday 12:55 ET).
    pub live_week: u32,
    /// The instant live things are placed around (the running draft); the
    /// default start of the clock. Default: Sunday 12:55 ET of `live_week`.
    pub start_ms: Option<i64>,
    /// How many of the newest leagues are drafting around the start instant.
    pub drafting_leagues: usize,
    /// How many leagues have their draft days after the start instant.
    pub pre_draft_leagues: usize,
    /// Simulated seconds between picks of a running draft.
    pub pick_interval_secs: u32,
    /// Opt in to seasons that differ the way a long-lived league's do (see
    /// `leagues::Variation`): median games, two-week playoff rounds, both
    /// kinds of losers bracket, orphaned rosters, renamed members, roster
    /// ids kept from season to season and future picks that change hands
    /// (and are drafted by their new owner). Off by default: the default
    /// world is unchanged.
    pub varied_seasons: bool,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            leagues: 3,
            rosters_per_league: 12,
            seasons: 1..=3,
            weeks: 18,
            players: 400,
            users: None,
            current_season: 2025,
            live_week: 10,
            start_ms: None,
            drafting_leagues: 1,
            pre_draft_leagues: 1,
            pick_interval_secs: 30,
            varied_seasons: false,
        }
    }
}

impl GenConfig {
    /// The instant the world is built around; the clock's default start.
    pub fn anchor_ms(&self) -> i64 {
        self.start_ms.unwrap_or_else(|| {
            SeasonCalendar::new(self.current_season, self.weeks)
                .sunday_before_games_ms(self.live_week.clamp(1, self.weeks.max(1)))
        })
    }

    /// The config with sizes brought into the ranges the generator supports.
    fn normalized(&self) -> Self {
        let mut c = self.clone();
        c.rosters_per_league = (c.rosters_per_league.max(4) / 2) * 2;
        c.weeks = c.weeks.max(4);
        let lo = (*c.seasons.start()).max(1);
        c.seasons = lo..=(*c.seasons.end()).max(lo);
        // Every roster needs 15 drafted players plus a free-agent pool.
        c.players = c.players.max(c.rosters_per_league as usize * 15 + 100);
        c
    }
}

impl World {
    /// Generates the world for `config`; the same config gives the same world.
    pub fn generate(config: &GenConfig) -> World {
        let config = config.normalized();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let players = players::generate(&mut rng, config.players);
        let pool = config.users.unwrap_or(config.leagues * 6 + 24);
        let mut users = users::generate(&mut rng, pool.max(config.rosters_per_league as usize + 4));
        let (leagues, chains) = leagues::generate(&mut rng, &config, &players, &mut users);
        let stat_only = players::stat_only(config.seed, &players);
        World::assemble(config, players, stat_only, users, leagues, chains)
    }
}
