//! What a rebuild reports: its summary, its progress, why it refused.

use super::loss::Loss;
use crate::ops::stream_source::{SourceError, StreamRead};
use crate::store::migrate::MigrateError;

/// Why a rebuild failed or refused.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("another rebuild is running on this database")]
    Busy,
    #[error("live consumer(s) run an older projection version than this binary ({mine}): {}; upgrade or stop them first", list(.outdated))]
    Outdated {
        mine: u32,
        outdated: Vec<(String, u32)>,
    },
    #[error("schema {0} does not exist; run `sleeper-consumer migrate` first")]
    NotMigrated(&'static str),
    #[error("the rebuilt tables would lose what the live tables hold: {0}; nothing was swapped. The archive and the stream no longer hold those events: restore the archive (pipeline.event_log) or the stream, or pass --allow-loss to drop them deliberately")]
    WouldLose(Loss),
    #[error("{what}, so a rebuild would empty every table ({live_scopes} scope(s) are live); nothing was changed. Restore the archive (pipeline.event_log) or the stream, or pass --allow-loss to empty the tables deliberately")]
    NothingToBuildFrom {
        what: &'static str,
        live_scopes: u64,
    },
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    Migrate(#[from] MigrateError),
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
}

fn list(v: &[(String, u32)]) -> String {
    v.iter()
        .map(|(n, ver)| format!("{n} (version {ver})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RebuildReport {
    /// Archived events decoded (snapshot and series reads, tail included).
    pub events_read: u64,
    /// Of those, events the archive held only because this run read them
    /// from the stream.
    pub events_from_stream: u64,
    /// What reading the stream into the archive did (`None`: not read).
    pub stream: Option<StreamRead>,
    /// What the new tables lack against the live ones (compared before the
    /// swap; empty unless `--allow-loss` let it through, or a dry run).
    pub loss: Loss,
    /// Whether the new tables were swapped in (false for a dry run).
    pub swapped: bool,
    /// Scopes in the new tables.
    pub scopes: u64,
    /// Rows written into the shadow.
    pub rows: u64,
    /// Events applied after the snapshot (catch-up and swap).
    pub tail_events: u64,
    /// How long live projectors were paused (the swap transaction's lock hold).
    pub pause_seconds: f64,
    /// Creating the shadow schema (the projection migrations), while the
    /// stream is read into the archive.
    pub shadow_seconds: f64,
    /// Building the shadow from the archive snapshot (compaction and writes).
    pub build_seconds: f64,
    pub seconds: f64,
}

impl RebuildReport {
    /// The closing summary line.
    pub fn summary(&self) -> String {
        let stream = match &self.stream {
            Some(s) => format!(
                "{} entries read from the stream, {} archived now",
                s.read, s.archived
            ),
            None => "stream not read".to_string(),
        };
        let outcome = if self.swapped {
            format!(
                "swapped in; live projection paused {:.3}s",
                self.pause_seconds
            )
        } else {
            "dry run: nothing swapped".to_string()
        };
        let loss = if self.loss.is_empty() {
            "nothing lost against the live tables".to_string()
        } else {
            format!("lost against the live tables: {}", self.loss)
        };
        format!(
            "rebuild: {} events read ({} from the archive, {} from the stream; {stream}), {} scopes, {} rows, {} tail events, {:.1}s (shadow schema {:.1}s, build {:.1}s); {loss}; {outcome}",
            self.events_read,
            self.events_read - self.events_from_stream,
            self.events_from_stream,
            self.scopes,
            self.rows,
            self.tail_events,
            self.seconds,
            self.shadow_seconds,
            self.build_seconds,
        )
    }
}

/// Progress as the build goes: (scopes done, scopes total, report so far).
pub trait Progress {
    fn update(&mut self, done: u64, total: u64, report: &RebuildReport);
}

impl<F: FnMut(u64, u64, &RebuildReport)> Progress for F {
    fn update(&mut self, done: u64, total: u64, report: &RebuildReport) {
        self(done, total, report)
    }
}
