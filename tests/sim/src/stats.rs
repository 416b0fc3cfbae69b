//! Request statistics: counts per route template, per path and per status,
//! and the largest number of requests seen in any sliding window of real
//! time (60 s, and a configurable one), which tests compare to the quota.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Largest number of events in any window `(t - window, t]`, computed
/// exactly: the maximum over all windows is reached by one that ends at an
/// event, so checking at every event suffices, and events older than one
/// window can be forgotten.
#[derive(Debug)]
pub struct WindowCounter {
    window_us: u64,
    times: VecDeque<u64>,
    max: usize,
}

impl WindowCounter {
    pub fn new(window: Duration) -> Self {
        Self {
            window_us: window.as_micros().max(1) as u64,
            times: VecDeque::new(),
            max: 0,
        }
    }

    /// Records an event at `at_us` (microseconds, never decreasing).
    pub fn record(&mut self, at_us: u64) {
        while self
            .times
            .front()
            .is_some_and(|&t| t + self.window_us <= at_us)
        {
            self.times.pop_front();
        }
        self.times.push_back(at_us);
        self.max = self.max.max(self.times.len());
    }

    pub fn max(&self) -> usize {
        self.max
    }

    pub fn window(&self) -> Duration {
        Duration::from_micros(self.window_us)
    }
}

/// What `GET /__sim/stats` returns.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    pub total_requests: u64,
    /// Keyed by route template, e.g. `league/{id}/rosters`.
    pub requests_per_endpoint: BTreeMap<String, u64>,
    /// Keyed by the concrete path, e.g. `/v1/league/123/rosters`.
    pub requests_per_path: BTreeMap<String, u64>,
    /// Keyed by status code; requests left hanging count under `"hang"`.
    pub responses_per_status: BTreeMap<String, u64>,
    pub max_requests_in_any_60s_window: u64,
    pub max_requests_in_window: u64,
    pub window_secs: f64,
}

#[derive(Debug)]
pub struct Stats {
    started: Instant,
    snapshot: StatsSnapshot,
    minute: WindowCounter,
    custom: WindowCounter,
}

impl Stats {
    pub fn new(window: Duration) -> Self {
        Self {
            started: Instant::now(),
            snapshot: StatsSnapshot::default(),
            minute: WindowCounter::new(Duration::from_secs(60)),
            custom: WindowCounter::new(window),
        }
    }

    /// Counts a request when it arrives, whatever it will be answered with.
    pub fn request(&mut self, template: &str, path: &str) {
        let at = self.started.elapsed().as_micros() as u64;
        self.minute.record(at);
        self.custom.record(at);
        let s = &mut self.snapshot;
        s.total_requests += 1;
        *s.requests_per_endpoint
            .entry(template.to_string())
            .or_default() += 1;
        *s.requests_per_path.entry(path.to_string()).or_default() += 1;
    }

    pub fn response(&mut self, status: &str) {
        *self
            .snapshot
            .responses_per_status
            .entry(status.to_string())
            .or_default() += 1;
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let mut s = self.snapshot.clone();
        s.max_requests_in_any_60s_window = self.minute.max() as u64;
        s.max_requests_in_window = self.custom.max() as u64;
        s.window_secs = self.custom.window().as_secs_f64();
        s
    }

    pub fn reset(&mut self) {
        *self = Stats::new(self.custom.window());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_of(window_s: u64, times_s: &[f64]) -> usize {
        let mut c = WindowCounter::new(Duration::from_secs(window_s));
        for t in times_s {
            c.record((t * 1e6) as u64);
        }
        c.max()
    }

    #[test]
    fn counts_the_densest_window() {
        assert_eq!(max_of(60, &[]), 0);
        assert_eq!(max_of(60, &[0.0, 1.0, 2.0]), 3);
        // Exactly 60 s apart: not in the same half-open window.
        assert_eq!(max_of(60, &[0.0, 60.0]), 1);
        assert_eq!(max_of(60, &[0.0, 59.999]), 2);
        // A burst in the middle of a long quiet stretch.
        let mut t: Vec<f64> = (0..10).map(|i| i as f64 * 100.0).collect();
        t.extend((0..50).map(|i| 1000.0 + i as f64));
        t.push(1100.0);
        t.sort_by(f64::total_cmp);
        assert_eq!(max_of(60, &t), 50);
        // Windows straddle bursts: 30 at the end of one minute + 30 at the start of the next.
        let mut t: Vec<f64> = (0..30).map(|i| 50.0 + i as f64 * 0.1).collect();
        t.extend((0..30).map(|i| 60.0 + i as f64 * 0.1));
        assert_eq!(max_of(60, &t), 60);
        assert_eq!(max_of(5, &t), 30);
    }

    #[test]
    fn snapshot_and_reset() {
        let mut s = Stats::new(Duration::from_secs(5));
        s.request("state/nfl", "/v1/state/nfl");
        s.request("league/{id}", "/v1/league/1");
        s.response("200");
        s.response("429");
        let snap = s.snapshot();
        assert_eq!(snap.total_requests, 2);
        assert_eq!(snap.requests_per_endpoint["league/{id}"], 1);
        assert_eq!(snap.responses_per_status["429"], 1);
        assert_eq!(snap.max_requests_in_any_60s_window, 2);
        assert_eq!(snap.window_secs, 5.0);
        s.reset();
        assert_eq!(s.snapshot().total_requests, 0);
        assert_eq!(s.snapshot().window_secs, 5.0);
    }
}
