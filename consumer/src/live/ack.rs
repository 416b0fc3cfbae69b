//! Acknowledging and dead-lettering — only ever after the batch's
//! transaction has committed (docs/design.md rule 1).
//!
//! A dead letter's XADD to `<STREAM_KEY>:dlq` and the XACK of the original go
//! in one MULTI, so an entry is never both lost and acked, nor dead-lettered
//! twice for one delivery.

use redis::aio::ConnectionManager;
use redis::RedisResult;
use sleeper_shared::stream::{
    StreamKeys, FIELD_CONSUMER, FIELD_ENVELOPE, FIELD_KIND, FIELD_ORIG_ID, FIELD_REASON,
    FIELD_REASON_CODE, FIELD_SCOPE,
};

use sleeper_shared::redis_reply::Entry;

use crate::live::dead::DeadReason;

/// XACK `ids` (no-op when empty).
pub async fn ack(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    group: &str,
    ids: &[&str],
) -> RedisResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    redis::cmd("XACK")
        .arg(keys.stream())
        .arg(group)
        .arg(ids)
        .query_async::<i64>(conn)
        .await?;
    Ok(())
}

/// Dead-letter `entry` with its reason and ack it, atomically.
pub async fn dead_letter(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    group: &str,
    consumer: &str,
    entry: &Entry,
    reason: &DeadReason,
) -> RedisResult<()> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    let xadd = pipe
        .cmd("XADD")
        .arg(keys.dlq())
        .arg("*")
        .arg(FIELD_ORIG_ID)
        .arg(&entry.id);
    // The original id is the event's version: requeue carries it back unchanged.
    for name in [FIELD_KIND, FIELD_SCOPE, FIELD_ENVELOPE] {
        if let Some(v) = entry.field(name) {
            xadd.arg(name).arg(v);
        }
    }
    xadd.arg(FIELD_REASON_CODE)
        .arg(reason.code.as_str())
        .arg(FIELD_REASON)
        .arg(&reason.reason)
        .arg(FIELD_CONSUMER)
        .arg(consumer);
    pipe.ignore();
    pipe.cmd("XACK")
        .arg(keys.stream())
        .arg(group)
        .arg(&entry.id)
        .ignore();
    pipe.query_async::<()>(conn).await
}
