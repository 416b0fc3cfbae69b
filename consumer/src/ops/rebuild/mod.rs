//! `sleeper-consumer rebuild`: every projection table afresh from the whole
//! archive, built beside the live tables and swapped in atomically.
//!
//! 1. The projection migrations run into a shadow schema ([`SHADOW_SCHEMA`],
//!    dropped first if a failed run left it): tables, views, grants and
//!    `_versions`, so versions swap with the tables.
//! 2. The archive is read in one REPEATABLE READ snapshot, compacted: for
//!    each scope only its newest *projectable* event is written (a shape or
//!    data error falls back to the next newest), so snapshot work grows with
//!    scopes, not events. Scopes whose projection yields series samples or
//!    keeps absent rows (league members) are read in full: series samples
//!    are written in bulk; kept rows are merged newest first, exactly what
//!    applying the events in order leaves. Reading and writing run at once:
//!    scopes are compacted a few at a time and handed to a writer that
//!    COPYs them into the shadow together (`crate::store::copy_in`: the shadow
//!    holds none of their rows yet), each table once per ~20 000 rows; only
//!    if Postgres rejects some of it are they written scope by scope.
//! 3. Catch-up: archive rows the snapshot did not see are applied through the
//!    live guard, first without any lock, then in the swap transaction.
//! 4. Swap, in one transaction: the projection lock is taken exclusively (a
//!    live batch holds it shared, so projectors pause only here), the last
//!    tail is applied, `sleeper` is renamed away, the shadow renamed to
//!    `sleeper`, the old schema dropped, and the migration history follows
//!    the rename. Readers see the old tables until the commit and the new
//!    ones after; never an empty or half-built table.
//!
//! A live consumer whose projection version is older than this binary's
//! refuses the rebuild (checked before building and again under the swap's
//! lock, so a consumer started meanwhile counts too).
//! Undecodable archive rows are skipped (they are in the DLQ).

use std::time::Instant;

use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use tokio_postgres::Client;

mod build;
mod catch_up;
mod preflight;
mod report;
mod swap;

pub use preflight::SHADOW_SCHEMA;
use preflight::{check_versions, create_shadow};
pub use report::{Progress, RebuildError, RebuildReport};

/// One rebuild at a time per database (session lock).
const REBUILD_LOCK: i64 = 0x5EE9_E45F_0003;

/// The connections a rebuild needs.
pub struct Connections<'a> {
    /// Any session (locks, DDL, archive snapshot reads).
    pub admin: &'a mut Client,
    /// A second session for reading the archive snapshot.
    pub reader: &'a mut Client,
    /// A session whose `search_path` is [`SHADOW_SCHEMA`] (see `app::pool`).
    pub shadow: &'a mut Client,
    pub redis: &'a mut ConnectionManager,
    pub keys: &'a StreamKeys,
}

/// Run a rebuild; see the module doc.
pub async fn rebuild(
    mut c: Connections<'_>,
    max_body: usize,
    progress: &mut dyn Progress,
) -> Result<RebuildReport, RebuildError> {
    let started = Instant::now();
    let locked: bool = c
        .admin
        .query_one("SELECT pg_try_advisory_lock($1)", &[&REBUILD_LOCK])
        .await?
        .get(0);
    if !locked {
        return Err(RebuildError::Busy);
    }
    let result = rebuild_locked(&mut c, max_body, progress).await;
    let _ = c
        .admin
        .execute("SELECT pg_advisory_unlock($1)", &[&REBUILD_LOCK])
        .await;
    let mut report = result?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn rebuild_locked(
    c: &mut Connections<'_>,
    max_body: usize,
    progress: &mut dyn Progress,
) -> Result<RebuildReport, RebuildError> {
    check_versions(c.redis, c.keys).await?;
    let mut report = RebuildReport::default();
    let t = Instant::now();
    create_shadow(c.admin).await?;
    report.shadow_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (watermark, seen_max) =
        build::build_snapshot(c.reader, c.shadow, max_body, progress, &mut report).await?;
    report.build_seconds = t.elapsed().as_secs_f64();
    let (next_watermark, seen_max) = catch_up::catch_up(
        c.reader,
        c.shadow,
        watermark,
        seen_max,
        max_body,
        &mut report,
    )
    .await?;
    swap::swap(
        c.shadow,
        c.redis,
        c.keys,
        next_watermark,
        seen_max,
        max_body,
        &mut report,
    )
    .await?;
    report.scopes = c
        .admin
        .query_one("SELECT count(*) FROM sleeper._versions", &[])
        .await?
        .get::<_, i64>(0) as u64;
    Ok(report)
}
