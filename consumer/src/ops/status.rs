//! `sleeper-consumer status [--json]`: where the pipeline stands — stream,
//! groups and their lag, DLQ, archive, Redis memory — as a table or JSON.

use redis::aio::ConnectionManager;
use serde::Serialize;
use sleeper_shared::lag::{self, id_millis, StreamLag};
use sleeper_shared::redis_reply;
use sleeper_shared::stream::StreamKeys;

/// The status report.
#[derive(Debug, Serialize)]
pub struct Status {
    pub stream: StreamLag,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub first_age_seconds: Option<f64>,
    pub last_age_seconds: Option<f64>,
    pub dlq_length: u64,
    pub archive: Result<ArchiveStatus, String>,
}

/// What the archive holds.
#[derive(Debug, Serialize)]
pub struct ArchiveStatus {
    pub events: i64,
    pub undecodable: i64,
    pub newest_id: Option<String>,
    pub projected_scopes: i64,
}

/// Read everything. Postgres being unreachable is reported, not fatal; a
/// group of `expected_groups` (`CONSUMER_GROUP`, `TRIM_GROUPS`) that does
/// not exist is listed as missing, its lag the whole stream.
pub async fn read(
    conn: &mut ConnectionManager,
    keys: &StreamKeys,
    expected_groups: &[&str],
    pg: Option<&tokio_postgres::Client>,
    now_ms: i64,
) -> redis::RedisResult<Status> {
    let stream = lag::read_expecting(conn, keys.stream(), expected_groups, now_ms).await?;
    let first_id = redis_reply::edge_id(conn, keys.stream(), false).await?;
    let last_id = redis_reply::edge_id(conn, keys.stream(), true).await?;
    let age = |id: &Option<String>| {
        id.as_deref()
            .and_then(id_millis)
            .map(|ms| (now_ms - ms).max(0) as f64 / 1000.0)
    };
    let dlq_length: u64 = redis::cmd("XLEN").arg(keys.dlq()).query_async(conn).await?;
    let archive = match pg {
        None => Err("postgres unreachable".to_string()),
        Some(pg) => archive_status(pg).await.map_err(|e| e.to_string()),
    };
    Ok(Status {
        first_age_seconds: age(&first_id),
        last_age_seconds: age(&last_id),
        stream,
        first_id,
        last_id,
        dlq_length,
        archive,
    })
}

async fn archive_status(
    pg: &tokio_postgres::Client,
) -> Result<ArchiveStatus, tokio_postgres::Error> {
    let row = pg
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE NOT decodable),
                    (SELECT id_ms::text || '-' || id_seq::text FROM pipeline.event_log ORDER BY id_ms DESC, id_seq DESC LIMIT 1),
                    (SELECT count(*) FROM sleeper._versions)
             FROM pipeline.event_log",
            &[],
        )
        .await?;
    Ok(ArchiveStatus {
        events: row.get(0),
        undecodable: row.get(1),
        newest_id: row.get(2),
        projected_scopes: row.get(3),
    })
}

impl Status {
    /// The readable table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let s = &self.stream;
        let fmt_age = |a: Option<f64>| {
            a.map(|a| format!("{a:.0}s ago"))
                .unwrap_or_else(|| "-".into())
        };
        out.push_str(&format!("stream        {}\n", s.stream));
        out.push_str(&format!("  length      {}\n", s.length));
        out.push_str(&format!(
            "  first       {} ({})\n",
            self.first_id.as_deref().unwrap_or("-"),
            fmt_age(self.first_age_seconds)
        ));
        out.push_str(&format!(
            "  last        {} ({})\n",
            self.last_id.as_deref().unwrap_or("-"),
            fmt_age(self.last_age_seconds)
        ));
        out.push_str(&format!(
            "  redis mem   {:.1} MiB\n",
            s.used_memory_bytes as f64 / 1_048_576.0
        ));
        out.push_str(&format!("dlq           {}\n", self.dlq_length));
        out.push_str("groups\n");
        out.push_str(&format!(
            "  {:<16} {:>9} {:>10} {:>9} {:>10}\n",
            "group", "consumers", "lag", "pending", "lag age"
        ));
        for g in &s.groups {
            out.push_str(&format!(
                "  {:<16} {:>9} {:>10} {:>9} {:>9.0}s{}\n",
                g.group,
                g.consumers,
                g.lag_events,
                g.pending,
                g.lag_seconds,
                if g.missing {
                    "  MISSING: configured but not on the stream (a running consumer recreates it from the start)"
                } else {
                    ""
                }
            ));
        }
        match &self.archive {
            Ok(a) => out.push_str(&format!(
                "archive       {} events ({} undecodable), newest {}, {} scopes projected\n",
                a.events,
                a.undecodable,
                a.newest_id.as_deref().unwrap_or("-"),
                a.projected_scopes
            )),
            Err(e) => out.push_str(&format!("archive       unavailable: {e}\n")),
        }
        out
    }
}
