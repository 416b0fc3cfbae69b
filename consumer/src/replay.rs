//! `sleeper-consumer replay`: re-project a range of the log, so that a fixed
//! projection takes effect without a full rebuild.
//!
//! For every matching scope, its newest projectable event in the range is
//! applied again through the version guard in its replay form
//! ([`Guard::NotOlder`]): the scope's *current* version is re-written with
//! today's projection, but an older snapshot never overwrites a newer one
//! (DESIGN rule 2). Every series sample in the range is written too
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

use std::collections::BTreeSet;

use sleeper_shared::{Envelope, Kind};
use tokio_postgres::Client;

use crate::batch::{self, decode_envelope, is_data_error, Disposition, Guard, PROJECTION_LOCK};
use crate::project::kept::{needs_history, KeptRows};
use crate::project::project;
use sleeper_shared::StreamId;
use crate::write;

/// Scopes applied per transaction.
const SCOPES_PER_TX: usize = 50;

/// What to replay. Bounds are inclusive; `None` is open.
#[derive(Debug, Clone, Default)]
pub struct ReplayFilter {
    pub from: Option<StreamId>,
    pub to: Option<StreamId>,
    pub kinds: Vec<Kind>,
    pub leagues: Vec<String>,
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
}

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
}

/// One matching archive row, without its envelope.
struct Row {
    id: StreamId,
}

/// Replay `filter` on `client`, whose `search_path` must resolve the
/// projection tables (see `app::pool`).
pub async fn replay(
    client: &mut Client,
    filter: &ReplayFilter,
    max_body: usize,
    mut progress: impl FnMut(&ReplayReport),
) -> Result<ReplayReport, ReplayError> {
    let from = filter.from.unwrap_or_default();
    let to = filter.to.unwrap_or(StreamId {
        ms: i64::MAX,
        seq: i64::MAX,
    });
    let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
    let rows = client
        .query(
            "SELECT scope, id_ms, id_seq FROM pipeline.event_log
             WHERE decodable AND envelope IS NOT NULL AND scope IS NOT NULL
               AND (id_ms, id_seq) >= ($1, $2) AND (id_ms, id_seq) <= ($3, $4)
               AND (cardinality($5::text[]) = 0 OR kind = ANY($5))
               AND (cardinality($6::text[]) = 0 OR league_id = ANY($6))
             ORDER BY scope, id_ms DESC, id_seq DESC",
            &[
                &from.ms,
                &from.seq,
                &to.ms,
                &to.seq,
                &kinds,
                &filter.leagues,
            ],
        )
        .await?;
    // Scope → its ids in the range, newest first.
    let mut scopes: Vec<(String, Vec<Row>)> = Vec::new();
    for r in &rows {
        let scope: String = r.get(0);
        let id = StreamId {
            ms: r.get(1),
            seq: r.get(2),
        };
        match scopes.last_mut() {
            Some((s, ids)) if *s == scope => ids.push(Row { id }),
            _ => scopes.push((scope, vec![Row { id }])),
        }
    }
    drop(rows);
    let mut report = ReplayReport {
        scopes: scopes.len() as u64,
        ..ReplayReport::default()
    };
    for chunk in scopes.chunks(SCOPES_PER_TX) {
        let mut tx = client.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock_shared($1)",
            &[&PROJECTION_LOCK],
        )
        .await?;
        let names: BTreeSet<&str> = chunk.iter().map(|(s, _)| s.as_str()).collect();
        batch::lock_scopes(&tx, &names).await?;
        for (_scope, ids) in chunk {
            replay_scope(&mut tx, ids, max_body, &mut report).await?;
        }
        tx.commit().await?;
        progress(&report);
    }
    Ok(report)
}

/// An archived envelope by id; `None` when absent or undecodable.
async fn fetch(
    tx: &tokio_postgres::Transaction<'_>,
    id: StreamId,
    max_body: usize,
) -> Result<Option<Envelope>, tokio_postgres::Error> {
    Ok(tx
        .query_opt(
            "SELECT envelope FROM pipeline.event_log WHERE id_ms = $1 AND id_seq = $2",
            &[&id.ms, &id.seq],
        )
        .await?
        .and_then(|r| r.get::<_, Option<Vec<u8>>>(0))
        .and_then(|b| decode_envelope(&b, max_body).ok()))
}

/// Replay one scope's ids (newest first) inside `tx`: the newest projectable
/// event through [`Guard::NotOlder`]; when its projection has series or kept
/// rows (league members who left), the older events of the range too — their
/// series samples written, their members merged in as they would have been
/// had the events been applied in order (the same merge `rebuild` uses).
async fn replay_scope(
    tx: &mut tokio_postgres::Transaction<'_>,
    ids: &[Row],
    max_body: usize,
    report: &mut ReplayReport,
) -> Result<(), tokio_postgres::Error> {
    for (i, row) in ids.iter().enumerate() {
        let Some(env) = fetch(tx, row.id, max_body).await? else {
            continue;
        };
        report.events_read += 1;
        let Ok(mut projection) = project(row.id, &env) else {
            continue;
        };
        let mut older_series = Vec::new();
        if needs_history(&projection) {
            let mut kept = KeptRows::new(&projection);
            for older in &ids[i + 1..] {
                let Some(old_env) = fetch(tx, older.id, max_body).await? else {
                    continue;
                };
                report.events_read += 1;
                if let Ok(p) = project(older.id, &old_env) {
                    kept.merge(&p);
                    older_series.extend(p.series);
                }
            }
            kept.finish(&mut projection);
        }
        match batch::apply_projected(tx, row.id, &env, &projection, Guard::NotOlder).await? {
            Disposition::Projected { rows, .. } => {
                report.applied += 1;
                report.rows += rows;
            }
            Disposition::Superseded { rows, .. } => {
                report.kept_newer += 1;
                report.rows += rows;
            }
            Disposition::Dead { reason, .. } => {
                tracing::warn!(id = %row.id, scope = %env.scope, reason = %reason, "replay: event not applied; trying the one before");
                continue;
            }
        }
        if !older_series.is_empty() {
            // Insert-if-absent samples, outside the guard (rule 4).
            let sp = tx.savepoint("series").await?;
            let mut rows = 0;
            let mut failed = None;
            for t in &older_series {
                match write::apply(&sp, t).await {
                    Ok(n) => rows += n,
                    Err(e) if is_data_error(&e) => {
                        failed = Some(e);
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            match failed {
                None => {
                    sp.commit().await?;
                    report.rows += rows;
                }
                Some(e) => {
                    sp.rollback().await?;
                    tracing::warn!(scope = %env.scope, error = %e, "replay: older series samples rejected");
                }
            }
        }
        return Ok(());
    }
    report.unprojectable += 1;
    Ok(())
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
