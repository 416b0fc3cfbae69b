//! The consumer registry: each running consumer writes its name, the
//! projection version compiled into it ([`PROJECTION_VERSION`]) and a
//! heartbeat time into the hash `<STREAM_KEY>:consumers` every few seconds.
//!
//! `rebuild` reads it before building and again before the swap: a live
//! consumer (heartbeat younger than [`LIVE_WITHIN_MS`]) with an older
//! projection version would keep writing old-shaped rows into the new tables,
//! so the rebuild refuses and names it.

use std::collections::BTreeMap;

use redis::aio::ConnectionManager;
use redis::RedisResult;
use serde::{Deserialize, Serialize};
use sleeper_shared::stream::StreamKeys;

use crate::project::PROJECTION_VERSION;

/// A heartbeat older than this means the consumer is not live.
pub const LIVE_WITHIN_MS: i64 = 30_000;

/// How often the run loop writes its heartbeat.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// One consumer's registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub version: u32,
    pub seen_ms: i64,
}

/// Write this consumer's heartbeat.
pub async fn heartbeat(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    name: &str,
    now_ms: i64,
) -> RedisResult<()> {
    let value = serde_json::json!({ "version": PROJECTION_VERSION, "seen_ms": now_ms }).to_string();
    redis::cmd("HSET")
        .arg(keys.consumers_registry())
        .arg(name)
        .arg(value)
        .query_async(conn)
        .await
}

/// Every registration (unparsable values are skipped: they name no version).
pub async fn read(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
) -> RedisResult<BTreeMap<String, Registration>> {
    let all: BTreeMap<String, String> = redis::cmd("HGETALL")
        .arg(keys.consumers_registry())
        .query_async(conn)
        .await?;
    Ok(all
        .into_iter()
        .filter_map(|(name, v)| serde_json::from_str(&v).ok().map(|r| (name, r)))
        .collect())
}

/// Live consumers (heartbeat within [`LIVE_WITHIN_MS`] of `now_ms`) whose
/// projection version is older than `mine`, as `(name, version)`.
pub fn outdated(
    regs: &BTreeMap<String, Registration>,
    mine: u32,
    now_ms: i64,
) -> Vec<(String, u32)> {
    regs.iter()
        .filter(|(_, r)| now_ms - r.seen_ms < LIVE_WITHIN_MS && r.version < mine)
        .map(|(n, r)| (n.clone(), r.version))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_live_older_consumers_are_outdated() {
        let mut regs = BTreeMap::new();
        regs.insert(
            "old-live".to_string(),
            Registration {
                version: 1,
                seen_ms: 95_000,
            },
        );
        regs.insert(
            "old-dead".to_string(),
            Registration {
                version: 1,
                seen_ms: 10_000,
            },
        );
        regs.insert(
            "same".to_string(),
            Registration {
                version: 2,
                seen_ms: 99_000,
            },
        );
        regs.insert(
            "newer".to_string(),
            Registration {
                version: 3,
                seen_ms: 99_000,
            },
        );
        assert_eq!(
            outdated(&regs, 2, 100_000),
            vec![("old-live".to_string(), 1)]
        );
    }
}
