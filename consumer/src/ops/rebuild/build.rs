//! Building the shadow from one snapshot of the archive: a reading half
//! compacts scopes (`ops::history`) while a writing half COPYs what it is
//! handed into the shadow (`store::copy_in`).

use std::time::Instant;

use futures::StreamExt;
use sleeper_shared::{Scope, StreamId};
use tokio_postgres::{Client, IsolationLevel, Transaction};

use super::catch_up::read_watermark;
use super::report::{Progress, RebuildError, RebuildReport};
use crate::live::apply::is_data_error;
use crate::ops::history::{compact, Archive, Compacted, Tally, NEWEST};
use crate::project::TableRows;
use crate::store::{copy_in, versions};

/// Scopes written per shadow transaction.
const SCOPES_PER_TX: usize = 200;
/// Series rows buffered before one bulk insert.
const SERIES_FLUSH_ROWS: usize = 5_000;
/// Compacted snapshot rows held before they are written together.
const PENDING_FLUSH_ROWS: usize = 20_000;
/// Compacted scopes the reading half may be ahead of the writing half.
const COMPACTED_AHEAD: usize = 64;
/// Scopes the reading half compacts at once.
const SCOPES_AT_ONCE: usize = 3;

/// What the build reads: archived events from `from` on.
pub(super) struct Source<'a> {
    pub from: StreamId,
    pub tally: &'a Tally,
    /// `SLEEPER_MAX_BODY_BYTES`, for decoding.
    pub max_body: usize,
}

/// Build the shadow from one snapshot of the archive. Returns the catch-up
/// watermark and the newest id the snapshot held.
///
/// Two halves run at once on this task: one reads, decodes and compacts
/// scope after scope; the other writes what the first hands it. Postgres
/// writing one batch of scopes thus overlaps reading and projecting the next
/// (on two cores the build was idle a fifth of the time, each half waiting
/// for the other).
pub(super) async fn build_snapshot(
    reader: &mut Client,
    shadow: &mut Client,
    source: Source<'_>,
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
             WHERE decodable AND envelope IS NOT NULL AND scope IS NOT NULL
               AND (id_ms, id_seq) >= ($1, $2)
             ORDER BY scope",
            &[&source.from.ms, &source.from.seq],
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
    let archive = Archive {
        snap: &snap,
        from: source.from,
        max_body: source.max_body,
        tally: source.tally,
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
    snap.commit().await?;
    Ok((watermark, seen_max))
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
        events_read: archive.tally.read(),
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
