//! `sleeper-consumer replay`: re-project a range of the log, so that a fixed
//! projection takes effect without a full rebuild.
//!
//! For every matching scope, its newest projectable event in the range is
//! applied again through the version guard in its replay form
//! ([`Guard::NotOlder`]): the scope's *current* version is re-written with
//! today's projection, but an older snapshot never overwrites a newer one
//! (docs/design.md rule 2). Every series sample in the range is written too
//! (insert-if-absent, rule 4). Scopes are locked like a live batch locks them
//! (shared projection lock, per-scope locks in sorted order), so replay runs
//! safely beside live projectors.
//!
//! It reads only the archive, `pipeline.event_log`: every entry a projector
//! has read was archived in the transaction that applied it, before it was
//! acked (rule 6), so the archive holds everything the stream held — and
//! keeps it after trimming. Entries not yet read by any projector are not
//! replayed; the live projectors will apply them. Archive rows that cannot be
//! decoded are skipped (they are in the DLQ).

use std::collections::{BTreeSet, HashSet};

use redis::aio::ConnectionManager;
use sleeper_shared::{Kind, StreamId};
use tokio_postgres::{Client, Transaction};

use crate::live::apply::{apply_projected, is_data_error, Disposition, Event, Guard};
use crate::ops::history::{compact, Archive, Tally, NEWEST};
use crate::ops::stream_source::{archive_range, archive_stream, Source, SourceError, StreamRead};
use crate::project::TableRows;
use crate::store::{locks, write};

/// Scopes applied per transaction.
const SCOPES_PER_TX: usize = 50;

/// What to replay. Bounds are inclusive; `None` is open.
#[derive(Debug, Clone, Default)]
pub struct ReplayFilter {
    pub from: Option<StreamId>,
    pub to: Option<StreamId>,
    pub kinds: Vec<Kind>,
    pub leagues: Vec<String>,
    /// The archive, the stream (archived first), or both.
    pub source: Source,
}

/// The stream, for a replay whose source includes it.
pub struct StreamAccess<'a> {
    pub redis: &'a mut ConnectionManager,
    /// `STREAM_KEY`.
    pub key: &'a str,
}

/// A `--from`/`--to` value that is neither a stream id nor an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is neither a stream id (<ms>-<seq>) nor an RFC 3339 time")]
pub struct BadBound(pub String);

/// Which end of the range a bound is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

/// Parse a bound: a stream id (`<ms>-<seq>`, or `<ms>` = every id of that
/// millisecond) or an RFC 3339 time, which means append time (the id's ms).
pub fn parse_bound(s: &str, end: End) -> Result<StreamId, BadBound> {
    let bad = || BadBound(s.to_string());
    let whole_ms = |ms: i64| match end {
        End::From => StreamId { ms, seq: 0 },
        End::To => StreamId { ms, seq: i64::MAX },
    };
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().map(whole_ms).map_err(|_| bad());
    }
    if let Ok(id) = s.parse::<StreamId>() {
        return Ok(id);
    }
    let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|_| bad())?;
    let ms = t.timestamp_millis();
    if ms < 0 {
        return Err(bad());
    }
    Ok(whole_ms(ms))
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Archived events decoded and projected.
    pub events_read: u64,
    /// Scopes that matched.
    pub scopes: u64,
    /// Scopes whose snapshot was re-written.
    pub applied: u64,
    /// Scopes left alone because a newer version is applied.
    pub kept_newer: u64,
    /// Scopes with no projectable event in the range.
    pub unprojectable: u64,
    /// Rows written (snapshot and series).
    pub rows: u64,
    /// Of `events_read`, events the archive held only because this replay
    /// read them from the stream.
    pub events_from_stream: u64,
    /// What reading the stream into the archive did (`None`: not read).
    pub stream: Option<StreamRead>,
    /// The archive's decodable events: oldest id, newest id, count (read
    /// when nothing matched, to say where the replay looked).
    pub archive: Option<(Option<StreamId>, Option<StreamId>, i64)>,
}

impl ReplayReport {
    /// The closing summary line: what was done, or where the replay looked
    /// when its range matched nothing.
    pub fn summary(&self, seconds: f64) -> String {
        let stream = match &self.stream {
            Some(s) => format!(
                "the stream {} ({} entries, {} archived now)",
                range(s.first, s.last),
                s.read,
                s.archived
            ),
            None => "the stream not read (--source archive)".to_string(),
        };
        if self.scopes == 0 {
            let archive = match self.archive {
                Some((first, last, n)) => {
                    format!("the archive {} ({n} events)", range(first, last))
                }
                None => "the archive".to_string(),
            };
            return format!("replay: nothing matched; looked in {archive} and {stream}");
        }
        format!(
            "replay: {} events read ({} from the archive, {} from the stream), {} scopes, {} re-applied, {} kept (newer applied), {} unprojectable, {} rows, {seconds:.1}s; {stream}",
            self.events_read,
            self.events_read - self.events_from_stream,
            self.events_from_stream,
            self.scopes,
            self.applied,
            self.kept_newer,
            self.unprojectable,
            self.rows,
        )
    }
}

fn range(first: Option<StreamId>, last: Option<StreamId>) -> String {
    match (first, last) {
        (Some(f), Some(l)) => format!("{f}..{l}"),
        _ => "(empty)".to_string(),
    }
}

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("--source {0:?} reads the stream, but no Redis connection was given")]
    NoStream(Source),
}

/// Replay `filter` on `client`, whose `search_path` must resolve the
/// projection tables (see `store::connect::pool`).
pub async fn replay(
    client: &mut Client,
    stream: Option<StreamAccess<'_>>,
    filter: &ReplayFilter,
    max_body: usize,
    mut progress: impl FnMut(&ReplayReport),
) -> Result<ReplayReport, ReplayError> {
    let mut report = ReplayReport::default();
    let mut from = filter.from.unwrap_or_default();
    let mut stream_ids = HashSet::new();
    if filter.source.reads_stream() {
        let s = stream.ok_or(ReplayError::NoStream(filter.source))?;
        let read = archive_stream(s.redis, s.key, client, max_body).await?;
        if filter.source == Source::Stream {
            // Only what the stream still holds: from its first id on.
            from = from.max(read.first.unwrap_or(NEWEST));
        }
        stream_ids = read.ids.clone();
        report.stream = Some(read);
    }
    let to = filter.to.unwrap_or(NEWEST);
    let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
    let scopes: Vec<String> = client
        .query(
            "SELECT DISTINCT scope FROM pipeline.event_log
             WHERE decodable AND envelope IS NOT NULL AND scope IS NOT NULL
               AND (id_ms, id_seq) >= ($1, $2) AND (id_ms, id_seq) <= ($3, $4)
               AND (cardinality($5::text[]) = 0 OR kind = ANY($5))
               AND (cardinality($6::text[]) = 0 OR league_id = ANY($6))
             ORDER BY scope",
            &[
                &from.ms,
                &from.seq,
                &to.ms,
                &to.seq,
                &kinds,
                &filter.leagues,
            ],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    report.scopes = scopes.len() as u64;
    if scopes.is_empty() {
        report.archive = Some(archive_range(client).await?);
        return Ok(report);
    }
    let tally = Tally::new(stream_ids);
    // Compaction reads ids below its cursor: the one above `to`.
    let below = if to == NEWEST { NEWEST } else { to.next() };
    for chunk in scopes.chunks(SCOPES_PER_TX) {
        let mut tx = client.transaction().await?;
        locks::share_projection(&tx).await?;
        let names: BTreeSet<&str> = chunk.iter().map(String::as_str).collect();
        locks::lock_scopes(&tx, &names).await?;
        for scope in chunk {
            let archive = (from, below, max_body, &tally);
            replay_scope(&mut tx, scope, archive, &mut report).await?;
        }
        tx.commit().await?;
        report.events_read = tally.read();
        report.events_from_stream = tally.from_stream();
        progress(&report);
    }
    Ok(report)
}

/// Replay one scope inside `tx`: its compacted history in the range
/// (`ops::history`) through [`Guard::NotOlder`] — a rejected newest event
/// falls back to the one before — then the older events' series samples.
async fn replay_scope(
    tx: &mut Transaction<'_>,
    scope: &str,
    (from, below, max_body, tally): (StreamId, StreamId, usize, &Tally),
    report: &mut ReplayReport,
) -> Result<(), tokio_postgres::Error> {
    let mut cursor = below;
    let applied = loop {
        let compacted = {
            let archive = Archive {
                snap: tx,
                from,
                max_body,
                tally,
            };
            compact(&archive, scope, cursor).await?
        };
        let Some(c) = compacted else {
            break None;
        };
        let event = Event {
            id: c.newest.id,
            env: &c.newest.env,
            projection: &c.projection,
        };
        match apply_projected(tx, &event, Guard::NotOlder).await? {
            Disposition::Projected { rows, .. } => {
                report.applied += 1;
                report.rows += rows;
                break Some(c);
            }
            Disposition::Superseded { rows, .. } => {
                report.kept_newer += 1;
                report.rows += rows;
                break Some(c);
            }
            Disposition::Dead { reason, .. } => {
                tracing::warn!(id = %c.newest.id, scope, reason = %reason, "replay: event not applied; trying the one before");
                cursor = c.cursor;
            }
        }
    };
    match applied {
        None => report.unprojectable += 1,
        Some(c) => report.rows += write_series(tx, scope, &c.older_series).await?,
    }
    Ok(())
}

/// The older events' series samples (insert-if-absent, outside the guard:
/// docs/design.md rule 4), under a savepoint: if Postgres rejects them, they
/// are left out with a warning and the scope's snapshot stands.
async fn write_series(
    tx: &mut Transaction<'_>,
    scope: &str,
    series: &[TableRows],
) -> Result<u64, tokio_postgres::Error> {
    if series.is_empty() {
        return Ok(0);
    }
    let sp = tx.savepoint("series").await?;
    let mut rows = 0;
    for t in series {
        match write::apply(&sp, t).await {
            Ok(n) => rows += n,
            Err(e) if is_data_error(&e) => {
                sp.rollback().await?;
                tracing::warn!(scope, error = %e, "replay: older series samples rejected");
                return Ok(0);
            }
            Err(e) => return Err(e),
        }
    }
    sp.commit().await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_parse_as_ids_millis_or_rfc3339_append_time() {
        assert_eq!(
            parse_bound("1700000000000-3", End::From).unwrap(),
            StreamId {
                ms: 1_700_000_000_000,
                seq: 3
            }
        );
        assert_eq!(
            parse_bound("1700000000000", End::To).unwrap(),
            StreamId {
                ms: 1_700_000_000_000,
                seq: i64::MAX
            }
        );
        assert_eq!(
            parse_bound("2023-11-14T22:13:20Z", End::From).unwrap(),
            StreamId {
                ms: 1_700_000_000_000,
                seq: 0
            }
        );
        assert!(parse_bound("yesterday", End::From).is_err());
        assert!(parse_bound("", End::To).is_err());
    }
}
