//! The consumer's command line: the clap definitions, and one module per
//! command that turns a library call into output and an exit code.
//!
//! - `args`    — the clap definitions of every command and option
//! - `dlq`     — `dlq list|show|requeue|discard`
//! - `replay`  — `replay [--from] [--to] [--kind]… [--league]…`
//! - `rebuild` — `rebuild`, with a progress bar on a terminal
//! - `status`  — `status [--json]`

use std::process::ExitCode;

use sleeper_shared::startup;

use crate::config::ConsumerConfig;
use crate::store::connect;
use crate::store::migrate::migrate;

mod args;
mod dlq;
mod rebuild;
mod replay;
mod status;

pub use args::{Cli, Command, DlqAction, RebuildArgs, ReplayArgs, BIN};

/// Run `command` with `config`; its exit code, or an error for exit 1.
pub async fn dispatch(command: Command, config: ConsumerConfig) -> anyhow::Result<ExitCode> {
    match command {
        Command::Health => startup::health(&config.common)
            .await
            .map_err(anyhow::Error::msg),
        Command::Migrate => {
            let mut client = connect::connect(&config).await?;
            let report = migrate(&mut client).await?;
            tracing::info!(applied = report.applied.len(), "migrations up to date");
            println!("applied {} migration(s)", report.applied.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            crate::app::run(config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => status::run(&config, json).await,
        Command::Dlq { action } => dlq::run(action, &config).await,
        Command::Replay(args) => replay::run(&config, args).await,
        Command::Rebuild(args) => rebuild::run(&config, args).await,
    }
}
