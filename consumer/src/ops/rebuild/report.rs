//! What a rebuild reports: its summary, its progress, why it refused.

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
    /// Scopes in the new tables.
    pub scopes: u64,
    /// Rows written into the shadow.
    pub rows: u64,
    /// Events applied after the snapshot (catch-up and swap).
    pub tail_events: u64,
    /// How long live projectors were paused (the swap transaction's lock hold).
    pub pause_seconds: f64,
    /// Creating the shadow schema (the projection migrations).
    pub shadow_seconds: f64,
    /// Building the shadow from the archive snapshot (compaction and writes).
    pub build_seconds: f64,
    pub seconds: f64,
}

impl RebuildReport {
    /// The closing summary line.
    pub fn summary(&self) -> String {
        format!(
            "rebuild: {} events read, {} scopes, {} rows, {} tail events, {:.1}s (shadow schema {:.1}s, build {:.1}s; live projection paused {:.3}s)",
            self.events_read, self.scopes, self.rows, self.tail_events, self.seconds,
            self.shadow_seconds, self.build_seconds, self.pause_seconds
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
