//! One event applied under its own savepoint: the version guard, the
//! snapshot rows if the guard lets it through, series samples always.
//!
//! This is the path that isolates a bad event — a live batch falls back to
//! it when the coalesced write is rejected — and the one replay (with
//! [`Guard::NotOlder`]) and rebuild's catch-up use.

use sleeper_shared::{Envelope, Kind, StreamId};
use tokio_postgres::types::Type;
use tokio_postgres::Transaction;

use crate::live::dead::{DeadCode, DeadReason};
use crate::project::{project, Projection};
use crate::store::{versions, write};

/// What became of one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Disposition {
    /// Applied (`rows` written), or a no-op for a kind that projects nothing.
    Projected { kind: Kind, rows: u64 },
    /// Older than the scope's applied version: series only.
    Superseded { kind: Kind, rows: u64 },
    /// Goes to the DLQ (`kind` when known, for the metric's label).
    Dead {
        kind: Option<Kind>,
        reason: DeadReason,
    },
}

/// One decoded, projected event, ready to apply.
pub struct Event<'a> {
    /// Its version (original stream id).
    pub id: StreamId,
    pub env: &'a Envelope,
    pub projection: &'a Projection,
}

/// Which versions the guard lets through for a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// The live path: only a version newer than the applied one.
    Newer,
    /// Replay: the applied version itself too (re-write its rows with the
    /// current projection), never an older one.
    NotOlder,
}

/// Whether a Postgres error is about the data of one event (dead-letter it)
/// rather than the connection or the server (retry the batch): data
/// exceptions (22), integrity violations (23), and 21000 — a snapshot
/// carrying one key twice, which the upsert refuses to apply twice.
pub fn is_data_error(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        let c = c.code();
        c.starts_with("22") || c.starts_with("23") || c == "21000"
    })
}

/// The disposition of an event whose payload its projection cannot read.
pub fn shape_error(env: &Envelope, e: &impl std::fmt::Display) -> Disposition {
    Disposition::Dead {
        kind: Some(env.kind),
        reason: DeadReason::new(DeadCode::PayloadShape, e.to_string()),
    }
}

/// Project and apply one event under its own savepoint.
pub async fn apply_event(
    tx: &mut Transaction<'_>,
    id: StreamId,
    env: &Envelope,
    guard: Guard,
) -> Result<Disposition, tokio_postgres::Error> {
    let projection = match project(id, env) {
        Ok(p) => p,
        Err(e) => return Ok(shape_error(env, &e)),
    };
    let event = Event {
        id,
        env,
        projection: &projection,
    };
    apply_projected(tx, &event, guard).await
}

/// [`apply_event`] for an event already projected (replay merges kept rows
/// of older events into the newest projection before applying it). A data
/// error rolls back this event only and makes it [`Disposition::Dead`];
/// any other error is returned (the caller's transaction is then unusable).
pub async fn apply_projected(
    tx: &mut Transaction<'_>,
    event: &Event<'_>,
    guard: Guard,
) -> Result<Disposition, tokio_postgres::Error> {
    let mut sp = tx.savepoint("event").await?;
    match write_event(&mut sp, event, guard).await {
        Ok(d) => {
            sp.commit().await?;
            Ok(d)
        }
        Err(e) if is_data_error(&e) => {
            sp.rollback().await?;
            let reason = match e.as_db_error() {
                Some(db) => format!(
                    "postgres rejected the rows: {} ({})",
                    db.message(),
                    db.code().code()
                ),
                None => e.to_string(),
            };
            Ok(Disposition::Dead {
                kind: Some(event.env.kind),
                reason: DeadReason::new(DeadCode::DataError, reason),
            })
        }
        Err(e) => Err(e),
    }
}

async fn write_event(
    tx: &mut Transaction<'_>,
    &Event {
        id,
        env,
        projection,
    }: &Event<'_>,
    guard: Guard,
) -> Result<Disposition, tokio_postgres::Error> {
    // The guard and the version bump in one statement: the row comes back
    // only if this event's version went in (absent, older, or — replay —
    // equal). Inside the event's savepoint, so a rejected write undoes it.
    let newer = tx
        .query_typed_opt(
            match guard {
                Guard::Newer => versions::IF_NEWER,
                Guard::NotOlder => versions::IF_NOT_OLDER,
            },
            &[
                (&env.scope, Type::TEXT),
                (&id.ms, Type::INT8),
                (&id.seq, Type::INT8),
                (&env.kind.as_str(), Type::TEXT),
            ],
        )
        .await?
        .is_some();
    let mut rows = 0;
    if newer {
        for t in &projection.snapshot {
            rows += write::apply(tx, t).await?;
        }
    }
    for t in &projection.series {
        rows += write::apply(tx, t).await?;
    }
    Ok(if newer {
        Disposition::Projected {
            kind: env.kind,
            rows,
        }
    } else {
        Disposition::Superseded {
            kind: env.kind,
            rows,
        }
    })
}
