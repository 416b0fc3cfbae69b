//! Projections: one pure function per event kind, `event → rows`.
//!
//! A projection reads nothing but its event: no other table, no `now()`, no
//! serial ids (DESIGN rule 3). It returns the complete set of rows its scope
//! owns ([`Mode::Replace`]: rows that left the snapshot are removed) and any
//! time-series samples ([`Mode::Series`]: insert-if-absent, applied even when
//! the snapshot itself is older than what is applied — rule 4). Writing the
//! rows is a separate, generic step (`crate::write`).
//!
//! Adding a kind: a new file here, one line in [`project`], one fixture test.

pub mod parse;
mod state;
pub mod table;

use sleeper_shared::{Envelope, Kind};

pub use table::{Col, ColType, Mode, Table, TableRows, Val};

use crate::stream_id::StreamId;

/// The rows one event yields.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Projection {
    /// Owned rows, applied under the per-scope version guard.
    pub snapshot: Vec<TableRows>,
    /// Samples, applied insert-if-absent regardless of the guard.
    pub series: Vec<TableRows>,
}

/// The payload does not have the shape the projection needs. Permanent:
/// the event goes to the DLQ with this as its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload of {kind} {scope} has an unexpected shape: {detail}")]
pub struct PayloadShape {
    pub kind: Kind,
    pub scope: String,
    pub detail: String,
}

/// Project one event. `id` is its original stream id (its version).
pub fn project(id: StreamId, env: &Envelope) -> Result<Projection, PayloadShape> {
    let shape = |detail: String| PayloadShape {
        kind: env.kind,
        scope: env.scope.clone(),
        detail,
    };
    let ctx = parse::Ctx { id, env };
    match env.kind {
        Kind::State => state::project(&ctx),
        // Kinds whose projection has not been written yet are archived but
        // project nothing; they are listed so the match stays exhaustive.
        _ => Ok(Projection::default()),
    }
    .map_err(|e| shape(e.to_string()))
}
