//! Connecting to Redis, with the timeouts each use needs.
//!
//! redis-rs gives async connections a 500 ms response timeout by default, so a
//! blocking `XREADGROUP … BLOCK 2000` on a shared connection fails and stalls
//! whatever is queued behind it. Blocking reads therefore get a connection of
//! their own ([`blocking`]); everything else shares a [`ConnectionManager`]
//! ([`managed`]) that reconnects by itself after an outage.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, RedisError};

use crate::redact::{password_of, redact_url, scrub};

/// A Redis operation failed; the message never contains the password.
#[derive(Debug, thiserror::Error)]
#[error("redis at {url}: {message}")]
pub struct RedisConnError {
    pub url: String,
    pub message: String,
}

impl RedisConnError {
    fn new(url: &str, e: &RedisError) -> Self {
        Self {
            url: redact_url(url),
            message: scrub(&e.to_string(), password_of(url).as_deref()),
        }
    }
}

fn client(url: &str) -> Result<Client, RedisConnError> {
    Client::open(url).map_err(|e| RedisConnError::new(url, &e))
}

/// A self-reconnecting connection for short commands (XADD, XACK, XINFO, …).
/// Each command fails fast while Redis is away; callers retry with backoff.
pub async fn managed(url: &str) -> Result<ConnectionManager, RedisConnError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    client(url)?
        .get_connection_manager_with_config(config)
        .await
        .map_err(|e| RedisConnError::new(url, &e))
}

/// A dedicated connection for blocking reads: its response timeout is longer
/// than the `BLOCK` it will be used with.
pub async fn blocking(url: &str, block: Duration) -> Result<MultiplexedConnection, RedisConnError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(block + Duration::from_secs(5)));
    client(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| RedisConnError::new(url, &e))
}

/// Whether Redis refused a write for lack of memory (`maxmemory` with
/// `noeviction`): XADD, HINCRBY, a writing script and group creation are
/// refused; reads, XACK and XTRIM still work. A MULTI holding a refused
/// command is aborted as a whole (`EXECABORT`, the command's `OOM` inside).
pub fn is_oom(e: &RedisError) -> bool {
    match e.code() {
        Some("OOM") => true,
        Some("EXECABORT") => e.to_string().contains("OOM"),
        _ => false,
    }
}

/// Render a Redis error for logs without the password of `url`.
pub fn describe(url: &str, e: &RedisError) -> String {
    RedisConnError::new(url, e).to_string()
}
