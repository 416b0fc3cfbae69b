//! Projecting only some tables (rebuild's older events need only a few).

use serde_json::Value;
use sleeper_shared::Kind;

use super::*;

/// Rebuild's older events keep only some tables: those come out exactly as
/// in the full projection, and the same payloads are refused.
#[test]
fn projecting_some_tables_gives_those_tables_exactly_and_refuses_the_same() {
    let scope = "league/784421816389898240/matchups/2";
    let env = envelope(Kind::Matchups, scope, fixture!("matchups.json"));
    let full = project(VERSION, &env).expect("projects");
    let some = project_tables(VERSION, &env, |t| t.mode == Mode::Series).expect("projects");
    assert!(some.snapshot.is_empty());
    assert_eq!(some.series, full.series);
    assert!(!some.series[0].rows.is_empty());
    // A bad value in a table not kept still refuses the event.
    let mut body: Value = serde_json::from_slice(fixture!("matchups.json")).expect("json");
    let starters = body[0]["starters"].as_array().expect("starters").clone();
    let bench = body[0]["players"]
        .as_array()
        .expect("players")
        .iter()
        .find(|p| !starters.contains(p))
        .and_then(Value::as_str)
        .expect("a bench player")
        .to_string();
    body[0]["players_points"][bench] = "lots".into();
    let bad = envelope(
        Kind::Matchups,
        scope,
        &serde_json::to_vec(&body).expect("json"),
    );
    assert!(project(VERSION, &bad).is_err());
    assert!(project_tables(VERSION, &bad, |t| t.mode == Mode::Series).is_err());
}
