//! Every endpoint answers JSON with the keys of the real payload of the same
//! endpoint, and the real payloads' quirks are present.

use std::collections::BTreeSet;

use serde_json::Value;
use sleeper_sim::world::LeagueKind;

use crate::{fixture, get_json, get_text, league_of, spawn};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// For arrays: every element of ours has at least the keys all fixture
/// elements share, and none the fixture never has.
fn assert_shape(name: &str, ours: &Value, real: &Value) {
    match (ours, real) {
        (Value::Array(ours), Value::Array(real)) => {
            assert!(!ours.is_empty(), "{name}: our array is empty");
            let all: Vec<BTreeSet<String>> = real.iter().map(keys).collect();
            let common = all.iter().skip(1).fold(all[0].clone(), |a, b| &a & b);
            let union = all.iter().fold(BTreeSet::new(), |a, b| &a | b);
            for (i, el) in ours.iter().enumerate() {
                let k = keys(el);
                assert!(common.is_subset(&k), "{name}[{i}] lacks {:?}", &common - &k);
                assert!(
                    k.is_subset(&union),
                    "{name}[{i}] has extra {:?}",
                    &k - &union
                );
            }
        }
        (Value::Object(_), Value::Object(_)) => {
            assert_eq!(keys(ours), keys(real), "{name}: top-level keys differ");
        }
        _ => panic!("{name}: ours is {ours}, real is {real}"),
    }
}

#[tokio::test]
async fn every_endpoint_has_the_real_payload_shape() {
    let sim = spawn(3).await;
    let base = sim.base_url();
    let live = league_of(&sim, LeagueKind::InSeason);
    let past = league_of(&sim, LeagueKind::Complete);
    let user = &sim.world().users[live.owners[0]];
    let (l, p, d) = (&live.league_id, &past.league_id, &live.draft.draft_id);

    let checks: Vec<(&str, String)> = vec![
        ("state_nfl", "state/nfl".into()),
        (
            "trending_add",
            "players/nfl/trending/add?lookback_hours=24&limit=25".into(),
        ),
        ("user", format!("user/{}", user.username)),
        ("league", format!("league/{l}")),
        ("rosters", format!("league/{l}/rosters")),
        ("users", format!("league/{l}/users")),
        ("matchups", format!("league/{l}/matchups/9")),
        ("transactions", format!("league/{l}/transactions/1")),
        ("winners_bracket", format!("league/{p}/winners_bracket")),
        ("losers_bracket", format!("league/{p}/losers_bracket")),
        ("league_drafts", format!("league/{l}/drafts")),
        ("draft", format!("draft/{d}")),
        ("draft_picks", format!("draft/{d}/picks")),
    ];
    for (name, path) in checks {
        let ours = get_json(&format!("{base}/{path}")).await;
        assert_shape(name, &ours, &fixture(name));
    }
    // Keys of the traded-pick lists (ours may list no pick for a league).
    let traded = get_json(&format!("{base}/league/{l}/traded_picks")).await;
    for pick in traded.as_array().expect("array") {
        assert_shape(
            "traded_picks",
            &Value::Array(vec![pick.clone()]),
            &fixture("traded_picks"),
        );
    }
    // User leagues: the league object plus the user-specific keys.
    let leagues = get_json(&format!(
        "{base}/user/{}/leagues/nfl/{}",
        user.user_id, live.season
    ))
    .await;
    assert_shape("user_leagues", &leagues, &fixture("user_leagues"));

    // Players: a regular entry and a team defence, each like the real one.
    let players = get_json(&format!("{base}/players/nfl")).await;
    let real = fixture("players_nfl");
    assert_eq!(keys(&players["BUF"]), keys(&real["WAS"]), "defence entry");
    let athlete = players
        .as_object()
        .expect("map")
        .values()
        .find(|v| v["position"] == "WR")
        .expect("a WR");
    assert_eq!(keys(athlete), keys(&real["3199"]), "player entry");
    assert!(players
        .as_object()
        .expect("map")
        .values()
        .any(|v| v["team"].is_null() && v["search_rank"] == 9_999_999));
    assert!(players.as_object().expect("map").len() >= 400);
}

#[tokio::test]
async fn draft_traded_picks_carry_draft_id_as_a_big_json_number() {
    let sim = spawn(4).await;
    let world = sim.world();
    let league = world
        .leagues
        .iter()
        .find(|l| !l.draft.traded.is_empty())
        .expect("a draft with traded picks");
    let url = format!(
        "{}/draft/{}/traded_picks",
        sim.base_url(),
        league.draft.draft_id
    );
    let (status, text) = get_text(&url).await;
    assert_eq!(status, 200);
    assert!(
        text.contains(&format!("\"draft_id\":{}", league.draft.draft_id)),
        "{text}"
    );
    assert_shape(
        "draft_traded_picks",
        &serde_json::from_str(&text).expect("json"),
        &fixture("draft_traded_picks"),
    );
}

#[tokio::test]
async fn quirks_of_the_real_api_are_present() {
    let sim = spawn(5).await;
    let base = sim.base_url();
    let world = sim.world();

    // Big ids are JSON numbers above 2^53, written without quotes.
    let live = league_of(&sim, LeagueKind::InSeason);
    let (_, text) = get_text(&format!("{base}/league/{}", live.league_id)).await;
    let needle = format!("\"bracket_id\":{}", live.bracket_id);
    assert!(text.contains(&needle), "{text}");
    assert!(live.bracket_id > 1 << 53);
    assert!(text.contains("0.10000000149011612"), "float32 artefact");
    assert!(text.contains("\"last_message_id\""));

    // A roster with "players": null, in some league.
    let mut null_players = false;
    let mut zero_slot = false;
    for l in &world.leagues {
        let (_, text) = get_text(&format!("{base}/league/{}/rosters", l.league_id)).await;
        null_players |= text.contains("\"players\":null");
        zero_slot |= text.contains("\"0\"");
    }
    assert!(null_players, "no roster with players: null");
    assert!(zero_slot, "no empty \"0\" starter slot");

    // matchup_id null: teams without a playoff game in a past season.
    let past = league_of(&sim, LeagueKind::Complete);
    let week = past.settings.playoff_week_start;
    let rows = crate::get_json(&format!("{base}/league/{}/matchups/{week}", past.league_id)).await;
    assert!(rows
        .as_array()
        .expect("rows")
        .iter()
        .any(|r| r["matchup_id"].is_null()));
    assert!(rows
        .as_array()
        .expect("rows")
        .iter()
        .any(|r| r["matchup_id"].is_u64()));

    // A departed member: owns a roster, absent from /users.
    let users = crate::get_json(&format!("{base}/league/{}/users", live.league_id)).await;
    let rosters = crate::get_json(&format!("{base}/league/{}/rosters", live.league_id)).await;
    let members: BTreeSet<&str> = users
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["user_id"].as_str())
        .collect();
    let owners: BTreeSet<&str> = rosters
        .as_array()
        .expect("rosters")
        .iter()
        .filter_map(|r| r["owner_id"].as_str())
        .collect();
    assert_eq!((&owners - &members).len(), 1, "exactly one departed owner");

    // Transactions of every type and both statuses, adds or drops null.
    let mut types = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let mut null_adds = false;
    for round in 1..=live.last_week() {
        let txs = crate::get_json(&format!(
            "{base}/league/{}/transactions/{round}",
            live.league_id
        ))
        .await;
        for t in txs.as_array().expect("txs") {
            types.insert(t["type"].as_str().unwrap_or_default().to_string());
            statuses.insert(t["status"].as_str().unwrap_or_default().to_string());
            null_adds |= t["adds"].is_null() || t["drops"].is_null();
        }
    }
    assert!(
        types.contains("trade") && types.contains("waiver") && types.contains("free_agent"),
        "{types:?}"
    );
    assert_eq!(
        statuses,
        ["complete", "failed"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert!(null_adds);

    // Not found: 404 with body null.
    let (status, text) = get_text(&format!("{base}/league/123")).await;
    assert_eq!((status, text.as_str()), (404, "null"));
    let (status, text) = get_text(&format!("{base}/nothing/here")).await;
    assert_eq!((status, text.as_str()), (404, "null"));
}

#[tokio::test]
async fn same_seed_same_bodies_other_seed_other_bodies() {
    let (a, b, c) = (spawn(11).await, spawn(11).await, spawn(12).await);
    assert_eq!(a.league_ids(), b.league_ids());
    assert_ne!(a.league_ids(), c.league_ids());
    for id in a.all_league_ids() {
        for suffix in [
            "",
            "/rosters",
            "/users",
            "/matchups/8",
            "/transactions/3",
            "/winners_bracket",
            "/traded_picks",
        ] {
            let path = format!("/v1/league/{id}{suffix}");
            assert_eq!(a.body(&path), b.body(&path), "{path}");
        }
    }
    for path in [
        "/v1/players/nfl",
        "/v1/state/nfl",
        "/v1/players/nfl/trending/add?limit=10",
    ] {
        assert_eq!(a.body(path), b.body(path), "{path}");
    }
    assert_ne!(a.body("/v1/players/nfl"), c.body("/v1/players/nfl"));
    // And over HTTP, byte for byte.
    let path = format!("league/{}/rosters", a.league_ids()[0]);
    let ta = get_text(&format!("{}/{path}", a.base_url())).await;
    let tb = get_text(&format!("{}/{path}", b.base_url())).await;
    assert_eq!(ta, tb);
}
