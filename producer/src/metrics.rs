//! The producer's metrics, as named in docs/design.md, behind small named
//! methods so that labels stay bounded (kind, endpoint template, status —
//! never an id).

use prometheus::{
    GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
};
use sleeper_shared::lag::LagMetrics;
use sleeper_shared::Kind;

/// Every producer metric, registered in one registry.
#[derive(Clone)]
pub struct ProducerMetrics {
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    ratelimit_wait: Histogram,
    published: IntCounterVec,
    unchanged: IntCounterVec,
    stale: IntCounterVec,
    not_found: IntCounterVec,
    invalid_body: IntCounterVec,
    deferred: IntCounterVec,
    last_success: GaugeVec,
    oldest_age: GaugeVec,
    quota_saturated: IntGauge,
    /// Lag of the consumer groups, exported here too.
    pub lag: LagMetrics,
}

fn counter(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

impl ProducerMetrics {
    /// Create and register everything in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "sleeper_api_request_duration_seconds",
                "Sleeper API request latency",
            )
            .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["endpoint"],
        )?;
        registry.register(Box::new(request_seconds.clone()))?;
        let ratelimit_wait = Histogram::with_opts(
            HistogramOpts::new(
                "sleeper_ratelimit_wait_seconds",
                "Time spent waiting for the shared quota",
            )
            .buckets(vec![0.0, 0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0]),
        )?;
        registry.register(Box::new(ratelimit_wait.clone()))?;
        let last_success = GaugeVec::new(
            Opts::new(
                "sleeper_last_success_timestamp_seconds",
                "Unix time of the last successful fetch of a kind",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(last_success.clone()))?;
        let oldest_age = GaugeVec::new(
            Opts::new(
                "sleeper_oldest_snapshot_age_seconds",
                "Age of the stalest scope of a kind (the stuck league shows)",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(oldest_age.clone()))?;
        let quota_saturated = IntGauge::new(
            "sleeper_quota_saturated",
            "1 while the plan wants more requests than the quota allows",
        )?;
        registry.register(Box::new(quota_saturated.clone()))?;
        Ok(Self {
            requests: counter(
                registry,
                "sleeper_api_requests_total",
                "Sleeper API requests by endpoint and status",
                &["endpoint", "status"],
            )?,
            request_seconds,
            ratelimit_wait,
            published: counter(
                registry,
                "sleeper_events_published_total",
                "Snapshots appended to the stream",
                &["kind"],
            )?,
            unchanged: counter(
                registry,
                "sleeper_snapshots_unchanged_total",
                "Snapshots equal to the last appended one (not appended)",
                &["kind"],
            )?,
            stale: counter(
                registry,
                "sleeper_snapshots_stale_total",
                "Snapshots refused because a newer fetch of the scope was appended first",
                &["kind"],
            )?,
            not_found: counter(
                registry,
                "sleeper_api_not_found_total",
                "Responses with a null body (not found)",
                &["kind"],
            )?,
            invalid_body: counter(
                registry,
                "sleeper_api_invalid_body_total",
                "Responses whose body was not valid JSON (never appended)",
                &["kind"],
            )?,
            deferred: counter(
                registry,
                "sleeper_plan_deferred_total",
                "Scopes due but postponed because the quota was saturated",
                &["kind"],
            )?,
            last_success,
            oldest_age,
            quota_saturated,
            lag: LagMetrics::register(registry)?,
        })
    }

    /// One HTTP exchange finished (`status` is the HTTP status or `error`/`timeout`).
    pub fn request(&self, endpoint: &str, status: &str, seconds: f64) {
        self.requests.with_label_values(&[endpoint, status]).inc();
        self.request_seconds
            .with_label_values(&[endpoint])
            .observe(seconds);
    }

    /// Time spent waiting for a quota slot.
    pub fn quota_wait(&self, seconds: f64) {
        self.ratelimit_wait.observe(seconds);
    }

    /// A snapshot of `kind` was appended: `sleeper_events_published_total{kind}` + 1.
    pub fn published(&self, kind: Kind) {
        self.published.with_label_values(&[kind.as_str()]).inc();
    }

    /// A fetch of `kind` found the content unchanged (a 304, or the same hash): `sleeper_snapshots_unchanged_total{kind}` + 1.
    pub fn unchanged(&self, kind: Kind) {
        self.unchanged.with_label_values(&[kind.as_str()]).inc();
    }

    /// A fetch of `kind` lost the race to a newer one and was dropped: `sleeper_snapshots_stale_total{kind}` + 1.
    pub fn stale(&self, kind: Kind) {
        self.stale.with_label_values(&[kind.as_str()]).inc();
    }

    /// Sleeper had nothing for a scope of `kind` (404 or `null`): `sleeper_api_not_found_total{kind}` + 1.
    pub fn not_found(&self, kind: Kind) {
        self.not_found.with_label_values(&[kind.as_str()]).inc();
    }

    /// A body of `kind` was not valid JSON and was not published: `sleeper_api_invalid_body_total{kind}` + 1.
    pub fn invalid_body(&self, kind: Kind) {
        self.invalid_body.with_label_values(&[kind.as_str()]).inc();
    }

    /// `n` scopes of `kind` were postponed for lack of quota:
    /// `sleeper_plan_deferred_total{kind}` + `n`.
    pub fn deferred(&self, kind: Kind, n: u64) {
        self.deferred.with_label_values(&[kind.as_str()]).inc_by(n);
    }

    /// A fetch of `kind` succeeded (appended or unchanged) at `unix_seconds`.
    pub fn success(&self, kind: Kind, unix_seconds: f64) {
        self.last_success
            .with_label_values(&[kind.as_str()])
            .set(unix_seconds);
    }

    /// The stalest scope of `kind` is this old.
    pub fn oldest_age(&self, kind: Kind, seconds: f64) {
        self.oldest_age
            .with_label_values(&[kind.as_str()])
            .set(seconds);
    }

    /// `sleeper_quota_saturated`: 1 when the quota held work back (a slot
    /// took over a second, or due scopes were deferred), 0 when a slot came
    /// quickly.
    pub fn set_saturated(&self, saturated: bool) {
        self.quota_saturated.set(i64::from(saturated));
    }
}
