//! Scopes: the unit of a snapshot, named by a canonical string.
//!
//! A scope is both the address of a Sleeper endpoint and the key the
//! projection versions by, so its string form is part of the contract
//! (`league/<id>/matchups/<week>`, …) and must parse back to itself.

use std::fmt;
use std::str::FromStr;

use crate::kind::Kind;

/// Which list of trending players.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trend {
    Add,
    Drop,
}

impl Trend {
    /// `add` or `drop`, as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Add => "add",
            Trend::Drop => "drop",
        }
    }
}

/// An NFL season type of the stats, projections and schedule endpoints
/// (`season_type=` in their URLs). Pre-season has no weekly stats there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeasonType {
    Regular,
    Post,
}

impl SeasonType {
    /// `regular` or `post`, as in the URL and the rows.
    pub fn as_str(self) -> &'static str {
        match self {
            SeasonType::Regular => "regular",
            SeasonType::Post => "post",
        }
    }

    /// The spelling of `/state/nfl`'s `season_type` (`regular`, `post`);
    /// `None` for the others (`pre`, `off`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "regular" => Some(SeasonType::Regular),
            "post" => Some(SeasonType::Post),
            _ => None,
        }
    }
}

/// Which Sleeper host serves a scope: the `/v1` API (`SLEEPER_API_BASE_URL`)
/// or the stats host (`SLEEPER_STATS_BASE_URL`: stats, projections,
/// schedule, served outside `/v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V1,
    Stats,
}

/// A snapshot's scope. Ids are kept as the strings Sleeper uses in URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    State,
    Players,
    Trending(Trend),
    /// A user by user id or username (the endpoint accepts both).
    User(String),
    UserLeagues {
        user_id: String,
        season: u16,
    },
    League(String),
    Rosters(String),
    Users(String),
    Matchups {
        league_id: String,
        week: u8,
    },
    Transactions {
        league_id: String,
        round: u8,
    },
    TradedPicks(String),
    WinnersBracket(String),
    LosersBracket(String),
    LeagueDrafts(String),
    Draft(String),
    DraftPicks(String),
    DraftTradedPicks(String),
    /// One week's stat lines of every player (`/stats/nfl/...`).
    NflStats {
        season_type: SeasonType,
        season: u16,
        week: u8,
    },
    /// One week's projected stat lines (`/projections/nfl/...`).
    NflProjections {
        season_type: SeasonType,
        season: u16,
        week: u8,
    },
    /// A season type's games (`/schedule/nfl/...`).
    NflSchedule {
        season_type: SeasonType,
        season: u16,
    },
}

/// Why a string is not a canonical scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {scope:?}: {reason}")]
pub struct ScopeError {
    pub scope: String,
    pub reason: &'static str,
}

impl Scope {
    /// The kind of snapshot this scope yields.
    pub fn kind(&self) -> Kind {
        match self {
            Scope::State => Kind::State,
            Scope::Players => Kind::Players,
            Scope::Trending(_) => Kind::Trending,
            Scope::User(_) => Kind::User,
            Scope::UserLeagues { .. } => Kind::UserLeagues,
            Scope::League(_) => Kind::League,
            Scope::Rosters(_) => Kind::Rosters,
            Scope::Users(_) => Kind::Users,
            Scope::Matchups { .. } => Kind::Matchups,
            Scope::Transactions { .. } => Kind::Transactions,
            Scope::TradedPicks(_) => Kind::TradedPicks,
            Scope::WinnersBracket(_) => Kind::WinnersBracket,
            Scope::LosersBracket(_) => Kind::LosersBracket,
            Scope::LeagueDrafts(_) => Kind::LeagueDrafts,
            Scope::Draft(_) => Kind::Draft,
            Scope::DraftPicks(_) => Kind::DraftPicks,
            Scope::DraftTradedPicks(_) => Kind::DraftTradedPicks,
            Scope::NflStats { .. } => Kind::NflStats,
            Scope::NflProjections { .. } => Kind::NflProjections,
            Scope::NflSchedule { .. } => Kind::NflSchedule,
        }
    }

    /// The host that serves this scope.
    pub fn api(&self) -> Api {
        match self {
            Scope::NflStats { .. } | Scope::NflProjections { .. } | Scope::NflSchedule { .. } => {
                Api::Stats
            }
            _ => Api::V1,
        }
    }

    /// The league a league-scoped snapshot belongs to. Draft scopes carry
    /// their league in the envelope instead (the URL does not name it).
    pub fn league_id(&self) -> Option<&str> {
        match self {
            Scope::League(id)
            | Scope::Rosters(id)
            | Scope::Users(id)
            | Scope::TradedPicks(id)
            | Scope::WinnersBracket(id)
            | Scope::LosersBracket(id)
            | Scope::LeagueDrafts(id) => Some(id),
            Scope::Matchups { league_id, .. } | Scope::Transactions { league_id, .. } => {
                Some(league_id)
            }
            _ => None,
        }
    }

    /// The request path and query below the base URL of its [`Api`].
    pub fn url_path(&self) -> String {
        match self {
            Scope::NflStats {
                season_type,
                season,
                week,
            } => format!(
                "/stats/nfl/{season}/{week}?season_type={}",
                season_type.as_str()
            ),
            Scope::NflProjections {
                season_type,
                season,
                week,
            } => format!(
                "/projections/nfl/{season}/{week}?season_type={}",
                season_type.as_str()
            ),
            Scope::NflSchedule {
                season_type,
                season,
            } => format!("/schedule/nfl/{}/{season}", season_type.as_str()),
            Scope::Trending(t) => {
                format!(
                    "/players/nfl/trending/{}?lookback_hours=24&limit=25",
                    t.as_str()
                )
            }
            Scope::UserLeagues { user_id, season } => {
                format!("/user/{user_id}/leagues/nfl/{season}")
            }
            other => format!("/{other}"),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::State => write!(f, "state/nfl"),
            Scope::Players => write!(f, "players/nfl"),
            Scope::Trending(t) => write!(f, "players/nfl/trending/{}", t.as_str()),
            Scope::User(id) => write!(f, "user/{id}"),
            Scope::UserLeagues { user_id, season } => write!(f, "user/{user_id}/leagues/{season}"),
            Scope::League(id) => write!(f, "league/{id}"),
            Scope::Rosters(id) => write!(f, "league/{id}/rosters"),
            Scope::Users(id) => write!(f, "league/{id}/users"),
            Scope::Matchups { league_id, week } => write!(f, "league/{league_id}/matchups/{week}"),
            Scope::Transactions { league_id, round } => {
                write!(f, "league/{league_id}/transactions/{round}")
            }
            Scope::TradedPicks(id) => write!(f, "league/{id}/traded_picks"),
            Scope::WinnersBracket(id) => write!(f, "league/{id}/winners_bracket"),
            Scope::LosersBracket(id) => write!(f, "league/{id}/losers_bracket"),
            Scope::LeagueDrafts(id) => write!(f, "league/{id}/drafts"),
            Scope::Draft(id) => write!(f, "draft/{id}"),
            Scope::DraftPicks(id) => write!(f, "draft/{id}/picks"),
            Scope::DraftTradedPicks(id) => write!(f, "draft/{id}/traded_picks"),
            Scope::NflStats {
                season_type,
                season,
                week,
            } => write!(f, "stats/nfl/{}/{season}/{week}", season_type.as_str()),
            Scope::NflProjections {
                season_type,
                season,
                week,
            } => write!(
                f,
                "projections/nfl/{}/{season}/{week}",
                season_type.as_str()
            ),
            Scope::NflSchedule {
                season_type,
                season,
            } => write!(f, "schedule/nfl/{}/{season}", season_type.as_str()),
        }
    }
}

/// Ids and usernames go into URLs and Redis keys: allow only what Sleeper uses.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ScopeError {
            scope: s.to_string(),
            reason,
        };
        let id = |x: &str| -> Result<String, ScopeError> {
            if is_valid_id(x) {
                Ok(x.to_string())
            } else {
                Err(err("id must be 1-64 characters of [A-Za-z0-9_-]"))
            }
        };
        let num = |x: &str| -> Result<u8, ScopeError> {
            x.parse::<u8>()
                .ok()
                .filter(|n| *n <= 30)
                .ok_or_else(|| err("week/round must be 0-30"))
        };
        let year = |x: &str| -> Result<u16, ScopeError> {
            x.parse::<u16>()
                .ok()
                .filter(|y| (2000..=2200).contains(y))
                .ok_or_else(|| err("season must be a year"))
        };
        let season_type = |x: &str| -> Result<SeasonType, ScopeError> {
            SeasonType::parse(x).ok_or_else(|| err("season type must be regular or post"))
        };
        let parts: Vec<&str> = s.split('/').collect();
        Ok(match parts.as_slice() {
            ["state", "nfl"] => Scope::State,
            ["players", "nfl"] => Scope::Players,
            ["players", "nfl", "trending", "add"] => Scope::Trending(Trend::Add),
            ["players", "nfl", "trending", "drop"] => Scope::Trending(Trend::Drop),
            ["user", u] => Scope::User(id(u)?),
            ["user", u, "leagues", season] => Scope::UserLeagues {
                user_id: id(u)?,
                season: year(season)?,
            },
            ["stats", "nfl", t, season, w] => Scope::NflStats {
                season_type: season_type(t)?,
                season: year(season)?,
                week: num(w)?,
            },
            ["projections", "nfl", t, season, w] => Scope::NflProjections {
                season_type: season_type(t)?,
                season: year(season)?,
                week: num(w)?,
            },
            ["schedule", "nfl", t, season] => Scope::NflSchedule {
                season_type: season_type(t)?,
                season: year(season)?,
            },
            ["league", l] => Scope::League(id(l)?),
            ["league", l, "rosters"] => Scope::Rosters(id(l)?),
            ["league", l, "users"] => Scope::Users(id(l)?),
            ["league", l, "matchups", w] => Scope::Matchups {
                league_id: id(l)?,
                week: num(w)?,
            },
            ["league", l, "transactions", r] => Scope::Transactions {
                league_id: id(l)?,
                round: num(r)?,
            },
            ["league", l, "traded_picks"] => Scope::TradedPicks(id(l)?),
            ["league", l, "winners_bracket"] => Scope::WinnersBracket(id(l)?),
            ["league", l, "losers_bracket"] => Scope::LosersBracket(id(l)?),
            ["league", l, "drafts"] => Scope::LeagueDrafts(id(l)?),
            ["draft", d] => Scope::Draft(id(d)?),
            ["draft", d, "picks"] => Scope::DraftPicks(id(d)?),
            ["draft", d, "traded_picks"] => Scope::DraftTradedPicks(id(d)?),
            _ => return Err(err("not a known scope shape")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_strings_round_trip_and_name_their_kind() {
        let cases = [
            ("state/nfl", Kind::State, "/state/nfl"),
            ("players/nfl", Kind::Players, "/players/nfl"),
            (
                "players/nfl/trending/add",
                Kind::Trending,
                "/players/nfl/trending/add?lookback_hours=24&limit=25",
            ),
            ("user/alice_1", Kind::User, "/user/alice_1"),
            (
                "user/123/leagues/2025",
                Kind::UserLeagues,
                "/user/123/leagues/nfl/2025",
            ),
            ("league/9/rosters", Kind::Rosters, "/league/9/rosters"),
            (
                "league/9/matchups/14",
                Kind::Matchups,
                "/league/9/matchups/14",
            ),
            (
                "league/9/transactions/1",
                Kind::Transactions,
                "/league/9/transactions/1",
            ),
            ("league/9/drafts", Kind::LeagueDrafts, "/league/9/drafts"),
            (
                "draft/77/traded_picks",
                Kind::DraftTradedPicks,
                "/draft/77/traded_picks",
            ),
            (
                "stats/nfl/regular/2025/3",
                Kind::NflStats,
                "/stats/nfl/2025/3?season_type=regular",
            ),
            (
                "projections/nfl/post/2025/1",
                Kind::NflProjections,
                "/projections/nfl/2025/1?season_type=post",
            ),
            (
                "schedule/nfl/regular/2025",
                Kind::NflSchedule,
                "/schedule/nfl/regular/2025",
            ),
        ];
        for (s, kind, path) in cases {
            let scope: Scope = s.parse().unwrap();
            assert_eq!(scope.to_string(), s);
            assert_eq!(scope.kind(), kind);
            assert_eq!(scope.url_path(), path);
            let stats = matches!(
                kind,
                Kind::NflStats | Kind::NflProjections | Kind::NflSchedule
            );
            assert_eq!(scope.api() == Api::Stats, stats, "{s}");
            if stats {
                assert_eq!(scope.league_id(), None, "{s} belongs to no league");
            }
        }
    }

    #[test]
    fn league_id_is_known_for_league_scopes_only() {
        let m: Scope = "league/42/matchups/3".parse().unwrap();
        assert_eq!(m.league_id(), Some("42"));
        let d: Scope = "draft/5/picks".parse().unwrap();
        assert_eq!(d.league_id(), None);
    }

    #[test]
    fn malformed_scopes_are_rejected() {
        for bad in [
            "",
            "league",
            "league/../x",
            "league/1/matchups/99",
            "state/mlb",
            "league/a b",
            "stats/nfl/pre/2025/1",
            "stats/nfl/regular/25/1",
            "schedule/nfl/regular/2025/1",
        ] {
            assert!(bad.parse::<Scope>().is_err(), "{bad} should be rejected");
        }
    }
}
