//! Wiring: build the producer's parts from its configuration.

use prometheus::Registry;
use sleeper_shared::redis_conn::{self, RedisConnError};

use crate::clock::Clock;
use crate::config::ProducerConfig;
use crate::fetch::{BaseUrls, Fetcher, RetryPolicy};
use crate::metrics::ProducerMetrics;
use crate::publish::Publisher;
use crate::quota::Quota;
use crate::sync::Syncer;

/// Why the producer could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Redis(#[from] RedisConnError),
    #[error("building the HTTP client failed: {0}")]
    Http(String),
    #[error("registering metrics failed: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// The assembled producer.
#[derive(Clone)]
pub struct Producer {
    /// The settings it was built from (the environment's).
    pub config: ProducerConfig,
    /// Fetches and appends one scope at a time; cheap to clone per task.
    pub syncer: Syncer,
    /// The deployment-wide request budget (also inside `syncer`'s fetcher).
    pub quota: Quota,
    /// The producer's metrics, registered in `registry`.
    pub metrics: ProducerMetrics,
    /// What `/metrics` serves.
    pub registry: Registry,
    /// The connection to `REDIS_URL`, shared by every part.
    pub redis: redis::aio::ConnectionManager,
}

impl Producer {
    /// Connect to Redis and build every part. Fails when Redis cannot be reached.
    pub async fn connect(config: ProducerConfig, registry: Registry) -> Result<Self, StartError> {
        let metrics = ProducerMetrics::register(&registry)?;
        let redis = redis_conn::managed(&config.common.redis_url).await?;
        let quota = Quota::new(
            redis.clone(),
            config.quota_key.clone(),
            config.rate_limit,
            config.quota_window,
            config.max_in_flight,
            metrics.clone(),
        );
        let fetcher = Fetcher::new(
            BaseUrls {
                v1: config.api_base_url.clone(),
                stats: config.stats_base_url.clone(),
            },
            config.http_timeout,
            config.max_body_bytes,
            quota.clone(),
            metrics.clone(),
            RetryPolicy::default(),
        )
        .map_err(|e| StartError::Http(e.to_string()))?;
        let clock = match &config.sim_clock_url {
            Some(url) => Clock::sim(url.clone()),
            None => Clock::system(),
        };
        let syncer = Syncer {
            fetcher,
            publisher: Publisher::new(redis.clone(), config.keys()),
            clock,
            metrics: metrics.clone(),
            redis_url: config.common.redis_url.clone(),
        };
        Ok(Self {
            config,
            syncer,
            quota,
            metrics,
            registry,
            redis,
        })
    }
}
