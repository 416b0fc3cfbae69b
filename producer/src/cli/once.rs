//! `sleeper-producer once`, and the exit code of a pass's report (shared
//! with `backfill`).

use std::process::ExitCode;

use sleeper_shared::startup;

use super::args::BIN;
use super::session::Session;
use crate::cadence::Cadence;
use crate::config::ProducerConfig;
use crate::once::{once, PassReport};

/// One pass over the plan (`crate::once`); exit 1 if a scope failed.
pub(super) async fn command(config: ProducerConfig, cadence: &Cadence) -> anyhow::Result<ExitCode> {
    let session = Session::start(config).await?;
    let report = once(&session.producer, cadence, &session.cancel).await;
    Ok(exit_for(&report, "pass"))
}

/// Log the counts of `report` as "`what` complete"; then 0 when every scope
/// succeeded, else 1 with one line naming the failed scopes and why.
pub(super) fn exit_for(report: &PassReport, what: &str) -> ExitCode {
    tracing::info!(
        appended = report.appended,
        unchanged = report.unchanged,
        not_found = report.not_found,
        failed = report.failed.len(),
        "{what} complete"
    );
    if report.failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    let names: Vec<_> = report
        .failed
        .iter()
        .map(|(s, e)| format!("{s} ({e})"))
        .collect();
    startup::failure(
        BIN,
        format_args!("{} scope(s) failed: {}", names.len(), names.join(", ")),
    )
}
