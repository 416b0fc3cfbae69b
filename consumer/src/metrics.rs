//! The consumer's metrics, as named in docs/design.md ("Metrics"), behind small named methods.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry};
use sleeper_shared::lag::LagMetrics;

/// Every consumer metric, registered in one registry.
#[derive(Clone)]
pub struct ConsumerMetrics {
    projected: IntCounterVec,
    superseded: IntCounterVec,
    rows: IntCounterVec,
    batch_seconds: Histogram,
    dead_letters: IntCounterVec,
    dlq_length: IntGauge,
    retries: IntCounterVec,
    /// Group lag, exported by both binaries.
    pub lag: LagMetrics,
}

impl ConsumerMetrics {
    /// Create and register everything in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let counter =
            |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntCounterVec> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let batch_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "sleeper_projection_batch_seconds",
                "Time to apply and commit one batch",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        registry.register(Box::new(batch_seconds.clone()))?;
        let dlq_length = IntGauge::new("sleeper_dlq_length", "Entries in the dead-letter stream")?;
        registry.register(Box::new(dlq_length.clone()))?;
        Ok(Self {
            projected: counter(
                "sleeper_events_projected_total",
                "Events applied (newer than the applied version)",
                &["kind"],
            )?,
            superseded: counter(
                "sleeper_events_superseded_total",
                "Events older than the applied version (series only)",
                &["kind"],
            )?,
            rows: counter(
                "sleeper_rows_written_total",
                "Rows applied by projections: the rows each event carried, now current (unchanged ones are checked, not rewritten)",
                &["kind"],
            )?,
            batch_seconds,
            dead_letters: counter(
                "sleeper_dead_letters_total",
                "Entries moved to the DLQ",
                &["kind", "reason"],
            )?,
            dlq_length,
            retries: counter(
                "sleeper_batch_retries_total",
                "Batches retried after a transient error",
                &["source"],
            )?,
            lag: LagMetrics::register(registry)?,
        })
    }

    pub fn projected(&self, kind: &str, rows: u64) {
        self.projected.with_label_values(&[kind]).inc();
        self.rows.with_label_values(&[kind]).inc_by(rows);
    }

    pub fn superseded(&self, kind: &str, rows: u64) {
        self.superseded.with_label_values(&[kind]).inc();
        self.rows.with_label_values(&[kind]).inc_by(rows);
    }

    pub fn batch(&self, seconds: f64) {
        self.batch_seconds.observe(seconds);
    }

    pub fn dead_letter(&self, kind: &str, reason: &str) {
        self.dead_letters.with_label_values(&[kind, reason]).inc();
    }

    pub fn dlq_length(&self, n: u64) {
        self.dlq_length.set(n as i64);
    }

    /// A transient failure (`postgres` or `redis`).
    pub fn retry(&self, source: &str) {
        self.retries.with_label_values(&[source]).inc();
    }
}
