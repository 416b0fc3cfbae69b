//! Starting the simulator in-process and controlling it from Rust tests.
//!
//! `start` binds a port (127.0.0.1:0 by default), serves in a background
//! task and returns a [`SimHandle`]; dropping the handle (or `shutdown`)
//! stops the server, hanging requests and streamed bodies included.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::body::{Body, BodyCache};
use crate::clock::{ClockReading, SimClock};
use crate::faults::{FaultState, Faults, PathDelay};
use crate::generate::GenConfig;
use crate::mutation::Mutation;
use crate::overlay::Overlay;
use crate::route::Endpoint;
use crate::server::router;
use crate::sim::{lock, Sim};
use crate::stats::{Stats, StatsSnapshot};
use crate::world::World;

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub generate: GenConfig,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Simulated start instant (unix ms); default `GenConfig::anchor_ms()`,
    /// Sunday 12:55 ET of week 10.
    pub start_ms: Option<i64>,
    /// Simulated seconds per real second; 0 freezes the clock.
    pub speed: f64,
    pub faults: Faults,
    /// Fixed bodies served byte-for-byte for exact paths (`/v1/state/nfl`).
    pub overrides: HashMap<String, Vec<u8>>,
    /// Length of the configurable statistics window (the 60 s one is always kept).
    pub stats_window: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            generate: GenConfig::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            start_ms: None,
            speed: 1.0,
            faults: Faults::default(),
            overrides: HashMap::new(),
            stats_window: Duration::from_secs(60),
        }
    }
}

/// A running simulator. Cheap to query; every setter takes effect for the
/// next request.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    sim: Arc<Sim>,
    task: Option<JoinHandle<()>>,
}

/// Generates the world, binds and serves. Fails only if the address cannot be bound.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    let world = World::generate(&config.generate);
    let start_ms = config.start_ms.unwrap_or_else(|| world.default_start_ms());
    let overrides = config
        .overrides
        .into_iter()
        .map(|(path, bytes)| (path, Body::new(bytes)))
        .collect();
    let sim = Arc::new(Sim {
        world: Arc::new(world),
        overlay: RwLock::new(Arc::new(Overlay::default())),
        clock: Mutex::new(SimClock::new(start_ms, config.speed)),
        faults: Mutex::new(FaultState::new(config.faults)),
        stats: Mutex::new(Stats::new(config.stats_window)),
        cache: Mutex::new(BodyCache::default()),
        overrides: RwLock::new(overrides),
        shutdown: CancellationToken::new(),
    });
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let app = router(sim.clone());
    let token = sim.shutdown.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "simulator server stopped");
        }
    });
    Ok(SimHandle {
        addr,
        sim,
        task: Some(task),
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`, the `SLEEPER_API_BASE_URL` for clients.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT`: the weekly stats, projections and schedule
    /// live at the root (`{root}/stats/nfl/2025/3?season_type=regular`), as
    /// on api.sleeper.com.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/__sim/clock`, the `SIM_CLOCK_URL` for the producer.
    pub fn clock_url(&self) -> String {
        format!("http://{}/__sim/clock", self.addr)
    }

    /// `http://127.0.0.1:PORT/__sim/stats`.
    pub fn stats_url(&self) -> String {
        format!("http://{}/__sim/stats", self.addr)
    }

    pub fn world(&self) -> Arc<World> {
        self.sim.world.clone()
    }

    /// The current season's league id of every league chain.
    pub fn league_ids(&self) -> Vec<String> {
        self.sim.world.current_league_ids()
    }

    /// Every league id, past seasons included.
    pub fn all_league_ids(&self) -> Vec<String> {
        self.sim.world.all_league_ids()
    }

    pub fn usernames(&self) -> Vec<String> {
        self.sim.world.usernames()
    }

    pub fn now_ms(&self) -> i64 {
        self.sim.now_ms()
    }

    pub fn clock(&self) -> ClockReading {
        lock(&self.sim.clock).reading()
    }

    /// Jumps the simulated clock to `now_ms`, running on at `speed` (0 = frozen).
    pub fn set_clock(&self, now_ms: i64, speed: f64) {
        lock(&self.sim.clock).set(now_ms, speed);
    }

    /// Moves the simulated clock forward by `ms`, keeping its speed.
    pub fn advance(&self, ms: i64) {
        let mut clock = lock(&self.sim.clock);
        let r = clock.reading();
        clock.set(r.now_ms + ms, r.speed);
    }

    pub fn faults(&self) -> Faults {
        lock(&self.sim.faults).faults().clone()
    }

    /// Replaces every fault knob (and restarts the seeded fault sequence).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.sim.faults).set(faults);
    }

    /// Makes the next `count` requests whose path starts with `path_prefix`
    /// (e.g. `/v1/league/123/rosters`) take `delay` longer.
    pub fn delay_next(&self, path_prefix: &str, delay: Duration, count: u32) {
        lock(&self.sim.faults).add_delay(PathDelay {
            path: path_prefix.to_string(),
            delay_ms: delay.as_millis() as u64,
            count: Some(count),
        });
    }

    pub fn stats(&self) -> StatsSnapshot {
        lock(&self.sim.stats).snapshot()
    }

    pub fn reset_stats(&self) {
        lock(&self.sim.stats).reset();
    }

    /// Serves `bytes` byte-for-byte at `path` (exact, no query) until cleared.
    pub fn set_override(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.sim
            .overrides
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), Body::new(bytes.into()));
    }

    pub fn clear_override(&self, path: &str) {
        self.sim
            .overrides
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path);
    }

    /// Applies a mutation; false when its league or roster does not exist.
    pub fn mutate(&self, m: Mutation) -> bool {
        m.apply(&self.sim)
    }

    /// Changes one roster so that exactly one `/rosters` body differs.
    pub fn bump_roster(&self, league_id: &str, roster_id: u32) -> bool {
        self.mutate(Mutation::BumpRoster {
            league_id: league_id.into(),
            roster_id,
        })
    }

    pub fn set_league_status(&self, league_id: &str, status: &str) -> bool {
        self.mutate(Mutation::SetLeagueStatus {
            league_id: league_id.into(),
            status: status.into(),
        })
    }

    pub fn remove_member(&self, league_id: &str, user_id: &str) -> bool {
        self.mutate(Mutation::RemoveMember {
            league_id: league_id.into(),
            user_id: user_id.into(),
        })
    }

    /// The body `GET path` would return now (no faults, not counted):
    /// `None` for "not found". `path` may carry a query.
    pub fn body(&self, path: &str) -> Option<Vec<u8>> {
        let (p, q) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let endpoint = Endpoint::parse(p, q);
        self.sim
            .body(p, endpoint.as_ref(), q, self.now_ms())
            .map(|b| b.json.to_vec())
    }

    /// Stops the server and waits for it: hanging requests return, open
    /// connections close.
    pub async fn shutdown(mut self) {
        self.sim.shutdown.cancel();
        if let Some(task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("simulator did not stop within 5 s");
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.sim.shutdown.cancel();
    }
}
