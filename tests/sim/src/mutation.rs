//! Deterministic data changes a test can make, from Rust or with
//! `POST /__sim/mutate` (`{"op": "bump_roster", "league_id": "...", "roster_id": 3}`).

use serde::{Deserialize, Serialize};

use crate::sim::Sim;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Mutation {
    /// Changes one roster (its `settings.total_moves`), so exactly one
    /// `/rosters` body changes, in exactly one element.
    BumpRoster { league_id: String, roster_id: u32 },
    /// Forces the league's `status` (`pre_draft`, `drafting`, `in_season`, `complete`).
    SetLeagueStatus { league_id: String, status: String },
    /// Removes a member from `/league/{id}/users` (their roster stays).
    RemoveMember { league_id: String, user_id: String },
    /// Undoes every mutation.
    Clear,
}

impl Mutation {
    /// Applies the change; false when the league (or roster) does not exist.
    pub fn apply(&self, sim: &Sim) -> bool {
        let league = |id: &str| sim.world.league(id);
        match self {
            Mutation::BumpRoster {
                league_id,
                roster_id,
            } => {
                let Some(l) = league(league_id) else {
                    return false;
                };
                if *roster_id == 0 || *roster_id > l.total_rosters() {
                    return false;
                }
                sim.mutate(|o| {
                    *o.roster_bumps
                        .entry((league_id.clone(), *roster_id))
                        .or_default() += 1
                });
            }
            Mutation::SetLeagueStatus { league_id, status } => {
                if league(league_id).is_none() {
                    return false;
                }
                sim.mutate(|o| o.league_status.insert(league_id.clone(), status.clone()));
            }
            Mutation::RemoveMember { league_id, user_id } => {
                if league(league_id).is_none() {
                    return false;
                }
                sim.mutate(|o| {
                    o.removed_members
                        .entry(league_id.clone())
                        .or_default()
                        .insert(user_id.clone())
                });
            }
            Mutation::Clear => sim.mutate(|o| {
                let version = o.version;
                *o = Default::default();
                o.version = version;
            }),
        }
        true
    }
}
