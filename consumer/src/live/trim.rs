//! Retention (docs/design.md rule 7): the consumer trims the stream, because it can
//! see the archive.
//!
//! Safe id = the minimum, over `TRIM_GROUPS` and this consumer's own group,
//! of (oldest pending id, else the entry after the last-delivered id) — so no
//! group loses an entry it has not acked, and since this group only acks what
//! its archive holds, nothing leaves Redis that the archive lacks. It is then
//! capped at now − `STREAM_RETENTION`. `XTRIM MINID` only; never `XDEL` on
//! the main stream (a tombstone makes every group's lag unknown).

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::RedisResult;

use sleeper_shared::{redis_reply, StreamId};

/// What a trim pass decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrimDecision {
    /// Entries below this id were trimmed (count removed).
    Trimmed { below: StreamId, removed: u64 },
    /// Nothing to do, with why.
    Kept(&'static str),
}

/// The id below which `group` no longer needs entries, or `None` when the group does not exist.
async fn group_floor(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<Option<StreamId>> {
    let groups = redis_reply::groups(conn, stream).await?;
    let Some(g) = groups.into_iter().find(|g| g.name == group) else {
        return Ok(None);
    };
    if g.pending > 0 {
        return redis_reply::oldest_pending(conn, stream, group).await;
    }
    // Everything up to last-delivered is acked: keep from the next id on.
    Ok(g.last_delivered_id
        .parse::<StreamId>()
        .ok()
        .map(StreamId::next))
}

/// One trim pass. `now_ms` is the wall clock (retention is an age).
pub async fn trim(
    conn: &mut ConnectionManager,
    stream: &str,
    groups: &[String],
    own_group: &str,
    retention: Option<Duration>,
    now_ms: i64,
) -> RedisResult<TrimDecision> {
    let Some(retention) = retention else {
        return Ok(TrimDecision::Kept("retention is 0 (never trim)"));
    };
    let mut floor = StreamId {
        ms: now_ms - retention.as_millis() as i64,
        seq: 0,
    };
    let mut all: Vec<&str> = groups.iter().map(String::as_str).collect();
    if !all.contains(&own_group) {
        all.push(own_group);
    }
    for g in all {
        match group_floor(conn, stream, g).await? {
            Some(f) => floor = floor.min(f),
            None => return Ok(TrimDecision::Kept("a trim group does not exist yet")),
        }
    }
    if floor.ms <= 0 {
        return Ok(TrimDecision::Kept("nothing old enough"));
    }
    let removed: u64 = redis::cmd("XTRIM")
        .arg(stream)
        .arg("MINID")
        .arg(floor.to_string())
        .query_async(conn)
        .await?;
    Ok(TrimDecision::Trimmed {
        below: floor,
        removed,
    })
}

/// Remove consumer names idle longer than `idle` with nothing pending (not `me`).
pub async fn remove_idle_consumers(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    me: &str,
    idle: Duration,
) -> RedisResult<Vec<String>> {
    let mut removed = Vec::new();
    for c in redis_reply::consumers(conn, stream, group).await? {
        let (name, pending, idle_ms) = (c.name, c.pending, c.idle);
        if name != me && pending == 0 && idle_ms as u128 > idle.as_millis() {
            let _: i64 = redis::cmd("XGROUP")
                .arg("DELCONSUMER")
                .arg(stream)
                .arg(group)
                .arg(&name)
                .query_async(conn)
                .await?;
            tracing::info!(consumer = %name, idle_ms, "removed idle consumer name");
            removed.push(name);
        }
    }
    Ok(removed)
}
