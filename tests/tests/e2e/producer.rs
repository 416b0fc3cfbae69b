//! The producer end to end: real fixtures published byte for byte, dedup
//! across passes, backfill over a league chain, fetch order under a slow
//! fetch, recovery from a Redis crash, and live cadence driven by the data.
//! (The shared quota is `quota.rs`.)

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use sleeper_shared::{Envelope, Origin};
use sleeper_sim::SimConfig;
use sleeper_tests::harness::events::decoded;
use sleeper_tests::harness::fake::Fake;
use sleeper_tests::harness::servers::{free_port, RedisOptions, RedisServer};
use sleeper_tests::harness::{fixture, Bin, Proc, TestEnv};

use crate::support::{assert_stops_cleanly, eventually, until_ready_is, with};

const LEAGUE_A: &str = "1048229732543836160"; // league.json (2024, complete)
const LEAGUE_B: &str = "1199102384316362752"; // from user_leagues.json (2025)
const USER_ID: &str = "213866320939196416"; // user.json
const DRAFT: &str = "1199102384333144064"; // league_drafts.json

/// Where the plan meets each fixture: (fixture, path served, scope expected).
pub fn fixture_routes() -> Vec<(&'static str, String, String)> {
    let a = LEAGUE_A;
    let b = LEAGUE_B;
    vec![
        ("state_nfl", "/state/nfl".into(), "state/nfl".into()),
        ("players_nfl", "/players/nfl".into(), "players/nfl".into()),
        (
            "trending_add",
            "/players/nfl/trending/add".into(),
            "players/nfl/trending/add".into(),
        ),
        ("user", "/user/rab12345".into(), "user/rab12345".into()),
        (
            "user_leagues",
            format!("/user/{USER_ID}/leagues/nfl/2025"),
            format!("user/{USER_ID}/leagues/2025"),
        ),
        ("league", format!("/league/{a}"), format!("league/{a}")),
        (
            "users",
            format!("/league/{a}/users"),
            format!("league/{a}/users"),
        ),
        (
            "rosters",
            format!("/league/{a}/rosters"),
            format!("league/{a}/rosters"),
        ),
        (
            "winners_bracket",
            format!("/league/{a}/winners_bracket"),
            format!("league/{a}/winners_bracket"),
        ),
        (
            "losers_bracket",
            format!("/league/{a}/losers_bracket"),
            format!("league/{a}/losers_bracket"),
        ),
        (
            "traded_picks",
            format!("/league/{a}/traded_picks"),
            format!("league/{a}/traded_picks"),
        ),
        (
            "league_drafts",
            format!("/league/{a}/drafts"),
            format!("league/{a}/drafts"),
        ),
        ("draft", format!("/draft/{DRAFT}"), format!("draft/{DRAFT}")),
        (
            "draft_picks",
            format!("/draft/{DRAFT}/picks"),
            format!("draft/{DRAFT}/picks"),
        ),
        (
            "draft_traded_picks",
            format!("/draft/{DRAFT}/traded_picks"),
            format!("draft/{DRAFT}/traded_picks"),
        ),
        (
            "rosters_null_players",
            format!("/league/{b}/rosters"),
            format!("league/{b}/rosters"),
        ),
        (
            "matchups",
            format!("/league/{b}/matchups/1"),
            format!("league/{b}/matchups/1"),
        ),
        (
            "transactions",
            format!("/league/{b}/transactions/1"),
            format!("league/{b}/transactions/1"),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_publishes_every_fixture_byte_identical_and_then_only_changes() {
    let env = TestEnv::new("prod_fixtures").await;
    let fake = Fake::start().await;
    let routes = fixture_routes();
    for (name, path, _) in &routes {
        fake.set(path, 200, fixture(name));
    }
    let vars = with(
        &env.vars(),
        &[
            ("SLEEPER_API_BASE_URL", fake.base_url()),
            ("SLEEPER_LEAGUE_IDS", LEAGUE_A.into()),
            ("SLEEPER_USERNAME", "rab12345".into()),
        ],
    );
    let out = Bin::producer().run(&["once"], &vars);
    assert!(out.status.success(), "once failed: {}", out.stderr);
    // The NFL's data of the state's week and season, whatever the time, from
    // the stats host (here the fake's root: it follows the API's base URL);
    // not found there, so nothing of it is published.
    for path in [
        "/stats/nfl/2025/1",
        "/projections/nfl/2025/1",
        "/schedule/nfl/regular/2025",
    ] {
        assert_eq!(fake.root_hits(path), 1, "{path}");
    }

    let published = decoded(&env.redis_url, &env.stream_key).await;
    let by_scope: BTreeMap<String, &Envelope> = published
        .iter()
        .map(|(_, e)| (e.scope.clone(), e))
        .collect();
    for (name, _, scope) in &routes {
        let env = by_scope
            .get(scope)
            .unwrap_or_else(|| panic!("{scope} ({name}) not published; got {:?}", by_scope.keys()));
        assert!(
            env.body == fixture(name),
            "{scope}: body differs from {name}.json"
        );
        assert_eq!(env.origin, Origin::Poll);
    }
    // Draft scopes carry their league; nothing was published twice.
    assert_eq!(
        by_scope[&format!("draft/{DRAFT}/picks")]
            .league_id
            .as_deref(),
        Some(LEAGUE_A)
    );
    assert_eq!(by_scope.len(), published.len(), "a scope appended twice");
    assert_eq!(
        published.len(),
        routes.len(),
        "only the fixtures: {:?}",
        by_scope.keys()
    );

    // A second pass with nothing changed appends nothing; players/nfl is not
    // even fetched again within the day.
    let players_hits = fake.hits("/players/nfl");
    let again = Bin::producer().run(&["once"], &vars);
    assert!(again.status.success(), "{}", again.stderr);
    assert_eq!(
        decoded(&env.redis_url, &env.stream_key).await.len(),
        published.len()
    );
    assert_eq!(fake.hits("/players/nfl"), players_hits);

    // One roster changes: exactly one rosters event more.
    let changed =
        String::from_utf8(fixture("rosters"))
            .unwrap()
            .replacen("\"wins\":8", "\"wins\":9", 1);
    fake.set(
        &format!("/league/{LEAGUE_A}/rosters"),
        200,
        changed.clone().into_bytes(),
    );
    let third = Bin::producer().run(&["once"], &vars);
    assert!(third.status.success(), "{}", third.stderr);
    let after = decoded(&env.redis_url, &env.stream_key).await;
    let new: Vec<_> = after[published.len()..].iter().map(|(_, e)| e).collect();
    assert_eq!(
        new.len(),
        1,
        "{:?}",
        new.iter().map(|e| &e.scope).collect::<Vec<_>>()
    );
    assert_eq!(new[0].scope, format!("league/{LEAGUE_A}/rosters"));
    assert_eq!(new[0].body, changed.into_bytes());
}

/// A three-season chain L3 → L2 → L1 where every endpoint has a body.
fn serve_chain(fake: &Fake) -> BTreeSet<String> {
    let chain = [("303", Some("202")), ("202", Some("101")), ("101", None)];
    let mut expected = BTreeSet::new();
    for (i, (id, prev)) in chain.iter().enumerate() {
        let season = 2025 - i;
        let draft = format!("9{id}");
        let prev = prev.map_or("null".to_string(), |p| format!("\"{p}\""));
        let league = format!(
            r#"{{"league_id":"{id}","season":"{season}","status":"complete","previous_league_id":{prev},"draft_id":"{draft}","settings":{{"playoff_week_start":2}}}}"#
        );
        fake.set(&format!("/league/{id}"), 200, league.into_bytes());
        expected.insert(format!("league/{id}"));
        let mut paths: Vec<String> = [
            "users",
            "rosters",
            "winners_bracket",
            "losers_bracket",
            "traded_picks",
        ]
        .iter()
        .map(|k| format!("league/{id}/{k}"))
        .collect();
        // Weeks 1..=playoff_week_start+3.
        for w in 1..=5 {
            paths.push(format!("league/{id}/matchups/{w}"));
            paths.push(format!("league/{id}/transactions/{w}"));
        }
        for p in ["", "/picks", "/traded_picks"] {
            paths.push(format!("draft/{draft}{p}"));
        }
        for p in paths {
            fake.set(
                &format!("/{p}"),
                200,
                format!(r#"[{{"of":"{p}"}}]"#).into_bytes(),
            );
            expected.insert(p);
        }
        fake.set(
            &format!("/league/{id}/drafts"),
            200,
            format!(r#"[{{"draft_id":"{draft}","status":"complete"}}]"#).into_bytes(),
        );
        expected.insert(format!("league/{id}/drafts"));
    }
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_walks_a_three_season_chain() {
    let env = TestEnv::new("prod_backfill").await;
    let fake = Fake::start().await;
    let mut expected = serve_chain(&fake);
    // Each walked season's NFL data, once however many leagues share it.
    fake.set_root("/schedule/nfl/regular/2024", 200, br#"[{"week":1,"game_id":"1","date":"2024-09-05","home":"KC","away":"BAL","status":"complete"}]"#.to_vec());
    expected.insert("schedule/nfl/regular/2024".to_string());
    let vars = with(
        &env.vars(),
        &[
            ("SLEEPER_API_BASE_URL", fake.base_url()),
            ("SLEEPER_LEAGUE_IDS", "303".into()),
            // A local fake: pace faster than the default to keep the test short.
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "900".into()),
        ],
    );

    // Two seasons only: L3 and L2.
    let out = Bin::producer().run(&["backfill", "--seasons", "2"], &vars);
    assert!(out.status.success(), "backfill failed: {}", out.stderr);
    let scopes: BTreeSet<String> = decoded(&env.redis_url, &env.stream_key)
        .await
        .into_iter()
        .map(|(_, e)| e.scope)
        .collect();
    let two: BTreeSet<String> = expected
        .iter()
        .filter(|s| !s.contains("101"))
        .cloned()
        .collect();
    assert_eq!(scopes, two);
    assert_eq!(fake.hits("/league/101"), 0);
    // Every week of both season types of 2025 and 2024, none of 2023 yet.
    for (path, hits) in [
        ("/stats/nfl/2024/18", 1),
        ("/stats/nfl/2024/1", 2),
        ("/projections/nfl/2025/4", 2),
        ("/schedule/nfl/post/2025", 1),
        ("/stats/nfl/2023/1", 0),
    ] {
        assert_eq!(fake.root_hits(path), hits, "{path}");
    }

    // All seasons: the whole chain, every envelope marked backfill, each scope once.
    let out = Bin::producer().run(&["backfill"], &vars);
    assert!(out.status.success(), "backfill failed: {}", out.stderr);
    let all = decoded(&env.redis_url, &env.stream_key).await;
    let scopes: Vec<String> = all.iter().map(|(_, e)| e.scope.clone()).collect();
    let set: BTreeSet<String> = scopes.iter().cloned().collect();
    assert_eq!(set, expected);
    assert_eq!(scopes.len(), set.len(), "a scope was appended twice");
    assert!(all.iter().all(|(_, e)| e.origin == Origin::Backfill));
    let draft = all
        .iter()
        .find(|(_, e)| e.scope == "draft/9202/picks")
        .expect("draft picks");
    assert_eq!(draft.1.league_id.as_deref(), Some("202"));

    // Bad usage is exit 2.
    let bad = Bin::producer().run(&["backfill", "--league", "x/y"], &vars);
    assert_eq!(bad.status.code(), Some(2), "{}", bad.stderr);
    let bad_poll = with(&vars, &[("SLEEPER_POLL_CONFIG", "/nonexistent/poll.toml")]);
    let bad = Bin::producer().run(&["once"], &bad_poll);
    assert_eq!(bad.status.code(), Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("SLEEPER_POLL_CONFIG"), "{}", bad.stderr);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_fetch_finishing_after_a_newer_one_is_not_appended() {
    let env = TestEnv::new("prod_slow").await;
    let sim = sleeper_sim::start(SimConfig {
        speed: 0.0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let league = sim.league_ids()[0].clone();
    let path = format!("/v1/league/{league}/rosters");
    let old = br#"[{"roster_id":1,"version":"old"}]"#;
    let new = br#"[{"roster_id":1,"version":"new"}]"#;
    sim.set_override(&path, &old[..]);
    sim.delay_next(&path, Duration::from_secs(4), 1);
    let vars = with(
        &env.vars(),
        &[
            ("SLEEPER_API_BASE_URL", sim.base_url()),
            ("SLEEPER_LEAGUE_IDS", league.clone()),
        ],
    );
    // Pass 1 takes its rosters ticket and its request hangs, carrying the old body.
    let first = {
        let vars = vars.clone();
        tokio::task::spawn_blocking(move || Bin::producer().run(&["once"], &vars))
    };
    eventually(
        Duration::from_secs(20),
        "the slow rosters request arrived",
        || async {
            (sim.stats()
                .requests_per_path
                .get(&path)
                .copied()
                .unwrap_or(0)
                >= 1)
                .then_some(())
        },
    )
    .await;
    // The body changes; pass 2 fetches it later but finishes first.
    sim.set_override(&path, &new[..]);
    let second = Bin::producer().run(&["once"], &vars);
    assert!(second.status.success(), "{}", second.stderr);
    let first = first.await.expect("join");
    assert!(first.status.success(), "{}", first.stderr);
    assert!(sim.stats().requests_per_path[&path] >= 2);

    let rosters: Vec<Envelope> = decoded(&env.redis_url, &env.stream_key)
        .await
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.scope == format!("league/{league}/rosters"))
        .collect();
    assert_eq!(
        rosters.len(),
        1,
        "the older fetch must not land after the newer one"
    );
    assert_eq!(rosters[0].body, new.to_vec());
}

/// `sleeper-producer run` polling the state every second from a fake
/// Sleeper that answers week 1, appending to `env`'s stream on the Redis
/// at `redis_url`, serving HTTP on `port`.
pub struct StateProducer {
    pub fake: Fake,
    pub run: Proc,
    pub port: u16,
    /// Holds the `SLEEPER_POLL_CONFIG` file while the producer runs.
    pub _poll: tempfile::TempDir,
}

impl StateProducer {
    pub async fn start(env: &TestEnv, redis_url: &str) -> Self {
        let fake = Fake::start().await;
        fake.set(
            "/state/nfl",
            200,
            br#"{"season":"2025","week":1,"season_type":"regular"}"#.to_vec(),
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let poll = dir.path().join("poll.toml");
        std::fs::write(&poll, "[intervals]\nstate = \"1s\"\n").expect("poll config");
        let port = free_port();
        let vars = with(
            &env.vars(),
            &[
                ("REDIS_URL", redis_url.to_string()),
                ("SLEEPER_API_BASE_URL", fake.base_url()),
                ("SLEEPER_POLL_CONFIG", poll.display().to_string()),
                ("HTTP_ADDR", format!("127.0.0.1:{port}")),
            ],
        );
        let run = Bin::producer().spawn(&["run"], &vars);
        Self {
            fake,
            run,
            port,
            _poll: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_recovers_by_itself_after_redis_is_killed_and_restarted() {
    let env = TestEnv::new("prod_redis").await;
    let redis = RedisServer::start(RedisOptions {
        aof: true,
        ..RedisOptions::default()
    });
    let StateProducer {
        fake,
        mut run,
        port,
        _poll,
    } = StateProducer::start(&env, &redis.url()).await;
    let count_state = || async {
        decoded(&redis.url(), &env.stream_key)
            .await
            .into_iter()
            .filter(|(_, e)| e.scope == "state/nfl")
            .count()
    };
    eventually(Duration::from_secs(20), "first state event", || async {
        (count_state().await == 1).then_some(())
    })
    .await;

    redis.kill();
    until_ready_is(port, 503, Duration::from_secs(20)).await;
    fake.set(
        "/state/nfl",
        200,
        br#"{"season":"2025","week":2,"season_type":"regular"}"#.to_vec(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        run.is_running(),
        "the producer must survive a Redis outage:\n{}",
        run.log()
    );

    redis.restart();
    let back = Instant::now();
    eventually(
        Duration::from_secs(15),
        "a new state event after Redis returned",
        || async { (count_state().await == 2).then_some(()) },
    )
    .await;
    let took = back.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "published again after {took:?}"
    );
    until_ready_is(port, 200, Duration::from_secs(10)).await;
    assert_stops_cleanly(&mut run);
    eprintln!("redis test: published again {took:?} after Redis returned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_scores_keep_a_league_at_live_cadence_without_a_game_window() {
    let env = TestEnv::new("prod_live").await;
    // Sunday 12:55 ET of week 10, a simulated minute per real second.
    let sim = sleeper_sim::start(SimConfig {
        speed: 60.0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let league = sim.league_ids()[0].clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let poll = dir.path().join("poll.toml");
    // No game windows at all: only the data can make the league live.
    std::fs::write(&poll, "windows = []\n").expect("poll config");
    let vars = with(
        &env.vars(),
        &[
            ("SLEEPER_API_BASE_URL", sim.base_url()),
            ("SIM_CLOCK_URL", sim.clock_url()),
            ("SLEEPER_LEAGUE_IDS", league.clone()),
            ("SLEEPER_POLL_CONFIG", poll.display().to_string()),
        ],
    );
    let mut run = Bin::producer().spawn(&["run"], &vars);
    let path = format!("/v1/league/{league}/matchups/10");
    // At the 15-minute cadence, 35 simulated minutes hold 3 fetches; live
    // (after the second fetch saw the scores move) one a simulated minute.
    let hits = eventually(
        Duration::from_secs(35),
        "matchups polled at live cadence",
        || async {
            let n = sim
                .stats()
                .requests_per_path
                .get(&path)
                .copied()
                .unwrap_or(0);
            (n >= 8).then_some(n)
        },
    )
    .await;
    assert_stops_cleanly(&mut run);
    eprintln!("live test: {hits} matchups requests");
}
