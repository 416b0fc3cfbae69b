//! Fault knobs and the per-request draw that picks which fault (if any) a
//! request gets.
//!
//! Rates are fractions of requests. One uniform draw per request from an RNG
//! seeded with `Faults::seed` is compared against the cumulative rates, so the
//! kinds are mutually exclusive and, for a sequential client, the sequence of
//! faults is the same on every run.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// "Make the next `count` requests whose path starts with `path` take
/// `delay_ms` longer" (`count` absent: every such request).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathDelay {
    pub path: String,
    pub delay_ms: u64,
    #[serde(default)]
    pub count: Option<u32>,
}

/// Every knob; all zero by default (no faults). Settable at start, from Rust
/// and with `POST /__sim/faults` (missing JSON fields take these defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    pub seed: u64,
    /// 429 without a `Retry-After` header.
    pub rate_429: f64,
    /// 429 with `Retry-After: retry_after_secs`.
    pub rate_429_retry_after: f64,
    pub retry_after_secs: u64,
    /// 500, 502, 503 or 504.
    pub rate_5xx: f64,
    /// Never answers (for `hang_ms`, far beyond any client timeout).
    pub rate_hang: f64,
    pub hang_ms: u64,
    /// Only the first half of the body, well framed (so invalid JSON).
    pub rate_truncated: f64,
    /// The connection is cut halfway through the body.
    pub rate_disconnect: f64,
    /// Valid framing, invalid JSON.
    pub rate_malformed: f64,
    /// `Content-Encoding: gzip` with the gzip stream cut in half.
    pub rate_truncated_gzip: f64,
    /// 200 with body `null`.
    pub rate_null: f64,
    /// A valid JSON body of `huge_bytes`, streamed without being held in memory.
    pub rate_huge: f64,
    pub huge_bytes: u64,
    /// Fields with the wrong JSON type (`"week": "ten"`, `"status": 5`).
    pub rate_wrong_types: f64,
    /// Added to every request.
    pub latency_ms: u64,
    /// Up to this much more, drawn per request.
    pub latency_jitter_ms: u64,
    /// Fraction of not-found answers sent as 200 `null` instead of 404 `null`.
    pub not_found_200: f64,
    /// When set, the rates apply only to paths starting with it.
    pub path_prefix: Option<String>,
    pub delays: Vec<PathDelay>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            seed: 0,
            rate_429: 0.0,
            rate_429_retry_after: 0.0,
            retry_after_secs: 1,
            rate_5xx: 0.0,
            rate_hang: 0.0,
            hang_ms: 3_600_000,
            rate_truncated: 0.0,
            rate_disconnect: 0.0,
            rate_malformed: 0.0,
            rate_truncated_gzip: 0.0,
            rate_null: 0.0,
            rate_huge: 0.0,
            huge_bytes: 200 * 1024 * 1024,
            rate_wrong_types: 0.0,
            latency_ms: 0,
            latency_jitter_ms: 0,
            not_found_200: 0.0,
            path_prefix: None,
            delays: Vec::new(),
        }
    }
}

/// What one request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    TooMany { retry_after: Option<u64> },
    ServerError(u16),
    Hang,
    Truncated,
    Disconnect,
    Malformed,
    TruncatedGzip,
    NullBody,
    Huge,
    WrongTypes,
}

/// The decision for one request.
#[derive(Clone, Copy, Debug)]
pub struct Draw {
    pub fault: Fault,
    pub delay: Duration,
    pub not_found_200: bool,
}

#[derive(Debug)]
pub struct FaultState {
    faults: Faults,
    rng: StdRng,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        Self {
            rng: StdRng::seed_from_u64(faults.seed),
            faults,
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the knobs and restarts the seeded sequence.
    pub fn set(&mut self, faults: Faults) {
        *self = FaultState::new(faults);
    }

    pub fn add_delay(&mut self, delay: PathDelay) {
        self.faults.delays.push(delay);
    }

    pub fn draw(&mut self, path: &str) -> Draw {
        let f = &self.faults;
        let applies = f.path_prefix.as_deref().is_none_or(|p| path.starts_with(p));
        let u: f64 = self.rng.random();
        let table = [
            (f.rate_429, Fault::TooMany { retry_after: None }),
            (
                f.rate_429_retry_after,
                Fault::TooMany {
                    retry_after: Some(f.retry_after_secs),
                },
            ),
            (f.rate_5xx, Fault::ServerError(0)),
            (f.rate_hang, Fault::Hang),
            (f.rate_truncated, Fault::Truncated),
            (f.rate_disconnect, Fault::Disconnect),
            (f.rate_malformed, Fault::Malformed),
            (f.rate_truncated_gzip, Fault::TruncatedGzip),
            (f.rate_null, Fault::NullBody),
            (f.rate_huge, Fault::Huge),
            (f.rate_wrong_types, Fault::WrongTypes),
        ];
        let mut fault = Fault::None;
        let mut acc = 0.0;
        if applies {
            for (rate, kind) in table {
                acc += rate.max(0.0);
                if u < acc {
                    fault = kind;
                    break;
                }
            }
        }
        if fault == Fault::ServerError(0) {
            fault = Fault::ServerError([500, 502, 503, 504][self.rng.random_range(0..4)]);
        }
        let jitter = if f.latency_jitter_ms > 0 {
            self.rng.random_range(0..=f.latency_jitter_ms)
        } else {
            0
        };
        let not_found_200 = self.rng.random::<f64>() < f.not_found_200;
        let mut delay_ms = f.latency_ms + jitter;
        if let Some(i) = self
            .faults
            .delays
            .iter()
            .position(|d| path.starts_with(&d.path))
        {
            let d = &mut self.faults.delays[i];
            delay_ms += d.delay_ms;
            if let Some(n) = &mut d.count {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.faults.delays.remove(i);
                }
            }
        }
        Draw {
            fault,
            delay: Duration::from_millis(delay_ms),
            not_found_200,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_met_and_the_sequence_is_seeded() {
        let faults = Faults {
            seed: 9,
            rate_429: 0.2,
            rate_5xx: 0.1,
            ..Faults::default()
        };
        let run = || {
            let mut s = FaultState::new(faults.clone());
            (0..20_000)
                .map(|_| s.draw("/v1/state/nfl").fault)
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n429 = a
            .iter()
            .filter(|f| matches!(f, Fault::TooMany { .. }))
            .count();
        let n5xx = a
            .iter()
            .filter(|f| matches!(f, Fault::ServerError(_)))
            .count();
        assert!((3_700..4_300).contains(&n429), "{n429}");
        assert!((1_800..2_200).contains(&n5xx), "{n5xx}");
    }

    #[test]
    fn path_delay_applies_to_the_next_requests_only() {
        let mut s = FaultState::new(Faults::default());
        s.add_delay(PathDelay {
            path: "/v1/league/1".into(),
            delay_ms: 2000,
            count: Some(1),
        });
        assert_eq!(s.draw("/v1/league/2").delay, Duration::ZERO);
        assert_eq!(s.draw("/v1/league/1/rosters").delay, Duration::from_secs(2));
        assert_eq!(s.draw("/v1/league/1/rosters").delay, Duration::ZERO);
    }

    #[test]
    fn prefix_limits_the_rates() {
        let mut s = FaultState::new(Faults {
            rate_5xx: 1.0,
            path_prefix: Some("/v1/draft".into()),
            ..Faults::default()
        });
        assert_eq!(s.draw("/v1/state/nfl").fault, Fault::None);
        assert!(matches!(s.draw("/v1/draft/1").fault, Fault::ServerError(_)));
    }
}
