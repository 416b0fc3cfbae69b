//! The live phases: `sleeper-producer run` polling the simulator (its clock
//! running at a known speed) with a consumer projecting behind it.
//!
//! Two phases on one simulator and one producer: first inside a game window
//! (Sunday 13:30 ET of week 10, games running), then on the Tuesday after,
//! outside every window (with the clock six times faster, so the slow
//! cadences show). Each starts with a warm-up (the
//! first full fetch of every scope is a one-off), then the simulator's
//! request statistics are reset and counted over a known simulated interval:
//! requests per league-hour, and from them the leagues one producer serves at
//! a 1000/min quota. Latency is append (the stream id's clock) → the archive
//! row's `archived_at` (the projection transaction's `now()`, i.e. its start;
//! the commit follows within the batch time).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;
use sleeper_sim::{SimConfig, SimHandle};

use crate::procs::{connect, consumer_env, Bins, Service};
use crate::report::Report;
use crate::{round, round1};

/// The quota the capacity figure is computed for, requests per minute.
const QUOTA_PER_MIN: f64 = 1000.0;

pub struct LiveSpec<'a> {
    pub redis_url: &'a str,
    pub database_url: &'a str,
    pub leagues: usize,
    pub players: usize,
    pub secs: u64,
    pub speed: f64,
}

/// Requests counted over a simulated interval.
struct Phase {
    sim_hours: f64,
    per_endpoint: BTreeMap<String, u64>,
    /// `players/nfl` requests over warm-up and measurement: proof that the
    /// producer's peak RSS includes the players body.
    players_fetches: u64,
}

impl Phase {
    fn league_scoped(&self) -> u64 {
        self.per_endpoint
            .iter()
            .filter(|(k, _)| k.starts_with("league/") || k.starts_with("draft/"))
            .map(|(_, v)| v)
            .sum()
    }
    fn global(&self) -> u64 {
        self.per_endpoint.values().sum::<u64>() - self.league_scoped()
    }
    fn matchups(&self) -> u64 {
        self.per_endpoint
            .iter()
            .filter(|(k, _)| k.contains("matchups"))
            .map(|(_, v)| v)
            .sum()
    }
}

pub async fn run(bins: &Bins, report: &mut Report, spec: LiveSpec<'_>) -> Result<()> {
    eprintln!(
        "bench: live phase: simulator with {} leagues, {} players, speed {}",
        spec.leagues, spec.players, spec.speed
    );
    let mut config = SimConfig {
        speed: spec.speed,
        ..SimConfig::default()
    };
    config.generate.seed = 8;
    config.generate.leagues = spec.leagues;
    config.generate.players = spec.players;
    let sim = sleeper_sim::start(config).await?;
    // 13:30 ET: inside the Sunday window (it opens at 13:00), games running.
    sim.set_clock(sim.now_ms() + 35 * 60_000, spec.speed);
    let players_mb = sim.body("/v1/players/nfl").map(|b| b.len()).unwrap_or(0) as f64 / 1_048_576.0;
    let leagues = sim.league_ids();
    let stream = "bench:live";
    let mut pvars = consumer_env(
        spec.redis_url,
        spec.database_url,
        stream,
        "live",
        "producer",
    );
    pvars.extend(
        [
            ("SLEEPER_API_BASE_URL", sim.base_url()),
            ("SIM_CLOCK_URL", sim.clock_url()),
            ("SLEEPER_LEAGUE_IDS", leagues.join(",")),
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "100000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v)),
    );
    let consumer = Service::spawn(
        bins,
        spec.redis_url,
        spec.database_url,
        stream,
        "live",
        "live1",
    )?;
    let mut producer = Service::spawn_bin(bins, "sleeper-producer", pvars)?;
    let producer_ready_ms = producer.wait_ready(Duration::from_secs(30)).await?;
    let mut peaks = (0.0f64, 0.0f64);

    let warm = Duration::from_secs((spec.secs / 3).max(3));
    let measure = Duration::from_secs(spec.secs);
    let in_game = phase(&sim, &mut producer, &consumer, warm, measure, &mut peaks).await?;
    // Tuesday 12:55 ET: no game window; a faster clock so the slow cadences show.
    let tuesday = sim.now_ms() + 2 * 86_400_000;
    sim.set_clock(tuesday, spec.speed * 6.0);
    let out_game = phase(&sim, &mut producer, &consumer, warm, measure, &mut peaks).await?;

    let db = connect(spec.database_url).await?;
    let row = db
        .query_one(
            "SELECT count(*)::bigint, \
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), \
               percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) \
             FROM (SELECT extract(epoch FROM archived_at) * 1000 - id_ms AS ms \
                   FROM pipeline.event_log) s",
            &[],
        )
        .await?;
    let n: i64 = row.get(0);
    let p50: Option<f64> = row.get(1);
    let p99: Option<f64> = row.get(2);
    drop(producer);
    drop(consumer);
    sim.shutdown().await;

    let n_leagues = leagues.len() as f64;
    let in_per = in_game.league_scoped() as f64 / n_leagues / in_game.sim_hours;
    let out_per = out_game.league_scoped() as f64 / n_leagues / out_game.sim_hours;
    let global_per_hour = in_game.global() as f64 / in_game.sim_hours;
    let matchups_per = in_game.matchups() as f64 / n_leagues / in_game.sim_hours;
    let quota_per_hour = QUOTA_PER_MIN * 60.0;
    let at_quota = ((quota_per_hour - global_per_hour) / in_per)
        .floor()
        .max(0.0);
    let live_age_s = if matchups_per > 0.0 {
        3600.0 / matchups_per
    } else {
        f64::INFINITY
    };

    report.set("e2e_events", json!(n));
    report.set("e2e_p50_ms", json!(p50.map(round1)));
    report.set("e2e_p99_ms", json!(p99.map(round1)));
    report.set("producer_peak_rss_mb", json!(round1(peaks.0)));
    report.set("live_consumer_peak_rss_mb", json!(round1(peaks.1)));
    report.set("live_players_body_mb", json!(round1(players_mb)));
    let players_fetches = in_game.players_fetches + out_game.players_fetches;
    report.set("producer_players_fetches", json!(players_fetches));
    report.set(
        "producer_start_to_ready_ms",
        json!(round(producer_ready_ms)),
    );
    report.set("requests_per_league_hour_in_game", json!(round1(in_per)));
    report.set(
        "requests_per_league_hour_out_of_game",
        json!(round1(out_per)),
    );
    report.set("global_requests_per_hour", json!(round1(global_per_hour)));
    report.set(
        "matchups_requests_per_league_hour_in_game",
        json!(round1(matchups_per)),
    );
    // The figure assumes the producer kept live scores fresh; if it did not
    // (matchups older than 90 s), the requests counted are what it managed,
    // not what the plan needs, and dividing the quota by them overstates.
    let kept_up = live_age_s <= 90.0;
    report.set(
        "leagues_at_quota",
        if kept_up {
            json!(at_quota)
        } else {
            json!(null)
        },
    );
    report.set("live_matchups_interval_s", json!(round1(live_age_s)));
    report.set("per_endpoint_in_game", json!(in_game.per_endpoint));
    report.set("per_endpoint_out_of_game", json!(out_game.per_endpoint));

    report.row(
        format!(
            "latency append → archived (live, {} leagues)",
            leagues.len()
        ),
        match (p50, p99) {
            (Some(a), Some(b)) => format!("p50 {a:.0} ms, p99 {b:.0} ms ({n} events)"),
            _ => "null: no events archived".into(),
        },
        "poll interval 60 s (live matchups)",
        "archived_at is the projection transaction's start",
    );
    report.row(
        "producer peak RSS",
        format!("{:.1} MB", peaks.0),
        if players_fetches > 0 {
            format!("players body {players_mb:.1} MB, fetched {players_fetches}×")
        } else {
            format!("players body {players_mb:.1} MB NOT fetched: peak is without it")
        },
        "goal < 150 MB peak with the players body",
    );
    report.row(
        "consumer peak RSS",
        format!(
            "{:.1} MB (live {:.1} MB)",
            report_consumer_peak(report),
            peaks.1
        ),
        "—",
        "goal < 64 MB",
    );
    report.row(
        "producer start → /ready 200",
        format!("{producer_ready_ms:.0} ms"),
        "—",
        "reported, not chased",
    );
    report.row(
        "requests per league-hour",
        format!(
            "in game windows {in_per:.0}, outside {out_per:.0} (+ {global_per_hour:.0}/h global)"
        ),
        format!("quota {QUOTA_PER_MIN:.0}/min = {quota_per_hour:.0}/h"),
        format!(
            "live matchups every {live_age_s:.0} s (≤ 90 s needed); simulated {:.2} h + {:.2} h",
            in_game.sim_hours, out_game.sim_hours
        ),
    );
    report.row(
        "leagues per producer at 1000/min",
        if kept_up {
            format!("{at_quota:.0}")
        } else {
            format!(
                "null: live matchups every {live_age_s:.0} s > 90 s, the producer did not keep up"
            )
        },
        "goal ≥ 400",
        "all leagues in a game window at once (the worst case)",
    );
    Ok(())
}

fn report_consumer_peak(report: &Report) -> f64 {
    report.get_f64("consumer_peak_rss_mb").unwrap_or(0.0)
}

/// Warm up, reset the simulator's statistics, count over `measure`.
async fn phase(
    sim: &SimHandle,
    producer: &mut Service,
    consumer: &Service,
    warm: Duration,
    measure: Duration,
    peaks: &mut (f64, f64),
) -> Result<Phase> {
    let players = |s: &sleeper_sim::StatsSnapshot| {
        s.requests_per_endpoint
            .get("players/nfl")
            .copied()
            .unwrap_or(0)
    };
    sample(producer, consumer, warm, peaks).await?;
    let warm_players = players(&sim.stats());
    sim.reset_stats();
    let t0 = sim.now_ms();
    sample(producer, consumer, measure, peaks).await?;
    let stats = sim.stats();
    let t1 = sim.now_ms();
    Ok(Phase {
        sim_hours: (t1 - t0) as f64 / 3_600_000.0,
        players_fetches: warm_players + players(&stats),
        per_endpoint: stats.requests_per_endpoint,
    })
}

/// Sleep `d`, sampling peak RSS; fail if the producer exits.
async fn sample(
    producer: &mut Service,
    consumer: &Service,
    d: Duration,
    peaks: &mut (f64, f64),
) -> Result<()> {
    let until = Instant::now() + d;
    while Instant::now() < until {
        peaks.0 = peaks.0.max(producer.peak_rss_mb());
        peaks.1 = peaks.1.max(consumer.peak_rss_mb());
        if !producer.is_running() {
            return Err(anyhow::anyhow!("sleeper-producer exited")).context("live phase");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
