//! `sleeper-producer run`: poll until SIGINT or SIGTERM, then exit 0.

use std::process::ExitCode;

use super::session::Session;
use crate::cadence::Cadence;
use crate::config::ProducerConfig;
use crate::run::run;

/// The polling loop (`crate::run`), until a signal and its drain.
pub(super) async fn command(config: ProducerConfig, cadence: &Cadence) -> anyhow::Result<ExitCode> {
    let session = Session::start(config).await?;
    run(&session.producer, cadence, &session.cancel).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
