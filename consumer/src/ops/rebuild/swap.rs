//! The swap: one transaction under the exclusive projection lock that
//! applies the last tail, renames the schemas and moves the migration
//! history with them.

use std::time::Instant;

use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use sleeper_shared::StreamId;
use tokio_postgres::Client;

use super::catch_up::{apply_tail_in, read_tail};
use super::preflight::{check_versions, SHADOW_SCHEMA};
use super::report::{RebuildError, RebuildReport};
use crate::store::locks::PROJECTION_LOCK;
use crate::store::migrate::{quote_ident, PROJECTION_SCHEMA};

/// The live schema's name between the renames of the swap.
const OLD_SCHEMA: &str = "sleeper_old";

/// The swap transaction (see the module doc), on the shadow session.
pub(super) async fn swap(
    shadow: &mut Client,
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
    watermark_ms: i64,
    seen_max: StreamId,
    max_body: usize,
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
    apply_tail_in(&mut tx, tail, max_body, &mut seen, report).await?;
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
