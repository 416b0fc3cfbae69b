//! Generates a league season's transactions by simulating it forward from the
//! drafted rosters: waiver runs on Wednesdays (some claims failing), free-agent
//! moves later in the week, occasional trades (with draft picks and FAAB), and
//! rare commissioner moves. Round 1 also holds the moves between the draft
//! and week 1, as in the real data.

use std::collections::{HashMap, HashSet};

use rand::rngs::StdRng;
use rand::Rng;

use crate::calendar::SeasonCalendar;
use crate::ids::snowflake;
use crate::world::{LeagueSettings, Player, TradedPick, Transaction, TxKind};

pub struct TxContext<'a> {
    pub players: &'a [Player],
    /// Draftable players (fantasy position, with a team), best first.
    pub ranked: &'a [usize],
    pub owners: &'a [usize],
    pub commissioner: usize,
    pub calendar: &'a SeasonCalendar,
    pub settings: &'a LeagueSettings,
    pub last_week: u32,
    /// Nothing happens before the draft has finished.
    pub after_ms: i64,
    pub season: i32,
    /// The league's index in the world: transaction ids carry it in their
    /// sequence bits, so leagues whose waivers run at the same millisecond
    /// still get distinct ids (Sleeper's ids are unique across leagues).
    pub league_index: usize,
    /// Picks of the next two seasons change hands again (and go back to
    /// their original roster), across seasons too: `holders` says who
    /// holds those traded before. Otherwise a next-season pick is traded
    /// once, by its original roster.
    pub retrade_picks: bool,
    pub holders: PickHolders,
}

/// Future picks that changed hands: (season, round, original roster) →
/// (holder, the roster it came from). Absent: still the original roster's.
pub type PickHolders = HashMap<(i32, u32, u32), (u32, u32)>;

#[derive(Clone, Copy)]
enum Action {
    Waivers,
    FreeAgent,
    Trade,
    Commissioner,
}

struct Sim<'a> {
    ctx: TxContext<'a>,
    rosters: Vec<Vec<usize>>,
    /// Indexed by player: a flat vector keeps the free-agent search cheap.
    rostered: Vec<bool>,
    traded_future: HashSet<(u32, u32)>,
    /// With `retrade_picks`: who holds the next two seasons' picks.
    holders: PickHolders,
    out: Vec<Transaction>,
    traded_picks: Vec<(i64, TradedPick)>,
    seq: u64,
}

impl Sim<'_> {
    fn n(&self) -> u32 {
        self.rosters.len() as u32
    }

    fn quality(&self, p: usize) -> f64 {
        self.ctx.players[p].quality
    }

    /// A good free agent, drawn from the best few available.
    fn free_agent(&self, rng: &mut StdRng) -> Option<usize> {
        let best: Vec<usize> = self
            .ctx
            .ranked
            .iter()
            .copied()
            .filter(|&i| !self.rostered[i])
            .take(12)
            .collect();
        (!best.is_empty()).then(|| best[rng.random_range(0..best.len())])
    }

    /// The roster's weakest player that is not its only kicker or defence
    /// (nor, in IDP leagues, a defensive player the free agents never replace).
    fn worst(&self, roster: u32) -> Option<usize> {
        let players = &self.rosters[roster as usize - 1];
        players
            .iter()
            .copied()
            .filter(|&p| super::is_fantasy(self.ctx.players[p].position))
            .filter(|&p| !matches!(self.ctx.players[p].position, "K" | "DEF"))
            .min_by(|&a, &b| self.quality(a).total_cmp(&self.quality(b)))
    }

    fn tradeable(&self, rng: &mut StdRng, roster: u32) -> Option<usize> {
        let players: Vec<usize> = self.rosters[roster as usize - 1]
            .iter()
            .copied()
            .filter(|&p| !matches!(self.ctx.players[p].position, "K" | "DEF"))
            .collect();
        (!players.is_empty()).then(|| players[rng.random_range(0..players.len())])
    }

    fn add(&mut self, player: usize, roster: u32) {
        self.rosters[roster as usize - 1].push(player);
        self.rostered[player] = true;
    }

    fn drop_player(&mut self, player: usize, roster: u32) {
        self.rosters[roster as usize - 1].retain(|&p| p != player);
        self.rostered[player] = false;
    }

    fn base(&mut self, kind: TxKind, leg: u32, at: i64, roster: u32) -> Transaction {
        self.seq += 1;
        Transaction {
            id: snowflake(
                at,
                ((self.ctx.league_index as u64) << 10) | (self.seq & 0x3FF),
            ),
            kind,
            complete: true,
            leg,
            created_ms: at,
            status_updated_ms: at,
            creator: self.ctx.owners[roster as usize - 1],
            roster_ids: vec![roster],
            consenter_ids: Some(vec![roster]),
            adds: Vec::new(),
            drops: Vec::new(),
            draft_picks: Vec::new(),
            waiver_budget: Vec::new(),
            waiver_bid: None,
            seq: None,
            priority: None,
            notes: None,
        }
    }

    fn waivers(&mut self, rng: &mut StdRng, leg: u32, at: i64) {
        let claims = rng.random_range(0..=3);
        for i in 0..claims {
            let Some(target) = self.free_agent(rng) else {
                return;
            };
            let roster = rng.random_range(1..=self.n());
            let faab = self.ctx.settings.waiver_type == 2;
            let bid = faab.then(|| rng.random_range(0..=30));
            // A losing claim on the same player, listed as failed.
            if rng.random_bool(0.3) {
                let loser = 1 + roster % self.n();
                let mut tx = self.base(TxKind::Waiver, leg, at - 3_600_000 - i64::from(i), loser);
                tx.complete = false;
                tx.status_updated_ms = at;
                tx.adds = vec![(target, loser)];
                if let Some(w) = self.worst(loser) {
                    tx.drops = vec![(w, loser)];
                }
                tx.waiver_bid = bid.map(|b| b / 2);
                tx.seq = Some(i * 2 + 1);
                tx.notes = Some("This player was claimed by another owner.");
                self.out.push(tx);
            }
            let mut tx = self.base(TxKind::Waiver, leg, at - 3_000_000 + i64::from(i), roster);
            tx.status_updated_ms = at;
            tx.adds = vec![(target, roster)];
            let size = self.rosters[roster as usize - 1].len();
            if size >= 16 || (size >= 15 && rng.random_bool(0.6)) {
                if let Some(w) = self.worst(roster) {
                    tx.drops = vec![(w, roster)];
                    self.drop_player(w, roster);
                }
            }
            self.add(target, roster);
            tx.waiver_bid = bid;
            tx.seq = Some(i * 2);
            tx.priority = rng.random_bool(0.3).then(|| rng.random_range(1..=3));
            tx.notes = Some("Your waiver claim was processed successfully!");
            self.out.push(tx);
        }
    }

    fn free_agent_move(&mut self, rng: &mut StdRng, leg: u32, at: i64) {
        let roster = rng.random_range(1..=self.n());
        let size = self.rosters[roster as usize - 1].len();
        let mut tx = self.base(TxKind::FreeAgent, leg, at, roster);
        let roll: f64 = rng.random();
        let add = roll < 0.85 || size < 14;
        let drop = (roll >= 0.15 && size > 13) || size >= 16;
        if drop {
            if let Some(w) = self.worst(roster) {
                tx.drops = vec![(w, roster)];
                self.drop_player(w, roster);
            }
        }
        if add {
            if let Some(p) = self.free_agent(rng) {
                tx.adds = vec![(p, roster)];
                self.add(p, roster);
            }
        }
        if !tx.adds.is_empty() || !tx.drops.is_empty() {
            self.out.push(tx);
        }
    }

    fn trade(&mut self, rng: &mut StdRng, leg: u32, at: i64) {
        let a = rng.random_range(1..=self.n());
        let b = 1 + (a + rng.random_range(0..self.n() - 1)) % self.n();
        let (Some(pa), Some(pb)) = (self.tradeable(rng, a), self.tradeable(rng, b)) else {
            return;
        };
        let mut tx = self.base(TxKind::Trade, leg, at, a);
        tx.roster_ids = vec![a, b];
        tx.consenter_ids = Some(vec![a, b]);
        tx.adds = vec![(pa, b), (pb, a)];
        tx.drops = vec![(pa, a), (pb, b)];
        self.drop_player(pa, a);
        self.drop_player(pb, b);
        self.add(pa, b);
        self.add(pb, a);
        if self.ctx.retrade_picks {
            if rng.random_bool(0.6) {
                self.trade_held_pick(rng, a, b, &mut tx, at);
            }
        } else if rng.random_bool(0.5) {
            let round = rng.random_range(1..=3);
            if self.traded_future.insert((round, a)) {
                let pick = TradedPick {
                    season: self.ctx.season + 1,
                    round,
                    roster_id: a,
                    owner_id: b,
                    previous_owner_id: a,
                };
                tx.draft_picks.push(pick.clone());
                self.traded_picks.push((at, pick));
            }
        }
        if rng.random_bool(0.2) {
            tx.waiver_budget = vec![(b, a, rng.random_range(5..=30))];
        }
        self.out.push(tx);
    }

    /// One side of the trade sends the other a pick of the first three
    /// rounds of one of the next two seasons: a pick either side acquired
    /// earlier (this season or before) moves on when there is one (so
    /// picks change hands again, and back), else one of `a`'s own.
    fn trade_held_pick(&mut self, rng: &mut StdRng, a: u32, b: u32, tx: &mut Transaction, at: i64) {
        let next = self.ctx.season + 1;
        let held_by = |this: &Self, roster: u32| -> Vec<(i32, u32, u32)> {
            let n = this.n();
            [next, next + 1]
                .into_iter()
                .flat_map(|season| (1..=3).map(move |round| (season, round)))
                .flat_map(|(season, round)| (1..=n).map(move |r| (season, round, r)))
                .filter(|key| this.holders.get(key).map_or(key.2, |h| h.0) == roster)
                .collect()
        };
        let acquired = |this: &Self, roster: u32| -> Vec<(i32, u32, u32)> {
            held_by(this, roster)
                .into_iter()
                .filter(|k| k.2 != roster)
                .collect()
        };
        let (from, to, choices) = match (acquired(self, a), acquired(self, b)) {
            (by_a, _) if !by_a.is_empty() => (a, b, by_a),
            (_, by_b) if !by_b.is_empty() => (b, a, by_b),
            _ => (a, b, held_by(self, a)),
        };
        if choices.is_empty() {
            return;
        }
        let key = choices[rng.random_range(0..choices.len())];
        self.holders.insert(key, (to, from));
        let pick = TradedPick {
            season: key.0,
            round: key.1,
            roster_id: key.2,
            owner_id: to,
            previous_owner_id: from,
        };
        tx.draft_picks.push(pick.clone());
        self.traded_picks.push((at, pick));
    }

    fn commissioner_move(&mut self, rng: &mut StdRng, leg: u32, at: i64) {
        let roster = rng.random_range(1..=self.n());
        let Some(w) = self.worst(roster) else { return };
        let mut tx = self.base(TxKind::Commissioner, leg, at, roster);
        tx.creator = self.ctx.commissioner;
        tx.consenter_ids = None;
        tx.drops = vec![(w, roster)];
        self.drop_player(w, roster);
        self.out.push(tx);
    }
}

/// Returns the transactions sorted by creation time, and the future draft
/// picks traded with them.
pub fn generate(
    rng: &mut StdRng,
    ctx: TxContext<'_>,
    rosters: Vec<Vec<usize>>,
) -> (Vec<Transaction>, Vec<(i64, TradedPick)>) {
    let mut rostered = vec![false; ctx.players.len()];
    for &p in rosters.iter().flatten() {
        rostered[p] = true;
    }
    let first_leg = ctx.settings.start_week;
    let last_leg = ctx.last_week;
    let holders = ctx.holders.clone();
    let mut sim = Sim {
        ctx,
        rosters,
        rostered,
        traded_future: HashSet::new(),
        holders,
        out: Vec::new(),
        traded_picks: Vec::new(),
        seq: 0,
    };
    let hour = 3_600_000i64;
    for leg in first_leg..=last_leg {
        let cal = sim.ctx.calendar;
        let week_start = cal.week_start_ms(leg).max(sim.ctx.after_ms + hour);
        let sunday_noon = cal.week_day_at(leg, 5, 12, 0);
        let mut actions: Vec<(i64, Action)> = Vec::new();
        if leg == first_leg && week_start < sunday_noon {
            // Moves between the draft and the first games, listed in round 1.
            for _ in 0..rng.random_range(1..=3) {
                let at = sim.ctx.after_ms
                    + rng.random_range(hour..(week_start - sim.ctx.after_ms).max(hour + 1));
                let action = if rng.random_bool(0.2) {
                    Action::Commissioner
                } else {
                    Action::FreeAgent
                };
                actions.push((at, action));
            }
        }
        let waivers_at = cal.week_day_at(leg, 1, sim.ctx.settings.daily_waivers_hour, 0);
        if waivers_at > week_start {
            actions.push((waivers_at, Action::Waivers));
        }
        let fa_from = waivers_at.max(week_start) + hour;
        for _ in 0..rng.random_range(0..=2) {
            if fa_from < sunday_noon {
                actions.push((rng.random_range(fa_from..sunday_noon), Action::FreeAgent));
            }
        }
        if leg <= sim.ctx.settings.trade_deadline
            && rng.random_bool(0.3)
            && week_start < sunday_noon
        {
            actions.push((rng.random_range(week_start..sunday_noon), Action::Trade));
        }
        if rng.random_bool(0.05) && fa_from < sunday_noon {
            actions.push((rng.random_range(fa_from..sunday_noon), Action::Commissioner));
        }
        // Simulate in time order so each move sees the rosters as they were.
        actions.sort_by_key(|a| a.0);
        for (at, action) in actions {
            match action {
                Action::Waivers => sim.waivers(rng, leg, at),
                Action::FreeAgent => sim.free_agent_move(rng, leg, at),
                Action::Trade => sim.trade(rng, leg, at),
                Action::Commissioner => sim.commissioner_move(rng, leg, at),
            }
        }
    }
    sim.out.sort_by_key(|t| (t.created_ms, t.id));
    (sim.out, sim.traded_picks)
}
