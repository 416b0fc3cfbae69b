//! The `run` command's wiring: connections, the HTTP server, the group, and
//! the projector loop — everything between a loaded configuration and
//! [`Projector::run`].

use std::future::Future;
use std::time::Duration;

use prometheus::Registry;
use sleeper_shared::redis_conn;
use sleeper_shared::telemetry::{self, Check, RedisCheck};
use tokio_util::sync::CancellationToken;

use crate::config::ConsumerConfig;
use crate::live::group::{ensure_group, GroupCheck};
use crate::live::projector::Projector;
use crate::live::read::Reader;
use crate::metrics::ConsumerMetrics;
use crate::store::connect::{self, PostgresCheck};
use crate::store::migrate::PROJECTION_SCHEMA;

/// Why `run` could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error(transparent)]
    Connect(#[from] connect::ConnectError),
    #[error("HTTP server: {0}")]
    Http(#[from] std::io::Error),
}

/// Join the group, archive and project until `SIGTERM`/Ctrl-C. Redis may be
/// down at start: `/ready` answers 503 meanwhile and connecting is retried
/// every second. Returns once the batch in progress has been committed and
/// acked.
pub async fn run(config: ConsumerConfig) -> Result<(), StartError> {
    let cancel = CancellationToken::new();
    sleeper_shared::shutdown::cancel_on_signal(
        cancel.clone(),
        "shutting down after the current batch",
    );
    let registry = Registry::new();
    let metrics = ConsumerMetrics::register(&registry)?;
    let pool = connect::pool(&config, PROJECTION_SCHEMA, 4)?;
    let url = config.common.redis_url.clone();
    let Some(redis) = retry_every_second(&cancel, "redis unavailable; retrying", || {
        let url = url.clone();
        async move { redis_conn::managed(&url).await.map_err(|e| e.to_string()) }
    })
    .await
    else {
        return Ok(());
    };
    let _server = match config.common.http_addr {
        Some(addr) => {
            let checks: Vec<Box<dyn Check>> = vec![
                Box::new(RedisCheck::new(redis.clone())),
                Box::new(PostgresCheck::new(pool.clone())),
                Box::new(GroupCheck::new(
                    redis.clone(),
                    config.common.stream_key.clone(),
                    config.group.clone(),
                )),
            ];
            Some(telemetry::serve(addr, registry.clone(), checks, cancel.clone()).await?)
        }
        None => None,
    };
    let created = retry_every_second(&cancel, "cannot create the group yet", || {
        let (mut conn, stream, group) = (
            redis.clone(),
            config.common.stream_key.clone(),
            config.group.clone(),
        );
        let url = url.clone();
        async move {
            ensure_group(&mut conn, &stream, &group)
                .await
                .map(|_| ())
                .map_err(|e| redis_conn::describe(&url, &e))
        }
    })
    .await;
    if created.is_none() {
        return Ok(());
    }
    let reader = Reader::new(&config, redis.clone());
    tracing::info!(group = %config.group, consumer = %config.consumer_name, stream = %config.common.stream_key, "projecting");
    let mut projector = Projector::new(config, reader, redis, pool, metrics);
    projector.run(&cancel).await;
    tracing::info!("stopped");
    Ok(())
}

/// `attempt` until it succeeds, once a second, logging `what` and the
/// error each time; `None` if cancelled first.
async fn retry_every_second<T, F, Fut>(
    cancel: &CancellationToken,
    what: &str,
    mut attempt: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    loop {
        match attempt().await {
            Ok(v) => return Some(v),
            Err(error) => {
                tracing::warn!(error = %error, "{what}");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = cancel.cancelled() => return None,
                }
            }
        }
    }
}
