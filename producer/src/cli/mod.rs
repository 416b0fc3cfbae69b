//! The `sleeper-producer` command line: its clap types, and what runs each
//! subcommand. `main.rs` only parses it and calls [`dispatch`].
//!
//! - `args`     — the clap types and the binary's name
//! - `session`  — a connected producer, its HTTP server and its shutdown signal
//! - `once`     — `once`, and the exit code of a pass's report
//! - `backfill` — `backfill`, and the check of its `--league`
//! - `run`      — `run`, the default

mod args;
mod backfill;
mod once;
mod run;
mod session;

use args::Command;
pub use args::{Cli, BIN};

use std::process::ExitCode;

use sleeper_shared::config::Env;
use sleeper_shared::startup;

use crate::backfill::BackfillOptions;
use crate::cadence::Cadence;
use crate::config::ProducerConfig;

/// Run the parsed command line (no subcommand is `run`) and return the
/// process's exit code: 2 with one line naming a bad setting or argument
/// before anything starts, 1 with one line when the command fails, else the
/// command's own.
pub fn dispatch(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Run);
    let config = match ProducerConfig::load(&Env::from_process(), command.default_http()) {
        Ok(c) => c,
        Err(e) => return startup::usage_error(BIN, e),
    };
    if let Command::Backfill {
        league: Some(id), ..
    } = &command
    {
        if let Err(e) = backfill::check_league(id) {
            return startup::usage_error(BIN, e);
        }
    }
    let cadence = match Cadence::load(config.poll_config.as_deref()) {
        Ok(c) => c,
        Err(e) => return startup::usage_error(BIN, format_args!("SLEEPER_POLL_CONFIG: {e}")),
    };
    let common = config.common.clone();
    startup::run(BIN, &common, execute(command, config, cadence))
}

/// The command itself, on the runtime.
async fn execute(
    command: Command,
    config: ProducerConfig,
    cadence: Cadence,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Health => startup::health(&config.common)
            .await
            .map_err(anyhow::Error::msg),
        Command::Once => once::command(config, &cadence).await,
        Command::Backfill { league, seasons } => {
            backfill::command(config, &BackfillOptions { league, seasons }).await
        }
        Command::Run => run::command(config, &cadence).await,
    }
}
