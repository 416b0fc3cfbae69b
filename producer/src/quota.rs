//! The shared request quota: one budget per egress IP, kept in Redis.
//!
//! Sleeper blocks IPs that exceed ~1000 calls a minute. Every request of every
//! producer process on the same Redis (`run`, `once`, `backfill`, retries
//! included) takes a slot here first. The budget is an exact sliding-window
//! log (a sorted set of grant times, Redis `TIME` as the clock), so no window
//! of `SLEEPER_QUOTA_WINDOW` ever holds more than `SLEEPER_RATE_LIMIT_PER_MINUTE`
//! grants — unlike an in-process token bucket, whose burst allows up to
//! 2N−1 in a sliding window and which cannot see other processes. A small
//! safety margin is added to the window so network jitter between the grant
//! and the request's arrival cannot squeeze two windows' worth together.
//!
//! In front of it, a process-local governor paces requests evenly (so a
//! backlog does not fire in one burst) and a semaphore caps requests in
//! flight. Without Redis no slot is granted: the producer fails closed.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota as PaceQuota, RateLimiter};
use redis::aio::ConnectionManager;
use redis::Script;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::metrics::ProducerMetrics;

/// Added to the window so arrival jitter cannot exceed the quota at the server.
pub const WINDOW_MARGIN: Duration = Duration::from_millis(500);

const TAKE: &str = r#"
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_us)
local n = redis.call('ZCARD', KEYS[1])
local ttl = math.ceil(window_us / 1000) + 1000
if n < limit then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait_ms = math.ceil((tonumber(oldest[2]) + window_us - now) / 1000)
if wait_ms < 1 then wait_ms = 1 end
return wait_ms
"#;

/// Why no slot was granted.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    #[error("quota store unreachable: {0}")]
    Redis(String),
    #[error("shutting down")]
    Cancelled,
}

/// A granted request slot; holding it counts against the in-flight cap.
pub struct Permit {
    _in_flight: OwnedSemaphorePermit,
}

/// The deployment-wide quota.
#[derive(Clone)]
pub struct Quota {
    conn: ConnectionManager,
    key: String,
    seq_key: String,
    limit: u32,
    window: Duration,
    pacer: Arc<DefaultDirectRateLimiter>,
    in_flight: Arc<Semaphore>,
    metrics: ProducerMetrics,
    script: Arc<Script>,
}

impl Quota {
    /// `limit` requests per `window`, shared through `key`; at most `max_in_flight` at once here.
    pub fn new(
        conn: ConnectionManager,
        key: String,
        limit: u32,
        window: Duration,
        max_in_flight: usize,
        metrics: ProducerMetrics,
    ) -> Self {
        let limit = limit.max(1);
        let period = window / limit;
        let burst = NonZeroU32::new((limit / 20).max(1)).unwrap_or(NonZeroU32::MIN);
        let pace = PaceQuota::with_period(period.max(Duration::from_micros(1)))
            .unwrap_or_else(|| PaceQuota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            conn,
            seq_key: format!("{key}:seq"),
            key,
            limit,
            window,
            pacer: Arc::new(RateLimiter::direct(pace)),
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
            metrics,
            script: Arc::new(Script::new(TAKE)),
        }
    }

    /// Wait for a slot. Redis errors are returned (the caller retries later);
    /// cancellation ends the wait.
    pub async fn acquire(&self, cancel: &CancellationToken) -> Result<Permit, QuotaError> {
        let started = Instant::now();
        let in_flight = tokio::select! {
            p = self.in_flight.clone().acquire_owned() => p.map_err(|_| QuotaError::Cancelled)?,
            _ = cancel.cancelled() => return Err(QuotaError::Cancelled),
        };
        tokio::select! {
            _ = self.pacer.until_ready() => {}
            _ = cancel.cancelled() => return Err(QuotaError::Cancelled),
        }
        let window_us = (self.window + WINDOW_MARGIN).as_micros() as u64;
        loop {
            let mut conn = self.conn.clone();
            let wait_ms: u64 = self
                .script
                .key(&self.key)
                .key(&self.seq_key)
                .arg(self.limit)
                .arg(window_us)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| QuotaError::Redis(e.to_string()))?;
            if wait_ms == 0 {
                let waited = started.elapsed().as_secs_f64();
                self.metrics.quota_wait(waited);
                self.metrics.set_saturated(waited > 1.0);
                return Ok(Permit {
                    _in_flight: in_flight,
                });
            }
            self.metrics.set_saturated(true);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait_ms.min(5_000))) => {}
                _ = cancel.cancelled() => return Err(QuotaError::Cancelled),
            }
        }
    }

    /// Requests granted in the current window (for the plan's degradation).
    pub async fn used(&self) -> Result<u64, QuotaError> {
        let mut conn = self.conn.clone();
        let n: u64 = redis::cmd("ZCARD")
            .arg(&self.key)
            .query_async(&mut conn)
            .await
            .map_err(|e| QuotaError::Redis(e.to_string()))?;
        Ok(n)
    }

    /// Requests allowed per window.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.window
    }
}
