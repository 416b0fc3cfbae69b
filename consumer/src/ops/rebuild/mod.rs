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
use sleeper_shared::StreamId;
use tokio_postgres::Client;

use crate::ops::history::{Tally, NEWEST};
use crate::ops::stream_source::{archive_stream, Source};
use crate::store::derived;
use crate::store::migrate::{quote_ident, PROJECTION_SCHEMA};

mod build;
mod catch_up;
mod loss;
mod preflight;
mod report;
mod swap;

pub use loss::Loss;
pub use preflight::SHADOW_SCHEMA;
use preflight::{check_versions, create_shadow, drop_shadow};
pub use report::{Progress, RebuildError, RebuildReport};

/// One rebuild at a time per database (session lock).
const REBUILD_LOCK: i64 = 0x5EE9_E45F_0003;

/// `ANALYZE` every projection table of the shadow schema.
async fn analyze_shadow(client: &Client) -> Result<(), tokio_postgres::Error> {
    let tables: Vec<String> = crate::project::TABLES
        .iter()
        .map(|t| t.name)
        .chain(derived::TABLES)
        .map(|t| format!("{}.{}", quote_ident(SHADOW_SCHEMA), quote_ident(t)))
        .collect();
    client
        .batch_execute(&format!("ANALYZE {}", tables.join(", ")))
        .await
}

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

/// How a rebuild runs (`rebuild --source … --dry-run --allow-loss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Where events come from; the stream is archived first when read.
    pub source: Source,
    /// Build and compare, then drop the shadow instead of swapping.
    pub dry_run: bool,
    /// Swap even if the new tables lack scopes or series rows the live ones
    /// hold (for deliberately dropping data).
    pub allow_loss: bool,
    /// `SLEEPER_MAX_BODY_BYTES`, for decoding.
    pub max_body: usize,
}

/// Run a rebuild; see the module doc.
pub async fn rebuild(
    mut c: Connections<'_>,
    options: Options,
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
    let result = rebuild_locked(&mut c, options, progress).await;
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
    options: Options,
    progress: &mut dyn Progress,
) -> Result<RebuildReport, RebuildError> {
    let max_body = options.max_body;
    check_versions(c.redis, c.keys).await?;
    let mut report = RebuildReport::default();
    // Reading the stream into the archive (on the reader's session) overlaps
    // creating the shadow (on the admin's): in the common case the archive
    // holds the whole stream already and this costs one XRANGE sweep.
    let t = Instant::now();
    let (read, shadow) = tokio::join!(
        async {
            match options.source.reads_stream() {
                true => archive_stream(c.redis, c.keys.stream(), c.reader, max_body)
                    .await
                    .map(Some),
                false => Ok(None),
            }
        },
        create_shadow(c.admin)
    );
    shadow?;
    report.shadow_seconds = t.elapsed().as_secs_f64();
    let read = read?;
    let from = match (&read, options.source) {
        (Some(read), Source::Stream) => read.first.unwrap_or(NEWEST),
        _ => StreamId::default(),
    };
    let stream_ids = read.as_ref().map(|r| r.ids.clone()).unwrap_or_default();
    report.stream = read;
    if !options.allow_loss {
        if let Err(refused) = refuse_empty_source(c.admin, options.source, from).await {
            drop_shadow(c.admin).await?;
            return Err(refused);
        }
    }
    let t = Instant::now();
    let tally = Tally::new(stream_ids);
    // Recomputing the leagues each build transaction touched would redo
    // every league several times: once, after the build.
    derived::defer_session(&*c.shadow).await?;
    let (watermark, seen_max) = build::build_snapshot(
        c.reader,
        c.shadow,
        build::Source {
            from,
            tally: &tally,
            max_body,
        },
        progress,
        &mut report,
    )
    .await?;
    derived::refresh_all(&*c.shadow).await?;
    report.build_seconds = t.elapsed().as_secs_f64();
    let (next_watermark, seen_max) = catch_up::catch_up(
        c.reader,
        c.shadow,
        watermark,
        seen_max,
        (max_body, &tally),
        &mut report,
    )
    .await?;
    let counted = |report: &mut RebuildReport| {
        report.events_read = tally.read();
        report.events_from_stream = tally.from_stream();
    };
    // Fresh tables have no planner statistics until autovacuum comes by: the
    // analytics views (aggregates joined to aggregates) would be planned as
    // if every table were empty, nested loops over the whole log, right
    // after the swap.
    analyze_shadow(&*c.shadow).await?;
    // The costly half of the comparison, before the swap takes the lock,
    // on the session the swap runs on.
    loss::stage_series(&*c.shadow, SHADOW_SCHEMA).await?;
    swap::swap(
        c.shadow,
        c.redis,
        c.keys,
        swap::Tail {
            watermark_ms: next_watermark,
            seen_max,
            max_body,
            tally: &tally,
        },
        (options.allow_loss, options.dry_run),
        &mut report,
    )
    .await?;
    counted(&mut report);
    if options.dry_run {
        report.scopes = count_versions(c.admin, SHADOW_SCHEMA).await?;
        drop_shadow(c.admin).await?;
        return Ok(report);
    }
    report.swapped = true;
    report.scopes = count_versions(c.admin, PROJECTION_SCHEMA).await?;
    Ok(report)
}

/// Scopes in `schema`'s `_versions`.
async fn count_versions(admin: &Client, schema: &str) -> Result<u64, tokio_postgres::Error> {
    Ok(admin
        .query_one(
            &format!("SELECT count(*) FROM {}._versions", quote_ident(schema)),
            &[],
        )
        .await?
        .get::<_, i64>(0) as u64)
}

/// Refuse, said plainly, when the source holds no event at all while the
/// live tables hold scopes: the rebuild would empty every table.
async fn refuse_empty_source(
    admin: &Client,
    source: Source,
    from: StreamId,
) -> Result<(), RebuildError> {
    let events: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM pipeline.event_log
              WHERE decodable AND envelope IS NOT NULL AND (id_ms, id_seq) >= ($1, $2) LIMIT 1) AS any_event",
            &[&from.ms, &from.seq],
        )
        .await?
        .get(0);
    let live_scopes = count_versions(admin, PROJECTION_SCHEMA).await?;
    if events == 0 && live_scopes > 0 {
        return Err(RebuildError::NothingToBuildFrom {
            what: match source {
                Source::Archive => "the archive (pipeline.event_log) holds no event",
                Source::Stream => "the stream holds no event",
                Source::Both => {
                    "neither the archive (pipeline.event_log) nor the stream holds an event"
                }
            },
            live_scopes,
        });
    }
    Ok(())
}
