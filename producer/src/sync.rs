//! One scope, end to end: ticket → fetch → envelope → append.
//!
//! This is the unit every command is made of (`once`, `run`, `backfill`).
//! The ticket is taken before the request so that fetch order, not finish
//! order, decides what lands (docs/design.md rule 2).

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use sleeper_shared::redis_conn::{describe, is_oom};
use sleeper_shared::{Envelope, Origin, Scope, StreamId};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::fetch::{FetchError, FetchOutcome, Fetcher};
use crate::metrics::ProducerMetrics;
use crate::publish::{AppendOutcome, Publisher};

/// What happened to one scope.
#[derive(Debug)]
pub enum Synced {
    /// Appended under stream id `id`; carries the body so the plan can read
    /// scheduling fields.
    Appended { id: StreamId, body: Vec<u8> },
    /// Same content as the last appended snapshot (carries the body too).
    Unchanged { body: Option<Vec<u8>> },
    /// A newer fetch won the race.
    Stale,
    /// Sleeper said there is nothing there.
    NotFound,
}

impl Synced {
    /// The body, when this fetch produced one.
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Synced::Appended { body, .. } => Some(body),
            Synced::Unchanged { body } => body.as_deref(),
            _ => None,
        }
    }
}

/// Why a scope could not be synced.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("fetch failed: {0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Redis(String),
    /// Redis refuses writes (maxmemory reached): nothing can be appended.
    #[error("redis refuses writes: {0}")]
    RedisFull(String),
    #[error("encoding the envelope failed: {0}")]
    Encode(String),
}

/// The parts a sync needs.
#[derive(Clone)]
pub struct Syncer {
    /// HTTP GETs against the Sleeper API, within the quota.
    pub fetcher: Fetcher,
    /// Tickets and the append script.
    pub publisher: Publisher,
    /// Stamps `fetched_at_ms` (the system's, or the simulator's).
    pub clock: Clock,
    /// Outcome counters.
    pub metrics: ProducerMetrics,
    /// `REDIS_URL`, to describe Redis errors (password masked).
    pub redis_url: String,
}

impl Syncer {
    /// Fetch `scope` and append it if it changed. `league_id` is recorded in the
    /// envelope for draft scopes, whose URL does not name their league.
    pub async fn sync(
        &self,
        scope: &Scope,
        league_id: Option<&str>,
        origin: Origin,
        cancel: &CancellationToken,
    ) -> Result<Synced, SyncError> {
        let name = scope.to_string();
        let kind = scope.kind();
        let ticket = self
            .publisher
            .ticket(&name)
            .await
            .map_err(|e| self.redis_error(&e))?;
        // Bodies the plan learns from are fetched unconditionally: a 304 carries
        // no body, and a restarted producer must re-learn leagues and drafts.
        let etag = if crate::plan::is_discovery(kind) {
            None
        } else {
            self.publisher.etag(&name).await.ok().flatten()
        };
        let outcome = self.fetcher.fetch(scope, etag.as_deref(), cancel).await?;
        let now = self.clock.now_ms().await;
        let (status, body, etag, hash) = match outcome {
            FetchOutcome::NotModified => {
                self.metrics.unchanged(kind);
                self.success(kind, now);
                let _ = self.publisher.mark_fetched(&name, now).await;
                return Ok(Synced::Unchanged { body: None });
            }
            FetchOutcome::NotFound { .. } => {
                self.success(kind, now);
                let _ = self.publisher.mark_fetched(&name, now).await;
                return Ok(Synced::NotFound);
            }
            FetchOutcome::Body {
                status,
                body,
                etag,
                hash,
            } => (status, body, etag, hash),
        };
        let env = Envelope {
            kind,
            scope: name.clone(),
            league_id: scope.league_id().or(league_id).map(str::to_string),
            origin,
            fetched_at_ms: now,
            status,
            content_hash: hash,
            ticket,
            body,
        };
        let wire = env.encode().map_err(|e| SyncError::Encode(e.to_string()))?;
        let result = self
            .append_with_retry(&env, &wire, etag.as_deref(), cancel)
            .await?;
        self.success(kind, now);
        Ok(match result {
            AppendOutcome::Appended(id) => {
                self.metrics.published(kind);
                tracing::debug!(scope = %name, id = %id, ticket, "appended");
                Synced::Appended { id, body: env.body }
            }
            AppendOutcome::Unchanged => {
                self.metrics.unchanged(kind);
                Synced::Unchanged {
                    body: Some(env.body),
                }
            }
            AppendOutcome::Stale => {
                self.metrics.stale(kind);
                tracing::debug!(scope = %name, ticket, "a newer fetch was appended first; dropped");
                Synced::Stale
            }
        })
    }

    /// The body is in hand: ride out a short Redis blip rather than re-fetch.
    /// A retried append cannot duplicate (same ticket → `Stale`).
    async fn append_with_retry(
        &self,
        env: &Envelope,
        wire: &[u8],
        etag: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<AppendOutcome, SyncError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(2))
            .with_max_times(8)
            .with_jitter();
        let first = std::sync::atomic::AtomicBool::new(true);
        let result = (|| async {
            let is_retry = !first.swap(false, std::sync::atomic::Ordering::Relaxed);
            match self.publisher.append(env, wire, etag).await {
                // A retry answered "stale" for our own ticket: the first try landed.
                Ok(AppendOutcome::Stale) if is_retry => self.confirm_own_append(env).await,
                other => other,
            }
        })
        .retry(backoff)
        .when(|e: &redis::RedisError| {
            !cancel.is_cancelled()
                && (e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal())
        })
        .await;
        result.map_err(|e| self.redis_error(&e))
    }

    async fn confirm_own_append(&self, env: &Envelope) -> redis::RedisResult<AppendOutcome> {
        let mut conn = self.publisher.conn();
        let last: Option<u64> = redis::cmd("HGET")
            .arg(self.publisher.keys().appended_tickets())
            .arg(&env.scope)
            .query_async(&mut conn)
            .await?;
        // Our ticket is the recorded one: the lost attempt went through. Whether it
        // appended or found the content unchanged is not recorded; either way the
        // stream holds this content exactly once.
        Ok(if last == Some(env.ticket) {
            AppendOutcome::Unchanged
        } else {
            AppendOutcome::Stale
        })
    }

    /// A Redis failure, told apart: refusing writes (OOM) or unreachable.
    fn redis_error(&self, e: &redis::RedisError) -> SyncError {
        let text = describe(&self.redis_url, e);
        match is_oom(e) {
            true => SyncError::RedisFull(text),
            false => SyncError::Redis(text),
        }
    }

    fn success(&self, kind: sleeper_shared::Kind, now_ms: i64) {
        self.metrics.success(kind, now_ms as f64 / 1000.0);
    }
}
