//! Fetching one scope from the Sleeper API: quota slot, HTTP GET with a
//! timeout and a body cap, JSON validation, and retries with backoff.
//!
//! What comes back is the raw body exactly as received plus its canonical
//! hash; nothing here parses the payload beyond validating it.

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use futures::StreamExt;
use reqwest::header::{ACCEPT, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::StatusCode;
use sleeper_shared::scope::Api;
use sleeper_shared::Scope;
use tokio_util::sync::CancellationToken;

use crate::canonical::{content_hash, is_null_body};
use crate::metrics::ProducerMetrics;
use crate::quota::{Quota, QuotaError};

/// A fetched snapshot, or why there is none.
#[derive(Debug)]
pub enum FetchOutcome {
    /// A JSON body (valid, not `null`).
    Body {
        status: u16,
        body: Vec<u8>,
        etag: Option<String>,
        hash: String,
    },
    /// 304: the ETag we sent still matches.
    NotModified,
    /// A `null` body or a 404: nothing there.
    NotFound { status: u16 },
}

/// Why a fetch failed after its retries.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("reading the body failed: {0}")]
    Body(String),
    #[error("body larger than the cap of {cap} bytes")]
    TooLarge { cap: usize },
    #[error("{0}")]
    InvalidJson(String),
    #[error(transparent)]
    Quota(#[from] QuotaError),
}

impl FetchError {
    /// Worth another attempt: 429, 5xx, timeouts, broken connections or bodies.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout
            | FetchError::Connect(_)
            | FetchError::Body(_)
            | FetchError::InvalidJson(_) => true,
            FetchError::Quota(QuotaError::Redis(_)) => true,
            FetchError::TooLarge { .. } | FetchError::Quota(QuotaError::Cancelled) => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The longest wait between tries while the quota store is unreachable.
const REDIS_RETRY_CAP: Duration = Duration::from_secs(1);

/// Retry settings. The defaults survive a 30 % rate of 429s: failing eleven
/// attempts in a row then has a probability of about 2·10⁻⁶.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 10: eleven attempts).
    pub attempts: usize,
    /// The first backoff (default 250 ms), doubling with jitter…
    pub min_delay: Duration,
    /// …up to this (default 30 s).
    pub max_delay: Duration,
    /// `Retry-After` values above this are clamped (a hostile upstream could say "1 year").
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 10,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The base URLs of Sleeper's two hosts, without trailing `/`.
#[derive(Debug, Clone)]
pub struct BaseUrls {
    /// `SLEEPER_API_BASE_URL` (`https://api.sleeper.app/v1`).
    pub v1: String,
    /// `SLEEPER_STATS_BASE_URL` (`https://api.sleeper.com`): stats,
    /// projections, schedule.
    pub stats: String,
}

/// The HTTP side of the producer.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    base_urls: BaseUrls,
    quota: Quota,
    metrics: ProducerMetrics,
    max_body: usize,
    retry: RetryPolicy,
}

impl Fetcher {
    /// A fetcher of both Sleeper hosts, drawing on `quota`.
    pub fn new(
        base_urls: BaseUrls,
        timeout: Duration,
        max_body: usize,
        quota: Quota,
        metrics: ProducerMetrics,
        retry: RetryPolicy,
    ) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("sleeper-sync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            base_urls,
            quota,
            metrics,
            max_body,
            retry,
        })
    }

    /// Fetch `scope`, retrying transient failures. `etag` makes the request conditional.
    pub async fn fetch(
        &self,
        scope: &Scope,
        etag: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<FetchOutcome, FetchError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.attempts)
            .with_jitter();
        let max_retry_after = self.retry.max_retry_after;
        let attempt = || async { self.attempt(scope, etag, cancel).await };
        let retried = attempt
            .retry(backoff)
            .when(|e: &FetchError| e.is_transient() && !cancel.is_cancelled())
            .adjust(move |e: &FetchError, d: Option<Duration>| {
                // Honour Retry-After, but never wait less than the backoff says.
                match (e, e.retry_after(), d) {
                    (_, Some(ra), Some(d)) => Some(ra.min(max_retry_after).max(d)),
                    // The quota store (Redis) is away: Sleeper is not being
                    // hit, so poll for its return quickly — publishing must
                    // resume within seconds of Redis coming back.
                    (FetchError::Quota(QuotaError::Redis(_)), _, d) => {
                        d.map(|d| d.min(REDIS_RETRY_CAP))
                    }
                    (_, _, d) => d,
                }
            })
            .notify(|e: &FetchError, d: Duration| {
                tracing::debug!(scope = %scope, error = %e, retry_in_ms = d.as_millis() as u64, "retrying fetch");
            });
        tokio::select! {
            r = retried => r,
            _ = cancel.cancelled() => Err(FetchError::Quota(QuotaError::Cancelled)),
        }
    }

    async fn attempt(
        &self,
        scope: &Scope,
        etag: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<FetchOutcome, FetchError> {
        let kind = scope.kind();
        let _permit = self.quota.acquire(cancel).await?;
        let base = match scope.api() {
            Api::V1 => &self.base_urls.v1,
            Api::Stats => &self.base_urls.stats,
        };
        let url = format!("{base}{}", scope.url_path());
        let started = Instant::now();
        let mut req = self.client.get(&url).header(ACCEPT, "application/json");
        if let Some(tag) = etag {
            req = req.header(IF_NONE_MATCH, tag);
        }
        let result = self.exchange(req, scope).await;
        let label = match &result {
            Ok((status, _, _)) => status.as_u16().to_string(),
            Err(FetchError::Timeout) => "timeout".into(),
            Err(FetchError::Status { status, .. }) => status.to_string(),
            Err(_) => "error".into(),
        };
        self.metrics
            .request(kind.as_str(), &label, started.elapsed().as_secs_f64());
        let (status, body, etag) = result?;
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if status == StatusCode::NOT_FOUND || is_null_body(&body) {
            self.metrics.not_found(kind);
            return Ok(FetchOutcome::NotFound {
                status: status.as_u16(),
            });
        }
        match content_hash(kind, &body) {
            Ok(hash) => Ok(FetchOutcome::Body {
                status: status.as_u16(),
                body,
                etag,
                hash,
            }),
            Err(e) => {
                self.metrics.invalid_body(kind);
                tracing::warn!(scope = %scope, error = %e, bytes = body.len(), "invalid JSON body; not published");
                Err(FetchError::InvalidJson(e.to_string()))
            }
        }
    }

    async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        scope: &Scope,
    ) -> Result<(StatusCode, Vec<u8>, Option<String>), FetchError> {
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok((status, Vec::new(), None));
        }
        if !status.is_success() && status != StatusCode::NOT_FOUND {
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after,
            });
        }
        let etag = resp
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(len) = resp.content_length() {
            if len as usize > self.max_body {
                return Err(FetchError::TooLarge { cap: self.max_body });
            }
        }
        // Read incrementally so an oversized body is refused without being held.
        let mut body = Vec::with_capacity(
            resp.content_length()
                .unwrap_or(16 * 1024)
                .min(self.max_body as u64) as usize,
        );
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                if e.is_timeout() {
                    FetchError::Timeout
                } else {
                    FetchError::Body(e.to_string())
                }
            })?;
            if body.len() + chunk.len() > self.max_body {
                tracing::warn!(scope = %scope, cap = self.max_body, "body over the cap; refused");
                return Err(FetchError::TooLarge { cap: self.max_body });
            }
            body.extend_from_slice(&chunk);
        }
        body.shrink_to_fit();
        Ok((status, body, etag))
    }
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        // Never echo the full URL chain (no secrets here, but keep lines short).
        FetchError::Connect(e.without_url().to_string())
    }
}
