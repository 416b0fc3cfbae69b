//! A scope's history in the archive, compacted: its newest projectable
//! event, the kept rows of its older events merged in (`project::kept`), and
//! the older events' series samples. What `replay` and `rebuild` apply for
//! each scope instead of every event (snapshot work grows with scopes, not
//! events); the live path does the same for a batch in `live::coalesce`.
//!
//! Undecodable archive rows are skipped: they are in the DLQ.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use sleeper_shared::{Envelope, StreamId};
use tokio_postgres::Transaction;

use crate::live::decode::decode_envelope;
use crate::project::kept::Compaction;
use crate::project::{project, project_tables, Mode, Projection, Table, TableRows};

/// Older events fetched per round trip when a scope is read in full.
const PAGE: i64 = 64;

/// The part of the archive a compaction reads, and what it counts.
pub struct Archive<'a> {
    /// A transaction on the archive (rebuild: one REPEATABLE READ snapshot).
    pub snap: &'a Transaction<'a>,
    /// Events older than this are not read (replay's `--from`; `0-0` reads all).
    pub from: StreamId,
    /// `SLEEPER_MAX_BODY_BYTES`, for decoding.
    pub max_body: usize,
    /// What was read, and how much of it came from the stream.
    pub tally: &'a Tally,
}

/// Events decoded so far, and how many of them the archive held only
/// because they were just read from the stream (`ops::stream_source`).
#[derive(Debug, Default)]
pub struct Tally {
    read: AtomicU64,
    from_stream: AtomicU64,
    stream_ids: HashSet<StreamId>,
}

impl Tally {
    /// A tally that attributes `stream_ids` to the stream.
    pub fn new(stream_ids: HashSet<StreamId>) -> Self {
        Self {
            stream_ids,
            ..Self::default()
        }
    }

    /// Count one decoded event.
    pub fn count(&self, id: StreamId) {
        self.read.fetch_add(1, Ordering::Relaxed);
        if self.stream_ids.contains(&id) {
            self.from_stream.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events decoded so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Of those, events archived from the stream by this run.
    pub fn from_stream(&self) -> u64 {
        self.from_stream.load(Ordering::Relaxed)
    }
}

/// One decodable archived event.
pub struct Archived {
    pub id: StreamId,
    pub env: Envelope,
}

/// One page of a scope's archive, newest first: the rows' ids and envelope
/// bytes, undecoded.
struct Page {
    rows: Vec<(StreamId, Vec<u8>)>,
    /// The oldest id of the page (the next page's cursor); `None` when empty.
    last: Option<StreamId>,
}

/// Up to `limit` archived events of `scope` older than `before` and not
/// older than `archive.from`, newest first.
async fn older(
    archive: &Archive<'_>,
    scope: &str,
    before: StreamId,
    limit: i64,
) -> Result<Page, tokio_postgres::Error> {
    let from = archive.from;
    let rows = archive
        .snap
        .query(
            "SELECT id_ms, id_seq, envelope FROM pipeline.event_log
             WHERE scope = $1 AND decodable AND envelope IS NOT NULL
               AND (id_ms, id_seq) < ($2, $3) AND (id_ms, id_seq) >= ($5, $6)
             ORDER BY id_ms DESC, id_seq DESC LIMIT $4",
            &[&scope, &before.ms, &before.seq, &limit, &from.ms, &from.seq],
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

/// A scope compacted: its newest projectable event (below a cursor), with
/// the kept rows of its older events merged in, and their series samples.
pub struct Compacted {
    pub newest: Archived,
    /// The newest event's projection, older kept rows merged in.
    pub projection: Projection,
    /// The series samples of the older events read.
    pub older_series: Vec<TableRows>,
    /// Where the next candidate is looked for if this one is rejected.
    pub cursor: StreamId,
}

impl Compacted {
    /// Rows of the compacted snapshot (series aside).
    pub fn snapshot_rows(&self) -> usize {
        self.projection.snapshot.iter().map(|t| t.rows.len()).sum()
    }

    /// Every series sample: the newest event's and the older ones'.
    pub fn into_series(self) -> Vec<TableRows> {
        let mut series = self.projection.series;
        series.extend(self.older_series);
        series
    }
}

/// Above the newest event of every scope: the cursor that starts a scope.
pub const NEWEST: StreamId = StreamId {
    ms: i64::MAX,
    seq: i64::MAX,
};

/// Compact `scope` from the events below `cursor` (and not older than
/// `archive.from`); `None` if none is projectable (the scope stays absent,
/// as live).
pub async fn compact(
    archive: &Archive<'_>,
    scope: &str,
    mut cursor: StreamId,
) -> Result<Option<Compacted>, tokio_postgres::Error> {
    let (max_body, tally) = (archive.max_body, archive.tally);
    // The newest projectable event below the cursor.
    let (newest, projection) =
        loop {
            let page = older(archive, scope, cursor, 1).await?;
            let Some(last) = page.last else {
                return Ok(None);
            };
            cursor = last;
            let Some((id, env)) = page.rows.into_iter().find_map(|(id, bytes)| {
                decode_archived(&bytes, scope, max_body).map(|env| (id, env))
            }) else {
                continue;
            };
            tally.count(id);
            match project(id, &env) {
                Ok(p) => break (Archived { id, env }, p),
                Err(_) => continue,
            }
        };
    let mut older_series: Vec<TableRows> = Vec::new();
    let mut compaction = Compaction::new(Cow::Owned(projection));
    if compaction.needs_older() {
        let mut page = older(archive, scope, cursor, PAGE).await?;
        while let Some(last) = page.last {
            let ids: Vec<StreamId> = page.rows.iter().map(|(id, _)| *id).collect();
            // The next page is read while this one is decoded and projected.
            let (next, projected) = tokio::join!(
                older(archive, scope, last, PAGE),
                project_page(std::mem::take(&mut page.rows), scope, max_body)
            );
            for (id, p) in ids.into_iter().zip(projected) {
                let Some(p) = p else {
                    continue;
                };
                tally.count(id);
                if let Some(p) = p {
                    compaction.add_older(&p);
                    older_series.extend(p.series);
                }
            }
            page = next?;
        }
    }
    Ok(Some(Compacted {
        newest,
        projection: compaction.finish().into_owned(),
        older_series,
        cursor,
    }))
}
