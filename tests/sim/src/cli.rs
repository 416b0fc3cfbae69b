//! The `sleeper-sim` command line: flags for the world, the clock, the
//! statistics window and every fault knob, mapped onto [`SimConfig`].

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use crate::faults::Faults;
use crate::generate::GenConfig;
use crate::handle::{start, SimConfig};

/// A deterministic Sleeper API simulator.
#[derive(Debug, Parser)]
#[command(name = "sleeper-sim", version)]
pub struct Cli {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// League chains to generate.
    #[arg(long, default_value_t = 3)]
    pub leagues: usize,
    #[arg(long, default_value_t = 12)]
    pub rosters_per_league: u32,
    #[arg(long, default_value_t = 1)]
    pub min_seasons: u32,
    #[arg(long, default_value_t = 3)]
    pub max_seasons: u32,
    #[arg(long, default_value_t = 18)]
    pub weeks: u32,
    #[arg(long, default_value_t = 400)]
    pub players: usize,
    #[arg(long, default_value_t = 2025)]
    pub season: i32,
    /// Leagues whose draft runs around the start instant.
    #[arg(long, default_value_t = 1)]
    pub drafting_leagues: usize,
    #[arg(long, default_value_t = 1)]
    pub pre_draft_leagues: usize,
    #[arg(long, default_value_t = 30)]
    pub pick_interval_secs: u32,
    /// Simulated start, unix ms (default: Sunday 12:55 ET of week 10).
    #[arg(long)]
    pub start_ms: Option<i64>,
    /// Simulated seconds per real second (0 freezes the clock).
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Length of the configurable statistics window, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub window_secs: f64,
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_429: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_429_retry_after: f64,
    #[arg(long, default_value_t = 1)]
    pub retry_after_secs: u64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_5xx: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_hang: f64,
    #[arg(long, default_value_t = 3_600_000)]
    pub hang_ms: u64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_truncated: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_disconnect: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_malformed: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_truncated_gzip: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_null: f64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_huge: f64,
    #[arg(long, default_value_t = 200 * 1024 * 1024)]
    pub huge_bytes: u64,
    #[arg(long, default_value_t = 0.0)]
    pub fault_wrong_types: f64,
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Fraction of not-found answers sent as 200 `null` rather than 404 `null`.
    #[arg(long, default_value_t = 0.0)]
    pub not_found_200: f64,
    /// Apply the fault rates only to paths starting with this.
    #[arg(long)]
    pub fault_path_prefix: Option<String>,
}

impl Cli {
    pub fn config(&self) -> SimConfig {
        SimConfig {
            generate: GenConfig {
                seed: self.seed,
                leagues: self.leagues.max(1),
                rosters_per_league: self.rosters_per_league,
                seasons: self.min_seasons..=self.max_seasons.max(self.min_seasons),
                weeks: self.weeks,
                players: self.players,
                current_season: self.season,
                start_ms: self.start_ms,
                drafting_leagues: self.drafting_leagues,
                pre_draft_leagues: self.pre_draft_leagues,
                pick_interval_secs: self.pick_interval_secs,
                ..GenConfig::default()
            },
            addr: self.addr,
            start_ms: self.start_ms,
            speed: self.speed,
            faults: Faults {
                seed: self.fault_seed,
                rate_429: self.fault_429,
                rate_429_retry_after: self.fault_429_retry_after,
                retry_after_secs: self.retry_after_secs,
                rate_5xx: self.fault_5xx,
                rate_hang: self.fault_hang,
                hang_ms: self.hang_ms,
                rate_truncated: self.fault_truncated,
                rate_disconnect: self.fault_disconnect,
                rate_malformed: self.fault_malformed,
                rate_truncated_gzip: self.fault_truncated_gzip,
                rate_null: self.fault_null,
                rate_huge: self.fault_huge,
                huge_bytes: self.huge_bytes,
                rate_wrong_types: self.fault_wrong_types,
                latency_ms: self.latency_ms,
                latency_jitter_ms: self.latency_jitter_ms,
                not_found_200: self.not_found_200,
                path_prefix: self.fault_path_prefix.clone(),
                delays: Vec::new(),
            },
            overrides: Default::default(),
            stats_window: Duration::from_secs_f64(self.window_secs.max(0.001)),
        }
    }
}

/// Starts the simulator, prints its base URL on stdout, serves until Ctrl-C.
pub async fn run(cli: Cli) -> std::io::Result<()> {
    let handle = start(cli.config()).await?;
    println!("{}", handle.base_url());
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}
