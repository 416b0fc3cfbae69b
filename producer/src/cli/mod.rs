//! The `sleeper-producer` command line: its clap types, and what runs each
//! subcommand. `main.rs` only parses it and calls [`dispatch`].
//!
//! - `session`  — a connected producer, its HTTP server and its shutdown signal
//! - `once`     — `once`, and the exit code of a pass's report
//! - `backfill` — `backfill`, and the check of its `--league`
//! - `run`      — `run`, the default

mod backfill;
mod once;
mod run;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sleeper_shared::config::Env;
use sleeper_shared::startup;

use crate::backfill::BackfillOptions;
use crate::cadence::Cadence;
use crate::config::ProducerConfig;

/// The binary's name, which starts each line it writes to stderr.
pub const BIN: &str = "sleeper-producer";

/// `sleeper-producer [run|once|backfill|health]`.
#[derive(Parser)]
#[command(
    name = "sleeper-producer",
    version,
    about = "Polls the Sleeper API and appends snapshots to a Redis stream",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Poll forever (the default).
    Run,
    /// Fetch every scope of the plan now, then exit (1 if any scope failed).
    Once,
    /// Fetch past seasons through previous_league_id (1 if any scope failed).
    Backfill {
        /// The newest league of the chain (default: the configured leagues).
        #[arg(long)]
        league: Option<String>,
        /// How many seasons to walk back, newest first (default: all).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        seasons: Option<u32>,
    },
    /// Exit 0 if this host's /health answers (container healthcheck).
    Health,
}

impl Command {
    /// `HTTP_ADDR`'s default (`host:port`): `run` serves, and `health`
    /// probes, 127.0.0.1:9100; `once` and `backfill` serve nothing unless it
    /// is set.
    fn default_http(&self) -> Option<&'static str> {
        match self {
            Command::Run | Command::Health => Some("127.0.0.1:9100"),
            Command::Once | Command::Backfill { .. } => None,
        }
    }
}

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
