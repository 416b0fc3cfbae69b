//! `sleeper-producer backfill`, and the check of its `--league`.

use std::process::ExitCode;

use sleeper_shared::scope::is_valid_id;

use super::once::exit_for;
use super::session::Session;
use crate::backfill::{backfill, BackfillOptions};
use crate::config::ProducerConfig;

/// `--league` must be a numeric league id; the error names the value.
pub(super) fn check_league(id: &str) -> Result<(), String> {
    if is_valid_id(id) && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("--league {id:?} is not a numeric league id"))
    }
}

/// Backfill the chains of `options` (`crate::backfill`); exit 1 if a scope
/// failed.
pub(super) async fn command(
    config: ProducerConfig,
    options: &BackfillOptions,
) -> anyhow::Result<ExitCode> {
    let session = Session::start(config).await?;
    let report = backfill(&session.producer, options, &session.cancel).await?;
    Ok(exit_for(&report, "backfill"))
}
