//! The command line as clap parses it.

use clap::{Args, Parser, Subcommand};

use crate::ops::stream_source::Source;

/// The binary's name, as every message it prints starts with it.
pub const BIN: &str = "sleeper-consumer";

#[derive(Parser)]
#[command(
    name = "sleeper-consumer",
    version,
    about = "Projects the event stream into Postgres tables"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Join the group, archive and project forever (the default).
    Run,
    /// Apply migrations, then exit.
    Migrate,
    /// Re-project a range of the archive: each scope's newest event in the
    /// range (its current version included) and every series sample; never
    /// overwrites a newer snapshot.
    Replay(ReplayArgs),
    /// Rebuild every projection table from the whole log (archive and
    /// stream) into a shadow schema, then swap it in atomically — unless the
    /// new tables would lack what the live ones hold.
    Rebuild(RebuildArgs),
    /// Stream length, groups, lag (events, seconds), pending, DLQ, archive.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Inspect and handle dead letters.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Exit 0 if this host's /health answers (container healthcheck).
    Health,
}

/// `replay`'s range, filters and source.
#[derive(Args)]
pub struct ReplayArgs {
    /// From this stream id or RFC 3339 append time (inclusive).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this stream id or RFC 3339 append time (inclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Only these kinds (repeatable).
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// Only events of these leagues (draft scopes included; repeatable).
    #[arg(long = "league")]
    pub leagues: Vec<String>,
    /// Where events come from: the archive, the stream (entries the archive
    /// lacks are archived first), or both.
    #[arg(long, value_enum, default_value_t = Source::Both)]
    pub source: Source,
}

/// `rebuild`'s source and safety switches.
#[derive(Args)]
pub struct RebuildArgs {
    /// Where events come from: the archive, the stream (entries the archive
    /// lacks are archived first), or both.
    #[arg(long, value_enum, default_value_t = Source::Both)]
    pub source: Source,
    /// Build and compare with the live tables, then drop the new tables
    /// instead of swapping them in (exit 1 if the real run would refuse).
    #[arg(long)]
    pub dry_run: bool,
    /// Swap even if the new tables lack scopes or series rows the live ones
    /// hold: for deliberately dropping data.
    #[arg(long, conflicts_with = "dry_run")]
    pub allow_loss: bool,
}

#[derive(Subcommand)]
pub enum DlqAction {
    /// List dead letters (oldest first).
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show one dead letter in full.
    Show { id: String },
    /// Put dead letters back on the stream, keeping their original id as version.
    Requeue {
        /// The DLQ id (from `dlq list`).
        id: Option<String>,
        /// Requeue every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Delete a dead letter (the archive keeps the event).
    Discard { id: String },
}

impl Command {
    /// The `HTTP_ADDR` a command serves on when none is set: only the
    /// long-running `run` (and `health`, which probes it) have one.
    pub fn default_http_addr(&self) -> Option<&'static str> {
        match self {
            Command::Run | Command::Health => Some("127.0.0.1:9101"),
            Command::Migrate
            | Command::Status { .. }
            | Command::Dlq { .. }
            | Command::Replay(_)
            | Command::Rebuild(_) => None,
        }
    }
}
