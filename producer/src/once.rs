//! `sleeper-producer once`: fetch every scope of the plan now, then exit.

use sleeper_shared::{Origin, Scope};
use tokio_util::sync::CancellationToken;

use crate::app::Producer;
use crate::sync::Synced;

/// The result of one pass.
#[derive(Debug, Default)]
pub struct PassReport {
    pub appended: usize,
    pub unchanged: usize,
    pub not_found: usize,
    /// Scopes that failed, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Fetch `scopes` (with their league ids) concurrently, within the quota.
pub async fn run_pass(
    producer: &Producer,
    scopes: Vec<(Scope, Option<String>)>,
    origin: Origin,
    cancel: &CancellationToken,
) -> PassReport {
    let mut report = PassReport::default();
    let tasks = scopes.into_iter().map(|(scope, league)| {
        let syncer = producer.syncer.clone();
        let cancel = cancel.clone();
        async move {
            let r = syncer
                .sync(&scope, league.as_deref(), origin, &cancel)
                .await;
            (scope, r)
        }
    });
    // The quota's in-flight cap bounds real concurrency; this only bounds futures.
    let results: Vec<_> = futures::StreamExt::collect(futures::StreamExt::buffer_unordered(
        futures::stream::iter(tasks),
        producer.config.max_in_flight * 4,
    ))
    .await;
    for (scope, r) in results {
        match r {
            Ok(Synced::Appended { .. }) => report.appended += 1,
            Ok(Synced::Unchanged { .. }) | Ok(Synced::Stale) => report.unchanged += 1,
            Ok(Synced::NotFound) => report.not_found += 1,
            Err(e) => {
                tracing::warn!(scope = %scope, error = %e, "scope failed");
                report.failed.push((scope.to_string(), e.to_string()));
            }
        }
    }
    report
}
