//! The projector loop, one step at a time: `process_once` reads a batch (or
//! takes the one a transient failure left in memory), applies it in one
//! transaction, then acks and dead-letters. `run` is a loop around it; tests
//! drive the steps directly.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use redis::aio::ConnectionManager;
use sleeper_shared::redis_conn::{describe, is_oom};
use sleeper_shared::stream::StreamKeys;
use tokio_util::sync::CancellationToken;

use crate::config::ConsumerConfig;
use crate::live::ack::{ack, dead_letter};
use crate::live::apply::Disposition;
use crate::live::batch::{self, Derived};
use crate::live::dead::DeadReason;
use crate::live::group::{ensure_group, is_missing_group};
use crate::live::read::Reader;
use crate::live::registry;
use crate::live::trim::{self, TrimDecision};
use crate::metrics::ConsumerMetrics;
use crate::store::derived;
use sleeper_shared::redis_reply::Entry;

/// How often the stream is trimmed and idle consumer names are removed.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(30);
/// How long full batches may leave the derived tables for later before one
/// recomputes them anyway (and releases their acks).
const DEFER_AT_MOST: Duration = Duration::from_secs(1);
/// How often the same transient failure is logged again while it lasts.
const RETRY_LOG_EVERY: Duration = Duration::from_secs(10);

/// Logs transient failures when they start, change, or every
/// [`RETRY_LOG_EVERY`] while they last — not once per retry — and once
/// when they clear.
#[derive(Default)]
struct RetryLog {
    last: Option<(String, Instant)>,
    suppressed: u64,
}

impl RetryLog {
    fn failed(&mut self, reason: &str, backoff: Duration) {
        let due = match &self.last {
            Some((last, at)) => last != reason || at.elapsed() >= RETRY_LOG_EVERY,
            None => true,
        };
        if due {
            tracing::warn!(reason = %reason, retry_in_ms = backoff.as_millis() as u64, retries_since_last_line = self.suppressed, "transient failure");
            self.last = Some((reason.to_string(), Instant::now()));
            self.suppressed = 0;
        } else {
            self.suppressed += 1;
        }
    }

    fn recovered(&mut self) {
        if self.last.take().is_some() {
            tracing::info!("recovered from the transient failure");
            self.suppressed = 0;
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A batch was committed and acked: this many entries (dead letters included).
    Projected(usize),
    /// Nothing to read within the block time.
    Idle,
    /// A transient failure; the step will be retried (the batch is kept in memory).
    Retrying(String),
    /// The consumer group was missing and has been created anew from the
    /// start of the stream; reading goes on at once.
    GroupRecreated,
}

/// Acks and dead letters owed for committed batches (kept if Redis fails).
/// Acks never wait on a dead letter: a Redis refusing writes (OOM) refuses
/// the dead letter's XADD but takes XACK, so only the dead letters stay owed
/// while the consumer goes on draining.
#[derive(Default)]
struct Owed {
    acks: Vec<String>,
    dead: Vec<(Entry, DeadReason)>,
}

impl Owed {
    fn is_empty(&self) -> bool {
        self.acks.is_empty() && self.dead.is_empty()
    }
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
    /// Acks and dead letters owed (Redis was unreachable or refused writes).
    owed: Owed,
    /// Acks of committed batches that left the derived tables for later,
    /// released once a refresh commits, and when the first of them was
    /// taken up (see [`Projector::derived_mode`]).
    awaiting_refresh: Vec<String>,
    awaiting_since: Option<Instant>,
    /// Batches committed by this process (for the crash failpoint).
    commits: u64,
    /// Whether Redis refused the last dead letter for lack of memory.
    refusing_writes: bool,
}

impl Projector {
    /// Assemble a projector from its parts; the group must exist
    /// (`live::group::ensure_group`).
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
            owed: Owed::default(),
            awaiting_refresh: Vec::new(),
            awaiting_since: None,
            commits: 0,
            refusing_writes: false,
        }
    }

    /// One step: settle owed acks, else apply the held or next batch.
    pub async fn process_once(&mut self) -> Outcome {
        if let Err(retrying) = self.settle().await {
            return retrying;
        }
        let entries = match self.held.take() {
            Some(b) => b,
            None => match self
                .reader
                .next_batch(self.awaiting_refresh.is_empty())
                .await
            {
                Ok((_, b)) if b.is_empty() => return self.release_awaiting().await,
                Ok((_, b)) => b,
                Err(e) if is_missing_group(&e) => return self.recreate_group().await,
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
        let derived = self.derived_mode(&entries);
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
            derived,
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
        let acks = match derived {
            Derived::Later => {
                // From the read: what another consumer's claim measures.
                self.awaiting_since.get_or_insert(started);
                &mut self.awaiting_refresh
            }
            Derived::Now => {
                self.refreshed();
                &mut self.owed.acks
            }
        };
        let owed = &mut self.owed.dead;
        for ((id, disposition), entry) in outcome.entries.into_iter().zip(entries) {
            // An entry whose dead letter is still owed (Redis refusing
            // writes) may be read again from the own pending list: once.
            if owed.iter().any(|(e, _)| e.id == entry.id) {
                continue;
            }
            match disposition {
                Disposition::Projected { kind, rows } => {
                    self.metrics.projected(kind.as_str(), rows);
                    acks.push(id);
                }
                Disposition::Superseded { kind, rows } => {
                    self.metrics.superseded(kind.as_str(), rows);
                    acks.push(id);
                }
                Disposition::Dead { kind, reason } => {
                    tracing::warn!(id = %id, code = %reason.code, reason = %reason.reason, "dead-lettering");
                    self.metrics.dead_letter(
                        kind.map(|k| k.as_str()).unwrap_or("unknown"),
                        reason.code.as_str(),
                    );
                    owed.push((entry, reason));
                }
            }
        }
        match self.settle().await {
            Ok(()) => Outcome::Projected(n),
            Err(retrying) => retrying,
        }
    }

    /// Whether a batch of `entries` recomputes the derived tables in its
    /// own transaction (docs/design.md "Derived tables"). A full batch means
    /// a backlog: recomputing the leagues of every batch would cost more
    /// than the batch itself, so it leaves them marked and its acks wait —
    /// for the next batch that is not full, an empty read, or
    /// [`DEFER_AT_MOST`], or a quarter of `CONSUMER_CLAIM_IDLE` if less,
    /// so that no other consumer claims entries only waiting on it — so the
    /// group is never idle with a league unrecomputed, and no league waits
    /// longer than that under load. An empty read comes at once while acks
    /// wait (`Reader::next_batch`), and releases them. Only entries on
    /// their first delivery wait: one redelivered (its consumer died) is
    /// acked as soon as it commits, so waiting never adds up towards
    /// `CONSUMER_MAX_DELIVERIES`.
    fn derived_mode(&self, entries: &[Entry]) -> Derived {
        let limit = DEFER_AT_MOST.min(self.config.claim_idle / 4);
        let young = self.awaiting_since.is_none_or(|t| t.elapsed() < limit);
        let first = entries.iter().all(|e| e.deliveries <= 1);
        if entries.len() >= self.config.batch_size && young && first {
            Derived::Later
        } else {
            Derived::Now
        }
    }

    /// A refresh committed: the acks that waited for one are owed now.
    fn refreshed(&mut self) {
        self.owed.acks.append(&mut self.awaiting_refresh);
        self.awaiting_since = None;
    }

    /// Nothing left to read: recompute what deferred batches left marked,
    /// then let their acks go.
    async fn release_awaiting(&mut self) -> Outcome {
        if self.awaiting_refresh.is_empty() {
            return Outcome::Idle;
        }
        let refreshed = match self.pool.get().await {
            Ok(mut client) => derived::refresh_marked_now(&mut client)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = refreshed {
            self.metrics.retry("postgres");
            return Outcome::Retrying(format!("recomputing the derived tables: {e}"));
        }
        self.refreshed();
        match self.settle().await {
            Ok(()) => Outcome::Idle,
            Err(retrying) => retrying,
        }
    }

    /// The group is gone (Redis restarted empty, the stream key deleted):
    /// create it again from the start of the stream, said once.
    async fn recreate_group(&mut self) -> Outcome {
        let (stream, group) = (self.keys.stream().to_string(), self.config.group.clone());
        match ensure_group(&mut self.redis, &stream, &group).await {
            Ok(created) => {
                if created {
                    tracing::warn!(
                        group = %group,
                        stream = %stream,
                        "the consumer group was missing (Redis restarted empty, or the stream deleted?); recreated it from the start of the stream"
                    );
                }
                self.reader.group_recreated();
                Outcome::GroupRecreated
            }
            Err(e) => {
                self.metrics.retry("redis");
                self.metrics.lag.writes_refused(is_oom(&e));
                Outcome::Retrying(format!(
                    "the consumer group {group} is missing and cannot be created yet: {}",
                    describe(&self.config.common.redis_url, &e)
                ))
            }
        }
    }

    /// Ack what is owed, then dead-letter what is owed. A Redis refusing
    /// writes refuses the dead letters only: they stay owed (their entries
    /// stay pending, and in the archive) and reading goes on, since draining
    /// and trimming is what frees memory. Any other failure keeps everything
    /// owed and makes the step a retry.
    async fn settle(&mut self) -> Result<(), Outcome> {
        if self.owed.is_empty() {
            return Ok(());
        }
        let failed = |me: &mut Self, e: redis::RedisError| {
            me.metrics.retry("redis");
            Outcome::Retrying(format!(
                "acking: {}",
                describe(&me.config.common.redis_url, &e)
            ))
        };
        let ids: Vec<&str> = self.owed.acks.iter().map(String::as_str).collect();
        if let Err(e) = ack(&mut self.redis, &self.keys, &self.config.group, &ids).await {
            return Err(failed(self, e));
        }
        self.owed.acks.clear();
        while let Some((entry, reason)) = self.owed.dead.first() {
            let sent = dead_letter(
                &mut self.redis,
                &self.keys,
                &self.config.group,
                &self.config.consumer_name,
                entry,
                reason,
            )
            .await;
            match sent {
                Ok(()) => {
                    self.owed.dead.remove(0);
                }
                Err(e) if is_oom(&e) => {
                    if !self.refusing_writes {
                        tracing::warn!(
                            owed = self.owed.dead.len(),
                            "redis refuses writes (maxmemory reached): dead letters are held until it has room; projecting and acking go on"
                        );
                    }
                    self.refusing_writes = true;
                    self.metrics.lag.writes_refused(true);
                    return Ok(());
                }
                Err(e) => return Err(failed(self, e)),
            }
        }
        if self.refusing_writes {
            tracing::info!("redis takes writes again: every held dead letter is written");
            self.refusing_writes = false;
            self.metrics.lag.writes_refused(false);
        }
        Ok(())
    }

    /// Step until cancelled, backing off on transient failures. A step in
    /// progress always finishes (commit, ack) before this returns.
    pub async fn run(&mut self, cancel: &CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        let mut retry_log = RetryLog::default();
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
                    retry_log.recovered();
                }
                Outcome::Idle | Outcome::GroupRecreated => {
                    backoff = Duration::from_millis(100);
                    retry_log.recovered();
                }
                Outcome::Retrying(reason) => {
                    retry_log.failed(&reason, backoff);
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = cancel.cancelled() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        // Owed acks are worth one last try: otherwise the batch is redelivered
        // (harmless; the leagues it left marked stay marked for the next commit).
        let _ = self.release_awaiting().await;
        let _ = self.settle().await;
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
        let expected = [self.config.group.as_str()];
        let stream = self.keys.stream();
        if let Ok(lag) =
            sleeper_shared::lag::read_expecting(&mut self.redis, stream, &expected, now).await
        {
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
