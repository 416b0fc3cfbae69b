//! One batch, one transaction: archive → lock scopes → apply → commit.
//! Acking is the caller's, after this returns `Ok`.
//!
//! The protocol (ARCHITECTURE.md, "The transaction protocol"):
//! 1. Entries delivered more than `max_deliveries` times are dead-lettered
//!    unread; the rest are decoded (undecodable ones are dead-lettered) and
//!    projected (a payload of the wrong shape is dead-lettered).
//! 2. Everything is archived, insert-if-absent, before any savepoint.
//! 3. The scopes of the batch are locked in sorted order (no deadlocks
//!    between consumers), under the shared projection lock that `rebuild`'s
//!    swap takes exclusively.
//! 4. The batch is applied as a whole (`coalesce`: the newest snapshot per
//!    scope, each table written once) under one savepoint. If Postgres
//!    rejects any of it, that savepoint is rolled back and each event runs
//!    under its own: the guard skips a snapshot not newer than the scope's
//!    applied version; series samples are written either way. A data error
//!    (SQLSTATE classes 22, 23) rolls back that event only, and it is
//!    dead-lettered; any other error fails the whole batch as transient — it
//!    is retried from memory, never re-read, never dead-lettered.

use std::collections::BTreeSet;

use sleeper_shared::{Envelope, StreamId};
use tokio_postgres::Client;

use crate::live::apply::{apply_projected, shape_error, Disposition, Event, Guard};
use crate::live::coalesce;
use crate::live::decode::{decode, Decoded};
use crate::project::{project, Projection};
use crate::store::archive::{archive, Archived};
use crate::store::derived as store_derived;
use crate::store::locks;
use sleeper_shared::redis_reply::Entry;

/// The outcome of a batch, in entry order.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub entries: Vec<(String, Disposition)>,
}

/// The batch could not be committed; nothing of it is visible. Retry it.
#[derive(Debug, thiserror::Error)]
#[error("batch not committed (will retry): {0}")]
pub struct Transient(#[from] pub tokio_postgres::Error);

/// When a batch recomputes the derived tables of the leagues it wrote
/// (docs/design.md "Derived tables").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// In this transaction, with every league still marked by earlier
    /// deferred batches: the batch's acks may go as soon as it commits.
    Now,
    /// Left marked for a later `Now` batch or refresh; the caller holds the
    /// batch's acks until one commits.
    Later,
}

/// Apply `entries` in one transaction.
pub async fn apply(
    client: &mut Client,
    entries: &[Entry],
    max_body: usize,
    max_deliveries: u64,
    derived: Derived,
) -> Result<BatchOutcome, Transient> {
    let decoded: Vec<Decoded<'_>> = entries
        .iter()
        .map(|e| decode(e, max_body, max_deliveries))
        .collect();
    let mut tx = client.transaction().await?;
    if derived == Derived::Later {
        store_derived::defer_transaction(&tx).await?;
    }
    locks::share_projection(&tx).await?;
    let archived: Vec<Archived<'_>> = decoded.iter().map(Decoded::to_archive).collect();
    archive(&tx, &archived).await?;
    let scopes: BTreeSet<&str> = decoded
        .iter()
        .filter_map(|d| d.env.as_ref().ok())
        .map(|e| e.scope.as_str())
        .collect();
    locks::lock_scopes(&tx, &scopes).await?;
    drop(scopes);
    // Projections are pure: computed once, used by either path. A body is
    // dropped as soon as it is projected (it is archived already): the rows
    // and the raw body of a 15 MB players snapshot need not coexist.
    let items: Vec<(&str, Item)> = decoded
        .into_iter()
        .map(|d| (d.entry.id.as_str(), Item::project(d)))
        .collect();
    let events: Vec<Event<'_>> = items
        .iter()
        .filter_map(|(_, item)| match item {
            Item::Ready {
                id,
                env,
                projection,
            } => Some(Event {
                id: *id,
                env,
                projection,
            }),
            Item::Dead(_) => None,
        })
        .collect();
    let fast = {
        let sp = tx.savepoint("batch").await?;
        match coalesce::apply(&sp, &events).await {
            Ok(applied) => {
                sp.commit().await?;
                Some(applied)
            }
            Err(e) => {
                // A rejected statement (or anything else): none of the fast
                // path stays, and the event-by-event path below finds and
                // classifies the culprit. If even the rollback fails, the
                // connection is gone: the batch is transient.
                sp.rollback().await?;
                tracing::debug!(error = %e, "batch not applicable as a whole; applying event by event");
                None
            }
        }
    };
    drop(events);
    let mut fast = fast.map(Vec::into_iter);
    let mut outcome = BatchOutcome::default();
    for (entry_id, item) in items {
        let disposition = match item {
            Item::Dead(dead) => dead,
            Item::Ready {
                id,
                env,
                projection,
            } => match fast.as_mut().and_then(Iterator::next) {
                Some(applied) => applied,
                None => {
                    let event = Event {
                        id,
                        env: &env,
                        projection: &projection,
                    };
                    apply_projected(&mut tx, &event, Guard::Newer).await?
                }
            },
        };
        outcome.entries.push((entry_id.to_string(), disposition));
    }
    if derived == Derived::Now {
        // Explicitly, not only through the commit trigger: a batch that
        // wrote nothing (all redelivered) must still clear what deferred
        // batches left marked before its acks release theirs.
        store_derived::refresh_marked(&tx).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// An entry after decoding and projecting.
enum Item {
    /// Goes to the DLQ (undecodable, too many deliveries, wrong shape).
    Dead(Disposition),
    /// To apply; `env.body` is emptied (projected and archived already).
    Ready {
        id: StreamId,
        env: Envelope,
        projection: Projection,
    },
}

impl Item {
    fn project(d: Decoded<'_>) -> Item {
        let kind = d.kind_hint();
        match d.env {
            Err(reason) => Item::Dead(Disposition::Dead { kind, reason }),
            Ok(mut env) => match project(d.id, &env) {
                Err(e) => Item::Dead(shape_error(&env, &e)),
                Ok(projection) => {
                    env.body = Vec::new();
                    Item::Ready {
                        id: d.id,
                        env,
                        projection,
                    }
                }
            },
        }
    }
}
