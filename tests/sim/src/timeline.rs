//! Everything that changes with simulated time, derived from the world and
//! an instant: league and draft status, rosters after the moves made so far,
//! lineups, live scores (each league's scoring of the stat lines in
//! `statlines`, as far as the games have gone), standings and playoff brackets.
//!
//! All of it is a pure function of (world, overlay, now): no state is kept
//! between requests, so what a client sees depends on the simulated time
//! only, never on how many requests came before.

use std::collections::HashMap;
use std::sync::Arc;

use crate::calendar::{Phase, SeasonCalendar, Slot};
use crate::games::{self, Game};
use crate::noise::{self, tag};
use crate::overlay::Overlay;
use crate::statlines::{self, StatLine};
use crate::world::{Draft, League, LeagueKind, Pick, World};

/// One roster's row of a week.
#[derive(Clone, Debug)]
pub struct WeekRow {
    pub roster_id: u32,
    /// Sorted by player id, as Sleeper lists them.
    pub players: Vec<usize>,
    /// `None` is an empty slot, rendered "0".
    pub starters: Vec<Option<usize>>,
    /// Hundredths of a point.
    pub player_points: Vec<i64>,
    pub starter_points: Vec<i64>,
    pub points: i64,
    pub matchup_id: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct Record {
    pub wins: u32,
    pub losses: u32,
    pub ties: u32,
    /// Hundredths.
    pub fpts: i64,
    pub fpts_against: i64,
    pub ppts: i64,
    /// One letter per completed week: W, L or T.
    pub results: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Seed(usize),
    Winner(u32),
    Loser(u32),
}

/// One bracket match as served: teams and results appear once known.
#[derive(Clone, Debug)]
pub struct BracketMatch {
    pub m: u32,
    pub r: u32,
    pub p: Option<u32>,
    pub t1: Option<u32>,
    pub t2: Option<u32>,
    pub t1_from: Option<Source>,
    pub t2_from: Option<Source>,
    pub w: Option<u32>,
    pub l: Option<u32>,
}

/// (m, r, p, t1, t2) of a bracket of 6, 4 or 2 teams.
type Template = (u32, u32, Option<u32>, Source, Source);

fn layout(teams: usize) -> &'static [Template] {
    use Source::{Loser as L, Seed as S, Winner as W};
    const SIX: &[Template] = &[
        (1, 1, None, S(3), S(6)),
        (2, 1, None, S(4), S(5)),
        (3, 2, None, S(1), W(1)),
        (4, 2, None, S(2), W(2)),
        (5, 2, Some(5), L(1), L(2)),
        (6, 3, Some(1), W(3), W(4)),
        (7, 3, Some(3), L(3), L(4)),
    ];
    const FOUR: &[Template] = &[
        (1, 1, None, S(1), S(4)),
        (2, 1, None, S(2), S(3)),
        (3, 2, Some(1), W(1), W(2)),
        (4, 2, Some(3), L(1), L(2)),
    ];
    const TWO: &[Template] = &[(1, 1, Some(1), S(1), S(2))];
    match teams {
        6.. => SIX,
        4 | 5 => FOUR,
        2 | 3 => TWO,
        _ => &[],
    }
}

/// A toilet bowl's source: the loser of a game where a bracket that lets
/// winners advance takes the winner, and the other way round.
fn swap_sides(s: Source) -> Source {
    match s {
        Source::Winner(m) => Source::Loser(m),
        Source::Loser(m) => Source::Winner(m),
        seed => seed,
    }
}

/// A week's game against the league median (`league_average_match`): each
/// roster above the median of the week's points wins it, below loses, at
/// it ties (the median of an even count is the mean of the middle two).
fn add_median_results(records: &mut [Record], rows: &[WeekRow]) {
    let mut points: Vec<i64> = rows.iter().map(|r| r.points).collect();
    if points.is_empty() {
        return;
    }
    points.sort_unstable();
    let n = points.len();
    // Twice the median, to stay in integers.
    let twice = points[(n - 1) / 2] + points[n / 2];
    for row in rows {
        let rec = &mut records[row.roster_id as usize - 1];
        match (2 * row.points).cmp(&twice) {
            std::cmp::Ordering::Greater => rec.wins += 1,
            std::cmp::Ordering::Less => rec.losses += 1,
            std::cmp::Ordering::Equal => rec.ties += 1,
        }
    }
}

/// The world seen at one simulated instant.
pub struct Moment<'a> {
    pub world: &'a World,
    pub overlay: &'a Overlay,
    pub now: i64,
}

impl<'a> Moment<'a> {
    pub fn new(world: &'a World, overlay: &'a Overlay, now: i64) -> Self {
        Self {
            world,
            overlay,
            now,
        }
    }

    fn seed(&self) -> u64 {
        self.world.config.seed
    }

    pub fn calendar(&self, season: i32) -> SeasonCalendar {
        self.world.calendar(season)
    }

    /// Where the current season is at `now`.
    pub fn nfl_phase(&self) -> Phase {
        self.calendar(self.world.current_season()).phase(self.now)
    }

    pub fn picks_made(&self, draft: &'a Draft) -> &'a [Pick] {
        let made = draft.picks.partition_point(|p| p.at_ms <= self.now);
        &draft.picks[..made]
    }

    pub fn draft_status(&self, draft: &Draft) -> &'static str {
        if self.now < draft.start_ms {
            "pre_draft"
        } else if self.picks_made(draft).len() < draft.picks.len() {
            "drafting"
        } else {
            "complete"
        }
    }

    /// `pre_draft`, `drafting`, `in_season` or `complete` (or a test's override).
    pub fn league_status(&self, league: &League) -> String {
        if let Some(s) = self.overlay.league_status.get(&league.league_id) {
            return s.clone();
        }
        if league.kind == LeagueKind::Complete {
            return "complete".into();
        }
        match self.draft_status(&league.draft) {
            "complete" => {}
            other => return other.into(),
        }
        if self.calendar(league.season).phase(self.now) == Phase::Post {
            "complete".into()
        } else {
            "in_season".into()
        }
    }

    /// Rosters (index `roster_id - 1`) after the picks and moves made by `at`.
    pub fn rosters_at(&self, league: &League, at: i64) -> Vec<Vec<usize>> {
        let mut rosters = vec![Vec::new(); league.owners.len()];
        for p in league.draft.picks.iter().take_while(|p| p.at_ms <= at) {
            rosters[p.roster_id as usize - 1].push(p.player);
        }
        let mut moves: Vec<_> = league
            .transactions
            .iter()
            .filter(|t| t.complete && t.status_updated_ms <= at)
            .collect();
        moves.sort_by_key(|t| (t.status_updated_ms, t.id));
        for t in moves {
            for &(p, r) in &t.drops {
                rosters[r as usize - 1].retain(|&x| x != p);
            }
            for &(p, r) in &t.adds {
                let roster = &mut rosters[r as usize - 1];
                if !roster.contains(&p) {
                    roster.push(p);
                }
            }
        }
        let players = &self.world.players;
        for r in &mut rosters {
            r.sort_by(|&a, &b| players[a].id.cmp(&players[b].id));
        }
        rosters
    }

    /// Starting lineup by the slots of `roster_positions`, best players
    /// first; `None` where no player fits (or, rarely, the manager forgot).
    pub fn lineup(
        &self,
        league: &League,
        roster_id: u32,
        week: u32,
        players: &[usize],
        score: &dyn Fn(usize) -> f64,
    ) -> Vec<Option<usize>> {
        let world = self.world;
        let mut ranked = players.to_vec();
        ranked.sort_by(|&a, &b| score(b).total_cmp(&score(a)));
        let mut used = vec![false; ranked.len()];
        let forgot = noise::unit(
            self.seed(),
            &[
                tag::ZERO_GAME,
                league.index as u64,
                u64::from(roster_id),
                u64::from(week),
                1,
            ],
        ) < 0.04;
        league
            .roster_positions
            .iter()
            .filter(|s| **s != "BN")
            .enumerate()
            .map(|(k, slot)| {
                if forgot && k == 2 {
                    return None;
                }
                let fits = |pos: &str| {
                    pos == *slot || (*slot == "FLEX" && matches!(pos, "RB" | "WR" | "TE"))
                };
                let found = (0..ranked.len())
                    .find(|&i| !used[i] && fits(world.players[ranked[i]].position))?;
                used[found] = true;
                Some(ranked[found])
            })
            .collect()
    }

    /// Which slot each NFL team plays in during a regular-season week.
    pub fn week_slots(&self, season: i32, week: u32) -> [Slot; 32] {
        games::slots(self.world, season, week)
    }

    /// Each NFL team's game of a regular-season week (`None`: on bye).
    pub fn team_games(&self, season: i32, week: u32) -> [Option<Game>; 32] {
        games::by_team(&games::regular(self.world, season, week))
    }

    /// A player's stat line of a regular-season week as `/stats/nfl` serves
    /// it at `at`: `None` before his game starts, on bye, or when he did not play.
    pub fn stat_line(&self, season: i32, week: u32, player: usize, at: i64) -> Option<StatLine> {
        statlines::player_line(self.world, &self.team_games(season, week), player, at)
    }

    /// A player's points in a league at `at`, in hundredths: the league's
    /// scoring of his stat line then (0 without one). `games` are the week's
    /// [`Moment::team_games`].
    pub fn player_points(
        &self,
        league: &League,
        games: &[Option<Game>; 32],
        player: usize,
        at: i64,
    ) -> i64 {
        statlines::player_hundredths(self.world, games, player, at, &league.scoring)
    }

    /// The latest stat-correction instant of `season`'s regular weeks that
    /// has passed at `now` (`i64::MIN` if none).
    fn corrections_passed(&self, season: i32) -> i64 {
        (1..=self.world.config.weeks)
            .flat_map(|w| statlines::week_correction_times(self.world, season, w))
            .filter(|&t| t <= self.now)
            .max()
            .unwrap_or(i64::MIN)
    }

    /// Whether the league plays fantasy games in `week` at all (drafted, and
    /// the week within its season).
    pub fn plays(&self, league: &League, week: u32) -> bool {
        week >= league.settings.start_week
            && week <= league.last_week()
            && !league.draft.picks.is_empty()
            && self.now >= league.draft.end_ms()
    }

    /// Every roster's row of `week` with the points as of `at` (lineups as
    /// of kickoff, or `at` if earlier), without matchup ids.
    fn rows_unpaired(&self, league: &League, week: u32, at: i64) -> Vec<WeekRow> {
        let cal = self.calendar(league.season);
        let rosters = self.rosters_at(league, at.min(cal.kickoff_ms(week)));
        let games = self.team_games(league.season, week);
        let mut cache: HashMap<usize, i64> = HashMap::new();
        let mut pts = |p: usize| {
            *cache
                .entry(p)
                .or_insert_with(|| self.player_points(league, &games, p, at))
        };
        rosters
            .iter()
            .enumerate()
            .map(|(i, players)| {
                let roster_id = i as u32 + 1;
                let quality = |p: usize| self.world.players[p].quality;
                let starters = self.lineup(league, roster_id, week, players, &quality);
                let player_points: Vec<i64> = players.iter().map(|&p| pts(p)).collect();
                let starter_points: Vec<i64> =
                    starters.iter().map(|s| s.map_or(0, &mut pts)).collect();
                WeekRow {
                    roster_id,
                    players: players.clone(),
                    points: starter_points.iter().sum(),
                    starters,
                    player_points,
                    starter_points,
                    matchup_id: None,
                }
            })
            .collect()
    }

    /// Every roster's row of `week` at `now`, paired by `matchup_id`.
    pub fn week_rows(&self, league: &League, week: u32) -> Vec<WeekRow> {
        if !self.plays(league, week) {
            return Vec::new();
        }
        let mut rows = self.rows_unpaired(league, week, self.now);
        let pairs: Vec<(u32, u32)> = if week < league.settings.playoff_week_start {
            league
                .schedule
                .get((week - league.settings.start_week) as usize)
                .cloned()
                .unwrap_or_default()
        } else {
            let round = league.round_of_week(week);
            [true, false]
                .iter()
                .flat_map(|&w| self.bracket(league, w))
                .filter(|m| m.r == round)
                .filter_map(|m| Some((m.t1?, m.t2?)))
                .collect()
        };
        for (k, (a, b)) in pairs.into_iter().enumerate() {
            for r in [a, b] {
                if let Some(row) = rows.get_mut(r as usize - 1) {
                    row.matchup_id = Some(k as u32 + 1);
                }
            }
        }
        rows
    }

    /// Records over the regular-season weeks finished by `now`, stat
    /// corrections included. They only change when a week ends or a
    /// correction lands, so they are memoized per (league, weeks finished,
    /// latest correction passed): the rosters endpoint needs them on every
    /// request.
    pub fn standings(&self, league: &League) -> Arc<Vec<Record>> {
        let cal = self.calendar(league.season);
        let finished = (league.settings.start_week..league.settings.playoff_week_start)
            .take_while(|&w| self.plays(league, w) && self.now >= cal.week_end_ms(w))
            .count() as u32;
        let key = (
            league.index,
            finished,
            self.corrections_passed(league.season),
        );
        if let Some(hit) = self.world.standings_memo(key) {
            return hit;
        }
        let records = Arc::new(self.compute_standings(league, finished));
        self.world.remember_standings(key, records.clone());
        records
    }

    fn compute_standings(&self, league: &League, finished: u32) -> Vec<Record> {
        let n = league.owners.len();
        let mut records = vec![Record::default(); n];
        let start = league.settings.start_week;
        for week in start..start + finished {
            let rows = self.week_rows(league, week);
            for row in &rows {
                let rec = &mut records[row.roster_id as usize - 1];
                rec.fpts += row.points;
                let best = |p: usize| {
                    row.players
                        .iter()
                        .position(|&x| x == p)
                        .map_or(0.0, |i| row.player_points[i] as f64)
                };
                let optimal = self.lineup(league, row.roster_id, week + 1000, &row.players, &best);
                rec.ppts += optimal
                    .iter()
                    .flatten()
                    .map(|&p| best(p) as i64)
                    .sum::<i64>();
                let Some(mid) = row.matchup_id else { continue };
                let Some(opp) = rows
                    .iter()
                    .find(|o| o.matchup_id == Some(mid) && o.roster_id != row.roster_id)
                else {
                    continue;
                };
                rec.fpts_against += opp.points;
                let result = match row.points.cmp(&opp.points) {
                    std::cmp::Ordering::Greater => 'W',
                    std::cmp::Ordering::Less => 'L',
                    std::cmp::Ordering::Equal => 'T',
                };
                match result {
                    'W' => rec.wins += 1,
                    'L' => rec.losses += 1,
                    _ => rec.ties += 1,
                }
                rec.results.push(result);
            }
            if league.settings.median {
                add_median_results(&mut records, &rows);
            }
        }
        records
    }

    /// Roster ids ordered best first by wins, then points, as the regular
    /// season ended (later stat corrections do not reseed the playoffs).
    fn seeds(&self, league: &League) -> Vec<u32> {
        let end = self
            .calendar(league.season)
            .week_end_ms(league.settings.playoff_week_start - 1);
        let records = Moment::new(self.world, self.overlay, end.min(self.now)).standings(league);
        let mut ids: Vec<u32> = (1..=league.owners.len() as u32).collect();
        ids.sort_by(|&a, &b| {
            let (ra, rb) = (&records[a as usize - 1], &records[b as usize - 1]);
            (rb.wins, rb.fpts).cmp(&(ra.wins, ra.fpts)).then(a.cmp(&b))
        });
        ids
    }

    /// The winners (or losers) bracket as known at `now`; empty until the
    /// regular season is over.
    pub fn bracket(&self, league: &League, winners: bool) -> Vec<BracketMatch> {
        let cal = self.calendar(league.season);
        let ps = league.settings.playoff_week_start;
        if !self.plays(league, ps) || self.now < cal.week_end_ms(ps - 1) {
            return Vec::new();
        }
        let seeds = self.seeds(league);
        let k = league.settings.playoff_teams as usize;
        let toilet_bowl = !winners && league.settings.loser_bracket_type == Some(0);
        let entrants: Vec<u32> = if winners {
            seeds[..k.min(seeds.len())].to_vec()
        } else if league.settings.loser_bracket_type == Some(1) {
            // A consolation bracket: the best team left out is its first seed.
            seeds[k.min(seeds.len())..].to_vec()
        } else {
            // The toilet bowl: the worst team is its first seed.
            seeds[k.min(seeds.len())..].iter().rev().copied().collect()
        };
        let template = layout(entrants.len());
        let mut out: Vec<BracketMatch> = Vec::new();
        let mut week_points: HashMap<u32, Vec<i64>> = HashMap::new();
        for &(m, r, p, s1, s2) in template {
            // In a toilet bowl the loser of each game plays on.
            let (s1, s2) = if toilet_bowl {
                (swap_sides(s1), swap_sides(s2))
            } else {
                (s1, s2)
            };
            let resolve = |s: Source, out: &[BracketMatch]| match s {
                Source::Seed(i) => entrants.get(i - 1).copied(),
                Source::Winner(x) => out.iter().find(|b| b.m == x).and_then(|b| b.w),
                Source::Loser(x) => out.iter().find(|b| b.m == x).and_then(|b| b.l),
            };
            let (t1, t2) = (resolve(s1, &out), resolve(s2, &out));
            let (first, last) = league.round_weeks(r);
            let (mut w, mut l) = (None, None);
            if let (Some(a), Some(b)) = (t1, t2) {
                if self.now >= cal.week_end_ms(last) {
                    // Decided on the scores as each week ended, before
                    // corrections; a two-week round on both weeks' sum.
                    let (mut pa, mut pb) = (0, 0);
                    for week in first..=last {
                        let pts = week_points.entry(week).or_insert_with(|| {
                            self.rows_unpaired(league, week, cal.week_end_ms(week))
                                .iter()
                                .map(|r| r.points)
                                .collect()
                        });
                        pa += pts[a as usize - 1];
                        pb += pts[b as usize - 1];
                    }
                    (w, l) = if pa >= pb {
                        (Some(a), Some(b))
                    } else {
                        (Some(b), Some(a))
                    };
                }
            }
            let from = |s: Source| (!matches!(s, Source::Seed(_))).then_some(s);
            out.push(BracketMatch {
                m,
                r,
                p,
                t1,
                t2,
                t1_from: from(s1),
                t2_from: from(s2),
                w,
                l,
            });
        }
        out
    }

    /// The latest league chat message at `now`: (time, author user index).
    pub fn last_message(&self, league: &League) -> (i64, usize) {
        let cal = self.calendar(league.season);
        let until = self
            .now
            .min(cal.week_end_ms(self.world.config.weeks) + 30 * 86_400_000);
        let hour = until.div_euclid(3_600_000);
        for h in (hour - 96..=hour).rev() {
            let keys = [tag::CHAT, league.index as u64, h as u64];
            if noise::unit(self.seed(), &keys) < 0.35 {
                let at = h * 3_600_000
                    + noise::below(
                        self.seed(),
                        &[tag::CHAT, league.index as u64, h as u64, 1],
                        3_600_000,
                    ) as i64;
                if at <= until && at >= league.created_ms {
                    let author = league.owners[noise::below(
                        self.seed(),
                        &[tag::CHAT, h as u64, 2],
                        league.owners.len() as u64,
                    ) as usize];
                    return (at, author);
                }
            }
        }
        (league.created_ms, league.commissioner)
    }
}
