//! The projector loop, one step at a time: `process_once` reads a batch (or
//! takes the one a transient failure left in memory), applies it in one
//! transaction, then acks and dead-letters. `run` is a loop around it; tests
//! drive the steps directly.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use redis::aio::ConnectionManager;
use sleeper_shared::redis_conn::describe;
use sleeper_shared::stream::StreamKeys;
use tokio_util::sync::CancellationToken;

use crate::config::ConsumerConfig;
use crate::live::ack::{ack, dead_letter};
use crate::live::apply::Disposition;
use crate::live::batch;
use crate::live::dead::DeadReason;
use crate::live::read::Reader;
use crate::live::registry;
use crate::live::trim::{self, TrimDecision};
use crate::metrics::ConsumerMetrics;
use sleeper_shared::redis_reply::Entry;

/// How often the stream is trimmed and idle consumer names are removed.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(30);

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A batch was committed and acked: this many entries (dead letters included).
    Projected(usize),
    /// Nothing to read within the block time.
    Idle,
    /// A transient failure; the step will be retried (the batch is kept in memory).
    Retrying(String),
}

/// Acks and dead letters owed for a committed batch (kept if Redis fails).
#[derive(Default)]
struct Owed {
    acks: Vec<String>,
    dead: Vec<(Entry, DeadReason)>,
}

/// A running group member.
pub struct Projector {
    pub config: ConsumerConfig,
    keys: StreamKeys,
    reader: Reader,
    redis: ConnectionManager,
    pool: Pool,
    metrics: ConsumerMetrics,
    /// A batch read but not yet committed (Postgres was unreachable).
    held: Option<Vec<Entry>>,
    /// Acks owed for a committed batch (Redis was unreachable).
    owed: Option<Owed>,
    /// Batches committed by this process (for the crash failpoint).
    commits: u64,
}

impl Projector {
    /// Assemble a projector from its parts; the group must exist
    /// (`live::read::ensure_group`).
    pub fn new(
        config: ConsumerConfig,
        reader: Reader,
        redis: ConnectionManager,
        pool: Pool,
        metrics: ConsumerMetrics,
    ) -> Self {
        Self {
            keys: config.keys(),
            config,
            reader,
            redis,
            pool,
            metrics,
            held: None,
            owed: None,
            commits: 0,
        }
    }

    /// One step: settle owed acks, else apply the held or next batch.
    pub async fn process_once(&mut self) -> Outcome {
        if let Some(owed) = self.owed.take() {
            if let Err(retrying) = self.settle_or_keep(owed).await {
                return retrying;
            }
        }
        let entries = match self.held.take() {
            Some(b) => b,
            None => match self.reader.next_batch().await {
                Ok((_, b)) if b.is_empty() => return Outcome::Idle,
                Ok((_, b)) => b,
                Err(e) => {
                    self.reader.recheck_own();
                    self.metrics.retry("redis");
                    return Outcome::Retrying(format!(
                        "reading: {}",
                        describe(&self.config.common.redis_url, &e)
                    ));
                }
            },
        };
        let started = Instant::now();
        let mut client = match self.pool.get().await {
            Ok(c) => c,
            Err(e) => {
                self.held = Some(entries);
                self.metrics.retry("postgres");
                return Outcome::Retrying(format!("postgres unavailable: {e}"));
            }
        };
        let result = batch::apply(
            &mut client,
            &entries,
            self.config.max_body_bytes,
            self.config.max_deliveries,
        )
        .await;
        drop(client);
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                self.held = Some(entries);
                self.metrics.retry("postgres");
                return Outcome::Retrying(e.to_string());
            }
        };
        self.metrics.batch(started.elapsed().as_secs_f64());
        self.commits += 1;
        if self.config.crash_after_commit == Some(self.commits) {
            // The worst moment to die: committed, not acked. Redelivery must be harmless.
            tracing::error!(
                commits = self.commits,
                "CONSUMER_CRASH_AFTER_COMMIT reached: aborting before XACK"
            );
            std::process::abort();
        }
        let n = outcome.entries.len();
        let mut owed = Owed::default();
        for ((id, disposition), entry) in outcome.entries.into_iter().zip(entries) {
            match disposition {
                Disposition::Projected { kind, rows } => {
                    self.metrics.projected(kind.as_str(), rows);
                    owed.acks.push(id);
                }
                Disposition::Superseded { kind, rows } => {
                    self.metrics.superseded(kind.as_str(), rows);
                    owed.acks.push(id);
                }
                Disposition::Dead { kind, reason } => {
                    tracing::warn!(id = %id, code = %reason.code, reason = %reason.reason, "dead-lettering");
                    self.metrics.dead_letter(
                        kind.map(|k| k.as_str()).unwrap_or("unknown"),
                        reason.code.as_str(),
                    );
                    owed.dead.push((entry, reason));
                }
            }
        }
        match self.settle_or_keep(owed).await {
            Ok(()) => Outcome::Projected(n),
            Err(retrying) => retrying,
        }
    }

    /// Settle `owed`; if Redis fails, keep it for the next step.
    async fn settle_or_keep(&mut self, owed: Owed) -> Result<(), Outcome> {
        match self.settle(&owed).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.owed = Some(owed);
                self.metrics.retry("redis");
                Err(Outcome::Retrying(format!(
                    "acking: {}",
                    describe(&self.config.common.redis_url, &e)
                )))
            }
        }
    }

    async fn settle(&mut self, owed: &Owed) -> redis::RedisResult<()> {
        for (entry, reason) in &owed.dead {
            dead_letter(
                &mut self.redis,
                &self.keys,
                &self.config.group,
                &self.config.consumer_name,
                entry,
                reason,
            )
            .await?;
        }
        let ids: Vec<&str> = owed.acks.iter().map(String::as_str).collect();
        ack(&mut self.redis, &self.keys, &self.config.group, &ids).await
    }

    /// Step until cancelled, backing off on transient failures. A step in
    /// progress always finishes (commit, ack) before this returns.
    pub async fn run(&mut self, cancel: &CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        let mut last_metrics = Instant::now() - Duration::from_secs(60);
        let mut last_maintenance = Instant::now();
        let mut last_heartbeat: Option<Instant> = None;
        while !cancel.is_cancelled() {
            if last_heartbeat.is_none_or(|t| t.elapsed() >= registry::HEARTBEAT_EVERY) {
                self.heartbeat().await;
                last_heartbeat = Some(Instant::now());
            }
            if last_metrics.elapsed() >= Duration::from_secs(5) {
                self.refresh_gauges().await;
                last_metrics = Instant::now();
            }
            if last_maintenance.elapsed() >= MAINTENANCE_EVERY {
                self.maintain().await;
                last_maintenance = Instant::now();
            }
            match self.process_once().await {
                Outcome::Projected(n) => {
                    tracing::debug!(n, "batch committed");
                    backoff = Duration::from_millis(100);
                }
                Outcome::Idle => backoff = Duration::from_millis(100),
                Outcome::Retrying(reason) => {
                    tracing::warn!(reason = %reason, retry_in_ms = backoff.as_millis() as u64, "transient failure");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = cancel.cancelled() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        // Owed acks are worth one last try: otherwise the batch is redelivered (harmless).
        if let Some(owed) = self.owed.take() {
            let _ = self.settle(&owed).await;
        }
    }

    /// Trim the stream (rule 7) and forget idle consumer names. Failures are
    /// logged and retried at the next interval: neither is urgent.
    pub async fn maintain(&mut self) {
        let now = chrono::Utc::now().timestamp_millis();
        match trim::trim(
            &mut self.redis,
            self.keys.stream(),
            &self.config.trim_groups,
            &self.config.group,
            self.config.retention,
            now,
        )
        .await
        {
            Ok(TrimDecision::Trimmed { below, removed }) if removed > 0 => {
                tracing::info!(below = %below, removed, "trimmed the stream")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %describe(&self.config.common.redis_url, &e), "trim failed")
            }
        }
        if let Err(e) = trim::remove_idle_consumers(
            &mut self.redis,
            self.keys.stream(),
            &self.config.group,
            &self.config.consumer_name,
            self.config.idle_remove,
        )
        .await
        {
            tracing::warn!(error = %describe(&self.config.common.redis_url, &e), "removing idle consumers failed");
        }
    }

    /// Register this consumer's projection version with a heartbeat (for
    /// `rebuild`'s version check). A failure is logged; the next beat retries.
    pub async fn heartbeat(&mut self) {
        let now = chrono::Utc::now().timestamp_millis();
        if let Err(e) =
            registry::heartbeat(&mut self.redis, &self.keys, &self.config.consumer_name, now).await
        {
            tracing::debug!(error = %describe(&self.config.common.redis_url, &e), "heartbeat failed");
        }
    }

    /// Refresh lag and DLQ gauges.
    pub async fn refresh_gauges(&mut self) {
        let now = chrono::Utc::now().timestamp_millis();
        if let Ok(lag) = sleeper_shared::lag::read(&mut self.redis, self.keys.stream(), now).await {
            self.metrics.lag.set(&lag);
        }
        if let Ok(n) = redis::cmd("XLEN")
            .arg(self.keys.dlq())
            .query_async::<u64>(&mut self.redis)
            .await
        {
            self.metrics.dlq_length(n);
        }
    }
}
