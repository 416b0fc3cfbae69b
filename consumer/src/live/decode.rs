//! From a stream entry to an envelope, or to the reason it is dead-lettered.
//!
//! Delivery counts are looked at before anything is decoded: an entry that
//! crashes the process while projected is still caught by the redelivery
//! limit (docs/design.md rule 6). Archived envelopes (replay, rebuild) pass
//! the same checks through [`decode_envelope`].

use sleeper_shared::stream::{FIELD_ENVELOPE, FIELD_ORIG_ID};
use sleeper_shared::{Envelope, Kind, Scope, StreamId};

use crate::live::dead::{DeadCode, DeadReason};
use crate::store::archive::Archived;
use sleeper_shared::redis_reply::Entry;

/// One entry of a batch, decoded (or not).
pub struct Decoded<'a> {
    pub entry: &'a Entry,
    /// Its version: the original stream id.
    pub id: StreamId,
    pub env: Result<Envelope, DeadReason>,
    /// For an entry dead-lettered unread (too many deliveries): its envelope,
    /// decoded for the archive only, so that rebuild and replay still see it
    /// if it is requeued and projected later.
    pub archive_only: Option<Envelope>,
}

impl Decoded<'_> {
    /// The envelope the archive keeps for this entry, if any decodes.
    pub fn for_archive(&self) -> Option<&Envelope> {
        self.env.as_ref().ok().or(self.archive_only.as_ref())
    }

    /// The row the archive keeps for this entry.
    pub fn to_archive(&self) -> Archived<'_> {
        Archived {
            entry: self.entry,
            id: self.id,
            envelope: self.for_archive(),
        }
    }

    /// The kind the entry's plain `kind` field names, for metrics of an
    /// entry whose envelope did not decode.
    pub fn kind_hint(&self) -> Option<Kind> {
        self.entry.text("kind").and_then(|k| k.parse().ok())
    }
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

/// Decode `entry`, unless it was delivered more than `max_deliveries` times
/// or is gone from the stream.
pub fn decode(entry: &Entry, max_body: usize, max_deliveries: u64) -> Decoded<'_> {
    let id = version_of(entry);
    let mut archive_only = None;
    let env = if entry.deliveries > max_deliveries {
        // Projecting it is what may crash the process, not decoding (the
        // decoder is fuzzed): decode it for the archive, project nothing.
        archive_only = entry
            .field(FIELD_ENVELOPE)
            .and_then(|b| decode_envelope(b, max_body).ok());
        Err(DeadReason::new(
            DeadCode::MaxDeliveries,
            format!(
                "delivered {} times (limit {max_deliveries})",
                entry.deliveries
            ),
        ))
    } else if entry.fields.is_empty() {
        Err(DeadReason::new(
            DeadCode::Trimmed,
            "entry no longer in the stream (trimmed while pending)",
        ))
    } else {
        match entry.field(FIELD_ENVELOPE) {
            None => Err(DeadReason::new(
                DeadCode::MissingEnvelope,
                format!("no `{FIELD_ENVELOPE}` field"),
            )),
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
pub fn decode_envelope(bytes: &[u8], max_body: usize) -> Result<Envelope, DeadReason> {
    Envelope::decode(bytes, max_body)
        .map_err(|e| DeadReason::from(&e))
        .and_then(check_scope)
}

/// The scope must be canonical and of the envelope's kind.
fn check_scope(env: Envelope) -> Result<Envelope, DeadReason> {
    match env.scope.parse::<Scope>() {
        Ok(s) if s.kind() == env.kind => Ok(env),
        Ok(s) => Err(DeadReason::new(
            DeadCode::ScopeMismatch,
            format!(
                "scope {} is a {}, envelope says {}",
                env.scope,
                s.kind(),
                env.kind
            ),
        )),
        Err(e) => Err(DeadReason::new(DeadCode::BadScope, e.to_string())),
    }
}
