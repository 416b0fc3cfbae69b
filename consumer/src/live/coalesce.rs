//! The fast path of a batch: its snapshots coalesced to the newest per scope,
//! and every table written once for the whole batch.
//!
//! Applied one by one, each event costs a savepoint, a version check and a
//! round trip per table, while most of a batch is the same few tables' rows
//! for many scopes. Here a batch is one read of its scopes' applied versions,
//! one version upsert, and per table one retire and one insert, every table's
//! statements pipelined on the connection at once.
//!
//! The tables end exactly as applying the events in order leaves them (the
//! per-event path, `batch::apply_projected`):
//! - per scope only events newer than its applied version count; the newest
//!   of them is written (a snapshot is its owner's whole truth) and the
//!   others are superseded by it;
//! - rows the older ones carried in tables that keep absent rows (league
//!   members) are merged in flagged as gone, as rebuild does (`Compaction`);
//! - series samples of every event are written, insert-if-absent.
//!
//! What it cannot do is isolate one bad event: a statement Postgres rejects
//! fails the whole fast path, and `batch` rolls back to before it and applies
//! the batch event by event, each under its own savepoint.

use std::borrow::Cow;
use std::collections::BTreeMap;

use tokio_postgres::Transaction;

use crate::live::apply::{Disposition, Event};
use crate::project::kept::Compaction;
use crate::project::{Projection, TableRows};
use crate::store::{versions, write};

/// Apply `events` (the batch's projectable events, in stream order) and say
/// what became of each, in the same order. The scopes must be locked.
pub async fn apply(
    tx: &Transaction<'_>,
    events: &[Event<'_>],
) -> Result<Vec<Disposition>, tokio_postgres::Error> {
    let mut scopes: Vec<&str> = events.iter().map(|e| e.env.scope.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let applied = versions::applied(tx, &scopes).await?;
    // Per scope, the events newer than its applied version, newest first.
    let mut newer: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if applied.get(e.env.scope.as_str()).is_none_or(|v| e.id > *v) {
            newer.entry(e.env.scope.as_str()).or_default().push(i);
        }
    }
    let mut winners: Vec<(usize, Cow<'_, Projection>)> = Vec::with_capacity(newer.len());
    for candidates in newer.values_mut() {
        // Stable: of two deliveries of one id the first stays the winner.
        candidates.sort_by(|a, b| events[*b].id.cmp(&events[*a].id));
        let newest = candidates[0];
        let mut compaction = Compaction::new(Cow::Borrowed(events[newest].projection));
        for &older in &candidates[1..] {
            compaction.add_older(events[older].projection);
        }
        winners.push((newest, compaction.finish()));
    }
    let moves: Vec<versions::Move<'_>> = winners
        .iter()
        .map(|(i, _)| versions::Move {
            scope: &events[*i].env.scope,
            id: events[*i].id,
            kind: events[*i].env.kind.as_str(),
        })
        .collect();
    let moved = versions::move_forward(tx, &moves).await?;
    // Under the scopes' locks, nothing else moved them: every winner moves.
    winners.retain(|(i, _)| moved.contains(events[*i].env.scope.as_str()));

    let mut dispositions: Vec<Disposition> = events
        .iter()
        .map(|e| Disposition::Superseded {
            kind: e.env.kind,
            rows: rows_of(&e.projection.series),
        })
        .collect();
    for (i, p) in &winners {
        dispositions[*i] = Disposition::Projected {
            kind: events[*i].env.kind,
            rows: rows_of(&p.snapshot) + rows_of(&p.series),
        };
    }

    let snapshots = winners.iter().flat_map(|(_, p)| p.snapshot.iter());
    let series = events.iter().flat_map(|e| e.projection.series.iter());
    write::apply_tables(tx, snapshots.chain(series)).await?;
    Ok(dispositions)
}

fn rows_of(tables: &[TableRows]) -> u64 {
    tables.iter().map(|t| t.rows.len() as u64).sum()
}
