//! Fuzzing the producer's payload readers: the discovery parsers (what the
//! plan reads) and the canonical hash (the JSON gate) never panic, whatever
//! the body. Bounded case counts; `SLEEPER_SOAK=1` runs more.

use proptest::prelude::*;
use serde_json::Value;
use sleeper_producer::{canonical, discover};
use sleeper_shared::Kind;

fn arb_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "week",
        "season",
        "season_type",
        "status",
        "league_id",
        "previous_league_id",
        "draft_id",
        "settings",
        "playoff_week_start",
        "user_id",
        "owner_id",
        "is_owner",
        "type",
        "leg",
        "display_week",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z0-9 ]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_string), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn every_reader(body: &[u8]) {
    let _ = discover::state(body);
    let _ = discover::league(body);
    let _ = discover::league_drafts(body);
    let _ = discover::draft_status(body);
    let _ = discover::user_id(body);
    let _ = discover::user_leagues(body);
    let _ = discover::league_members(body);
    for kind in Kind::ALL {
        let _ = canonical::content_hash(kind, body);
    }
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
    fn arbitrary_json_never_panics_a_reader(v in arb_json(), wrap in any::<bool>()) {
        let v = if wrap { Value::Array(vec![v]) } else { v };
        every_reader(v.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_reader(body in prop::collection::vec(any::<u8>(), 0..256)) {
        every_reader(&body);
    }
}

#[test]
fn wrong_types_in_scheduling_fields_degrade_to_unknown() {
    assert_eq!(
        discover::state(br#"{"week":"ten","season":"2025"}"#).and_then(|s| s.week),
        None
    );
    assert_eq!(
        discover::state(br#"{"week":3,"season":"2025"}"#).and_then(|s| s.week),
        Some(3)
    );
    // The hash of valid JSON with odd types still works: it is what Sleeper sent.
    assert!(canonical::content_hash(Kind::State, br#"{"week":"ten"}"#).is_ok());
    assert!(canonical::content_hash(Kind::State, br#"{"week":"ten""#).is_err());
}
