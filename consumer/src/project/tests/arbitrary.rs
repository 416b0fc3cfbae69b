//! Arbitrary payloads: JSON built from the keys projections read, with
//! values of any type.

use proptest::prelude::*;
use serde_json::{Map, Value};
use sleeper_shared::Kind;

use super::*;

/// JSON built from the keys projections read, with values of any type.
fn json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "roster_id",
        "matchup_id",
        "points",
        "players",
        "starters",
        "starters_points",
        "players_points",
        "settings",
        "fpts",
        "fpts_decimal",
        "user_id",
        "metadata",
        "transaction_id",
        "adds",
        "drops",
        "season",
        "round",
        "status",
        "player_id",
        "pick_no",
        "m",
        "t1_from",
        "count",
        "league_id",
        "draft_id",
        "leg",
        "4046",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[0-9A-Z]{0,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    /// Any JSON body gives rows of the right shape or a shape error — never a panic.
    #[test]
    fn any_body_projects_or_is_a_shape_error(body in json(), k in 0usize..17) {
        let scopes = [
            (Kind::State, "state/nfl"),
            (Kind::Players, "players/nfl"),
            (Kind::Trending, "players/nfl/trending/drop"),
            (Kind::User, "user/u"),
            (Kind::UserLeagues, "user/u/leagues/2025"),
            (Kind::League, "league/1"),
            (Kind::Rosters, "league/1/rosters"),
            (Kind::Users, "league/1/users"),
            (Kind::Matchups, "league/1/matchups/3"),
            (Kind::Transactions, "league/1/transactions/2"),
            (Kind::TradedPicks, "league/1/traded_picks"),
            (Kind::WinnersBracket, "league/1/winners_bracket"),
            (Kind::LosersBracket, "league/1/losers_bracket"),
            (Kind::LeagueDrafts, "league/1/drafts"),
            (Kind::Draft, "draft/1"),
            (Kind::DraftPicks, "draft/1/picks"),
            (Kind::DraftTradedPicks, "draft/1/traded_picks"),
        ];
        let (kind, scope) = scopes[k];
        let bytes = serde_json::to_vec(&body).unwrap();
        // try_run checks arity, types and non-null keys of whatever comes out.
        let _ = try_run(kind, scope, &bytes);
        // Wrapped in an array, the same value exercises the list kinds' elements.
        let _ = try_run(kind, scope, &serde_json::to_vec(&Value::Array(vec![body])).unwrap());
    }
}
