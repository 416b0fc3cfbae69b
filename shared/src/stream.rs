//! The stream's shape: entry field names and every Redis key the project
//! writes, all derived from `STREAM_KEY` so that several deployments (or
//! tests) can share one Redis without seeing each other.

/// Field holding the event kind in plain text (readable with `XRANGE`).
pub const FIELD_KIND: &str = "kind";
/// Field holding the canonical scope in plain text.
pub const FIELD_SCOPE: &str = "scope";
/// Field holding the MessagePack envelope.
pub const FIELD_ENVELOPE: &str = "env";
/// DLQ field: the original stream id (the event's version).
pub const FIELD_ORIG_ID: &str = "orig_id";
/// DLQ field: why the entry was dead-lettered.
pub const FIELD_REASON: &str = "reason";
/// DLQ field: the short reason label (as in `sleeper_dead_letters_total`).
pub const FIELD_REASON_CODE: &str = "reason_code";
/// DLQ field: the consumer that gave up on it.
pub const FIELD_CONSUMER: &str = "consumer";

/// Every key derived from one `STREAM_KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamKeys {
    stream: String,
}

impl StreamKeys {
    /// Keys for the stream named `stream`.
    pub fn new(stream: impl Into<String>) -> Self {
        Self {
            stream: stream.into(),
        }
    }

    /// The main stream.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Dead letters.
    pub fn dlq(&self) -> String {
        format!("{}:dlq", self.stream)
    }

    /// Hash: scope → content hash of the last appended snapshot.
    pub fn hashes(&self) -> String {
        format!("{}:hashes", self.stream)
    }

    /// Hash: scope → ticket of the last appended snapshot.
    pub fn appended_tickets(&self) -> String {
        format!("{}:appended", self.stream)
    }

    /// Hash: scope → last ticket handed out (`HINCRBY`).
    pub fn tickets(&self) -> String {
        format!("{}:tickets", self.stream)
    }

    /// Hash: scope → last successful fetch time (ms), for `once` and restarts.
    pub fn fetched_at(&self) -> String {
        format!("{}:fetched_at", self.stream)
    }

    /// Hash: scope → ETag Sleeper sent with the last appended snapshot.
    pub fn etags(&self) -> String {
        format!("{}:etags", self.stream)
    }

    /// Default key of the shared request quota (`SLEEPER_QUOTA_KEY` overrides).
    pub fn default_quota(&self) -> String {
        format!("{}:quota", self.stream)
    }

    /// Hash: consumer name → projection version and heartbeat.
    pub fn consumers_registry(&self) -> String {
        format!("{}:consumers", self.stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_prefixed_by_the_stream_key() {
        let k = StreamKeys::new("t1:events");
        for key in [
            k.dlq(),
            k.hashes(),
            k.appended_tickets(),
            k.tickets(),
            k.fetched_at(),
            k.etags(),
            k.default_quota(),
            k.consumers_registry(),
        ] {
            assert!(key.starts_with("t1:events:"), "{key}");
        }
        assert_eq!(k.dlq(), "t1:events:dlq");
    }
}
