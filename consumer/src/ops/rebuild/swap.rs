//! The swap: one transaction under the exclusive projection lock that
//! applies the last tail, renames the schemas and moves the migration
//! history with them.

use std::time::Instant;

use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use sleeper_shared::StreamId;
use tokio_postgres::Client;

use super::catch_up::{apply_tail_in, read_tail};
use super::loss;
use super::preflight::{check_versions, SHADOW_SCHEMA};
use super::report::{RebuildError, RebuildReport};
use crate::ops::history::Tally;
use crate::store::locks::PROJECTION_LOCK;
use crate::store::migrate::{quote_ident, PROJECTION_SCHEMA};

/// The live schema's name between the renames of the swap.
const OLD_SCHEMA: &str = "sleeper_old";

/// What the swap's last catch-up reads: archive rows from transactions
/// started at or after `watermark_ms`, or newer than `seen_max`.
pub(super) struct Tail<'a> {
    pub watermark_ms: i64,
    pub seen_max: StreamId,
    /// `SLEEPER_MAX_BODY_BYTES`, for decoding.
    pub max_body: usize,
    pub tally: &'a Tally,
}

/// The swap transaction (see the module doc), on the shadow session, which
/// staged the series candidates (`loss::stage_series`). Unless
/// `allow_loss`, it refuses (rolls back) when the new tables lack what the
/// live ones hold, compared under the lock; a `dry_run` stops after the
/// comparison and rolls back.
pub(super) async fn swap(
    shadow: &mut Client,
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
    Tail {
        watermark_ms,
        seen_max,
        max_body,
        tally,
    }: Tail<'_>,
    (allow_loss, dry_run): (bool, bool),
    report: &mut RebuildReport,
) -> Result<(), RebuildError> {
    let mut tx = shadow.transaction().await?;
    let waited = Instant::now();
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PROJECTION_LOCK])
        .await?;
    let locked_at = Instant::now();
    // Checked again under the lock: a consumer started since the first check
    // counts too. A refusal rolls back; the shadow is dropped by the next run.
    check_versions(redis, keys).await?;
    // No batch is in flight now: the archive is complete up to this moment.
    let tail = read_tail(&tx, watermark_ms, seen_max).await?;
    let mut seen = seen_max;
    apply_tail_in(&mut tx, tail, (max_body, tally), &mut seen, report).await?;
    // Nothing moves the live tables now, and the shadow has every event the
    // archive holds: versions compared in full, series candidates staged
    // before the lock rechecked.
    let loss = loss::compare_versions(&tx, SHADOW_SCHEMA)
        .await?
        .with(loss::recheck_series(&tx, SHADOW_SCHEMA).await?);
    if dry_run {
        // The comparison is the whole point: roll back, swap nothing.
        report.loss = loss;
        return Ok(());
    }
    if !loss.is_empty() {
        if !allow_loss {
            // The shadow stays until the next run drops it; the tx rolls back.
            return Err(RebuildError::WouldLose(loss));
        }
        tracing::warn!(loss = %loss, "rebuild: swapping with --allow-loss");
    }
    report.loss = loss;
    let (live, shadow_s, old) = (
        quote_ident(PROJECTION_SCHEMA),
        quote_ident(SHADOW_SCHEMA),
        quote_ident(OLD_SCHEMA),
    );
    tx.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {old} CASCADE;
         ALTER SCHEMA {live} RENAME TO {old};
         ALTER SCHEMA {shadow_s} RENAME TO {live};
         DROP SCHEMA {old} CASCADE;"
    ))
    .await?;
    tx.execute(
        "DELETE FROM pipeline.schema_migrations WHERE target_schema = $1",
        &[&PROJECTION_SCHEMA],
    )
    .await?;
    tx.execute(
        "UPDATE pipeline.schema_migrations SET target_schema = $1 WHERE target_schema = $2",
        &[&PROJECTION_SCHEMA, &SHADOW_SCHEMA],
    )
    .await?;
    tx.commit().await?;
    report.pause_seconds = locked_at.elapsed().as_secs_f64();
    tracing::info!(
        waited_ms = (locked_at - waited).as_millis() as u64,
        paused_ms = locked_at.elapsed().as_millis() as u64,
        "rebuild: swapped in the new tables"
    );
    Ok(())
}
