//! What `once`, `backfill` and `run` start with: the producer connected to
//! Redis, `/health`, `/ready` and `/metrics` served when `HTTP_ADDR` is set,
//! and SIGINT/SIGTERM cancelling the work.

use prometheus::Registry;
use sleeper_shared::shutdown::cancel_on_signal;
use sleeper_shared::telemetry::{self, RedisCheck, ServerHandle};
use tokio_util::sync::CancellationToken;

use crate::app::Producer;
use crate::config::ProducerConfig;

/// A started producer. Dropped at the command's end, the server first.
pub(super) struct Session {
    /// The HTTP server, when `HTTP_ADDR` is set; held, never awaited.
    _server: Option<ServerHandle>,
    /// Connected to Redis, with a fresh metrics registry.
    pub producer: Producer,
    /// Cancelled by SIGINT or SIGTERM.
    pub cancel: CancellationToken,
}

impl Session {
    /// Connect (a fresh metrics registry), serve, and install the signal
    /// handler. Fails when Redis cannot be reached or `HTTP_ADDR` not bound.
    pub async fn start(config: ProducerConfig) -> anyhow::Result<Self> {
        let cancel = CancellationToken::new();
        let producer = Producer::connect(config, Registry::new()).await?;
        let server = serve(&producer, &cancel).await?;
        cancel_on_signal(cancel.clone(), "shutting down");
        Ok(Self {
            _server: server,
            producer,
            cancel,
        })
    }
}

/// Serve the producer's registry and a Redis readiness check on `HTTP_ADDR`
/// until `cancel` fires; nothing when it is not set.
async fn serve(
    producer: &Producer,
    cancel: &CancellationToken,
) -> anyhow::Result<Option<ServerHandle>> {
    let Some(addr) = producer.config.common.http_addr else {
        return Ok(None);
    };
    let checks: Vec<Box<dyn telemetry::Check>> =
        vec![Box::new(RedisCheck::new(producer.redis.clone()))];
    Ok(Some(
        telemetry::serve(addr, producer.registry.clone(), checks, cancel.clone()).await?,
    ))
}
