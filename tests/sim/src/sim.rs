//! The simulator's shared state: the world, the test overlay, the clock,
//! fault knobs, statistics, overrides and the body cache — and the one
//! function that turns a path into a body at the current simulated time.
//!
//! Shared by the HTTP handlers and the Rust handle, so a test changing data
//! through the handle and a client reading it over HTTP see the same thing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio_util::sync::CancellationToken;

use crate::body::{Body, BodyCache, CacheKey};
use crate::calendar::DAY_MS;
use crate::clock::SimClock;
use crate::faults::FaultState;
use crate::overlay::Overlay;
use crate::render::render;
use crate::route::Endpoint;
use crate::stats::Stats;
use crate::timeline::Moment;
use crate::world::World;

/// A poisoned lock only means another request panicked mid-update; the
/// simulator's state stays usable, so take it anyway.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
pub struct Sim {
    pub world: Arc<World>,
    pub overlay: RwLock<Arc<Overlay>>,
    pub clock: Mutex<SimClock>,
    pub faults: Mutex<FaultState>,
    pub stats: Mutex<Stats>,
    pub cache: Mutex<BodyCache>,
    pub overrides: RwLock<HashMap<String, Arc<Body>>>,
    pub shutdown: CancellationToken,
}

/// The instant a body is rendered for: content only changes at these
/// boundaries, so a body can be cached until the next one.
fn epoch_ms(endpoint: &Endpoint, now: i64) -> i64 {
    let step = match endpoint {
        // Injury statuses change weekly.
        Endpoint::Players => 7 * DAY_MS,
        Endpoint::Trending { .. } => 600_000,
        // Box scores, projections and game status move by whole minutes.
        Endpoint::Stats { .. } | Endpoint::Projections { .. } | Endpoint::Schedule { .. } => 60_000,
        _ => 1_000,
    };
    now - now.rem_euclid(step)
}

impl Sim {
    pub fn now_ms(&self) -> i64 {
        lock(&self.clock).now_ms()
    }

    pub fn overlay(&self) -> Arc<Overlay> {
        self.overlay
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Applies a test's change; returns what `f` returns.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Overlay) -> R) -> R {
        let mut guard = self.overlay.write().unwrap_or_else(|e| e.into_inner());
        let mut next = (**guard).clone();
        let out = f(&mut next);
        next.version += 1;
        *guard = Arc::new(next);
        out
    }

    pub fn override_for(&self, path: &str) -> Option<Arc<Body>> {
        self.overrides
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned()
    }

    /// The body of `path` (no query) at simulated time `now`: an override,
    /// or the rendered world; `None` when the API has nothing there.
    pub fn body(
        &self,
        path: &str,
        endpoint: Option<&Endpoint>,
        query: Option<&str>,
        now: i64,
    ) -> Option<Arc<Body>> {
        if let Some(body) = self.override_for(path) {
            return Some(body);
        }
        let endpoint = endpoint?;
        let overlay = self.overlay();
        let epoch = epoch_ms(endpoint, now);
        let key = CacheKey {
            path: match query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            },
            epoch_ms: epoch,
            overlay_version: overlay.version,
        };
        if let Some(hit) = lock(&self.cache).get(&key) {
            return (hit.json.as_ref() != b"null").then_some(hit);
        }
        let value = render(&Moment::new(&self.world, &overlay, epoch), endpoint);
        let body = Body::new(serde_json::to_vec(&value).unwrap_or_else(|_| b"null".to_vec()));
        lock(&self.cache).insert(key, body.clone());
        value.is_some().then_some(body)
    }
}
