//! The command line as clap parses it.

use clap::{Parser, Subcommand};

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
    pub(super) command: Option<Command>,
}

#[derive(Subcommand)]
pub(super) enum Command {
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
    pub(super) fn default_http(&self) -> Option<&'static str> {
        match self {
            Command::Run | Command::Health => Some("127.0.0.1:9100"),
            Command::Once | Command::Backfill { .. } => None,
        }
    }
}
