//! Event kinds: the closed set named in the contract.
//!
//! A kind is what a scope *is* (`league/1/rosters` is a `rosters`), and it is
//! the label on every per-kind metric, so the set must stay small and fixed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the twenty kinds of snapshot the producer publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    State,
    Players,
    Trending,
    User,
    UserLeagues,
    League,
    Rosters,
    Users,
    Matchups,
    Transactions,
    TradedPicks,
    WinnersBracket,
    LosersBracket,
    LeagueDrafts,
    Draft,
    DraftPicks,
    DraftTradedPicks,
    NflStats,
    NflProjections,
    NflSchedule,
}

impl Kind {
    /// Every kind, in a stable order (used for metrics pre-registration and `--kind` help).
    pub const ALL: [Kind; 20] = [
        Kind::State,
        Kind::Players,
        Kind::Trending,
        Kind::User,
        Kind::UserLeagues,
        Kind::League,
        Kind::Rosters,
        Kind::Users,
        Kind::Matchups,
        Kind::Transactions,
        Kind::TradedPicks,
        Kind::WinnersBracket,
        Kind::LosersBracket,
        Kind::LeagueDrafts,
        Kind::Draft,
        Kind::DraftPicks,
        Kind::DraftTradedPicks,
        Kind::NflStats,
        Kind::NflProjections,
        Kind::NflSchedule,
    ];

    /// The contract's spelling, as in the stream's `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Players => "players",
            Kind::Trending => "trending",
            Kind::User => "user",
            Kind::UserLeagues => "user_leagues",
            Kind::League => "league",
            Kind::Rosters => "rosters",
            Kind::Users => "users",
            Kind::Matchups => "matchups",
            Kind::Transactions => "transactions",
            Kind::TradedPicks => "traded_picks",
            Kind::WinnersBracket => "winners_bracket",
            Kind::LosersBracket => "losers_bracket",
            Kind::LeagueDrafts => "league_drafts",
            Kind::Draft => "draft",
            Kind::DraftPicks => "draft_picks",
            Kind::DraftTradedPicks => "draft_traded_picks",
            Kind::NflStats => "nfl_stats",
            Kind::NflProjections => "nfl_projections",
            Kind::NflSchedule => "nfl_schedule",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind {0:?} (expected one of: state, players, trending, user, user_leagues, league, rosters, users, matchups, transactions, traded_picks, winners_bracket, losers_bracket, league_drafts, draft, draft_picks, draft_traded_picks, nfl_stats, nfl_projections, nfl_schedule)")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert!("rosterz".parse::<Kind>().is_err());
    }
}
