//! The shared quota: `run` and `backfill` side by side against a simulator
//! answering a share of requests with 429 never exceed one quota window's
//! budget at the upstream, and both get their work done.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use sleeper_shared::Origin;
use sleeper_sim::{Faults, GenConfig, SimConfig, SimHandle, StatsSnapshot};
use sleeper_tests::harness::events::{create_group, decoded};
use sleeper_tests::harness::servers::free_port;
use sleeper_tests::harness::{Bin, TestEnv};

use crate::support::{assert_stops_cleanly, eventually, http_get, with};

/// One quota scenario: `run` and `backfill` side by side against a simulator
/// answering a share of requests with 429, `quota` requests per `window`.
struct QuotaScenario {
    name: &'static str,
    quota: u32,
    window: Duration,
    rate_429: f64,
    generate: GenConfig,
    /// Simulated seconds per second. Faster than real time so that games
    /// start and scores change: the run loop's snapshots then differ from
    /// the backfill's and are appended (identical ones are deduplicated).
    speed: f64,
    /// The run goes on at least this long, so the check spans several windows.
    min_duration: Duration,
}

impl QuotaScenario {
    async fn check(self) {
        let env = TestEnv::new(self.name).await;
        let sim = self.simulator().await;
        let leagues = sim.league_ids();
        let port = free_port();
        let vars = self.vars(&env, &sim, port);
        // A group with no consumer: the producer exports its lag too.
        create_group(&mut env.redis().await, &env.stream_key, "projector").await;
        let started = Instant::now();
        let mut run = Bin::producer().spawn(&["run"], &vars);
        backfill_two_seasons(&env, &vars, &leagues[0]).await;
        run_polls_every_league(&env, &leagues).await;
        if let Some(rest) = self.min_duration.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
        let stats = sim.stats();
        self.assert_within_quota(&stats, started);
        assert_metrics(port).await;
        assert_stops_cleanly(&mut run);
        eprintln!(
            "{}: {} requests ({:?}), max {} in a {} s window (quota {}), {:?} in all",
            self.name,
            stats.total_requests,
            stats.responses_per_status,
            stats.max_requests_in_window,
            stats.window_secs,
            self.quota,
            started.elapsed()
        );
    }

    /// The simulator: the scenario's world, window, speed and 429 rate.
    async fn simulator(&self) -> SimHandle {
        sleeper_sim::start(SimConfig {
            generate: self.generate.clone(),
            stats_window: self.window,
            speed: self.speed,
            faults: Faults {
                rate_429: self.rate_429,
                ..Faults::default()
            },
            ..SimConfig::default()
        })
        .await
        .expect("simulator")
    }

    /// The producer's settings: the simulator's leagues, the scenario's
    /// quota and window, its HTTP port.
    fn vars(&self, env: &TestEnv, sim: &SimHandle, port: u16) -> Vec<(String, String)> {
        with(
            &env.vars(),
            &[
                ("SLEEPER_API_BASE_URL", sim.base_url()),
                ("SIM_CLOCK_URL", sim.clock_url()),
                ("SLEEPER_LEAGUE_IDS", sim.league_ids().join(",")),
                ("SLEEPER_RATE_LIMIT_PER_MINUTE", self.quota.to_string()),
                (
                    "SLEEPER_QUOTA_WINDOW",
                    format!("{}s", self.window.as_secs()),
                ),
                ("HTTP_ADDR", format!("127.0.0.1:{port}")),
            ],
        )
    }

    /// Spanning at least two windows with more requests than one window may
    /// hold: the limiter, not a lack of work, kept each window in bounds.
    fn assert_within_quota(&self, stats: &StatsSnapshot, started: Instant) {
        assert!(
            started.elapsed() >= 2 * self.window && stats.total_requests > u64::from(self.quota),
            "the test must span several windows: {} requests in {:?}",
            stats.total_requests,
            started.elapsed()
        );
        assert!(
            stats.max_requests_in_window <= u64::from(self.quota),
            "{} requests in one {}s window (quota {}); {:?}",
            stats.max_requests_in_window,
            stats.window_secs,
            self.quota,
            stats.responses_per_status
        );
        assert!(stats.responses_per_status.get("429").copied().unwrap_or(0) > 0);
    }
}

/// `backfill` of `league`'s last two seasons, beside the run loop: it goes
/// through its plan, both seasons' week-1 matchups.
async fn backfill_two_seasons(env: &TestEnv, vars: &[(String, String)], league: &str) {
    let backfill = {
        let vars = vars
            .iter()
            .filter(|(k, _)| k != "HTTP_ADDR")
            .cloned()
            .collect::<Vec<_>>();
        let league = league.to_string();
        tokio::task::spawn_blocking(move || {
            Bin::producer().run(&["backfill", "--league", &league, "--seasons", "2"], &vars)
        })
    };
    let out = tokio::time::timeout(Duration::from_secs(360), backfill)
        .await
        .expect("backfill finishes within 6 minutes")
        .expect("join");
    assert!(out.status.success(), "backfill failed: {}", out.stderr);
    let backfilled: BTreeSet<String> = decoded(&env.redis_url, &env.stream_key)
        .await
        .into_iter()
        .filter(|(_, e)| e.origin == Origin::Backfill && e.scope.ends_with("/matchups/1"))
        .map(|(_, e)| e.scope)
        .collect();
    assert_eq!(
        backfilled.len(),
        2,
        "two seasons' week-1 matchups: {backfilled:?}"
    );
}

/// The run loop gets its share too: every league's current matchups.
async fn run_polls_every_league(env: &TestEnv, leagues: &[String]) {
    let week_scopes = eventually(
        Duration::from_secs(120),
        "run publishes matchups of every league",
        || async {
            let scopes: BTreeSet<String> = decoded(&env.redis_url, &env.stream_key)
                .await
                .into_iter()
                .filter(|(_, e)| e.origin == Origin::Poll && e.scope.contains("/matchups/"))
                .map(|(_, e)| e.scope)
                .collect();
            leagues
                .iter()
                .all(|l| {
                    scopes
                        .iter()
                        .any(|s| s.starts_with(&format!("league/{l}/")))
                })
                .then_some(scopes)
        },
    )
    .await;
    assert!(!week_scopes.is_empty());
}

/// The producer exports the freshness, lag, length and publishing metrics.
async fn assert_metrics(port: u16) {
    let (_, metrics) = http_get(&format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics");
    for name in [
        "sleeper_oldest_snapshot_age_seconds",
        "sleeper_consumer_lag_events{",
        "sleeper_stream_length{",
        "sleeper_events_published_total{",
    ] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }
}

/// The quota window scaled down to 6 s, so many windows fit in a short test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_and_backfill_side_by_side_stay_within_one_quota() {
    QuotaScenario {
        name: "prod_quota",
        quota: 60,
        window: Duration::from_secs(6),
        rate_429: 0.15,
        generate: GenConfig {
            seasons: 2..=3,
            ..GenConfig::default()
        },
        speed: 10.0,
        min_duration: Duration::ZERO,
    }
    .check()
    .await;
}

/// The real thing: 60 requests per 60-second window, a 30 % 429 storm, over
/// several minutes, with `run` and `backfill` drawing from the one budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_minute_429_storm_never_exceeds_60_per_minute() {
    QuotaScenario {
        name: "prod_quota_minute",
        quota: 60,
        window: Duration::from_secs(60),
        rate_429: 0.30,
        generate: GenConfig {
            leagues: 2,
            seasons: 2..=2,
            weeks: 6,
            live_week: 4,
            ..GenConfig::default()
        },
        speed: 10.0,
        min_duration: Duration::from_secs(150),
    }
    .check()
    .await;
}
