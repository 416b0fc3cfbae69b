//! `sleeper-bench`: measures the pipeline and, beside each figure, a ceiling
//! taken in the same run on the same machine — these machines are noisy, so
//! the ratios are what hold, not the absolute times.
//!
//! It starts its own `redis-server` and Postgres (the test harness's
//! servers), renders a deterministic season log with the simulator's world,
//! and runs the project's real release binaries as processes:
//!
//! - projection: `sleeper-consumer run` (1, then 2 processes) draining a
//!   pre-filled stream, against binary `COPY` of the same final rows
//!   (Postgres ceiling) and `XRANGE` of the whole stream (Redis ceiling);
//! - rebuild: the one-consumer drain *is* a full replay (a new group into a
//!   fresh database through the live path) — timed against
//!   `sleeper-consumer rebuild` on the same database;
//! - live: `sleeper-producer run` polling the simulator (100 leagues, a large
//!   players body) with a consumer behind it: append → commit latency, peak
//!   RSS, and the requests the poll plan spends per league-hour in and out of
//!   game windows, hence the leagues one producer serves at a 1000/min quota;
//! - analytics (`analytics.rs`): a season's scoring and lineup views
//!   computed whole against binary `COPY` of the same rows, and the p95 of
//!   the league-week lineup query with 100 leagues × 3 seasons loaded;
//! - binary sizes and process start → `/ready` 200.
//!
//! The report is a markdown table on stdout and `target/bench/report.json`.
//! A figure that cannot be measured is `null` with the reason in the table.

mod analytics;
mod live;
mod procs;
mod report;
mod workload;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::json;
use sleeper_tests::harness::servers::{PostgresServer, RedisOptions, RedisServer};

use crate::procs::Service;
use crate::report::Report;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "sleeper-bench",
    about = "Benchmarks sleeper-sync against ceilings"
)]
pub struct Args {
    /// Leagues in the generated season log.
    #[arg(long, default_value_t = 20)]
    pub leagues: usize,
    /// Weeks of the regular season in the log (default 18; `--quick` 2).
    #[arg(long)]
    pub weeks: Option<u8>,
    /// Snapshots of each league's live matchups per week, spread over the
    /// Sunday game window (a game day's live changes); the league's other
    /// scopes every tenth step.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Smaller everything: the whole run in under 3 minutes.
    #[arg(long)]
    pub quick: bool,
    /// Players in the players snapshot of the log (default 15000, full
    /// size: ~15 MB; `--quick` 2500).
    #[arg(long)]
    pub players: Option<usize>,
    /// Leagues the simulator serves to the live producer.
    #[arg(long, default_value_t = 100)]
    pub live_leagues: usize,
    /// Players the simulator serves to the live producer (~1 KB each: 15000 ≈ 15 MB).
    #[arg(long, default_value_t = 15000)]
    pub live_players: usize,
    /// Real seconds of each live phase (in a game window, then outside).
    #[arg(long)]
    pub live_secs: Option<u64>,
    /// Simulated seconds per real second during the live phases (at 10× one
    /// producer did not keep up with 100 leagues on 2 cores; 3× it did).
    #[arg(long, default_value_t = 3.0)]
    pub speed: f64,
    /// Times the rebuild runs on the same database (each swaps in fresh
    /// tables); the median is reported, every time is listed (default 3;
    /// `--quick` 1).
    #[arg(long)]
    pub rebuilds: Option<usize>,
    /// Leagues of the season whose analytics views are computed whole
    /// (default 20; `--quick` 2).
    #[arg(long)]
    pub analytics_leagues: Option<usize>,
    /// Leagues × seasons loaded for the lineup query's latency (default
    /// 100 × 3; `--quick` 3 × 2).
    #[arg(long)]
    pub latency_leagues: Option<usize>,
    #[arg(long)]
    pub latency_seasons: Option<u16>,
    /// Chains × seasons loaded for the all-time queries' latency (default
    /// 100 × 10; `--quick` 2 × 2).
    #[arg(long)]
    pub chains: Option<usize>,
    #[arg(long)]
    pub chain_seasons: Option<u16>,
    /// Run only the analytics figures (skip projection, rebuild, live).
    #[arg(long)]
    pub only_analytics: bool,
    /// Where the project's binaries are (default: next to this one).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Where to write report.json (default: <target>/bench/report.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.quick {
        args.leagues = args.leagues.min(6);
    }
    let steps = args.steps.unwrap_or(if args.quick { 40 } else { 100 });
    args.weeks = Some(args.weeks.unwrap_or(if args.quick { 2 } else { 18 }));
    args.players = Some(
        args.players
            .unwrap_or(if args.quick { 2500 } else { 15000 }),
    );
    let live_secs = args.live_secs.unwrap_or(if args.quick { 30 } else { 60 });
    let live_players = args.live_players;
    let bin_dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("exe dir")?
            .to_path_buf(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        bin_dir
            .parent()
            .map(|t| t.join("bench/report.json"))
            .unwrap_or_else(|| PathBuf::from("report.json"))
    });
    sleeper_shared::telemetry::install_crypto_provider();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(&args, steps, live_secs, live_players, &bin_dir, &out))
}

async fn run(
    args: &Args,
    steps: usize,
    live_secs: u64,
    live_players: usize,
    bin_dir: &std::path::Path,
    out: &std::path::Path,
) -> Result<()> {
    let total = Instant::now();
    let mut report = Report::default();
    report.meta(
        "command",
        json!(std::env::args().collect::<Vec<_>>().join(" ")),
    );
    report.meta("cores", json!(std::thread::available_parallelism()?.get()));
    report.meta("memory_mb", json!(procs::mem_total_mb()));
    let bins = procs::Bins::new(bin_dir)?;

    eprintln!("bench: starting redis-server and postgres");
    let redis = RedisServer::start(RedisOptions::default());
    let pg = PostgresServer::start();
    let redis_url = redis.url();

    // ── workload ────────────────────────────────────────────────────────
    let (weeks, players) = (args.weeks.unwrap_or(18), args.players.unwrap_or(15000));
    if args.only_analytics {
        analytics_phase(args, &bins, &mut report, &redis_url, &pg, weeks).await?;
        report.meta("bench_wall_s", json!(round1(total.elapsed().as_secs_f64())));
        return report.finish(out);
    }
    eprintln!(
        "bench: generating {} leagues × {weeks} weeks × {steps} steps (+ players snapshot of {players})",
        args.leagues
    );
    let t = Instant::now();
    let log = workload::generate(args.leagues, weeks, steps, players).await?;
    eprintln!(
        "bench: {} events, {} bytes encoded, in {:.1}s",
        log.events,
        log.bytes,
        t.elapsed().as_secs_f64()
    );
    report.meta("leagues", json!(args.leagues));
    report.meta("weeks", json!(weeks));
    report.meta("steps", json!(steps));
    report.meta("players", json!(players));
    report.set("workload_events", json!(log.events));
    report.set("workload_bytes", json!(log.bytes));
    report.set(
        "matchups_snapshots_per_scope_max",
        json!(log.max_per_matchups_scope),
    );

    let stream = "bench:events";
    let mut conn = redis::Client::open(redis_url.as_str())?
        .get_multiplexed_async_connection()
        .await?;
    let t = Instant::now();
    workload::fill(&mut conn, stream, &log.wire).await?;
    let fill_s = t.elapsed().as_secs_f64();
    report.row(
        "XADD fill (pipelined)",
        format!("{:.0} events/s", log.events as f64 / fill_s),
        "—",
        "how the pre-filled stream was made",
    );

    // ── 3. Redis ceiling ────────────────────────────────────────────────
    let t = Instant::now();
    let read = workload::xrange_all(&mut conn, stream, 1000).await?;
    let xr_s = t.elapsed().as_secs_f64();
    if read != log.events {
        bail!("XRANGE read {read} of {} events", log.events);
    }
    let xrange_eps = read as f64 / xr_s;
    report.set("xrange_events_per_s", json!(round(xrange_eps)));

    // ── 1. projection, one consumer (also the full replay of 4.) ────────
    let db1 = procs::create_db(&pg, "bench_p1").await?;
    bins.consumer_cmd(&["migrate"], &redis_url, &pg.url(&db1), stream, "g1")?;
    eprintln!("bench: projecting with 1 consumer");
    let t = Instant::now();
    let c = Service::spawn(&bins, &redis_url, &pg.url(&db1), stream, "g1", "c1")?;
    let ready_ms = c.wait_ready(Duration::from_secs(30)).await?;
    report.set("start_to_ready_ms", json!(round(ready_ms)));
    let peak1 = procs::wait_drained(
        &redis_url,
        stream,
        "g1",
        &pg.url(&db1),
        log.events,
        &[&c],
        drain_limit(&log),
    )
    .await?;
    let p1_s = t.elapsed().as_secs_f64();
    let rows1 = c.rows_written().await?;
    drop(c);
    let eps1 = log.events as f64 / p1_s;
    let rps1 = rows1 as f64 / p1_s;
    report.set("projector_events_per_s", json!(round(eps1)));
    report.set("projector_rows_per_s", json!(round(rps1)));
    report.set("workload_rows_written", json!(rows1));
    report.set("consumer_peak_rss_mb", json!(round1(peak1)));
    report.set("full_replay_s", json!(round2(p1_s)));

    // ── the archive on disk, per event and per league-season ────────────
    let size = procs::archive_size(&pg.url(&db1)).await?;
    let per_event = size.bytes as f64 / size.events.max(1) as f64;
    // League scopes only (the players snapshot is shared by every league),
    // scaled to an 18-week season when the workload is shorter.
    let league_bytes = size.bytes as f64 * (1.0 - size.players_share);
    let per_league_season = league_bytes / args.leagues as f64 * 18.0 / weeks as f64;
    let players_season = size.players_snapshot_bytes * 140.0;
    report.set("archive_bytes", json!(size.bytes));
    report.set("archive_bytes_per_event", json!(round(per_event)));
    report.set(
        "archive_bytes_per_league_season",
        json!(round(per_league_season)),
    );
    report.set(
        "archive_players_snapshot_bytes",
        json!(round(size.players_snapshot_bytes)),
    );
    let season = |leagues: f64| (leagues * per_league_season + players_season) / 1e9;
    report.row(
        "archive on disk (pipeline.event_log incl. TOAST and indexes)",
        format!(
            "{per_event:.0} bytes/event; {:.1} MB per league-season",
            per_league_season / 1e6
        ),
        "—",
        format!(
            "one season (+ a daily players snapshot of {:.1} MB, 140 days): 1 league {:.2} GB, 100 leagues {:.2} GB, 400 leagues {:.2} GB",
            size.players_snapshot_bytes / 1e6,
            season(1.0),
            season(100.0),
            season(400.0)
        ),
    );

    // ── 1. projection, two consumers ────────────────────────────────────
    let db2 = procs::create_db(&pg, "bench_p2").await?;
    bins.consumer_cmd(&["migrate"], &redis_url, &pg.url(&db2), stream, "g2")?;
    eprintln!("bench: projecting with 2 consumers");
    let t = Instant::now();
    let a = Service::spawn(&bins, &redis_url, &pg.url(&db2), stream, "g2", "c1")?;
    let b = Service::spawn(&bins, &redis_url, &pg.url(&db2), stream, "g2", "c2")?;
    let _ = procs::wait_drained(
        &redis_url,
        stream,
        "g2",
        &pg.url(&db2),
        log.events,
        &[&a, &b],
        drain_limit(&log),
    )
    .await?;
    let p2_s = t.elapsed().as_secs_f64();
    let rows2 = a.rows_written().await? + b.rows_written().await?;
    drop((a, b));
    procs::drop_db(&pg, &db2).await?;
    let eps2 = log.events as f64 / p2_s;
    let rps2 = rows2 as f64 / p2_s;
    report.set("projector2_events_per_s", json!(round(eps2)));
    report.set("projector2_rows_per_s", json!(round(rps2)));

    // ── 2. Postgres ceiling: binary COPY of the final rows ──────────────
    let db3 = procs::create_db(&pg, "bench_copy").await?;
    bins.consumer_cmd(&["migrate"], &redis_url, &pg.url(&db3), stream, "g3")?;
    procs::settle(&pg, &db1).await?;
    eprintln!("bench: binary COPY ceiling");
    let (final_rows, copy_s) = procs::copy_ceiling(&pg.url(&db1), &pg.url(&db3)).await?;
    let copy_rps = final_rows as f64 / copy_s;
    procs::drop_db(&pg, &db3).await?;
    report.set("workload_final_rows", json!(final_rows));
    report.set("copy_ceiling_rows_per_s", json!(round(copy_rps)));

    report.row(
        "projection, 1 consumer",
        format!("{eps1:.0} events/s, {rps1:.0} rows/s"),
        format!("COPY {copy_rps:.0} rows/s; XRANGE {xrange_eps:.0} events/s"),
        format!(
            "rows/s = {:.1} % of COPY (goal ≥ 40 %); events/s = {:.1} % of XRANGE",
            100.0 * rps1 / copy_rps,
            100.0 * eps1 / xrange_eps
        ),
    );
    report.row(
        "projection, 2 consumers",
        format!("{eps2:.0} events/s, {rps2:.0} rows/s"),
        format!("COPY {copy_rps:.0} rows/s"),
        format!(
            "{:.2}× one consumer; {:.1} % of COPY",
            eps2 / eps1,
            100.0 * rps2 / copy_rps
        ),
    );
    report.set("projection_copy_ratio", json!(round3(rps1 / copy_rps)));

    // ── 4. rebuild vs full replay ───────────────────────────────────────
    if bins.consumer_has("rebuild")? {
        // db1 was settled before the COPY ceiling and only read since.
        let mut times = Vec::new();
        let mut summary = String::new();
        let rebuilds = args.rebuilds.unwrap_or(if args.quick { 1 } else { 3 });
        for _ in 0..rebuilds.max(1) {
            eprintln!("bench: sleeper-consumer rebuild");
            let t = Instant::now();
            summary = bins.consumer_cmd(&["rebuild"], &redis_url, &pg.url(&db1), stream, "g1")?;
            times.push(t.elapsed().as_secs_f64());
            eprintln!("bench: {summary}");
        }
        let rb_s = median(&times);
        report.set("rebuild_summary", json!(summary));
        report.set("compacted_rebuild_s", json!(round2(rb_s)));
        report.set(
            "compacted_rebuild_runs_s",
            json!(times.iter().map(|t| round2(*t)).collect::<Vec<_>>()),
        );
        let runs = if times.len() > 1 {
            let all: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
            format!(" (median of {} runs: {} s)", times.len(), all.join(", "))
        } else {
            String::new()
        };
        report.row(
            "rebuild (whole log)",
            format!("compacted rebuild {rb_s:.2} s{runs}"),
            format!("full replay {p1_s:.2} s"),
            format!("{:.1}× faster (goal ≥ 10×)", p1_s / rb_s),
        );
    } else {
        report.set("compacted_rebuild_s", serde_json::Value::Null);
        report.row(
            "rebuild (whole log)",
            "null: `sleeper-consumer rebuild` not available",
            format!("full replay {p1_s:.2} s"),
            "—",
        );
    }

    // ── 5, 6, 8. the live producer ──────────────────────────────────────
    let db4 = procs::create_db(&pg, "bench_live").await?;
    bins.consumer_cmd(
        &["migrate"],
        &redis_url,
        &pg.url(&db4),
        "bench:live",
        "live",
    )?;
    live::run(
        &bins,
        &mut report,
        live::LiveSpec {
            redis_url: &redis_url,
            database_url: &pg.url(&db4),
            leagues: args.live_leagues,
            players: live_players,
            secs: live_secs,
            speed: args.speed,
        },
    )
    .await?;

    // ── 9. analytics: scoring, lineups, projections, all time ──────────
    analytics_phase(args, &bins, &mut report, &redis_url, &pg, weeks).await?;

    // ── 7. sizes ────────────────────────────────────────────────────────
    let (sizes, total_mb) = bins.sizes()?;
    report.set("binary_size_mb", json!(round1(total_mb)));
    report.row(
        "binary size (stripped release)",
        sizes,
        "—",
        "reported, not chased",
    );
    report.row(
        "start → /ready 200 (consumer)",
        format!("{ready_ms:.0} ms"),
        "—",
        "includes connecting to Redis and Postgres",
    );
    report.meta("bench_wall_s", json!(round1(total.elapsed().as_secs_f64())));
    report.finish(out)?;
    Ok(())
}

/// The analytics figures (`analytics.rs`), sized by `args`.
async fn analytics_phase(
    args: &Args,
    bins: &procs::Bins,
    report: &mut Report,
    redis_url: &str,
    pg: &PostgresServer,
    weeks: u8,
) -> Result<()> {
    analytics::run(
        bins,
        report,
        analytics::AnalyticsSpec {
            redis_url,
            pg,
            leagues: args
                .analytics_leagues
                .unwrap_or(if args.quick { 2 } else { 20 }),
            latency_leagues: args
                .latency_leagues
                .unwrap_or(if args.quick { 3 } else { 100 }),
            latency_seasons: args
                .latency_seasons
                .unwrap_or(if args.quick { 2 } else { 3 }),
            weeks,
            queries: if args.quick { 50 } else { 500 },
            chains: args.chains.unwrap_or(if args.quick { 2 } else { 100 }),
            chain_seasons: args
                .chain_seasons
                .unwrap_or(if args.quick { 2 } else { 10 }),
        },
    )
    .await
}

/// A generous bound on how long a drain may take before the run fails.
fn drain_limit(log: &workload::Log) -> Duration {
    Duration::from_secs(120 + log.events as u64 / 20)
}

/// The median of `xs` (the mean of the middle two for an even count).
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

pub fn round(x: f64) -> f64 {
    x.round()
}
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
