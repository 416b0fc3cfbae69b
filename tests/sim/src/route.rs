//! Maps a request path to an [`Endpoint`] (the league API under `/v1`; the
//! weekly stats, projections and schedule at the root, as api.sleeper.com
//! serves them), and each endpoint to its route template
//! (`league/{id}/rosters`) for the request statistics.
//!
//! Parsed by hand rather than with one axum route per endpoint so that the
//! same parse serves routing, statistics, per-path fault targeting and
//! unknown paths (which answer `null` like the real API).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    State,
    Players,
    Trending {
        add: bool,
        lookback_hours: u32,
        limit: usize,
    },
    User(String),
    UserLeagues {
        user: String,
        season: String,
    },
    League(String),
    Rosters(String),
    Users(String),
    Matchups(String, String),
    Transactions(String, String),
    TradedPicks(String),
    WinnersBracket(String),
    LosersBracket(String),
    LeagueDrafts(String),
    Draft(String),
    DraftPicks(String),
    DraftTradedPicks(String),
    /// `/stats/nfl/{season}/{week}?season_type=regular|post`.
    Stats {
        season: String,
        week: String,
        season_type: Option<String>,
    },
    /// `/projections/nfl/{season}/{week}?season_type=regular|post`.
    Projections {
        season: String,
        week: String,
        season_type: Option<String>,
    },
    /// `/schedule/nfl/{regular|post}/{season}`.
    Schedule {
        season_type: String,
        season: String,
    },
}

fn query_value<T: std::str::FromStr>(query: Option<&str>, key: &str) -> Option<T> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

impl Endpoint {
    /// Parses a path such as `/v1/league/123/matchups/3`; `None` for paths
    /// the API does not have.
    pub fn parse(path: &str, query: Option<&str>) -> Option<Endpoint> {
        let Some(rest) = path.strip_prefix("/v1/") else {
            return Self::parse_root(path, query);
        };
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let id = |s: &str| s.to_string();
        Some(match parts.as_slice() {
            ["state", "nfl"] => Endpoint::State,
            ["players", "nfl"] => Endpoint::Players,
            ["players", "nfl", "trending", kind @ ("add" | "drop")] => Endpoint::Trending {
                add: *kind == "add",
                lookback_hours: query_value(query, "lookback_hours")
                    .unwrap_or(24)
                    .clamp(1, 24 * 30),
                limit: query_value(query, "limit").unwrap_or(25).min(1000),
            },
            ["user", u] => Endpoint::User(id(u)),
            ["user", u, "leagues", "nfl", season] => Endpoint::UserLeagues {
                user: id(u),
                season: id(season),
            },
            ["league", l] => Endpoint::League(id(l)),
            ["league", l, "rosters"] => Endpoint::Rosters(id(l)),
            ["league", l, "users"] => Endpoint::Users(id(l)),
            ["league", l, "matchups", w] => Endpoint::Matchups(id(l), id(w)),
            ["league", l, "transactions", r] => Endpoint::Transactions(id(l), id(r)),
            ["league", l, "traded_picks"] => Endpoint::TradedPicks(id(l)),
            ["league", l, "winners_bracket"] => Endpoint::WinnersBracket(id(l)),
            ["league", l, "losers_bracket"] => Endpoint::LosersBracket(id(l)),
            ["league", l, "drafts"] => Endpoint::LeagueDrafts(id(l)),
            ["draft", d] => Endpoint::Draft(id(d)),
            ["draft", d, "picks"] => Endpoint::DraftPicks(id(d)),
            ["draft", d, "traded_picks"] => Endpoint::DraftTradedPicks(id(d)),
            _ => return None,
        })
    }

    /// The endpoints at the root (`/stats/nfl/2025/3?season_type=regular`).
    fn parse_root(path: &str, query: Option<&str>) -> Option<Endpoint> {
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let season_type = || query_value::<String>(query, "season_type");
        Some(match parts.as_slice() {
            ["stats", "nfl", season, week] => Endpoint::Stats {
                season: season.to_string(),
                week: week.to_string(),
                season_type: season_type(),
            },
            ["projections", "nfl", season, week] => Endpoint::Projections {
                season: season.to_string(),
                week: week.to_string(),
                season_type: season_type(),
            },
            ["schedule", "nfl", kind, season] => Endpoint::Schedule {
                season_type: kind.to_string(),
                season: season.to_string(),
            },
            _ => return None,
        })
    }

    /// Stats and projections need `season_type`: without it Sleeper answers 400.
    pub fn lacks_season_type(&self) -> bool {
        matches!(
            self,
            Endpoint::Stats {
                season_type: None,
                ..
            } | Endpoint::Projections {
                season_type: None,
                ..
            }
        )
    }

    /// The route template, the key of the per-endpoint request counts.
    pub fn template(&self) -> &'static str {
        match self {
            Endpoint::State => "state/nfl",
            Endpoint::Players => "players/nfl",
            Endpoint::Trending { add: true, .. } => "players/nfl/trending/add",
            Endpoint::Trending { add: false, .. } => "players/nfl/trending/drop",
            Endpoint::User(_) => "user/{id}",
            Endpoint::UserLeagues { .. } => "user/{id}/leagues/nfl/{season}",
            Endpoint::League(_) => "league/{id}",
            Endpoint::Rosters(_) => "league/{id}/rosters",
            Endpoint::Users(_) => "league/{id}/users",
            Endpoint::Matchups(..) => "league/{id}/matchups/{week}",
            Endpoint::Transactions(..) => "league/{id}/transactions/{round}",
            Endpoint::TradedPicks(_) => "league/{id}/traded_picks",
            Endpoint::WinnersBracket(_) => "league/{id}/winners_bracket",
            Endpoint::LosersBracket(_) => "league/{id}/losers_bracket",
            Endpoint::LeagueDrafts(_) => "league/{id}/drafts",
            Endpoint::Draft(_) => "draft/{id}",
            Endpoint::DraftPicks(_) => "draft/{id}/picks",
            Endpoint::DraftTradedPicks(_) => "draft/{id}/traded_picks",
            Endpoint::Stats { .. } => "stats/nfl/{season}/{week}",
            Endpoint::Projections { .. } => "projections/nfl/{season}/{week}",
            Endpoint::Schedule { .. } => "schedule/nfl/{season_type}/{season}",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_and_templates() {
        let e = Endpoint::parse("/v1/league/42/matchups/3", None);
        assert_eq!(e, Some(Endpoint::Matchups("42".into(), "3".into())));
        assert_eq!(e.map(|e| e.template()), Some("league/{id}/matchups/{week}"));
        let t = Endpoint::parse(
            "/v1/players/nfl/trending/drop",
            Some("lookback_hours=6&limit=10"),
        );
        assert_eq!(
            t,
            Some(Endpoint::Trending {
                add: false,
                lookback_hours: 6,
                limit: 10
            })
        );
        assert_eq!(Endpoint::parse("/v1/league/1/nope", None), None);
        assert_eq!(Endpoint::parse("/v2/state/nfl", None), None);
        assert!(Endpoint::parse("/v1/user/x/leagues/nfl/2025", None).is_some());
    }

    #[test]
    fn parses_the_root_endpoints() {
        let e = Endpoint::parse("/stats/nfl/2025/3", Some("season_type=regular")).unwrap();
        assert_eq!(
            e,
            Endpoint::Stats {
                season: "2025".into(),
                week: "3".into(),
                season_type: Some("regular".into())
            }
        );
        assert!(!e.lacks_season_type());
        assert_eq!(e.template(), "stats/nfl/{season}/{week}");
        let p = Endpoint::parse("/projections/nfl/2025/3", None).unwrap();
        assert!(p.lacks_season_type());
        assert_eq!(
            Endpoint::parse("/schedule/nfl/post/2025", None).map(|e| e.template()),
            Some("schedule/nfl/{season_type}/{season}")
        );
        assert_eq!(Endpoint::parse("/v1/stats/nfl/2025/3", None), None);
        assert_eq!(Endpoint::parse("/state/nfl", None), None);
    }
}
