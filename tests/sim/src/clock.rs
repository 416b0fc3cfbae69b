//! The simulated clock: a simulated instant that advances at `speed` times
//! real time (60 = one simulated minute per real second; 0 = frozen).
//!
//! The producer follows it through `GET /__sim/clock` (`SIM_CLOCK_URL`), so a
//! whole game day runs in minutes, and every body the simulator serves is
//! derived from its reading.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What `GET /__sim/clock` returns and `POST /__sim/clock` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockReading {
    pub now_ms: i64,
    pub speed: f64,
}

/// A partial update for `POST /__sim/clock`: missing fields keep their value.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct ClockUpdate {
    pub now_ms: Option<i64>,
    pub speed: Option<f64>,
}

#[derive(Debug)]
pub struct SimClock {
    anchor_sim_ms: i64,
    anchor_real: Instant,
    speed: f64,
}

impl SimClock {
    pub fn new(start_ms: i64, speed: f64) -> Self {
        Self {
            anchor_sim_ms: start_ms,
            anchor_real: Instant::now(),
            speed: sanitize(speed),
        }
    }

    pub fn now_ms(&self) -> i64 {
        let real_ms = self.anchor_real.elapsed().as_secs_f64() * 1000.0;
        self.anchor_sim_ms + (real_ms * self.speed) as i64
    }

    pub fn reading(&self) -> ClockReading {
        ClockReading {
            now_ms: self.now_ms(),
            speed: self.speed,
        }
    }

    /// Jumps to `now_ms` and runs on at `speed` from here.
    pub fn set(&mut self, now_ms: i64, speed: f64) {
        self.anchor_sim_ms = now_ms;
        self.anchor_real = Instant::now();
        self.speed = sanitize(speed);
    }

    pub fn update(&mut self, update: ClockUpdate) {
        let now = update.now_ms.unwrap_or_else(|| self.now_ms());
        let speed = update.speed.unwrap_or(self.speed);
        self.set(now, speed);
    }
}

/// Negative or non-finite speeds would run time backwards or explode.
fn sanitize(speed: f64) -> f64 {
    if speed.is_finite() && speed >= 0.0 {
        speed
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_stays_and_fast_clock_runs() {
        let frozen = SimClock::new(1_000, 0.0);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(frozen.now_ms(), 1_000);
        let fast = SimClock::new(0, 1000.0);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(fast.now_ms() >= 5_000);
    }

    #[test]
    fn update_keeps_missing_fields() {
        let mut c = SimClock::new(5_000, 0.0);
        c.update(ClockUpdate {
            now_ms: None,
            speed: Some(0.0),
        });
        assert_eq!(
            c.reading(),
            ClockReading {
                now_ms: 5_000,
                speed: 0.0
            }
        );
        c.update(ClockUpdate {
            now_ms: Some(9),
            speed: None,
        });
        assert_eq!(c.now_ms(), 9);
    }
}
