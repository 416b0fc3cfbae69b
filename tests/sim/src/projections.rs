//! Projections: what `/projections/nfl/...` serves for a week at an instant.
//!
//! A week's projections are published [`LEAD_MS`] before the week starts
//! (post-season rounds: when the round's teams are known) and revised every
//! day at the hour they were published. A player's projection stops changing
//! when his game kicks off; once the week is over ([`STAMP_AFTER_MS`] past its
//! end) every projection is stamped once more with values of its own, so the
//! numbers a client saw before kickoff are gone unless it kept them, as with
//! the real API.
//!
//! Players of `/players/nfl` whose team plays get projected stats (fractional,
//! two decimals), `gp` 1, Sleeper's `pts_*` and ADP keys; everyone else (free
//! agents, teams on bye, positions nobody projects) gets a placeholder row:
//! ADP keys only (999 when unranked), no opponent, no game.

use crate::calendar::DAY_MS;
use crate::games::{self, Game, SeasonType};
use crate::noise::{self, tag};
use crate::stat::{Dense, Line, Stat};
use crate::statlines::{add_sleeper_points, Dice, Role, Subject};
use crate::world::World;

/// How long before a regular week starts its projections appear.
pub const LEAD_MS: i64 = 7 * DAY_MS;
/// When, after a week's end, projections are stamped a last time.
pub const STAMP_AFTER_MS: i64 = 8 * 3_600_000;

/// Which revision of a projection is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// The n-th daily revision since publication.
    Day(u32),
    /// Stamped after the week ended.
    Final,
}

/// One projection row.
#[derive(Clone, Debug)]
pub struct ProjRow<'a> {
    pub subject: Subject<'a>,
    /// `None` for a placeholder.
    pub game: Option<Game>,
    pub stats: Line,
    pub last_modified: i64,
}

/// When a week's projections appear.
pub fn published_ms(world: &World, season: i32, season_type: SeasonType, week: u32) -> i64 {
    let cal = world.calendar(season);
    match season_type {
        SeasonType::Regular => cal.week_start_ms(week) - LEAD_MS,
        SeasonType::Post => games::known_from(world, season, season_type, week),
    }
}

/// When a week's projections are stamped after the week.
pub fn stamped_ms(world: &World, season: i32, season_type: SeasonType, week: u32) -> i64 {
    let calendar_week = match season_type {
        SeasonType::Regular => week,
        SeasonType::Post => world.config.weeks + week,
    };
    world.calendar(season).week_end_ms(calendar_week) + STAMP_AFTER_MS
}

/// The revision served at `at` for a player whose game is `game`, with the
/// time it was made.
pub fn version(world: &World, game: &Game, at: i64) -> (Version, i64) {
    let stamp = stamped_ms(world, game.season, game.season_type, game.week);
    if at >= stamp {
        return (Version::Final, stamp);
    }
    let published = published_ms(world, game.season, game.season_type, game.week);
    let until = at.min(game.window.0 - 1).max(published);
    let day = ((until - published) / DAY_MS) as u32;
    (Version::Day(day), published + i64::from(day) * DAY_MS)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// ADP keys: from the player's rank with some spread, 999 when unranked.
fn adp(seed: u64, s: &Subject, role: Option<Role>, week: u32) -> Vec<(Stat, f64)> {
    let u = |k: u64| noise::unit(seed, &[tag::PROJECTION, s.key, u64::from(week), 0xADB, k]);
    let p = s.player;
    let idp = matches!(role, Some(Role::Dl | Role::Lb | Role::Db));
    let base = if p.is_defense() {
        Some(110.0 + 60.0 * u(0))
    } else if p.search_rank < 9_999_999 && p.team.is_some() {
        Some(f64::from(p.search_rank))
    } else {
        None
    };
    let spread = |k: u64, b: f64| ((b * (0.85 + 0.3 * u(k))).max(1.0) * 10.0).round() / 10.0;
    let mut out: Vec<(Stat, f64)> = [
        Stat::AdpStd,
        Stat::AdpHalfPpr,
        Stat::AdpPpr,
        Stat::Adp2qb,
        Stat::AdpDynasty,
        Stat::AdpDynastyPpr,
    ]
    .iter()
    .enumerate()
    .map(|(k, &key)| {
        let b = base.map(|b| {
            if key == Stat::Adp2qb && p.position == "QB" {
                b * 0.5
            } else {
                b
            }
        });
        (key, b.map_or(999.0, |b| spread(k as u64 + 1, b)))
    })
    .collect();
    out.push((
        Stat::AdpIdp,
        if idp && p.team.is_some() {
            spread(9, 20.0 + 150.0 * u(10))
        } else {
            999.0
        },
    ));
    out
}

/// Projected stats of one revision.
fn projected(world: &World, s: &Subject, role: Role, game: &Game, v: Version) -> Dense {
    let seed = world.config.seed;
    let code = match v {
        Version::Day(n) => u64::from(n) + 1,
        Version::Final => 0xFFFF,
    };
    let dice = Dice::new(seed, tag::PROJECTION + (code << 8), game, s.key);
    let q = s.quality(seed);
    let share = 0.3 + 0.7 * q;
    let mut d = Dense::default();
    let mut k = 0u64;
    let mut put = |d: &mut Dense, key: Stat, mean: f64| {
        k += 1;
        d.set(key, round2(mean * (0.85 + 0.3 * dice.u(k))));
    };
    match role {
        Role::Qb => {
            put(&mut d, Stat::PassAtt, 34.0);
            put(&mut d, Stat::PassCmp, 22.0);
            put(&mut d, Stat::PassYd, 200.0 + 120.0 * q);
            put(&mut d, Stat::PassTd, 1.0 + 1.2 * q);
            put(&mut d, Stat::PassInt, 0.8);
            put(&mut d, Stat::RushAtt, 3.5);
            put(&mut d, Stat::RushYd, 15.0);
            put(&mut d, Stat::RushTd, 0.15);
            put(&mut d, Stat::FumLost, 0.15);
        }
        Role::Rb => {
            put(&mut d, Stat::RushAtt, 4.0 + 14.0 * share);
            put(&mut d, Stat::RushYd, (4.0 + 14.0 * share) * 4.2);
            put(&mut d, Stat::RushTd, 0.1 + 0.6 * share);
            put(&mut d, Stat::RecTgt, 1.5 + 4.0 * share);
            put(&mut d, Stat::Rec, 1.0 + 3.0 * share);
            put(&mut d, Stat::RecYd, (1.0 + 3.0 * share) * 7.0);
            put(&mut d, Stat::RecTd, 0.1);
            put(&mut d, Stat::FumLost, 0.06);
        }
        Role::Wr | Role::Te => {
            let te = if role == Role::Te { 0.7 } else { 1.0 };
            put(&mut d, Stat::RecTgt, (3.0 + 7.0 * share) * te);
            put(&mut d, Stat::Rec, (2.0 + 5.0 * share) * te);
            put(&mut d, Stat::RecYd, (2.0 + 5.0 * share) * 12.5 * te);
            put(&mut d, Stat::RecTd, (0.1 + 0.45 * share) * te);
            put(&mut d, Stat::RushYd, 1.5 * te);
            put(&mut d, Stat::FumLost, 0.04);
        }
        Role::K => {
            put(&mut d, Stat::Fga, 1.9);
            put(&mut d, Stat::Fgm, 1.65);
            put(&mut d, Stat::Fgm20_29, 0.5);
            put(&mut d, Stat::Fgm30_39, 0.5);
            put(&mut d, Stat::Fgm40_49, 0.45);
            put(&mut d, Stat::Fgm50p, 0.2);
            put(&mut d, Stat::Xpa, 2.6);
            put(&mut d, Stat::Xpm, 2.5);
        }
        Role::Def => {
            put(&mut d, Stat::PtsAllow, 24.0 - 6.0 * q);
            put(&mut d, Stat::YdsAllow, 340.0 - 40.0 * q);
            put(&mut d, Stat::Sack, 2.4);
            put(&mut d, Stat::Int, 0.8);
            put(&mut d, Stat::FumRec, 0.6);
            put(&mut d, Stat::DefTd, 0.12);
            put(&mut d, Stat::Safe, 0.03);
        }
        Role::Dl | Role::Lb | Role::Db => {
            let (solo, ast, sack) = match role {
                Role::Dl => (1.8, 1.4, 0.7),
                Role::Lb => (4.2, 2.5, 0.35),
                _ => (3.6, 1.2, 0.08),
            };
            put(&mut d, Stat::IdpTklSolo, solo * (0.6 + 0.8 * q));
            put(&mut d, Stat::IdpTklAst, ast);
            put(&mut d, Stat::IdpSack, sack);
            put(&mut d, Stat::IdpQbHit, sack * 1.2);
            put(&mut d, Stat::IdpPassDef, 0.5);
            put(&mut d, Stat::IdpInt, 0.07);
        }
        Role::Ol => {}
    }
    d.set(Stat::Gp, 1.0);
    add_sleeper_points(&mut d);
    d
}

/// Every projection row of a week at `at`, in `/players/nfl` order; empty
/// before the week's projections are published.
pub fn rows(
    world: &World,
    season: i32,
    season_type: SeasonType,
    week: u32,
    at: i64,
) -> Vec<ProjRow<'_>> {
    let seed = world.config.seed;
    let published = published_ms(world, season, season_type, week);
    let week_games = games::week_games(world, season, season_type, week);
    if week_games.is_empty() || at < published {
        return Vec::new();
    }
    let by_team = games::by_team(&week_games);
    (0..world.players.len())
        .map(|i| {
            let s = Subject::of(world, i);
            let role = s.role();
            let game = s.player.team_index.and_then(|t| by_team[t]);
            let mut adp_keys = adp(seed, &s, role, week);
            match (game, role) {
                (Some(g), Some(r)) if r != Role::Ol => {
                    let (v, last_modified) = version(world, &g, at);
                    let mut d = projected(world, &s, r, &g, v);
                    for (k, x) in adp_keys {
                        d.set(k, x);
                    }
                    ProjRow {
                        subject: s,
                        game: Some(g),
                        stats: d.line(),
                        last_modified,
                    }
                }
                _ => {
                    adp_keys.sort_by_key(|&(k, _)| k);
                    ProjRow {
                        subject: s,
                        game: None,
                        stats: adp_keys,
                        last_modified: published,
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GenConfig;

    #[test]
    fn revisions_change_before_kickoff_freeze_after_and_are_stamped() {
        let world = World::generate(&GenConfig::default());
        let cal = world.calendar(2025);
        let week = 6;
        let stats_of = |at: i64| -> Vec<Line> {
            rows(&world, 2025, SeasonType::Regular, week, at)
                .into_iter()
                .filter(|r| r.game.is_some())
                .map(|r| r.stats)
                .collect()
        };
        let published = published_ms(&world, 2025, SeasonType::Regular, week);
        assert!(rows(&world, 2025, SeasonType::Regular, week, published - 1).is_empty());
        let first = stats_of(published);
        assert!(!first.is_empty());
        let tuesday = stats_of(cal.week_start_ms(week) + 3_600_000);
        assert_ne!(first, tuesday);
        let during = stats_of(cal.week_day_at(week, 6, 23, 0));
        let after_games = stats_of(cal.week_end_ms(week) + 3_600_000);
        assert_eq!(during, after_games, "frozen after kickoff");
        let stamped = stats_of(stamped_ms(&world, 2025, SeasonType::Regular, week));
        assert_ne!(stamped, after_games);
        assert_eq!(stamped, stats_of(cal.week_end_ms(week + 5)));
        let all = rows(&world, 2025, SeasonType::Regular, week, published);
        assert!(all.iter().any(|r| r.game.is_none()
            && r.stats
                .iter()
                .all(|&(k, v)| k >= Stat::AdpStd && (v == 999.0 || v > 0.0))));
    }
}
