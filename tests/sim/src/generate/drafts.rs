//! Generates a league season's draft: slot order, picks traded before the
//! draft, and a snake draft of best-available players under position caps.
//! The picks are also the rosters the season starts from.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::players::{is_fantasy, is_idp};
use crate::world::{Draft, Pick, Player, TradedPick};

pub struct DraftPlan<'a> {
    pub draft_id: String,
    pub season: i32,
    pub rounds: u32,
    pub start_ms: i64,
    pub pick_interval_ms: i64,
    /// Individual defensive players are drafted too (one DL, LB and DB each).
    pub idp: bool,
    /// This season's picks traded away in earlier seasons: their new owner
    /// makes them.
    pub incoming: &'a [TradedPick],
    /// Also trade a few picks at random before the draft (the default
    /// world's; a varied world trades picks only by transactions).
    pub random_trades: bool,
}

/// How many of a position one roster drafts at most.
fn cap(position: &str, skips_kicker: bool, idp: bool) -> u32 {
    match position {
        "QB" | "TE" => 2,
        "RB" | "WR" => 5,
        "K" if skips_kicker => 0,
        "K" | "DEF" => 1,
        "DL" | "LB" | "DB" if idp => 1,
        _ => 0,
    }
}

/// Returns the draft and, per roster (index `roster_id - 1`), the players it drafted.
pub fn generate(
    rng: &mut StdRng,
    players: &[Player],
    owners: &[usize],
    plan: DraftPlan<'_>,
) -> (Draft, Vec<Vec<usize>>) {
    let n = owners.len() as u32;
    let mut slot_to_roster: Vec<u32> = (1..=n).collect();
    slot_to_roster.shuffle(rng);

    // Picks traded before the draft: (round, original roster) -> new owner.
    let mut traded = plan.incoming.to_vec();
    let mut owner_of: HashMap<(u32, u32), u32> = plan
        .incoming
        .iter()
        .map(|p| ((p.round, p.roster_id), p.owner_id))
        .collect();
    let random_trades = if plan.random_trades {
        rng.random_range(0..4)
    } else {
        0
    };
    for _ in 0..random_trades {
        let round = rng.random_range(1..=3.min(plan.rounds));
        let from = rng.random_range(1..=n);
        let to = 1 + (from + rng.random_range(0..n - 1)) % n;
        if owner_of.contains_key(&(round, from)) {
            continue;
        }
        owner_of.insert((round, from), to);
        traded.push(TradedPick {
            season: plan.season,
            round,
            roster_id: from,
            owner_id: to,
            previous_owner_id: from,
        });
    }

    // About one roster in eight never drafts a kicker: its K slot stays "0".
    let skips_kicker: Vec<bool> = (0..n).map(|_| rng.random_bool(0.12)).collect();
    // Best available with some noise, so drafts differ between leagues.
    let mut scored: Vec<(f64, usize)> = (0..players.len())
        .filter(|&i| {
            let pos = players[i].position;
            players[i].team.is_some() && (is_fantasy(pos) || (plan.idp && is_idp(pos)))
        })
        .map(|i| (players[i].quality + rng.random::<f64>() * 0.15, i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let pool: Vec<usize> = scored.into_iter().map(|(_, i)| i).collect();

    // Flat vectors, not sets: this loop runs for every pick of every draft.
    let mut taken = vec![false; players.len()];
    let mut counts: Vec<HashMap<&str, u32>> = vec![HashMap::new(); n as usize];
    let mut rosters = vec![Vec::new(); n as usize];
    let mut picks = Vec::new();
    for round in 1..=plan.rounds {
        let late = round + 2 > plan.rounds;
        for k in 0..n {
            let slot = if round % 2 == 1 { k + 1 } else { n - k };
            let original = slot_to_roster[slot as usize - 1];
            let roster = owner_of
                .get(&(round, original))
                .copied()
                .unwrap_or(original);
            let r = roster as usize - 1;
            let fits = |&&i: &&usize| {
                let pos = players[i].position;
                let kd = matches!(pos, "K" | "DEF");
                !taken[i]
                    && counts[r].get(pos).copied().unwrap_or(0)
                        < cap(pos, skips_kicker[r], plan.idp)
                    && (late || !kd)
            };
            let choice = pool
                .iter()
                .find(fits)
                .or_else(|| pool.iter().find(|&&i| !taken[i]))
                .copied();
            let Some(player) = choice else { break };
            taken[player] = true;
            *counts[r].entry(players[player].position).or_default() += 1;
            rosters[r].push(player);
            let pick_no = picks.len() as u32 + 1;
            picks.push(Pick {
                pick_no,
                round,
                draft_slot: slot,
                roster_id: roster,
                picked_by: owners[r],
                player,
                at_ms: plan.start_ms + i64::from(pick_no) * plan.pick_interval_ms,
            });
        }
    }
    let draft = Draft {
        draft_id: plan.draft_id,
        kind: "snake",
        rounds: plan.rounds,
        created_ms: plan.start_ms - rng.random_range(10..60) * 24 * 3_600_000,
        start_ms: plan.start_ms,
        pick_interval_ms: plan.pick_interval_ms,
        slot_to_roster,
        picks,
        traded,
    };
    (draft, rosters)
}
