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

use sleeper_shared::envelope::DecodeError;
use sleeper_shared::stream::{FIELD_ENVELOPE, FIELD_ORIG_ID};
use sleeper_shared::{Envelope, Kind, Scope};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Transaction};

use crate::archive::{archive, Archived};
use crate::coalesce;
use crate::project::{project, PayloadShape, Projection};
use crate::read::Entry;
use sleeper_shared::StreamId;
use crate::{versions, write};

/// Every batch holds this advisory lock shared; `rebuild` takes it exclusively to swap.
pub const PROJECTION_LOCK: i64 = 0x5EE9_E45F_0002;

/// What became of one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Disposition {
    /// Applied (`rows` written), or a no-op for a kind that projects nothing.
    Projected { kind: Kind, rows: u64 },
    /// Older than the scope's applied version: series only.
    Superseded { kind: Kind, rows: u64 },
    /// Goes to the DLQ.
    Dead {
        kind: Option<Kind>,
        code: &'static str,
        reason: String,
    },
}

/// The outcome of a batch, in entry order.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub entries: Vec<(String, Disposition)>,
}

/// The batch could not be committed; nothing of it is visible. Retry it.
#[derive(Debug, thiserror::Error)]
#[error("batch not committed (will retry): {0}")]
pub struct Transient(#[from] pub tokio_postgres::Error);

struct Decoded<'a> {
    entry: &'a Entry,
    id: StreamId,
    env: Result<Envelope, (&'static str, String)>,
    /// For an entry dead-lettered unread (too many deliveries): its envelope,
    /// decoded for the archive only, so that rebuild and replay still see it
    /// if it is requeued and projected later.
    archive_only: Option<Envelope>,
}

impl Decoded<'_> {
    fn for_archive(&self) -> Option<&Envelope> {
        self.env.as_ref().ok().or(self.archive_only.as_ref())
    }
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

/// Apply `entries` in one transaction.
pub async fn apply(
    client: &mut Client,
    entries: &[Entry],
    max_body: usize,
    max_deliveries: u64,
) -> Result<BatchOutcome, Transient> {
    let decoded: Vec<Decoded<'_>> = entries
        .iter()
        .map(|e| decode(e, max_body, max_deliveries))
        .collect();
    let mut tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock_shared($1)",
        &[&PROJECTION_LOCK],
    )
    .await?;
    let archived: Vec<Archived<'_>> = decoded
        .iter()
        .map(|d| Archived {
            entry: d.entry,
            id: d.id,
            envelope: d.for_archive(),
        })
        .collect();
    archive(&tx, &archived).await?;
    let scopes: BTreeSet<&str> = decoded
        .iter()
        .filter_map(|d| d.env.as_ref().ok())
        .map(|e| e.scope.as_str())
        .collect();
    lock_scopes(&tx, &scopes).await?;
    drop(scopes);
    // Projections are pure: computed once, used by either path. A body is
    // dropped as soon as it is projected (it is archived already): the rows
    // and the raw body of a 15 MB players snapshot need not coexist.
    let items: Vec<(&str, Item)> = decoded
        .into_iter()
        .map(|d| (d.entry.id.as_str(), Item::project(d)))
        .collect();
    let events: Vec<coalesce::Event<'_>> = items
        .iter()
        .filter_map(|(_, item)| match item {
            Item::Ready {
                id,
                env,
                projection,
            } => Some(coalesce::Event {
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
                None => apply_projected(&mut tx, id, &env, &projection, Guard::Newer).await?,
            },
        };
        outcome.entries.push((entry_id.to_string(), disposition));
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
        match d.env {
            Err((code, reason)) => Item::Dead(Disposition::Dead {
                kind: kind_hint(d.entry),
                code,
                reason,
            }),
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

fn shape_error(env: &Envelope, e: &PayloadShape) -> Disposition {
    Disposition::Dead {
        kind: Some(env.kind),
        code: "payload_shape",
        reason: e.to_string(),
    }
}

fn kind_hint(entry: &Entry) -> Option<Kind> {
    entry.text("kind").and_then(|k| k.parse().ok())
}

/// The event's version: its original stream id. A requeued dead letter
/// carries it in `orig_id`; anything else is its own id.
pub fn version_of(entry: &Entry) -> StreamId {
    entry
        .text(FIELD_ORIG_ID)
        .and_then(|s| s.parse::<StreamId>().ok())
        .or_else(|| entry.id.parse::<StreamId>().ok())
        .unwrap_or_default()
}

fn decode(entry: &Entry, max_body: usize, max_deliveries: u64) -> Decoded<'_> {
    let id = version_of(entry);
    let mut archive_only = None;
    let env = if entry.deliveries > max_deliveries {
        // Projecting it is what may crash the process, not decoding (the
        // decoder is fuzzed): decode it for the archive, project nothing.
        archive_only = entry
            .field(FIELD_ENVELOPE)
            .and_then(|b| decode_envelope(b, max_body).ok());
        Err((
            "max_deliveries",
            format!(
                "delivered {} times (limit {max_deliveries})",
                entry.deliveries
            ),
        ))
    } else if entry.fields.is_empty() {
        Err((
            "trimmed",
            "entry no longer in the stream (trimmed while pending)".to_string(),
        ))
    } else {
        match entry.field(FIELD_ENVELOPE) {
            None => Err(("missing_envelope", format!("no `{FIELD_ENVELOPE}` field"))),
            Some(bytes) => decode_envelope(bytes, max_body),
        }
    };
    Decoded {
        entry,
        id,
        env,
        archive_only,
    }
}

/// Decode an envelope's wire bytes and check its scope — what the live path
/// accepts (also used by replay and rebuild on archived envelopes).
pub fn decode_envelope(bytes: &[u8], max_body: usize) -> Result<Envelope, (&'static str, String)> {
    Envelope::decode(bytes, max_body)
        .map_err(|e: DecodeError| (e.reason(), e.to_string()))
        .and_then(check_scope)
}

/// The scope must be canonical and of the envelope's kind.
fn check_scope(env: Envelope) -> Result<Envelope, (&'static str, String)> {
    match env.scope.parse::<Scope>() {
        Ok(s) if s.kind() == env.kind => Ok(env),
        Ok(s) => Err((
            "scope_mismatch",
            format!(
                "scope {} is a {}, envelope says {}",
                env.scope,
                s.kind(),
                env.kind
            ),
        )),
        Err(e) => Err(("bad_scope", e.to_string())),
    }
}

/// Lock the scopes' advisory locks in sorted order (also used by replay).
pub async fn lock_scopes(
    tx: &Transaction<'_>,
    scopes: &BTreeSet<&str>,
) -> Result<(), tokio_postgres::Error> {
    if scopes.is_empty() {
        return Ok(());
    }
    let sorted: Vec<&str> = scopes.iter().copied().collect();
    // One lock per scope, taken in sorted order; hash collisions only serialize more.
    tx.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(s, 0)))
         FROM (SELECT s FROM unnest($1::text[]) AS s ORDER BY s) AS sorted",
        &[&sorted],
    )
    .await?;
    Ok(())
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

/// Project and apply one event under its own savepoint (see the module doc).
/// Reused by replay (with [`Guard::NotOlder`]) and by rebuild's tail.
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
    apply_projected(tx, id, env, &projection, guard).await
}

/// [`apply_event`] for an event already projected (replay merges kept rows
/// of older events into the newest projection before applying it).
pub async fn apply_projected(
    tx: &mut Transaction<'_>,
    id: StreamId,
    env: &Envelope,
    projection: &Projection,
    guard: Guard,
) -> Result<Disposition, tokio_postgres::Error> {
    let mut sp = tx.savepoint("event").await?;
    match write_event(&mut sp, id, env, projection, guard).await {
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
                kind: Some(env.kind),
                code: "data_error",
                reason,
            })
        }
        Err(e) => Err(e),
    }
}

async fn write_event(
    tx: &mut Transaction<'_>,
    id: StreamId,
    env: &Envelope,
    projection: &Projection,
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

/// SQLSTATEs that are transient by DESIGN rule 6 (for logs and tests).
pub fn is_transient_state(code: &SqlState) -> bool {
    let c = code.code();
    c.starts_with("08") || c == "40001" || c == "40P01" || c == "57P01"
}
