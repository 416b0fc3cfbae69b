//! Why an entry goes to the dead-letter stream: a stable `reason_code`
//! (the DLQ field `reason_code`, the `reason` label of
//! `sleeper_consumer_dead_letters_total`) and a sentence for people.

use std::fmt;

use sleeper_shared::envelope::DecodeError;

/// The closed set of dead-letter reason codes (docs/design.md rule 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadCode {
    /// Delivered more than `CONSUMER_MAX_DELIVERIES` times: read, never projected.
    MaxDeliveries,
    /// Pending, but no longer in the stream (trimmed or deleted meanwhile).
    Trimmed,
    /// The entry has no `env` field.
    MissingEnvelope,
    /// The envelope is not MessagePack of the expected shape.
    MalformedEnvelope,
    /// The envelope's format version is newer than this binary's.
    UnsupportedVersion,
    /// The envelope names a kind this binary does not know.
    UnknownKind,
    /// The body could not be decompressed.
    Decompress,
    /// The body is over `SLEEPER_MAX_BODY_BYTES`.
    TooLarge,
    /// The scope is of another kind than the envelope says.
    ScopeMismatch,
    /// The scope is not a canonical scope string.
    BadScope,
    /// The payload is not of the shape its kind's projection reads.
    PayloadShape,
    /// Postgres refused the event's rows (SQLSTATE classes 22, 23, or 21000).
    DataError,
}

impl DeadCode {
    /// The `reason_code` written to the DLQ and used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadCode::MaxDeliveries => "max_deliveries",
            DeadCode::Trimmed => "trimmed",
            DeadCode::MissingEnvelope => "missing_envelope",
            DeadCode::MalformedEnvelope => "malformed_envelope",
            DeadCode::UnsupportedVersion => "unsupported_version",
            DeadCode::UnknownKind => "unknown_kind",
            DeadCode::Decompress => "decompress",
            DeadCode::TooLarge => "too_large",
            DeadCode::ScopeMismatch => "scope_mismatch",
            DeadCode::BadScope => "bad_scope",
            DeadCode::PayloadShape => "payload_shape",
            DeadCode::DataError => "data_error",
        }
    }
}

impl fmt::Display for DeadCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one entry is dead-lettered: its code and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadReason {
    pub code: DeadCode,
    pub reason: String,
}

impl DeadReason {
    pub fn new(code: DeadCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

impl From<&DecodeError> for DeadReason {
    fn from(e: &DecodeError) -> Self {
        let code = match e {
            DecodeError::Malformed(_) => DeadCode::MalformedEnvelope,
            DecodeError::UnsupportedVersion(_) => DeadCode::UnsupportedVersion,
            DecodeError::UnknownKind(_) => DeadCode::UnknownKind,
            DecodeError::Decompress(_) => DeadCode::Decompress,
            DecodeError::TooLarge { .. } => DeadCode::TooLarge,
        };
        DeadReason::new(code, e.to_string())
    }
}

impl fmt::Display for DeadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_keep_the_envelope_codec_reason_codes() {
        // The DLQ's reason_code for an undecodable envelope is the codec's
        // own name for the fault: the two must never drift apart.
        let errors = [
            DecodeError::Malformed("x".into()),
            DecodeError::UnsupportedVersion(9),
            DecodeError::UnknownKind("x".into()),
            DecodeError::Decompress("x".into()),
            DecodeError::TooLarge { cap: 1 },
        ];
        for e in &errors {
            assert_eq!(DeadReason::from(e).code.as_str(), e.reason());
        }
    }
}
