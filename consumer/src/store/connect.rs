//! Connections from the consumer's configuration: Postgres pools and single
//! sessions, and the readiness check that asks Postgres.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures::future::BoxFuture;
use futures::FutureExt;
use sleeper_shared::redact::redact_url;
use sleeper_shared::telemetry::{Check, CheckResult};

use crate::config::ConsumerConfig;

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL {0} is not a valid Postgres URL")]
    BadUrl(String),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("postgres at {url}: {message}")]
    Postgres { url: String, message: String },
}

/// A pool whose sessions resolve unqualified names in `schema` (projection
/// tables, `_versions`); the archive is always named `pipeline.event_log`.
pub fn pool(config: &ConsumerConfig, schema: &str, size: usize) -> Result<Pool, ConnectError> {
    let mut pg = tokio_postgres::Config::from_str(&config.database_url)
        .map_err(|_| ConnectError::BadUrl(redact_url(&config.database_url)))?;
    pg.options(format!("-c search_path={schema},public"));
    pg.connect_timeout(Duration::from_secs(5));
    pg.application_name("sleeper-consumer");
    let manager = Manager::from_config(
        pg,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| ConnectError::Pool(e.to_string()))
}

/// A single connection for one-shot commands (`migrate`, `replay`, …).
pub async fn connect(config: &ConsumerConfig) -> Result<tokio_postgres::Client, ConnectError> {
    let url = redact_url(&config.database_url);
    let mut pg = tokio_postgres::Config::from_str(&config.database_url)
        .map_err(|_| ConnectError::BadUrl(url.clone()))?;
    pg.connect_timeout(Duration::from_secs(5));
    pg.application_name("sleeper-consumer");
    let (client, conn) =
        pg.connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| ConnectError::Postgres {
                url: url.clone(),
                message: e.to_string(),
            })?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

/// Postgres answers `SELECT 1` within two seconds.
pub struct PostgresCheck {
    pool: Pool,
}

impl PostgresCheck {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

impl Check for PostgresCheck {
    fn check(&self) -> BoxFuture<'_, CheckResult> {
        async move {
            let probe = async {
                let client = self.pool.get().await.map_err(|_| "no connection")?;
                client
                    .simple_query("SELECT 1")
                    .await
                    .map_err(|_| "query failed")?;
                Ok::<_, &str>(())
            };
            let (ok, detail) = match tokio::time::timeout(Duration::from_secs(2), probe).await {
                Ok(Ok(())) => (true, None),
                Ok(Err(what)) => (false, Some(format!("postgres: {what}"))),
                Err(_) => (false, Some("postgres did not answer within 2s".to_string())),
            };
            CheckResult {
                name: "postgres",
                ok,
                detail,
            }
        }
        .boxed()
    }
}
