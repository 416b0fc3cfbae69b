//! Catching up: archive rows the build's snapshot did not see, applied to
//! the shadow through the live guard — once without any lock, and once
//! more inside the swap transaction.

use sleeper_shared::StreamId;
use tokio_postgres::{Client, IsolationLevel, Transaction};

use super::report::RebuildReport;
use crate::live::apply::{apply_event, Disposition, Guard};
use crate::live::decode::decode_envelope;
use crate::ops::history::Tally;

/// Extra margin on the catch-up watermark (clock granularity).
const WATERMARK_MARGIN_MS: f64 = 1_000.0;

/// Apply what the build's snapshot (taken at `watermark`, holding ids up
/// to `seen_max`) missed, without any lock, so that the swap's own tail is
/// short. Returns the swap's watermark and the newest id applied.
pub(super) async fn catch_up(
    reader: &mut Client,
    shadow: &mut Client,
    watermark: i64,
    seen_max: StreamId,
    reading: (usize, &Tally),
    report: &mut RebuildReport,
) -> Result<(i64, StreamId), tokio_postgres::Error> {
    let next_watermark = read_watermark(reader).await?;
    let tx = reader
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let tail = read_tail(&tx, watermark, seen_max).await?;
    tx.commit().await?;
    let seen_max = apply_tail(shadow, tail, reading, seen_max, report).await?;
    tracing::info!(tail = report.tail_events, "rebuild: caught up; swapping");
    Ok((next_watermark, seen_max))
}

/// The catch-up watermark, in ms, read *before* a snapshot is taken: any
/// archive row the snapshot will miss comes from a transaction that was
/// running at this moment or starts later, so its `archived_at` (the
/// transaction's start) is at or after the oldest open transaction's start
/// (or now). A small margin covers clock granularity. This needs the
/// rebuild to see other sessions' `xact_start` in `pg_stat_activity`: the
/// same database role as the projectors (or `pg_read_all_stats`). Only
/// client sessions count: an autovacuum worker's long transaction archives
/// nothing and would only push the watermark back (every event archived
/// since would be read again as tail: a no-op through the guard, but slow).
pub(super) async fn read_watermark(client: &Client) -> Result<i64, tokio_postgres::Error> {
    Ok(client
        .query_one(
            "SELECT (extract(epoch FROM least(now(), coalesce(
                    (SELECT min(xact_start) FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()
                       AND backend_type = 'client backend'), now())))
                    * 1000 - $1::float8)::int8",
            &[&WATERMARK_MARGIN_MS],
        )
        .await?
        .get(0))
}

/// Archive rows the snapshot may have missed: newer than its newest id, or
/// archived by a transaction that started after its watermark. Oldest first.
pub(super) async fn read_tail(
    tx: &Transaction<'_>,
    watermark_ms: i64,
    seen_max: StreamId,
) -> Result<Vec<(StreamId, Vec<u8>)>, tokio_postgres::Error> {
    Ok(tx
        .query(
            "SELECT id_ms, id_seq, envelope FROM pipeline.event_log
             WHERE decodable AND envelope IS NOT NULL
               AND ((id_ms, id_seq) > ($1, $2) OR archived_at >= to_timestamp($3::float8 / 1000.0))
             ORDER BY id_ms, id_seq",
            &[&seen_max.ms, &seen_max.seq, &(watermark_ms as f64)],
        )
        .await?
        .into_iter()
        .filter_map(|r| {
            let bytes: Option<Vec<u8>> = r.get(2);
            Some((
                StreamId {
                    ms: r.get(0),
                    seq: r.get(1),
                },
                bytes?,
            ))
        })
        .collect())
}

/// Apply tail rows through the live guard (idempotent: rows the snapshot
/// already held are no-ops). Returns the newest id seen.
async fn apply_tail(
    shadow: &mut Client,
    tail: Vec<(StreamId, Vec<u8>)>,
    reading: (usize, &Tally),
    mut seen_max: StreamId,
    report: &mut RebuildReport,
) -> Result<StreamId, tokio_postgres::Error> {
    let mut tx = shadow.transaction().await?;
    apply_tail_in(&mut tx, tail, reading, &mut seen_max, report).await?;
    tx.commit().await?;
    Ok(seen_max)
}

pub(super) async fn apply_tail_in(
    tx: &mut Transaction<'_>,
    tail: Vec<(StreamId, Vec<u8>)>,
    (max_body, tally): (usize, &Tally),
    seen_max: &mut StreamId,
    report: &mut RebuildReport,
) -> Result<(), tokio_postgres::Error> {
    for (id, bytes) in tail {
        *seen_max = (*seen_max).max(id);
        let Ok(env) = decode_envelope(&bytes, max_body) else {
            continue;
        };
        tally.count(id);
        report.tail_events += 1;
        match apply_event(tx, id, &env, Guard::Newer).await? {
            Disposition::Projected { rows, .. } | Disposition::Superseded { rows, .. } => {
                report.rows += rows
            }
            Disposition::Dead { .. } => {}
        }
    }
    Ok(())
}
