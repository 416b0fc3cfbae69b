//! The producer's one clock.
//!
//! Everything time-dependent in the producer (the poll plan, game windows,
//! fetched-at) reads the time here, so that with `SIM_CLOCK_URL` the whole
//! producer follows the simulator's clock and a game day runs in minutes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

#[derive(Debug, Clone, Copy)]
struct Anchor {
    sim_ms: Millis,
    speed: f64,
    at: Instant,
}

/// The system clock, or one that follows a simulator.
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    System,
    /// Follows `GET <url>` → `{"now_ms": …, "speed": …}`, re-synced every few seconds
    /// and extrapolated in between.
    Sim {
        url: String,
        client: reqwest::Client,
        anchor: Arc<Mutex<Option<Anchor>>>,
    },
}

#[derive(serde::Deserialize)]
struct SimTime {
    now_ms: Millis,
    #[serde(default = "one")]
    speed: f64,
}

fn one() -> f64 {
    1.0
}

/// How often the simulated clock is re-read.
const RESYNC: Duration = Duration::from_secs(2);

impl Clock {
    /// The system wall clock.
    pub fn system() -> Self {
        Self {
            source: Source::System,
        }
    }

    /// A clock following the simulator at `url`.
    pub fn sim(url: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            source: Source::Sim {
                url,
                client,
                anchor: Arc::new(Mutex::new(None)),
            },
        }
    }

    /// The current time. A simulator that cannot be reached is extrapolated
    /// from the last reading (or the system clock before the first one).
    pub async fn now_ms(&self) -> Millis {
        match &self.source {
            Source::System => system_ms(),
            Source::Sim {
                url,
                client,
                anchor,
            } => {
                let mut guard = anchor.lock().await;
                let stale = guard.map(|a| a.at.elapsed() >= RESYNC).unwrap_or(true);
                if stale {
                    match fetch(client, url).await {
                        Ok(t) => {
                            *guard = Some(Anchor {
                                sim_ms: t.now_ms,
                                speed: t.speed,
                                at: Instant::now(),
                            })
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "simulator clock unreachable; extrapolating")
                        }
                    }
                }
                match *guard {
                    Some(a) => a.sim_ms + (a.at.elapsed().as_secs_f64() * a.speed * 1000.0) as i64,
                    None => system_ms(),
                }
            }
        }
    }

    /// How fast this clock runs against real time (1 for the system clock).
    pub async fn speed(&self) -> f64 {
        match &self.source {
            Source::System => 1.0,
            Source::Sim { anchor, .. } => {
                self.now_ms().await;
                anchor.lock().await.map(|a| a.speed).unwrap_or(1.0)
            }
        }
    }
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<SimTime, reqwest::Error> {
    client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json::<SimTime>()
        .await
}

/// The system wall clock in milliseconds.
pub fn system_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}
