//! `sleeper-consumer dlq list|show|requeue|discard` — the dead-letter stream.
//!
//! A dead letter keeps the original entry's fields plus `orig_id` (its
//! version), `reason_code`, `reason` and `consumer`. Requeue appends it to the
//! main stream again *with* `orig_id`, so the projector versions it by the
//! original id: an old snapshot requeued after a newer one never overwrites it.

use std::collections::BTreeMap;

use redis::aio::ConnectionManager;
use redis::{RedisResult, Value};
use sleeper_shared::stream::{
    StreamKeys, FIELD_CONSUMER, FIELD_ENVELOPE, FIELD_KIND, FIELD_ORIG_ID, FIELD_REASON,
    FIELD_REASON_CODE, FIELD_SCOPE,
};
use sleeper_shared::{redis_reply, Envelope};

/// One dead letter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeadLetter {
    /// Its id in the DLQ stream.
    pub id: String,
    pub orig_id: String,
    pub kind: String,
    pub scope: String,
    pub reason_code: String,
    pub reason: String,
    pub consumer: String,
    #[serde(skip)]
    pub fields: BTreeMap<String, Vec<u8>>,
}

impl DeadLetter {
    fn from_fields(id: String, fields: BTreeMap<String, Vec<u8>>) -> Self {
        let text = |k: &str| {
            fields
                .get(k)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        Self {
            orig_id: text(FIELD_ORIG_ID),
            kind: text(FIELD_KIND),
            scope: text(FIELD_SCOPE),
            reason_code: text(FIELD_REASON_CODE),
            reason: text(FIELD_REASON),
            consumer: text(FIELD_CONSUMER),
            id,
            fields,
        }
    }

    /// A human description of the envelope, if it decodes.
    pub fn envelope_summary(&self, max_body: usize) -> String {
        match self.fields.get(FIELD_ENVELOPE) {
            None => "no envelope field".into(),
            Some(bytes) => match Envelope::decode(bytes, max_body) {
                Ok(env) => {
                    let preview: String = String::from_utf8_lossy(&env.body)
                        .chars()
                        .take(300)
                        .collect();
                    format!(
                        "kind={} scope={} league={} origin={} fetched_at_ms={} status={} hash={} ticket={} body={} bytes: {}",
                        env.kind,
                        env.scope,
                        env.league_id.as_deref().unwrap_or("-"),
                        env.origin.as_str(),
                        env.fetched_at_ms,
                        env.status,
                        env.content_hash,
                        env.ticket,
                        env.body.len(),
                        preview
                    )
                }
                Err(e) => format!("envelope does not decode: {e}"),
            },
        }
    }
}

fn parse_entries(v: Value) -> Vec<DeadLetter> {
    redis_reply::parse_entries(v)
        .into_iter()
        .map(|e| DeadLetter::from_fields(e.id, e.fields.into_iter().collect()))
        .collect()
}

/// Every dead letter, oldest first (at most `limit`).
pub async fn list(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    limit: usize,
) -> RedisResult<Vec<DeadLetter>> {
    let v: Value = redis::cmd("XRANGE")
        .arg(keys.dlq())
        .arg("-")
        .arg("+")
        .arg("COUNT")
        .arg(limit)
        .query_async(conn)
        .await?;
    Ok(parse_entries(v))
}

/// One dead letter by its DLQ id.
pub async fn get(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    id: &str,
) -> RedisResult<Option<DeadLetter>> {
    let v: Value = redis::cmd("XRANGE")
        .arg(keys.dlq())
        .arg(id)
        .arg(id)
        .query_async(conn)
        .await?;
    Ok(parse_entries(v).into_iter().next())
}

/// Append `dl` to the main stream again (keeping `orig_id`) and remove it
/// from the DLQ, atomically. Returns the new stream id.
pub async fn requeue(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    dl: &DeadLetter,
) -> RedisResult<String> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    let xadd = pipe.cmd("XADD").arg(keys.stream()).arg("*");
    for name in [FIELD_KIND, FIELD_SCOPE, FIELD_ENVELOPE] {
        if let Some(v) = dl.fields.get(name) {
            xadd.arg(name).arg(v.as_slice());
        }
    }
    xadd.arg(FIELD_ORIG_ID).arg(&dl.orig_id);
    pipe.cmd("XDEL").arg(keys.dlq()).arg(&dl.id).ignore();
    let (new_id,): (String,) = pipe.query_async(conn).await?;
    Ok(new_id)
}

/// Delete a dead letter for good (it stays in the archive).
pub async fn discard(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    id: &str,
) -> RedisResult<bool> {
    let n: i64 = redis::cmd("XDEL")
        .arg(keys.dlq())
        .arg(id)
        .query_async(conn)
        .await?;
    Ok(n > 0)
}
