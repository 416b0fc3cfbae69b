//! Changes made by tests on top of the generated world (a bumped roster, a
//! forced league status, a removed member).
//!
//! Kept apart from the world so the generated data stays immutable and
//! shareable; every change bumps `version`, which is part of the render
//! cache key.

use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default)]
pub struct Overlay {
    pub version: u64,
    /// (league id, roster id) -> extra moves counted in `settings.total_moves`.
    pub roster_bumps: HashMap<(String, u32), u32>,
    /// league id -> status shown instead of the derived one.
    pub league_status: HashMap<String, String>,
    /// league id -> user ids removed from `/users`.
    pub removed_members: HashMap<String, HashSet<String>>,
}

impl Overlay {
    pub fn bump(&self, league_id: &str, roster_id: u32) -> u32 {
        self.roster_bumps
            .get(&(league_id.to_string(), roster_id))
            .copied()
            .unwrap_or(0)
    }

    pub fn is_removed(&self, league_id: &str, user_id: &str) -> bool {
        self.removed_members
            .get(league_id)
            .is_some_and(|s| s.contains(user_id))
    }
}
