//! ETags, gzip, overrides, mutations, statistics and the control endpoints.

use std::collections::HashMap;

use serde_json::{json, Value};
use sleeper_sim::world::LeagueKind;
use sleeper_sim::{start, StatsSnapshot};

use crate::{client, config, get_json, league_of, spawn};

#[tokio::test]
async fn etag_gives_304_and_gzip_is_served() {
    let sim = spawn(41).await;
    let url = format!("{}/league/{}", sim.base_url(), sim.league_ids()[0]);
    let raw = crate::builder().gzip(false).build().expect("client");
    let first = raw
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(first.headers()["content-encoding"], "gzip");
    assert_eq!(
        first.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let etag = first.headers()["etag"].clone();
    let again = client()
        .get(&url)
        .header("if-none-match", etag.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"], etag);
    assert_eq!(sim.stats().responses_per_status.get("304"), Some(&1));
    // A changed body no longer matches.
    sim.advance(3 * 86_400_000);
    let changed = client()
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("request");
    assert_eq!(changed.status().as_u16(), 200);
}

#[tokio::test]
async fn overrides_serve_fixture_bytes_exactly() {
    let bytes = std::fs::read(format!(
        "{}/tests/api/fixtures/league.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut cfg = config(42);
    cfg.overrides = HashMap::from([("/v1/league/1048229732543836160".to_string(), bytes.clone())]);
    let sim = start(cfg).await.expect("start");
    let got = client()
        .get(format!("{}/league/1048229732543836160", sim.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(got.bytes().await.expect("body").as_ref(), bytes.as_slice());
    sim.set_override("/v1/state/nfl", b"{\"week\":1}".to_vec());
    assert_eq!(
        get_json(&format!("{}/state/nfl", sim.base_url())).await,
        json!({"week": 1})
    );
    sim.clear_override("/v1/state/nfl");
    assert_eq!(
        get_json(&format!("{}/state/nfl", sim.base_url())).await["week"],
        10
    );
}

#[tokio::test]
async fn mutations_change_exactly_what_they_say() {
    let sim = spawn(43).await;
    let live = league_of(&sim, LeagueKind::InSeason);
    let base = sim.base_url();
    let rosters_url = format!("{base}/league/{}/rosters", live.league_id);
    let before = get_json(&rosters_url).await;
    let other_league = format!("{base}/league/{}/rosters", sim.league_ids()[1]);
    let other_before = get_json(&other_league).await;
    assert!(sim.bump_roster(&live.league_id, 3));
    let after = get_json(&rosters_url).await;
    let differing: Vec<usize> = (0..12).filter(|&i| before[i] != after[i]).collect();
    assert_eq!(differing, vec![2]);
    assert_eq!(get_json(&other_league).await, other_before);
    assert!(!sim.bump_roster(&live.league_id, 99));
    assert!(!sim.bump_roster("1", 1));

    assert!(sim.set_league_status(&live.league_id, "complete"));
    assert_eq!(
        get_json(&format!("{base}/league/{}", live.league_id)).await["status"],
        "complete"
    );

    let users_url = format!("{base}/league/{}/users", live.league_id);
    let users = get_json(&users_url).await;
    let victim = users[0]["user_id"].as_str().expect("id").to_string();
    assert!(sim.remove_member(&live.league_id, &victim));
    let users_after = get_json(&users_url).await;
    assert_eq!(
        users_after.as_array().map(Vec::len),
        users.as_array().map(|u| u.len() - 1)
    );
    // Over HTTP too.
    let resp = client()
        .post(format!("http://{}/__sim/mutate", sim.addr()))
        .json(&json!({"op": "clear"}))
        .send()
        .await
        .expect("mutate");
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(get_json(&users_url).await, users);
    assert_eq!(get_json(&rosters_url).await, before);
}

#[tokio::test]
async fn stats_group_by_route_template_and_reset() {
    let mut cfg = config(44);
    cfg.stats_window = std::time::Duration::from_millis(300);
    let sim = start(cfg).await.expect("start");
    let base = sim.base_url();
    let c = client();
    for id in sim.league_ids() {
        c.get(format!("{base}/league/{id}/rosters"))
            .send()
            .await
            .expect("request");
    }
    c.get(format!("{base}/state/nfl"))
        .send()
        .await
        .expect("request");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    c.get(format!("{base}/state/nfl"))
        .send()
        .await
        .expect("request");
    let stats: StatsSnapshot = c
        .get(sim.stats_url())
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats.requests_per_endpoint["league/{id}/rosters"], 3);
    assert_eq!(stats.requests_per_endpoint["state/nfl"], 2);
    assert_eq!(stats.total_requests, 5);
    assert_eq!(stats.responses_per_status["200"], 5);
    assert_eq!(stats.max_requests_in_any_60s_window, 5);
    assert_eq!(
        stats.max_requests_in_window, 4,
        "the last request is alone in its 300 ms window"
    );
    let resp = c
        .post(format!("http://{}/__sim/stats/reset", sim.addr()))
        .send()
        .await
        .expect("reset");
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(sim.stats().total_requests, 0);
}

#[tokio::test]
async fn clock_and_faults_are_settable_over_http() {
    let sim = spawn(45).await;
    let c = client();
    let clock = format!("http://{}/__sim/clock", sim.addr());
    let set: Value = c
        .post(&clock)
        .json(&json!({"now_ms": 1_000_000, "speed": 0.0}))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(set, json!({"now_ms": 1_000_000, "speed": 0.0}));
    assert_eq!(sim.now_ms(), 1_000_000);
    let faults = format!("http://{}/__sim/faults", sim.addr());
    c.post(&faults)
        .json(&json!({"rate_5xx": 1.0}))
        .send()
        .await
        .expect("post");
    assert_eq!(sim.faults().rate_5xx, 1.0);
    let resp = c
        .get(format!("{}/state/nfl", sim.base_url()))
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_server_error());
    let info: Value = c
        .get(format!("http://{}/__sim/info", sim.addr()))
        .send()
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    assert_eq!(info["league_ids"], json!(sim.league_ids()));
    sim.shutdown().await;
}
