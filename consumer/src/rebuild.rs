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
//!    COPYs them into the shadow together (`crate::copy_in`: the shadow
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

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt;
use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use sleeper_shared::{Envelope, Scope};
use tokio_postgres::{Client, IsolationLevel, Transaction};

use crate::batch::{self, decode_envelope, is_data_error, Guard, PROJECTION_LOCK};
use crate::migrate::{self, quote_ident, MigrateError, PROJECTION_SCHEMA};
use crate::project::kept::{needs_history, KeptRows};
use crate::project::{
    project, project_tables, Mode, Projection, Table, TableRows, PROJECTION_VERSION,
};
use crate::registry;
use sleeper_shared::StreamId;
use crate::{copy_in, versions};

/// Where the new tables are built.
pub const SHADOW_SCHEMA: &str = "sleeper_rebuild";
/// The live schema's name between the renames of the swap.
const OLD_SCHEMA: &str = "sleeper_old";
/// One rebuild at a time per database (session lock).
const REBUILD_LOCK: i64 = 0x5EE9_E45F_0003;
/// Scopes written per shadow transaction.
const SCOPES_PER_TX: usize = 200;
/// Series rows buffered before one bulk insert.
const SERIES_FLUSH_ROWS: usize = 5_000;
/// Older events fetched per round trip when a scope is read in full.
const PAGE: i64 = 64;
/// Compacted snapshot rows held before they are written together.
const PENDING_FLUSH_ROWS: usize = 20_000;
/// Compacted scopes the reading half may be ahead of the writing half.
const COMPACTED_AHEAD: usize = 64;
/// Scopes the reading half compacts at once.
const SCOPES_AT_ONCE: usize = 3;
/// Extra margin on the catch-up watermark (clock granularity).
const WATERMARK_MARGIN_MS: f64 = 1_000.0;

/// Why a rebuild failed or refused.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("another rebuild is running on this database")]
    Busy,
    #[error("live consumer(s) run an older projection version than this binary ({mine}): {}; upgrade or stop them first", list(.outdated))]
    Outdated {
        mine: u32,
        outdated: Vec<(String, u32)>,
    },
    #[error("schema {0} does not exist; run `sleeper-consumer migrate` first")]
    NotMigrated(&'static str),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    Migrate(#[from] MigrateError),
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
}

fn list(v: &[(String, u32)]) -> String {
    v.iter()
        .map(|(n, ver)| format!("{n} (version {ver})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RebuildReport {
    /// Archived events decoded (snapshot and series reads, tail included).
    pub events_read: u64,
    /// Scopes in the new tables.
    pub scopes: u64,
    /// Rows written into the shadow.
    pub rows: u64,
    /// Events applied after the snapshot (catch-up and swap).
    pub tail_events: u64,
    /// How long live projectors were paused (the swap transaction's lock hold).
    pub pause_seconds: f64,
    /// Creating the shadow schema (the projection migrations).
    pub shadow_seconds: f64,
    /// Building the shadow from the archive snapshot (compaction and writes).
    pub build_seconds: f64,
    pub seconds: f64,
}

impl RebuildReport {
    /// The closing summary line.
    pub fn summary(&self) -> String {
        format!(
            "rebuild: {} events read, {} scopes, {} rows, {} tail events, {:.1}s (shadow schema {:.1}s, build {:.1}s; live projection paused {:.3}s)",
            self.events_read, self.scopes, self.rows, self.tail_events, self.seconds,
            self.shadow_seconds, self.build_seconds, self.pause_seconds
        )
    }
}

/// Progress as the build goes: (scopes done, scopes total, report so far).
pub trait Progress {
    fn update(&mut self, done: u64, total: u64, report: &RebuildReport);
}

impl<F: FnMut(u64, u64, &RebuildReport)> Progress for F {
    fn update(&mut self, done: u64, total: u64, report: &RebuildReport) {
        self(done, total, report)
    }
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

/// Run a rebuild; see the module doc.
pub async fn rebuild(
    c: Connections<'_>,
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
    let result = rebuild_locked(
        c.admin, c.reader, c.shadow, c.redis, c.keys, max_body, progress,
    )
    .await;
    let _ = c
        .admin
        .execute("SELECT pg_advisory_unlock($1)", &[&REBUILD_LOCK])
        .await;
    let mut report = result?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn check_versions(
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
) -> Result<(), RebuildError> {
    let regs = registry::read(redis, keys).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let outdated = registry::outdated(&regs, PROJECTION_VERSION, now);
    if outdated.is_empty() {
        Ok(())
    } else {
        Err(RebuildError::Outdated {
            mine: PROJECTION_VERSION,
            outdated,
        })
    }
}

async fn schema_exists(client: &Client, schema: &str) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .await?
        .get(0))
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
async fn read_watermark(client: &Client) -> Result<i64, tokio_postgres::Error> {
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

#[allow(clippy::too_many_arguments)]
async fn rebuild_locked(
    admin: &mut Client,
    reader: &mut Client,
    shadow: &mut Client,
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
    max_body: usize,
    progress: &mut dyn Progress,
) -> Result<RebuildReport, RebuildError> {
    check_versions(redis, keys).await?;
    if !schema_exists(admin, PROJECTION_SCHEMA).await? {
        return Err(RebuildError::NotMigrated(PROJECTION_SCHEMA));
    }
    // A fresh shadow, with the whole projection DDL.
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            quote_ident(SHADOW_SCHEMA)
        ))
        .await?;
    admin
        .execute(
            "DELETE FROM pipeline.schema_migrations WHERE target_schema = $1",
            &[&SHADOW_SCHEMA],
        )
        .await?;
    let mut report = RebuildReport::default();
    let t = Instant::now();
    migrate::apply_projection(admin, SHADOW_SCHEMA).await?;
    report.shadow_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (watermark, seen_max) =
        build_snapshot(reader, shadow, max_body, progress, &mut report).await?;
    report.build_seconds = t.elapsed().as_secs_f64();

    // Catch up without any lock, so the swap's tail is short.
    let next_watermark = read_watermark(reader).await?;
    let tx = reader
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let tail = read_tail(&tx, watermark, seen_max).await?;
    tx.commit().await?;
    let seen_max = apply_tail(shadow, tail, max_body, seen_max, &mut report).await?;
    tracing::info!(tail = report.tail_events, "rebuild: caught up; swapping");

    swap(
        shadow,
        redis,
        keys,
        next_watermark,
        seen_max,
        max_body,
        &mut report,
    )
    .await?;
    report.scopes = admin
        .query_one("SELECT count(*) FROM sleeper._versions", &[])
        .await?
        .get::<_, i64>(0) as u64;
    Ok(report)
}

/// Build the shadow from one snapshot of the archive. Returns the catch-up
/// watermark and the newest id the snapshot held.
///
/// Two halves run at once on this task: one reads, decodes and compacts
/// scope after scope; the other writes what the first hands it. Postgres
/// writing one batch of scopes thus overlaps reading and projecting the next
/// (on two cores the build was idle a fifth of the time, each half waiting
/// for the other).
async fn build_snapshot(
    reader: &mut Client,
    shadow: &mut Client,
    max_body: usize,
    progress: &mut dyn Progress,
    report: &mut RebuildReport,
) -> Result<(i64, StreamId), RebuildError> {
    let watermark = read_watermark(reader).await?;
    let snap = reader
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let mut scopes: Vec<String> = snap
        .query(
            "SELECT DISTINCT scope FROM pipeline.event_log
             WHERE decodable AND envelope IS NOT NULL AND scope IS NOT NULL ORDER BY scope",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // The players snapshot (~15 000 rows, the biggest write by far) first,
    // so that writing it overlaps reading the rest instead of trailing it.
    scopes.sort_by_key(|s| !matches!(s.parse::<Scope>(), Ok(Scope::Players)));
    let seen_max = snap
        .query_opt(
            "SELECT id_ms, id_seq FROM pipeline.event_log ORDER BY id_ms DESC, id_seq DESC LIMIT 1",
            &[],
        )
        .await?
        .map(|r| StreamId {
            ms: r.get(0),
            seq: r.get(1),
        })
        .unwrap_or_default();
    let read = AtomicU64::new(0);
    let archive = Archive {
        snap: &snap,
        max_body,
        read: &read,
    };
    let (send, received) = tokio::sync::mpsc::channel(COMPACTED_AHEAD);
    tokio::try_join!(
        read_scopes(&archive, &scopes, send),
        write_scopes(
            &archive,
            shadow,
            received,
            scopes.len() as u64,
            progress,
            report
        ),
    )?;
    report.events_read += read.load(Ordering::Relaxed);
    snap.commit().await?;
    Ok((watermark, seen_max))
}

/// The archive snapshot a build reads, and what it counts.
struct Archive<'a> {
    snap: &'a Transaction<'a>,
    max_body: usize,
    /// Archived events decoded so far.
    read: &'a AtomicU64,
}

/// The reading half of [`build_snapshot`]: every scope compacted, in order
/// (`None` when a scope has no projectable event), [`SCOPES_AT_ONCE`] at a
/// time: one scope's queries wait on Postgres while another's events are
/// projected.
async fn read_scopes<'s>(
    archive: &Archive<'_>,
    scopes: &'s [String],
    send: tokio::sync::mpsc::Sender<(&'s str, Option<Compacted>)>,
) -> Result<(), tokio_postgres::Error> {
    let mut blocked = std::time::Duration::ZERO;
    let t0 = Instant::now();
    let mut compacted = futures::stream::iter(scopes)
        .map(|scope| async move {
            let c = compact(archive, scope, NEWEST).await?;
            Ok::<_, tokio_postgres::Error>((scope.as_str(), c))
        })
        .buffered(SCOPES_AT_ONCE);
    while let Some(next) = compacted.next().await {
        let t = Instant::now();
        let r = send.send(next?).await;
        blocked += t.elapsed();
        if r.is_err() {
            // The writing half has stopped; its error is the one reported.
            break;
        }
    }
    tracing::debug!(
        seconds = t0.elapsed().as_secs_f64(),
        waited_on_writes = blocked.as_secs_f64(),
        "rebuild: every scope read and compacted"
    );
    Ok(())
}

/// The writing half of [`build_snapshot`]: compacted scopes written
/// together, [`SCOPES_PER_TX`] scopes per shadow transaction.
async fn write_scopes(
    archive: &Archive<'_>,
    shadow: &mut Client,
    mut received: tokio::sync::mpsc::Receiver<(&str, Option<Compacted>)>,
    total: u64,
    progress: &mut dyn Progress,
    report: &mut RebuildReport,
) -> Result<(), tokio_postgres::Error> {
    let mut series = SeriesBuffer::default();
    let mut done = 0u64;
    let mut tx = shadow.transaction().await?;
    let mut pending = Pending::default();
    let mut waited = std::time::Duration::ZERO;
    let t0 = Instant::now();
    loop {
        let t = Instant::now();
        let Some((scope, c)) = received.recv().await else {
            break;
        };
        waited += t.elapsed();
        if let Some(c) = c {
            pending.push(scope, c);
        }
        if pending.rows >= PENDING_FLUSH_ROWS {
            pending.write(archive, &mut tx, &mut series, report).await?;
        }
        if series.rows >= SERIES_FLUSH_ROWS {
            report.rows += series.flush(&tx).await?;
        }
        done += 1;
        if done % SCOPES_PER_TX as u64 == 0 {
            pending.write(archive, &mut tx, &mut series, report).await?;
            report.rows += series.flush(&tx).await?;
            tx.commit().await?;
            tx = shadow.transaction().await?;
            progress.update(done, total, &so_far(report, archive));
        }
    }
    pending.write(archive, &mut tx, &mut series, report).await?;
    report.rows += series.flush(&tx).await?;
    tx.commit().await?;
    progress.update(done, total, &so_far(report, archive));
    tracing::debug!(
        seconds = t0.elapsed().as_secs_f64(),
        waited_on_reads = waited.as_secs_f64(),
        "rebuild: every compacted scope written"
    );
    Ok(())
}

/// The report as it stands mid-build: the writing half's counts plus the
/// events the reading half has decoded so far.
fn so_far(report: &RebuildReport, archive: &Archive<'_>) -> RebuildReport {
    RebuildReport {
        events_read: report.events_read + archive.read.load(Ordering::Relaxed),
        ..report.clone()
    }
}

/// Series rows of many events, written together.
#[derive(Default)]
struct SeriesBuffer {
    tables: Vec<TableRows>,
    rows: usize,
}

impl SeriesBuffer {
    fn add(&mut self, series: Vec<TableRows>) {
        self.rows += series.iter().map(|t| t.rows.len()).sum::<usize>();
        self.tables.extend(series);
    }

    /// COPY, each table once: every sample is its event's, and each event
    /// is read once, so none is in the shadow yet.
    async fn flush(&mut self, tx: &Transaction<'_>) -> Result<u64, tokio_postgres::Error> {
        let n = copy_in::copy_tables(tx, &self.tables).await?;
        self.tables.clear();
        self.rows = 0;
        Ok(n)
    }
}

/// One decodable archived event.
struct Archived {
    id: StreamId,
    env: Envelope,
}

/// One page of a scope's archive, newest first: the rows' ids and envelope
/// bytes, undecoded.
struct Page {
    rows: Vec<(StreamId, Vec<u8>)>,
    /// The oldest id of the page (the next page's cursor); `None` when empty.
    last: Option<StreamId>,
}

/// Up to `limit` archived events of `scope` older than `before`, newest first.
async fn older(
    snap: &Transaction<'_>,
    scope: &str,
    before: StreamId,
    limit: i64,
) -> Result<Page, tokio_postgres::Error> {
    let rows = snap
        .query(
            "SELECT id_ms, id_seq, envelope FROM pipeline.event_log
             WHERE scope = $1 AND decodable AND envelope IS NOT NULL AND (id_ms, id_seq) < ($2, $3)
             ORDER BY id_ms DESC, id_seq DESC LIMIT $4",
            &[&scope, &before.ms, &before.seq, &limit],
        )
        .await?;
    let mut page = Page {
        rows: Vec::with_capacity(rows.len()),
        last: None,
    };
    for r in rows {
        let id = StreamId {
            ms: r.get(0),
            seq: r.get(1),
        };
        page.last = Some(id);
        if let Some(bytes) = r.get::<_, Option<Vec<u8>>>(2) {
            page.rows.push((id, bytes));
        }
    }
    Ok(page)
}

/// An archived envelope of `scope`, if it decodes as one.
fn decode_archived(bytes: &[u8], scope: &str, max_body: usize) -> Option<Envelope> {
    decode_envelope(bytes, max_body)
        .ok()
        .filter(|env| env.scope == scope)
}

/// What an older event contributes: its series samples and the rows of
/// tables that keep absent rows. The rest is dropped where it was made, on
/// the blocking thread, without deduplicating it — freeing a projection's
/// many small allocations on another thread cost more than making them.
fn history_table(t: &Table) -> bool {
    matches!(t.mode, Mode::Series | Mode::KeepAbsent { .. })
}

/// Decode and project a page's events on the blocking pool, in as many
/// parallel chunks as there are cores (the rebuild's work is mostly this:
/// every event of a scope with series samples is read). In page order:
/// `None` for an undecodable event, `Some(None)` for an unprojectable one.
async fn project_page(
    rows: Vec<(StreamId, Vec<u8>)>,
    scope: &str,
    max_body: usize,
) -> Vec<Option<Option<Projection>>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_chunk = rows.len().div_ceil(cores).max(1);
    let mut rows = rows.into_iter();
    let mut chunks = Vec::new();
    loop {
        let chunk: Vec<(StreamId, Vec<u8>)> = rows.by_ref().take(per_chunk).collect();
        if chunk.is_empty() {
            break;
        }
        let scope = scope.to_string();
        chunks.push(tokio::task::spawn_blocking(move || {
            chunk
                .iter()
                .map(|(id, bytes)| {
                    decode_archived(bytes, &scope, max_body)
                        .map(|env| project_tables(*id, &env, history_table).ok())
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for chunk in chunks {
        match chunk.await {
            Ok(results) => out.extend(results),
            // A panicking projection (a bug): resurface it, as inline would.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}

/// A scope compacted: its newest projectable event (at or below a cursor),
/// with the kept rows of its older events merged in, and their series
/// samples.
struct Compacted {
    newest: Archived,
    projection: Projection,
    older_series: Vec<TableRows>,
    /// Where the next candidate is looked for if this one is rejected.
    cursor: StreamId,
}

impl Compacted {
    fn snapshot_rows(&self) -> usize {
        self.projection.snapshot.iter().map(|t| t.rows.len()).sum()
    }

    fn into_series(self) -> Vec<TableRows> {
        let mut series = self.projection.series;
        series.extend(self.older_series);
        series
    }
}

/// Above the newest event of every scope.
const NEWEST: StreamId = StreamId {
    ms: i64::MAX,
    seq: i64::MAX,
};

/// Compact `scope` from the events below `cursor`; `None` if none is
/// projectable (the scope stays absent, as live).
async fn compact(
    archive: &Archive<'_>,
    scope: &str,
    mut cursor: StreamId,
) -> Result<Option<Compacted>, tokio_postgres::Error> {
    let Archive {
        snap,
        max_body,
        read,
    } = *archive;
    // The newest projectable event at or below the cursor.
    let (newest, mut projection) =
        loop {
            let page = older(snap, scope, cursor, 1).await?;
            let Some(last) = page.last else {
                return Ok(None);
            };
            cursor = last;
            let Some((id, env)) = page.rows.into_iter().find_map(|(id, bytes)| {
                decode_archived(&bytes, scope, max_body).map(|env| (id, env))
            }) else {
                continue;
            };
            read.fetch_add(1, Ordering::Relaxed);
            match project(id, &env) {
                Ok(p) => break (Archived { id, env }, p),
                Err(_) => continue,
            }
        };
    let mut older_series: Vec<TableRows> = Vec::new();
    if needs_history(&projection) {
        let mut kept = KeptRows::new(&projection);
        let mut page = older(snap, scope, cursor, PAGE).await?;
        while let Some(last) = page.last {
            // The next page is read while this one is decoded and projected.
            let (next, projected) = tokio::join!(
                older(snap, scope, last, PAGE),
                project_page(std::mem::take(&mut page.rows), scope, max_body)
            );
            for p in projected.into_iter().flatten() {
                read.fetch_add(1, Ordering::Relaxed);
                if let Some(p) = p {
                    kept.merge(&p);
                    older_series.extend(p.series);
                }
            }
            page = next?;
        }
        kept.finish(&mut projection);
    }
    Ok(Some(Compacted {
        newest,
        projection,
        older_series,
        cursor,
    }))
}

/// Compacted scopes not yet written, written together.
#[derive(Default)]
struct Pending<'s> {
    scopes: Vec<(&'s str, Compacted)>,
    rows: usize,
}

impl<'s> Pending<'s> {
    fn push(&mut self, scope: &'s str, c: Compacted) {
        self.rows += c.snapshot_rows();
        self.scopes.push((scope, c));
    }

    /// Write every pending scope's snapshot and version under one
    /// savepoint; if Postgres rejects any of it, scope by scope instead.
    async fn write(
        &mut self,
        archive: &Archive<'_>,
        tx: &mut Transaction<'_>,
        series: &mut SeriesBuffer,
        report: &mut RebuildReport,
    ) -> Result<(), tokio_postgres::Error> {
        self.rows = 0;
        if self.scopes.is_empty() {
            return Ok(());
        }
        let sp = tx.savepoint("scopes").await?;
        let all: Vec<&Compacted> = self.scopes.iter().map(|(_, c)| c).collect();
        match write_snapshots(&sp, &all).await {
            Ok(rows) => {
                sp.commit().await?;
                report.rows += rows;
                for (_, c) in self.scopes.drain(..) {
                    series.add(c.into_series());
                }
            }
            Err(e) if is_data_error(&e) => {
                sp.rollback().await?;
                for (scope, c) in std::mem::take(&mut self.scopes) {
                    build_scope(archive, tx, scope, c, series, report).await?;
                }
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Write one scope whose compacted form may be rejected: each rejection
/// falls back to the next newest projectable event.
async fn build_scope(
    archive: &Archive<'_>,
    tx: &mut Transaction<'_>,
    scope: &str,
    first: Compacted,
    series: &mut SeriesBuffer,
    report: &mut RebuildReport,
) -> Result<(), tokio_postgres::Error> {
    let mut next = Some(first);
    while let Some(c) = next {
        let sp = tx.savepoint("scope").await?;
        match write_snapshots(&sp, &[&c]).await {
            Ok(rows) => {
                sp.commit().await?;
                report.rows += rows;
                series.add(c.into_series());
                return Ok(());
            }
            Err(e) if is_data_error(&e) => {
                sp.rollback().await?;
                tracing::warn!(scope, id = %c.newest.id, error = %e, "rebuild: newest event rejected; trying the one before");
                // Its history is recomputed from the next candidate down.
                next = compact(archive, scope, c.cursor).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Write scopes' snapshot rows and versions into the shadow: each table
/// once for all of them.
async fn write_snapshots(
    tx: &Transaction<'_>,
    scopes: &[&Compacted],
) -> Result<u64, tokio_postgres::Error> {
    // The shadow holds none of these scopes' rows yet: COPY, not the live
    // writer. A rejected row fails it with the live writer's data error.
    let rows = copy_in::copy_tables(tx, scopes.iter().flat_map(|c| &c.projection.snapshot)).await?;
    let moves: Vec<versions::Move<'_>> = scopes
        .iter()
        .map(|c| versions::Move {
            scope: &c.newest.env.scope,
            id: c.newest.id,
            kind: c.newest.env.kind.as_str(),
        })
        .collect();
    // The shadow starts empty: every scope (each once) moves.
    versions::move_forward(tx, &moves).await?;
    Ok(rows)
}

/// Archive rows the snapshot may have missed: newer than its newest id, or
/// archived by a transaction that started after its watermark. Oldest first.
async fn read_tail(
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
    max_body: usize,
    mut seen_max: StreamId,
    report: &mut RebuildReport,
) -> Result<StreamId, tokio_postgres::Error> {
    let mut tx = shadow.transaction().await?;
    apply_tail_in(&mut tx, tail, max_body, &mut seen_max, report).await?;
    tx.commit().await?;
    Ok(seen_max)
}

async fn apply_tail_in(
    tx: &mut Transaction<'_>,
    tail: Vec<(StreamId, Vec<u8>)>,
    max_body: usize,
    seen_max: &mut StreamId,
    report: &mut RebuildReport,
) -> Result<(), tokio_postgres::Error> {
    for (id, bytes) in tail {
        *seen_max = (*seen_max).max(id);
        let Ok(env) = decode_envelope(&bytes, max_body) else {
            continue;
        };
        report.events_read += 1;
        report.tail_events += 1;
        match batch::apply_event(tx, id, &env, Guard::Newer).await? {
            batch::Disposition::Projected { rows, .. }
            | batch::Disposition::Superseded { rows, .. } => report.rows += rows,
            batch::Disposition::Dead { .. } => {}
        }
    }
    Ok(())
}

/// The swap transaction (see the module doc), on the shadow session.
async fn swap(
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

/// Ask Hasura to reload its metadata (the tables it tracks are new
/// objects). Best-effort: failures are logged, the rebuild stands.
pub async fn reload_hasura(url: &str, secret: &str) {
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "hasura reload: no HTTP client");
            return;
        }
    };
    let endpoint = format!("{}/v1/metadata", url.trim_end_matches('/'));
    let result = client
        .post(&endpoint)
        .header("x-hasura-admin-secret", secret)
        .json(&serde_json::json!({"type": "reload_metadata", "args": {}}))
        .send()
        .await;
    match result {
        Ok(r) if r.status().is_success() => tracing::info!("hasura metadata reloaded"),
        Ok(r) => tracing::warn!(status = r.status().as_u16(), "hasura reload refused"),
        Err(e) => tracing::warn!(error = %e, "hasura reload failed"),
    }
}
