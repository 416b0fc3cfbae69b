//! Box scores: every player's stat line of a week, as `/stats/nfl/...`
//! serves it at an instant; a pure function of (seed, game, player, instant).
//!
//! A line is built in three steps:
//!
//! 1. the final *base* counts of the game (yards, catches, attempts, field
//!    goals by distance, tackles, the points the opponent scored ...), drawn
//!    from the seed for the player's role and quality;
//! 2. stat corrections: after the week is over, at [`CORRECTION_OFFSETS_MS`]
//!    past the week's end, a few players each get one base value changed
//!    (yards by a few, a catch or a tackle more or less);
//! 3. while the game runs, every base count is scaled by the share of the
//!    game played (whole minutes, rounded toward zero in halves), then the
//!    *derived* keys are computed from what is there: bonuses
//!    (`bonus_rec_yd_100` ...), defence bands (`pts_allow_14_20` ...),
//!    kicking totals, and Sleeper's default scorings `pts_std`,
//!    `pts_half_ppr`, `pts_ppr`.
//!
//! Keys whose value is 0 are left out. Every scorable value is a multiple of
//! 1/2 (see `scoring` for why that keeps the arithmetic exact).

use std::sync::OnceLock;

use crate::calendar::DAY_MS;
use crate::games::{game_keys, poisson, Game};
use crate::noise::{self, tag};
use crate::scoring::{self, Scoring};
use crate::stat::{Dense, Line, Stat};
use crate::world::{Player, World};

const HOUR_MS: i64 = 3_600_000;

/// When corrections land, after the end of the week a game belongs to
/// (Tuesday 00:00 ET): Tuesday 10:00, Wednesday 10:00 and Thursday 10:00.
pub const CORRECTION_OFFSETS_MS: [i64; 3] = [
    10 * HOUR_MS,
    DAY_MS + 10 * HOUR_MS,
    2 * DAY_MS + 10 * HOUR_MS,
];

/// Chance that a player who played gets a correction in one round.
const CORRECTION_RATE: f64 = 0.06;

/// What a player does on the field, from his position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Qb,
    Rb,
    Wr,
    Te,
    K,
    Def,
    Dl,
    Lb,
    Db,
    /// Offensive line: plays, never scores.
    Ol,
}

pub fn role(position: &str) -> Option<Role> {
    Some(match position {
        "QB" => Role::Qb,
        "RB" => Role::Rb,
        "WR" => Role::Wr,
        "TE" => Role::Te,
        "K" => Role::K,
        "DEF" => Role::Def,
        "DL" => Role::Dl,
        "LB" => Role::Lb,
        "DB" => Role::Db,
        "OT" | "OL" => Role::Ol,
        _ => return None,
    })
}

/// A player who can have stat lines: one of `/players/nfl` (`index`), or a
/// stat-only player Sleeper's stats list and its player map lacks.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// Keys the player's noise draws: the world index, or past it.
    pub key: u64,
    pub index: Option<usize>,
    pub player: &'a Player,
}

impl<'a> Subject<'a> {
    pub fn of(world: &'a World, index: usize) -> Self {
        Subject {
            key: index as u64,
            index: Some(index),
            player: &world.players[index],
        }
    }

    pub fn role(&self) -> Option<Role> {
        role(self.player.position)
    }

    /// 0..1: the generated quality, or a drawn one for positions the world
    /// does not rank (defensive players, linemen, stat-only players).
    pub fn quality(&self, seed: u64) -> f64 {
        if self.player.quality > 0.0 {
            self.player.quality
        } else {
            noise::unit(seed, &[tag::STATS, self.key, 0x51]).powi(2)
        }
    }
}

/// Every player of `/players/nfl`, then the stat-only ones.
pub fn subjects(world: &World) -> impl Iterator<Item = Subject<'_>> {
    let n = world.players.len();
    (0..n)
        .map(|i| Subject::of(world, i))
        .chain(
            world
                .stat_only
                .iter()
                .enumerate()
                .map(move |(k, p)| Subject {
                    key: (n + k) as u64,
                    index: None,
                    player: p,
                }),
        )
}

/// Seeded draws for one (game, player).
pub(crate) struct Dice {
    seed: u64,
    keys: [u64; 6],
}

impl Dice {
    pub(crate) fn new(seed: u64, stream: u64, game: &Game, subject: u64) -> Self {
        let [s, st, w] = game_keys(game);
        Dice {
            seed,
            keys: [stream, s, st, w, subject, 0],
        }
    }

    pub(crate) fn u(&self, k: u64) -> f64 {
        let mut keys = self.keys;
        keys[5] = k;
        noise::unit(self.seed, &keys)
    }

    /// A Poisson count of `mean`, as f64.
    pub(crate) fn count(&self, k: u64, mean: f64) -> f64 {
        f64::from(poisson(self.u(k), mean))
    }

    /// `lo + (hi - lo) * u`, rounded.
    pub(crate) fn range(&self, k: u64, lo: f64, hi: f64) -> f64 {
        (lo + (hi - lo) * self.u(k)).round()
    }
}

/// Field-goal distance buckets: (made key, missed key, lower bound).
const FG_BUCKETS: [(Stat, Stat, u32); 6] = [
    (Stat::Fgm0_19, Stat::Fgmiss0_19, 0),
    (Stat::Fgm20_29, Stat::Fgmiss20_29, 20),
    (Stat::Fgm30_39, Stat::Fgmiss30_39, 30),
    (Stat::Fgm40_49, Stat::Fgmiss40_49, 40),
    (Stat::Fgm50_59, Stat::Fgmiss50p, 50),
    (Stat::Fgm60p, Stat::Fgmiss50p, 60),
];

fn passing(d: &mut Dense, dice: &Dice, q: f64) {
    let att = dice.range(10, 24.0, 42.0);
    let cmp = (att * (0.55 + 0.17 * dice.u(11))).round();
    d.set(Stat::PassAtt, att);
    d.set(Stat::PassCmp, cmp);
    d.set(Stat::PassInc, att - cmp);
    let yd = (cmp * (8.0 + 3.5 * dice.u(12) + 3.0 * q)).round();
    d.set(Stat::PassYd, yd);
    d.set(
        Stat::PassLng,
        (yd * (0.15 + 0.2 * dice.u(13))).round().min(yd),
    );
    d.set(Stat::PassFd, (cmp * 0.55).round());
    d.set(Stat::PassTd, dice.count(14, 0.8 + 1.6 * q));
    let int = dice.count(15, 0.75);
    d.set(Stat::PassInt, int);
    if int > 0.0 && dice.u(16) < 0.08 {
        d.set(Stat::PassIntTd, 1.0);
    }
    d.set(Stat::PassSack, dice.count(17, 2.2));
    d.set(Stat::Pass2pt, dice.count(18, 0.06));
}

fn rushing(d: &mut Dense, dice: &Dice, mean_att: f64) {
    let att = dice.count(20, mean_att);
    if att == 0.0 {
        return;
    }
    let mut yd = (att * (1.5 + 4.0 * dice.u(21))).round();
    if att <= 3.0 && dice.u(22) < 0.3 {
        // Stuffed: a loss on the day.
        yd = -(1.0 + (4.0 * dice.u(23)).floor());
    }
    d.set(Stat::RushAtt, att);
    d.set(Stat::RushYd, yd);
    d.set(
        Stat::RushLng,
        (yd * (0.3 + 0.5 * dice.u(24))).round().max(yd.min(0.0)),
    );
    d.set(Stat::RushFd, (yd.max(0.0) / 9.0).floor());
    d.set(Stat::RushTd, dice.count(25, 0.05 + 0.06 * att));
    d.set(Stat::Rush2pt, dice.count(26, 0.02));
}

fn receiving(d: &mut Dense, dice: &Dice, mean_tgt: f64, per_catch: (f64, f64), td_mean: f64) {
    let tgt = dice.count(30, mean_tgt);
    if tgt == 0.0 {
        return;
    }
    let rec = (tgt * (0.5 + 0.35 * dice.u(31))).round().min(tgt);
    d.set(Stat::RecTgt, tgt);
    if rec == 0.0 {
        return;
    }
    let mut yd = (rec * (per_catch.0 + (per_catch.1 - per_catch.0) * dice.u(32))).round();
    if rec == 1.0 && dice.u(33) < 0.12 {
        // A screen thrown behind the line.
        yd = -(1.0 + (3.0 * dice.u(34)).floor());
    }
    d.set(Stat::Rec, rec);
    d.set(Stat::RecYd, yd);
    d.set(
        Stat::RecLng,
        (yd * (0.3 + 0.5 * dice.u(35))).round().max(yd.min(0.0)),
    );
    d.set(Stat::RecFd, (yd.max(0.0) / 12.0).floor().min(rec));
    d.set(Stat::RecTd, dice.count(36, td_mean).min(rec));
    d.set(Stat::Rec2pt, dice.count(37, 0.02));
}

fn fumbles(d: &mut Dense, dice: &Dice, mean: f64) {
    let fum = dice.count(40, mean);
    d.set(Stat::Fum, fum);
    d.set(Stat::FumLost, (fum * dice.u(41) * 1.6).floor().min(fum));
}

fn snaps(d: &mut Dense, dice: &Dice, share: f64, defence: bool) {
    let team = dice.range(45, 55.0, 75.0);
    let own = (team * share).round().max(1.0);
    if defence {
        d.set(Stat::DefSnp, own);
        d.set(Stat::TmDefSnp, team);
    } else {
        d.set(Stat::OffSnp, own);
        d.set(Stat::TmOffSnp, team);
    }
}

fn kicking(d: &mut Dense, dice: &Dice) {
    let xp = dice.count(50, 2.6);
    let xp_missed = if xp > 0.0 && dice.u(51) < 0.07 {
        1.0
    } else {
        0.0
    };
    d.set(Stat::Xpm, xp - xp_missed);
    d.set(Stat::Xpmiss, xp_missed);
    let attempts = poisson(dice.u(52), 1.9);
    let (mut yds, mut longest) = (0.0, 0.0);
    for i in 0..u64::from(attempts) {
        let dist = 18 + (42.0 * dice.u(60 + 2 * i).powf(0.85)) as u32;
        let made_rate = match dist {
            0..=39 => 0.93,
            40..=49 => 0.8,
            _ => 0.62,
        };
        let made = dice.u(61 + 2 * i) < made_rate;
        let (hit, miss, _) = FG_BUCKETS
            .iter()
            .rev()
            .find(|b| dist >= b.2)
            .copied()
            .unwrap_or(FG_BUCKETS[0]);
        if made {
            d.add(hit, 1.0);
            yds += f64::from(dist);
            longest = f64::max(longest, f64::from(dist));
        } else {
            d.add(miss, 1.0);
        }
    }
    d.set(Stat::FgmYds, yds);
    d.set(Stat::FgmLng, longest);
}

fn team_defence(d: &mut Dense, dice: &Dice, points_allowed: u32) {
    d.set(Stat::PtsAllow, f64::from(points_allowed));
    d.set(
        Stat::YdsAllow,
        (160.0 + 5.0 * f64::from(points_allowed) + 180.0 * dice.u(70)).round(),
    );
    d.set(Stat::Sack, dice.count(71, 2.4));
    d.set(Stat::Int, dice.count(72, 0.8));
    d.set(Stat::FumRec, dice.count(73, 0.6));
    d.set(Stat::Ff, dice.count(74, 0.9));
    d.set(Stat::DefTd, dice.count(75, 0.12));
    d.set(Stat::Safe, dice.count(76, 0.03));
    d.set(Stat::BlkKick, dice.count(77, 0.06));
    d.set(Stat::DefStTd, dice.count(78, 0.04));
    d.set(Stat::DefStFumRec, dice.count(79, 0.05));
    d.set(Stat::DefStFf, dice.count(80, 0.05));
    d.set(Stat::Def2pt, dice.count(81, 0.01));
    d.set(Stat::TklLoss, dice.count(82, 5.0));
    d.set(Stat::QbHit, dice.count(83, 5.5));
    d.set(Stat::DefPassDef, dice.count(84, 5.0));
}

/// (solo, assisted, half sacks, qb hits, tackles for loss, pass defended, interceptions).
fn idp_means(role: Role) -> [f64; 7] {
    match role {
        Role::Dl => [1.8, 1.4, 1.4, 1.0, 0.6, 0.2, 0.01],
        Role::Lb => [4.2, 2.5, 0.7, 0.5, 0.5, 0.4, 0.06],
        _ => [3.6, 1.2, 0.15, 0.1, 0.2, 0.9, 0.14],
    }
}

fn individual_defence(d: &mut Dense, dice: &Dice, role: Role, q: f64) {
    let m = idp_means(role);
    let scale = 0.6 + 0.8 * q;
    d.set(Stat::IdpTklSolo, dice.count(90, m[0] * scale));
    d.set(Stat::IdpTklAst, dice.count(91, m[1] * scale));
    d.set(Stat::IdpSack, dice.count(92, m[2] * scale) / 2.0);
    d.set(Stat::IdpQbHit, dice.count(93, m[3] * scale));
    d.set(Stat::IdpTklLoss, dice.count(94, m[4] * scale));
    d.set(Stat::IdpPassDef, dice.count(95, m[5] * scale));
    let int = dice.count(96, m[6]);
    d.set(Stat::IdpInt, int);
    d.set(Stat::IdpFf, dice.count(97, 0.06));
    let rec = dice.count(98, 0.05);
    d.set(Stat::IdpFumRec, rec);
    if int + rec > 0.0 && dice.u(99) < 0.15 {
        d.set(Stat::IdpDefTd, 1.0);
    }
    d.set(Stat::IdpSafe, dice.count(100, 0.005));
}

/// The final, uncorrected base counts of a player's game; `None` when he did
/// not play.
fn base(world: &World, s: &Subject, game: &Game) -> Option<Dense> {
    let seed = world.config.seed;
    let role = s.role()?;
    let team = s.player.team_index?;
    let dice = Dice::new(seed, tag::STATS, game, s.key);
    let q = s.quality(seed);
    let inactive = match role {
        Role::Def => 0.0,
        Role::K => 0.02,
        Role::Qb | Role::Rb | Role::Wr | Role::Te => 0.05,
        Role::Dl | Role::Lb | Role::Db => 0.08,
        Role::Ol => 0.1,
    };
    if dice.u(0) < inactive {
        return None;
    }
    let mut d = Dense::default();
    d.set(Stat::Gp, 1.0);
    let starter = q > 0.25 || matches!(role, Role::Qb | Role::K | Role::Def);
    if starter && role != Role::Def {
        d.set(Stat::Gs, 1.0);
    }
    let share = 0.3 + 0.7 * q;
    // A skill player who played and did nothing a scoring counts.
    let quiet = matches!(role, Role::Rb | Role::Wr | Role::Te) && dice.u(1) < 0.06;
    match role {
        _ if quiet => {
            snaps(&mut d, &dice, 0.05 + 0.2 * dice.u(2), false);
            if dice.u(3) < 0.5 {
                d.set(Stat::RecTgt, 1.0);
            }
        }
        Role::Qb => {
            snaps(&mut d, &dice, 1.0, false);
            passing(&mut d, &dice, q);
            rushing(&mut d, &dice, 3.5);
            fumbles(&mut d, &dice, 0.3);
        }
        Role::Rb => {
            snaps(&mut d, &dice, share * 0.9, false);
            rushing(&mut d, &dice, 4.0 + 16.0 * share);
            receiving(&mut d, &dice, 1.0 + 4.0 * share, (3.0, 10.0), 0.12);
            fumbles(&mut d, &dice, 0.12);
            if share < 0.5 && dice.u(5) < 0.25 {
                d.set(Stat::KrYd, dice.range(6, 15.0, 75.0));
            }
        }
        Role::Wr | Role::Te => {
            let wr = role == Role::Wr;
            snaps(&mut d, &dice, share, false);
            let (tgt, per_catch, td) = if wr {
                (2.0 + 9.0 * share, (8.0, 17.0), 0.1 + 0.6 * share)
            } else {
                (1.0 + 6.0 * share, (7.0, 13.0), 0.1 + 0.4 * share)
            };
            receiving(&mut d, &dice, tgt, per_catch, td);
            if wr && dice.u(5) < 0.15 {
                d.set(Stat::RushAtt, 1.0);
                d.set(Stat::RushYd, dice.range(6, -5.0, 16.0));
            }
            if wr && dice.u(7) < 0.1 {
                d.set(Stat::PrYd, dice.range(8, 3.0, 40.0));
                if dice.u(9) < 0.05 {
                    d.set(Stat::StTd, 1.0);
                }
            }
            fumbles(&mut d, &dice, 0.05);
        }
        Role::K => kicking(&mut d, &dice),
        Role::Def => {
            let allowed = game.final_points(seed, game.opponent(team));
            team_defence(&mut d, &dice, allowed);
        }
        Role::Dl | Role::Lb | Role::Db => {
            snaps(&mut d, &dice, share, true);
            individual_defence(&mut d, &dice, role, q);
        }
        Role::Ol => snaps(&mut d, &dice, 1.0, false),
    }
    Some(d)
}

/// The base values a correction may change, for a role.
fn correctable(role: Role) -> &'static [Stat] {
    match role {
        Role::Qb => &[Stat::PassYd, Stat::RushYd, Stat::PassCmp],
        Role::Rb => &[Stat::RushYd, Stat::RecYd, Stat::Rec],
        Role::Wr | Role::Te => &[Stat::RecYd, Stat::Rec, Stat::RecYd],
        Role::K => &[Stat::FgmYds],
        Role::Def => &[Stat::YdsAllow, Stat::Sack, Stat::QbHit],
        Role::Dl | Role::Lb | Role::Db => &[Stat::IdpTklSolo, Stat::IdpTklAst, Stat::IdpQbHit],
        Role::Ol => &[],
    }
}

/// When the stat corrections of a calendar week's games land.
pub fn week_correction_times(world: &World, season: i32, calendar_week: u32) -> [i64; 3] {
    let end = world.calendar(season).week_end_ms(calendar_week);
    CORRECTION_OFFSETS_MS.map(|o| end + o)
}

/// When a game's stat corrections land.
pub fn correction_times(world: &World, game: &Game) -> [i64; 3] {
    week_correction_times(world, game.season, game.calendar_week)
}

/// Applies the corrections made by `at`; returns the time of the latest one applied.
fn correct(
    world: &World,
    s: &Subject,
    role: Role,
    game: &Game,
    d: &mut Dense,
    at: i64,
) -> Option<i64> {
    let dice = Dice::new(world.config.seed, tag::CORRECTION, game, s.key);
    let keys = correctable(role);
    let mut latest = None;
    for (round, when) in correction_times(world, game).into_iter().enumerate() {
        let r = round as u64 * 8;
        if when > at || keys.is_empty() || dice.u(r) >= CORRECTION_RATE {
            continue;
        }
        let key = keys[(dice.u(r + 1) * keys.len() as f64) as usize % keys.len()];
        let v = d.get(key);
        if v == 0.0 {
            // Nothing there to correct.
            continue;
        }
        let yards = matches!(
            key,
            Stat::PassYd | Stat::RushYd | Stat::RecYd | Stat::YdsAllow | Stat::FgmYds
        );
        let delta = if yards {
            let size = 1.0 + (6.0 * dice.u(r + 2)).floor();
            if dice.u(r + 3) < 0.5 {
                -size
            } else {
                size
            }
        } else if dice.u(r + 3) < 0.5 {
            -1.0
        } else {
            1.0
        };
        d.set(key, v + delta);
        // Catches and completions keep their attempts consistent.
        if key == Stat::Rec {
            d.set(Stat::RecTgt, d.get(Stat::RecTgt).max(v + delta));
        }
        if key == Stat::PassCmp {
            d.set(Stat::PassAtt, d.get(Stat::PassAtt).max(v + delta));
            d.set(Stat::PassInc, d.get(Stat::PassAtt) - v - delta);
        }
        latest = Some(when);
    }
    latest
}

/// Base counts at `elapsed` of `total` minutes, each scaled toward zero
/// (whole counts to whole numbers, half sacks to halves).
fn scale(d: &mut Dense, elapsed: i64, total: i64) {
    if elapsed >= total {
        return;
    }
    for &s in Stat::ALL {
        let v = d.get(s);
        if v == 0.0 || matches!(s, Stat::Gp | Stat::Gs) {
            continue;
        }
        // Whole counts stay whole; half sacks scale in halves.
        let scaled = if v.fract() == 0.0 {
            (v as i64 * elapsed / total) as f64
        } else {
            ((v * 2.0).round() as i64 * elapsed / total) as f64 / 2.0
        };
        d.set(s, scaled);
    }
}

fn flag(d: &mut Dense, s: Stat, on: bool) {
    d.set(s, if on { 1.0 } else { 0.0 });
}

/// Sleeper's default scorings for `pts_std`, `pts_half_ppr`, `pts_ppr`.
pub fn sleeper_defaults() -> &'static [Scoring; 3] {
    static DEFAULTS: OnceLock<[Scoring; 3]> = OnceLock::new();
    DEFAULTS.get_or_init(|| [0.0, 0.5, 1.0].map(scoring::sleeper_default))
}

/// Adds the derived keys to base counts.
fn finish(role: Role, d: &mut Dense) {
    let rec = d.get(Stat::Rec);
    let (pass, rush, recv) = (d.get(Stat::PassYd), d.get(Stat::RushYd), d.get(Stat::RecYd));
    flag(d, Stat::BonusPassYd300, pass >= 300.0);
    flag(d, Stat::BonusPassYd400, pass >= 400.0);
    flag(d, Stat::BonusPassCmp25, d.get(Stat::PassCmp) >= 25.0);
    flag(d, Stat::BonusRushYd100, rush >= 100.0);
    flag(d, Stat::BonusRushYd200, rush >= 200.0);
    flag(d, Stat::BonusRecYd100, recv >= 100.0);
    flag(d, Stat::BonusRecYd200, recv >= 200.0);
    flag(d, Stat::BonusRushRecYd100, rush + recv >= 100.0);
    flag(d, Stat::BonusRushRecYd200, rush + recv >= 200.0);
    flag(d, Stat::BonusRushAtt20, d.get(Stat::RushAtt) >= 20.0);
    d.set(Stat::BonusRecTe, if role == Role::Te { rec } else { 0.0 });
    d.set(Stat::BonusRecRb, if role == Role::Rb { rec } else { 0.0 });
    d.set(Stat::BonusRecWr, if role == Role::Wr { rec } else { 0.0 });
    match role {
        Role::K => {
            let made: f64 = FG_BUCKETS.iter().map(|b| d.get(b.0)).sum();
            let missed = [
                Stat::Fgmiss0_19,
                Stat::Fgmiss20_29,
                Stat::Fgmiss30_39,
                Stat::Fgmiss40_49,
                Stat::Fgmiss50p,
            ]
            .iter()
            .map(|&s| d.get(s))
            .sum::<f64>();
            d.set(Stat::Fgm, made);
            d.set(Stat::Fgmiss, missed);
            d.set(Stat::Fga, made + missed);
            d.set(Stat::Fgm50p, d.get(Stat::Fgm50_59) + d.get(Stat::Fgm60p));
            d.set(Stat::Xpa, d.get(Stat::Xpm) + d.get(Stat::Xpmiss));
        }
        Role::Def => {
            let pts = d.get(Stat::PtsAllow);
            let band = match pts as u32 {
                0 => Stat::PtsAllow0,
                1..=6 => Stat::PtsAllow1_6,
                7..=13 => Stat::PtsAllow7_13,
                14..=20 => Stat::PtsAllow14_20,
                21..=27 => Stat::PtsAllow21_27,
                28..=34 => Stat::PtsAllow28_34,
                _ => Stat::PtsAllow35p,
            };
            d.set(band, 1.0);
            let band = match d.get(Stat::YdsAllow) as i64 {
                ..=99 => Stat::YdsAllow0_100,
                100..=199 => Stat::YdsAllow100_199,
                200..=299 => Stat::YdsAllow200_299,
                300..=349 => Stat::YdsAllow300_349,
                350..=399 => Stat::YdsAllow350_399,
                400..=449 => Stat::YdsAllow400_449,
                450..=499 => Stat::YdsAllow450_499,
                500..=549 => Stat::YdsAllow500_549,
                _ => Stat::YdsAllow550p,
            };
            d.set(band, 1.0);
        }
        Role::Dl | Role::Lb | Role::Db => {
            d.set(
                Stat::IdpTkl,
                d.get(Stat::IdpTklSolo) + d.get(Stat::IdpTklAst),
            );
        }
        _ => {}
    }
}

/// Adds Sleeper's default points, `pts_std`, `pts_half_ppr`, `pts_ppr`.
pub(crate) fn add_sleeper_points(d: &mut Dense) {
    let [std, half, ppr] = sleeper_defaults();
    let points = [std, half, ppr].map(|s| s.hundredths_dense(d) as f64 / 100.0);
    d.set(Stat::PtsStd, points[0]);
    d.set(Stat::PtsHalfPpr, points[1]);
    d.set(Stat::PtsPpr, points[2]);
}

/// A stat row's content at an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct StatLine {
    pub stats: Line,
    /// The last time the line changed, unix ms.
    pub last_modified: i64,
}

/// A line's values and last change, without Sleeper's own points.
fn values(world: &World, s: &Subject, game: &Game, at: i64) -> Option<(Dense, i64)> {
    if !game.started(at) {
        return None;
    }
    let role = s.role()?;
    let mut d = base(world, s, game)?;
    let (elapsed, total) = game.progress(at);
    let last_modified = if game.complete(at) {
        let corrected = correct(world, s, role, game, &mut d, at);
        corrected.unwrap_or(game.window.1).max(game.window.1)
    } else {
        scale(&mut d, elapsed, total);
        game.window.0 + elapsed * 60_000
    };
    finish(role, &mut d);
    Some((d, last_modified))
}

/// A player's line for `game` as served at `at`: `None` before his game
/// has started, or when he did not play.
pub fn line(world: &World, s: &Subject, game: &Game, at: i64) -> Option<StatLine> {
    let (mut d, last_modified) = values(world, s, game, at)?;
    add_sleeper_points(&mut d);
    Some(StatLine {
        stats: d.line(),
        last_modified,
    })
}

/// A rostered player's line for a week, looked up by his team's game.
pub fn player_line(
    world: &World,
    games: &[Option<Game>; 32],
    player: usize,
    at: i64,
) -> Option<StatLine> {
    let team = world.players[player].team_index?;
    let game = games[team]?;
    line(world, &Subject::of(world, player), &game, at)
}

/// A rostered player's points under `scoring` at `at`, in hundredths (0
/// without a line): [`Scoring::hundredths`] of [`player_line`], computed
/// without building the line (Sleeper's `pts_*` keys are never a league's
/// scoring keys).
pub fn player_hundredths(
    world: &World,
    games: &[Option<Game>; 32],
    player: usize,
    at: i64,
    scoring: &Scoring,
) -> i64 {
    let Some(game) = world.players[player].team_index.and_then(|t| games[t]) else {
        return 0;
    };
    values(world, &Subject::of(world, player), &game, at)
        .map_or(0, |(d, _)| scoring.hundredths_dense(&d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games;
    use crate::GenConfig;

    #[test]
    fn lines_grow_during_the_game_and_are_final_after() {
        let world = World::generate(&GenConfig::default());
        let games = games::regular(&world, 2025, 3);
        // A quarterback who played a Sunday game.
        let (g, qb, fin) = games
            .iter()
            .filter(|g| g.slot == crate::calendar::Slot::Sunday)
            .find_map(|g| {
                (0..world.players.len()).find_map(|i| {
                    let p = &world.players[i];
                    let plays = p.position == "QB" && p.team_index.is_some_and(|t| g.has(t));
                    let fin = line(&world, &Subject::of(&world, i), g, g.window.1);
                    plays.then_some(fin).flatten().map(|l| (g, i, l))
                })
            })
            .expect("a quarterback who played on Sunday");
        assert_eq!(line(&world, &Subject::of(&world, qb), g, g.window.0), None);
        let half = line(
            &world,
            &Subject::of(&world, qb),
            g,
            (g.window.0 + g.window.1) / 2,
        )
        .unwrap();
        let yd = |l: &StatLine| {
            l.stats
                .iter()
                .find(|s| s.0 == Stat::PassYd)
                .map_or(0.0, |s| s.1)
        };
        assert!(yd(&half) <= yd(&fin));
        assert!(fin.stats.iter().all(|&(_, v)| v != 0.0));
        assert_eq!(fin.last_modified, g.window.1);
    }

    #[test]
    fn every_value_is_a_multiple_of_a_half_except_sleeper_points() {
        let world = World::generate(&GenConfig::default());
        for week in [1, 7, 12] {
            let games = games::regular(&world, 2025, week);
            let by_team = games::by_team(&games);
            for s in subjects(&world) {
                let Some(g) = s.player.team_index.and_then(|t| by_team[t]) else {
                    continue;
                };
                for at in [g.window.0 + 90 * 60_000, g.window.1 + 4 * DAY_MS] {
                    for (k, v) in line(&world, &s, &g, at)
                        .map(|l| l.stats)
                        .unwrap_or_default()
                    {
                        if !matches!(k, Stat::PtsStd | Stat::PtsHalfPpr | Stat::PtsPpr) {
                            assert_eq!((v * 2.0).fract(), 0.0, "{k:?} {v}");
                        }
                    }
                }
            }
        }
    }
}
