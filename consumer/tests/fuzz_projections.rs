//! Fuzzing every payload parser: whatever bytes or JSON an event carries,
//! projecting it returns rows or a `PayloadShape` error — never a panic.
//! (The envelope decoder has its own properties in `shared`.) Bounded case
//! counts keep this in the default test run; `SLEEPER_SOAK=1` runs more.

use proptest::prelude::*;
use serde_json::Value;
use sleeper_consumer::project::project;
use sleeper_shared::StreamId;
use sleeper_shared::{Envelope, Kind, Origin};

fn scope_for(kind: Kind) -> &'static str {
    match kind {
        Kind::State => "state/nfl",
        Kind::Players => "players/nfl",
        Kind::Trending => "players/nfl/trending/add",
        Kind::User => "user/42",
        Kind::UserLeagues => "user/42/leagues/2025",
        Kind::League => "league/1",
        Kind::Rosters => "league/1/rosters",
        Kind::Users => "league/1/users",
        Kind::Matchups => "league/1/matchups/3",
        Kind::Transactions => "league/1/transactions/3",
        Kind::TradedPicks => "league/1/traded_picks",
        Kind::WinnersBracket => "league/1/winners_bracket",
        Kind::LosersBracket => "league/1/losers_bracket",
        Kind::LeagueDrafts => "league/1/drafts",
        Kind::Draft => "draft/9",
        Kind::DraftPicks => "draft/9/picks",
        Kind::DraftTradedPicks => "draft/9/traded_picks",
        Kind::NflStats => "stats/nfl/regular/2025/3",
        Kind::NflProjections => "projections/nfl/post/2025/1",
        Kind::NflSchedule => "schedule/nfl/regular/2025",
    }
}

fn event(kind: Kind, body: Vec<u8>) -> Envelope {
    Envelope {
        kind,
        scope: scope_for(kind).to_string(),
        league_id: Some("1".into()),
        origin: Origin::Poll,
        fetched_at_ms: 1,
        status: 200,
        content_hash: String::new(),
        ticket: 1,
        body,
    }
}

/// JSON built from the field names Sleeper uses, so the fuzzer reaches deep
/// into the parsers instead of stopping at "not an object".
fn arb_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "roster_id",
        "players",
        "starters",
        "reserve",
        "taxi",
        "settings",
        "fpts",
        "fpts_decimal",
        "owner_id",
        "matchup_id",
        "points",
        "starters_points",
        "players_points",
        "custom_points",
        "transaction_id",
        "adds",
        "drops",
        "type",
        "status",
        "week",
        "season",
        "league_id",
        "draft_id",
        "pick_no",
        "metadata",
        "user_id",
        "player_id",
        "count",
        "r",
        "m",
        "t1",
        "t2",
        "w",
        "l",
        "p",
        "t1_from",
        "round",
        "previous_owner_id",
        "bracket_id",
        "created",
        "consenter_ids",
        "draft_picks",
        "waiver_budget",
        "scoring_settings",
        "name",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 ._-]{0,12}".prop_map(Value::String),
        Just(Value::String("0".into())),
        Just(Value::String("BUF".into())),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_string), inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn cases() -> u32 {
    if std::env::var_os("SLEEPER_SOAK").is_some() {
        5000
    } else {
        300
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_a_projection(kind in prop::sample::select(Kind::ALL.to_vec()), body in arb_json(), wrap in any::<bool>()) {
        // Lists are the common top level; also try the value bare.
        let body = if wrap { Value::Array(vec![body]) } else { body };
        let _ = project(StreamId { ms: 1, seq: 0 }, &event(kind, body.to_string().into_bytes()));
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_projection(kind in prop::sample::select(Kind::ALL.to_vec()), body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = project(StreamId { ms: 1, seq: 0 }, &event(kind, body));
    }
}

#[test]
fn wrong_types_in_real_shapes_are_shape_errors_not_panics() {
    for (kind, body) in [
        (Kind::Rosters, r#"{"roster_id":1}"#),
        (Kind::Rosters, r#"[{"roster_id":"one","players":["1"]}]"#),
        (Kind::Matchups, r#"[{"roster_id":1,"points":"lots"}]"#),
        (Kind::State, r#"{"week":"ten"}"#),
        (Kind::Transactions, r#"[{"transaction_id":1.5}]"#),
        (Kind::League, r#"[]"#),
    ] {
        let r = project(
            StreamId { ms: 1, seq: 0 },
            &event(kind, body.as_bytes().to_vec()),
        );
        assert!(
            r.is_err(),
            "{kind} {body} should be a shape error, got {r:?}"
        );
    }
}
