//! The NFL schedule: who plays whom, when, and the final score, per season,
//! season type and week; a pure function of the seed.
//!
//! Regular season: every week pairs the teams not on bye (weeks 5–14 have
//! byes, each team exactly one); the first pair plays Thursday night, the
//! second Monday night, the rest Sunday (the calendar's slots). Post season:
//! twelve teams by season strength, four rounds (wild card with seeds 1–4
//! resting, divisional, conference, final) played on the Sundays after the
//! regular season, the higher seed at home, winners by the game score.

use chrono::Datelike;

use crate::calendar::{ms_to_et, window_progress, SeasonCalendar, Slot};
use crate::noise::{self, tag};
use crate::world::{World, NFL_TEAMS};

/// Regular season or playoffs, as `season_type` says in the stats API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeasonType {
    Regular,
    Post,
}

impl SeasonType {
    pub fn as_str(self) -> &'static str {
        match self {
            SeasonType::Regular => "regular",
            SeasonType::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<SeasonType> {
        match s {
            "regular" => Some(SeasonType::Regular),
            "post" => Some(SeasonType::Post),
            _ => None,
        }
    }

    fn code(self) -> u64 {
        match self {
            SeasonType::Regular => 1,
            SeasonType::Post => 2,
        }
    }
}

/// Post-season rounds.
pub const POST_WEEKS: u32 = 4;

/// One NFL game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Game {
    pub season: i32,
    pub season_type: SeasonType,
    /// The week within its season type (post: 1–4).
    pub week: u32,
    /// The calendar week its dates come from (post week k: regular weeks + k).
    pub calendar_week: u32,
    /// Indexes into `NFL_TEAMS`.
    pub home: usize,
    pub away: usize,
    pub slot: Slot,
    /// The live window `[start, end)`, unix ms.
    pub window: (i64, i64),
}

/// The key noise draws of one game and team are made under.
pub fn game_keys(g: &Game) -> [u64; 3] {
    [g.season as u64, g.season_type.code(), u64::from(g.week)]
}

impl Game {
    /// Text, joining stat rows to the schedule: season, type digit, week, home team.
    pub fn game_id(&self) -> String {
        format!(
            "{}{}{:02}{:02}",
            self.season,
            self.season_type.code(),
            self.week,
            self.home + 1
        )
    }

    /// The US-Eastern date it is played on, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        let d = ms_to_et(self.window.0).date();
        format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    }

    pub fn has(&self, team: usize) -> bool {
        self.home == team || self.away == team
    }

    pub fn opponent(&self, team: usize) -> usize {
        if team == self.home {
            self.away
        } else {
            self.home
        }
    }

    /// Whole minutes played and the window's minutes, at `at`.
    pub fn progress(&self, at: i64) -> (i64, i64) {
        window_progress(self.window, at)
    }

    /// At least one minute played: the game has a box score.
    pub fn started(&self, at: i64) -> bool {
        self.progress(at).0 > 0
    }

    pub fn complete(&self, at: i64) -> bool {
        at >= self.window.1
    }

    /// `pre_game`, `in_progress` or `complete`, as the schedule shows it.
    pub fn status(&self, at: i64) -> &'static str {
        if at < self.window.0 {
            "pre_game"
        } else if at < self.window.1 {
            "in_progress"
        } else {
            "complete"
        }
    }

    /// The team's final score.
    pub fn final_points(&self, seed: u64, team: usize) -> u32 {
        let [s, st, w] = game_keys(self);
        let u = |k: u64| noise::unit(seed, &[tag::GAME, s, st, w, team as u64, k]);
        let strength = team_strength(seed, self.season, team);
        let tds = poisson(u(0), 1.6 + 1.6 * strength);
        let fgs = poisson(u(1), 1.7);
        let missed_xp = u32::from(tds > 0 && u(2) < 0.12);
        let safety = u32::from(u(3) < 0.02);
        7 * tds + 3 * fgs + 2 * safety - missed_xp
    }

    /// The team's score at `at`: the final score times the share of the
    /// game played, rounded down.
    pub fn points_at(&self, seed: u64, team: usize, at: i64) -> u32 {
        let (elapsed, total) = self.progress(at);
        (i64::from(self.final_points(seed, team)) * elapsed / total) as u32
    }

    /// The winner: the higher score, the home team on a tie.
    pub fn winner(&self, seed: u64) -> usize {
        if self.final_points(seed, self.away) > self.final_points(seed, self.home) {
            self.away
        } else {
            self.home
        }
    }
}

/// A count drawn from a Poisson distribution of `mean` by inverting its CDF at `u`.
pub fn poisson(u: f64, mean: f64) -> u32 {
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut n = 0u32;
    while u > cdf && n < 60 {
        n += 1;
        p *= mean / f64::from(n);
        cdf += p;
    }
    n
}

/// How good a team is in a season, 0..1.
pub fn team_strength(seed: u64, season: i32, team: usize) -> f64 {
    noise::unit(seed, &[tag::GAME, season as u64, 0, 0, team as u64, 99])
}

/// Teams on bye in a regular-season week: weeks 5–14 rest 2, 2, 4, 4, 4, 4,
/// 4, 4, 2, 2 teams, every team once.
pub fn byes(seed: u64, season: i32, week: u32) -> Vec<usize> {
    const SIZES: [usize; 10] = [2, 2, 4, 4, 4, 4, 4, 4, 2, 2];
    if !(5..=14).contains(&week) {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..NFL_TEAMS.len()).collect();
    order.sort_by_key(|&t| noise::mix(seed, &[tag::BYE, season as u64, t as u64]));
    let k = (week - 5) as usize;
    let start: usize = SIZES[..k].iter().sum();
    order[start..start + SIZES[k]].to_vec()
}

fn game(
    cal: &SeasonCalendar,
    season: i32,
    season_type: SeasonType,
    week: u32,
    calendar_week: u32,
    (home, away): (usize, usize),
    slot: Slot,
) -> Game {
    Game {
        season,
        season_type,
        week,
        calendar_week,
        home,
        away,
        slot,
        window: cal.window(calendar_week, slot).unwrap_or((0, 0)),
    }
}

/// The regular-season games of a week, Thursday's first, then Monday's, then Sunday's.
pub fn regular(world: &World, season: i32, week: u32) -> Vec<Game> {
    let seed = world.config.seed;
    if week == 0 || week > world.config.weeks {
        return Vec::new();
    }
    let cal = world.calendar(season);
    let off = byes(seed, season, week);
    let mut playing: Vec<usize> = (0..NFL_TEAMS.len()).filter(|t| !off.contains(t)).collect();
    playing
        .sort_by_key(|&t| noise::mix(seed, &[tag::SLOT, season as u64, u64::from(week), t as u64]));
    playing
        .chunks_exact(2)
        .enumerate()
        .map(|(k, pair)| {
            let slot = match k {
                0 => Slot::Thursday,
                1 => Slot::Monday,
                _ => Slot::Sunday,
            };
            let flip = noise::unit(
                seed,
                &[tag::SLOT, season as u64, u64::from(week), pair[0] as u64, 1],
            ) < 0.5;
            let teams = if flip {
                (pair[1], pair[0])
            } else {
                (pair[0], pair[1])
            };
            game(&cal, season, SeasonType::Regular, week, week, teams, slot)
        })
        .collect()
}

/// Every post-season round's games, known or not (round k's teams are the
/// winners of round k − 1).
pub fn post_rounds(world: &World, season: i32) -> Vec<Vec<Game>> {
    let seed = world.config.seed;
    let cal = world.calendar(season);
    let weeks = world.config.weeks;
    let mut seeds: Vec<usize> = (0..NFL_TEAMS.len()).collect();
    seeds.sort_by(|&a, &b| {
        team_strength(seed, season, b)
            .total_cmp(&team_strength(seed, season, a))
            .then(a.cmp(&b))
    });
    seeds.truncate(12);
    let rank = |t: usize| seeds.iter().position(|&s| s == t).unwrap_or(99);
    let mut rounds: Vec<Vec<Game>> = Vec::new();
    // Alive teams, best seed first; seeds 1–4 skip the first round.
    let mut waiting: Vec<usize> = seeds[..4].to_vec();
    let mut field: Vec<usize> = seeds[4..].to_vec();
    for week in 1..=POST_WEEKS {
        field.sort_by_key(|&t| rank(t));
        let n = field.len();
        let games: Vec<Game> = (0..n / 2)
            .map(|i| {
                let (a, b) = (field[i], field[n - 1 - i]);
                game(
                    &cal,
                    season,
                    SeasonType::Post,
                    week,
                    weeks + week,
                    (a, b),
                    Slot::Sunday,
                )
            })
            .collect();
        let winners: Vec<usize> = games.iter().map(|g| g.winner(seed)).collect();
        rounds.push(games);
        field = std::mem::take(&mut waiting);
        field.extend(winners);
    }
    rounds
}

/// The games of a week of either season type (post: only the round's
/// matchups, whether or not they are known yet at some instant).
pub fn week_games(world: &World, season: i32, season_type: SeasonType, week: u32) -> Vec<Game> {
    match season_type {
        SeasonType::Regular => regular(world, season, week),
        SeasonType::Post if (1..=POST_WEEKS).contains(&week) => post_rounds(world, season)
            .into_iter()
            .nth(week as usize - 1)
            .unwrap_or_default(),
        SeasonType::Post => Vec::new(),
    }
}

/// When a week's matchups are known: always for the regular season; a post
/// round once the previous round (or the regular season) is over.
pub fn known_from(world: &World, season: i32, season_type: SeasonType, week: u32) -> i64 {
    match season_type {
        SeasonType::Regular => i64::MIN,
        SeasonType::Post => world
            .calendar(season)
            .week_end_ms(world.config.weeks + week - 1),
    }
}

/// Each team's game of the week, indexed like `NFL_TEAMS`.
pub fn by_team(games: &[Game]) -> [Option<Game>; 32] {
    let mut out = [None; 32];
    for g in games {
        out[g.home] = Some(*g);
        out[g.away] = Some(*g);
    }
    out
}

/// Which slot each team plays in during a regular-season week.
pub fn slots(world: &World, season: i32, week: u32) -> [Slot; 32] {
    let mut out = [Slot::Bye; 32];
    for g in regular(world, season, week) {
        out[g.home] = g.slot;
        out[g.away] = g.slot;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GenConfig;

    #[test]
    fn every_team_plays_once_a_week_and_has_one_bye() {
        let world = World::generate(&GenConfig::default());
        let mut bye_weeks = [0u32; 32];
        for week in 1..=18 {
            let games = regular(&world, 2025, week);
            let mut seen = [0u32; 32];
            for g in &games {
                seen[g.home] += 1;
                seen[g.away] += 1;
                assert_ne!(g.home, g.away);
                assert!(g.window.0 < g.window.1);
            }
            for t in 0..32 {
                assert!(seen[t] <= 1, "week {week}: team {t} twice");
                if seen[t] == 0 {
                    bye_weeks[t] += 1;
                    assert!((5..=14).contains(&week));
                }
            }
            assert_eq!(games.iter().filter(|g| g.slot == Slot::Thursday).count(), 1);
            assert_eq!(games.iter().filter(|g| g.slot == Slot::Monday).count(), 1);
        }
        assert_eq!(bye_weeks, [1; 32]);
    }

    #[test]
    fn post_season_narrows_to_a_final() {
        let world = World::generate(&GenConfig::default());
        let rounds = post_rounds(&world, 2025);
        let sizes: Vec<usize> = rounds.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 4, 2, 1]);
        let cal = world.calendar(2025);
        assert!(rounds[0][0].window.0 > cal.week_end_ms(18));
        assert_eq!(rounds[3][0].season_type, SeasonType::Post);
        assert_eq!(rounds[0][0].game_id().len(), 9);
    }

    #[test]
    fn poisson_has_its_mean() {
        let n = 20_000;
        let mean: f64 = (0..n)
            .map(|i| f64::from(poisson(noise::unit(3, &[i]), 2.5)))
            .sum::<f64>()
            / f64::from(n as u32);
        assert!((mean - 2.5).abs() < 0.06, "{mean}");
    }
}
