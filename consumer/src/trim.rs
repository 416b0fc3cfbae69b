//! Retention (DESIGN rule 7): the consumer trims the stream, because it can
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
use redis::{RedisResult, Value};

use sleeper_shared::StreamId;

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
    let groups: Value = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query_async(conn)
        .await?;
    let Value::Array(groups) = groups else {
        return Ok(None);
    };
    for g in groups {
        let fields = match g {
            Value::Array(f) => f
                .chunks(2)
                .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or(Value::Nil)))
                .collect::<Vec<_>>(),
            Value::Map(m) => m,
            _ => continue,
        };
        let get = |name: &str| {
            fields.iter().find_map(|(k, v)| match k {
                Value::BulkString(b) if b == name.as_bytes() => Some(v.clone()),
                Value::SimpleString(s) if s == name => Some(v.clone()),
                _ => None,
            })
        };
        let text = |v: Option<Value>| match v {
            Some(Value::BulkString(b)) => String::from_utf8_lossy(&b).into_owned(),
            Some(Value::SimpleString(s)) => s,
            _ => String::new(),
        };
        if text(get("name")) != group {
            continue;
        }
        let pending = matches!(get("pending"), Some(Value::Int(n)) if n > 0);
        if pending {
            let summary: Value = redis::cmd("XPENDING")
                .arg(stream)
                .arg(group)
                .query_async(conn)
                .await?;
            if let Value::Array(items) = summary {
                let oldest = text(items.get(1).cloned());
                return Ok(oldest.parse().ok());
            }
            return Ok(None);
        }
        let last: Option<StreamId> = text(get("last-delivered-id")).parse().ok();
        // Everything up to last-delivered is acked: keep from the next id on.
        return Ok(last.map(|l| StreamId {
            ms: l.ms,
            seq: l.seq + 1,
        }));
    }
    Ok(None)
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
    let v: Value = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream)
        .arg(group)
        .query_async(conn)
        .await?;
    let Value::Array(consumers) = v else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for c in consumers {
        let fields: Vec<(Value, Value)> = match c {
            Value::Array(f) => f
                .chunks(2)
                .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or(Value::Nil)))
                .collect(),
            Value::Map(m) => m,
            _ => continue,
        };
        let mut name = String::new();
        let mut pending = 0i64;
        let mut idle_ms = 0i64;
        for (k, v) in fields {
            let key = match k {
                Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
                Value::SimpleString(s) => s,
                _ => continue,
            };
            match (key.as_str(), v) {
                ("name", Value::BulkString(b)) => name = String::from_utf8_lossy(&b).into_owned(),
                ("pending", Value::Int(n)) => pending = n,
                ("idle", Value::Int(n)) => idle_ms = n,
                _ => {}
            }
        }
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
