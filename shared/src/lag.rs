//! Consumer-group lag, read from Redis.
//!
//! Both binaries export these gauges: the producer too, so that the "no
//! consumer while lag grows" alert still has data when every consumer is down.

use prometheus::{IntGauge, IntGaugeVec, Opts, Registry};
use redis::aio::ConnectionManager;

use crate::{redis_reply, StreamId};

/// The figures for one group of one stream.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GroupLag {
    pub group: String,
    pub consumers: u64,
    /// Entries delivered to nobody in the group yet.
    pub lag_events: u64,
    /// Delivered but not acknowledged.
    pub pending: u64,
    /// Age of the oldest entry not yet acknowledged (pending or undelivered), seconds.
    pub lag_seconds: f64,
    pub last_delivered_id: String,
    /// The group is expected (configured) but does not exist: its lag is the
    /// whole stream, so the lag alert fires.
    pub missing: bool,
}

/// Stream-wide figures plus each group's lag.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StreamLag {
    pub stream: String,
    pub length: u64,
    pub groups: Vec<GroupLag>,
    pub used_memory_bytes: u64,
    /// Redis `maxmemory` (0 = no limit).
    pub max_memory_bytes: u64,
}

/// Milliseconds part of a stream id (`1700000000000-3` → 1700000000000).
pub fn id_millis(id: &str) -> Option<i64> {
    id.parse::<StreamId>().ok().map(|id| id.ms)
}

/// [`read`], plus an entry for every group of `expected` that does not
/// exist: lag = the stream's length, age = its first entry's.
pub async fn read_expecting(
    conn: &mut ConnectionManager,
    stream: &str,
    expected: &[&str],
    now_ms: i64,
) -> redis::RedisResult<StreamLag> {
    let mut lag = read(conn, stream, now_ms).await?;
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|name| !lag.groups.iter().any(|g| g.group == *name))
        .collect();
    if missing.is_empty() {
        return Ok(lag);
    }
    let first = redis_reply::edge_id(conn, stream, false).await?;
    let lag_seconds = first
        .as_deref()
        .and_then(id_millis)
        .map(|ms| ((now_ms - ms).max(0) as f64) / 1000.0)
        .unwrap_or(0.0);
    for name in missing {
        lag.groups.push(GroupLag {
            group: name.to_string(),
            lag_events: lag.length,
            lag_seconds,
            missing: true,
            ..GroupLag::default()
        });
    }
    Ok(lag)
}

/// Read length, groups, lag and Redis memory for `stream`. A missing stream
/// reads as empty. `now_ms` is the wall clock (lag is an age).
pub async fn read(
    conn: &mut ConnectionManager,
    stream: &str,
    now_ms: i64,
) -> redis::RedisResult<StreamLag> {
    let length: u64 = redis::cmd("XLEN").arg(stream).query_async(conn).await?;
    let mut out = StreamLag {
        stream: stream.to_string(),
        length,
        ..Default::default()
    };
    let (used, max) = memory(conn).await.unwrap_or((0, 0));
    out.used_memory_bytes = used;
    out.max_memory_bytes = max;
    if length == 0 {
        let exists: bool = redis::cmd("EXISTS").arg(stream).query_async(conn).await?;
        if !exists {
            return Ok(out);
        }
    }
    for g in redis_reply::groups(conn, stream).await? {
        let lag_events = match g.lag {
            Some(n) => n as u64,
            // Redis cannot tell (after XDEL or XTRIM past the group): count it.
            None => count_after(conn, stream, &g.last_delivered_id).await?,
        };
        let oldest = if g.pending > 0 {
            redis_reply::oldest_pending(conn, stream, &g.name)
                .await?
                .map(|id| id.ms)
        } else if lag_events > 0 {
            first_after(conn, stream, &g.last_delivered_id)
                .await?
                .as_deref()
                .and_then(id_millis)
        } else {
            None
        };
        let lag_seconds = oldest
            .map(|ms| ((now_ms - ms).max(0) as f64) / 1000.0)
            .unwrap_or(0.0);
        out.groups.push(GroupLag {
            consumers: g.consumers as u64,
            group: g.name,
            lag_events,
            pending: g.pending as u64,
            lag_seconds,
            last_delivered_id: g.last_delivered_id,
            missing: false,
        });
    }
    Ok(out)
}

/// `used_memory` and `maxmemory` (0 = no limit) from `INFO memory`, in
/// bytes. A read: answered by a Redis that refuses writes.
pub async fn memory(conn: &mut ConnectionManager) -> redis::RedisResult<(u64, u64)> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(conn).await?;
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    Ok((field("used_memory:"), field("maxmemory:")))
}

/// Ids of the entries after `id` (all of them, or the first `limit`).
async fn ids_after(
    conn: &mut ConnectionManager,
    stream: &str,
    id: &str,
    limit: Option<usize>,
) -> redis::RedisResult<Vec<String>> {
    let start = if id.is_empty() || id == "0-0" {
        "-".to_string()
    } else {
        format!("({id}")
    };
    let mut cmd = redis::cmd("XRANGE");
    cmd.arg(stream).arg(start).arg("+");
    if let Some(n) = limit {
        cmd.arg("COUNT").arg(n);
    }
    let v: redis::Value = cmd.query_async(conn).await?;
    Ok(redis_reply::parse_entries(v)
        .into_iter()
        .map(|e| e.id)
        .collect())
}

async fn first_after(
    conn: &mut ConnectionManager,
    stream: &str,
    id: &str,
) -> redis::RedisResult<Option<String>> {
    Ok(ids_after(conn, stream, id, Some(1))
        .await?
        .into_iter()
        .next())
}

async fn count_after(
    conn: &mut ConnectionManager,
    stream: &str,
    id: &str,
) -> redis::RedisResult<u64> {
    // Only reached when Redis reports no lag; bounded by the stream's length.
    Ok(ids_after(conn, stream, id, None).await?.len() as u64)
}

/// The lag gauges of docs/design.md ("Metrics"), registered once in a registry.
#[derive(Clone)]
pub struct LagMetrics {
    lag_events: IntGaugeVec,
    lag_seconds: prometheus::GaugeVec,
    pending: IntGaugeVec,
    length: IntGaugeVec,
    used_memory: IntGauge,
    max_memory: IntGauge,
    writes_refused: IntGauge,
}

impl LagMetrics {
    /// Create and register the gauges.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let lag_events = IntGaugeVec::new(
            Opts::new(
                "sleeper_consumer_lag_events",
                "Entries not yet delivered to the group",
            ),
            &["stream", "group"],
        )?;
        let lag_seconds = prometheus::GaugeVec::new(
            Opts::new(
                "sleeper_consumer_lag_seconds",
                "Age of the oldest entry the group has not acknowledged",
            ),
            &["stream", "group"],
        )?;
        let pending = IntGaugeVec::new(
            Opts::new(
                "sleeper_consumer_pending",
                "Entries delivered to the group but not acknowledged",
            ),
            &["stream", "group"],
        )?;
        let length = IntGaugeVec::new(
            Opts::new("sleeper_stream_length", "Entries in the stream"),
            &["stream"],
        )?;
        let used_memory = IntGauge::new("sleeper_redis_used_memory_bytes", "Redis used_memory")?;
        let max_memory = IntGauge::new(
            "sleeper_redis_maxmemory_bytes",
            "Redis maxmemory (0 = unlimited)",
        )?;
        let writes_refused = IntGauge::new(
            "sleeper_redis_writes_refused",
            "1 while Redis refuses this process's writes for lack of memory (maxmemory, noeviction)",
        )?;
        registry.register(Box::new(lag_events.clone()))?;
        registry.register(Box::new(lag_seconds.clone()))?;
        registry.register(Box::new(pending.clone()))?;
        registry.register(Box::new(length.clone()))?;
        registry.register(Box::new(used_memory.clone()))?;
        registry.register(Box::new(max_memory.clone()))?;
        registry.register(Box::new(writes_refused.clone()))?;
        Ok(Self {
            lag_events,
            lag_seconds,
            pending,
            length,
            used_memory,
            max_memory,
            writes_refused,
        })
    }

    /// Whether Redis refuses this process's writes (OOM) right now.
    pub fn writes_refused(&self, refused: bool) {
        self.writes_refused.set(i64::from(refused));
    }

    /// Publish a reading.
    pub fn set(&self, lag: &StreamLag) {
        self.length
            .with_label_values(&[lag.stream.as_str()])
            .set(lag.length as i64);
        self.used_memory.set(lag.used_memory_bytes as i64);
        self.max_memory.set(lag.max_memory_bytes as i64);
        for g in &lag.groups {
            let labels = [lag.stream.as_str(), g.group.as_str()];
            self.lag_events
                .with_label_values(&labels)
                .set(g.lag_events as i64);
            self.lag_seconds
                .with_label_values(&labels)
                .set(g.lag_seconds);
            self.pending
                .with_label_values(&labels)
                .set(g.pending as i64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_id_millis() {
        assert_eq!(id_millis("1700000000000-3"), Some(1_700_000_000_000));
        assert_eq!(id_millis("x"), None);
    }
}
