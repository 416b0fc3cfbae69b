//! End-to-end tests of the simulator over real HTTP on loopback.
//!
//! - `shapes`   — bodies have the keys of the real payloads in `fixtures/`, and their quirks
//! - `progress` — what changes with the simulated clock, and what must not
//! - `faults`   — fault rates, damaged bodies, hangs, huge streamed bodies
//! - `control`  — ETags, overrides, mutations, statistics, the control endpoints
//! - `weekly`   — stats, projections and schedule at the root; matchups points from the stats

mod control;
mod faults;
mod progress;
mod shapes;
mod weekly;

use std::time::Duration;

use serde_json::Value;
use sleeper_sim::world::{League, LeagueKind};
use sleeper_sim::{start, GenConfig, SimConfig, SimHandle};

/// A small world on a frozen clock at the default start (Sunday 12:55 ET,
/// week 10); every chain has at least two seasons.
pub fn config(seed: u64) -> SimConfig {
    SimConfig {
        generate: GenConfig {
            seed,
            leagues: 3,
            seasons: 2..=3,
            ..GenConfig::default()
        },
        speed: 0.0,
        ..SimConfig::default()
    }
}

pub async fn spawn(seed: u64) -> SimHandle {
    start(config(seed)).await.expect("simulator starts")
}

/// A client builder; installs the rustls crypto provider first (see Cargo.toml).
pub fn builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub fn client() -> reqwest::Client {
    builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

pub async fn get_text(url: &str) -> (u16, String) {
    let resp = client().get(url).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

pub async fn get_json(url: &str) -> Value {
    let (status, text) = get_text(url).await;
    assert_eq!(status, 200, "{url}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/api/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The first league of a kind (newest season of chain 0 is always in season).
pub fn league_of(sim: &SimHandle, kind: LeagueKind) -> League {
    sim.world()
        .leagues
        .iter()
        .find(|l| l.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind:?} league"))
}
